"""Recurrent layers: gradcheck of both paths, fused == unrolled, options, errors, impl switching, long sequences.

(The fused Functions on their own: test_fused.py; against torch: test_rnn_torch.py; nn.Recurrent: test_recurrent.py.)
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tr
from tinygrad_rnn import nn

# Every cell type and option: the Elman RNN's four nonlinearities (tanh, relu as torch; leaky_relu, elu ours).
MODES = ["RNN_TANH", "RNN_RELU", "RNN_LEAKY_RELU", "RNN_ELU", "LSTM", "GRU"]


def make(mode, input_size, hidden, **kw):
    tr.manual_seed(kw.pop("seed", 0))
    if mode.startswith("RNN"):
        return nn.RNN(input_size, hidden, nonlinearity=mode[4:].lower(), dtype=np.float64, **kw)
    return getattr(nn, mode)(input_size, hidden, dtype=np.float64, **kw)


def states(mode, shape, rng, requires_grad=True):
    n = 2 if mode == "LSTM" else 1
    s = [tr.Tensor(rng.standard_normal(shape), requires_grad=requires_grad) for _ in range(n)]
    return tuple(s) if n == 2 else s[0]


def flat(hx):
    return list(hx) if isinstance(hx, tuple) else [hx]


def config(max_seq, max_batch, max_size, max_layers):
    return st.fixed_dictionaries({
        "mode": st.sampled_from(MODES), "seq": st.integers(1, max_seq), "batch": st.integers(1, max_batch),
        "input_size": st.integers(1, max_size), "hidden": st.integers(1, max_size),
        "layers": st.integers(1, max_layers), "bidirectional": st.booleans(), "batch_first": st.booleans(),
        "bias": st.booleans(), "h0": st.booleans(), "seed": st.integers(0, 2**16)})


def build(c, impl):
    m = make(c["mode"], c["input_size"], c["hidden"], num_layers=c["layers"], bias=c["bias"],
             batch_first=c["batch_first"], bidirectional=c["bidirectional"], impl=impl, seed=c["seed"])
    rng = np.random.default_rng(c["seed"])
    shape = (c["batch"], c["seq"]) if c["batch_first"] else (c["seq"], c["batch"])
    x = tr.Tensor(rng.standard_normal(shape + (c["input_size"],)), requires_grad=True)
    d = 2 if c["bidirectional"] else 1
    hx = states(c["mode"], (c["layers"] * d, c["batch"], c["hidden"]), rng) if c["h0"] else None
    return m, x, hx


def gradcheck_layer(c, impl):
    """Every input, initial state and parameter of a drawn layer against finite differences."""
    m, x, hx = build(c, impl)
    inputs = [x] + (flat(hx) if hx is not None else []) + list(m.parameters())
    return tr.gradcheck(lambda x, *rest: m(x, hx), inputs)


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(c=config(max_seq=5, max_batch=3, max_size=4, max_layers=2))
def test_fused_layer_gradcheck(c):
    assert gradcheck_layer(c, "fused")


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(c=config(max_seq=3, max_batch=2, max_size=3, max_layers=2))
def test_unrolled_layer_gradcheck(c):
    """Smaller sizes: the unrolled graph is slower to differentiate, and test_fused_equals_unrolled covers the rest."""
    assert gradcheck_layer(c, "unrolled")


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(c=config(max_seq=7, max_batch=4, max_size=6, max_layers=3))
def test_fused_equals_unrolled(c):
    """Outputs, final states and every gradient agree to 1e-10 relative (float64)."""
    m, x, hx = build(c, "fused")
    results = {}
    for impl in ("fused", "unrolled"):
        m.impl = impl
        m.zero_grad()
        x.grad = None
        for h in flat(hx) if hx is not None else []:
            h.grad = None
        out, hn = m(x, hx)
        rng = np.random.default_rng(1)
        loss = (out * tr.Tensor(rng.standard_normal(out.shape))).sum()
        for h in flat(hn):
            loss = loss + (h * tr.Tensor(rng.standard_normal(h.shape))).sum()
        loss.backward()
        tensors = [out] + flat(hn)
        grads = [x.grad] + [h.grad for h in (flat(hx) if hx is not None else [])] + [p.grad for p in m.parameters()]
        results[impl] = [t.numpy() for t in tensors + grads]
    for a, b in zip(results["fused"], results["unrolled"]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("unbatched", [False, True])
def test_cell_gradcheck(mode, unbatched):
    rng = np.random.default_rng(0)
    tr.manual_seed(0)
    kind = mode[:4].rstrip("_")
    kwargs = {"nonlinearity": mode[4:].lower()} if kind == "RNN" else {}
    cell = getattr(nn, f"{kind}Cell")(3, 4, dtype=np.float64, **kwargs)
    batch = () if unbatched else (2,)
    x = tr.Tensor(rng.standard_normal(batch + (3,)), requires_grad=True)
    hx = states(mode, batch + (4,), rng)
    inputs = [x] + flat(hx) + list(cell.parameters())
    assert tr.gradcheck(lambda x, *rest: cell(x, hx), inputs)


def test_cell_equals_one_step_of_the_layer():
    tr.manual_seed(0)
    layer = nn.LSTM(3, 4, dtype=np.float64)
    cell = nn.LSTMCell(3, 4, dtype=np.float64)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = tr.Tensor(np.random.default_rng(0).standard_normal((1, 2, 3)))
    out, (h, c) = layer(x)
    h2, c2 = cell(x[0])
    np.testing.assert_allclose(h2.numpy(), h[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(c2.numpy(), c[0].numpy(), rtol=1e-12)


def test_unbatched_input_matches_a_batch_of_one():
    m = make("GRU", 3, 4, num_layers=2, bidirectional=True)
    x = np.random.default_rng(0).standard_normal((5, 3))
    out, h = m(tr.Tensor(x))
    out1, h1 = m(tr.Tensor(x[:, None]))
    assert out.shape == (5, 8) and h.shape == (4, 4)
    np.testing.assert_allclose(out.numpy(), out1.numpy()[:, 0])
    np.testing.assert_allclose(h.numpy(), h1.numpy()[:, 0])


def test_parameter_names_and_shapes_follow_torch():
    m = nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    names = [n for n, _ in m.named_parameters()]
    assert names[:8] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse",
                         "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"]
    assert dict(m.named_parameters())["weight_ih_l1"].shape == (20, 10)
    assert len(names) == 16
    assert [n for n, _ in nn.GRU(2, 3, bias=False).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]


def test_init_is_uniform_over_plus_minus_one_over_sqrt_hidden():
    """Every parameter fills U(-k, k), k = 1/√H = 0.25: inside the bounds, reaching near both, with U's spread."""
    tr.manual_seed(0)
    m = nn.GRU(7, 16)
    for name, p in m.named_parameters():
        v, k = p.numpy(), 0.25
        assert p.dtype == np.float32
        assert np.abs(v).max() <= k and v.max() > 0.8 * k and v.min() < -0.8 * k, name
        assert abs(v.std() - k / np.sqrt(3)) < 0.15 * k / np.sqrt(3), name  # U(-k, k) has std k/√3
        assert abs(v.mean()) < 0.2 * k, name


