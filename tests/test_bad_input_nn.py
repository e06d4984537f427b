"""Bad input to nn and optim: a clear error naming the argument and the value, and nothing changed.

Module.load_state_dict and Optimizer.load_state_dict check everything before they write anything;
optimizers refuse bad hyper-parameters and parameter lists; class-index losses check their targets.
"""
import math

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import nn, optim
from tinygrad_rnn.nn import functional as F


def snapshot(module):
    return {k: v.numpy().copy() for k, v in module.state_dict().items()}


def assert_unchanged(module, before):
    after = snapshot(module)
    assert after.keys() == before.keys()
    for k in before:
        np.testing.assert_array_equal(after[k], before[k], err_msg=k)


def model():
    tr.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))


@pytest.mark.parametrize("bad,message", [
    ("a string", r"value for 2.bias must be numeric, got dtype <U8"),
    (np.array([1, "a"], dtype=object), r"value for 2.bias must be numeric, got dtype object"),
    (np.zeros(2), r"size mismatch for 2.bias: copying a param with shape \(2,\) from checkpoint, "
                  r"the shape in current model is \(1,\)"),
    ([[1.0], [2.0, 3.0]], r"value for 2.bias is not an array of numbers"),
    (np.array([1 + 2j]), r"value for 2.bias must be numeric, got dtype complex128"),
])
def test_module_load_state_dict_is_all_or_nothing(bad, message):
    m = model()
    before = snapshot(m)
    sd = {k: np.full(v.shape, 9.0) for k, v in before.items()}  # good values first, the bad one last
    sd["2.bias"] = bad
    with pytest.raises(RuntimeError, match=message):
        m.load_state_dict(sd)
    assert_unchanged(m, before)


def test_module_load_state_dict_lists_every_problem_at_once():
    m = model()
    before = snapshot(m)
    with pytest.raises(RuntimeError) as err:
        m.load_state_dict({"0.weight": "x", "0.bias": np.zeros(5), "9.weight": np.zeros(1)})
    msg = str(err.value)
    for part in ('Missing key(s) in state_dict: "2.weight", "2.bias"', 'Unexpected key(s) in state_dict: "9.weight"',
                 "value for 0.weight must be numeric", "size mismatch for 0.bias"):
        assert part in msg
    assert_unchanged(m, before)


def test_module_load_state_dict_wants_a_mapping():
    with pytest.raises(TypeError, match="expected state_dict to be dict-like, got list"):
        model().load_state_dict([1, 2])


def test_register_buffer_and_parameter_errors_name_the_value():
    m = nn.Linear(1, 1)
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.register_buffer("weight", tr.Tensor(np.zeros(1)))
    with pytest.raises(KeyError, match="without '.', got 'a.b'"):
        m.register_buffer("a.b", None)
    with pytest.raises(TypeError, match="cannot assign ndarray to buffer 'x'"):
        m.register_buffer("x", np.zeros(1))
    with pytest.raises(TypeError, match="cannot assign Tensor to parameter 'p'"):
        m.register_parameter("p", tr.Tensor(np.zeros(1)))
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'weight'"):
        m.weight = m.weight * 2  # as torch: the result is not a Parameter
    assert isinstance(m.weight, nn.Parameter)
    with pytest.raises(ValueError, match="training mode is expected to be boolean, got 'yes'"):
        m.train("yes")


def params():
    return [tr.Tensor(np.ones(2), requires_grad=True), tr.Tensor(np.ones(3), requires_grad=True)]


@pytest.mark.parametrize("make,error,message", [
    (lambda p: optim.SGD(p, lr=math.nan), ValueError, "SGD: lr must be >= 0, got nan"),
    (lambda p: optim.Adam(p, eps=float("nan")), ValueError, "Adam: eps must be >= 0, got nan"),
    (lambda p: optim.Adam(p, betas=(0.9, 1.0)), ValueError, r"betas must be two numbers in \[0, 1\), got \(0.9, 1.0\)"),
    (lambda p: optim.Adam(p, betas=(math.nan, 0.9)), ValueError, r"betas must be two numbers in \[0, 1\), got \(nan"),
    (lambda p: optim.Adam(p, betas=(-0.1, 0.9)), ValueError, r"got \(-0.1, 0.9\)"),
    (lambda p: optim.SGD(p, lr="0.1"), TypeError, "SGD: lr must be a number, got '0.1'"),
    (lambda p: optim.RMSprop(p, centered=1), TypeError, "centered must be True or False, got 1"),
    (lambda p: optim.SGD([p[0], p[0]]), ValueError, "lists the same parameter more than once"),
    (lambda p: optim.SGD([{"params": [p[0]]}, {"params": p}]), ValueError,
     "some parameters appear in more than one parameter group"),
    (lambda p: optim.SGD([p[0], np.ones(2)]), TypeError, "expected parameters to be Tensors, got ndarray"),
    (lambda p: optim.SGD(p[0]), TypeError, "params should be an iterable of Tensors or dicts, got a Tensor"),
    (lambda p: optim.SGD([p[0] * 2]), ValueError, "can't optimize a non-leaf Tensor"),
    (lambda p: optim.SGD([{"params": p, "lr": math.nan}]), ValueError, "lr must be >= 0, got nan"),
])
def test_optimizers_refuse_bad_hyper_parameters_and_parameter_lists(make, error, message):
    with pytest.raises(error, match=message):
        make(params())


def test_add_param_group_refuses_before_changing_anything():
    p = params()
    opt = optim.SGD([p[0]], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p[1], p[0]]})
    assert len(opt.param_groups) == 1 and len(opt.state) == 1


