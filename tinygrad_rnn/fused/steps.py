"""Where each step's rows lie: a padded batch (T, B, ·), or torch's packed data (N, ·), N = Σ_t b_t.

A packed batch (``batch_sizes``) holds its sequences sorted longest first, time-major and
without padding: step t is the contiguous block of rows o_t .. o_t + b_t - 1 of ``data``
(o_t = b_0 + … + b_{t-1}), and its first b_t rows are the same sequences as the first
b_t rows of step t-1.  The fused layers take and return that layout, and the loop over
time works on step t's rows only.  A padded batch is the special case b_t = B for every t.

Inside the LSTM and GRU loops the per-step arrays are *hidden-major* blocks, (F, w_t), w_t the
columns step t runs on (b_t, or b_t rounded up: wide steps, below):
step t's block is contiguous (``Steps.blocks``), so each gate, block[:H] or block[H:2H],
is one contiguous run, and the many small elementwise operations run on contiguous
memory (2-4× faster in NumPy than on column slices of a (F, B) or (b_t, G·H) array).

Wide steps (LSTM and GRU on a packed batch, ``multiple``).  Step t runs on w_t columns, b_t
rounded up to a multiple of 4 (at most B).  Then the steps fall into a few *runs* of one width
(at most ⌈B/4⌉; lengths uniform in [1, 50] over 64 sequences: 35 distinct b_t, 16 runs), and a
run of k steps of width w is one (k, F, w) array, handled as a padded batch is: the input
projection is one batched matmul per run, moving a run between batch-major rows and
hidden-major blocks one transposed copy; with a width per step these were T small copies and
a strided read of the projection every step (together ~10 % of a packed layer's forward
and backward, 2 threads; 2-5 % of a training step).  The added columns j = b_t..w_t-1 belong
to sequences that have ended: ``widen`` gives them zero input rows, their state runs on
harmlessly and is never read (outputs and final states come from the real columns, ``narrow``),
and backward starts them at zero gradient, so their gradient stays exactly zero and adds
nothing to the weight gradients (W_hhᵀ δa of a zero column is zero).
The cost: up to 3 columns of work per step (2-7 % more rows in the benchmark's batches).

The loop's running state (forward c, backward δh and δc) is a contiguous (H, w_t) too: forward
drops the ended columns by reading the first w_t (a view) into the next, fresh c_t; backward
writes the next δh, δc into the first columns of a wider array where w_t grows (``widened``),
and starts each sequence's gradient at its own last step (``start_gradients``).  The LSTM's
gate gradients are written as the columns of one (4H, N) matrix (``Steps.columns``, strided
views), which the weight-gradient products then read as it is.
"""
from __future__ import annotations

import math
from itertools import accumulate, groupby

import numpy as np

from ..backend import array_module
from .workspace import WORKSPACE

WIDTH_MULTIPLE = 4  # the LSTM and GRU run each step of a packed batch on a multiple of 4 columns


