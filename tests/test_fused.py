"""The fused Functions on their own (tinygrad_rnn.fused): gradients, outputs left out, inputs untouched,
fresh outputs despite pooled scratch, empty batches, and the memory BPTT must keep."""
import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.fused import FusedGRU, FusedLSTM, FusedRNN
from tinygrad_rnn.fused.common import weight_grads
from tinygrad_rnn.nn.elman import NONLINEARITIES

# name → (Function, gates, state parts, options)
FUSED = {f"RNN_{k}": (FusedRNN, 1, 1, {"nonlinearity": v}) for k, v in NONLINEARITIES.items()}
FUSED.update({"LSTM": (FusedLSTM, 4, 2, {}), "GRU": (FusedGRU, 3, 1, {})})


def inputs(name, T=3, B=2, n_in=3, H=4, bias=True, seed=0):
    """(x, *state, *weights) as float64 Tensors requiring grad."""
    _, G, n_states, _ = FUSED[name]
    rng = np.random.default_rng(seed)
    shapes = [(T, B, n_in)] + [(B, H)] * n_states + [(G * H, n_in), (G * H, H)] + ([(G * H,)] * 2 if bias else [])
    return [tr.Tensor(rng.standard_normal(s) * 0.7, requires_grad=True) for s in shapes]


def apply(name, *args):
    fn, _, _, options = FUSED[name]
    return fn.apply(*args, **options)


@pytest.mark.parametrize("name", sorted(FUSED))
@pytest.mark.parametrize("bias", [True, False])
def test_gradcheck_of_every_input(name, bias):
    args = inputs(name, bias=bias)
    assert tr.gradcheck(lambda *a: apply(name, *a), args)


@pytest.mark.parametrize("name", sorted(FUSED))
@pytest.mark.parametrize("batch_sizes", [[3, 2, 2, 1], [6, 5, 3, 2, 1]])
def test_gradcheck_on_packed_data(name, batch_sizes):
    """Packed (``batch_sizes``): x is torch's packed data (N, I), step t its b_t rows; every input differentiates.

    [3, 2, 2, 1]: lengths 4, 3, 1.  [6, 5, 3, 2, 1]: lengths 5, 4, 3, 2, 2, 1, which the LSTM and GRU run on
    6, 6, 4, 4, 4 columns (two runs of one width, with added columns at every step but the first; steps.py).
    """
    fn, _, _, options = FUSED[name]
    B, N = batch_sizes[0], sum(batch_sizes)
    args = inputs(name, T=1, B=B, seed=2)
    args[0] = tr.Tensor(np.random.default_rng(3).standard_normal((N, 3)) * 0.7, requires_grad=True)
    out = fn.apply(*args, batch_sizes=batch_sizes, **options)
    assert out[0].shape == (N, 4) and all(s.shape == (B, 4) for s in out[1:])
    assert tr.gradcheck(lambda *a: fn.apply(*a, batch_sizes=batch_sizes, **options), args)


@pytest.mark.parametrize("name", sorted(FUSED))
@pytest.mark.parametrize("used", ["outputs", "final_state"])
def test_gradcheck_when_only_some_outputs_are_used(name, used):
    """Outputs that get no gradient reach backward as None: the rest still differentiate right."""
    args = inputs(name, seed=1)
    pick = (lambda out: out[0]) if used == "outputs" else (lambda out: out[1:])
    assert tr.gradcheck(lambda *a: pick(apply(name, *a)), args)


@pytest.mark.parametrize("name", sorted(FUSED))
@pytest.mark.parametrize("packed", [False, True])
def test_an_input_that_needs_no_gradient_gets_none_and_the_weights_the_same_gradients(name, packed):
    """dL/dx is skipped for data (a first layer's input): the other gradients do not depend on it."""
    fn, _, _, options = FUSED[name]
    if packed:
        options = {**options, "batch_sizes": [2, 2, 1]}
    args = inputs(name, T=3 if not packed else 1, B=2)
    if packed:
        args[0] = tr.Tensor(np.random.default_rng(4).standard_normal((5, 3)), requires_grad=True)
    data = tr.Tensor(args[0].numpy())  # the same values, no gradient wanted
    grads = []
    for first in (args[0], data):
        out = fn.apply(first, *args[1:], **options)
        ctx = out[0]._ctx
        upstream = [np.random.default_rng(5 + i).standard_normal(o.shape) for i, o in enumerate(out)]
        grads.append(ctx.backward(*upstream))
        ctx.release()
    assert grads[0][0] is not None and grads[0][0].shape == args[0].shape and grads[1][0] is None
    for with_dx, without_dx in zip(grads[0][1:], grads[1][1:]):
        np.testing.assert_array_equal(with_dx, without_dx)


