"""Losses (cross_entropy, nll_loss, mse_loss and their modules) against torch: values and gradients in float64,
over hypothesis-drawn shapes (classes on dim 1), reductions, ignore_index and class weights; finite differences."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tr
from tinygrad_rnn import nn
from tinygrad_rnn.nn import functional as F

torch = pytest.importorskip("torch", reason="loss parity tests need torch (pip install torch==2.13.0)")
TF = torch.nn.functional
TOL = dict(rtol=1e-10, atol=1e-12)


@st.composite
def class_problems(draw, allow_empty=True):
    """input (N, C, d...) or (C,) float64, targets with some ignored, a reduction, maybe class weights."""
    c = draw(st.integers(1, 5))
    if draw(st.booleans()) and not allow_empty:
        shape = (c,)
    else:
        shape = (draw(st.integers(0 if allow_empty else 1, 4)), c) + tuple(draw(st.lists(st.integers(1, 3),
                                                                                            max_size=2)))
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    ignore_index = draw(st.sampled_from([-100, 0, 7]))
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    target = rng.integers(0, c, size=tshape)
    drop = rng.random(tshape) < draw(st.sampled_from([0.0, 0.3, 1.0]))
    target = np.where(drop, ignore_index, target)
    weight = rng.uniform(0.2, 2.0, size=c) if draw(st.booleans()) else None
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    return rng.standard_normal(shape), target, ignore_index, weight, reduction


def both(ours_fn, theirs_fn, x, *args):
    """Run the loss in both libraries on the same float64 input; backward with the same random upstream."""
    a = tr.Tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    la, lb = ours_fn(a, *args), theirs_fn(b, *args)
    assert la.shape == tuple(lb.shape) and la.dtype == np.float64
    np.testing.assert_allclose(la.numpy(), lb.detach().numpy(), **TOL)
    up = np.random.default_rng(1).standard_normal(la.shape)
    la.backward(tr.Tensor(up))
    lb.backward(torch.tensor(up))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL)
    return la


@settings(max_examples=100, deadline=None)
@given(problem=class_problems())
def test_cross_entropy_matches_torch(problem):
    x, target, ii, weight, reduction = problem
    both(lambda a: F.cross_entropy(a, target, weight=None if weight is None else tr.Tensor(weight),
                                   ignore_index=ii, reduction=reduction),
         lambda b: TF.cross_entropy(b, torch.as_tensor(target), weight=None if weight is None else
                                    torch.as_tensor(weight), ignore_index=ii, reduction=reduction), x)


@settings(max_examples=100, deadline=None)
@given(problem=class_problems())
def test_nll_loss_of_log_softmax_matches_torch(problem):
    x, target, ii, weight, reduction = problem
    dim = 0 if x.ndim == 1 else 1
    both(lambda a: F.nll_loss(F.log_softmax(a, dim), target, weight=None if weight is None else tr.Tensor(weight),
                              ignore_index=ii, reduction=reduction),
         lambda b: TF.nll_loss(TF.log_softmax(b, dim), torch.as_tensor(target), weight=None if weight is None else
                               torch.as_tensor(weight), ignore_index=ii, reduction=reduction), x)


def test_all_targets_ignored_gives_nan_mean_and_zero_gradient_as_torch():
    x = np.random.default_rng(0).standard_normal((3, 4))
    t = np.full(3, -100)
    for fn, tfn in ((F.cross_entropy, TF.cross_entropy), (F.nll_loss, TF.nll_loss)):
        loss = both(lambda a, fn=fn: fn(a, t), lambda b, tfn=tfn: tfn(b, torch.as_tensor(t)), x)
        assert np.isnan(loss.item())


def test_mean_is_over_the_targets_that_are_not_ignored():
    x = tr.Tensor(np.zeros((4, 2)), requires_grad=True)
    loss = F.cross_entropy(x, np.array([0, 1, -100, -100]))
    assert loss.item() == pytest.approx(np.log(2))  # two real tokens at log 2 each, padding costs nothing


@settings(max_examples=40, deadline=None)
@given(problem=class_problems(allow_empty=False), rows=st.integers(1, 3))
def test_losses_pass_gradcheck(problem, rows):
    x, target, ii, weight, reduction = problem
    w = None if weight is None else tr.Tensor(weight)
    kept = (np.asarray(target) != ii).any()
    if reduction == "mean" and not kept:
        return  # nan everywhere: nothing to difference (the test above checks this case against torch)
    xt = tr.Tensor(x, requires_grad=True)
    assert tr.gradcheck(lambda a: F.cross_entropy(a, target, weight=w, ignore_index=ii, reduction=reduction), [xt])
    assert tr.gradcheck(lambda a: F.nll_loss(a, target, weight=w, ignore_index=ii, reduction=reduction), [xt])


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple), seed=st.integers(0, 999),
       reduction=st.sampled_from(["mean", "sum", "none"]))
def test_mse_loss_matches_torch_and_finite_differences(shape, seed, reduction):
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(shape), rng.standard_normal(shape)
    a, b = tr.Tensor(x, requires_grad=True), tr.Tensor(y, requires_grad=True)
    ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    la, lb = F.mse_loss(a, b, reduction=reduction), TF.mse_loss(ta, tb, reduction=reduction)
    np.testing.assert_allclose(la.numpy(), lb.detach().numpy(), **TOL)
    up = rng.standard_normal(la.shape)
    la.backward(tr.Tensor(up))
    lb.backward(torch.tensor(up))
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), **TOL)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), **TOL)
    assert tr.gradcheck(lambda p, q: F.mse_loss(p, q, reduction=reduction), [a, b])


def test_loss_modules_match_torch_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 2)).astype(np.float32)
    t = np.array([[0, 2], [1, -100], [2, 2], [-100, 0]])
    w = np.array([1.0, 0.5, 2.0], np.float32)
    cases = [(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), t),
             (nn.CrossEntropyLoss(weight=tr.Tensor(w), reduction="sum"),
              torch.nn.CrossEntropyLoss(weight=torch.tensor(w), reduction="sum"), t),
             (nn.NLLLoss(ignore_index=2, reduction="none"), torch.nn.NLLLoss(ignore_index=2, reduction="none"),
              np.abs(t) % 3)]
    for ours, theirs, t in cases:
        a = ours(tr.Tensor(x), t)
        b = theirs(torch.tensor(x), torch.as_tensor(t))
        assert a.dtype == np.float32 and a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)
    y = rng.standard_normal((4, 3, 2)).astype(np.float32)
    a = nn.MSELoss(reduction="sum")(tr.Tensor(x), tr.Tensor(y))
    assert a.item() == pytest.approx(torch.nn.MSELoss(reduction="sum")(torch.tensor(x), torch.tensor(y)).item(),
                                     rel=1e-6)
    assert "weight" in dict(cases[1][0].named_buffers())


def test_time_major_logits_flattened_as_in_the_examples():
    """(T, B, C) logits: torch's class dim is 1, so sequence losses flatten to (T·B, C) in both libraries."""
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((5, 3, 4)), rng.integers(0, 4, size=(5, 3))
    ours = F.cross_entropy(tr.Tensor(x).reshape(-1, 4), t.reshape(-1))
    theirs = TF.cross_entropy(torch.tensor(x).reshape(-1, 4), torch.as_tensor(t).reshape(-1))
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)
    with pytest.raises(ValueError, match=r"expected target of shape \(5, 4\) for logits of shape \(5, 3, 4\)"):
        F.cross_entropy(tr.Tensor(x), t)  # (T, B) targets do not fit: dim 1 is B here, not the classes
