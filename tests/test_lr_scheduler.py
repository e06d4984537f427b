"""Learning-rate schedulers against torch.optim.lr_scheduler: the same rates over many steps, resumes, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tr
from tinygrad_rnn import optim
from tinygrad_rnn.optim import lr_scheduler

torch = pytest.importorskip("torch", reason="scheduler parity tests need torch (pip install torch==2.13.0)")
pytestmark = pytest.mark.xdist_group("torch-optimizers")  # they make torch optimizers: see conftest.py

STEPS = 60
CASES = {
    "StepLR": (lambda: dict(step_size=7, gamma=0.5)),
    "MultiStepLR": (lambda: dict(milestones=[3, 10, 10, 25], gamma=0.3)),
    "ExponentialLR": (lambda: dict(gamma=0.95)),
    "LambdaLR": (lambda: dict(lr_lambda=lambda e: 1.0 / (1 + e) + 0.01 * (e % 3))),
    "LambdaLR-per-group": (lambda: dict(lr_lambda=[lambda e: 0.9 ** e, lambda e: min(1.0, (e + 1) / 10)])),
}


def pair(groups=((0.1, {}), (0.02, {"momentum": 0.9}))):
    """Our SGD and torch's over the same two parameter groups (different lrs)."""
    ours = optim.SGD([{"params": [tr.Tensor(np.ones(2), requires_grad=True)], "lr": lr, **h} for lr, h in groups],
                     lr=1.0)
    theirs = torch.optim.SGD([{"params": [torch.ones(2, requires_grad=True)], "lr": lr, **h} for lr, h in groups],
                             lr=1.0)
    return ours, theirs


def make(name, opt, **kwargs):
    cls = name.split("-")[0]
    return getattr(lr_scheduler, cls)(opt, **kwargs) if opt.__module__.startswith("tinygrad") \
        else getattr(torch.optim.lr_scheduler, cls)(opt, **kwargs)


@pytest.mark.parametrize("name", CASES)
def test_rates_match_torch_over_many_steps(name):
    ours, theirs = pair()
    s, t = make(name, ours, **CASES[name]()), make(name, theirs, **CASES[name]())
    assert s.get_last_lr() == pytest.approx(t.get_last_lr(), rel=1e-12)
    for _ in range(STEPS):
        ours.step()
        theirs.step()
        s.step()
        t.step()
        assert s.last_epoch == t.last_epoch
        assert s.get_last_lr() == pytest.approx(t.get_last_lr(), rel=1e-12)
        assert [g["lr"] for g in ours.param_groups] == pytest.approx([g["lr"] for g in theirs.param_groups])
    assert s.base_lrs == t.base_lrs == [g["initial_lr"] for g in ours.param_groups]


@pytest.mark.parametrize("name", CASES)
def test_state_dict_resumes_the_schedule(name):
    ours, _ = pair()
    s = make(name, ours, **CASES[name]())
    for _ in range(13):
        s.step()
    saved, opt_saved = s.state_dict(), ours.state_dict()
    assert "optimizer" not in saved
    expected = []
    for _ in range(20):
        s.step()
        expected.append(s.get_last_lr())
    fresh, _ = pair()
    fresh.load_state_dict(opt_saved)
    s2 = make(name, fresh, **CASES[name]())
    s2.load_state_dict(saved)
    assert s2.last_epoch == 13
    got = []
    for _ in range(20):
        s2.step()
        got.append(s2.get_last_lr())
    assert got == expected


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR"])
def test_last_epoch_resume_and_epoch_argument_match_torch(name):
    ours, theirs = pair()
    for opt in (ours, theirs):
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"]
    s, t = make(name, ours, last_epoch=9, **CASES[name]()), make(name, theirs, last_epoch=9, **CASES[name]())
    assert s.get_last_lr() == pytest.approx(t.get_last_lr(), rel=1e-12)
    with pytest.warns(UserWarning):
        s.step(30)
    with pytest.warns(UserWarning):
        t.step(30)
    assert s.get_last_lr() == pytest.approx(t.get_last_lr(), rel=1e-12)


