"""x += y and friends: in place where torch changes in place, refused where torch refuses, exact gradients."""
import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import nn


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
def test_augmented_assignment_changes_a_plain_tensor_in_place(op):
    x = tr.tensor([1.0, 2.0, 4.0])
    alias, before = x, x._version
    namespace = {"x": x}
    exec(f"x {op} 2.0", namespace)
    expected = eval(f"np.array([1.0, 2.0, 4.0]) {op[0]} 2.0")
    assert namespace["x"] is alias and x._version != before
    np.testing.assert_allclose(alias.numpy(), expected)


def test_augmented_assignment_on_a_parameter_needs_no_grad_as_in_torch():
    layer = nn.Linear(2, 3)
    bias = layer.bias
    before = bias.numpy().copy()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        layer.bias -= 1.0
    np.testing.assert_array_equal(layer.bias.numpy(), before)
    with tr.no_grad():
        layer.bias -= 1.0
    assert layer.bias is bias
    np.testing.assert_allclose(bias.numpy(), before - 1.0)


def test_summing_losses_with_plus_equals_gives_the_exact_gradient():
    torch = pytest.importorskip("torch", reason="compared with torch (pip install torch==2.13.0)")
    data = np.arange(3.0)
    ours, theirs = tr.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    for x in (ours, theirs):
        total = 0
        for i in range(3):
            total += (x * i).sum()
            total += (x * x).sum()
        total.backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
