"""Fused LSTM over a whole sequence, with BPTT derived by hand (torch's gate order i, f, g, o).

Forward, for t = 1..T (σ the logistic sigmoid):
    [a_i, a_f, a_g, a_o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
    i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)
Outputs: the states h_1..h_T (T, B, H), and the final h_T and c_T (B, H).

Backward, with δh_t = g_t + W_hhᵀ δa_{t+1}, δh_T = g_T + g_h and δc_T = g_c
(g_h, g_c: the gradients of the final-state outputs):
    δc_t += δh_t ⊙ ∂h_t/∂c_t,                 ∂h_t/∂c_t = o ⊙ (1 - tanh²(c_t))
    [δa_i, δa_f, δa_g] = δc_t ⊙ ∂c_t/∂[a_i, a_f, a_g]
                        = δc_t ⊙ [g ⊙ i(1-i),  c_{t-1} ⊙ f(1-f),  i ⊙ (1-g²)]
    δa_o = δh_t ⊙ ∂h_t/∂a_o = δh_t ⊙ tanh(c_t) ⊙ o(1-o)
    δc_{t-1} = δc_t ⊙ f
and the weight gradients as for the RNN: Σ_t δa_t x_tᵀ, Σ_t δa_t h_{t-1}ᵀ, Σ_t δa_t.

What forward keeps for backward is exactly those local derivatives: the
stacked ∂(c_t, c_t, c_t, h_t)/∂(a_i, a_f, a_g, a_o) (4H per step), ∂h_t/∂c_t
and f (H each).  Then a backward step is five elementwise operations, the
three c-gate gradients in one multiply over their stacked block.

Forward computes all four gates with one tanh over the stacked block: as
σ(a) = (1 + tanh(a/2)) / 2, the σ rows of the weights are halved once, so the
block holds [a_i/2, a_f/2, a_g, a_o/2], and τ = tanh of it gives g = τ_g and
[i, f, o] = (1 + τ)/2.
Arrays inside are hidden-major (see common.py).
"""
from __future__ import annotations

from ..backend import array_module
from .common import FusedFunction, empty, gate_major, project_inputs, swap_layout, weight_grads
from .workspace import WORKSPACE


def halve_sigmoid_rows(w, H: int):
    """A copy of the stacked weights (4H, ...) with the σ rows (i, f, o) halved: a_σ/2, for σ(a) = (1 + tanh(a/2))/2."""
    w = w.copy()
    w[: 2 * H] *= 0.5
    w[3 * H:] *= 0.5
    return w


