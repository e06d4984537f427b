"""Stochastic gradient descent with momentum, Nesterov momentum and weight decay (torch's rule).

    g ← g + λ p   (weight_decay λ, applied by Optimizer.step)
    b ← g  at the first step,  b ← μ b + (1 - τ) g  after   (momentum μ, dampening τ)
    g ← g + μ b  (nesterov)  or  g ← b
    p ← p - lr g
"""
from __future__ import annotations

from .optimizer import Optimizer


class SGD(Optimizer):
    defaults = {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False}

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                         nesterov=nesterov)

    def state_keys(self, group):
        return ({"momentum_buffer"} if group["momentum"] else set()), set()

    def update(self, p, g, state, group):
        h = group
        if h["momentum"]:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = g.copy()
            else:
                buf = state["momentum_buffer"]
                buf *= h["momentum"]
                buf += (1 - h["dampening"]) * g
            buf = state["momentum_buffer"]
            g = g + h["momentum"] * buf if h["nesterov"] else buf
        p -= h["lr"] * g
