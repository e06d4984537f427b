"""The LSTM cell, in one place: its step, its spec (Hochreiter & Schmidhuber 1997).

    [i, f, g, o] = [σ, σ, tanh, σ](x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)      (torch's gate order)
    c' = f c + i g,   h' = o tanh(c')

The state is (h, c); the fused layer is ``tinygrad_rnn.fused.FusedLSTM``.  No options.
"""
from __future__ import annotations

from ..fused import FusedLSTM
from .spec import CellSpec, affine


def lstm_step(x, state, w_ih, w_hh, b_ih=None, b_hh=None) -> tuple:
    """(h', c') from x (batch, I) and state (h, c)."""
    h, c = state
    a = affine(x, w_ih, b_ih) + affine(h, w_hh, b_hh)
    H = h.shape[-1]
    i, f = a[..., :H].sigmoid(), a[..., H: 2 * H].sigmoid()
    g, o = a[..., 2 * H: 3 * H].tanh(), a[..., 3 * H:].sigmoid()
    c = f * c + i * g
    return o * c.tanh(), c


LSTM_CELL = CellSpec("LSTM", gates=4, state=("h", "c"), step=lstm_step, fused=FusedLSTM)

