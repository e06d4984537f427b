"""Adam (Kingma & Ba 2015), torch's rule with L2 weight decay.

    g ← g + λ p   (weight_decay λ, applied by Optimizer.step)
    m ← β₁ m + (1 - β₁) g,      v ← β₂ v + (1 - β₂) g²
    p ← p - lr / (1 - β₁ᵗ) · m / (√v / √(1 - β₂ᵗ) + ε)
"""
from __future__ import annotations

import math

from ..backend import array_module
from .optimizer import Optimizer


class Adam(Optimizer):
    defaults = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        betas = tuple(betas) if isinstance(betas, list) else betas  # checked with the others by Optimizer
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def state_keys(self, group):
        return {"exp_avg", "exp_avg_sq"}, {"step"}

    def update(self, p, g, state, group):
        h = group
        b1, b2 = h["betas"]
        xp = array_module(p)
        if not state:
            state.update(step=0, exp_avg=xp.zeros_like(p), exp_avg_sq=xp.zeros_like(p))
        state["step"] += 1
        m, v, t = state["exp_avg"], state["exp_avg_sq"], state["step"]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * (g * g)
        denom = xp.sqrt(v)
        denom /= math.sqrt(1 - b2 ** t)
        denom += h["eps"]
        p -= (h["lr"] / (1 - b1 ** t)) * (m / denom)
