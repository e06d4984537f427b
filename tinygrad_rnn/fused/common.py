"""What the three fused recurrences share: the layout, the input projection of all steps
at once, and the weight gradients of all steps at once.

Layout: inside a fused layer every per-step array is *hidden-major*, (features, batch),
e.g. gates (T, G·H, B) and states (T, H, B).  Then each gate of a step, a[:H] or
a[H:2H], is one contiguous block, and the many small elementwise operations of
the loop run on contiguous memory (about 4× faster in NumPy than on the column
slices of a (B, G·H) array).  The recurrent product is W_hh h_{t-1}ᵀ.  Inputs
and outputs keep torch's (T, B, feature) layout.

The input projection and the weight gradients are single (batched) matmuls over
all steps: the loop over time is left with only the recurrent product and the
gate arithmetic.  Large internal arrays come from the workspace pool.
"""
from __future__ import annotations

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


def project_inputs(x, w_ih, b=None):
    """W_ih x_tᵀ (+ b) for every step: x (T, B, I) → a pooled (T, G, B), one batched matmul."""
    xp = array_module(x)
    out = empty(xp, (x.shape[0], w_ih.shape[0], x.shape[1]), xp.result_type(x, w_ih))
    xp.matmul(w_ih, x.transpose(0, 2, 1), out=out)
    if b is not None:
        out += b[:, None]
    return out


def batch_major(a):
    """(T, H, B) → a fresh contiguous (T, B, H), torch's layout."""
    return a.transpose(0, 2, 1).copy()  # a copy even when the transpose is already contiguous


def hidden_major(a):
    """(T, B, H) → a pooled contiguous (T, H, B)."""
    xp = array_module(a)
    out = empty(xp, (a.shape[0], a.shape[2], a.shape[1]), a.dtype)
    out[...] = a.transpose(0, 2, 1)
    return out


def previous_states(h0, hs):
    """h_{t-1} for every step t, (h0, h_1, ..., h_{T-1}) as a pooled (T, H, B); h0 is (B, H), hs (T, H, B)."""
    out = empty(array_module(hs), hs.shape, hs.dtype)
    out[0] = h0.T
    out[1:] = hs[:-1]
    return out


def weight_grads(dp, dq, x, h_prev, w_ih):
    """dL/dx, dL/dW_ih, dL/dW_hh (all fresh arrays) from the pre-activation gradients of all steps.

    dp: dL/d(W_ih x_tᵀ) (T, G, B);  dq: dL/d(W_hh h_{t-1}ᵀ) (T, G, B), the same array for RNN and LSTM.
        dL/dx_t  = dp_tᵀ W_ih          (T, B, I)
        dL/dW_ih = Σ_t dp_t x_t         (G, I)
        dL/dW_hh = Σ_t dq_t h_{t-1}ᵀ    (G, H)
    """
    xp = array_module(dp)
    T, G, _ = dp.shape
    dx = xp.matmul(dp.transpose(0, 2, 1), w_ih)
    per_step_ih = empty(xp, (T, G, x.shape[2]), dp.dtype)
    per_step_hh = empty(xp, (T, G, h_prev.shape[1]), dp.dtype)
    dw_ih = xp.matmul(dp, x, out=per_step_ih).sum(axis=0)
    dw_hh = xp.matmul(dq, h_prev.transpose(0, 2, 1), out=per_step_hh).sum(axis=0)
    WORKSPACE.give(per_step_ih, per_step_hh)
    return dx, dw_ih, dw_hh
