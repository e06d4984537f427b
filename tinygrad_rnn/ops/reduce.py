"""Reductions: sum, mean, max over some axes (all by default).

The gradient of a reduction spreads the output's gradient back over the
axes it removed: evenly for sum and mean, onto the maximal elements for max.
"""
from __future__ import annotations

from ..backend import array_module
from ..tensor import Function


def normalize_axes(axis, ndim: int) -> tuple:
    """``axis`` (None, int or tuple, negatives allowed) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -max(ndim, 1) <= a < max(ndim, 1):
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
        return (_expand(g / max(n, 1), *self.saved),)


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
