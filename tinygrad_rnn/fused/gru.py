"""Fused GRU over a whole sequence, with BPTT derived by hand (torch's gate order r, z, n).

Forward, for t = 1..T, with the input part p = W_ih x_t + b_ih and the
recurrent part q = W_hh h_{t-1} + b_hh, each split in thirds [r, z, n]:
    r = σ(p_r + q_r),   z = σ(p_z + q_z)
    n = tanh(p_n + r ⊙ q_n)
    h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}  =  n + z ⊙ (h_{t-1} - n)
Outputs: the states h_1..h_T (T, B, H) and the final state h_T (B, H).
Backward, with δh_t = g_t + (what h_t gave to step t+1), and δh_T = g_T + g_n
(g_n: the gradient of the final-state output):
    δn = δh_t ⊙ (1 - z) ⊙ (1 - n²)
    δz = δh_t ⊙ (h_{t-1} - n) ⊙ z(1 - z)  =  δh_t ⊙ (1 - z) ⊙ (h_t - n)   (as z (h_{t-1} - n) = h_t - n)
    δr = δn ⊙ q_n ⊙ r(1 - r)
    δp = [δr, δz, δn],   δq = [δr, δz, δn ⊙ r]
    δh_{t-1} = δh_t ⊙ z + W_hhᵀ δq
    dL/dW_ih = Σ_t δp_t x_tᵀ,   dL/dW_hh = Σ_t δq_t h_{t-1}ᵀ,   dL/db_ih = Σ_t δp_t,   dL/db_hh = Σ_t δq_t
Packed (``batch_sizes``, see common.py): step t updates columns j < b_t only,
h_n[j] = h_{L_j}[j], and backward runs the same recurrence on columns j < b_t
with δh[j] = g_n[j] until step L_j, δp_t[j] = δq_t[j] = 0 for j ≥ b_t.
Unlike the RNN and LSTM, the input and recurrent gradients differ (r gates
only the recurrent part of n), so b_ih and b_hh get different gradients.
The r and z thirds of b_hh sit outside any gate, so forward adds them to the
input projection once for all steps; only b_hn stays inside the loop.
Arrays inside are hidden-major (see common.py).
"""
from __future__ import annotations

from ..backend import array_module
from ..ops.unary import sigmoid_
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


