"""Embedding lookup and dropout: the two ops the nn layers of the same names use."""
from __future__ import annotations

from ..backend import array_module
from ..tensor import Function


class EmbeddingLookup(Function):
    """embedding: y = W[idx];   dL/dW = zeros with dL/dy added at rows idx (repeats accumulate)"""

    def forward(self, weight, idx):
        self.saved = (weight.shape, idx)
        return weight[idx]

    def backward(self, g):
        shape, idx = self.saved
        xp = array_module(g)
        dw = xp.zeros(shape, dtype=g.dtype)
        xp.add.at(dw, idx, g)
        return (dw,)


class DropoutMask(Function):
    """dropout: y = x * m / (1 - p), m ~ Bernoulli(1 - p);   dL/dx = dL/dy * m / (1 - p)"""

    def forward(self, x, mask):
        self.saved = mask
        return x * mask

    def backward(self, g):
        return (g * self.saved,)
