"""Dims and indices: a user's ``dim=`` and ``x[index]`` checked before they reach NumPy or CuPy.

NumPy's own errors name its internals (``axis 3 is out of bounds for array
of dimension 2``), and CuPy silently wraps an out-of-range integer index
around.  These helpers turn both into torch's errors, in our words, and sit
below ``tensor.py`` (they see only arrays and ``.array``).
"""
from __future__ import annotations

import numpy as np

from .backend import array_module, device_of


def is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def check_dim(dim, ndim: int, name: str) -> int:
    """``dim`` as a non-negative axis, or torch's IndexError naming the range (dim 0/-1 allowed on 0-d)."""
    if not is_int(dim):
        raise TypeError(f"{name}: expected an integer dim, got {dim!r}")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{name}: dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim}) for a tensor of {ndim} dimensions")
    return int(dim) % n


def check_dims(dim, ndim: int, name: str) -> tuple | None:
    """``dim`` (None, an int, or a tuple/list of ints) as a sorted tuple of distinct axes (None: all)."""
    if dim is None:
        return None
    dims = (dim,) if is_int(dim) else dim
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"{name}: expected dim to be an int or a tuple of ints, got {dim!r}")
    axes = tuple(check_dim(d, ndim, name) for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{name}: dim {tuple(dims)} names a dimension twice")
    return tuple(sorted(a for a in axes if a < ndim)) if ndim else ()


def as_index(array, index):
    """``index`` for ``array[index]``: Tensors and lists become arrays; integer arrays are range-checked.

    Allowed parts: ints, slices, None, ``...``, integer arrays/Tensors/lists, bool masks.
    """
    parts = index if isinstance(index, tuple) else (index,)
    xp, out, axis = array_module(array), [], 0
    n_axes = sum(1 for p in parts if p is not None and p is not Ellipsis)
    for p in parts:
        if hasattr(p, "array") and not isinstance(p, np.ndarray):  # a Tensor
            p = p.array
        if isinstance(p, (list, np.ndarray)) or (hasattr(p, "__cuda_array_interface__")):
            if not isinstance(p, (list, np.ndarray)) and device_of(p) != device_of(array):
                raise IndexError(f"index: an index array on {device_of(p)!r} for a tensor on {device_of(array)!r}")
            p = xp.asarray(p)
            if p.dtype.kind == "b":
                _check_mask(p, array.shape[axis:axis + p.ndim], axis)
                out.append(p)
                axis += p.ndim
                continue
            if p.dtype.kind not in "iu" and p.size:
                raise IndexError(f"index: expected integers, slices, None, ... or integer/bool arrays, "
                                 f"got an array of dtype {p.dtype}")
            p = p.astype(np.int64, copy=False) if p.size == 0 else p
            _check_range(p, array.shape, axis)
        elif is_int(p):
            _check_range(p, array.shape, axis)
        elif p is Ellipsis:
            axis += array.ndim - n_axes + 1
            out.append(p)
            continue
        elif not (p is None or isinstance(p, slice)):
            raise IndexError(f"index: expected integers, slices, None, ... or integer/bool arrays, got {p!r}")
        out.append(p)
        axis += p is not None
    return tuple(out) if isinstance(index, tuple) else out[0]


def _check_range(p, shape: tuple, axis: int) -> None:
    if axis >= len(shape):
        raise IndexError(f"index: too many indices for a tensor of {len(shape)} dimensions")
    check_range(p, shape[axis], axis)


def check_range(p, n: int, axis: int) -> None:
    """Every integer in ``p`` (an int or an integer array) within [-n, n): torch's IndexError otherwise."""
    if is_int(p):
        bad = not -n <= p < n
        value = p
    else:
        if p.size == 0:
            return
        lo, hi = (int(v) for v in array_module(p).stack([p.min(), p.max()]).tolist())  # one host read
        bad, value = lo < -n or hi >= n, (lo if lo < -n else hi)
    if bad:
        raise IndexError(f"index {value} is out of bounds for dimension {axis} with size {n}")


def _check_mask(mask, shape: tuple, axis: int) -> None:
    if tuple(mask.shape) != tuple(shape):
        raise IndexError(f"index: a bool mask of shape {tuple(mask.shape)} for dimensions {axis}.. of size "
                         f"{tuple(shape)}: they must match")
