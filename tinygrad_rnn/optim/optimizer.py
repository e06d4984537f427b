"""Optimizer: the base of SGD, Adam, Adagrad and RMSprop, with torch's parameter groups.

An optimizer holds its parameters in groups (``param_groups``: a list of
dicts, each with ``params`` and that group's hyper-parameters, which may be
changed between steps, e.g. ``group["lr"]`` by a learning-rate scheduler),
and per-parameter state (momentum buffers, running averages).  ``step()``
updates every parameter that has a gradient, in place, and bumps its version
counter, so a graph recorded before the step refuses to backpropagate
through the old weights; ``zero_grad()`` clears the gradients.

Bad input is refused before anything changes: NaN or negative
hyper-parameters, a parameter listed twice, a non-Tensor; and
``load_state_dict`` checks the optimizer kind, group sizes, hyper-parameters,
state keys and shapes of everything it is given before it writes anything.
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from .. import backend
from ..tensor import Tensor
from .state_check import SCHEDULER_KEYS, checked_state


class Optimizer:
    """Subclasses set ``defaults``, write ``update(p, g, state, group)`` for one parameter, and say which
    state entries a parameter has (``state_keys``)."""

    defaults: dict = {}

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], **hyper):
        name = type(self).__name__
        unknown = set(hyper) - set(type(self).defaults)
        if unknown:
            raise TypeError(f"{name}: unknown hyper-parameters {sorted(unknown)}")
        if isinstance(params, (Tensor, dict)):
            raise TypeError(f"{name}: params should be an iterable of Tensors or dicts, got a {type(params).__name__}")
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
            if not p.is_leaf:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (shape {p.shape}); "
                                 "optimize the leaves it was computed from")
        if len(set(map(id, params))) != len(params):
            raise ValueError(f"{name}: a parameter group lists the same parameter more than once")
        if not {id(p) for p in self.params}.isdisjoint(map(id, params)):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        unknown = set(group) - set(self.defaults) - {"params"} - SCHEDULER_KEYS
        if unknown:
            raise TypeError(f"{name}: unknown hyper-parameters {sorted(unknown)} in a parameter group")
        new = {**self.defaults, **group, "params": params}
        self._check_hyper(new)
        if hasattr(self, "state"):
            self.state.extend({} for _ in params)
        self.param_groups.append(new)

    def _check_hyper(self, hyper: dict) -> None:
        """Numbers must be finite and >= 0; betas in [0, 1); flags booleans."""
        name = type(self).__name__
        for key, value in hyper.items():
            if key == "params":
                continue
            if key == "betas":
                if not (isinstance(value, (tuple, list)) and len(value) == 2
                        and all(isinstance(b, (int, float)) and 0 <= b < 1 for b in value)):
                    raise ValueError(f"{name}: betas must be two numbers in [0, 1), got {value}")
            elif isinstance(type(self).defaults.get(key), bool):
                if not isinstance(value, (bool, np.bool_)):
                    raise TypeError(f"{name}: {key} must be True or False, got {value!r}")
            elif not isinstance(value, (int, float, np.number)) or isinstance(value, bool):
                raise TypeError(f"{name}: {key} must be a number, got {value!r}")
            elif math.isnan(value) or value < 0:
                raise ValueError(f"{name}: {key} must be >= 0, got {value}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every gradient: None (torch's default), or zeros in place with ``set_to_none=False``."""
        for p in self.params:
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.array.fill(0)

    def step(self) -> None:
        """One update of every parameter that has a gradient (the others are skipped).

        Every gradient is checked first (a Tensor of its parameter's shape, dtype and device), so a bad
        one is an error before any parameter or state has changed.
        """
        self._check_grads()
        states = iter(self.state)
        for group in self.param_groups:
            decay = group.get("weight_decay", 0.0)
            for p in group["params"]:
                state = next(states)
                if p.grad is not None:
                    g = p.grad.array
                    self.update(p.array, g + decay * p.array if decay else g, state, group)  # coupled L2 (torch's)
                    p._bump_version()

    def _check_grads(self) -> None:
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            if not isinstance(g, Tensor):
                raise TypeError(f"{type(self).__name__}.step: parameter {i} has a .grad of type "
                                f"{type(g).__name__}, expected a Tensor")
            if g.shape != p.shape or g.dtype != p.dtype or g.device != p.device:
                raise RuntimeError(f"{type(self).__name__}.step: parameter {i} of shape {p.shape}, dtype {p.dtype} "
                                   f"on {p.device!r} has a gradient of shape {g.shape}, dtype {g.dtype} on "
                                   f"{g.device!r}; nothing was updated")

    def update(self, p, g, state: dict, group: dict) -> None:  # pragma: no cover - abstract
        """Update the array ``p`` in place from its gradient ``g`` (weight decay already added)."""
        raise NotImplementedError

    def state_keys(self, group: dict) -> tuple[set, set]:  # pragma: no cover - abstract
        """(names of per-parameter arrays, names of per-parameter numbers) an update with ``group`` keeps."""
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
        """Restore hyper-parameters and per-parameter state saved by ``state_dict`` (ours or torch's).

        Everything is checked first (kind, group sizes, hyper-parameters, state keys, shapes, numbers);
        on any problem a ValueError or TypeError names it and nothing has changed.
        """
        groups, state = checked_state(self, sd, _kinds(Optimizer))
        for group, hyper in zip(self.param_groups, groups):
            group.update(hyper)
        self.state = state

    def __repr__(self) -> str:
        groups = "; ".join(", ".join(f"{k}={v}" for k, v in g.items() if k != "params") for g in self.param_groups)
        return f"{type(self).__name__}({groups})"


def _kinds(cls: type) -> list[type]:
    """Every optimizer class (to name the kind a foreign state dict belongs to)."""
    return [cls] + [k for sub in cls.__subclasses__() for k in _kinds(sub)]
