"""Fused Elman RNN over a whole sequence, with BPTT derived by hand.

Forward, for t = 1..T (φ the nonlinearity: tanh, relu, leaky_relu, elu):
    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
    h_t = φ(a_t)
Outputs: the states h_1..h_T (T, B, H) and the final state h_T (B, H).
Packed (``batch_sizes``, see common.py): step t updates rows j < b_t only,
h_n[j] = h_{L_j}[j], and backward runs the same recurrence on rows j < b_t with
δh[j] = g_n[j] until step L_j, δa_t[j] = 0 for j ≥ b_t.
Backward, given dL/dh_t from above (the output's gradient g_t) and g_n for h_T:
    δh_T = g_T + g_n,    δh_t = g_t + W_hhᵀ δa_{t+1}    (the gradient carried back through time)
    δa_t = δh_t ⊙ φ'(a_t),   φ'(a_t) written from h_t: 1 - h_t² for tanh, [h_t > 0] for relu, ...
    dL/dh_0 = W_hhᵀ δa_1
    dL/dW_ih = Σ_t δa_t x_tᵀ,   dL/dW_hh = Σ_t δa_t h_{t-1}ᵀ,   dL/db_ih = dL/db_hh = Σ_t δa_t
    dL/dx_t = W_ihᵀ δa_t
With a single gate the RNN computes batch-major, (T, B, H), like its input and
output: a_t = x_t W_ihᵀ + h_{t-1} W_hhᵀ, and the output is the array of states
itself.  Loops write into preallocated arrays (``out=``), since at these sizes
allocating costs as much as computing.  φ comes in as ``nonlinearity``, an object
with ``forward_(xp, a)`` (a ← φ(a) in place) and ``derivative(xp, h, out)``
(out ← φ'(a) from h = φ(a), so only the states are kept): ``nn/elman.py`` defines them.
"""
from __future__ import annotations

from ..backend import array_module
from .common import FusedFunction, active_rows, empty, final_states, weight_grads
from .workspace import WORKSPACE


class FusedRNN(FusedFunction):
    """(x (T,B,I), h0 (B,H), W_ih (H,I), W_hh (H,H) [, b_ih, b_hh]) → (h_1..h_T as (T, B, H), h_T)."""

    def forward(self, x, h0, w_ih, w_hh, *biases, nonlinearity, batch_sizes=None):
        xp = array_module(x)
        T, B, _ = x.shape
        rows = active_rows(batch_sizes, T, B)  # packed: step t runs on the first b_t rows (see common.py)
        hs = (x.reshape(T * B, x.shape[2]) @ w_ih.T).reshape(T, B, w_ih.shape[0])  # x_t W_ihᵀ; then h_t in place
        if biases:
            hs += biases[0] + biases[1]
        recurrent = empty(xp, hs[0].shape, hs.dtype)
        h = h0
        for t, b in enumerate(rows):
            xp.matmul(h[:b], w_hh.T, out=recurrent[:b])  # a_t = x_t W_ihᵀ + b + h_{t-1} W_hhᵀ
            hs[t, :b] += recurrent[:b]
            nonlinearity.forward_(xp, hs[t, :b])             # h_t = φ(a_t)
            if b < B:
                hs[t, b:] = 0                            # padding (packed batches only)
            h = hs[t]
        WORKSPACE.give(recurrent)
        self.saved = (x, h0, w_ih, w_hh, hs, nonlinearity, rows, bool(biases))  # the output, kept as the states
        return hs, final_states(hs, rows)               # h_n: each sequence's own last state

    def backward(self, g, g_n):
        x, h0, w_ih, w_hh, hs, nonlinearity, rows, has_bias = self.saved
        xp = array_module(hs)
        da = empty(xp, hs.shape, hs.dtype)
        dh = xp.zeros(hs.shape[1:], hs.dtype) if g_n is None else g_n.astype(hs.dtype, copy=True)  # δh_T = g_n
        dphi = xp.empty(hs.shape[1:], hs.dtype)
        for t in range(len(hs) - 1, -1, -1):
            b = rows[t]                                    # rows ≥ b keep g_n until their own last step
            if g is not None:
                dh[:b] += g[t, :b]                         # δh_t = g_t + W_hhᵀ δa_{t+1}
            nonlinearity.derivative(xp, hs[t, :b], out=dphi[:b])  # φ'(a_t), from h_t
            xp.multiply(dh[:b], dphi[:b], out=da[t, :b])   # δa_t = δh_t ⊙ φ'(a_t)
            if b < len(dh):
                da[t, b:] = 0                              # no gradient from padding
            xp.matmul(da[t, :b], w_hh, out=dh[:b])         # W_hhᵀ δa_t, for step t-1 (dL/dh_0 at the end)
        T, B, H = da.shape
        dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(da.reshape(T * B, H).T, x, h0, hs, w_ih)
        WORKSPACE.give(da)
        return (dx, dh, dw_ih, dw_hh) + ((db_ih, db_hh) if has_bias else ())
