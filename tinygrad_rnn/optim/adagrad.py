"""Adagrad (Duchi et al. 2011), torch's rule.

    g ← g + λ p   (weight_decay λ, applied by Optimizer.step)
    s ← s + g²
    p ← p - lr / (1 + (t - 1)·lr_decay) · g / (√s + ε)
"""
from __future__ import annotations

from ..backend import array_module
from .optimizer import Optimizer


class Adagrad(Optimizer):
    defaults = {"lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0, "eps": 1e-10}

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10):
        super().__init__(params, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, eps=eps)

    def state_keys(self, group):
        return {"sum"}, {"step"}

    def update(self, p, g, state, group):
        h = group
        xp = array_module(p)
        if not state:
            state.update(step=0, sum=xp.full_like(p, h["initial_accumulator_value"]))
        state["step"] += 1
        state["sum"] += g * g
        lr = h["lr"] / (1 + (state["step"] - 1) * h["lr_decay"])
        p -= lr * g / (xp.sqrt(state["sum"]) + h["eps"])
