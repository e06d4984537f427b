"""Linear: y = x Wᵀ + b, weight (out_features, in_features) as torch."""
from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter


class Linear(Module):
    """y = x @ weightᵀ + bias over the last axis; init U(-1/√in, 1/√in) for both, as torch.

    The input must have the weight's dtype and device (a float64 input into float32 weights is an
    error naming both, as torch's): cast the module (``.double()``) or the input (``.to(dtype)``).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=np.float32):
        for arg, value in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"Linear: {arg} must be a non-negative integer, got {value!r}")
        self.in_features, self.out_features = in_features, out_features
        k = 1 / math.sqrt(in_features) if in_features else 0.0
        self.weight = init.uniform_(Parameter(np.empty((out_features, in_features), dtype), device=device), -k, k)
        self.bias = init.uniform_(Parameter(np.empty(out_features, dtype), device=device), -k, k) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear: expected input of shape (..., {self.in_features}), got {x.shape}")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
