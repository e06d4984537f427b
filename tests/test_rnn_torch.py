"""RNN/LSTM/GRU and their cells against PyTorch: state dicts both ways, outputs, states, gradients.

One grid: the fused layers == torch.  The unrolled path is held to the fused one
(test_rnn.py, fused == unrolled to 1e-10 over drawn configurations), so it equals
torch through it.  The grid covers every combination of any three of the seven
options (a strength-3 orthogonal array: 16 rows instead of the 128 of the full
product) for each cell type in float64, and every pair of them in float32.
"""
import itertools

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import nn

torch = pytest.importorskip("torch", reason="PyTorch parity tests need torch (pip install torch==2.13.0)")

TOL = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-10)}
KINDS = [("RNN", "tanh"), ("RNN", "relu"), ("LSTM", None), ("GRU", None)]
LEVELS = [(1, 2), (False, True), (False, True), (False, True), (False, True), (1, 13), (1, 5)]  # layers..batch


def covering_rows(strength: int) -> list:
    """Rows of 0/1 over the 7 options in which every combination of any ``strength`` options appears.

    Strength 3: the 2^(7-3) design with generators E = BCD, F = ACD, G = ABC (16 rows);
    strength 2: the 2^(7-4) design with D = AB, E = AC, F = BC, G = ABC (8 rows).
    """
    if strength == 3:
        return [(a, b, c, d, b ^ c ^ d, a ^ c ^ d, a ^ b ^ c) for a, b, c, d in itertools.product((0, 1), repeat=4)]
    return [(a, b, c, a ^ b, a ^ c, b ^ c, a ^ b ^ c) for a, b, c in itertools.product((0, 1), repeat=3)]


def grid(strength: int) -> list:
    return [(kind,) + tuple(levels[bit] for levels, bit in zip(LEVELS, row))
            for kind in KINDS for row in covering_rows(strength)]


GRID = [g + (np.float64,) for g in grid(3)] + [g + (np.float32,) for g in grid(2)]


@pytest.mark.parametrize("strength,rows", [(3, 16), (2, 8)])
def test_the_grid_covers_every_combination_of_any_strength_options(strength, rows):
    cover = covering_rows(strength)
    assert len(cover) == rows
    for cols in itertools.combinations(range(len(LEVELS)), strength):
        assert len({tuple(r[c] for c in cols) for r in cover}) == 2 ** strength, cols


def pair(kind, nonlinearity, dtype, **kw):
    """A torch layer and ours with torch's weights loaded."""
    extra = {"nonlinearity": nonlinearity} if kind == "RNN" else {}
    theirs = getattr(torch.nn, kind)(**kw, **extra).to(torch.float64 if dtype == np.float64 else torch.float32)
    ours = getattr(nn, kind)(**kw, **extra, dtype=dtype)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def run_both(ours, theirs, x, hx, upstream, impl="fused"):
    ours.impl = impl
    tx = torch.tensor(x, requires_grad=True)
    thx = None if hx is None else tuple(torch.tensor(h, requires_grad=True) for h in hx)
    ox = tr.Tensor(x, requires_grad=True)
    ohx = None if hx is None else tuple(tr.Tensor(h, requires_grad=True) for h in hx)
    tout, th = theirs(tx, None if thx is None else (thx if len(thx) == 2 else thx[0]))
    oout, oh = ours(ox, None if ohx is None else (ohx if len(ohx) == 2 else ohx[0]))
    th, oh = (th if isinstance(th, tuple) else (th,)), (oh if isinstance(oh, tuple) else (oh,))
    tloss = (tout * torch.tensor(upstream[0])).sum()
    tloss = tloss + sum((h * torch.tensor(u)).sum() for h, u in zip(th, upstream[1:]))
    oloss = (oout * tr.Tensor(upstream[0])).sum() + sum(
        ((h * tr.Tensor(u)).sum() for h, u in zip(oh, upstream[1:])), tr.Tensor(np.zeros((), x.dtype)))
    tloss.backward()
    oloss.backward()
    pairs = [(oout, tout)] + list(zip(oh, th)) + [(ox.grad, tx.grad)]
    if hx is not None:
        pairs += [(o.grad, t.grad) for o, t in zip(ohx, thx)]
    tparams = dict(theirs.named_parameters())
    pairs += [(p.grad, tparams[n].grad) for n, p in ours.named_parameters()]
    return [(o.numpy(), t.detach().numpy()) for o, t in pairs]


