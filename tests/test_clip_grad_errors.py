"""clip_grad_norm_ refuses a max_norm that would silently do the wrong thing, before touching a gradient."""
import math

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import nn


def param_with_grad():
    p = tr.Tensor(np.zeros(3), requires_grad=True)
    p.grad = tr.Tensor(np.array([3.0, -4.0, 12.0]))
    return p


@pytest.mark.parametrize("max_norm", [-1.0, -1e-9, math.nan, -math.inf])
def test_negative_or_nan_max_norm_is_refused_and_nothing_changes(max_norm):
    p = param_with_grad()
    with pytest.raises(ValueError, match=rf"max_norm must be a number >= 0 \(inf: never clip\), got {max_norm}"):
        nn.utils.clip_grad_norm_([p], max_norm)
    np.testing.assert_array_equal(p.grad.numpy(), [3.0, -4.0, 12.0])


def test_a_max_norm_that_is_not_a_number_is_refused():
    with pytest.raises(TypeError, match=r"max_norm must be a number >= 0, got 'one'"):
        nn.utils.clip_grad_norm_([param_with_grad()], "one")


@pytest.mark.parametrize("max_norm,scale", [(0.0, 0.0), (math.inf, 1.0), (26.0, 1.0), (6.5, 0.5)])
def test_zero_and_infinite_max_norm_are_allowed(max_norm, scale):
    p = param_with_grad()
    assert nn.utils.clip_grad_norm_([p], max_norm) == 13.0
    np.testing.assert_allclose(p.grad.numpy(), np.array([3.0, -4.0, 12.0]) * scale, rtol=1e-6)
