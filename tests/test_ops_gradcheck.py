"""Every op's gradient against central finite differences (float64), over hypothesis-drawn shapes."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import tinygrad_rnn as tr
from tinygrad_rnn.nn import functional as F

from .conftest import rand

SETTINGS = settings(max_examples=40, deadline=None)
shapes = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
seeds = st.integers(0, 2**16)


@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b],
                         ids=["add", "sub", "mul", "div"])
@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), seed=seeds)
def test_binary_broadcasting(op, shapes, seed):
    a = rand(shapes.input_shapes[0], seed)
    b = rand(shapes.input_shapes[1], seed + 1, low=0.5)
    assert tr.gradcheck(op, [a, b])


@pytest.mark.parametrize("name,positive,kink", [("exp", False, False), ("log", True, False), ("tanh", False, False),
                                                ("sigmoid", False, False), ("relu", False, True),
                                                ("__neg__", False, False)])
@SETTINGS
@given(shape=shapes, seed=seeds)
def test_unary(name, positive, kink, shape, seed):
    x = rand(shape, seed, low=0.5 if positive else None, away_from_zero=kink)
    assert tr.gradcheck(lambda x: getattr(x, name)(), [x])


@SETTINGS
@given(shape=shapes, seed=seeds, p=st.sampled_from([2, 3, 0.5, -1.5]))
def test_pow(shape, seed, p):
    assert tr.gradcheck(lambda x: x ** p, [rand(shape, seed, low=0.5)])


@SETTINGS
@given(n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3), a_batch=st.sampled_from([(), (2,), (2, 1)]),
       b_batch=st.sampled_from([(), (1,), (2,)]), a1=st.booleans(), b1=st.booleans(), seed=seeds)
def test_matmul(n, k, m, a_batch, b_batch, a1, b1, seed):
    """1-D, 2-D and batched operands, batch axes broadcasting."""
    a = rand((k,) if a1 else a_batch + (n, k), seed)
    b = rand((k,) if b1 else b_batch + (k, m), seed + 1)
    assert tr.gradcheck(lambda a, b: a @ b, [a, b])


@pytest.mark.parametrize("name", ["sum", "mean", "max"])
@SETTINGS
@given(shape=shapes, seed=seeds, keepdims=st.booleans(), data=st.data())
def test_reductions(name, shape, seed, keepdims, data):
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1)) if shape else None
    x = rand(shape, seed)
    assert tr.gradcheck(lambda x: getattr(x, name)(axis=axis, keepdims=keepdims), [x])


def test_max_ties_share_the_gradient():
    x = tr.Tensor(np.array([1.0, 3.0, 3.0]), requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5, 0.5])


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=3), seed=seeds, data=st.data())
def test_reshape_permute_transpose(shape, seed, data):
    x = rand(shape, seed)
    order = data.draw(st.permutations(range(len(shape))))
    assert tr.gradcheck(lambda x: x.reshape(-1), [x])
    assert tr.gradcheck(lambda x: x.permute(*order), [x])
    assert tr.gradcheck(lambda x: x.T, [x])
    if len(shape) >= 2:
        assert tr.gradcheck(lambda x: x.transpose(0, -1), [x])


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), seed=seeds, data=st.data())
def test_getitem(shape, seed, data):
    x = rand(shape, seed)
    start = data.draw(st.integers(0, shape[0] - 1))
    idx = np.array(data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=5)))
    assert tr.gradcheck(lambda x: x[start:], [x])
    assert tr.gradcheck(lambda x: x[::-1], [x])
    assert tr.gradcheck(lambda x: x[start], [x])
    assert tr.gradcheck(lambda x: x[idx], [x])  # repeated indices accumulate
    assert tr.gradcheck(lambda x: x[..., None], [x])


def test_getitem_repeated_indices_accumulate():
    x = tr.Tensor(np.zeros(3), requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=3), n=st.integers(1, 3), seed=seeds, data=st.data())
def test_concatenate_and_stack(shape, n, seed, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    xs = [rand(shape, seed + i) for i in range(n)]
    assert tr.gradcheck(lambda *xs: tr.concatenate(xs, axis=axis), xs)
    assert tr.gradcheck(lambda *xs: tr.stack(xs, axis=axis), xs)


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), seed=seeds)
def test_softmax_family(shape, seed):
    x = rand(shape, seed)
    assert tr.gradcheck(lambda x: x.log_softmax(), [x])
    assert tr.gradcheck(lambda x: x.softmax(axis=0), [x])


@SETTINGS
@given(lead=array_shapes(min_dims=1, max_dims=2, max_side=4), c=st.integers(1, 5), seed=seeds,
       reduction=st.sampled_from(["mean", "sum", "none"]), ignore=st.booleans())
def test_cross_entropy(lead, c, seed, reduction, ignore):
    x = rand(lead[:1] + (c,) + lead[1:], seed)  # (N, C, d...): the classes on dim 1, as torch's
    target = np.random.default_rng(seed).integers(0, c, size=lead)
    if ignore:
        target.reshape(-1)[0] = -100
        if reduction == "mean" and (target == -100).all():
            return  # nothing left to average: torch returns nan too
    assert tr.gradcheck(lambda x: F.cross_entropy(x, target, reduction=reduction), [x])


@SETTINGS
@given(n=st.integers(1, 5), d=st.integers(1, 3), idx_shape=array_shapes(min_dims=1, max_dims=2, max_side=4),
       seed=seeds)
def test_embedding(n, d, idx_shape, seed):
    w = rand((n, d), seed)
    idx = np.random.default_rng(seed).integers(0, n, size=idx_shape)
    assert tr.gradcheck(lambda w: F.embedding(idx, w), [w])


@SETTINGS
@given(shape=shapes, seed=seeds, p=st.sampled_from([0.0, 0.3, 0.9]))
def test_dropout_with_a_fixed_mask(shape, seed, p):
    x = rand(shape, seed)

    def fn(x):
        tr.manual_seed(seed)  # the same mask on every evaluation
        return F.dropout(x, p, training=True)
    assert tr.gradcheck(fn, [x])


def test_gradcheck_uses_a_random_upstream_gradient():
    """A gradient summed instead of kept per element looks right under an all-ones upstream."""
    class SummedGrad(tr.Function):
        def forward(self, x):
            return x * 1.0

        def backward(self, g):
            return (g.sum() * np.ones_like(g) / g.size,)

    x = rand((3,))
    with pytest.raises(tr.GradcheckError):
        tr.gradcheck(lambda x: SummedGrad.apply(x), [x])


def test_gradcheck_needs_float64():
    with pytest.raises(TypeError, match="float32; finite differences need float64"):
        tr.gradcheck(lambda x: x * 2, [tr.Tensor(np.ones(2, np.float32), requires_grad=True)])
