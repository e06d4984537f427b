"""Reductions: sum, mean, max over some dims (all by default); their functional forms below.

The gradient of a reduction spreads the output's gradient back over the
axes it removed: evenly for sum and mean, onto the maximal elements for max.
The functional forms take torch's ``dim=``/``keepdim=``; NumPy's
``axis=``/``keepdims=`` are accepted as aliases (and ``max(axis=)`` keeps
NumPy's meaning: values only, like ``np.max``).
"""
from __future__ import annotations

import builtins
from collections import namedtuple

from .. import dtypes
from ..backend import array_module
from ..indexing import check_dim, check_dims
from ..tensor import Function, Tensor
from .unary import Abs, sqrt


def normalize_axes(axis, ndim: int) -> tuple:
    """``axis`` (None, int or tuple, negatives allowed) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -builtins.max(ndim, 1) <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor of {ndim} dimensions")
    return tuple(sorted(a % ndim if ndim else 0 for a in axes))


def _expand(g, shape: tuple, axes: tuple, keepdims: bool):
    """Broadcast a reduced gradient back to the input's ``shape``."""
    xp = array_module(g)
    if not keepdims and shape:
        g = xp.expand_dims(g, axes)
    return xp.broadcast_to(g, shape)


class Sum(Function):
    """sum: y = Σ_axes x;   dL/dx = dL/dy broadcast back over the summed axes"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x, axis=None, keepdims: bool = False):
        axes = normalize_axes(axis, x.ndim)
        self.saved = (x.shape, axes, keepdims)
        return array_module(x).asarray(x.sum(axis=axes, keepdims=keepdims))

    def backward(self, g):
        return (_expand(g, *self.saved),)


class Mean(Function):
    """mean: y = Σ_axes x / n;   dL/dx = dL/dy / n broadcast back (n = elements per output)"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x, axis=None, keepdims: bool = False):
        axes = normalize_axes(axis, x.ndim)
        self.saved = (x.shape, axes, keepdims)
        return array_module(x).asarray(x.mean(axis=axes, keepdims=keepdims))

    def backward(self, g):
        shape, axes, _ = self.saved
        n = 1
        for a in axes:
            n *= shape[a] if shape else 1
        return (_expand(g / builtins.max(n, 1), *self.saved),)


class Max(Function):
    """max: y = max_axes x;   dL/dx = dL/dy * [x == y] / (number of maxima)

    Ties share the gradient equally, so it is a subgradient that sums right.
    """

    saves_inputs = False  # backward reads no input array

    def forward(self, x, axis=None, keepdims: bool = False):
        axes = normalize_axes(axis, x.ndim)
        y = x.max(axis=axes, keepdims=True)
        mask = x == y
        share = (mask / mask.sum(axis=axes, keepdims=True)).astype(x.dtype)
        self.saved = (share, axes, keepdims)
        return y if keepdims else array_module(x).asarray(y.squeeze(axis=axes) if x.ndim else y)

    def backward(self, g):
        share, axes, keepdims = self.saved
        return (share * _expand(g, share.shape, axes, keepdims),)


class MaxAlong(Function):
    """max(dim): y = x[argmax along dim];   dL/dx = dL/dy at the argmax, 0 elsewhere (torch's, first maximum)

    ``largest=False`` takes the minimum instead.  Returns the values; the indices are ``saved``.
    """

    saves_inputs = False  # backward reads the indices saved at forward

    def forward(self, x, dim: int, keepdim: bool = False, largest: bool = True):
        xp = array_module(x)
        idx = (x.argmax if largest else x.argmin)(axis=dim, keepdims=True)
        y = xp.take_along_axis(x, idx, axis=dim)
        self.saved = (x.shape, idx, dim, keepdim)
        return y if keepdim else y.squeeze(axis=dim)

    def backward(self, g):
        shape, idx, dim, keepdim = self.saved
        xp = array_module(g)
        if not keepdim:
            g = xp.expand_dims(g, dim)
        positions = xp.arange(shape[dim]).reshape((-1,) + (1,) * (len(shape) - dim - 1))
        return ((positions == idx) * g,)  # one-hot at the argmax (every array module has ==)


ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
ValuesIndices.__doc__ = "What max(dim)/min(dim) return, as torch: (values, indices), also as .values/.indices."


class NormP(Function):
    """p-norm: y = (Σ_axes |x|^p)^(1/p);   dL/dx = dL/dy · sign(x) |x|^(p-1) / y^(p-1)   (2-norm: x / y),

    and 0 where y = 0 (every x of that slice is 0: the subgradient torch takes).
    """

    def forward(self, x, p: float = 2.0, axis=None, keepdims: bool = False):
        xp = array_module(x)
        axes = normalize_axes(axis, x.ndim)
        if p == 2:
            y = xp.sqrt((x * x).sum(axis=axes, keepdims=True))
        else:
            y = (xp.abs(x) ** p).sum(axis=axes, keepdims=True) ** (1.0 / p)
        self.saved = (x, y, p, axes, keepdims)
        return y if keepdims else xp.asarray(y.squeeze(axis=axes) if x.ndim else y)

    def backward(self, g):
        x, y, p, axes, keepdims = self.saved
        xp = array_module(x)
        safe = xp.where(y == 0, 1, y)  # x = 0 wherever y = 0, so those gradients are 0
        ratio = xp.abs(x) / safe
        slope = x / safe if p == 2 else xp.sign(x) * xp.where(ratio == 0, 1, ratio) ** (p - 1)  # sign(0) = 0
        return (_expand(g, x.shape, axes, keepdims) * slope,)


