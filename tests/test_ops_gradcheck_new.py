"""Finite-difference gradchecks (float64, random upstream gradient) of the ops added for the torch API."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import tinygrad_rnn as tr

from .conftest import rand

SETTINGS = settings(max_examples=30, deadline=None)
seeds = st.integers(0, 2**16)
shapes = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)


@pytest.mark.parametrize("name", ["abs", "sqrt", "clamp"])
@SETTINGS
@given(shape=array_shapes(min_dims=0, max_dims=3, max_side=3), seed=seeds)
def test_elementwise(name, shape, seed):
    x = rand(shape, seed, low=0.2 if name == "sqrt" else None, away_from_zero=name == "abs")
    if name == "clamp":  # keep elements away from the two kinks
        v = x.array
        x = tr.tensor(np.where(np.abs(np.abs(v) - 0.5) < 0.05, v + 0.1, v), requires_grad=True)
        assert tr.gradcheck(lambda x: x.clamp(-0.5, 0.5), [x])
        assert tr.gradcheck(lambda x: x.clamp(min=-0.5), [x])
    else:
        assert tr.gradcheck(lambda x: getattr(x, name)(), [x])


@pytest.mark.parametrize("largest", [True, False])
@SETTINGS
@given(shape=shapes, seed=seeds, keepdim=st.booleans(), data=st.data())
def test_max_min_along_a_dim(largest, shape, seed, keepdim, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = rand(shape, seed)
    fn = (lambda x: x.max(dim, keepdim=keepdim).values) if largest else (lambda x: x.min(dim, keepdim).values)
    assert tr.gradcheck(fn, [x])
    assert tr.gradcheck(lambda x: x.amin(dim=dim, keepdim=keepdim), [x])


@pytest.mark.parametrize("name", ["std", "var", "norm"])
@SETTINGS
@given(shape=shapes, seed=seeds, keepdim=st.booleans(), data=st.data())
def test_statistics(name, shape, seed, keepdim, data):
    dim = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    x = rand(shape, seed)
    n = x.numel() if dim is None else shape[dim]
    if name != "norm" and n < 2:
        return  # one element: no spread to take (torch gives nan)
    assert tr.gradcheck(lambda x: getattr(x, name)(dim=dim, keepdim=keepdim), [x])
    if name == "norm":
        assert tr.gradcheck(lambda x: x.norm(p=3, dim=dim), [rand(shape, seed, away_from_zero=True)])


@SETTINGS
@given(shape=shapes, seed=seeds, data=st.data())
def test_expand_repeat_clone(shape, seed, data):
    x = rand(tuple(1 if data.draw(st.booleans()) else n for n in shape), seed)
    target = tuple(n if m == 1 else m for m, n in zip(x.shape, shape))
    assert tr.gradcheck(lambda x: x.expand(2, *target), [x])
    reps = tuple(data.draw(st.integers(1, 3)) for _ in range(len(shape) + data.draw(st.integers(0, 1))))
    assert tr.gradcheck(lambda x: x.repeat(*reps), [x])
    assert tr.gradcheck(lambda x: x.clone() * x, [x])


@SETTINGS
@given(shape=shapes, seed=seeds, data=st.data())
def test_narrow_chunk_split_squeeze(shape, seed, data):
    x = rand(shape, seed)
    dim = data.draw(st.integers(0, len(shape) - 1))
    start = data.draw(st.integers(0, shape[dim] - 1))
    assert tr.gradcheck(lambda x: x.narrow(dim, start, shape[dim] - start), [x])
    assert tr.gradcheck(lambda x: x.chunk(2, dim)[0], [x])
    assert tr.gradcheck(lambda x: x.split(1, dim)[-1].squeeze(dim).unsqueeze(0).flatten(), [x])


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), seed=seeds, data=st.data())
def test_gather(shape, seed, data):
    x = rand(shape, seed)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    index_shape = tuple(data.draw(st.integers(1, n)) for n in shape)
    index = np.random.default_rng(seed).integers(0, shape[dim], size=index_shape)  # repeats accumulate
    assert tr.gradcheck(lambda x: x.gather(dim, tr.tensor(index)), [x])


@SETTINGS
@given(shape=shapes, seed=seeds)
def test_masked_fill_and_where(shape, seed):
    x, y = rand(shape, seed), rand(shape, seed + 1)
    mask = tr.tensor(np.random.default_rng(seed).random(shape) > 0.5)
    assert tr.gradcheck(lambda x: x.masked_fill(mask, 2.0), [x])
    assert tr.gradcheck(lambda x, y: tr.where(mask, x, y), [x, y])
    assert tr.gradcheck(lambda x: tr.where(mask, x, 0.5), [x])


@SETTINGS
@given(shape=shapes, seed=seeds)
def test_dtype_moves_are_differentiable(shape, seed):
    x = rand(shape, seed)
    y = x.float()  # float32 rounding spoils finite differences: check the rule dL/dx = dL/dy cast back
    g = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    y.backward(tr.tensor(g))
    assert y.dtype == tr.float32 and x.grad.dtype == tr.float64
    np.testing.assert_array_equal(x.grad.numpy(), g.astype(np.float64))
    assert tr.gradcheck(lambda x: x.to(tr.float64) + x.to("cpu"), [x])
