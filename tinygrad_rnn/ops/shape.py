"""Ops that change a tensor's shape, layout, dtype or device: reshape, permute, expand, repeat,
clone, to; torch's view methods (view, flatten, squeeze, transpose, ...) below.

Their gradients move the output's gradient back to where each element came
from: reshape back, permute by the inverse order, sum over what expand and
repeat copied.  Indexing and slicing are in ``select.py``; cat and stack in
``join.py``.

A result that shares memory with its input (a view: reshape, permute,
slicing, expand, ...) shares its version counter too, as torch's views do:
an in-place change through either is seen by graphs that saved the other.
"""
from __future__ import annotations

import numpy as np

from .. import backend, dtypes
from ..backend import array_module
from ..indexing import check_dim, is_int
from ..tensor import Function, Tensor
from .arith import unbroadcast


class Reshape(Function):
    """reshape: y = x viewed with a new shape;   dL/dx = dL/dy reshaped to x's shape"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x, shape: tuple):
        self.saved = x.shape
        return x.reshape(shape)

    def backward(self, g):
        return (g.reshape(self.saved),)


class Permute(Function):
    """permute: y = x with axes reordered;   dL/dx = dL/dy with the inverse order"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x, axes: tuple):
        self.saved = axes
        return x.transpose(axes)

    def backward(self, g):
        inverse = [0] * len(self.saved)
        for i, a in enumerate(self.saved):
            inverse[a] = i
        return (g.transpose(inverse),)


class Expand(Function):
    """expand: y = x broadcast to a larger shape (a view);   dL/dx = dL/dy summed over the broadcast axes"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x, shape: tuple):
        self.saved = x.shape
        return array_module(x).broadcast_to(x, shape)

    def backward(self, g):
        return (unbroadcast(g, self.saved),)


class Repeat(Function):
    """repeat: y = x tiled reps times;   dL/dx = dL/dy summed over the copies"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x, reps: tuple):
        lead = (1,) * (len(reps) - x.ndim)
        self.saved = (lead + x.shape, reps, x.shape)
        return array_module(x).tile(x, reps)

    def backward(self, g):
        shape, reps, x_shape = self.saved
        split = [n for pair in zip(reps, shape) for n in pair]  # (r0, s0, r1, s1, ...): copies beside sizes
        return (g.reshape(split).sum(axis=tuple(range(0, len(split), 2))).reshape(x_shape),)


class Clone(Function):
    """clone: y = a copy of x;   dL/dx = dL/dy"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return (g,)


class To(Function):
    """to(device, dtype): y = x moved/cast;   dL/dx = dL/dy moved/cast back"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x, device: str, dtype=None):
        self.saved = (backend.device_of(x), x.dtype)
        y = backend.to_device(x, device)
        return y if dtype is None else y.astype(dtype, copy=False)

    def backward(self, g):
        device, dtype = self.saved
        return (backend.to_device(g, device).astype(dtype, copy=False),)


# ----- functional forms
def as_view(out: Tensor, x: Tensor) -> Tensor:
    """Let ``out`` share ``x``'s version counter when it shares ``x``'s memory (a view, as torch)."""
    if out.array.base is not None:
        out._version = x._shared_version()
    return out


def _sizes(args, name: str) -> tuple:
    """Sizes given as f(2, 3) or f((2, 3)) or f([2, 3]), checked to be integers."""
    sizes = tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)
    if not all(is_int(s) for s in sizes):
        raise TypeError(f"{name}: expected integer sizes, got {sizes!r}")
    return tuple(int(s) for s in sizes)


def reshape(x: Tensor, *shape) -> Tensor:
    """The same elements in a new shape (one size may be -1: inferred); a view when possible."""
    shape = _sizes(shape, "reshape")
    known = int(np.prod([s for s in shape if s != -1]))
    if shape.count(-1) > 1 or any(s < -1 for s in shape) or (
            x.numel() != known if -1 not in shape else (known == 0 or x.numel() % known)):
        raise RuntimeError(f"reshape: shape {list(shape)} is invalid for a tensor of shape {x.shape} "
                           f"({x.numel()} elements)")
    return as_view(Reshape.apply(x, shape=shape), x)


