"""What the three fused recurrences share: the layout, the input projection of all steps
at once, and the weight gradients of all steps at once.

Layout: inputs, outputs and gradients keep torch's batch-major (T, B, feature), or its
packed (N, feature).  The RNN has one gate and computes in that layout throughout.  The
LSTM and GRU loops work *hidden-major*, a block (features, w_t) per step (steps.py), e.g.
gates (G·H, w_t): then each gate of a step, a[:H] or a[H:2H], is one contiguous block,
and the many small elementwise operations of the loop run on contiguous memory (about
3× faster in NumPy than on the column slices of a (B, G·H) array); their recurrent
product is W_hh h_{t-1}ᵀ.

The input projection and the weight gradients are single matmuls over all steps: the
loop over time is left with only the recurrent product and the gate arithmetic.  Large
internal arrays come from the workspace pool.

Packed batches (``batch_sizes``, torch's PackedSequence layout, see steps.py): the layers take
and return torch's packed data (N, ·), and step t runs on its b_t = batch_sizes[t] rows (the
LSTM and GRU on b_t rounded up to a multiple of 4: steps.py), not on padding.  A sequence of
length L_j stops at step L_j - 1: its final state is h_{L_j}, and backward starts its δh at
that step (δh_{L_j} = g_{L_j} + g_n).  In the formulas of each file, "rows j < b_t" means the
b_t rows of step t.
"""
from __future__ import annotations

from ..backend import array_module
from ..tensor import Function
from .steps import Steps
from .workspace import WORKSPACE


class FusedFunction(Function):
    """A fused recurrence: ``self.scratch`` lists the pooled arrays that ``saved`` holds."""

    def input_needs_grad(self) -> bool:
        """Whether dL/dx is wanted: not for a first layer fed data (its largest product, skipped as torch's
        autograd skips the gradients of inputs that need none)."""
        return self.parents[0].requires_grad

    def release(self) -> None:
        if getattr(self, "scratch", None):
            WORKSPACE.give(*self.scratch)
            self.scratch = ()
        super().release()


def empty(xp, shape, dtype):
    """A pooled scratch array (see workspace.py): never hand one out as an output or gradient."""
    return WORKSPACE.empty(xp, shape, dtype)


def project_inputs(x, w_ih, b, steps):
    """W_ih x_tᵀ (+ b) for every step, hidden-major: (pooled buffer, its per-step (G, w_t) blocks), which the
    loop then reuses.  One batched matmul per run of steps of one width (see steps.py): one in all when padded.
    """
    xp = array_module(x)
    G, x_flat = w_ih.shape[0], steps.flat(x)
    buffer, blocks = steps.blocks(xp, G, xp.result_type(x, w_ih))
    for (k, width, first, end), run in zip(steps.runs, steps.by_run(buffer, G)):
        xp.matmul(w_ih, x_flat[first: end].reshape(k, width, x_flat.shape[1]).transpose(0, 2, 1), out=run)
        if b is not None:
            run += b[:, None]
    return buffer, blocks


def weight_grads(dq, x, h0, out, w_ih, dp_tail=None, steps=None, input_grad=True):
    """dL/dx, dL/dW_ih, dL/dW_hh, dL/db_ih, dL/db_hh (all fresh arrays), one product each over all steps.

    dL/dx is None when ``input_grad`` is False (an input that needs no gradient: one product fewer).

    dq: dL/d(W_hh h_{t-1}ᵀ) as a (G, T·B) matrix, the steps side by side (column t·B + b: step t, sample b):
    the loop's ``Steps.columns`` matrix (LSTM), a ``gate_major`` copy (GRU), or the transposed view of a
    batch-major (T·B, G) array (RNN), which BLAS reads as it is.  Packed (``steps``, see steps.py):
    x (N, I), out (N, H) and the N columns of dq are the steps' rows (wide ones when rounded: then
    dL/dx comes back narrowed to torch's packed rows).
    The input side's gradient dp = dL/d(W_ih x_tᵀ) is the same matrix (RNN, LSTM) or, for the GRU,
    the same but for its last rows, given as ``dp_tail`` (G', T·B).  h0 (B, H) and the output states
    out (T, B, H) give the h_{t-1}; x (T, B, I).  Each sum over steps and samples is one product:
        dL/dx    = dpᵀ W_ih                                              (T·B, I)
        dL/dW_ih = dp x                                                  (G, I)
        dL/dW_hh = dq h_prev = dq[:, :B] h_0 + dq[:, B:] [h_1..h_{T-1}]    (G, H)
        dL/db_ih = dp 1,   dL/db_hh = dq 1      (row sums as products with ones: BLAS, ~5× faster)
    """
    xp = array_module(dq)
    steps = Steps(x) if steps is None else steps
    (G, TB), B = dq.shape, h0.shape[0]
    x_flat, ones = steps.flat(x), xp.ones(TB, dq.dtype)
    dw_hh = dq[:, :B] @ h0 + dq[:, B:] @ steps.previous_states(steps.flat(out))
    db_hh = dq @ ones
    if dp_tail is None:
        dx = dq.T @ w_ih if input_grad else None
        dw_ih, db_ih = dq @ x_flat, db_hh
    else:
        shared = G - dp_tail.shape[0]  # the rows where dp = dq
        dx = dq[:shared].T @ w_ih[:shared] + dp_tail.T @ w_ih[shared:] if input_grad else None
        dw_ih = xp.concatenate([dq[:shared] @ x_flat, dp_tail @ x_flat])
        db_ih = xp.concatenate([db_hh[:shared], dp_tail @ ones])
    return None if dx is None else steps.like_input(steps.narrow(dx)), dw_ih, dw_hh, db_ih, db_hh