def test_two_schedulers_chain_as_in_torch():
    ours, theirs = pair()
    ss = [lr_scheduler.ExponentialLR(ours, 0.9), lr_scheduler.MultiStepLR(ours, [4, 8], 0.1)]
    tl = torch.optim.lr_scheduler
    ts = [tl.ExponentialLR(theirs, 0.9), tl.MultiStepLR(theirs, [4, 8], 0.1)]
    for _ in range(15):
        ours.step()
        theirs.step()
        for a in ss + ts:
            a.step()
        assert ss[-1].get_last_lr() == pytest.approx(ts[-1].get_last_lr(), rel=1e-12)


PLATEAU = st.fixed_dictionaries({
    "mode": st.sampled_from(["min", "max"]), "factor": st.sampled_from([0.1, 0.5, 0.9]),
    "patience": st.integers(0, 4), "threshold": st.sampled_from([0.0, 1e-4, 0.05]),
    "threshold_mode": st.sampled_from(["rel", "abs"]), "cooldown": st.integers(0, 3),
    "min_lr": st.sampled_from([0, 1e-3, [1e-3, 5e-3]]), "eps": st.sampled_from([1e-8, 1e-3])})


@settings(max_examples=40, deadline=None)
@given(options=PLATEAU, metrics=st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=60))
def test_reduce_on_plateau_matches_torch(options, metrics):
    ours, theirs = pair()
    s = lr_scheduler.ReduceLROnPlateau(ours, **options)
    t = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **options)
    for i, m in enumerate(metrics):
        s.step(m if i % 2 else tr.Tensor(np.float64(m)))  # a float or a one-element Tensor, as torch
        t.step(m)
        assert s.get_last_lr() == t.get_last_lr()
        assert (s.num_bad_epochs, s.cooldown_counter, s.last_epoch) == (t.num_bad_epochs, t.cooldown_counter,
                                                                         t.last_epoch)


def test_reduce_on_plateau_state_dict_round_trip():
    ours, _ = pair()
    s = lr_scheduler.ReduceLROnPlateau(ours, patience=1)
    for m in [3, 2, 2, 2]:
        s.step(m)
    saved = s.state_dict()
    s2 = lr_scheduler.ReduceLROnPlateau(pair()[0], patience=1)
    s2.load_state_dict(saved)
    assert (s2.best, s2.num_bad_epochs, s2.last_epoch) == (2, 0, 4)


def test_lambda_state_dict_keeps_callable_objects_but_not_functions():
    class Warmup:
        def __init__(self):
            self.steps = 5

        def __call__(self, e):
            return min(1.0, (e + 1) / self.steps)

    ours, _ = pair()
    w = Warmup()
    s = lr_scheduler.LambdaLR(ours, [w, lambda e: 1.0])
    w.steps = 9
    saved = s.state_dict()
    assert saved["lr_lambdas"] == [{"steps": 9}, None]
    w2 = Warmup()
    s2 = lr_scheduler.LambdaLR(pair()[0], [w2, lambda e: 1.0])
    s2.load_state_dict(saved)
    assert w2.steps == 9


def test_errors_name_the_argument():
    ours, _ = pair()
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], 3)
    with pytest.raises(ValueError, match="step_size must be a positive integer, got 0"):
        lr_scheduler.StepLR(ours, 0)
    with pytest.raises(ValueError, match="expected 2 lr_lambdas, got 1"):
        lr_scheduler.LambdaLR(ours, [lambda e: 1.0])
    with pytest.raises(ValueError, match="factor should be < 1.0, got 1.5"):
        lr_scheduler.ReduceLROnPlateau(ours, factor=1.5)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'up'"):
        lr_scheduler.ReduceLROnPlateau(ours, mode="up")
    with pytest.raises(KeyError, match=r"initial_lr' is not specified in param_groups\[0\]"):
        lr_scheduler.ExponentialLR(pair()[0], 0.9, last_epoch=4)


def test_scheduler_rates_reach_the_optimizer_update():
    p = tr.Tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = tr.Tensor(np.ones(1))
        opt.step()
        sched.step()
    assert p.item() == pytest.approx(-(1.0 + 0.5 + 0.25))
