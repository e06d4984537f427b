"""Selecting elements: x[index], narrow, split, chunk, gather, masked_fill, where.

Their gradients put the output's gradient back where each element was taken
from (scatter-add: an element taken twice gets both shares) and give the
replaced elements none.  Integer indices are range-checked first
(``indexing.as_index``): CuPy would wrap an out-of-range index around.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..backend import array_module
from ..indexing import as_index, check_dim, check_range, is_int
from ..tensor import Function, Tensor
from .arith import lift, unbroadcast
from .shape import as_view


def is_basic_index(index) -> bool:
    """True for ints, slices, None and ``...`` (a view, no element taken twice)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


class GetItem(Function):
    """index: y = x[index];   dL/dx = zeros with dL/dy added at index (repeats accumulate)"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x, index):
        self.saved = (x.shape, x.dtype, index)
        return x[index]

    def backward(self, g):
        shape, dtype, index = self.saved
        xp = array_module(g)
        dx = xp.zeros(shape, dtype=g.dtype)
        if is_basic_index(index):
            dx[index] = g
        else:
            xp.add.at(dx, index, g)
        return (dx,)


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
        nd = index.ndim  # the position of every element of index, one broadcastable axis range per dim
        grid = [xp.arange(n).reshape((1,) * k + (n,) + (1,) * (nd - k - 1)) for k, n in enumerate(index.shape)]
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


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The view x[..., start:start+length, ...] along ``dim``."""
    _at_least_1d(x, "narrow")
    d = check_dim(dim, x.ndim, "narrow")
    n = x.shape[d]
    start = start + n if is_int(start) and start < 0 else start
    if not (is_int(start) and is_int(length) and 0 <= start <= n and 0 <= length <= n - start):
        raise IndexError(f"narrow: start {start} and length {length} out of range for dim {dim} of size {n}")
    return _slice(x, d, start, start + length)


def _slice(x: Tensor, d: int, lo: int, hi: int) -> Tensor:
    return getitem(x, (slice(None),) * d + (slice(lo, hi),))


def split(x: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the listed sizes."""
    _at_least_1d(x, "split")
    d = check_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if is_int(split_size_or_sections):
        size = split_size_or_sections
        if size <= 0 and n:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [min(size, n - i) for i in range(0, n, size)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n or any(not is_int(s) or s < 0 for s in sizes):
            raise ValueError(f"split: sizes {sizes} must be non-negative and sum to {n}, the size of dim {dim}")
    cuts = np.cumsum([0] + sizes)
    return tuple(_slice(x, d, int(lo), int(hi)) for lo, hi in zip(cuts[:-1], cuts[1:]))


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` pieces of ceil(n / chunks) along ``dim`` (fewer when it does not divide)."""
    if not is_int(chunks) or chunks <= 0:
        raise ValueError(f"chunk: expected a positive number of chunks, got {chunks!r}")
    _at_least_1d(x, "chunk")
    n = x.shape[check_dim(dim, x.ndim, "chunk")]
    return split(x, max(-(-n // chunks), 1), dim)


def _at_least_1d(x: Tensor, name: str) -> None:
    if x.ndim == 0:
        raise RuntimeError(f"{name}() needs a tensor of at least 1 dimension, got a 0-d tensor")
