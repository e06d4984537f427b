"""Where each step's rows lie: a padded batch (T, B, ·), or torch's packed data (N, ·), N = Σ_t b_t.

A packed batch (``batch_sizes``) holds its sequences sorted longest first, time-major and
without padding: step t is the contiguous block of rows o_t .. o_t + b_t - 1 of ``data``
(o_t = b_0 + … + b_{t-1}), and its first b_t rows are the same sequences as the first
b_t rows of step t-1.  The fused layers take and return that layout as it is, so no
work is spent on padding and nothing is unpacked or repacked around them: the input
projection and the weight gradients are single matmuls over the N real rows, and the
loop over time works on step t's rows only.  A padded batch is the special case
b_t = B for every t (then the blocks below are the (T, ·, B) arrays the layers always used).

Inside the LSTM and GRU loops the per-step arrays are *hidden-major* blocks, (F, b_t):
step t's block is contiguous (``Steps.blocks``), so each gate, block[:H] or block[H:2H],
is one contiguous run, and the many small elementwise operations run on contiguous
memory (2-4× faster in NumPy than on column slices of a (F, B) or (b_t, G·H) array).  The
loop's running state (forward c, backward δh and δc) is a contiguous (H, b_t) too: forward
drops the ended sequences' columns by reading its first b_t columns (a view) into the next,
fresh c_t; backward writes the next δh, δc into the first columns of a wider array where b_t
grows (``widened``).  An array touched only once or twice per step may be a strided view
instead, the columns of one (G·H, N) matrix (``Steps.columns``): the packed input
projection (common.project_inputs), and the LSTM's gate gradients, which the weight-gradient
products then read as one matrix.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import array_module
from .workspace import WORKSPACE


class Steps:
    """b_t (``rows``) and the first row o_t (``offsets``) of every step; ``packed`` when not all b_t = B."""

    def __init__(self, x, batch_sizes=None):
        if batch_sizes is None:  # padded: x (T, B, ·)
            self.T, self.B = x.shape[0], x.shape[1]
            self.rows = [self.B] * self.T
        else:                    # packed: x (N, ·)
            self.rows = [int(b) for b in batch_sizes]
            self.T, self.B = len(self.rows), self.rows[0]
        self.packed = batch_sizes is not None
        self.offsets = np.concatenate([[0], np.cumsum(self.rows)]).tolist()
        self.n = self.offsets[-1]

    def empty(self, xp, shape: tuple, dtype):
        """A pooled scratch array whose size is a multiple of the N rows; packed, a view of one pooled for T·B
        rows (see Workspace.empty: N changes nearly every batch, T·B seldom)."""
        if not self.packed:
            return WORKSPACE.empty(xp, shape, dtype)
        return WORKSPACE.empty(xp, shape, dtype, capacity=self.T * self.B * (math.prod(shape) // max(self.n, 1)))

    def flat(self, a):
        """(T, B, F) or (N, F) → (N, F), a view."""
        return a.reshape(self.n, a.shape[-1])

    def like_input(self, flat):
        """(N, F) → the layout of the input: (T, B, F) when padded, (N, F) when packed."""
        return flat if self.packed else flat.reshape(self.T, self.B, flat.shape[-1])

    def blocks(self, xp, F: int, dtype, pooled: bool = True):
        """A buffer (pooled unless ``pooled=False``) and its per-step hidden-major blocks [(F, b_t) contiguous]."""
        new = (lambda shape: self.empty(xp, shape, dtype)) if pooled else (lambda shape: xp.empty(shape, dtype))
        if not self.packed:
            buffer = new((self.T, F, self.B))
            return buffer, list(buffer)
        buffer = new((self.n * F,))
        return buffer, [buffer[F * o: F * (o + b)].reshape(F, b) for o, b in zip(self.offsets, self.rows)]

    def columns(self, xp, F: int, dtype):
        """A pooled gate-major (F, N) buffer and its per-step column blocks (F, b_t): strided views (rows of b_t),
        read or written by the loop, and read as one matrix by the products over all steps (no ``gate_major`` copy)."""
        buffer = self.empty(xp, (F, self.n), dtype)
        return buffer, [buffer[:, o: o + b] for o, b in zip(self.offsets, self.rows)]

    def to_blocks(self, a):
        """Batch-major a (T, B, F) or (N, F) → a pooled buffer and its hidden-major blocks (F, b_t): a copy."""
        buffer, blocks = self.blocks(array_module(a), a.shape[-1], a.dtype)
        if not self.packed:
            buffer[...] = a.transpose(0, 2, 1)
        else:
            for o, b, block in zip(self.offsets, self.rows, blocks):
                block[...] = a[o: o + b].T
        return buffer, blocks

    def from_blocks(self, buffer, blocks):
        """Hidden-major blocks (and their buffer) → a fresh batch-major array in the input's layout (an output:
        never pooled)."""
        F = buffer.shape[1] if not self.packed else blocks[0].shape[0]
        out = array_module(buffer).empty((self.n, F), buffer.dtype)
        if not self.packed:
            out.reshape(self.T, self.B, F)[...] = buffer.transpose(0, 2, 1)
        else:
            for o, b, block in zip(self.offsets, self.rows, blocks):
                out[o: o + b] = block.T
        return self.like_input(out)

    def gate_major(self, buffer, blocks):
        """Hidden-major blocks (G, b_t) → a pooled (G, N): the steps side by side, for one matmul over all of them.

        (Padded: rows of B stay whole, so this copy is ~4× faster than a full transpose to (T, B, G).)
        """
        G = buffer.shape[1] if not self.packed else blocks[0].shape[0]
        out = self.empty(array_module(buffer), (G, self.n), buffer.dtype)
        if not self.packed:
            out.reshape(G, self.T, self.B)[...] = buffer.transpose(1, 0, 2)
        else:
            for o, b, block in zip(self.offsets, self.rows, blocks):
                out[:, o: o + b] = block
        return out

    def previous_states(self, out_flat):
        """h_{t-1} for every row of steps 1..T-1, as (N - B, H): rows of the outputs (a view when padded)."""
        if not self.packed:
            return out_flat[: self.n - self.B]
        offsets = np.asarray(self.offsets)
        t = np.repeat(np.arange(1, self.T), self.rows[1:])  # the step of each row n ≥ B
        index = offsets[t - 1] + np.arange(self.B, self.n) - offsets[t]  # row j of step t-1, j its rank in step t
        return out_flat[array_module(out_flat).asarray(index)]

    def final_states(self, out_flat):
        """Each sequence's state at its own last step L_j - 1, as a fresh (B, F) array."""
        if not self.packed:
            return out_flat[self.n - self.B:].copy()
        lengths = (np.asarray(self.rows)[:, None] > np.arange(self.B)[None, :]).sum(0)  # L_j
        index = np.asarray(self.offsets)[lengths - 1] + np.arange(self.B)
        return out_flat[array_module(out_flat).asarray(index)]


def widened(xp, a, b: int, g_final):
    """The running gradient ``a`` (F, b') of step t as the (F, b) one of step t-1, b ≥ b' (a packed batch, going back).

    ``a`` itself when b = b'.  Else a fresh array: its columns b'..b-1 are the sequences whose last step is t-1,
    whose gradient starts there from the final-state output's, g_final[b':b]ᵀ (zeros when None); the caller writes
    its first b' columns.
    """
    kept = a.shape[1]
    if b == kept:
        return a
    out = xp.empty((a.shape[0], b), a.dtype)
    out[:, kept:] = 0 if g_final is None else g_final[kept:b].T
    return out
