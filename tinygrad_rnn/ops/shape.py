"""Ops that move data without arithmetic: reshape, permute, indexing,
concatenate, stack, and the move between devices or dtypes.

Their gradients move the output's gradient back to where each element came
from: reshape back, permute by the inverse order, scatter-add for indexing
(repeated indices accumulate), split for concatenate and stack.
"""
from __future__ import annotations

from .. import backend
from ..backend import array_module
from ..tensor import Function


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


class Concatenate(Function):
    """concatenate: y = [a, b, ...] joined on axis;   dL/da, dL/db, ... = dL/dy split at the joins"""

    saves_inputs = False  # backward reads no input array

    def forward(self, *xs, axis: int = 0):
        xp = array_module(xs[0])
        self.saved = (axis, [x.shape[axis] for x in xs])
        return xp.concatenate(xs, axis=axis)

    def backward(self, g):
        axis, sizes = self.saved
        xp = array_module(g)
        cuts = [sum(sizes[: i + 1]) for i in range(len(sizes) - 1)]
        return tuple(xp.split(g, cuts, axis=axis))


class Stack(Function):
    """stack: y = [a, b, ...] along a new axis;   dL/da = dL/dy taken at a's position on that axis, ..."""

    saves_inputs = False  # backward reads no input array

    def forward(self, *xs, axis: int = 0):
        self.saved = axis
        return array_module(xs[0]).stack(xs, axis=axis)

    def backward(self, g):
        xp = array_module(g)
        return tuple(xp.take(g, i, axis=self.saved) for i in range(g.shape[self.saved]))


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
