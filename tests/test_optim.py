"""Optimizers and gradient clipping against torch, on the same gradients over several steps."""
import math

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import nn, optim

torch = pytest.importorskip("torch", reason="optimizer parity tests need torch (pip install torch==2.13.0)")

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.8, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
]


def grads(step, shapes):
    rng = np.random.default_rng(100 + step)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


@pytest.mark.xdist_group("torch-optimizers")  # makes a torch optimizer: see conftest.py
@pytest.mark.parametrize("name,hyper", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_updates_match_torch(name, hyper):
    shapes = [(3, 4), (4,)]
    init = [np.random.default_rng(i).standard_normal(s).astype(np.float32) for i, s in enumerate(shapes)]
    ours = [tr.Tensor(a.copy(), requires_grad=True) for a in init]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    opt, topt = getattr(optim, name)(ours, **hyper), getattr(torch.optim, name)(theirs, **hyper)
    for step in range(6):
        for p, t, g in zip(ours, theirs, grads(step, shapes)):
            p.grad, t.grad = tr.Tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(p.numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_parameters_without_gradient_are_skipped():
    a, b = tr.Tensor(np.ones(2), requires_grad=True), tr.Tensor(np.ones(2), requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = tr.Tensor(np.ones(2))
    opt.step()
    np.testing.assert_array_equal(b.numpy(), [1.0, 1.0])
    assert a.numpy()[0] < 1.0 and opt.state[1] == {}


def test_zero_grad_and_state_dict_round_trip():
    p = tr.Tensor(np.ones(3, np.float32), requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = tr.Tensor(np.ones(3, np.float32))
    opt.step()
    sd = opt.state_dict()
    opt.zero_grad()
    assert p.grad is None
    q = tr.Tensor(p.numpy().copy(), requires_grad=True)
    opt2 = optim.SGD([q], lr=0.5)
    opt2.load_state_dict(sd)
    for o, t in ((opt, p), (opt2, q)):
        t.grad = tr.Tensor(np.ones(3, np.float32))
        o.step()
    np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_bad_hyper_parameters_are_named():
    p = [tr.Tensor(np.ones(1), requires_grad=True)]
    with pytest.raises(ValueError, match="lr must be >= 0, got -1"):
        optim.SGD(p, lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD(p, nesterov=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    rng = np.random.default_rng(0)
    gs = [rng.standard_normal(s).astype(np.float32) for s in [(3, 4), (5,), (1,)]]
    ours = [tr.Tensor(np.zeros_like(g), requires_grad=True) for g in gs]
    theirs = [torch.zeros(g.shape, requires_grad=True) for g in gs]
    for p, t, g in zip(ours, theirs, gs):
        p.grad, t.grad = tr.Tensor(g.copy()), torch.tensor(g.copy())
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total == pytest.approx(float(ttotal), rel=1e-6)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_grad_value_matches_torch():
    g = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    p, t = tr.Tensor(np.zeros_like(g), requires_grad=True), torch.zeros(3, 4, requires_grad=True)
    p.grad, t.grad = tr.Tensor(g.copy()), torch.tensor(g.copy())
    nn.utils.clip_grad_value_([p], 1.5)
    torch.nn.utils.clip_grad_value_([t], 1.5)
    np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())


def test_zero_gradient_is_not_divided_by_zero():
    p = tr.Tensor(np.zeros(3), requires_grad=True)
    p.grad = tr.Tensor(np.zeros(3))
    assert nn.utils.clip_grad_norm_([p], 1.0) == 0.0
    np.testing.assert_array_equal(p.grad.numpy(), np.zeros(3))
    assert nn.utils.clip_grad_norm_([tr.Tensor(np.ones(1), requires_grad=True)], 1.0) == 0.0  # no gradients


def test_nonfinite_norm_raises_when_asked():
    p = tr.Tensor(np.zeros(2), requires_grad=True)
    p.grad = tr.Tensor(np.array([np.nan, 1.0]))
    with pytest.raises(RuntimeError, match="total norm of order 2.0 is nan"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
