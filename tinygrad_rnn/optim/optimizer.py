"""Optimizer: the base of SGD, Adam, Adagrad and RMSprop, with torch's parameter groups.

An optimizer holds its parameters in groups (``param_groups``: a list of
dicts, each with ``params`` and that group's hyper-parameters, which may be
changed between steps, e.g. ``group["lr"]`` by a learning-rate scheduler),
and per-parameter state (momentum buffers, running averages).  ``step()``
updates every parameter that has a gradient, in place, and bumps its version
counter, so a graph recorded before the step refuses to backpropagate
through the old weights; ``zero_grad()`` clears the gradients.
"""
from __future__ import annotations

import copy
from typing import Iterable

import numpy as np

from .. import backend
from ..tensor import Tensor


class Optimizer:
    """Subclasses set ``defaults`` and write ``update(p, g, state, group)`` for one parameter."""

    defaults: dict = {}

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], **hyper):
        name = type(self).__name__
        unknown = set(hyper) - set(type(self).defaults)
        if unknown:
            raise TypeError(f"{name}: unknown hyper-parameters {sorted(unknown)}")
        self.defaults = {**type(self).defaults, **hyper}
        self._check_hyper(self.defaults)
        params = list(params)
        if not params:
            raise ValueError(f"{name}: got an empty parameter list")
        self.param_groups: list[dict] = []
        for group in (params if isinstance(params[0], dict) else [{"params": params}]):
            self.add_param_group(group)
        self.state: list[dict] = [{} for _ in self.params]

    @property
    def params(self) -> list[Tensor]:
        """Every parameter, group after group."""
        return [p for group in self.param_groups for p in group["params"]]

    def add_param_group(self, group: dict) -> None:
        """Add {'params': [...], hyper-parameter: value, ...}; unset hyper-parameters take the defaults."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group is a dict with a 'params' key, got {type(group).__name__}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: expected parameters to be Tensors, got {type(p).__name__}")
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise TypeError(f"{name}: unknown hyper-parameters {sorted(unknown)} in a parameter group")
        new = {**self.defaults, **group, "params": params}
        self._check_hyper(new)
        if hasattr(self, "state"):
            self.state.extend({} for _ in params)
        self.param_groups.append(new)

    def _check_hyper(self, hyper: dict) -> None:
        for name, value in hyper.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                raise ValueError(f"{type(self).__name__}: {name} must be >= 0, got {value}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """One update of every parameter that has a gradient (the others are skipped)."""
        states = iter(self.state)
        for group in self.param_groups:
            decay = group.get("weight_decay", 0.0)
            for p in group["params"]:
                state = next(states)
                if p.grad is not None:
                    g = p.grad.array
                    self.update(p.array, g + decay * p.array if decay else g, state, group)  # coupled L2 (torch's)
                    p._bump_version()

    def update(self, p, g, state: dict, group: dict) -> None:  # pragma: no cover - abstract
        """Update the array ``p`` in place from its gradient ``g`` (weight decay already added)."""
        raise NotImplementedError

    def state_dict(self) -> dict:
        """torch's layout: {'state': {index: {name: NumPy array or number}}, 'param_groups': [...]}.

        Parameters appear by their index in ``params`` (group after group).
        """
        state = {i: {k: backend.to_numpy(v).copy() if hasattr(v, "shape") else v for k, v in s.items()}
                 for i, s in enumerate(self.state) if s}
        groups, start = [], 0
        for group in self.param_groups:
            n = len(group["params"])
            hyper = {k: v for k, v in group.items() if k != "params"}
            groups.append({**hyper, "params": list(range(start, start + n))})
            start += n
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, sd: dict) -> None:
        """Restore hyper-parameters and per-parameter state saved by ``state_dict``."""
        name = type(self).__name__
        groups = sd.get("param_groups") if isinstance(sd, dict) else None
        if groups is None or len(groups) != len(self.param_groups) or \
                [len(g["params"]) for g in groups] != [len(g["params"]) for g in self.param_groups]:
            sizes = [len(g["params"]) for g in self.param_groups]
            got = None if groups is None else [len(g.get("params", ())) for g in groups]
            raise ValueError(f"{name}.load_state_dict: expected groups of {sizes} parameters, got {got}")
        params = self.params
        for group, saved in zip(self.param_groups, groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = [{} for _ in params]
        for i, s in sd["state"].items():
            p = params[int(i)]
            xp = backend.module_for(p.device)
            self.state[int(i)] = {k: xp.array(v, dtype=p.dtype) if isinstance(v, np.ndarray) else copy.copy(v)
                                  for k, v in s.items()}

    def __repr__(self) -> str:
        groups = "; ".join(", ".join(f"{k}={v}" for k, v in g.items() if k != "params") for g in self.param_groups)
        return f"{type(self).__name__}({groups})"
