"""Packed batches in RNN/LSTM/GRU and nn.Recurrent: equal to torch's, fused == unrolled, each sequence to its end."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tr
from tinygrad_rnn import nn
from tinygrad_rnn.nn.recurrent import Recurrent
from tinygrad_rnn.nn.utils.rnn import PackedSequence, pack_padded_sequence

KINDS = [("RNN", "tanh"), ("RNN", "relu"), ("LSTM", None), ("GRU", None)]


def packed_config(kinds):
    return st.fixed_dictionaries({
        "kind": st.sampled_from(kinds), "lengths": st.lists(st.integers(1, 5), min_size=1, max_size=9),
        "layers": st.integers(1, 2), "bidirectional": st.booleans(), "batch_first": st.booleans(),
        "enforce_sorted": st.booleans(), "with_hx": st.booleans(), "impl": st.sampled_from(["fused", "unrolled"]),
        "seed": st.integers(0, 2**16)})


def draw(c):
    """Padded input (with garbage in the padding: a layer must never read it), lengths, hx and upstream gradients."""
    rng = np.random.default_rng(c["seed"])
    lengths = sorted(c["lengths"], reverse=True) if c["enforce_sorted"] else c["lengths"]
    B, T, d = len(lengths), max(lengths), 2 if c["bidirectional"] else 1
    x = rng.standard_normal((B, T, 3) if c["batch_first"] else (T, B, 3))
    n_states = 2 if c["kind"][0] == "LSTM" else 1
    hx = [rng.standard_normal((c["layers"] * d, B, 4)) for _ in range(n_states)] if c["with_hx"] else None
    upstream = [rng.standard_normal((sum(lengths), 4 * d))]
    upstream += [rng.standard_normal((c["layers"] * d, B, 4)) for _ in range(n_states)]
    return x, lengths, hx, upstream


def ours_packed(c, layer, x, lengths, hx, upstream):
    """Our packed run: [output data, h_n (, c_n), and the gradients of x, hx and every parameter]."""
    layer.impl = c["impl"]
    ox = tr.Tensor(x, requires_grad=True)
    ohx = None if hx is None else [tr.Tensor(h, requires_grad=True) for h in hx]
    packed = pack_padded_sequence(ox, lengths, batch_first=c["batch_first"], enforce_sorted=c["enforce_sorted"])
    out, hn = layer(packed, None if ohx is None else (tuple(ohx) if len(ohx) == 2 else ohx[0]))
    assert isinstance(out, PackedSequence)
    np.testing.assert_array_equal(out.batch_sizes, packed.batch_sizes)
    hn = list(hn) if isinstance(hn, tuple) else [hn]
    loss = sum(((h * tr.Tensor(u)).sum() for h, u in zip(hn, upstream[1:])), (out.data * tr.Tensor(upstream[0])).sum())
    loss.backward()
    grads = [ox.grad] + ([] if ohx is None else [h.grad for h in ohx]) + [p.grad for p in layer.parameters()]
    return [t.numpy() for t in [out.data] + hn + grads]


def build(c, dtype=np.float64):
    kind, nonlinearity = c["kind"]
    extra = {"nonlinearity": nonlinearity} if kind == "RNN" else {}
    tr.manual_seed(c["seed"])
    return getattr(nn, kind)(3, 4, num_layers=c["layers"], bidirectional=c["bidirectional"],
                             batch_first=c["batch_first"], dtype=dtype, **extra)


@settings(max_examples=40, deadline=None)
@given(c=packed_config(KINDS))
def test_packed_layers_equal_torch(c):
    torch = pytest.importorskip("torch", reason="the torch comparison needs torch (pip install torch==2.13.0)")
    x, lengths, hx, upstream = draw(c)
    ours = build(c)
    kind, nonlinearity = c["kind"]
    extra = {"nonlinearity": nonlinearity} if kind == "RNN" else {}
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=c["layers"], bidirectional=c["bidirectional"],
                                     batch_first=c["batch_first"], **extra).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    tx = torch.tensor(x, requires_grad=True)
    thx = None if hx is None else [torch.tensor(h, requires_grad=True) for h in hx]
    packed = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first=c["batch_first"],
                                                     enforce_sorted=c["enforce_sorted"])
    out, hn = theirs(packed, None if thx is None else (tuple(thx) if len(thx) == 2 else thx[0]))
    hn = list(hn) if isinstance(hn, tuple) else [hn]
    loss = (out.data * torch.tensor(upstream[0])).sum() + sum((h * torch.tensor(u)).sum()
                                                              for h, u in zip(hn, upstream[1:]))
    loss.backward()
    grads = [tx.grad] + ([] if thx is None else [h.grad for h in thx]) + [p.grad for p in theirs.parameters()]
    expected = [t.detach().numpy() for t in [out.data] + hn + grads]
    for a, b in zip(ours_packed(c, ours, x, lengths, hx, upstream), expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(c=packed_config(KINDS + [("RNN", "leaky_relu"), ("RNN", "elu")]))
def test_packed_fused_equals_unrolled(c):
    x, lengths, hx, upstream = draw(c)
    layer = build(c)
    results = {}
    for impl in ("fused", "unrolled"):
        layer.zero_grad()
        results[impl] = ours_packed(dict(c, impl=impl), layer, x, lengths, hx, upstream)
    for a, b in zip(results["fused"], results["unrolled"], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("impl", ["fused", "unrolled"])
def test_padding_is_never_read_and_the_final_state_is_each_sequences_own(impl):
    """Sequence 1 of length 2 inside a batch padded to 5 equals the same sequence run alone."""
    tr.manual_seed(0)
    layer = nn.GRU(3, 4, bidirectional=True, impl=impl, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((5, 2, 3)) * 1e3  # huge padding would show if it were read
    packed = pack_padded_sequence(tr.Tensor(x), [5, 2])
    out, h = layer(packed)
    alone_out, alone_h = layer(tr.Tensor(x[:2, 1:2]))
    np.testing.assert_allclose(h.numpy()[:, 1], alone_h.numpy()[:, 0], rtol=1e-12)
    np.testing.assert_allclose(out.data.numpy()[[1, 3]], alone_out.numpy()[:, 0], rtol=1e-12)


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("reverse", [False, True])
def test_recurrent_accepts_packed_input_and_equals_the_layer(enforce_sorted, reverse):
    tr.manual_seed(0)
    layer = nn.LSTM(3, 4, bidirectional=reverse, impl="unrolled", dtype=np.float64)
    cell = nn.LSTMCell(3, 4, dtype=np.float64)
    suffix = "_l0_reverse" if reverse else "_l0"
    cell.load_state_dict({k[: -len(suffix)]: v for k, v in layer.state_dict().items() if k.endswith(suffix)})
    lengths = [4, 3, 1] if enforce_sorted else [1, 4, 3]
    x = tr.Tensor(np.random.default_rng(0).standard_normal((4, 3, 3)))
    packed = pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
    out, (h, c) = layer(packed)
    rout, (rh, rc) = Recurrent(cell, reverse=reverse)(packed)
    half = slice(4, 8) if reverse else slice(0, 4)
    np.testing.assert_allclose(rout.data.numpy(), out.data.numpy()[:, half], rtol=1e-12)
    np.testing.assert_allclose(rh.numpy(), h.numpy()[-1], rtol=1e-12)
    np.testing.assert_allclose(rc.numpy(), c.numpy()[-1], rtol=1e-12)
