"""Joining tensors: cat (along an existing dim) and stack (along a new one).

Their gradients split the output's gradient at the joins, one piece per input.
Inputs of different dtypes are first brought to torch's result type.
"""
from __future__ import annotations

from .. import dtypes
from ..backend import array_module
from ..indexing import check_dim
from ..tensor import Function, Tensor


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


# ----- functional forms
def _tensors(tensors, name: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}: expected a list or tuple of Tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{name}: expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: expected a list of Tensors, got {type(t).__name__} at position {i}")
    dt = dtypes.result_type(*tensors) if len({t.dtype for t in tensors}) > 1 else None
    return [t if dt is None or t.dtype == dt else t.to(dtype=dt) for t in tensors]


def cat(tensors, dim: int = 0, *, axis=None) -> Tensor:
    """Join tensors along an existing dim (torch.cat); shapes must match except along ``dim``."""
    tensors = _tensors(tensors, "cat")
    d = check_dim(dim if axis is None else axis, tensors[0].ndim, "cat")
    for i, t in enumerate(tensors):
        if t.ndim == 0 or t.ndim != tensors[0].ndim or any(
                a != b for k, (a, b) in enumerate(zip(t.shape, tensors[0].shape)) if k != d):
            raise RuntimeError(f"cat: sizes of tensors must match except in dim {dim}: tensor 0 has shape "
                               f"{tensors[0].shape}, tensor {i} has shape {t.shape}")
    return Concatenate.apply(*tensors, axis=d)


def stack(tensors, dim: int = 0, *, axis=None) -> Tensor:
    """Join tensors of one shape along a new dim (torch.stack)."""
    tensors = _tensors(tensors, "stack")
    d = check_dim(dim if axis is None else axis, tensors[0].ndim + 1, "stack")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {tensors[0].shape} at entry 0 "
                               f"and {t.shape} at entry {i}")
    return Stack.apply(*tensors, axis=d)


def concatenate(tensors, axis: int = 0) -> Tensor:
    """NumPy's name for ``cat``."""
    return cat(tensors, axis)