class FusedLSTM(FusedFunction):
    """(x (T,B,I), h0, c0 (B,H), W_ih (4H,I), W_hh (4H,H) [, b_ih, b_hh]) → (h_1..h_T (T,B,H), h_T, c_T)."""

    def forward(self, x, h0, c0, w_ih, w_hh, *biases):
        xp = array_module(x)
        T, B, H = x.shape[0], x.shape[1], w_hh.shape[1]
        # partials[t] first holds the input part of the pre-activations (σ rows halved), then ∂(c,c,c,h)/∂a of step t
        partials = project_inputs(x, halve_sigmoid_rows(w_ih, H),
                                  halve_sigmoid_rows(biases[0] + biases[1], H) if biases else None)
        w_hh_halved = halve_sigmoid_rows(w_hh, H)
        dh_dc, forget = empty(xp, (T, H, B), partials.dtype), empty(xp, (T, H, B), partials.dtype)
        hs = xp.empty((T, H, B), partials.dtype)
        gates = empty(xp, (4 * H, B), partials.dtype)
        cell, cell_prev = xp.empty((H, B), partials.dtype), xp.array(c0.T, dtype=partials.dtype, order="C")
        input_cell, tanh_c = xp.empty_like(cell), xp.empty_like(cell)
        h = h0.T
        for t in range(T):
            xp.matmul(w_hh_halved, h, out=gates)
            gates += partials[t]                                # [a_i/2, a_f/2, a_g, a_o/2]
            xp.tanh(gates, out=gates)                           # τ = tanh of it: g = τ_g
            i, f, g, o = gates[:H], gates[H: 2 * H], gates[2 * H: 3 * H], gates[3 * H:]
            for sigmoid in (gates[: 2 * H], o):                 # [i, f], o = (1 + τ)/2
                sigmoid *= 0.5
                sigmoid += 0.5
            xp.multiply(f, cell_prev, out=cell)                 # c_t = f c_{t-1} + i g
            xp.multiply(i, g, out=input_cell)
            cell += input_cell
            xp.tanh(cell, out=tanh_c)
            h = xp.multiply(o, tanh_c, out=hs[t])               # h_t = o tanh(c_t)
            local = partials[t]                                 # now ∂(c_t, c_t, c_t, h_t)/∂(a_i, a_f, a_g, a_o):
            xp.subtract(1, gates[: 2 * H], out=local[: 2 * H])  # [i(1-i), f(1-f)]
            local[: 2 * H] *= gates[: 2 * H]
            local[:H] *= g                                      # ∂c_t/∂a_i = g i(1-i)
            local[H: 2 * H] *= cell_prev                        # ∂c_t/∂a_f = c_{t-1} f(1-f)
            d_cell_d_g = local[2 * H: 3 * H]
            xp.multiply(g, g, out=d_cell_d_g)                   # ∂c_t/∂a_g = i (1-g²)
            xp.subtract(1, d_cell_d_g, out=d_cell_d_g)
            d_cell_d_g *= i
            xp.subtract(1, o, out=local[3 * H:])                # ∂h_t/∂a_o = tanh(c_t) o(1-o) = (1-o) h_t
            local[3 * H:] *= h
            xp.multiply(h, tanh_c, out=dh_dc[t])                # ∂h_t/∂c_t = o (1 - tanh² c_t) = o - h_t tanh(c_t)
            xp.subtract(o, dh_dc[t], out=dh_dc[t])
            forget[t] = f                                       # ∂c_t/∂c_{t-1}
            cell, cell_prev = cell_prev, cell
        WORKSPACE.give(gates)
        out = swap_layout(hs, pooled=False)  # the states are kept once, in the output
        self.saved = (x, h0, w_ih, w_hh, partials, dh_dc, forget, out, bool(biases))
        self.scratch = (partials, dh_dc, forget)
        return out, out[-1].copy(), cell_prev.T.copy()

    def backward(self, g, g_h, g_c):
        x, h0, w_ih, w_hh, partials, dh_dc, forget, out, has_bias = self.saved
        xp = array_module(out)
        T, H, B = dh_dc.shape
        dc = xp.zeros((H, B), out.dtype) if g_c is None else xp.array(g_c.T, dtype=out.dtype, order="C")  # δc_T
        dh = xp.zeros((H, B), out.dtype) if g_h is None else xp.array(g_h.T, dtype=out.dtype, order="C")  # g_h
        g = None if g is None else swap_layout(g)
        d_gates = empty(xp, partials.shape, partials.dtype)
        dc_from_h = xp.empty_like(dc)
        for t in range(T - 1, -1, -1):
            if g is not None:
                dh += g[t]                                      # δh_t = g_t + W_hhᵀ δa_{t+1}
            xp.multiply(dh, dh_dc[t], out=dc_from_h)            # δc_t += δh_t ⊙ ∂h_t/∂c_t
            dc += dc_from_h
            xp.multiply(dc, partials[t, : 3 * H].reshape(3, H, B),  # [δa_i, δa_f, δa_g] = δc_t ⊙ ∂c_t/∂[a_i, a_f, a_g]
                        out=d_gates[t, : 3 * H].reshape(3, H, B))
            xp.multiply(dh, partials[t, 3 * H:], out=d_gates[t, 3 * H:])  # δa_o = δh_t ⊙ ∂h_t/∂a_o
            dc *= forget[t]                                     # δc_{t-1} = δc_t ⊙ f
            xp.matmul(w_hh.T, d_gates[t], out=dh)               # W_hhᵀ δa_t: δh_{t-1} (less g), or dL/dh_0
        d_gates_by_gate = gate_major(d_gates)
        dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(d_gates_by_gate, x, h0, out, w_ih)
        WORKSPACE.give(*([] if g is None else [g]), d_gates, d_gates_by_gate)
        return (dx, dh.T.copy(), dc.T.copy(), dw_ih, dw_hh) + ((db_ih, db_hh) if has_bias else ())
