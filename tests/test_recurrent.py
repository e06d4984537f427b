"""nn.Recurrent: any cell over a sequence; the built-in cells equal the built-in layers; a learner's own cell."""
import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import nn
from tinygrad_rnn.nn.recurrent import Recurrent

CELLS = [("RNN", "tanh"), ("RNN", "relu"), ("RNN", "leaky_relu"), ("RNN", "elu"), ("LSTM", None), ("GRU", None)]


def as_tuple(state):
    return state if isinstance(state, tuple) else (state,)


def layer_and_cell(kind, nonlinearity, reverse=False):
    """A unidirectional (or, for ``reverse``, bidirectional) unrolled layer, and its cell with the same weights."""
    extra = {"nonlinearity": nonlinearity} if kind == "RNN" else {}
    tr.manual_seed(0)
    layer = getattr(nn, kind)(3, 4, bidirectional=reverse, impl="unrolled", dtype=np.float64, **extra)
    cell = getattr(nn, kind + "Cell")(3, 4, dtype=np.float64, **extra)
    suffix = "_l0_reverse" if reverse else "_l0"
    cell.load_state_dict({k[: -len(suffix)]: v for k, v in layer.state_dict().items() if k.endswith(suffix)})
    return layer, cell


def outputs_and_gradients(fn, x, params, rng):
    """fn(x) -> (out, state): the outputs, and the gradients of x and params under random upstream gradients."""
    for t in [x] + params:
        t.grad = None
    out, state = fn(x)
    tensors = [out] + list(state)
    loss = sum(((t * tr.Tensor(rng.standard_normal(t.shape))).sum() for t in tensors[1:]),
               (out * tr.Tensor(rng.standard_normal(out.shape))).sum())
    loss.backward()
    return [t.numpy() for t in tensors] + [t.grad.numpy() for t in [x] + params]


@pytest.mark.parametrize("kind,nonlinearity", CELLS, ids=lambda v: str(v))
def test_recurrent_of_a_builtin_cell_equals_the_unrolled_layer(kind, nonlinearity):
    layer, cell = layer_and_cell(kind, nonlinearity)
    x = tr.Tensor(np.random.default_rng(1).standard_normal((6, 2, 3)), requires_grad=True)

    def recurrent(x):
        out, state = Recurrent(cell)(x)
        return out, as_tuple(state)

    def builtin(x):
        out, state = layer(x)
        return out, [s[0] for s in as_tuple(state)]  # (1, B, H) -> (B, H)
    ours = outputs_and_gradients(recurrent, x, list(cell.parameters()), np.random.default_rng(2))
    theirs = outputs_and_gradients(builtin, x, list(layer.parameters()), np.random.default_rng(2))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind,nonlinearity", [("LSTM", None), ("GRU", None)], ids=lambda v: str(v))
def test_reverse_equals_the_reverse_direction_of_a_bidirectional_layer(kind, nonlinearity):
    layer, cell = layer_and_cell(kind, nonlinearity, reverse=True)
    x = tr.Tensor(np.random.default_rng(1).standard_normal((5, 2, 3)))
    out, state = layer(x)
    rout, rstate = Recurrent(cell, reverse=True)(x)
    np.testing.assert_allclose(rout.numpy(), out.numpy()[..., 4:], rtol=1e-12)
    for mine, whole in zip(as_tuple(rstate), as_tuple(state)):
        np.testing.assert_allclose(mine.numpy(), whole.numpy()[1], rtol=1e-12)


def test_batch_first_is_the_transposed_layout():
    _, cell = layer_and_cell("GRU", None)
    x = np.random.default_rng(1).standard_normal((5, 2, 3))
    out, h = Recurrent(cell)(tr.Tensor(x))
    out_bf, h_bf = Recurrent(cell, batch_first=True)(tr.Tensor(x.transpose(1, 0, 2)))
    np.testing.assert_array_equal(out_bf.numpy(), out.numpy().transpose(1, 0, 2))
    np.testing.assert_array_equal(h_bf.numpy(), h.numpy())