def view(x: Tensor, *shape) -> Tensor:
    """torch's view: reshape sharing memory; ``view(dtype)`` is not supported."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list)) and not is_int(shape[0]):
        raise TypeError(f"view: expected sizes, got {shape[0]!r} (view(dtype) is not supported; use .to(dtype))")
    return reshape(x, *shape)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one."""
    s, e = check_dim(start_dim, x.ndim, "flatten"), check_dim(end_dim, x.ndim, "flatten")
    if x.ndim == 0:
        return reshape(x, 1)
    if s > e:
        raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(x, x.shape[:s] + (-1,) + x.shape[e + 1:])


def squeeze(x: Tensor, dim=None) -> Tensor:
    """Remove dims of size 1 (all of them, or ``dim``, an int or tuple, where its size is 1)."""
    if dim is None:
        dims = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        dims = tuple(check_dim(d, x.ndim, "squeeze") for d in ((dim,) if is_int(dim) else dim))
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1)))


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at ``dim`` (in [-ndim-1, ndim])."""
    d = check_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def permute(x: Tensor, *dims) -> Tensor:
    """Reorder the dims: output dim i is input dim dims[i]."""
    dims = _sizes(dims, "permute")
    axes = tuple(check_dim(d, x.ndim, "permute") for d in dims) if x.ndim else ()
    if len(axes) != x.ndim or len(set(axes)) != len(axes):
        raise RuntimeError(f"permute: expected an order of the {x.ndim} dims of shape {x.shape} with no dim "
                           f"twice, got {dims}")
    return as_view(Permute.apply(x, axes=axes), x)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (torch's ``transpose(dim0, dim1)``)."""
    if x.ndim == 0:
        check_dim(dim0, 0, "transpose"), check_dim(dim1, 0, "transpose")
        return x
    axes = list(range(x.ndim))
    d0, d1 = check_dim(dim0, x.ndim, "transpose"), check_dim(dim1, x.ndim, "transpose")
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return as_view(Permute.apply(x, axes=tuple(axes)), x)


def t(x: Tensor) -> Tensor:
    """Transpose of a tensor of at most 2 dims."""
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor of at most 2 dims, got shape {x.shape}; use transpose or permute")
    return transpose(x, 0, 1) if x.ndim == 2 else x


def expand(x: Tensor, *sizes) -> Tensor:
    """A view broadcast to ``sizes`` (-1 keeps a dim's size; only size-1 dims grow)."""
    sizes = _sizes(sizes, "expand")
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand: {len(sizes)} sizes {sizes} for a tensor of {x.ndim} dims {x.shape}")
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    for i, n in enumerate(x.shape):
        if n != 1 and n != shape[lead + i]:
            raise RuntimeError(f"expand: the size of dim {i} is {n} and can't grow to {shape[lead + i]} "
                               f"(only size-1 dims expand), shape {x.shape} to {sizes}")
    return as_view(Expand.apply(x, shape=shape), x)


def repeat(x: Tensor, *reps) -> Tensor:
    """Tile the tensor reps[i] times along dim i (torch's ``repeat``, NumPy's ``tile``)."""
    reps = _sizes(reps, "repeat")
    if len(reps) < x.ndim:
        raise RuntimeError(f"repeat: {len(reps)} repeats {reps} for a tensor of {x.ndim} dims; give at least one "
                           "per dim")
    return Repeat.apply(x, reps=reps)


def clone(x: Tensor) -> Tensor:
    """A copy with its own memory, still in the graph."""
    return Clone.apply(x)


def contiguous(x: Tensor) -> Tensor:
    """x itself when its memory is in row-major order, else a copy that is (as torch)."""
    return x if x.array.flags.c_contiguous else Clone.apply(x)


def to(x: Tensor, *args, device=None, dtype=None, copy: bool = False) -> Tensor:
    """torch's ``to``: ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)``, keywords too.

    Returns x itself when nothing changes (unless ``copy=True``); differentiable.
    """
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, str) and a.split(":")[0] in backend.DEVICES:
            device = a
        elif hasattr(a, "type") and str(a).split(":")[0] in backend.DEVICES:  # a tr.device
            device = str(a)
        elif a is not None:  # to(dtype) or to(device, dtype); a None leaves it as it is
            dtype = a
    device = backend.check_device(device.split(":")[0] if isinstance(device, str) else
                                  (str(device) if device is not None else x.device))
    dtype = x.dtype if dtype is None else dtypes.as_dtype(dtype)
    if device == x.device and dtype == x.dtype:
        return Clone.apply(x) if copy else x
    if not dtypes.is_floating(dtype):  # an integer or bool result carries no gradient (as torch)
        return Tensor.wrap(To().forward(x.array, device=device, dtype=dtype))
    return To.apply(x, device=device, dtype=dtype)
