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
Packed (``batch_sizes``, see steps.py), sequence j of length L_j runs steps t < L_j
(the rows j < b_t of step t) and the recurrence is masked by those rows:
    the forward step as above for j < b_t;   (h_n, c_n)[j] = (h, c)_{L_j}[j]
    δh_t[j] = g_t[j] + [j < b_{t+1}] (W_hhᵀ δa_{t+1})[j] + [t = L_j - 1] g_h[j]
    δc_t[j] += [j < b_{t+1}] δc_{t+1}[j] ⊙ f_{t+1}[j] + [t = L_j - 1] g_c[j]   (before the δh_t term)
and every sum over t runs over the N = Σ_t b_t rows that exist (no step or gradient for j ≥ b_t).
The loop runs step t on w_t ≥ b_t columns (steps.py: the added ones have zero input and stay at
zero gradient), and holds δh, δc (and forward c) as (H, w_t): columns are added (backward,
``widened``) or dropped (forward) where w_t changes.

What forward keeps for backward is exactly those local derivatives: the
stacked ∂(c_t, c_t, c_t, h_t)/∂(a_i, a_f, a_g, a_o) (4H per step), ∂h_t/∂c_t
and f (H each).  Then a backward step is five elementwise operations, the
three c-gate gradients in one multiply over their stacked block.

