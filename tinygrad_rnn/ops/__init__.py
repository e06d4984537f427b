"""The ops: functional forms, and the Tensor operators and methods built on them.

Each op is one ``Function`` (forward and backward side by side) in the file
named for its kind: ``arith``, ``unary``, ``reduce``, ``shape``,
``softmax``, ``layers``.  This file turns them into the calls a user writes:
``a + b``, ``x @ w``, ``x.tanh()``, ``x.sum(axis=0)``, ``x[1:3]``, and
``concatenate`` / ``stack``.
"""
from __future__ import annotations

import numpy as np

from ..backend import array_module
from ..tensor import Tensor
from .arith import Add, Div, MatMul, Mul, Neg, Pow, Sub
from .layers import DropoutMask, EmbeddingLookup
from .reduce import Max, Mean, Sum
from .shape import Concatenate, GetItem, Permute, Reshape, Stack
from .softmax import CrossEntropy, LogSoftmax, Softmax
from .unary import Exp, Log, Relu, Sigmoid, Tanh


def lift(value, like: Tensor) -> Tensor:
    """A constant operand as a Tensor: Python numbers take ``like``'s dtype and device (as torch)."""
    if isinstance(value, Tensor):
        return value
    xp = array_module(like.array)
    if isinstance(value, (int, float, bool)):
        return Tensor._make(xp.asarray(value, dtype=like.dtype))
    return Tensor(value, device=like.device)


def _binary(fn):
    def op(a, b):
        return fn.apply(a, b if type(b) is Tensor else lift(b, a))

    def rop(a, b):
        return fn.apply(lift(b, a), a)
    return op, rop


add, _radd = _binary(Add)
sub, _rsub = _binary(Sub)
mul, _rmul = _binary(Mul)
div, _rdiv = _binary(Div)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """a @ b with NumPy's rules (1-D, 2-D, batched); a clear error when the inner sizes differ."""
    b = lift(b, a)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: expected tensors of at least 1 dimension, got shapes {a.shape} and {b.shape}")
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != k_b:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align: {a.shape[-1]} (last of the first) "
                         f"!= {k_b} ({'first' if b.ndim == 1 else 'second to last'} of the second)")
    return MatMul.apply(a, b)


def pow_(x: Tensor, exponent: float) -> Tensor:
    if isinstance(exponent, Tensor):
        raise TypeError("pow: the exponent must be a Python number (a constant), got a Tensor")
    return Pow.apply(x, exponent=exponent)


def transpose(x: Tensor, dim0: int = 0, dim1: int = 1) -> Tensor:
    """Swap two axes (torch's ``transpose``)."""
    axes = list(range(x.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return Permute.apply(x, axes=tuple(axes))


def permute(x: Tensor, *dims) -> Tensor:
    dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    if sorted(d % x.ndim for d in dims) != list(range(x.ndim)):
        raise ValueError(f"permute: expected an order of the {x.ndim} axes of shape {x.shape}, got {dims}")
    return Permute.apply(x, axes=tuple(d % x.ndim for d in dims))


def reshape(x: Tensor, *shape) -> Tensor:
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return Reshape.apply(x, shape=shape)


def getitem(x: Tensor, index) -> Tensor:
    """x[index]: ints, slices, None, ..., and integer arrays (Tensors or NumPy) as in NumPy."""
    parts = index if isinstance(index, tuple) else (index,)
    xp = array_module(x.array)
    parts = tuple(xp.asarray(p.array) if isinstance(p, Tensor) else
                  (xp.asarray(p) if isinstance(p, (list, np.ndarray)) else p) for p in parts)
    return GetItem.apply(x, index=parts if isinstance(index, tuple) else parts[0])


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (torch.cat)."""
    return Concatenate.apply(*tensors, axis=axis)


def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors along a new axis (torch.stack)."""
    return Stack.apply(*tensors, axis=axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    return LogSoftmax.apply(x, axis=axis)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    return Softmax.apply(x, axis=axis)


def cross_entropy(logits: Tensor, target, reduction: str = "mean", ignore_index: int = -100) -> Tensor:
    """Mean (or sum, or per-element) of -log softmax(logits)[target], fused and stable.

    logits: (..., C) with classes on the last axis; target: integers of shape (...) in [0, C) or equal to
    ``ignore_index``, a Tensor on the logits' device or host data.  Checking the range reads nothing back
    for host targets and one value for targets on a GPU (where a bad one would wrap around silently).
    """
    from .layers import index_array
    if logits.ndim < 1:
        raise ValueError(f"cross_entropy: expected logits of shape (..., classes), got {logits.shape}")
    t = index_array(target, logits, logits.shape[-1], "cross_entropy", "class targets", allowed=ignore_index)
    if tuple(t.shape) != logits.shape[:-1]:
        raise ValueError(f"cross_entropy: expected target of shape {logits.shape[:-1]} for logits of shape "
                         f"{logits.shape}, got {tuple(t.shape)}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return CrossEntropy.apply(logits, target=t, reduction=reduction, ignore_index=ignore_index)


def embedding(idx, weight: Tensor) -> Tensor:
    """Rows of ``weight`` at integer indices ``idx`` (any shape): output idx.shape + (dim,).

    ``idx``: a Tensor on the weight's device, or host data.  Checking the range reads nothing back for
    host ids and one value for ids on a GPU (where a bad one would wrap around silently).
    """
    from .layers import index_array
    i = index_array(idx, weight, weight.shape[0], "embedding", "indices", called="ids")
    return EmbeddingLookup.apply(weight, idx=i)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p); identity when not training.

    The mask is drawn where x lives (``rng.keep_mask``): nothing is copied between host and device.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    from .. import rng
    mask = rng.keep_mask(array_module(x.array), x.shape, p).astype(x.dtype)
    mask *= 0.0 if p == 1 else 1.0 / (1 - p)
    return DropoutMask.apply(x, mask=mask)


def _sum(x, axis=None, keepdims=False):
    return Sum.apply(x, axis=axis, keepdims=keepdims)


def _mean(x, axis=None, keepdims=False):
    return Mean.apply(x, axis=axis, keepdims=keepdims)


def _max(x, axis=None, keepdims=False):
    return Max.apply(x, axis=axis, keepdims=keepdims)


def _unary(fn):
    return lambda x: fn.apply(x)


tanh, sigmoid, relu, exp, log = (_unary(f) for f in (Tanh, Sigmoid, Relu, Exp, Log))

_METHODS = {
    "__add__": add, "__radd__": _radd, "__sub__": sub, "__rsub__": _rsub,
    "__mul__": mul, "__rmul__": _rmul, "__truediv__": div, "__rtruediv__": _rdiv,
    "__neg__": lambda x: Neg.apply(x), "__pow__": pow_, "__matmul__": matmul,
    "__rmatmul__": lambda a, b: matmul(lift(b, a), a), "__getitem__": getitem,
    "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "exp": exp, "log": log,
    "sum": _sum, "mean": _mean, "max": _max, "reshape": reshape, "transpose": transpose,
    "permute": permute, "T": property(lambda x: permute(x, *reversed(range(x.ndim)))),
    "log_softmax": log_softmax, "softmax": softmax,
}
for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
