"""Optimizer: the base of SGD, Adam, Adagrad and RMSprop.

An optimizer holds the parameters, their per-parameter state (momentum
buffers, running averages) and the hyper-parameters.  ``step()`` updates
every parameter that has a gradient, in place; ``zero_grad()`` clears them.
"""
from __future__ import annotations

import copy
from typing import Iterable

import numpy as np

from .. import backend
from ..tensor import Tensor


class Optimizer:
    """Subclasses set ``defaults`` and write ``update(p, g, state)`` for one parameter."""

    defaults: dict = {}

    def __init__(self, params: Iterable[Tensor], **hyper):
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        unknown = set(hyper) - set(self.defaults)
        if unknown:
            raise TypeError(f"{type(self).__name__}: unknown hyper-parameters {sorted(unknown)}")
        self.hyper = {**self.defaults, **hyper}
        for name, value in self.hyper.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                raise ValueError(f"{type(self).__name__}: {name} must be >= 0, got {value}")
        self.state: list[dict] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """One update of every parameter that has a gradient (the others are skipped)."""
        decay = self.hyper.get("weight_decay", 0.0)
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                g = p.grad.data
                self.update(p.data, g + decay * p.data if decay else g, state)  # L2 decay, coupled (torch's)

    def update(self, p, g, state: dict) -> None:  # pragma: no cover - abstract
        """Update the array ``p`` in place from its gradient ``g`` (weight decay already added)."""
        raise NotImplementedError

    def state_dict(self) -> dict:
        """{'hyper': ..., 'state': [per-parameter dict of NumPy arrays and numbers]} (picklable)."""
        state = [{k: backend.to_numpy(v).copy() if hasattr(v, "shape") else v for k, v in s.items()}
                 for s in self.state]
        return {"hyper": dict(self.hyper), "state": state}

    def load_state_dict(self, sd: dict) -> None:
        if len(sd["state"]) != len(self.params):
            raise ValueError(f"{type(self).__name__}.load_state_dict: state for {len(sd['state'])} parameters, "
                             f"this optimizer has {len(self.params)}")
        self.hyper = dict(sd["hyper"])
        self.state = []
        for p, s in zip(self.params, sd["state"]):
            xp = backend.module_for(p.device)
            self.state.append({k: xp.array(v, dtype=p.dtype) if isinstance(v, np.ndarray) else copy.copy(v)
                               for k, v in s.items()})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v}' for k, v in self.hyper.items())})"