Forward computes all four gates with one tanh over the stacked block: as
σ(a) = (1 + tanh(a/2)) / 2, the σ rows of the weights are halved once, so the
block holds [a_i/2, a_f/2, a_g, a_o/2], and τ = tanh of it gives g = τ_g and
[i, f, o] = (1 + τ)/2.
Arrays inside are hidden-major blocks, (F, w_t) per step (see steps.py).
"""
from __future__ import annotations

from ..backend import array_module
from .common import FusedFunction, empty, project_inputs, weight_grads
from .steps import WIDTH_MULTIPLE, Steps, start_gradients, widened
from .workspace import WORKSPACE


def halve_sigmoid_rows(w, H: int):
    """A copy of the stacked weights (4H, ...) with the σ rows (i, f, o) halved: a_σ/2, for σ(a) = (1 + tanh(a/2))/2."""
    w = w.copy()
    w[: 2 * H] *= 0.5
    w[3 * H:] *= 0.5
    return w


class FusedLSTM(FusedFunction):
    """(x (T,B,I), h0, c0 (B,H), W_ih (4H,I), W_hh (4H,H) [, b_ih, b_hh]) → (h_1..h_T (T,B,H), h_T, c_T).

    Packed (``batch_sizes``): x is torch's packed data (N, I) and the states come back as (N, H).
    """

    def forward(self, x, h0, c0, w_ih, w_hh, *biases, batch_sizes=None):
        xp = array_module(x)
        steps = Steps(x, batch_sizes, multiple=WIDTH_MULTIPLE)  # step t: hidden-major blocks (F, w_t) (steps.py)
        x, B, H = steps.widen(x), steps.B, w_hh.shape[1]
        # projected[t]: the input part of the pre-activations (σ rows halved), then overwritten by partials[t],
        # ∂(c,c,c,h)/∂a of step t (one array: each step's block is read before it is written)
        partials_buffer, partials = project_inputs(x, halve_sigmoid_rows(w_ih, H),
                                                   halve_sigmoid_rows(biases[0] + biases[1], H) if biases else None,
                                                   steps)
        projected, dtype = partials, partials_buffer.dtype
        w_hh_halved = halve_sigmoid_rows(w_hh, H)
        (dh_dc_buffer, dh_dc), (forget_buffer, forget) = (steps.blocks(xp, H, dtype) for _ in "ab")
        hs_buffer, hs = steps.blocks(xp, H, dtype, pooled=False)
        gates_buffer = empty(xp, (4 * H * B,), dtype)
        c = c0.T.astype(dtype, copy=False)  # c_{t-1} (H, w_t): each step's c_t is a fresh array
        c_n = xp.empty((B, H), dtype)  # each sequence's last c, saved as it ends
        h, last = h0.T, None
        for t, b in enumerate(steps.rows):
            if b != last:  # fewer columns from here: c_{t-1} of the others, a view
                if last is not None:
                    c = c[:, :b]
                gates_t = gates_buffer[: 4 * H * b].reshape(4 * H, b)
                input_cell_t, tanh_ct = xp.empty((H, b), dtype), xp.empty((H, b), dtype)
                last = b
            local = partials[t]
            xp.matmul(w_hh_halved, h[:, :b], out=gates_t)
            gates_t += projected[t]                             # [a_i/2, a_f/2, a_g, a_o/2]
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
            c = f * c                                           # c_t = f c_{t-1} + i g
            xp.multiply(i, g, out=input_cell_t)
            c += input_cell_t
            xp.tanh(c, out=tanh_ct)
            h_t = xp.multiply(o, tanh_ct, out=hs[t])            # h_t = o tanh(c_t)
            h = h_t
            d_cell_d_g = local[2 * H: 3 * H]
            xp.multiply(g, g, out=d_cell_d_g)                   # ∂c_t/∂a_g = i (1-g²)
            xp.subtract(1, d_cell_d_g, out=d_cell_d_g)
            d_cell_d_g *= i
            xp.subtract(1, o, out=local[3 * H:])                # ∂h_t/∂a_o = tanh(c_t) o(1-o) = (1-o) h_t
            local[3 * H:] *= h_t
            dh_dc_t = dh_dc[t]
            xp.multiply(h_t, tanh_ct, out=dh_dc_t)              # ∂h_t/∂c_t = o (1 - tanh² c_t) = o - h_t tanh(c_t)
            xp.subtract(o, dh_dc_t, out=dh_dc_t)
            forget[t][...] = f                                  # ∂c_t/∂c_{t-1}
            ended = steps.ending(t)
            if ended.stop > ended.start:                        # sequences whose last step is t: their c_n
                c_n[ended] = c[:, ended].T
        WORKSPACE.give(gates_buffer)
        out = steps.from_blocks(hs_buffer, H)  # the states, kept once: in the output, unless rounded (steps.py)
        states = steps.narrow(out)
        self.saved = (x, h0, w_ih, w_hh, partials, dh_dc, forget, out, steps, bool(biases))
        self.scratch = (partials_buffer, dh_dc_buffer, forget_buffer)
        return steps.like_input(states), steps.final_states(states), c_n

    def backward(self, g, g_h, g_c):
        x, h0, w_ih, w_hh, partials, dh_dc, forget, out, steps, has_bias = self.saved
        xp = array_module(out)
        H = h0.shape[1]
        dh, dc = (xp.zeros((H, steps.rows[-1]), out.dtype) for _ in "hc")
        g_buffer, g = (None, None) if g is None else steps.to_blocks(steps.widen(g))
        d_gates_buffer, d_gates = steps.columns(xp, 4 * H, out.dtype)  # δa_t: the columns of step t
        last = None
        for t in range(steps.T - 1, -1, -1):
            b = steps.rows[t]
            start_gradients(dh, g_h, steps.ending(t))          # sequences whose last step is t: from g_h, g_c
            start_gradients(dc, g_c, steps.ending(t))
            if b != last:
                dc_from_h = xp.empty((H, b), out.dtype)
                last = b
            d_gates_t, local = d_gates[t], partials[t]
            if g is not None:
                dh += g[t]                                      # δh_t = g_t + W_hhᵀ δa_{t+1}
            xp.multiply(dh, dh_dc[t], out=dc_from_h)            # δc_t += δh_t ⊙ ∂h_t/∂c_t
            dc += dc_from_h
            xp.multiply(dc, local[: 3 * H].reshape(3, H, b),    # [δa_i, δa_f, δa_g] = δc_t ⊙ ∂c_t/∂[a_i, a_f, a_g]
                        out=d_gates_t[: 3 * H].reshape(3, H, b))
            xp.multiply(dh, local[3 * H:], out=d_gates_t[3 * H:])  # δa_o = δh_t ⊙ ∂h_t/∂a_o
            b_before = steps.rows[t - 1] if t else b            # packed: step t-1 may have more columns
            dc_before = widened(xp, dc, b_before)
            xp.multiply(dc, forget[t], out=dc_before[:, :b])    # δc_{t-1} = δc_t ⊙ f
            dc, dh = dc_before, widened(xp, dh, b_before)
            xp.matmul(w_hh.T, d_gates_t, out=dh[:, :b])         # W_hhᵀ δa_t: δh_{t-1} (less g), or dL/dh_0
        dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(d_gates_buffer, x, h0, out, w_ih, steps=steps,
                                                      input_grad=self.input_needs_grad())
        WORKSPACE.give(*([] if g is None else [g_buffer]), d_gates_buffer)
        return (dx, dh.T.copy(), dc.T.copy(), dw_ih, dw_hh) + ((db_ih, db_hh) if has_bias else ())
