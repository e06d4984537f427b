"""What the three fused recurrences share: the layout, the input projection of all steps
at once, and the weight gradients of all steps at once.

Layout: inputs, outputs and gradients keep torch's batch-major (T, B, feature).  The
RNN has one gate and computes in that layout throughout.  The LSTM and GRU loops work
*hidden-major*, (features, batch), e.g. gates (T, G·H, B): then each gate of a step,
a[:H] or a[H:2H], is one contiguous block, and the many small elementwise operations
of the loop run on contiguous memory (about 3× faster in NumPy than on the column
slices of a (B, G·H) array); their recurrent product is W_hh h_{t-1}ᵀ.

The input projection and the weight gradients are single matmuls over all steps: the
loop over time is left with only the recurrent product and the gate arithmetic.  Large
internal arrays come from the workspace pool.

Packed batches (``batch_sizes``, torch's PackedSequence layout): the sequences are sorted
longest first and padded to (T, B, ·), and step t runs on the first b_t = batch_sizes[t]
of them only, so no work is spent on padding.  A sequence of length L_j stops at step
L_j - 1: its state is frozen there, its final state is h_{L_j}, and backward starts its
δh at that step (δh_{L_j} = g_{L_j} + g_n) and gives no gradient to the padding
(δa_t = 0 for rows ≥ b_t, and the padded outputs are kept at 0, so the single weight-
gradient matmuls over all steps stay right).
"""
from __future__ import annotations

import numpy as np

from ..backend import array_module
from ..tensor import Function
from .workspace import WORKSPACE


class FusedFunction(Function):
    """A fused recurrence: ``self.scratch`` lists the pooled arrays that ``saved`` holds."""

    def release(self) -> None:
        if getattr(self, "scratch", None):
            WORKSPACE.give(*self.scratch)
            self.scratch = ()
        super().release()


def empty(xp, shape, dtype):
    """A pooled scratch array (see workspace.py): never hand one out as an output or gradient."""
    return WORKSPACE.empty(xp, shape, dtype)


def active_rows(batch_sizes, T: int, B: int) -> list:
    """b_t for t = 0..T-1: how many (sorted) sequences run at step t; all B when the batch is not packed."""
    return [B] * T if batch_sizes is None else [int(b) for b in batch_sizes]


def step_columns(rows: list, *scratch):
    """For each step, (t, b_t, the scratch arrays' first b_t columns (last axis)): the views are made anew
    only when b_t changes, as making them every step costs a few percent at these sizes."""
    last, views = None, ()
    for t, b in enumerate(rows):
        if b != last:
            last, views = b, tuple(a[..., :b] for a in scratch)
        yield t, b, views


def final_states(states, rows: list):
    """Each sequence's state at its own last step L_j - 1, as a fresh (B, F) array: states (T, B, F) batch-major."""
    xp, B = array_module(states), states.shape[1]
    if rows[-1] == B:  # not packed: every sequence ends at the last step
        return states[-1].copy()
    last = (np.asarray(rows)[:, None] > np.arange(B)[None, :]).sum(0) - 1
    return states[xp.asarray(last), xp.arange(B)]


def project_inputs(x, w_ih, b=None):
    """W_ih x_tᵀ (+ b) for every step, hidden-major: x (T, B, I) → a pooled (T, G, B), one batched matmul."""
    xp = array_module(x)
    out = empty(xp, (x.shape[0], w_ih.shape[0], x.shape[1]), xp.result_type(x, w_ih))
    xp.matmul(w_ih, x.transpose(0, 2, 1), out=out)
    if b is not None:
        out += b[:, None]
    return out


def swap_layout(a, pooled=True):
    """Batch-major (T, B, F) ⇄ hidden-major (T, F, B): a contiguous copy with the last two axes swapped.

    Pooled scratch unless ``pooled=False`` (an output must be a fresh array, never a pooled one).
    """
    xp = array_module(a)
    shape = (a.shape[0], a.shape[2], a.shape[1])
    out = empty(xp, shape, a.dtype) if pooled else xp.empty(shape, dtype=a.dtype)
    out[...] = a.transpose(0, 2, 1)
    return out


def gate_major(d_gates):
    """Hidden-major (T, G, B) → a pooled (G, T·B): the steps side by side, for one matmul over all of them.

    (Rows of B stay whole, so this copy is ~4× faster than a full transpose to (T, B, G).)
    """
    T, G, B = d_gates.shape
    out = empty(array_module(d_gates), (G, T * B), d_gates.dtype)
    out.reshape(G, T, B)[...] = d_gates.transpose(1, 0, 2)
    return out


def weight_grads(dq, x, h0, out, w_ih, dp_tail=None):
    """dL/dx, dL/dW_ih, dL/dW_hh, dL/db_ih, dL/db_hh (all fresh arrays), one product each over all steps.

    dq: dL/d(W_hh h_{t-1}ᵀ) as a (G, T·B) matrix, the steps side by side (column t·B + b: step t, sample b):
    a ``gate_major`` copy, or the transposed view of a batch-major (T·B, G) array, which BLAS reads as it
    is.  The input side's gradient dp = dL/d(W_ih x_tᵀ) is the same matrix (RNN, LSTM) or, for the GRU,
    the same but for its last rows, given as ``dp_tail`` (G', T·B).  h0 (B, H) and the output states
    out (T, B, H) give the h_{t-1}; x (T, B, I).  Each sum over steps and samples is one product:
        dL/dx    = dpᵀ W_ih                                              (T·B, I)
        dL/dW_ih = dp x                                                  (G, I)
        dL/dW_hh = dq h_prev = dq[:, :B] h_0 + dq[:, B:] [h_1..h_{T-1}]    (G, H)
        dL/db_ih = dp 1,   dL/db_hh = dq 1      (row sums as products with ones: BLAS, ~5× faster)
    """
    xp = array_module(dq)
    (G, TB), B = dq.shape, h0.shape[0]
    x_flat, ones = x.reshape(TB, x.shape[2]), xp.ones(TB, dq.dtype)
    dw_hh = dq[:, :B] @ h0 + dq[:, B:] @ out[:-1].reshape(TB - B, out.shape[2])
    db_hh = dq @ ones
    if dp_tail is None:
        dx, dw_ih, db_ih = dq.T @ w_ih, dq @ x_flat, db_hh
    else:
        shared = G - dp_tail.shape[0]  # the rows where dp = dq
        dx = dq[:shared].T @ w_ih[:shared] + dp_tail.T @ w_ih[shared:]
        dw_ih = xp.concatenate([dq[:shared] @ x_flat, dp_tail @ x_flat])
        db_ih = xp.concatenate([db_hh[:shared], dp_tail @ ones])
    return dx.reshape(x.shape[0], B, w_ih.shape[1]), dw_ih, dw_hh, db_ih, db_hh
