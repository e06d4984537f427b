"""torch.nn's Module API, containers, activations, functional forms and init, side by side with torch."""
import copy
import math
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import tinygrad_rnn as tr
from tinygrad_rnn import nn
from tinygrad_rnn.nn import functional as F

torch = pytest.importorskip("torch", reason="torch parity tests need torch (pip install torch==2.13.0)")


def build(lib):
    """The same model written against either library (only the import differs)."""
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = lib.nn.Embedding(6, 4)
            self.body = lib.nn.Sequential(lib.nn.Linear(4, 5), lib.nn.Tanh(), lib.nn.Linear(5, 4), lib.nn.ReLU())
            self.heads = lib.nn.ModuleList([lib.nn.Linear(4, 3), lib.nn.Identity()])
            self.extra = lib.nn.ModuleDict({"proj": lib.nn.Linear(4, 2), "act": lib.nn.Sigmoid()})
            self.scales = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.zeros(3))])
            self.table = lib.nn.ParameterDict({"a": lib.nn.Parameter(lib.ones(1))})
            self.decoder = lib.nn.Linear(4, 6, bias=False)
            self.decoder.weight = self.encoder.weight  # weight tying
            self.gain = lib.nn.Parameter(lib.ones(1))
            self.register_buffer("steps", lib.zeros(2))
            self.register_buffer("scratch", lib.zeros(1), persistent=False)
    return Net()


class _Lib:  # our library under torch's top-level names (engine adds tr.ones/zeros; this test needs only these)
    nn = nn
    ones = staticmethod(lambda n: tr.Tensor(np.ones(n, np.float32)))
    zeros = staticmethod(lambda n: tr.Tensor(np.zeros(n, np.float32)))


def test_names_and_order_of_everything_a_module_holds_match_torch():
    ours, theirs = build(_Lib), build(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    own = [n for n, _ in theirs.named_parameters(recurse=False)]
    assert [n for n, _ in ours.named_parameters(recurse=False)] == own
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))  # the tied weight once
    assert ours.decoder.weight is ours.encoder.weight


def test_torch_state_dict_loads_into_the_same_model_and_back():
    ours, theirs = build(_Lib), build(torch)
    ours.load_state_dict(theirs.state_dict())
    for (n, p), (_, q) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        np.testing.assert_array_equal(p.numpy(), q.numpy(), err_msg=n)
    theirs2 = build(torch)
    theirs2.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.array([[0, 5, 2]])
    a = ours.decoder(ours.heads[1](ours.body(ours.encoder(x))))
    b = theirs2.decoder(theirs2.heads[1](theirs2.body(theirs2.encoder(torch.as_tensor(x)))))
    np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_state_dict_values_are_detached_tensors_sharing_memory_as_torch():
    lin = nn.Linear(2, 3)
    sd = lin.state_dict()
    assert isinstance(sd["weight"], tr.Tensor) and not sd["weight"].requires_grad
    lin.weight.array[0, 0] = 42.0
    assert sd["weight"].numpy()[0, 0] == 42.0  # as torch: copy (deepcopy / clone) to keep a snapshot
    snap = copy.deepcopy(sd)
    lin.weight.array[0, 0] = 1.0
    assert snap["weight"].numpy()[0, 0] == 42.0
    assert lin.state_dict(keep_vars=True)["weight"] is lin.weight


def test_load_returns_missing_and_unexpected_keys_when_not_strict():
    ours, theirs = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    sd = {"bias": np.zeros(3), "other": np.ones(1)}
    a = ours.load_state_dict(sd, strict=False)
    b = theirs.load_state_dict({k: torch.tensor(v) for k, v in sd.items()}, strict=False)
    assert (a.missing_keys, a.unexpected_keys) == (b.missing_keys, b.unexpected_keys)


def test_train_eval_apply_zero_grad_requires_grad_like_torch():
    net = build(_Lib)
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    tseen = []
    build(torch).apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen  # children first, then the module itself
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    lin = nn.Linear(2, 1)
    lin(tr.Tensor(np.ones((1, 2), np.float32))).sum().backward()
    lin.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in lin.parameters())


def test_to_moves_buffers_and_casts_only_floating_tensors():
    m = nn.Module()
    m.lin = nn.Linear(2, 2)
    m.register_buffer("count", tr.Tensor(np.array([3], np.int64)))
    m.register_buffer("mean", tr.Tensor(np.zeros(2, np.float32)))
    m.to(np.float64)
    assert (m.lin.weight.dtype, m.count.dtype, m.mean.dtype) == (np.float64, np.int64, np.float64)
    with pytest.raises(TypeError, match="only accepts floating point dtypes, got dtype=int64"):
        m.to(dtype=np.int64)


