"""Embedding lookup and dropout: the two ops the nn layers of the same names use; and the
checked integer indices that the embedding and cross-entropy ops take."""
from __future__ import annotations

import numpy as np

from ..backend import DeviceError, array_module, device_of, indices_in_range, to_numpy
from ..tensor import Function, Tensor


def index_array(indices, like: Tensor, size: int, fn: str, what: str, allowed: int | None = None,
                called: str | None = None):
    """``indices`` as an integer array on ``like``'s device, each in [0, size) (or equal to ``allowed``).

    Errors name the function ``fn`` and the argument (``what``; ``called`` in the range error, if given).

    A Tensor must already be on that device (as torch); host data (a list, a NumPy array) is checked
    on the host, for free, and then uploaded.  Ids already on a GPU cost one host read to check: there
    an out-of-range index would wrap around silently instead of raising.
    """
    data = indices.array if isinstance(indices, Tensor) else indices
    if isinstance(indices, Tensor) or device_of(data) != "cpu":
        if device_of(data) != like.device:
            raise DeviceError(f"{fn}: expected {what} on device {like.device!r} (the input's), got "
                              f"{device_of(data)!r}; move them with .to({like.device!r})")
        array = host = data
    else:
        host, array = np.asarray(data), None
    if host.dtype.kind not in "iu":
        raise TypeError(f"{fn}: expected integer {what}, got dtype {host.dtype}")
    if not indices_in_range(host, size, allowed):
        seen = to_numpy(host)
        seen = seen[seen != allowed] if allowed is not None else seen
        extra = "" if allowed is None else f" (or equal to {allowed}, ignored)"
        raise IndexError(f"{fn}: {called or what} must lie in [0, {size}){extra}, "
                         f"got values in [{seen.min()}, {seen.max()}]")
    return array_module(like.array).asarray(host) if array is None else array


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
