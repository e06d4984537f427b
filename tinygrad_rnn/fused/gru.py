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
Packed (``batch_sizes``, see steps.py), sequence j of length L_j runs steps t < L_j
(the rows j < b_t of step t) and the recurrence is masked by those rows:
    the forward step as above for j < b_t;   h_n[j] = h_{L_j}[j]
    δh_t[j] = g_t[j] + [j < b_{t+1}] (δh_{t+1} ⊙ z_{t+1} + W_hhᵀ δq_{t+1})[j] + [t = L_j - 1] g_n[j]
and every sum over t runs over the N = Σ_t b_t rows that exist (no step or gradient for j ≥ b_t).
The loop runs step t on w_t ≥ b_t columns (steps.py: the added ones have zero input and stay at
zero gradient), and holds δh as (H, w_t): columns are added where w_t grows (going back, ``widened``).
Unlike the RNN and LSTM, the input and recurrent gradients differ (r gates
only the recurrent part of n), so b_ih and b_hh get different gradients.
The r and z thirds of b_hh sit outside any gate, so forward adds them to the
input projection once for all steps; only b_hn stays inside the loop.
Arrays inside are hidden-major blocks, (F, w_t) per step (see steps.py).
"""
from __future__ import annotations

from ..backend import array_module
from ..ops.unary import sigmoid_
from .common import FusedFunction, empty, project_inputs, weight_grads
from .steps import WIDTH_MULTIPLE, Steps, start_gradients, widened
from .workspace import WORKSPACE


class FusedGRU(FusedFunction):
    """(x (T,B,I), h0 (B,H), W_ih (3H,I), W_hh (3H,H) [, b_ih, b_hh]) → (h_1..h_T as (T, B, H), h_T).

    Packed (``batch_sizes``): x is torch's packed data (N, I) and the states come back as (N, H).
    """

    def forward(self, x, h0, w_ih, w_hh, *biases, batch_sizes=None):
        xp = array_module(x)
        steps = Steps(x, batch_sizes, multiple=WIDTH_MULTIPLE)  # step t: hidden-major blocks (F, w_t) (steps.py)
        x, B, H = steps.widen(x), steps.B, w_hh.shape[1]
        b_in = b_hn = None
        if biases:
            b_in, b_hn = biases[0].copy(), biases[1][2 * H:, None]
            b_in[: 2 * H] += biases[1][: 2 * H]
        # p (+ b_hr, b_hz) in projected[t], then overwritten by [r, z, n] in gates[t] (one array)
        gates_buffer, gates = project_inputs(x, w_ih, b_in, steps)
        projected, dtype = gates, gates_buffer.dtype
        (hs_buffer, hs), (q_ns_buffer, q_ns) = steps.blocks(xp, H, dtype, pooled=False), steps.blocks(xp, H, dtype)
        recurrent_buffer = empty(xp, (3 * H * B,), dtype)       # q = W_hh h_{t-1} (+ b_hn)
        h, last = h0.T, None
        for t, b in enumerate(steps.rows):
            if b != last:
                recurrent_t = recurrent_buffer[: 3 * H * b].reshape(3 * H, b)
                r_q_n_t, z_h_minus_n_t = xp.empty((H, b), dtype), xp.empty((H, b), dtype)
                last = b
            xp.matmul(w_hh, h[:, :b], out=recurrent_t)       # h_{t-1} of rows j < b_t
            gates_t, p, q_n = gates[t], projected[t], q_ns[t]
            xp.add(p[: 2 * H], recurrent_t[: 2 * H], out=gates_t[: 2 * H])
            sigmoid_(gates_t[: 2 * H])                       # r = σ(p_r + q_r), z = σ(p_z + q_z)
            r, z, n = gates_t[:H], gates_t[H: 2 * H], gates_t[2 * H:]
            if b_hn is None:                                 # q_n = W_hn h_{t-1} + b_hn, kept for backward
                q_n[...] = recurrent_t[2 * H:]
            else:
                xp.add(recurrent_t[2 * H:], b_hn, out=q_n)
            xp.multiply(r, q_n, out=r_q_n_t)                 # n = tanh(p_n + r q_n)
            xp.add(p[2 * H:], r_q_n_t, out=n)
            xp.tanh(n, out=n)
            xp.subtract(h[:, :b], n, out=z_h_minus_n_t)      # h_t = n + z (h_{t-1} - n)
            z_h_minus_n_t *= z
            h = xp.add(n, z_h_minus_n_t, out=hs[t])
        WORKSPACE.give(recurrent_buffer)
        out = steps.from_blocks(hs_buffer, H)  # the states, kept once: in the output, unless rounded (steps.py)
        states = steps.narrow(out)
        self.saved = (x, h0, w_ih, w_hh, gates, q_ns, out, steps, bool(biases))
        self.scratch = (gates_buffer, q_ns_buffer)
        return steps.like_input(states), steps.final_states(states)

    def backward(self, g, g_n):
        x, h0, w_ih, w_hh, gates, q_ns, out, steps, has_bias = self.saved
        xp = array_module(out)
        H = w_hh.shape[1]
        hs_buffer, hs = steps.to_blocks(out)  # hidden-major: the states h_t, and below the upstream gradient
        g_buffer, g = (None, None) if g is None else steps.to_blocks(steps.widen(g))
        # δq = [δr, δz, δn r] (the recurrent part's gradient) and δp_n = δn; δp = [δr, δz, δp_n]
        (d_recurrent_buffer, d_recurrent), (d_input_n_buffer, d_input_n) = (steps.blocks(xp, G * H, out.dtype)
                                                                            for G in (3, 1))
        dh, last = xp.zeros((H, steps.rows[-1]), out.dtype), None
        for t in range(steps.T - 1, -1, -1):
            b = steps.rows[t]
            start_gradients(dh, g_n, steps.ending(t))          # sequences whose last step is t: from g_n
            if b != last:
                through_n, slope, dh_recurrent = [xp.empty((H, b), out.dtype) for _ in range(3)]
                last = b
            gates_t, d_recurrent_t = gates[t], d_recurrent[t]
            r, z, n = gates_t[:H], gates_t[H: 2 * H], gates_t[2 * H:]
            dr, dz, dn = d_recurrent_t[:H], d_recurrent_t[H: 2 * H], d_input_n[t]
            if g is not None:
                dh += g[t]                                   # δh_t = g_t + (what h_t gave to step t+1)
            xp.subtract(1, z, out=through_n)                 # δh_t (1 - z)
            through_n *= dh
            xp.multiply(n, n, out=slope)                     # δn = δh_t (1 - z) (1 - n²)
            xp.subtract(1, slope, out=slope)
            xp.multiply(through_n, slope, out=dn)
            xp.subtract(hs[t], n, out=dz)                    # δa_z = δh_t (1 - z) (h_t - n)
            dz *= through_n
            xp.subtract(1, r, out=slope)                     # δa_r = δn q_n r (1 - r)
            slope *= r
            xp.multiply(dn, q_ns[t], out=dr)
            dr *= slope
            xp.multiply(dn, r, out=d_recurrent_t[2 * H:])    # δq_n = δn r
            xp.matmul(w_hh.T, d_recurrent_t, out=dh_recurrent)  # δh_{t-1} = δh_t z + W_hhᵀ δq
            dh *= z
            dh_before = widened(xp, dh, steps.rows[t - 1] if t else b)  # packed: step t-1 may have more columns
            xp.add(dh, dh_recurrent, out=dh_before[:, :b])
            dh = dh_before
        d_recurrent_by_gate = steps.gate_major(d_recurrent_buffer, 3 * H)
        d_input_n_by_gate = steps.gate_major(d_input_n_buffer, H)
        dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(d_recurrent_by_gate, x, h0, out, w_ih,
                                                      dp_tail=d_input_n_by_gate, steps=steps,
                                                      input_grad=self.input_needs_grad())
        WORKSPACE.give(*([] if g is None else [g_buffer]), hs_buffer, d_recurrent_buffer, d_input_n_buffer,
                       d_recurrent_by_gate, d_input_n_by_gate)
        return (dx, dh.T.copy(), dw_ih, dw_hh) + ((db_ih, db_hh) if has_bias else ())
