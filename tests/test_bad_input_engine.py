"""Bad input at the engine's boundary: a clear error in our words, naming what came, and nothing changed."""
import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.backend import DeviceError

X = np.arange(6.0).reshape(2, 3)


def fresh():
    return tr.tensor(X.copy(), requires_grad=True)


CASES = [  # (what, call on a fresh tensor x, error type, regex the message must match)
    ("transpose of a missing dim", lambda x: x.transpose(0, 3), IndexError, r"range of \[-2, 1\], but got 3"),
    ("permute with a dim twice", lambda x: x.permute(0, 0), RuntimeError, r"got \(0, 0\)"),
    ("permute of a missing dim", lambda x: x.permute(0, 5), IndexError, r"but got 5"),
    ("squeeze of a missing dim", lambda x: x.squeeze(2), IndexError, r"but got 2"),
    ("unsqueeze too far", lambda x: x.unsqueeze(4), IndexError, r"range of \[-3, 2\], but got 4"),
    ("sum over a missing dim", lambda x: x.sum(dim=2), IndexError, r"but got 2"),
    ("sum over a dim named twice", lambda x: x.sum(dim=(0, -2)), RuntimeError, r"dim \(0, -2\)"),
    ("sum(dim=1) of a 0-d tensor", lambda x: x.sum().sum(dim=1), IndexError, r"\[-1, 0\], but got 1"),
    ("a float dim", lambda x: x.mean(dim=0.5), TypeError, r"0\.5"),
    ("view to a wrong size", lambda x: x.view(4), RuntimeError, r"\[4\] is invalid for a tensor of shape \(2, 3\)"),
    ("reshape with two -1", lambda x: x.reshape(-1, -1), RuntimeError, r"\[-1, -1\]"),
    ("expand a dim of size 3", lambda x: x.expand(2, 4), RuntimeError, r"dim 1 is 3 and can't grow to 4"),
    ("narrow past the end", lambda x: x.narrow(1, 2, 5), IndexError, r"start 2 and length 5"),
    ("chunk into 0 pieces", lambda x: x.chunk(0), ValueError, r"got 0"),
    ("split sizes that do not add up", lambda x: x.split([1, 1], dim=1), ValueError, r"\[1, 1\] .* sum to 3"),
    ("cat of an empty list", lambda x: tr.cat([]), ValueError, r"non-empty list"),
    ("cat of a Tensor, not a list", lambda x: tr.cat(x), TypeError, r"list or tuple of Tensors, got Tensor"),
    ("cat of an ndarray in the list", lambda x: tr.cat([x, X]), TypeError, r"got ndarray at position 1"),
    ("cat of mismatched shapes", lambda x: tr.cat([x, x.t()]), RuntimeError, r"tensor 1 has shape \(3, 2\)"),
    ("stack of mismatched shapes", lambda x: tr.stack([x, x[0]]), RuntimeError, r"\(3,\) at entry 1"),
    ("backward with a list as gradient", lambda x: (x * 2).backward([1.0] * 6), TypeError, r"got list"),
    ("backward with a wrong shape", lambda x: (x * 2).backward(tr.ones(3)), ValueError, r"\(3,\) for a tensor of"),
    ("backward with an int gradient", lambda x: (x * 2).backward(tr.ones(2, 3, dtype=tr.int64)), TypeError,
     r"int64"),
    ("index out of range", lambda x: x[5], IndexError, r"index 5 is out of bounds for dimension 0 with size 2"),
    ("integer array index out of range", lambda x: x[np.array([0, 2])], IndexError, r"index 2 .* size 2"),
    ("Tensor index out of range", lambda x: x[:, tr.tensor([-4])], IndexError, r"index -4 .* dimension 1 with size 3"),
    ("float array index", lambda x: x[np.array([0.5])], IndexError, r"dtype float64"),
    ("a string index", lambda x: x["a"], IndexError, r"'a'"),
    ("gather index out of range", lambda x: x.gather(1, tr.tensor([[3], [0]])), IndexError, r"index 3 .* size 3"),
    ("gather float index", lambda x: x.gather(1, tr.tensor([[0.0]])), TypeError, r"float32"),
    ("masked_fill with a float mask", lambda x: x.masked_fill(x, 0.0), TypeError, r"dtype float64"),
    ("matmul of mixed float dtypes", lambda x: x @ tr.ones(3, 2), RuntimeError, r"float64 and float32"),
    ("matmul with an ndarray", lambda x: tr.matmul(x, X.T), TypeError, r"other to be a Tensor, got ndarray"),
    ("matmul of misaligned shapes", lambda x: x @ x, ValueError, r"\(2, 3\) and \(2, 3\) do not align"),
    ("mm of a 3-D tensor", lambda x: tr.mm(x.unsqueeze(0), x), ValueError, r"\(1, 2, 3\)"),
    ("mean of an int tensor", lambda x: tr.tensor([1, 2]).mean(), TypeError, r"int64"),
    ("pow by a list", lambda x: x ** [2], TypeError, r"list"),
    ("add a string", lambda x: x + "a", TypeError, r"str"),
    ("clamp with no bound", lambda x: x.clamp(), ValueError, r"min and max"),
    ("unknown dtype", lambda x: x.to(dtype="float7"), TypeError, r"float7"),
    ("unknown device", lambda x: x.to("tpu"), TypeError, r"tpu"),
    ("non-numeric data", lambda x: tr.tensor(np.array([1, "a"], dtype=object)), TypeError, r"dtype object"),
    ("strings", lambda x: tr.tensor(["a", "b"]), TypeError, r"dtype <U1"),
    ("ragged lists", lambda x: tr.tensor([[1.0], [1.0, 2.0]]), TypeError, r"regular shape"),
    ("integer tensor requiring grad", lambda x: tr.zeros(2, dtype=tr.int64, requires_grad=True), TypeError,
     r"int64"),
    ("negative size", lambda x: tr.zeros(-1, 2), ValueError, r"\(-1, 2\)"),
    ("randint with high <= low", lambda x: tr.randint(3, 3, (2,)), ValueError, r"low=3, high=3"),
    ("from_numpy of a list", lambda x: tr.from_numpy([1.0]), TypeError, r"got list"),
    ("Tensor(data, True) positional", lambda x: tr.Tensor(X, True), TypeError, r"\(True,\)"),
    ("size of a missing dim", lambda x: x.size(2), IndexError, r"but got 2"),
    ("max(dim) of an empty tensor", lambda x: tr.zeros(0, 2).max(dim=0), RuntimeError, r"\(0, 2\)"),
    ("t() of a 3-D tensor", lambda x: x.unsqueeze(0).t(), RuntimeError, r"\(1, 2, 3\)"),
]


