"""tr.gradcheck itself: its modes, that it catches wrong gradients, refuses non-Tensors, and restores inputs."""
import time

import numpy as np
import pytest

import tinygrad_rnn as tr

from .conftest import rand


class HalfGrad(tr.Function):
    """y = x**2 with half the right derivative (x instead of 2x): a wrong backward to catch."""

    def forward(self, x):
        self.saved = x
        return x * x

    def backward(self, g):
        return (g * self.saved,)


@pytest.mark.parametrize("mode", ["elementwise", "directional"])
def test_both_modes_pass_a_right_gradient_and_catch_a_wrong_one(mode):
    x = rand((4, 5), 1)
    assert tr.gradcheck(lambda x: (x @ x.t()).tanh(), [x], mode=mode)
    where = r"input 0 \(shape \(4, 5\)\) at index \(" if mode == "elementwise" else "random direction"
    with pytest.raises(tr.GradcheckError, match=where + ".*analytic .* vs numeric"):
        tr.gradcheck(lambda x: HalfGrad.apply(x), [x], mode=mode)


def test_directional_mode_catches_a_wrong_gradient_in_one_element_of_many():
    class OneWrong(tr.Function):
        def forward(self, x):
            return x * 1.0

        def backward(self, g):
            g = g.copy()
            g.reshape(-1)[17] *= 3  # one element of 400 off by a factor 3
            return (g,)
    x = rand((20, 20), 2)
    with pytest.raises(tr.GradcheckError, match="directional derivative"):
        tr.gradcheck(lambda x: OneWrong.apply(x), [x])


def test_auto_mode_is_elementwise_for_small_inputs_and_directional_for_large():
    small, large = rand((3, 3), 3), rand((60, 60), 4)
    calls = []

    def f(x):
        calls.append(1)
        return x.tanh()
    tr.gradcheck(f, [small])
    assert len(calls) == 1 + 2 * 9  # one analytic pass, two evaluations per element
    calls.clear()
    tr.gradcheck(f, [large], directions=4)
    assert len(calls) == 1 + 2 * 4  # two evaluations per direction, not per element
    calls.clear()
    tr.gradcheck(f, [small], max_elements=5)
    assert len(calls) == 1 + 2 * 3


def test_a_large_layer_gradcheck_is_fast():
    w, x = rand((64, 64), 5), rand((8, 64), 6)
    start = time.perf_counter()
    assert tr.gradcheck(lambda w, x: (x @ w).tanh().sum(dim=0), [w, x])
    assert time.perf_counter() - start < 2.0  # elementwise would take 2 × 4,608 evaluations


def test_inputs_are_restored_when_fn_raises():
    x = rand((2, 3), 7)
    before = x.numpy().copy()
    x.grad = tr.ones(2, 3, dtype=tr.float64)
    calls = []

    def fails_on_third_call(x):
        calls.append(1)
        if len(calls) == 3:
            raise ArithmeticError("boom")
        return x * 2

    with pytest.raises(ArithmeticError, match="boom"):
        tr.gradcheck(fails_on_third_call, [x])
    np.testing.assert_array_equal(x.numpy(), before)
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))


def test_inputs_are_restored_after_a_directional_check_too():
    x = rand((30, 30), 8)
    array = x.array
    before = array.copy()
    tr.gradcheck(lambda x: x * x, [x], mode="directional")
    assert x.array is array and (array == before).all() and x.grad is None


@pytest.mark.parametrize("result,name", [(lambda x: x.numpy() ** 2, "ndarray"), (lambda x: 3.0, "float"),
                                         (lambda x: (x * 2, [x.numpy()]), "ndarray")])
def test_a_function_that_does_not_return_tensors_is_refused(result, name):
    x = rand((3,), 9)
    with pytest.raises(TypeError, match=f"must return a Tensor or a tuple of Tensors, but .* is a {name}"):
        tr.gradcheck(result, [x])
    assert x.grad is None


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="'sometimes'"):
        tr.gradcheck(lambda x: x, [rand((2,))], mode="sometimes")
