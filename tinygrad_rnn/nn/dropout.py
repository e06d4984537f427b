"""Dropout: zero elements with probability p while training, scale the rest by 1/(1-p)."""
from __future__ import annotations

from ..ops import dropout
from ..tensor import Tensor
from .module import Module


class Dropout(Module):
    """Identity in eval mode; in train mode each element is kept with probability 1 - p."""

    def __init__(self, p: float = 0.5):
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