def test_containers_index_like_torch():
    ours = nn.ModuleList([nn.Linear(1, 1), nn.Tanh(), nn.ReLU()])
    assert isinstance(ours[-1], nn.ReLU) and len(ours[1:]) == 2 and isinstance(ours[1:], nn.ModuleList)
    ours.append(nn.Sigmoid()).extend([nn.Identity()])
    ours.insert(0, nn.Identity())
    del ours[1]
    assert [type(m).__name__ for m in ours] == ["Identity", "Tanh", "ReLU", "Sigmoid", "Identity"]
    with pytest.raises(IndexError, match="index 5 is out of range for ModuleList of length 5"):
        ours[5]
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert [n for n, _ in seq.named_parameters()] == ["fc.weight", "fc.bias"] and isinstance(seq[-1], nn.Tanh)
    assert isinstance(seq[:1], nn.Sequential) and len(seq[:1]) == 1
    d = nn.ModuleDict({"b": nn.Tanh(), "a": nn.ReLU()})
    assert list(d) == list(d.keys()) == ["b", "a"] and "a" in d and len(d) == 2
    assert d.pop("b").__class__ is nn.Tanh and list(d) == ["a"]
    d["keys"] = nn.Identity()  # a key named like a method does not hide the method
    assert list(d.keys()) == ["a", "keys"]
    plist = nn.ParameterList([tr.Tensor(np.ones(2))])
    assert isinstance(plist[0], nn.Parameter) and plist[0].requires_grad
    pd = nn.ParameterDict({"w": nn.Parameter(np.ones(2))})
    assert [n for n, _ in pd.named_parameters()] == ["w"] and list(pd.items())[0][0] == "w"


def test_sequential_forward_matches_torch():
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.LogSoftmax(dim=1)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2),
                                 torch.nn.LogSoftmax(dim=1)).double()
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((5, 3))
    np.testing.assert_allclose(ours(tr.Tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)


ACTIVATIONS = [("Tanh", {}), ("ReLU", {}), ("Sigmoid", {}), ("Identity", {}), ("Softmax", {"dim": 0}),
               ("Softmax", {"dim": -1}), ("LogSoftmax", {"dim": 1}), ("LogSoftmax", {"dim": -2})]


@settings(max_examples=60, deadline=None)
@given(case=st.sampled_from(ACTIVATIONS), shape=array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=4),
       seed=st.integers(0, 999))
def test_activation_modules_match_torch_in_value_and_gradient(case, shape, seed):
    name, kwargs = case
    x = np.random.default_rng(seed).standard_normal(shape)
    a, b = tr.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = getattr(nn, name)(**kwargs)(a), getattr(torch.nn, name)(**kwargs)(b)
    np.testing.assert_allclose(ya.numpy(), yb.detach().numpy(), rtol=1e-12, atol=1e-14)
    up = np.random.default_rng(seed + 1).standard_normal(shape)
    if ya is a:
        return  # Identity: the input itself, as torch
    ya.backward(tr.Tensor(up))
    yb.backward(torch.tensor(up))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=st.integers(0, 999),
       data=st.data())
def test_softmax_family_with_dim_passes_gradcheck(shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = tr.Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)
    assert tr.gradcheck(lambda t: F.softmax(t, dim), [x])
    assert tr.gradcheck(lambda t: F.log_softmax(t, dim=dim), [x])


def test_implicit_softmax_dim_is_torchs_with_its_warning():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        ours = F.softmax(tr.Tensor(x)).numpy()
    with pytest.warns(UserWarning):
        theirs = torch.nn.functional.softmax(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    with pytest.raises(IndexError, match=r"softmax: dim 3 is out of range for input of shape \(2, 3, 4\)"):
        F.softmax(tr.Tensor(x), 3)


@settings(max_examples=30, deadline=None)
@given(lead=array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3), n_in=st.integers(1, 4),
       n_out=st.integers(1, 4), bias=st.booleans(), seed=st.integers(0, 999))
def test_linear_matches_torch_and_finite_differences(lead, n_in, n_out, bias, seed):
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal(lead + (n_in,)), rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)
    ts = [tr.Tensor(v, requires_grad=True) for v in (x, w, b)]
    fs = [torch.tensor(v, requires_grad=True) for v in (x, w, b)]
    ya = F.linear(ts[0], ts[1], ts[2] if bias else None)
    yb = torch.nn.functional.linear(fs[0], fs[1], fs[2] if bias else None)
    np.testing.assert_allclose(ya.numpy(), yb.detach().numpy(), rtol=1e-12, atol=1e-12)
    up = rng.standard_normal(ya.shape)
    ya.backward(tr.Tensor(up))
    yb.backward(torch.tensor(up))
    for p, q in zip(ts[:3 if bias else 2], fs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert tr.gradcheck(lambda *t: F.linear(*t), ts if bias else ts[:2])


def test_linear_refuses_a_float64_input_into_float32_weights_naming_both():
    lin = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match="input float64 and weight float32"):
        lin(tr.Tensor(np.ones((1, 3))))
    with pytest.raises(RuntimeError):  # torch refuses it too
        torch.nn.Linear(3, 2)(torch.ones(1, 3, dtype=torch.float64))


