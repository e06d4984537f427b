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


def project_inputs(x, w_ih, b=None, pooled=True):
    """W_ih x_tᵀ (+ b) for every step: x (T, B, I) → (T, G, B), one batched matmul (pooled unless told)."""
    xp = array_module(x)
    shape, dtype = (x.shape[0], w_ih.shape[0], x.shape[1]), xp.result_type(x, w_ih)
    out = empty(xp, shape, dtype) if pooled else xp.empty(shape, dtype=dtype)
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


def all_states(h0, hs):
    """(h_0, h_1, ..., h_T) hidden-major, a pooled (T+1, H, B), from h0 (B, H) and the output hs (T, B, H).

    The states are kept only once, in the output's (T, B, H) layout; backward
    rebuilds this copy, so ``states[1:]`` are the h_t and ``states[:-1]`` the h_{t-1}.
    """
    T, B, H = hs.shape
    out = empty(array_module(hs), (T + 1, H, B), hs.dtype)
    out[0] = h0.T
    out[1:] = hs.transpose(0, 2, 1)
    return out


def weight_grads(dq, x, h0, out, w_ih, dp_tail=None):
    """dL/dx, dL/dW_ih, dL/dW_hh, dL/db_ih, dL/db_hh (all fresh arrays), one product each over all steps.

    dq: dL/d(W_hh h_{t-1}ᵀ) (T, G, B); the input side's gradient dp = dL/d(W_ih x_tᵀ) is the same array
    (RNN, LSTM) or, for the GRU, the same but for its last rows, given as ``dp_tail`` (T, G', B).
    h0 (B, H) and the output states out (T, B, H) give the h_{t-1}.
        dL/dx_t  = dp_tᵀ W_ih          (T, B, I)
        dL/dW_ih = Σ_t dp_t x_t         (G, I)   = dp as (G, T·B) @ x as (T·B, I)
        dL/dW_hh = Σ_t dq_t h_{t-1}ᵀ    (G, H)   = dq as (G, T·B) @ h_prev as (T·B, H)
        dL/db_ih = Σ_t,b dp_t,   dL/db_hh = Σ_t,b dq_t   (a row sum as a product with ones: BLAS, not a
                                                         strided reduction, ~5× faster here)
    """
    xp = array_module(dq)
    T, G, B = dq.shape
    x2, ones = x.reshape(T * B, -1), xp.ones(T * B, dq.dtype)
    dq2 = gate_major(dq)
    h_prev = empty(xp, out.shape, out.dtype)
    h_prev[0], h_prev[1:] = h0, out[:-1]
    dw_hh, db_hh = dq2 @ h_prev.reshape(T * B, -1), dq2 @ ones
    if dp_tail is None:
        dx, dw_ih, db_ih = dq2.T @ w_ih, dq2 @ x2, db_hh
        scratch = (dq2, h_prev)
    else:
        k = G - dp_tail.shape[1]
        tail2 = gate_major(dp_tail)
        dx = dq2[:k].T @ w_ih[:k] + tail2.T @ w_ih[k:]
        dw_ih = xp.concatenate([dq2[:k] @ x2, tail2 @ x2])
        db_ih = xp.concatenate([db_hh[:k], tail2 @ ones])
        scratch = (dq2, h_prev, tail2)
    WORKSPACE.give(*scratch)
    return dx.reshape(T, B, -1), dw_ih, dw_hh, db_ih, db_hh


def gate_major(d):
    """(T, G, B) → a pooled (G, T·B): the steps side by side, for one matmul over all of them."""
    T, G, B = d.shape
    out = empty(array_module(d), (G, T * B), d.dtype)
    out.reshape(G, T, B)[...] = d.transpose(1, 0, 2)
    return out