class Steps:
    """The layout of a batch, step by step: step t's rows (``rows``, b_t) start at row o_t (``offsets``) of the
    flat (N, ·) arrays; ``packed`` when built from torch's ``batch_sizes``.

    ``multiple`` (packed batches, LSTM and GRU): the loop runs step t on w_t ≥ b_t columns, b_t rounded up to a
    multiple of ``multiple`` (at most B).  Then ``rows``, ``offsets`` and N count those w_t (the *wide* layout),
    ``real_rows`` keeps the b_t, and ``widen``/``narrow`` move arrays between torch's packed rows and the wide
    ones (see the module docstring).  ``runs``: (steps, width, first row, end row) of each run of steps of one
    width, whose blocks are one (steps, F, width) array.
    """

    def __init__(self, x, batch_sizes=None, multiple: int = 1):
        self._device_index = None  # real_index on the arrays' device, uploaded once
        if batch_sizes is None:  # padded: x (T, B, ·)
            self.T, self.B = x.shape[0], x.shape[1]
            self.real_rows = [self.B] * self.T
        else:                    # packed: x (N, ·)
            self.real_rows = [int(b) for b in batch_sizes]
            self.T, self.B = len(self.real_rows), self.real_rows[0]
        self.packed = batch_sizes is not None
        self.rows = [min(self.B, -(-b // multiple) * multiple) for b in self.real_rows]
        self.offsets = list(accumulate(self.rows, initial=0))
        self.n = self.offsets[-1]
        self.runs, t = [], 0
        for width, run in groupby(self.rows):
            k = len(list(run))
            self.runs.append((k, width, self.offsets[t], self.offsets[t + k]))
            t += k
        self.rounded = self.rows != self.real_rows
        self.real_offsets = list(accumulate(self.real_rows, initial=0))  # torch's packed rows of each step
        if self.rounded:  # the wide row of each real row: rank j of step t → o_t + j
            rank = np.arange(self.real_offsets[-1]) - np.repeat(self.real_offsets[:-1], self.real_rows)
            self.real_index = np.repeat(self.offsets[:-1], self.real_rows) + rank

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

    def widen(self, a):
        """torch's packed rows a (Σ b_t, F) → the wide rows (N, F), zeros in the added ones (``a`` itself unless
        rounded)."""
        if not self.rounded:
            return a
        out = array_module(a).zeros((self.n, a.shape[-1]), a.dtype)
        out[self.device_index(a)] = a
        return out

    def narrow(self, a):
        """The wide rows a (N, F) → torch's packed rows (Σ b_t, F), a fresh array (``a`` itself unless rounded)."""
        return a if not self.rounded else a[self.device_index(a)]

    def device_index(self, like):
        """``real_index`` as an array of ``like``'s module (NumPy or CuPy): uploaded to a GPU once per batch."""
        if self._device_index is None:
            self._device_index = array_module(like).asarray(self.real_index)
        return self._device_index

    def ending(self, t: int) -> slice:
        """The sequences whose last step is t: b_{t+1}..b_t - 1 (b_T = 0)."""
        return slice(self.real_rows[t + 1] if t + 1 < self.T else 0, self.real_rows[t])

    def by_run(self, buffer, F: int):
        """A buffer of hidden-major blocks (N·F) → each run of steps of one width w as one (steps, F, w) view."""
        return [buffer[F * first: F * end].reshape(k, F, width) for k, width, first, end in self.runs]

    def blocks(self, xp, F: int, dtype, pooled: bool = True):
        """A buffer (pooled unless ``pooled=False``) and its per-step hidden-major blocks [(F, w_t) contiguous]."""
        buffer = self.empty(xp, (self.n * F,), dtype) if pooled else xp.empty((self.n * F,), dtype)
        return buffer, [block for run in self.by_run(buffer, F) for block in run]

    def columns(self, xp, F: int, dtype):
        """A pooled gate-major (F, N) buffer and its per-step column blocks (F, w_t): strided views (rows of w_t),
        written by the loop, and read as one matrix by the products over all steps (no ``gate_major`` copy)."""
        buffer = self.empty(xp, (F, self.n), dtype)
        return buffer, [buffer[:, o: o + b] for o, b in zip(self.offsets, self.rows)]

    def to_blocks(self, a):
        """Batch-major a (T, B, F) or (N, F) → a pooled buffer and its hidden-major blocks (F, w_t): a copy."""
        a, F = self.flat(a), a.shape[-1]
        buffer, blocks = self.blocks(array_module(a), F, a.dtype)
        for (k, width, first, end), run in zip(self.runs, self.by_run(buffer, F)):
            run[...] = a[first: end].reshape(k, width, F).transpose(0, 2, 1)
        return buffer, blocks

    def from_blocks(self, buffer, F: int):
        """A buffer of hidden-major blocks (F, w_t) → a fresh batch-major (N, F) (an output: never pooled)."""
        out = array_module(buffer).empty((self.n, F), buffer.dtype)
        for (k, width, first, end), run in zip(self.runs, self.by_run(buffer, F)):
            out[first: end].reshape(k, width, F)[...] = run.transpose(0, 2, 1)
        return out

    def gate_major(self, buffer, G: int):
        """A buffer of hidden-major blocks (G, w_t) → a pooled (G, N): the steps side by side, for one matmul
        over all of them.  (Each run's rows of w stay whole: ~4× faster than a full transpose to (N, G).)"""
        out = self.empty(array_module(buffer), (G, self.n), buffer.dtype)
        for (k, width, first, end), run in zip(self.runs, self.by_run(buffer, G)):
            out[:, first: end].reshape(G, k, width)[...] = run.transpose(1, 0, 2)
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
        """Each sequence's state at its own last step L_j - 1, from torch's rows (Σ b_t, F): a fresh (B, F)."""
        if not self.packed:
            return out_flat[self.n - self.B:].copy()
        lengths = (np.asarray(self.real_rows)[:, None] > np.arange(self.B)[None, :]).sum(0)  # L_j
        index = np.asarray(self.real_offsets)[lengths - 1] + np.arange(self.B)
        return out_flat[array_module(out_flat).asarray(index)]


def widened(xp, a, b: int):
    """The running gradient ``a`` (F, b') of step t as the (F, b) one of step t-1, b ≥ b' (a packed batch, going
    back): ``a`` itself when b = b', else a fresh array, zeros in its columns b'..b-1, whose first b' the caller
    writes."""
    kept = a.shape[1]
    if b == kept:
        return a
    out = xp.empty((a.shape[0], b), a.dtype)
    out[:, kept:] = 0
    return out


def start_gradients(a, g_final, ended: slice) -> None:
    """a[:, ended] += g_final[ended]ᵀ: the sequences ``ended`` (``Steps.ending``) end at this step, so their
    gradient (zero there until now) starts from the final-state output's (nothing when g_final is None)."""
    if g_final is not None and ended.stop > ended.start:
        a[:, ended] += g_final[ended].T
