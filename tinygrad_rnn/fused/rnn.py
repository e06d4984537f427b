"""Fused Elman RNN over a whole sequence, with BPTT derived by hand.

Forward, for t = 1..T (φ the nonlinearity: tanh, relu, leaky_relu, elu):
    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
    h_t = φ(a_t)
Outputs: the states h_1..h_T (T, B, H) and the final state h_T (B, H).
Packed (``batch_sizes``, see steps.py), sequence j of length L_j runs steps t < L_j
(the rows j < b_t of step t) and the recurrence is masked by those rows:
    a_t[j], h_t[j] as above for j < b_t;   h_n[j] = h_{L_j}[j]
    δh_t[j] = g_t[j] + [j < b_{t+1}] (W_hhᵀ δa_{t+1})[j] + [t = L_j - 1] g_n[j]
    δa_t[j] = δh_t[j] ⊙ φ'(a_t[j]) for j < b_t; no step, state or gradient exists for j ≥ b_t
and every sum over t below runs over the N = Σ_t b_t rows that exist.
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
from .common import FusedFunction, empty, weight_grads
from .steps import Steps
from .workspace import WORKSPACE


class FusedRNN(FusedFunction):
    """(x (T,B,I), h0 (B,H), W_ih (H,I), W_hh (H,H) [, b_ih, b_hh]) → (h_1..h_T as (T, B, H), h_T).

    Packed (``batch_sizes``): x is torch's packed data (N, I) and the states come back as (N, H).
    """

    def forward(self, x, h0, w_ih, w_hh, *biases, nonlinearity, batch_sizes=None):
        xp = array_module(x)
        steps = Steps(x, batch_sizes)  # step t: the b_t rows o_t.. of the flat (N, ·) layout (see steps.py)
        hs = steps.flat(x) @ w_ih.T    # x_t W_ihᵀ for all steps, (N, H); then h_t in place
        if biases:
            hs += biases[0] + biases[1]
        recurrent = empty(xp, h0.shape, hs.dtype)
        h = h0
        for o, b in zip(steps.offsets, steps.rows):
            h_t = hs[o: o + b]
            xp.matmul(h[:b], w_hh.T, out=recurrent[:b])  # a_t = x_t W_ihᵀ + b + h_{t-1} W_hhᵀ (rows j < b_t)
            h_t += recurrent[:b]
            nonlinearity.forward_(xp, h_t)                # h_t = φ(a_t)
            h = h_t
        WORKSPACE.give(recurrent)
        self.saved = (x, h0, w_ih, w_hh, hs, nonlinearity, steps, bool(biases))  # the output, kept as the states
        return steps.like_input(hs), steps.final_states(hs)  # h_n: each sequence's own last state

    def backward(self, g, g_n):
        x, h0, w_ih, w_hh, hs, nonlinearity, steps, has_bias = self.saved
        xp = array_module(hs)
        da = steps.empty(xp, hs.shape, hs.dtype)  # δa_t in the rows of step t, (N, H)
        dh = xp.zeros(h0.shape, hs.dtype) if g_n is None else g_n.astype(hs.dtype, copy=True)  # δh_T = g_n
        dphi = xp.empty(h0.shape, hs.dtype)
        g = None if g is None else steps.flat(g)
        for o, b in zip(reversed(steps.offsets[:-1]), reversed(steps.rows)):
            # rows j < b_t of dh: W_hhᵀ δa_{t+1} for j < b_{t+1}, g_n[j] for a sequence that ends at step t
            if g is not None:
                dh[:b] += g[o: o + b]                      # δh_t = g_t + W_hhᵀ δa_{t+1}
            nonlinearity.derivative(xp, hs[o: o + b], out=dphi[:b])  # φ'(a_t), from h_t
            xp.multiply(dh[:b], dphi[:b], out=da[o: o + b])  # δa_t = δh_t ⊙ φ'(a_t)
            xp.matmul(da[o: o + b], w_hh, out=dh[:b])      # W_hhᵀ δa_t, for step t-1 (dL/dh_0 at the end)
        dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(da.T, x, h0, hs, w_ih, steps=steps,
                                                      input_grad=self.input_needs_grad())
        WORKSPACE.give(da)
        return (dx, dh, dw_ih, dw_hh) + ((db_ih, db_hh) if has_bias else ())
