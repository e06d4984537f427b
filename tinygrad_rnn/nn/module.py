"""Module and Parameter: how layers own their weights, as in torch.nn.

A Module finds its parameters by looking at its attributes: a ``Parameter``,
a sub-``Module``, or a list/tuple of either.  Names are torch's dotted
paths (``encoder.weight_ih_l0``), so ``state_dict()`` moves between the two
libraries in both directions.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from .. import backend
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor a Module owns and an optimizer updates; it requires grad unless told otherwise."""

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True, device=None, dtype=None):
        super().__init__(data, requires_grad=requires_grad, device=device, dtype=dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


def _as_numpy(value) -> np.ndarray:
    """Anything array-like as a NumPy array: ours, torch's (``.detach().cpu().numpy()``), lists, arrays."""
    if isinstance(value, Tensor):
        return value.numpy()
    for step in ("detach", "cpu", "numpy"):
        if hasattr(value, step) and not isinstance(value, np.ndarray):
            value = getattr(value, step)()
    return backend.to_numpy(value) if hasattr(value, "__cuda_array_interface__") else np.asarray(value)


class Module:
    """Base class of layers: parameter discovery, state dicts, train/eval, device and dtype moves."""

    training = True

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    # ----- what a module holds
    def _members(self):
        """(name, value) of every attribute that is a Parameter or Module, lists and tuples flattened."""
        for name, value in vars(self).items():
            if isinstance(value, (Parameter, Module)):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, (Parameter, Module)):
                        yield f"{name}.{i}", item

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        return ((n, v) for n, v in self._members() if isinstance(v, Module))

    def modules(self) -> Iterator["Module"]:
        yield self
        for _, child in self.named_children():
            yield from child.modules()

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) in definition order; a shared parameter appears once."""
        seen, out = set(), []

        def walk(pre, module):
            for name, value in module._members():
                if isinstance(value, Parameter):
                    if id(value) not in seen:
                        seen.add(id(value))
                        out.append((pre + name, value))
                else:
                    walk(pre + name + ".", value)
        walk(prefix, self)
        return iter(out)

    def parameters(self) -> Iterator[Parameter]:
        return (p for _, p in self.named_parameters())

    # ----- state
    def state_dict(self) -> dict[str, np.ndarray]:
        """{dotted name: NumPy copy of the parameter}."""
        return {name: p.numpy().copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state, strict: bool = True) -> None:
        """Copy values into the parameters, cast to each one's dtype (as torch).

        Values may be NumPy arrays, lists, our Tensors or torch tensors.  Every
        key and shape is checked before anything changes; with ``strict`` a
        missing or unexpected key is an error, listed with the others.
        """
        params = dict(self.named_parameters())
        values = {k: _as_numpy(v) for k, v in state.items() if k in params}
        problems = [f"size mismatch for {k}: expected {params[k].shape}, got {v.shape}"
                    for k, v in values.items() if tuple(v.shape) != params[k].shape]
        if strict:
            missing = [k for k in params if k not in state]
            unexpected = [k for k in state if k not in params]
            if missing:
                problems.append(f"missing keys: {', '.join(missing)}")
            if unexpected:
                problems.append(f"unexpected keys: {', '.join(unexpected)}")
        if problems:
            raise KeyError(f"load_state_dict into {type(self).__name__}: " + "; ".join(problems))
        for k, v in values.items():
            p = params[k]
            p.array = backend.module_for(p.device).array(v, dtype=p.dtype)

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    # ----- modes and moves
    def train(self, mode: bool = True) -> "Module":
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def to(self, device: str | None = None, dtype=None) -> "Module":
        """Move every parameter (and its gradient) to ``device`` and/or cast it to ``dtype``, in place."""
        device = backend.check_device(device) if device is not None else None
        for p in self.parameters():
            for t in (p, p.grad):
                if t is not None:
                    data = backend.to_device(t.array, device) if device else t.array
                    t.array = data if dtype is None else data.astype(dtype)
        return self

    def double(self) -> "Module":
        return self.to(dtype=np.float64)

    def float(self) -> "Module":
        return self.to(dtype=np.float32)

    # ----- display
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in self.named_children()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + ("\n" + "\n".join(children) + "\n)" if children else ")")
