"""Checkpoints: everything a run needs to go on, in one atomic file of data (``tr.save``'s format).

A checkpoint is a ``tr.save`` file holding one dict::

    kind        "tinygrad_rnn checkpoint"          version  CHECKPOINT_VERSION
    library     the tinygrad_rnn version that wrote it
    step        the number of optimizer steps taken
    model       {"class": name, "config": model.config() or None, "state": model.state_dict()}
    optimizer   {"class": name, "state": optimizer.state_dict()} (torch's layout) or None
    task        the data stream's state (e.g. ``CopyTask.state_dict()``) or None
    rng         the library generator's state (``rng.get_state()``)
    extra       anything else the caller passed (run settings, vocabulary, carried hidden state, ...)

The model's ``config`` is what its constructor needs, so a model can be
rebuilt from the file alone (``SequenceModel.from_checkpoint``).  Loading
checks the whole file (see ``serialization``) and then everything against
the model and optimizer it goes into before changing any of them; should a
load still fail half-way, what was changed is put back.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from . import rng
from .serialization import LoadError, library_version, load, save

KIND = "tinygrad_rnn checkpoint"
CHECKPOINT_VERSION = 2  # 1 was a pickle, never read
RESERVED = ("step", "task", "model_config")


def save_checkpoint(path: str | os.PathLike, model, optimizer=None, step: int = 0, *, task: dict | None = None,
                    **extra) -> Path:
    """Write model, optimizer, the library's RNG state, ``step``, ``task`` and ``extra`` to ``path``.

    Missing parent folders are created (``tr.save`` does not: as torch's, it wants the folder to exist).
    """
    clash = [k for k in extra if k in RESERVED]
    if clash:
        raise TypeError(f"save_checkpoint: {clash} are names of the checkpoint's own fields, pick others for extras")
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise ValueError(f"save_checkpoint: step must be an int >= 0, got {step!r}")
    config = model.config() if hasattr(model, "config") else None
    payload = {"kind": KIND, "version": CHECKPOINT_VERSION, "library": library_version(), "step": step,
               "model": {"class": type(model).__name__, "config": config, "state": model.state_dict()},
               "optimizer": None if optimizer is None else {"class": type(optimizer).__name__,
                                                            "state": optimizer.state_dict()},
               "task": task, "rng": rng.get_state(), "extra": extra}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return save(payload, path)


def read_checkpoint(path: str | os.PathLike) -> dict:
    """The checkpoint's dict, its file and its fields checked; nothing is changed."""
    ckpt = load(path)
    if not isinstance(ckpt, dict) or ckpt.get("kind") != KIND:
        raise LoadError(f"{path} is a tinygrad_rnn file but not a checkpoint (written by tr.save?)")
    if not isinstance(ckpt.get("version"), int) or ckpt["version"] > CHECKPOINT_VERSION:
        raise LoadError(f"{path} is a checkpoint of version {ckpt.get('version')!r}, newer than this library "
                        f"reads ({CHECKPOINT_VERSION}): upgrade tinygrad_rnn to load it")
    shape = {"step": int, "model": dict, "extra": dict, "rng": dict}
    wrong = [k for k, t in shape.items() if not isinstance(ckpt.get(k), t)]
    model = ckpt.get("model") or {}
    if not isinstance(model.get("state"), dict) or not isinstance(model.get("class"), str):
        wrong.append("model.state")
    opt = ckpt.get("optimizer")
    if opt is not None and not (isinstance(opt, dict) and isinstance(opt.get("class"), str)
                                and isinstance(opt.get("state"), dict)
                                and isinstance(opt["state"].get("param_groups"), list)
                                and isinstance(opt["state"].get("state"), dict)):
        wrong.append("optimizer")
    if wrong:
        raise LoadError(f"{path} has checkpoint fields missing or of the wrong type: {', '.join(wrong)}")
    return ckpt


def load_checkpoint(path: str | os.PathLike, model=None, optimizer=None, restore_rng: bool = True) -> dict:
    """Restore model, optimizer and RNG state from ``path``; return {'step', 'task', 'model_config', **extra}."""
    ckpt = read_checkpoint(path)
    restore(ckpt, model, optimizer, restore_rng=restore_rng, path=path)
    return {"step": ckpt["step"], "task": ckpt["task"], "model_config": ckpt["model"]["config"], **ckpt["extra"]}


def restore(ckpt: dict, model=None, optimizer=None, restore_rng: bool = True, path="checkpoint") -> None:
    """Put a read checkpoint into ``model``/``optimizer`` (and the RNG): all of it, or, on any error, none."""
    problems = []
    if model is not None:
        problems += _model_problems(ckpt["model"]["state"], model)
    if optimizer is not None:
        problems += _optimizer_problems(ckpt["optimizer"], optimizer)
    if problems:
        raise ValueError(f"{path} does not fit: " + "; ".join(problems))
    before = (model.state_dict() if model is not None else None,
              optimizer.state_dict() if optimizer is not None else None, rng.get_state())
    try:
        if model is not None:
            model.load_state_dict(ckpt["model"]["state"])
        if optimizer is not None:
            optimizer.load_state_dict(ckpt["optimizer"]["state"])
        if restore_rng:
            rng.set_state(ckpt["rng"])
    except Exception:
        if model is not None:
            model.load_state_dict(before[0])
        if optimizer is not None:
            optimizer.load_state_dict(before[1])
        rng.set_state(before[2])
        raise


def _model_problems(state: dict, model) -> list[str]:
    own = {name: p.shape for name, p in model.named_parameters()}
    problems = [f"model: missing {', '.join(k for k in own if k not in state)}"] if set(own) - set(state) else []
    if set(state) - set(own):
        problems.append(f"model: unexpected {', '.join(k for k in state if k not in own)}")
    problems += [f"model: {k} has shape {tuple(np.shape(v))} in the checkpoint, {own[k]} in the model"
                 for k, v in state.items() if k in own and tuple(np.shape(v)) != tuple(own[k])]
    return problems


def _optimizer_problems(saved: dict | None, optimizer) -> list[str]:
    name = type(optimizer).__name__
    if saved is None:
        return [f"optimizer: the checkpoint holds no optimizer state for {name}"]
    if saved["class"] != name:
        return [f"optimizer: the checkpoint holds {saved['class']} state, the optimizer is {name}"]
    sizes = [len(g["params"]) for g in optimizer.param_groups]
    got = [len(g.get("params", ())) if isinstance(g, dict) else None for g in saved["state"]["param_groups"]]
    if got != sizes:
        return [f"optimizer: parameter groups of {got} parameters in the checkpoint, {sizes} in {name}"]
    params, problems = optimizer.params, []
    for i, s in saved["state"]["state"].items():
        if not (isinstance(i, int) and 0 <= i < len(params) and isinstance(s, dict)):
            problems.append(f"optimizer: state for parameter {i!r}, which {name} does not have")
            continue
        problems += [f"optimizer: state {k!r} of parameter {i} has shape {v.shape}, the parameter {params[i].shape}"
                     for k, v in s.items() if isinstance(v, np.ndarray) and v.ndim and v.shape != params[i].shape]
    return problems