@pytest.mark.parametrize("what,call,error,message", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_a_clear_error_and_changes_nothing(what, call, error, message):
    x = fresh()
    with pytest.raises(error, match=message):
        call(x)
    np.testing.assert_array_equal(x.numpy(), X)
    assert x.grad is None and (x._version is None or x._version[0] == 0)


IN_PLACE = [  # (what, change of a tensor y, error, regex)
    ("add_ on a leaf that requires grad", lambda y: tr.ones(2, requires_grad=True).add_(1), RuntimeError,
     r"leaf Variable that requires grad"),
    ("add_ on a non-leaf in a graph", lambda y: (tr.ones(2, requires_grad=True) * 2).add_(1), RuntimeError,
     r"part of a graph"),
    ("float into an int tensor", lambda y: tr.ones(2, dtype=tr.int64).add_(0.5),
     RuntimeError, r"float32 can't be cast to the desired output type int64"),
    ("mul_ by a wrong shape", lambda y: y.mul_(tr.ones(4)), RuntimeError, r"\(4,\) does not broadcast"),
    ("copy_ from a list", lambda y: y.copy_([1.0, 2.0, 3.0]), TypeError, r"got list"),
    ("add_ of a string", lambda y: y.add_("a"), TypeError, r"got str"),
    ("setitem of a wrong shape", lambda y: y.__setitem__(0, tr.ones(4)), RuntimeError, r"\(4,\) does not fit"),
    ("setitem out of range", lambda y: y.__setitem__(7, 1.0), IndexError, r"index 7 .* size 2"),
    ("clamp_ with no bound", lambda y: y.clamp_(), ValueError, r"min and max"),
]


@pytest.mark.parametrize("what,call,error,message", IN_PLACE, ids=[c[0] for c in IN_PLACE])
def test_refused_in_place_change_changes_nothing(what, call, error, message):
    y = tr.tensor(X.copy())
    with pytest.raises(error, match=message):
        call(y)
    np.testing.assert_array_equal(y.numpy(), X)
    assert y._version is None or y._version[0] == 0


def test_backward_gradient_on_another_device_is_refused():
    class Elsewhere(np.ndarray):
        """An array the backend files under another device (as a CuPy array would be)."""
    tr.backend.register_array_type(Elsewhere, np, "cuda")
    try:
        x = fresh()
        with pytest.raises(DeviceError, match=r"gradient on 'cuda' for a tensor on 'cpu'"):
            (x * 2).backward(np.ones((2, 3)).view(Elsewhere))
        assert x.grad is None
    finally:
        tr.backend._registry.pop(Elsewhere)


def test_int_times_half_is_float32_not_zeros():
    assert (tr.tensor([1, 2, 3]) * 0.5).tolist() == [0.5, 1.0, 1.5]
    assert (tr.tensor([1, 2, 3]) * 0.5).dtype == tr.float32