# ----- functional forms
def _dims(x, dim, axis, name):
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{name}: give dim or its alias axis, not both")
        dim = axis
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None  # torch: an empty dim list reduces over every dim
    return check_dims(dim, x.ndim, name)


def sum(x: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (an int, a tuple, or None for all); integers and bools sum as int64 (as torch)."""
    axes = _dims(x, dim, axis, "sum")
    if dtype is not None:
        x = x.to(dtype=dtype)
    elif x.dtype.kind in "biu" and x.dtype != dtypes.int64:
        x = x.to(dtype=dtypes.int64)
    return Sum.apply(x, axis=axes, keepdims=bool(keepdim or keepdims))


def mean(x: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None) -> Tensor:
    """Mean over ``dim``; needs a floating-point tensor (or ``dtype=``), as torch."""
    axes = _dims(x, dim, axis, "mean")
    if dtype is not None:
        x = x.to(dtype=dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"mean: expected a floating-point tensor (or dtype=), got dtype {x.dtype}")
    return Mean.apply(x, axis=axes, keepdims=bool(keepdim or keepdims))


def amax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """The largest values over ``dim`` (ties share the gradient equally)."""
    return Max.apply(x, axis=_dims(x, dim, None, "amax"), keepdims=keepdim)


def amin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """The smallest values over ``dim``: -amax(-x)."""
    return -Max.apply(-x, axis=_dims(x, dim, None, "amin"), keepdims=keepdim)


def max(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):  # noqa: A001
    """torch's max: ``max()`` the largest value; ``max(dim)`` (values, indices) along one dim."""
    return _extreme(x, dim, keepdim, axis, keepdims, largest=True)


def min(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):  # noqa: A001
    """torch's min: ``min()`` the smallest value; ``min(dim)`` (values, indices) along one dim."""
    return _extreme(x, dim, keepdim, axis, keepdims, largest=False)


def _extreme(x, dim, keepdim, axis, keepdims, largest):
    name = "max" if largest else "min"
    if isinstance(dim, Tensor):
        raise TypeError(f"{name}: for the elementwise {name} of two tensors use tr.maximum/minimum; "
                        f"got a Tensor as dim")
    if axis is not None or keepdims is not None:  # NumPy's spelling, NumPy's meaning: values only
        axes = _dims(x, dim, axis, name)
        return (amax if largest else amin)(x, axes, bool(keepdim or keepdims))
    if x.numel() == 0:
        raise RuntimeError(f"{name}(): expected a non-empty tensor, got shape {x.shape}")
    if dim is None:
        return (amax if largest else amin)(x)
    d = check_dim(dim, x.ndim, name)
    if x.ndim == 0:
        return ValuesIndices(x, Tensor.wrap(array_module(x.array).zeros((), dtype=dtypes.int64)))
    values = MaxAlong.apply(x, dim=d, keepdim=keepdim, largest=largest)
    return ValuesIndices(values, _arg(x, d, keepdim, largest))


def _arg(x, d, keepdim, largest):
    fn = x.array.argmax if largest else x.array.argmin
    return Tensor.wrap(array_module(x.array).asarray(fn(axis=d, keepdims=keepdim), dtype=dtypes.int64))


def argmax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest value along ``dim`` (of the flattened tensor when None), int64."""
    return _argext(x, dim, keepdim, True)


def argmin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value along ``dim`` (of the flattened tensor when None), int64."""
    return _argext(x, dim, keepdim, False)


def _argext(x, dim, keepdim, largest):
    name = "argmax" if largest else "argmin"
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    if x.numel() == 0:
        raise RuntimeError(f"{name}(): expected a non-empty tensor, got shape {x.shape}")
    if dim is None:
        flat = Tensor.wrap(x.array.reshape(-1))
        out = _arg(flat, 0, False, largest)
        return out.reshape((1,) * x.ndim) if keepdim else out
    d = check_dim(dim, x.ndim, name)
    return _arg(x, d, keepdim, largest) if x.ndim else Tensor.wrap(array_module(x.array).zeros((), "int64"))


def var(x: Tensor, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance over ``dim``: Σ (x - mean)² / (n - correction); correction 1 (unbiased) by default."""
    axes = _dims(x, dim, None, "var")
    c = (1 if unbiased else 0) if correction is None else correction
    n = 1
    for a in (range(x.ndim) if axes is None else axes):
        n *= x.shape[a]
    centered = x - Mean.apply(x, axis=axes, keepdims=True)
    return Sum.apply(centered * centered, axis=axes, keepdims=keepdim) / (n - c if n - c > 0 else float("nan"))


def std(x: Tensor, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation: √var."""
    return sqrt(var(x, dim, unbiased, keepdim, correction=correction))


def norm(x: Tensor, p=2, dim=None, keepdim: bool = False) -> Tensor:
    """The p-norm over ``dim`` (all elements when None): (Σ |x|^p)^(1/p); ``p='fro'`` is 2, ``inf`` max |x|."""
    axes = _dims(x, dim, None, "norm")
    p = 2 if p == "fro" else p
    if not isinstance(p, (int, float)) or p <= 0:
        raise ValueError(f"norm: expected p > 0 (a number, inf, or 'fro'), got {p!r}")
    if p == float("inf"):
        return Max.apply(Abs.apply(x), axis=axes, keepdims=keepdim)
    if p == 1:
        return Sum.apply(Abs.apply(x), axis=axes, keepdims=keepdim)
    return NormP.apply(x, p=float(p), axis=axes, keepdims=keepdim)