def case(kind, nonlinearity, layers, bidirectional, batch_first, bias, with_hx, seq, batch, dtype, seed=0):
    tr.manual_seed(seed)
    torch.manual_seed(seed)
    ours, theirs = pair(kind, nonlinearity, dtype, input_size=3, hidden_size=4, num_layers=layers,
                        bidirectional=bidirectional, batch_first=batch_first, bias=bias)
    rng = np.random.default_rng(seed)
    d = 2 if bidirectional else 1
    x = rng.standard_normal((batch, seq, 3) if batch_first else (seq, batch, 3)).astype(dtype)
    n_states = 2 if kind == "LSTM" else 1
    hx = [rng.standard_normal((layers * d, batch, 4)).astype(dtype) for _ in range(n_states)] if with_hx else None
    out_shape = (batch, seq, 4 * d) if batch_first else (seq, batch, 4 * d)
    upstream = [rng.standard_normal(out_shape).astype(dtype)]
    upstream += [rng.standard_normal((layers * d, batch, 4)).astype(dtype) for _ in range(n_states)]
    return ours, theirs, x, hx, upstream


def case_id(v):
    if isinstance(v, tuple):
        return "-".join(filter(None, v))
    return {np.float32: "f32", np.float64: "f64"}.get(v, str(v))


@pytest.mark.parametrize("kind,layers,bidirectional,batch_first,bias,with_hx,seq,batch,dtype", GRID, ids=case_id)
def test_torch_weights_give_torch_values_and_gradients(kind, layers, bidirectional, batch_first, bias, with_hx,
                                                       seq, batch, dtype):
    args = case(*kind, layers, bidirectional, batch_first, bias, with_hx, seq, batch, dtype)
    for ours, theirs in run_both(*args):
        np.testing.assert_allclose(ours, theirs, **TOL[dtype])


@pytest.mark.parametrize("kind", KINDS, ids=case_id)
@pytest.mark.parametrize("impl", ["fused", "unrolled"])
def test_batch_of_no_sequences_matches_torch(kind, impl):
    ours, theirs, x, hx, upstream = case(*kind, 2, True, False, True, False, 4, 0, np.float64)
    for o, t in run_both(ours, theirs, x, hx, upstream, impl=impl):
        assert o.shape == t.shape
        np.testing.assert_array_equal(o, t)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: "-".join(filter(None, k)))
def test_our_weights_load_into_torch(kind):
    tr.manual_seed(3)
    extra = {"nonlinearity": kind[1]} if kind[0] == "RNN" else {}
    ours = getattr(nn, kind[0])(3, 4, num_layers=2, bidirectional=True, dtype=np.float64, **extra)
    theirs = getattr(torch.nn, kind[0])(3, 4, num_layers=2, bidirectional=True, **extra).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((6, 2, 3))
    out, _ = ours(tr.Tensor(x))
    np.testing.assert_allclose(out.numpy(), theirs(torch.tensor(x))[0].detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: "-".join(filter(None, k)))
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_cells_match_torch(kind, dtype):
    extra = {"nonlinearity": kind[1]} if kind[0] == "RNN" else {}
    theirs = getattr(torch.nn, f"{kind[0]}Cell")(3, 4, **extra)
    theirs = theirs.to(torch.float64 if dtype == np.float64 else torch.float32)
    ours = getattr(nn, f"{kind[0]}Cell")(3, 4, **extra, dtype=dtype)
    ours.load_state_dict(theirs.state_dict())
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3)).astype(dtype)
    hs = [rng.standard_normal((5, 4)).astype(dtype) for _ in range(2 if kind[0] == "LSTM" else 1)]
    tx, ox = torch.tensor(x, requires_grad=True), tr.Tensor(x, requires_grad=True)
    th = tuple(torch.tensor(h) for h in hs)
    oh = tuple(tr.Tensor(h) for h in hs)
    tout = theirs(tx, th if len(th) == 2 else th[0])
    oout = ours(ox, oh if len(oh) == 2 else oh[0])
    tout, oout = (tout if isinstance(tout, tuple) else (tout,)), (oout if isinstance(oout, tuple) else (oout,))
    sum(t.sum() for t in tout).backward()
    sum((o.sum() for o in oout[1:]), oout[0].sum()).backward()
    for o, t in zip(oout, tout):
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), **TOL[dtype])
    tparams = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[n].grad.numpy(), **TOL[dtype])
