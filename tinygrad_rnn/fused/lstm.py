"""Fused LSTM over a whole sequence, with BPTT derived by hand (torch's gate order i, f, g, o).

Forward, for t = 1..T (σ the logistic sigmoid):
    [a_i, a_f, a_g, a_o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
    i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)
Outputs: the states h_1..h_T (T, B, H), and the final h_T and c_T (B, H).
Backward, with δh_t = g_t + W_hhᵀ δa_{t+1}, δh_T = g_T + g_h and δc_T = g_c
(g_h, g_c: the gradients of the final-state outputs):
    δc_t += δh_t ⊙ o ⊙ (1 - tanh²(c_t))
    δa_i = δc_t ⊙ g ⊙ i(1-i),     δa_f = δc_t ⊙ c_{t-1} ⊙ f(1-f)
    δa_g = δc_t ⊙ i ⊙ (1-g²),     δa_o = δh_t ⊙ tanh(c_t) ⊙ o(1-o)
    δc_{t-1} = δc_t ⊙ f
and the weight gradients as for the RNN: Σ_t δa_t x_tᵀ, Σ_t δa_t h_{t-1}ᵀ, Σ_t δa_t.
Arrays inside are hidden-major (see common.py).
"""
from __future__ import annotations

from ..backend import array_module
from ..ops.unary import sigmoid_
from .common import FusedFunction, empty, gate_major, project_inputs, swap_layout, weight_grads
from .workspace import WORKSPACE


class FusedLSTM(FusedFunction):
    """(x (T,B,I), h0, c0 (B,H), W_ih (4H,I), W_hh (4H,H) [, b_ih, b_hh]) → (h_1..h_T (T,B,H), h_T, c_T)."""

    def forward(self, x, h0, c0, w_ih, w_hh, *biases):
        xp = array_module(x)
        T, H = len(x), w_hh.shape[1]
        gates = project_inputs(x, w_ih, biases[0] + biases[1] if biases else None)  # a, then [i, f, g, o]
        hs = xp.empty((T, H, h0.shape[0]), gates.dtype)
        cs, tanh_cs = empty(xp, hs.shape, hs.dtype), empty(xp, hs.shape, hs.dtype)
        q, tmp = empty(xp, gates[0].shape, gates.dtype), xp.empty_like(hs[0])
        h, c0 = h0.T, xp.ascontiguousarray(c0.T)
        for t in range(T):
            a = gates[t]
            xp.matmul(w_hh, h, out=q)
            a += q
            sigmoid_(a[: 2 * H])
            sigmoid_(a[3 * H:])
            xp.tanh(a[2 * H: 3 * H], out=a[2 * H: 3 * H])
            i, f, g, o = a[:H], a[H: 2 * H], a[2 * H: 3 * H], a[3 * H:]
            xp.multiply(f, c0 if t == 0 else cs[t - 1], out=cs[t])
            xp.multiply(i, g, out=tmp)
            cs[t] += tmp
            xp.tanh(cs[t], out=tanh_cs[t])
            h = xp.multiply(o, tanh_cs[t], out=hs[t])
        WORKSPACE.give(q)
        out = swap_layout(hs, pooled=False)  # the states are kept once, in the output
        self.saved = (x, h0, c0, w_ih, w_hh, gates, cs, tanh_cs, out, bool(biases))
        self.scratch = (gates, cs, tanh_cs)
        return out, out[-1].copy(), cs[-1].T.copy()

    def backward(self, g, g_h, g_c):
        x, h0, c0, w_ih, w_hh, gates, cs, tanh_cs, out, has_bias = self.saved
        xp = array_module(out)
        T, H = len(x), w_hh.shape[1]
        dc = xp.zeros_like(cs[0]) if g_c is None else xp.array(g_c.T, dtype=cs.dtype, order="C")  # δc_T = g_c
        dh = xp.zeros_like(cs[0]) if g_h is None else xp.array(g_h.T, dtype=cs.dtype, order="C")  # δh_T = g_T + g_h
        g = None if g is None else swap_layout(g)
        da = empty(xp, gates.shape, gates.dtype)
        tmp = xp.empty_like(dc)
        for t in range(T - 1, -1, -1):
            a, d = gates[t], da[t]
            i, f, gg, o = a[:H], a[H: 2 * H], a[2 * H: 3 * H], a[3 * H:]
            di, df, dg, do = d[:H], d[H: 2 * H], d[2 * H: 3 * H], d[3 * H:]
            tc = tanh_cs[t]
            if g is not None:
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
            xp.matmul(w_hh.T, d, out=dh)
        da2 = gate_major(da)
        dx, dw_ih, dw_hh, db_ih, db_hh = weight_grads(da2, x, h0, out, w_ih)
        WORKSPACE.give(*([] if g is None else [g]), da, da2)
        return (dx, dh.T.copy(), dc.T.copy(), dw_ih, dw_hh) + ((db_ih, db_hh) if has_bias else ())
