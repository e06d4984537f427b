"""Selecting elements: x[index], gather, masked_fill, where.

Their gradients put the output's gradient back where each element was taken
from (scatter-add: an element taken twice gets both shares) and give the
replaced elements none.  Integer indices are range-checked first
(``indexing.as_index``): CuPy would wrap an out-of-range index around.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..backend import array_module
from ..indexing import as_index, check_dim, check_range
from ..tensor import Function, Tensor
from .arith import lift, unbroadcast
from .shape import GetItem, as_view, is_basic_index


class Gather(Function):
    """gather: y[i][j] = x[i][index[i][j]] (along dim 1, likewise for any dim);
    dL/dx = zeros with dL/dy added at the gathered places (repeats accumulate)"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x, index, dim: int):
        self.saved = (x.shape, index, dim)
        return array_module(x).take_along_axis(x, index, axis=dim)

    def backward(self, g):
        shape, index, dim = self.saved
        xp = array_module(g)
        dx = xp.zeros(shape, dtype=g.dtype)
        grid = list(xp.indices(index.shape, sparse=True))  # the position of every element of index
        grid[dim] = index
        xp.add.at(dx, tuple(grid), g)
        return (dx,)


class Where(Function):
    """where: y = a where cond else b;   dL/da = dL/dy * cond,   dL/db = dL/dy * (1 - cond)"""

    saves_inputs = False  # backward reads the condition saved at forward

    def forward(self, a, b, cond):
        self.saved = (cond, a.shape, b.shape)
        return array_module(a).where(cond, a, b)

    def backward(self, g):
        cond, sa, sb = self.saved
        return unbroadcast(g * cond, sa), unbroadcast(g * ~cond, sb)


# ----- functional forms
def getitem(x: Tensor, index) -> Tensor:
    """x[index]: ints, slices, None, ..., bool masks and integer arrays (Tensors, lists, NumPy), range-checked."""
    idx = as_index(x.array, index)
    out = GetItem.apply(x, index=idx)
    return as_view(out, x) if is_basic_index(idx) else out


def gather(x: Tensor, dim: int, index) -> Tensor:
    """torch.gather: out[i][j] = x[i][index[i][j]] for dim 1; index has x's number of dims."""
    d = check_dim(dim, x.ndim, "gather")
    idx = index.array if isinstance(index, Tensor) else array_module(x.array).asarray(index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: expected an integer index, got dtype {idx.dtype}")
    if idx.ndim != x.ndim or any(n > m for k, (n, m) in enumerate(zip(idx.shape, x.shape)) if k != d):
        raise RuntimeError(f"gather: index of shape {tuple(idx.shape)} for input of shape {x.shape}: it needs "
                           f"the same number of dims and no larger size outside dim {dim}")
    check_range(idx, x.shape[d] if x.ndim else 1, d)
    sl = tuple(slice(0, n) for n in idx.shape[:d]) + (slice(None),) + tuple(slice(0, n) for n in idx.shape[d + 1:])
    return Gather.apply(getitem(x, sl) if x.shape != idx.shape else x, index=idx, dim=d)


def where(condition, a, b) -> Tensor:
    """Elements of ``a`` where ``condition`` holds, of ``b`` elsewhere (broadcast together)."""
    cond = condition.array if isinstance(condition, Tensor) else None
    if cond is None or cond.dtype.kind != "b":
        raise TypeError("where: expected a bool Tensor as condition, got "
                        + (f"dtype {cond.dtype}" if cond is not None else type(condition).__name__))
    like = a if isinstance(a, Tensor) else b
    a, b = lift(a, like), lift(b, like)
    if a.dtype != b.dtype:
        dt = dtypes.result_type(a, b)
        a, b = a.to(dtype=dt), b.to(dtype=dt)
    return Where.apply(a, b, cond=cond)


def masked_fill(x: Tensor, mask, value) -> Tensor:
    """x with ``value`` where ``mask`` (a bool Tensor broadcastable to x) holds."""
    m = mask.array if isinstance(mask, Tensor) else None
    if m is None or m.dtype.kind != "b":
        raise TypeError("masked_fill: expected a bool Tensor as mask, got "
                        + (f"dtype {m.dtype}" if m is not None else type(mask).__name__))
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
    elif not isinstance(value, (int, float, bool)):
        raise TypeError(f"masked_fill: expected a number as value, got {type(value).__name__}")
    try:
        shape = tuple(np.broadcast_shapes(m.shape, x.shape))
    except ValueError:
        shape = None
    if shape != x.shape:
        raise RuntimeError(f"masked_fill: a mask of shape {tuple(m.shape)} does not broadcast to the input's "
                           f"shape {x.shape}")
    fill = value.to(dtype=x.dtype) if isinstance(value, Tensor) else Tensor.wrap(
        array_module(x.array).asarray(value, dtype=x.dtype))
    return Where.apply(fill, x, cond=m)