class FusedGRU(FusedFunction):
    """(x (T,B,I), h0 (B,H), W_ih (3H,I), W_hh (3H,H) [, b_ih, b_hh]) → (h_1..h_T as (T, B, H), h_T)."""

    def forward(self, x, h0, w_ih, w_hh, *biases, batch_sizes=None):
        xp = array_module(x)
        T, H = len(x), w_hh.shape[1]
        rows = active_rows(batch_sizes, T, x.shape[1])  # packed: step t runs on the first b_t columns
        b_in = b_hn = None
        if biases:
            b_in, b_hn = biases[0].copy(), biases[1][2 * H:, None]
            b_in[: 2 * H] += biases[1][: 2 * H]
        gates = project_inputs(x, w_ih, b_in)  # p (+ b_hr, b_hz), then [r, z, n] in place
        hs, q_ns = xp.empty((T, H, h0.shape[0]), gates.dtype), empty(xp, (T, H, h0.shape[0]), gates.dtype)
        recurrent = empty(xp, gates[0].shape, gates.dtype)                     # q = W_hh h_{t-1} (+ b_hn)
        r_q_n, z_h_minus_n = xp.empty_like(hs[0]), xp.empty_like(hs[0])
        h, B = h0.T, h0.shape[0]
        for t, b, (recurrent_t, r_q_n_t, z_h_minus_n_t) in step_columns(rows, recurrent, r_q_n, z_h_minus_n):
            xp.matmul(w_hh, h[:, :b], out=recurrent_t)
            gates_t, q_n = gates[t][:, :b], q_ns[t][:, :b]
            gates_t[: 2 * H] += recurrent_t[: 2 * H]
            sigmoid_(gates_t[: 2 * H])                       # r = σ(p_r + q_r), z = σ(p_z + q_z)
            r, z, n = gates_t[:H], gates_t[H: 2 * H], gates_t[2 * H:]
            if b_hn is None:                                 # q_n = W_hn h_{t-1} + b_hn, kept for backward
                q_n[...] = recurrent_t[2 * H:]
            else:
                xp.add(recurrent_t[2 * H:], b_hn, out=q_n)
            xp.multiply(r, q_n, out=r_q_n_t)                 # n = tanh(p_n + r q_n)
            n += r_q_n_t
            xp.tanh(n, out=n)
            xp.subtract(h[:, :b], n, out=z_h_minus_n_t)      # h_t = n + z (h_{t-1} - n)
            z_h_minus_n_t *= z
            xp.add(n, z_h_minus_n_t, out=hs[t][:, :b])
            if b < B:
                hs[t][:, b:] = 0                             # padding (packed batches only)
            h = hs[t]
        WORKSPACE.give(recurrent)
        out = swap_layout(hs, pooled=False)  # the states are kept once, in the output; hs is dropped
        self.saved = (x, h0, w_ih, w_hh, gates, q_ns, out, rows, bool(biases))
        self.scratch = (gates, q_ns)
        return out, final_states(out, rows)

    def backward(self, g, g_n):
        x, h0, w_ih, w_hh, gates, q_ns, out, rows, has_bias = self.saved
        xp = array_module(out)
        H = w_hh.shape[1]
        hs = swap_layout(out)  # hidden-major: the states h_t, and below the upstream gradient
        g = None if g is None else swap_layout(g)
        # δq = [δr, δz, δn r] (the recurrent part's gradient) and δp_n = δn; δp = [δr, δz, δp_n]
        d_recurrent, d_input_n = empty(xp, gates.shape, gates.dtype), empty(xp, hs.shape, gates.dtype)
        dh = xp.zeros_like(hs[0]) if g_n is None else xp.array(g_n.T, dtype=hs.dtype, order="C")  # δh_T = g_n
        dh_through_n, gate_slope, dh_recurrent = (xp.empty_like(dh) for _ in range(3))
        B = dh.shape[1]
        steps = reversed(list(step_columns(rows, dh, dh_through_n, gate_slope, dh_recurrent)))
        for t, b, (dh_t, through_n, slope, dh_recurrent_t) in steps:  # columns ≥ b keep g_n until their end
            gates_t, d_recurrent_t = gates[t][:, :b], d_recurrent[t][:, :b]
            r, z, n = gates_t[:H], gates_t[H: 2 * H], gates_t[2 * H:]
            dr, dz, dn = d_recurrent_t[:H], d_recurrent_t[H: 2 * H], d_input_n[t][:, :b]
            if g is not None:
                dh_t += g[t][:, :b]                          # δh_t = g_t + (what h_t gave to step t+1)
            xp.subtract(1, z, out=through_n)                 # δh_t (1 - z)
            through_n *= dh_t
            xp.multiply(n, n, out=slope)                     # δn = δh_t (1 - z) (1 - n²)
            xp.subtract(1, slope, out=slope)
            xp.multiply(through_n, slope, out=dn)
            xp.subtract(hs[t][:, :b], n, out=dz)             # δa_z = δh_t (1 - z) (h_t - n)
            dz *= through_n
            xp.subtract(1, r, out=slope)                     # δa_r = δn q_n r (1 - r)
            slope *= r
            xp.multiply(dn, q_ns[t][:, :b], out=dr)
            dr *= slope
            xp.multiply(dn, r, out=d_recurrent_t[2 * H:])    # δq_n = δn r
            if b < B:                                        # no gradient from padding
                d_recurrent[t][:, b:] = 0
                d_input_n[t][:, b:] = 0
            xp.matmul(w_hh.T, d_recurrent_t, out=dh_recurrent_t)  # δh_{t-1} = δh_t z + W_hhᵀ δq
            dh_t *= z
            dh_t += dh_recurrent_t
        d_recurrent_by_gate, d_input_n_by_gate = gate_major(d_recurrent), gate_major(d_input_n)
        dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(d_recurrent_by_gate, x, h0, out, w_ih,
                                                      dp_tail=d_input_n_by_gate)
        WORKSPACE.give(*([] if g is None else [g]), hs, d_recurrent, d_input_n, d_recurrent_by_gate, d_input_n_by_gate)
        return (dx, dh.T.copy(), dw_ih, dw_hh) + ((db_ih, db_hh) if has_bias else ())
