"""RMSprop (Hinton's lecture 6e), torch's rule with momentum and the centered variant.

    g ← g + λ p   (weight_decay λ, applied by Optimizer.step)
    s ← α s + (1 - α) g²;   centered: a ← α a + (1 - α) g,  s̃ = s - a²  (else s̃ = s)
    d = √s̃ + ε
    momentum μ > 0:  b ← μ b + g / d,  p ← p - lr b;   else  p ← p - lr g / d
"""
from __future__ import annotations

from ..backend import array_module
from .optimizer import Optimizer


class RMSprop(Optimizer):
    defaults = {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0, "centered": False}

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False):
        super().__init__(params, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                         centered=centered)

    def state_keys(self, group):
        arrays = {"square_avg"} | ({"momentum_buffer"} if group["momentum"] else set())
        return arrays | ({"grad_avg"} if group["centered"] else set()), {"step"}

    def update(self, p, g, state, group):
        h = group
        xp = array_module(p)
        if not state:
            state.update(step=0, square_avg=xp.zeros_like(p))
            if h["momentum"]:
                state["momentum_buffer"] = xp.zeros_like(p)
            if h["centered"]:
                state["grad_avg"] = xp.zeros_like(p)
        state["step"] += 1
        a = h["alpha"]
        sq = state["square_avg"]
        sq *= a
        sq += (1 - a) * (g * g)
        if h["centered"]:
            ga = state["grad_avg"]
            ga *= a
            ga += (1 - a) * g
            denom = xp.sqrt(sq - ga * ga) + h["eps"]
        else:
            denom = xp.sqrt(sq) + h["eps"]
        if h["momentum"]:
            buf = state["momentum_buffer"]
            buf *= h["momentum"]
            buf += g / denom
            p -= h["lr"] * buf
        else:
            p -= h["lr"] * g / denom
