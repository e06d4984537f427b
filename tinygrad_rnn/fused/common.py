"""What the three fused recurrences share: the input projection of all steps at once,
and the weight gradients of all steps at once.

Both are single matmuls over the (seq·batch) rows, which is where a fused
layer wins over a step-by-step graph: the loop over time is left with only
the recurrent product h @ W_hhᵀ and the elementwise gate arithmetic.
"""
from __future__ import annotations

from ..backend import array_module


def project_inputs(x, w_ih, b=None):
    """x (T, B, I) → x @ W_ihᵀ (+ b) as (T, B, G), one matmul for all steps."""
    T, B, _ = x.shape
    xw = (x.reshape(T * B, -1) @ w_ih.T).reshape(T, B, -1)
    if b is not None:
        xw += b
    return xw


def previous_states(h0, hs):
    """h_{t-1} for every step t: (h0, h_1, ..., h_{T-1}) as (T, B, H)."""
    return array_module(hs).concatenate([h0[None], hs[:-1]], axis=0)


def weight_grads(dxw, dhw, x, h_prev, w_ih, w_hh):
    """dL/dx, dL/dW_ih, dL/dW_hh from the pre-activation gradients of all steps.

    dxw: dL/d(x W_ihᵀ) (T, B, G);  dhw: dL/d(h W_hhᵀ) (T, B, G), the same array for RNN and LSTM.
        dL/dx    = dxw @ W_ih            dL/dW_ih = Σ_t dxw_tᵀ x_t
        dL/dW_hh = Σ_t dhw_tᵀ h_{t-1}
    """
    T, B, G = dxw.shape
    dxw2, dhw2 = dxw.reshape(T * B, G), dhw.reshape(T * B, G)
    x2 = x.reshape(T * B, -1)
    dx = (dxw2 @ w_ih).reshape(x.shape)
    return dx, dxw2.T @ x2, dhw2.T @ h_prev.reshape(T * B, -1)
