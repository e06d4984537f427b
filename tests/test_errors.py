"""Bad input gets a clear error naming what was expected and what came."""
import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.nn import functional as F


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(5, 3\) and \(4, 2\) do not align: 3 .* != 4"):
        tr.Tensor(np.ones((5, 3))) @ tr.Tensor(np.ones((4, 2)))


def test_matmul_of_a_scalar_is_refused():
    with pytest.raises(ValueError, match="at least 1 dimension"):
        tr.Tensor(np.ones(())) @ tr.Tensor(np.ones((2, 2)))


def test_cross_entropy_wants_integer_targets():
    with pytest.raises(TypeError, match="expected integer class targets, got dtype float64"):
        F.cross_entropy(tr.Tensor(np.ones((2, 3))), np.array([0.0, 1.0]))


def test_cross_entropy_wants_matching_target_shape():
    with pytest.raises(ValueError, match=r"expected target of shape \(2,\) for logits of shape \(2, 3\), got \(3,\)"):
        F.cross_entropy(tr.Tensor(np.ones((2, 3))), np.array([0, 1, 2]))


def test_cross_entropy_reduction_is_checked():
    with pytest.raises(ValueError, match="reduction must be"):
        F.cross_entropy(tr.Tensor(np.ones((2, 3))), np.array([0, 1]), reduction="avg")


def test_embedding_wants_integer_indices():
    with pytest.raises(TypeError, match="expected integer indices, got dtype float64"):
        F.embedding(np.array([0.0]), tr.Tensor(np.ones((2, 3))))


def test_dropout_probability_is_checked():
    with pytest.raises(ValueError, match=r"dropout probability must be in \[0, 1\], got 1.5"):
        F.dropout(tr.Tensor(np.ones(2)), 1.5)


def test_pow_exponent_must_be_a_number():
    with pytest.raises(TypeError, match="exponent must be a Python number"):
        tr.Tensor(np.ones(2)) ** tr.Tensor(np.ones(2))


def test_permute_order_is_checked():
    with pytest.raises(RuntimeError, match=r"expected an order of the 2 dims of shape \(2, 3\) with no dim twice, "
                                           r"got \(0, 0\)"):
        tr.Tensor(np.ones((2, 3))).permute(0, 0)


def test_backward_gradient_shape_is_checked():
    x = tr.Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"gradient of shape \(2,\) for a tensor of shape \(3,\)"):
        (x * 2).backward(np.ones(2))


def test_backward_of_a_constant_is_refused():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tr.Tensor(np.ones(())).backward()
