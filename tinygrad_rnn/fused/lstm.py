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
Packed (``batch_sizes``, see common.py): step t updates columns j < b_t only, so
(h_n, c_n)[j] = (h, c)_{L_j}[j]; backward runs the same recurrence on columns
j < b_t with δh[j] = g_h[j] and δc[j] = g_c[j] until step L_j, δa_t[j] = 0 for j ≥ b_t.

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
from .common import (
    FusedFunction,
    active_rows,
    empty,
    final_states,
    gate_major,
    project_inputs,
    step_columns,
    swap_layout,
    weight_grads,
)
from .workspace import WORKSPACE


def halve_sigmoid_rows(w, H: int):
    """A copy of the stacked weights (4H, ...) with the σ rows (i, f, o) halved: a_σ/2, for σ(a) = (1 + tanh(a/2))/2."""
    w = w.copy()
    w[: 2 * H] *= 0.5
    w[3 * H:] *= 0.5
    return w


class FusedLSTM(FusedFunction):
    """(x (T,B,I), h0, c0 (B,H), W_ih (4H,I), W_hh (4H,H) [, b_ih, b_hh]) → (h_1..h_T (T,B,H), h_T, c_T)."""

    def forward(self, x, h0, c0, w_ih, w_hh, *biases, batch_sizes=None):
        xp = array_module(x)
        T, B, H = x.shape[0], x.shape[1], w_hh.shape[1]
        rows = active_rows(batch_sizes, T, B)  # packed: step t runs on the first b_t columns (see common.py)
        # partials[t] first holds the input part of the pre-activations (σ rows halved), then ∂(c,c,c,h)/∂a of step t
        partials = project_inputs(x, halve_sigmoid_rows(w_ih, H),
                                  halve_sigmoid_rows(biases[0] + biases[1], H) if biases else None)
        w_hh_halved = halve_sigmoid_rows(w_hh, H)
        dh_dc, forget = empty(xp, (T, H, B), partials.dtype), empty(xp, (T, H, B), partials.dtype)
        hs = xp.empty((T, H, B), partials.dtype)
        gates = empty(xp, (4 * H, B), partials.dtype)
        cell = xp.array(c0.T, dtype=partials.dtype, order="C")  # c_t, updated in place (a column stops at its end)
        input_cell, tanh_c = xp.empty_like(cell), xp.empty_like(cell)
        h = h0.T
        for t, b, (gates_t, c, input_cell_t, tanh_ct) in step_columns(rows, gates, cell, input_cell, tanh_c):
            local = partials[t][:, :b]
            xp.matmul(w_hh_halved, h[:, :b], out=gates_t)
            gates_t += local                                    # [a_i/2, a_f/2, a_g, a_o/2]
            xp.tanh(gates_t, out=gates_t)                       # τ = tanh of it: g = τ_g
            i, f, g, o = gates_t[:H], gates_t[H: 2 * H], gates_t[2 * H: 3 * H], gates_t[3 * H:]
            for sigmoid in (gates_t[: 2 * H], o):               # [i, f], o = (1 + τ)/2
                sigmoid *= 0.5
                sigmoid += 0.5
            # local now becomes ∂(c_t, c_t, c_t, h_t)/∂(a_i, a_f, a_g, a_o):
            xp.subtract(1, gates_t[: 2 * H], out=local[: 2 * H])  # [i(1-i), f(1-f)]
            local[: 2 * H] *= gates_t[: 2 * H]
            local[:H] *= g                                      # ∂c_t/∂a_i = g i(1-i)
            local[H: 2 * H] *= c                                # ∂c_t/∂a_f = c_{t-1} f(1-f)
            c *= f                                              # c_t = f c_{t-1} + i g
            xp.multiply(i, g, out=input_cell_t)
            c += input_cell_t
            xp.tanh(c, out=tanh_ct)
            h_t = xp.multiply(o, tanh_ct, out=hs[t][:, :b])     # h_t = o tanh(c_t)
            if b < B:
                hs[t][:, b:] = 0                                # padding (packed batches only)
            h = hs[t]
            d_cell_d_g = local[2 * H: 3 * H]
            xp.multiply(g, g, out=d_cell_d_g)                   # ∂c_t/∂a_g = i (1-g²)
            xp.subtract(1, d_cell_d_g, out=d_cell_d_g)
            d_cell_d_g *= i
            xp.subtract(1, o, out=local[3 * H:])                # ∂h_t/∂a_o = tanh(c_t) o(1-o) = (1-o) h_t
            local[3 * H:] *= h_t
            dh_dc_t = dh_dc[t][:, :b]
            xp.multiply(h_t, tanh_ct, out=dh_dc_t)              # ∂h_t/∂c_t = o (1 - tanh² c_t) = o - h_t tanh(c_t)
            xp.subtract(o, dh_dc_t, out=dh_dc_t)
            forget[t][:, :b] = f                                # ∂c_t/∂c_{t-1}
        WORKSPACE.give(gates)
        out = swap_layout(hs, pooled=False)  # the states are kept once, in the output
        self.saved = (x, h0, w_ih, w_hh, partials, dh_dc, forget, out, rows, bool(biases))
        self.scratch = (partials, dh_dc, forget)
        return out, final_states(out, rows), cell.T.copy()

    def backward(self, g, g_h, g_c):
        x, h0, w_ih, w_hh, partials, dh_dc, forget, out, rows, has_bias = self.saved
        xp = array_module(out)
        T, H, B = dh_dc.shape
        dc = xp.zeros((H, B), out.dtype) if g_c is None else xp.array(g_c.T, dtype=out.dtype, order="C")  # δc_T
        dh = xp.zeros((H, B), out.dtype) if g_h is None else xp.array(g_h.T, dtype=out.dtype, order="C")  # g_h
        g = None if g is None else swap_layout(g)
        d_gates = empty(xp, partials.shape, partials.dtype)
        dc_from_h = xp.empty_like(dc)
        B = dh.shape[1]
        for t, b, (dh_t, dc_t, dc_from_h_t) in reversed(list(step_columns(rows, dh, dc, dc_from_h))):
            d_gates_t, local = d_gates[t][:, :b], partials[t][:, :b]  # columns ≥ b keep g_h, g_c until their end
            if g is not None:
                dh_t += g[t][:, :b]                             # δh_t = g_t + W_hhᵀ δa_{t+1}
            xp.multiply(dh_t, dh_dc[t][:, :b], out=dc_from_h_t)  # δc_t += δh_t ⊙ ∂h_t/∂c_t
            dc_t += dc_from_h_t
            xp.multiply(dc_t, local[: 3 * H].reshape(3, H, b),   # [δa_i, δa_f, δa_g] = δc_t ⊙ ∂c_t/∂[a_i, a_f, a_g]
                        out=d_gates_t[: 3 * H].reshape(3, H, b))
            xp.multiply(dh_t, local[3 * H:], out=d_gates_t[3 * H:])  # δa_o = δh_t ⊙ ∂h_t/∂a_o
            if b < B:
                d_gates[t][:, b:] = 0                           # no gradient from padding
            dc_t *= forget[t][:, :b]                            # δc_{t-1} = δc_t ⊙ f
            xp.matmul(w_hh.T, d_gates_t, out=dh_t)              # W_hhᵀ δa_t: δh_{t-1} (less g), or dL/dh_0
        d_gates_by_gate = gate_major(d_gates)
        dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(d_gates_by_gate, x, h0, out, w_ih)
        WORKSPACE.give(*([] if g is None else [g]), d_gates, d_gates_by_gate)
        return (dx, dh.T.copy(), dc.T.copy(), dw_ih, dw_hh) + ((db_ih, db_hh) if has_bias else ())
