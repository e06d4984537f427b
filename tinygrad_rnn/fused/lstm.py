"""Fused LSTM over a whole sequence, with BPTT derived by hand (torch's gate order i, f, g, o).

Forward, for t = 1..T (σ the logistic sigmoid):
    [a_i, a_f, a_g, a_o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
    i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)
The output stacks h_1..h_T and then c_T, as (T+1, B, H), so one array carries
every gradient that flows in: g_t for each h_t, and g_c for c_T.
Backward, with δh_t = g_t + W_hhᵀ δa_{t+1} and δc_T = g_c:
    δo = δh_t ⊙ tanh(c_t)
    δc_t += δh_t ⊙ o ⊙ (1 - tanh²(c_t))
    δi = δc_t ⊙ g,   δg = δc_t ⊙ i,   δf = δc_t ⊙ c_{t-1}
    δa = [δi ⊙ i(1-i), δf ⊙ f(1-f), δg ⊙ (1-g²), δo ⊙ o(1-o)]
    δc_{t-1} = δc_t ⊙ f
and the weight gradients as for the RNN: Σ_t δa_t x_tᵀ, Σ_t δa_t h_{t-1}ᵀ, Σ_t δa_t.
"""
from __future__ import annotations

from ..backend import array_module
from ..ops.unary import sigmoid_
from ..tensor import Function
from .common import previous_states, project_inputs, weight_grads


class FusedLSTM(Function):
    """(x (T,B,I), h0, c0 (B,H), W_ih (4H,I), W_hh (4H,H) [, b_ih, b_hh]) → [h_1..h_T, c_T] as (T+1, B, H)."""

    def forward(self, x, h0, c0, w_ih, w_hh, *biases):
        xp = array_module(x)
        T, H = len(x), w_hh.shape[1]
        gates = project_inputs(x, w_ih, biases[0] + biases[1] if biases else None)  # a, then [i, f, g, o]
        out = xp.empty((T + 1,) + h0.shape, dtype=gates.dtype)
        cs, tanh_cs = xp.empty_like(out[:T]), xp.empty_like(out[:T])
        q, tmp = xp.empty_like(gates[0]), xp.empty_like(out[0])
        h, w_hh_t = h0, w_hh.T
        for t in range(T):
            a = gates[t]
            xp.matmul(h, w_hh_t, out=q)
            a += q
            sigmoid_(a[:, : 2 * H])
            sigmoid_(a[:, 3 * H:])
            xp.tanh(a[:, 2 * H: 3 * H], out=a[:, 2 * H: 3 * H])
            i, f, g, o = a[:, :H], a[:, H: 2 * H], a[:, 2 * H: 3 * H], a[:, 3 * H:]
            xp.multiply(f, c0 if t == 0 else cs[t - 1], out=cs[t])
            xp.multiply(i, g, out=tmp)
            cs[t] += tmp
            xp.tanh(cs[t], out=tanh_cs[t])
            h = xp.multiply(o, tanh_cs[t], out=out[t])
        out[T] = cs[T - 1]
        self.saved = (x, h0, c0, w_ih, w_hh, gates, cs, tanh_cs, out, bool(biases))
        return out

    def backward(self, g):
        x, h0, c0, w_ih, w_hh, gates, cs, tanh_cs, out, has_bias = self.saved
        xp = array_module(g)
        T, H = len(x), w_hh.shape[1]
        da = xp.empty_like(gates)
        dh, tmp = xp.zeros_like(h0), xp.empty_like(h0)
        dc = g[T].copy()
        for t in range(T - 1, -1, -1):
            a, d = gates[t], da[t]
            i, f, gg, o = a[:, :H], a[:, H: 2 * H], a[:, 2 * H: 3 * H], a[:, 3 * H:]
            di, df, dg, do = d[:, :H], d[:, H: 2 * H], d[:, 2 * H: 3 * H], d[:, 3 * H:]
            tc = tanh_cs[t]
            dh += g[t]
            xp.multiply(tc, tc, out=tmp)                      # δc += δh o (1 - tanh²c)
            xp.subtract(1, tmp, out=tmp)
            tmp *= o
            tmp *= dh
            dc += tmp
            xp.subtract(1, o, out=do)                         # δa_o = δh tanh(c) o (1 - o)
            do *= o
            do *= tc
            do *= dh
            xp.subtract(1, i, out=di)                         # δa_i = δc g i (1 - i)
            di *= i
            di *= gg
            di *= dc
            xp.subtract(1, f, out=df)                         # δa_f = δc c_{t-1} f (1 - f)
            df *= f
            df *= c0 if t == 0 else cs[t - 1]
            df *= dc
            xp.multiply(gg, gg, out=dg)                       # δa_g = δc i (1 - g²)
            xp.subtract(1, dg, out=dg)
            dg *= i
            dg *= dc
            dc *= f
            xp.matmul(d, w_hh, out=dh)
        dx, dw_ih, dw_hh = weight_grads(da, da, x, previous_states(h0, out[:T]), w_ih, w_hh)
        grads = (dx, dh, dc, dw_ih, dw_hh)
        if has_bias:
            db = da.sum(axis=(0, 1))
            grads += (db, db)
        return grads