def test_a_given_state_is_used_and_returned_in_the_cells_form():
    _, cell = layer_and_cell("LSTM", None)
    rng = np.random.default_rng(0)
    x, h0, c0 = (tr.Tensor(rng.standard_normal(s)) for s in ((4, 2, 3), (2, 4), (2, 4)))
    out, (h, c) = Recurrent(cell)(x, (h0, c0))
    state = (h0, c0)
    for t in range(4):
        state = cell(x[t], state)
    np.testing.assert_array_equal(h.numpy(), state[0].numpy())
    np.testing.assert_array_equal(c.numpy(), state[1].numpy())
    np.testing.assert_array_equal(out.numpy()[-1], h.numpy())


class MinimalGatedUnit(nn.Module):
    """Zhou et al. 2016: one gate f;  h' = (1 - f) h + f tanh(W_x x + b + W_h (f h)),  f = σ(U_x x + c + U_h h)."""

    def __init__(self, input_size, hidden_size, dtype=np.float32):
        self.hidden_size = hidden_size
        self.gate_x = nn.Linear(input_size, hidden_size, dtype=dtype)
        self.gate_h = nn.Linear(hidden_size, hidden_size, bias=False, dtype=dtype)
        self.candidate_x = nn.Linear(input_size, hidden_size, dtype=dtype)
        self.candidate_h = nn.Linear(hidden_size, hidden_size, bias=False, dtype=dtype)

    def forward(self, x, h):
        f = (self.gate_x(x) + self.gate_h(h)).sigmoid()
        candidate = (self.candidate_x(x) + self.candidate_h(f * h)).tanh()
        return h + f * (candidate - h)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_a_learners_own_cell_gets_bptt_reversal_and_batch_first(batch_first, reverse):
    tr.manual_seed(0)
    layer = Recurrent(MinimalGatedUnit(3, 4, dtype=np.float64), batch_first=batch_first, reverse=reverse)
    rng = np.random.default_rng(0)
    x = tr.Tensor(rng.standard_normal((2, 5, 3) if batch_first else (5, 2, 3)), requires_grad=True)
    h0 = tr.Tensor(rng.standard_normal((2, 4)), requires_grad=True)
    assert tr.gradcheck(lambda x, h0, *params: layer(x, h0), [x, h0] + list(layer.parameters()))


def test_a_learners_own_cell_matches_the_same_cell_written_in_torch():
    torch = pytest.importorskip("torch", reason="the torch comparison needs torch (pip install torch==2.13.0)")
    tr.manual_seed(0)
    cell = MinimalGatedUnit(3, 4, dtype=np.float64)
    w = {k: torch.tensor(v.numpy(), requires_grad=True) for k, v in cell.state_dict().items()}

    def torch_cell(x, h):
        f = torch.sigmoid(x @ w["gate_x.weight"].T + w["gate_x.bias"] + h @ w["gate_h.weight"].T)
        candidate = torch.tanh(x @ w["candidate_x.weight"].T + w["candidate_x.bias"]
                               + (f * h) @ w["candidate_h.weight"].T)
        return h + f * (candidate - h)

    rng = np.random.default_rng(0)
    x, upstream = rng.standard_normal((6, 2, 3)), rng.standard_normal((6, 2, 4))
    ox, tx = tr.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, h = Recurrent(cell, reverse=True)(ox)
    h_t, touts = torch.zeros(2, 4, dtype=torch.float64), [None] * 6
    for t in reversed(range(6)):
        h_t = touts[t] = torch_cell(tx[t], h_t)
    (out * tr.Tensor(upstream)).sum().backward()
    (torch.stack(touts) * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(out.numpy(), torch.stack(touts).detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h.numpy(), h_t.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    for name, p in cell.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), w[name].grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def test_a_cell_without_hidden_size_or_initial_state_is_refused():
    class NoState(nn.Module):
        def forward(self, x, h):
            return x

    with pytest.raises(TypeError, match=r"NoState needs initial_state\(batch\) or hidden_size"):
        Recurrent(NoState())
    with pytest.raises(TypeError, match="expected a cell Module with forward"):
        Recurrent(lambda x, h: x)


def test_input_of_the_wrong_rank_is_named():
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, seq, features\), got \(5, 3\)"):
        Recurrent(nn.GRUCell(3, 4), batch_first=True)(tr.Tensor(np.ones((5, 3), np.float32)))
