"""Embedding lookup and dropout: the two ops the nn layers of the same names use."""
from __future__ import annotations

import numpy as np

from ..backend import array_module
from ..tensor import Function


class EmbeddingLookup(Function):
    """embedding: y = W[idx];   dL/dW = zeros with dL/dy added at rows idx (repeats accumulate)"""

    saves_inputs = False  # backward reads no input array

    def forward(self, weight, idx):
        self.saved = (weight.shape, idx)
        return weight[idx]

    def backward(self, g):
        shape, idx = self.saved
        return (scatter_add_rows(shape, idx.reshape(-1), g.reshape(-1, shape[-1])),)


def scatter_add_rows(shape: tuple, idx, rows):
    """out[i] = Σ of the rows whose index is i (rows (N, D), idx (N,)), as ``np.add.at`` does.

    On NumPy, sorting the indices and summing each run with ``add.reduceat`` is
    several times faster than ``add.at``; other array modules use ``add.at``.
    """
    xp = array_module(rows)
    out = xp.zeros(shape, dtype=rows.dtype)
    if xp is not np or len(idx) == 0:
        xp.add.at(out, idx, rows)
        return out
    order = np.argsort(idx, kind="stable")
    sorted_idx = idx[order]
    starts = np.flatnonzero(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]])
    out[sorted_idx[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return out


class DropoutMask(Function):
    """dropout: y = x * m / (1 - p), m ~ Bernoulli(1 - p);   dL/dx = dL/dy * m / (1 - p)"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x, mask):
        self.saved = mask
        return x * mask

    def backward(self, g):
        return (g * self.saved,)