def trained(kind, **hyper):
    """An optimizer of ``kind`` after two steps, with its parameters."""
    p = params()
    opt = getattr(optim, kind)(p, **hyper)
    for _ in range(2):
        for q in p:
            q.grad = tr.Tensor(np.full(q.shape, 0.5))
        opt.step()
    return opt, p


def opt_snapshot(opt):
    sd = opt.state_dict()
    return repr(sd["param_groups"]), {i: {k: np.array(v).copy() for k, v in s.items()} for i, s in sd["state"].items()}


def assert_opt_unchanged(opt, before):
    groups, state = opt_snapshot(opt)
    assert groups == before[0]
    assert state.keys() == before[1].keys()
    for i in state:
        for k in state[i]:
            np.testing.assert_array_equal(state[i][k], before[1][i][k])


def corrupt(sd, how):
    groups, state = sd["param_groups"], sd["state"]
    if how == "group sizes":
        groups[0]["params"] = groups[0]["params"][:1]
    elif how == "nan lr":
        groups[0]["lr"] = math.nan
    elif how == "missing hyper":
        del groups[0]["eps"]
    elif how == "state key":
        state[1]["exp_avg_sqr"] = state[1].pop("exp_avg_sq")
    elif how == "state shape":
        state[1]["exp_avg"] = np.zeros(7)
    elif how == "state string":
        state[1]["exp_avg"] = np.array(["a", "b", "c"])
    elif how == "unknown index":
        state[5] = state[0]
    elif how == "torch flag":
        groups[0]["amsgrad"] = True
    return sd


@pytest.mark.parametrize("how,message", [
    ("group sizes", r"expected groups of \[2\] parameters, got \[1\]"),
    ("nan lr", "Adam: lr must be >= 0, got nan"),
    ("missing hyper", "param_groups.0. holds the hyper-parameters of another optimizer .betas, lr, weight_decay."),
    ("state key", r"state of parameter 1 has entries \['exp_avg', 'exp_avg_sqr', 'step'\], expected"),
    ("state shape", r"state 'exp_avg' of parameter 1 has shape \(7,\), the parameter \(3,\)"),
    ("state string", "state 'exp_avg' of parameter 1 must be numeric, got ndarray of dtype <U1"),
    ("unknown index", "state for parameter 5, which no group lists"),
    ("torch flag", "sets amsgrad=True, which this library does not support"),
])
def test_optimizer_load_state_dict_validates_everything_first(how, message):
    opt, p = trained("Adam", lr=0.01)
    other, _ = trained("Adam", lr=0.05)
    other.param_groups[0]["lr"] = 0.123  # so that a partial write would show
    before, weights = opt_snapshot(opt), [q.numpy().copy() for q in p]
    with pytest.raises((ValueError, TypeError), match=message):
        opt.load_state_dict(corrupt(other.state_dict(), how))
    assert_opt_unchanged(opt, before)
    for q, w in zip(p, weights):
        np.testing.assert_array_equal(q.numpy(), w)


@pytest.mark.parametrize("src,dst", [("SGD", "Adam"), ("Adam", "SGD"), ("Adagrad", "RMSprop")])
def test_state_of_one_optimizer_kind_into_another_names_both(src, dst):
    hyper = {"momentum": 0.9} if src == "SGD" else {}
    saved, _ = trained(src, **hyper)
    opt, _ = trained(dst)
    before = opt_snapshot(opt)
    with pytest.raises(ValueError, match=f"holds the hyper-parameters of {src} .*, not those of {dst}"):
        opt.load_state_dict(saved.state_dict())
    assert_opt_unchanged(opt, before)


@pytest.mark.xdist_group("torch-optimizers")  # makes a torch optimizer: see conftest.py
def test_a_torch_optimizer_state_dict_loads():
    torch = pytest.importorskip("torch", reason="needs torch to make a torch optimizer state_dict")
    tp = [torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True)]
    topt = torch.optim.Adam(tp, lr=0.01)
    for _ in range(2):
        for q in tp:
            q.grad = torch.full(q.shape, 0.5)
        topt.step()
    ours, p = trained("Adam", lr=0.01)
    ours.load_state_dict(topt.state_dict())
    for q, t in zip(p, tp):
        q.grad, t.grad = tr.Tensor(np.full(q.shape, -0.25)), torch.full(t.shape, -0.25)
    ours.step()
    topt.step()
    for q, t in zip(p, tp):  # same moments and step count: the same update (from the same weights after 2 steps)
        np.testing.assert_allclose(q.numpy(), t.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss])
def test_class_targets_out_of_range_are_named(fn):
    x = tr.Tensor(np.zeros((3, 4)))
    with pytest.raises(IndexError, match=r"class targets must lie in \[0, 4\) \(or equal to -100, ignored\), "
                                         r"got values in \[0, 4\]"):
        fn(x, np.array([0, 4, 1]))
    with pytest.raises(IndexError, match=r"must lie in \[0, 4\).*got values in \[-1, 1\]"):
        fn(x, np.array([0, -1, 1]))
    assert fn(x, np.array([0, -100, 1])).item() == pytest.approx(np.log(4) if fn is F.cross_entropy else 0.0)
    with pytest.raises(TypeError, match="class probabilities as targets are not supported"):
        fn(x, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        fn(x, np.array([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match=r"weight tensor should be defined .* 4 classes or no classes, got \(3,\)"):
        fn(x, np.array([0, 1, 2]), weight=tr.Tensor(np.ones(3)))
