"""Linear: y = x Wᵀ + b, weight (out_features, in_features) as torch."""
from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from . import init
from .module import Module, Parameter


class Linear(Module):
    """y = x @ weightᵀ + bias over the last axis; init U(-1/√in, 1/√in) for both, as torch."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=np.float32):
        self.in_features, self.out_features = in_features, out_features
        k = 1 / math.sqrt(in_features) if in_features else 0.0
        self.weight = init.uniform_(Parameter(np.empty((out_features, in_features), dtype)), -k, k)
        self.bias = init.uniform_(Parameter(np.empty(out_features, dtype)), -k, k) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear: expected input of shape (..., {self.in_features}), got {x.shape}")
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
