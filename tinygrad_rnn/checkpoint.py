"""Checkpoints: model, optimizer, RNG state, step and anything else, in one atomic file.

The file is written beside its destination under a temporary name, flushed
to disk, and renamed over the old one (``os.replace`` is atomic on POSIX and
Windows), so a crash mid-write leaves the previous checkpoint whole.
"""
from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

from . import rng

FORMAT = "tinygrad_rnn-checkpoint-1"


def save_checkpoint(path: str | os.PathLike, model, optimizer=None, step: int = 0, **extra) -> Path:
    """Write model and optimizer state, the library's RNG state, ``step`` and ``extra`` to ``path``."""
    payload = {"format": FORMAT, "step": step, "model": model.state_dict(),
               "optimizer": optimizer.state_dict() if optimizer is not None else None,
               "rng": rng.get_state(), "extra": extra}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load_checkpoint(path: str | os.PathLike, model, optimizer=None) -> dict:
    """Restore model, optimizer and RNG state from ``path``; return {'step': ..., **extra}."""
    with open(path, "rb") as f:
        payload = pickle.load(f)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a tinygrad_rnn checkpoint")
    model.load_state_dict(payload["model"])
    if optimizer is not None and payload["optimizer"] is not None:
        optimizer.load_state_dict(payload["optimizer"])
    rng.set_state(payload["rng"])
    return {"step": payload["step"], **payload["extra"]}