@pytest.mark.parametrize("name", sorted(FUSED))
def test_forward_and_backward_leave_their_inputs_unchanged(name):
    args = inputs(name)
    before = [a.numpy().copy() for a in args]
    out = apply(name, *args)
    sum((o * o).sum() for o in out).backward()
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a.numpy(), b)


@pytest.mark.parametrize("name", sorted(FUSED))
def test_outputs_and_gradients_are_fresh_arrays_not_pooled_scratch(name):
    """Later calls reuse the pool; what one call handed out must not change."""
    args = inputs(name)
    out = apply(name, *args)
    sum((o * o).sum() for o in out).backward()
    kept = [o.numpy().copy() for o in out] + [a.grad.numpy().copy() for a in args]
    for seed in (1, 2):
        more = apply(name, *inputs(name, seed=seed))
        sum((o * o).sum() for o in more).backward()
    for a, b in zip(kept, [o.numpy() for o in out] + [a.grad.numpy() for a in args]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(FUSED))
def test_a_batch_of_zero_gives_empty_outputs_and_zero_weight_gradients(name):
    args = inputs(name, B=0)
    out = apply(name, *args)
    assert out[0].shape == (3, 0, 4) and all(s.shape == (0, 4) for s in out[1:])
    out[0].sum().backward()
    for w in args[-4:]:
        np.testing.assert_array_equal(w.grad.numpy(), np.zeros(w.shape))


def test_weight_grads_are_the_sums_over_steps():
    """dL/dW_ih = Σ_t δa_t x_tᵀ, dL/dW_hh = Σ_t δa_t h_{t-1}ᵀ, dL/db = Σ_t δa_t, dL/dx_t = W_ihᵀ δa_t."""
    rng = np.random.default_rng(0)
    T, B, n_in, H, G = 4, 3, 2, 5, 6
    da, x, h0, hs, w_ih = (rng.standard_normal(s) for s in ((T, G, B), (T, B, n_in), (B, H), (T, B, H), (G, n_in)))
    by_gate = np.ascontiguousarray(da.transpose(1, 0, 2).reshape(G, T * B))
    dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(by_gate, x, h0, hs, w_ih)
    h_prev = np.concatenate([h0[None], hs[:-1]])
    np.testing.assert_allclose(dw_ih, sum(da[t] @ x[t] for t in range(T)), rtol=1e-12)
    np.testing.assert_allclose(dw_hh, sum(da[t] @ h_prev[t] for t in range(T)), rtol=1e-12)
    np.testing.assert_allclose(db_ih, da.sum(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(db_hh, da.sum(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(dx, np.stack([(w_ih.T @ da[t]).T for t in range(T)]), rtol=1e-12)


# What BPTT must keep per step and sample, in units of H: the states h_t (all), the GRU's r, z, n and
# W_hn h_{t-1} + b_hn, the LSTM's four gates (as their local derivatives), f and c_t (as ∂h_t/∂c_t).
MUST_KEEP = {"RNN_tanh": 1, "GRU": 5, "LSTM": 6}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MUST_KEEP))
def test_memory_over_2000_steps_stays_within_1_5x_of_what_bptt_must_keep(name):
    import tracemalloc

    from tinygrad_rnn.fused.workspace import WORKSPACE
    T, B, H = 2000, 8, 32
    args = [tr.Tensor(a.numpy().astype(np.float64), requires_grad=True)
            for a in inputs(name, T=T, B=B, n_in=4, H=H)]
    WORKSPACE.clear()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        out = apply(name, *args)
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    must = T * B * H * MUST_KEEP[name] * 8
    assert kept <= 1.5 * must, f"{name}: the graph keeps {kept / must:.2f}× the activations BPTT needs"
    out[0].sum().backward()
    assert np.isfinite(args[0].grad.numpy()).all()
