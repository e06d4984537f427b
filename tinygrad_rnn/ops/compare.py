"""Comparisons: ==, !=, <, <=, >, >= elementwise, giving bool tensors (no gradient); any, all, allclose, equal.

A comparison is a step function: its derivative is zero almost everywhere,
so its result is a constant, outside the graph (as torch).
"""
from __future__ import annotations

import operator

import numpy as np

from ..backend import array_module
from ..indexing import check_dims
from ..tensor import Tensor


def _compare(op, symbol: str):
    def compare(a: Tensor, b):
        if isinstance(b, Tensor):
            if b.device != a.device:
                raise RuntimeError(f"{symbol}: tensors on {a.device!r} and {b.device!r}; move one with .to()")
            other = b.array
            try:
                np.broadcast_shapes(a.shape, b.shape)
            except ValueError:
                raise RuntimeError(f"{symbol}: shapes {a.shape} and {b.shape} do not broadcast") from None
        elif isinstance(b, (int, float, bool, np.number, np.bool_)):
            other = b
        else:
            return NotImplemented  # Python then compares identities (t == None is False, as torch)
        return Tensor.wrap(array_module(a.array).asarray(op(a.array, other)))
    compare.__name__ = op.__name__
    compare.__doc__ = f"a {symbol} b elementwise, a bool Tensor (b a Tensor that broadcasts, or a number)."
    return compare


eq, ne = _compare(operator.eq, "=="), _compare(operator.ne, "!=")
lt, le = _compare(operator.lt, "<"), _compare(operator.le, "<=")
gt, ge = _compare(operator.gt, ">"), _compare(operator.ge, ">=")


def allclose(a: Tensor, b: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when |a - b| <= atol + rtol·|b| everywhere (torch.allclose)."""
    for name, t in (("input", a), ("other", b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"allclose: expected {name} to be a Tensor, got {type(t).__name__}")
    return bool(array_module(a.array).allclose(a.array, b.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(a: Tensor, b: Tensor) -> bool:
    """True when a and b have the same shape and elements (torch.equal)."""
    return a.shape == b.shape and bool((a.array == b.array).all())


def any(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 - torch's name
    """Whether any element (along ``dim``) is nonzero: a bool Tensor."""
    axes = check_dims(dim, x.ndim, "any")
    return Tensor.wrap(array_module(x.array).asarray(x.array.astype(bool).any(axis=axes, keepdims=keepdim)))


def all(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 - torch's name
    """Whether every element (along ``dim``) is nonzero: a bool Tensor."""
    axes = check_dims(dim, x.ndim, "all")
    return Tensor.wrap(array_module(x.array).asarray(x.array.astype(bool).all(axis=axes, keepdims=keepdim)))