def test_functional_dropout_and_embedding():
    tr.manual_seed(0)
    x = tr.Tensor(np.ones(10_000, np.float32))
    y = F.dropout(x, 0.2).numpy()  # training=True by default, as torch's functional form
    assert set(np.unique(y)) <= {0.0, np.float32(1.25)} and abs((y == 0).mean() - 0.2) < 0.02
    assert F.dropout(x, 0.2, training=False) is x
    w = np.random.default_rng(0).standard_normal((5, 3))
    ids = np.array([[0, 4], [4, 2]])
    np.testing.assert_array_equal(F.embedding(ids, tr.Tensor(w)).numpy(),
                                  torch.nn.functional.embedding(torch.as_tensor(ids), torch.tensor(w)).numpy())
    with pytest.raises(IndexError, match=r"embedding: ids must lie in \[0, 5\), got values in \[5, 5\]"):
        F.embedding(np.array([5]), tr.Tensor(w))


@pytest.mark.parametrize("name,param", [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None), ("conv1d", None)])
def test_calculate_gain_matches_torch(name, param):
    assert nn.init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param), rel=1e-15)


def fan_bounds(shape):
    """torch's fans for a weight of this shape, measured through torch's own xavier/kaiming formulas."""
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    return fan_in, fan_out


@pytest.mark.parametrize("shape", [(300, 200), (40, 30, 5)])
def test_init_distributions_have_torchs_bounds_and_spread(shape):
    tr.manual_seed(0)
    fan_in, fan_out = fan_bounds(shape)
    w = nn.Parameter(np.empty(shape, np.float32))
    cases = [
        (nn.init.xavier_uniform_, dict(gain=2.0), "uniform", 2.0 * math.sqrt(6 / (fan_in + fan_out))),
        (nn.init.xavier_normal_, dict(gain=0.5), "normal", 0.5 * math.sqrt(2 / (fan_in + fan_out))),
        (nn.init.kaiming_uniform_, dict(a=math.sqrt(5)), "uniform", math.sqrt(6 / ((1 + 5) * fan_in))),
        (nn.init.kaiming_normal_, dict(mode="fan_out", nonlinearity="relu"), "normal", math.sqrt(2 / fan_out)),
        (nn.init.uniform_, dict(a=-0.3, b=0.3), "uniform", 0.3),
        (nn.init.normal_, dict(std=0.7), "normal", 0.7),
    ]
    for fn, kwargs, kind, scale in cases:
        version = w._version and w._version[0]
        assert fn(w, **kwargs) is w
        assert w._version[0] == (version or 0) + 1  # an in-place change bumps the version counter
        v = w.numpy()
        if kind == "uniform":  # U(-b, b): max |w| just under b, std b/√3
            assert scale * 0.99 < np.abs(v).max() <= scale
            assert v.std() == pytest.approx(scale / math.sqrt(3), rel=0.03)
        else:
            assert v.std() == pytest.approx(scale, rel=0.03) and abs(v.mean()) < 0.03 * scale


def test_constant_ones_zeros_and_orthogonal_match_torch():
    w, t = nn.Parameter(np.empty((3, 5))), torch.empty(3, 5, dtype=torch.float64)
    for ours, theirs in ((nn.init.ones_, torch.nn.init.ones_), (nn.init.zeros_, torch.nn.init.zeros_),
                         (lambda x: nn.init.constant_(x, 0.25), lambda x: torch.nn.init.constant_(x, 0.25))):
        ours(w)
        theirs(t)
        np.testing.assert_array_equal(w.numpy(), t.numpy())
    nn.init.orthogonal_(w, gain=2.0)
    np.testing.assert_allclose(w.numpy() @ w.numpy().T, 4.0 * np.eye(3), atol=1e-12)


def test_init_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions, got shape \(3,\)"):
        nn.init.xavier_uniform_(nn.Parameter(np.empty(3)))
    with pytest.raises(ValueError, match="mode 'fan_avg' not supported"):
        nn.init.kaiming_normal_(nn.Parameter(np.empty((2, 2))), mode="fan_avg")
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")
