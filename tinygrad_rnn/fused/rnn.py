"""Fused Elman RNN over a whole sequence, with BPTT derived by hand.

Forward, for t = 1..T (φ = tanh or relu):
    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
    h_t = φ(a_t)
Backward, given dL/dh_t from above (the output's gradient g_t):
    δh_T = g_T,    δh_t = g_t + W_hhᵀ δa_{t+1}    (the gradient carried back through time)
    δa_t = δh_t ⊙ φ'(a_t),   φ' = 1 - h_t² for tanh,  [h_t > 0] for relu
    dL/dh_0 = W_hhᵀ δa_1
    dL/dW_ih = Σ_t δa_t x_tᵀ,   dL/dW_hh = Σ_t δa_t h_{t-1}ᵀ,   dL/db_ih = dL/db_hh = Σ_t δa_t
    dL/dx_t = W_ihᵀ δa_t
Arrays inside are hidden-major (see common.py); loops write into preallocated
arrays (``out=``), since at these sizes allocating costs as much as computing.
"""
from __future__ import annotations

from ..backend import array_module
from .common import FusedFunction, all_states, batch_major, empty, hidden_major, project_inputs, weight_grads
from .workspace import WORKSPACE


class FusedRNN(FusedFunction):
    """(x (T,B,I), h0 (B,H), W_ih (H,I), W_hh (H,H) [, b_ih, b_hh]) → h_1..h_T as (T, B, H)."""

    def forward(self, x, h0, w_ih, w_hh, *biases, nonlinearity: str = "tanh"):
        xp = array_module(x)
        hs = project_inputs(x, w_ih, biases[0] + biases[1] if biases else None, pooled=False)  # a_t, then h_t
        q = empty(xp, hs[0].shape, hs.dtype)
        h = h0.T
        for t in range(len(x)):
            xp.matmul(w_hh, h, out=q)
            hs[t] += q
            h = xp.tanh(hs[t], out=hs[t]) if nonlinearity == "tanh" else xp.maximum(hs[t], 0, out=hs[t])
        WORKSPACE.give(q)
        out = batch_major(hs)  # the states are kept once, in the output; hs is dropped
        self.saved = (x, h0, w_ih, w_hh, out, nonlinearity, bool(biases))
        return out

    def backward(self, g):
        x, h0, w_ih, w_hh, out, nonlinearity, has_bias = self.saved
        xp = array_module(g)
        g, states = hidden_major(g), all_states(h0, out)
        hs = states[1:]
        da = empty(xp, hs.shape, hs.dtype)
        dh, slope = xp.zeros_like(hs[0]), xp.empty_like(hs[0])
        for t in range(len(hs) - 1, -1, -1):
            dh += g[t]
            if nonlinearity == "tanh":
                xp.multiply(hs[t], hs[t], out=slope)
                xp.subtract(1, slope, out=slope)
            else:
                xp.greater(hs[t], 0, out=slope)
            xp.multiply(dh, slope, out=da[t])
            xp.matmul(w_hh.T, da[t], out=dh)
        dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(da, x, h0, out, w_ih)
        grads = (dx, dh.T.copy(), dw_ih, dw_hh) + ((db_ih, db_hh) if has_bias else ())
        WORKSPACE.give(g, states, da)
        return grads
