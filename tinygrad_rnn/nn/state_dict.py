"""A Module's state dict: save its parameters and buffers by name, load them back all or nothing.

``state_dict()`` is torch's: an ordered ``{dotted name: Tensor}`` of every
parameter and persistent buffer, each a detached Tensor *sharing memory*
with the module (copy it, e.g. ``{k: v.clone()}`` or save it to a file, to
keep a snapshot).  A tied parameter appears under each of its names.

``load_state_dict(sd)`` checks every key, shape and value (numbers only:
strings and object arrays are refused) before it writes anything, so a
failed load leaves the module exactly as it was.  Values are copied into the
existing arrays, cast to each one's dtype, as torch's ``copy_``.
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Mapping

import numpy as np

from .. import backend
from ..tensor import Tensor

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def as_numpy(value) -> np.ndarray:
    """Anything array-like as a NumPy array: ours, torch's (``.detach().cpu().numpy()``), lists, arrays."""
    if isinstance(value, Tensor):
        return value.numpy()
    if not isinstance(value, np.ndarray):
        for step in ("detach", "cpu", "numpy"):
            if hasattr(value, step):
                value = getattr(value, step)()
    return backend.to_numpy(value) if hasattr(value, "__cuda_array_interface__") else np.asarray(value)


def _describe(key: str, value, target: Tensor) -> tuple[np.ndarray | None, str | None]:
    """(the value as an array, None) when it can be copied into ``target``, else (None, the problem)."""
    try:
        a = as_numpy(value)
    except Exception as e:  # a ragged list, a torch dtype NumPy lacks, ...
        return None, f"value for {key} is not an array of numbers ({type(value).__name__}: {e})"
    if a.dtype.kind not in "biuf":
        return None, f"value for {key} must be numeric, got dtype {a.dtype} ({type(value).__name__})"
    if tuple(a.shape) != target.shape:
        return None, (f"size mismatch for {key}: copying a param with shape {tuple(a.shape)} from checkpoint, "
                      f"the shape in current model is {target.shape}")
    return a, None


class ModuleState:
    """The state-dict half of ``Module`` (mixed in there; it uses ``_members`` and ``_buffer_flags``)."""

    def _state_items(self, prefix: str = ""):
        """(name, tensor) of own parameters, own persistent buffers, then children's: torch's state_dict order."""
        members = list(self._members())
        for name, value in members:
            if isinstance(value, Tensor):
                yield prefix + name, value
        for name, persistent in self._buffer_flags().items():
            value = getattr(self, name)
            if persistent and value is not None:
                yield prefix + name, value
        for name, value in members:
            if not isinstance(value, Tensor):
                yield from value._state_items(f"{prefix}{name}.")

    def state_dict(self, destination: dict | None = None, prefix: str = "", keep_vars: bool = False) -> dict:
        """{dotted name: detached Tensor sharing memory with the parameter or buffer} (the tensor itself
        with ``keep_vars``)."""
        out = OrderedDict() if destination is None else destination
        for name, t in self._state_items(prefix):
            out[name] = t if keep_vars else t.detach()
        return out

    def load_state_dict(self, state_dict: Mapping, strict: bool = True) -> IncompatibleKeys:
        """Copy values into the parameters and buffers, cast to each one's dtype, all or nothing.

        Values may be our Tensors, torch tensors, NumPy arrays or nested lists.  Every key, shape and
        value is checked first; with ``strict`` a missing or unexpected key is an error too.  All the
        problems are listed in one RuntimeError and nothing is changed.  Returns
        ``(missing_keys, unexpected_keys)`` as torch.
        """
        name = type(self).__name__
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict for {name}: expected state_dict to be dict-like, "
                            f"got {type(state_dict).__name__}")
        targets = dict(self._state_items())
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        problems, values = [], {}
        for key, value in state_dict.items():
            if key in targets:
                values[key], problem = _describe(key, value, targets[key])
                if problem:
                    problems.append(problem)
        if strict and unexpected:
            problems.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected))
        if strict and missing:
            problems.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing))
        if problems:
            raise RuntimeError(f"Error(s) in loading state_dict for {name}:\n\t" + "\n\t".join(problems))
        for key, a in values.items():  # every value checked: now write
            t = targets[key]
            t.array[...] = backend.to_device(np.asarray(a, dtype=t.dtype), t.device)
            t._bump_version()
        return IncompatibleKeys(missing, unexpected)
