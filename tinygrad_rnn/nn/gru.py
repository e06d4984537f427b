"""The GRU cell, in one place: its step, its spec (Cho et al. 2014).

    [p_r, p_z, p_n] = x W_ihᵀ + b_ih,   [q_r, q_z, q_n] = h W_hhᵀ + b_hh      (torch's gate order)
    r = σ(p_r + q_r),  z = σ(p_z + q_z),  n = tanh(p_n + r q_n),  h' = (1 - z) n + z h

The state is h alone; the fused layer is ``tinygrad_rnn.fused.FusedGRU``.  No options.
"""
from __future__ import annotations

from ..fused import FusedGRU
from .spec import CellSpec, affine


def gru_step(x, state, w_ih, w_hh, b_ih=None, b_hh=None) -> tuple:
    """(h',) from x (batch, I) and state (h,)."""
    (h,) = state
    p, q = affine(x, w_ih, b_ih), affine(h, w_hh, b_hh)
    H = h.shape[-1]
    r = (p[..., :H] + q[..., :H]).sigmoid()
    z = (p[..., H: 2 * H] + q[..., H: 2 * H]).sigmoid()
    n = (p[..., 2 * H:] + r * q[..., 2 * H:]).tanh()
    return (n + z * (h - n),)


GRU_CELL = CellSpec("GRU", gates=3, state=("h",), step=gru_step, fused=FusedGRU)

