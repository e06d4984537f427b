"""The checks behind ``Optimizer.load_state_dict``: everything is validated before anything is written.

A state dict has torch's layout, ``{'state': {index: {name: value}},
'param_groups': [{hyper-parameter: value, ..., 'params': [indices]}]}``.
It is accepted when it comes from the same kind of optimizer (its groups
hold exactly this optimizer's hyper-parameters; torch's extra flags are
allowed at their default values), with groups of the same sizes, valid
hyper-parameters, and for every parameter the state entries this optimizer
keeps, with the parameter's shape.  ``checked_state`` returns the new
hyper-parameters and state, converted to this optimizer's arrays, for the
caller to swap in; on any problem it raises and the caller writes nothing.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from .. import backend

# Flags torch's optimizers keep in each group; a torch state dict loads when they are at these values.
TORCH_FLAGS = {"amsgrad": False, "maximize": False, "foreach": None, "capturable": False, "differentiable": False,
               "fused": None, "decoupled_weight_decay": False}
SCHEDULER_KEYS = {"initial_lr"}  # set by a learning-rate scheduler (as torch's)


def _as_array(value):
    """A NumPy array of ours, torch's, NumPy's or a list, or None when it is none of these."""
    if hasattr(value, "array") and hasattr(value, "numpy"):  # our Tensor
        return value.numpy()
    for step in ("detach", "cpu", "numpy"):
        if hasattr(value, step) and not isinstance(value, np.ndarray):
            value = getattr(value, step)()
    try:
        return backend.to_numpy(value) if hasattr(value, "__cuda_array_interface__") else np.asarray(value)
    except Exception:
        return None


def _kind_name(keys: set, kinds: list[type]) -> str:
    for k in kinds:
        if k.defaults and set(k.defaults) == keys:
            return k.__name__
    return "another optimizer"


def _checked_groups(opt, groups, kinds) -> list[dict]:
    name = type(opt).__name__
    sizes = [len(g["params"]) for g in opt.param_groups]
    if not isinstance(groups, (list, tuple)) or not all(isinstance(g, Mapping) and "params" in g for g in groups):
        raise ValueError(f"{name}.load_state_dict: 'param_groups' must be a list of dicts with 'params', "
                         f"got {type(groups).__name__}")
    got = [len(g["params"]) for g in groups]
    if got != sizes:
        raise ValueError(f"{name}.load_state_dict: expected groups of {sizes} parameters, got {got}")
    expected, out = set(type(opt).defaults), []
    for i, g in enumerate(groups):
        extra = {k for k in g if k in TORCH_FLAGS and k not in expected}
        odd = sorted(k for k in extra if g[k] != TORCH_FLAGS[k])
        if odd:
            settings = ", ".join(f"{k}={g[k]!r}" for k in odd)
            raise ValueError(f"{name}.load_state_dict: param_groups[{i}] sets {settings}, "
                             "which this library does not support")
        keys = set(g) - {"params"} - SCHEDULER_KEYS - extra
        if keys != expected:
            raise ValueError(f"{name}.load_state_dict: param_groups[{i}] holds the hyper-parameters of "
                             f"{_kind_name(keys, kinds)} ({', '.join(sorted(keys))}), not those of {name} "
                             f"({', '.join(sorted(expected))})")
        hyper = {k: (tuple(g[k]) if k == "betas" and isinstance(g[k], list) else g[k])
                 for k in g if k in expected or k in SCHEDULER_KEYS}
        opt._check_hyper(hyper)
        out.append(hyper)
    return out


def checked_state(opt, sd, kinds: list[type]) -> tuple[list[dict], list[dict]]:
    """(hyper-parameters per group, state per parameter) from ``sd``, or an error naming what is wrong."""
    name = type(opt).__name__
    if not isinstance(sd, Mapping) or set(sd) != {"state", "param_groups"}:
        got = sorted(map(str, sd)) if isinstance(sd, Mapping) else type(sd).__name__
        raise ValueError(f"{name}.load_state_dict: expected a dict with keys 'state' and 'param_groups', got {got}")
    hypers = _checked_groups(opt, sd["param_groups"], kinds)
    params = opt.params
    position, group_of = {}, []
    for gi, g in enumerate(sd["param_groups"]):
        for saved_id in g["params"]:
            position[saved_id] = len(group_of)
            group_of.append(gi)
    if not isinstance(sd["state"], Mapping):
        raise ValueError(f"{name}.load_state_dict: 'state' must be a dict, got {type(sd['state']).__name__}")
    state = [{} for _ in params]
    for key, saved in sd["state"].items():
        try:
            i = position[int(key)]
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{name}.load_state_dict: state for parameter {key!r}, which no group lists") from None
        if not isinstance(saved, Mapping):
            raise ValueError(f"{name}.load_state_dict: state of parameter {key} must be a dict, "
                             f"got {type(saved).__name__}")
        state[i] = _checked_entry(opt, key, saved, params[i], hypers[group_of[i]])
    return hypers, state


def _checked_entry(opt, key, saved: Mapping, p, hyper: dict) -> dict:
    """One parameter's state, checked and converted (arrays to the parameter's dtype and device)."""
    name = type(opt).__name__
    if not saved:
        return {}
    arrays, numbers = opt.state_keys(hyper)
    if set(saved) != arrays | numbers:
        raise ValueError(f"{name}.load_state_dict: state of parameter {key} has entries "
                         f"{sorted(map(str, saved))}, expected {sorted(arrays | numbers)}")
    xp, out = backend.module_for(p.device), {}
    for k, v in saved.items():
        a = _as_array(v)
        if a is None or a.dtype.kind not in "biuf":
            raise TypeError(f"{name}.load_state_dict: state '{k}' of parameter {key} must be numeric, "
                            f"got {type(v).__name__}{'' if a is None else f' of dtype {a.dtype}'}")
        if k in numbers:
            if a.size != 1:
                raise ValueError(f"{name}.load_state_dict: state '{k}' of parameter {key} must be a number, "
                                 f"got shape {a.shape}")
            out[k] = int(a.item()) if k == "step" else float(a.item())
        elif tuple(a.shape) != p.shape:
            raise ValueError(f"{name}.load_state_dict: state '{k}' of parameter {key} has shape {tuple(a.shape)}, "
                             f"the parameter {p.shape}")
        else:
            out[k] = xp.array(a, dtype=p.dtype)
    return out