def test_impl_switches_on_an_existing_model_and_is_validated():
    m = make("RNN_TANH", 2, 3)
    x = tr.Tensor(np.ones((4, 1, 2)))
    a = m(x)[0].numpy()
    m.impl = "unrolled"
    np.testing.assert_allclose(m(x)[0].numpy(), a, rtol=1e-12)
    assert len(m.step_states[(0, 0)]) == 4
    with pytest.raises(ValueError, match="impl must be one of .*got 'fast'"):
        m.impl = "fast"


def test_dropout_between_layers_only_in_training():
    tr.manual_seed(0)
    m = nn.GRU(3, 8, num_layers=2, dropout=0.5, dtype=np.float64)
    x = tr.Tensor(np.random.default_rng(0).standard_normal((4, 2, 3)))
    m.eval()
    e1, e2 = m(x)[0].numpy(), m(x)[0].numpy()
    m.train()
    t1 = m(x)[0].numpy()
    np.testing.assert_array_equal(e1, e2)
    assert not np.allclose(t1, e1)


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
def test_wrong_input_size_names_expected_and_actual(mode):
    m = make(mode, 10, 4)
    with pytest.raises(ValueError, match=r"expected input of shape \(seq, batch, 10\) .*got \(5, 3, 8\)"):
        m(tr.Tensor(np.ones((5, 3, 8))))


def test_wrong_hx_shape_is_named():
    m = make("GRU", 3, 4, num_layers=2)
    with pytest.raises(ValueError, match=r"expected h_0 of shape \(2, 5, 4\), got \(1, 5, 4\)"):
        m(tr.Tensor(np.ones((6, 5, 3))), tr.Tensor(np.ones((1, 5, 4))))
    lstm = make("LSTM", 3, 4)
    with pytest.raises(ValueError, match=r"expected hx as \(h_0, c_0\), got 1 tensors"):
        lstm(tr.Tensor(np.ones((6, 5, 3))), tr.Tensor(np.ones((1, 5, 4))))


def test_dtype_mismatch_is_named():
    m = make("RNN_TANH", 3, 4)
    with pytest.raises(TypeError, match="expected input of dtype float64 \\(the parameters'\\), got float32"):
        m(tr.Tensor(np.ones((2, 1, 3), np.float32)))


def test_empty_sequence_is_refused():
    with pytest.raises(ValueError, match="at least one step"):
        make("GRU", 3, 4)(tr.Tensor(np.ones((0, 2, 3))))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("impl", ["fused", "unrolled"])
