"""Activation modules, as torch.nn's: Identity, Tanh, ReLU, Sigmoid, Softmax(dim), LogSoftmax(dim).

Each is the module form of a function in ``functional`` (no parameters), so
they can sit in a ``Sequential``.
"""
from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


class Identity(Module):
    """Returns its input unchanged (extra arguments accepted and ignored, as torch)."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def forward(self, input: Tensor) -> Tensor:
        return input


class Tanh(Module):
    """y = tanh(x)"""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class ReLU(Module):
    """y = max(x, 0)"""

    def __init__(self, inplace: bool = False) -> None:
        if inplace:
            raise NotImplementedError("ReLU: inplace=True is not supported")

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)


class Sigmoid(Module):
    """y = 1 / (1 + e**-x)"""

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class _AlongDim(Module):
    """An activation taken along one ``dim`` (torch's implicit choice, with its warning, when dim is None)."""

    function = None

    def __init__(self, dim: int | None = None) -> None:
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return type(self).function(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """y = e**x / Σ e**x along ``dim``."""

    function = staticmethod(F.softmax)


class LogSoftmax(_AlongDim):
    """y = x - log Σ e**x along ``dim``."""

    function = staticmethod(F.log_softmax)