def test_batch_of_no_sequences_gives_empty_output_and_zero_state(mode, impl):
    """As torch: output (T, 0, H), h_n (L·D, 0, H); backward runs and gives zero parameter gradients."""
    m = make(mode, 3, 4, num_layers=2, bidirectional=True, impl=impl)
    out, hn = m(tr.Tensor(np.ones((5, 0, 3)), requires_grad=True))
    assert out.shape == (5, 0, 8)
    assert all(h.shape == (4, 0, 4) for h in flat(hn))
    out.sum().backward()
    for name, p in m.named_parameters():
        np.testing.assert_array_equal(p.grad.numpy(), np.zeros(p.shape), err_msg=name)


@pytest.mark.parametrize("make_layer", [lambda: nn.LSTM(3, 4, nonlinearity="relu"),
                                        lambda: nn.GRU(3, 4, nonlinearity="tanh")])
def test_options_that_do_not_apply_are_refused(make_layer):
    with pytest.raises(TypeError, match=r"got nonlinearity='(relu|tanh)', but the (LSTM|GRU) cell takes no options"):
        make_layer()


@pytest.mark.parametrize("make_layer", [lambda: nn.RNN(3, 4, nonlinearity="sigmoid"),
                                        lambda: nn.RNNCell(3, 4, nonlinearity="gelu")])
def test_unknown_nonlinearity_is_named(make_layer):
    with pytest.raises(ValueError, match="nonlinearity must be one of 'tanh', 'relu', 'leaky_relu', 'elu', got"):
        make_layer()


@pytest.mark.parametrize("make_layer,arg,value", [
    (lambda: nn.RNN(3, True), "hidden_size", "True"), (lambda: nn.GRUCell(3, 0), "hidden_size", "0"),
    (lambda: nn.LSTMCell(0, 3), "input_size", "0"), (lambda: nn.GRU(3, 4, num_layers=2.0), "num_layers", "2.0"),
    (lambda: nn.LSTM(3, 4, dropout=1.5), "dropout", "1.5"), (lambda: nn.RNN(3, 4, dropout="0.1"), "dropout", "'0.1'"),
    (lambda: nn.GRU(3, 4, bidirectional=1), "bidirectional", "1"),
    (lambda: nn.RNNCell(3, 4, bias=None), "bias", "None"),
])
def test_bad_sizes_and_flags_are_refused_by_name(make_layer, arg, value):
    with pytest.raises((ValueError, TypeError), match=f"{arg} must be .*got {value}"):
        make_layer()


@pytest.mark.parametrize("nonlinearity", ["leaky_relu", "elu"])
def test_new_nonlinearities_match_their_definitions(nonlinearity):
    """One step from h = 0: h_1 = φ(x W_ihᵀ + b), with φ by its formula (slope 0.01, α = 1, torch's defaults)."""
    m = make(f"RNN_{nonlinearity.upper()}", 3, 40)
    x = np.random.default_rng(0).standard_normal((1, 2, 3)) * 3
    a = x[0] @ m.weight_ih_l0.numpy().T + m.bias_ih_l0.numpy() + m.bias_hh_l0.numpy()
    expected = np.where(a > 0, a, 0.01 * a if nonlinearity == "leaky_relu" else np.expm1(a))
    for impl in ("fused", "unrolled"):
        m.impl = impl
        np.testing.assert_allclose(m(tr.Tensor(x))[0].numpy()[0], expected, rtol=1e-12, atol=1e-15)
    assert (a < 0).any() and (a > 0).any()


def test_cell_errors():
    cell = nn.GRUCell(3, 4)
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, 3\) or \(3,\), got \(2, 5\)"):
        cell(tr.Tensor(np.ones((2, 5), np.float32)))
    with pytest.raises(ValueError, match=r"expected hidden state of shape \(2, 4\), got \(2, 3\)"):
        cell(tr.Tensor(np.ones((2, 3), np.float32)), tr.Tensor(np.ones((2, 3), np.float32)))


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
def test_long_sequence_unrolled_backward(mode):
    """2,000 steps through autograd: a graph tens of thousands of nodes deep, no recursion."""
    m = make(mode, 2, 3, impl="unrolled")
    x = tr.Tensor(np.random.default_rng(0).standard_normal((2000, 1, 2)), requires_grad=True)
    out, _ = m(x)
    out[-1].sum().backward()
    assert x.grad.shape == x.shape and np.isfinite(x.grad.numpy()).all()
    assert np.abs(x.grad.numpy()[-1]).sum() > 0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("batch,hidden", [(1, 1), (3, 4)])
def test_layer_outputs_do_not_alias_reused_scratch_memory(mode, batch, hidden):
    """The fused layers reuse scratch arrays between calls; an output must never be one of them."""
    m = make(mode, 2, hidden)
    rng = np.random.default_rng(0)
    x1, x2 = (tr.Tensor(rng.standard_normal((3, batch, 2))) for _ in range(2))
    with tr.no_grad():
        out1, h1 = m(x1)
        kept = [out1.numpy().copy()] + [h.numpy().copy() for h in flat(h1)]
        m(x2)
    for a, b in zip(kept, [out1] + flat(h1)):
        np.testing.assert_array_equal(a, b.numpy())
