"""Module and Parameter: how layers own their weights, as in torch.nn.

A Module finds what it holds by looking at its attributes: a ``Parameter``,
a sub-``Module``, or a list/tuple of either (so ``self.fc = Linear(...)`` or
``self.weight = other.weight`` is all it takes; calling ``super().__init__()``
is allowed, as in torch, but not needed).  Buffers (running statistics, masks:
state that is saved but not trained) are declared with ``register_buffer``.
Names are torch's dotted paths (``encoder.weight_ih_l0``) and come in torch's
order (a module's own parameters, then its children's), so ``state_dict()``
moves between the two libraries in both directions.  Saving and loading live
in ``state_dict.py``; this file is about what a module holds.
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from .. import backend
from ..tensor import Tensor
from .state_dict import ModuleState


class Parameter(Tensor):
    """A Tensor a Module owns and an optimizer updates; it requires grad unless told otherwise."""

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True, device=None, dtype=None):
        super().__init__(data, requires_grad=requires_grad, device=device, dtype=dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Module(ModuleState):
    """Base class of layers: discovery of parameters, buffers and children; train/eval; device and dtype moves."""

    training = True

    def __init__(self) -> None:  # torch programs call super().__init__(); nothing needs setting up
        pass

    def __setattr__(self, name: str, value) -> None:
        old = vars(self).get(name)
        if isinstance(old, Parameter) and value is not None and not isinstance(value, Parameter):
            # e.g. ``self.weight = self.weight * 2`` would silently drop the weight from parameters()
            raise TypeError(f"cannot assign {type(value).__name__} as parameter '{name}' "
                            "(an nn.Parameter or None expected)")
        object.__setattr__(self, name, value)

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    # ----- what a module holds
    def _members(self) -> Iterator[tuple[str, object]]:
        """(name, value) of every attribute that is a Parameter or Module, lists and tuples flattened.

        Containers (``ModuleList``, ``ParameterDict``, ...) override this to list their items.
        """
        for name, value in vars(self).items():
            if isinstance(value, (Parameter, Module)):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, (Parameter, Module)):
                        yield f"{name}.{i}", item

    def _own(self, kind: type) -> list[tuple[str, object]]:
        return [(n, v) for n, v in self._members() if isinstance(v, kind)]

    def _buffer_flags(self) -> dict[str, bool]:
        """{buffer name: persistent}, for the buffers registered on this module itself."""
        return vars(self).get("_buffers", {})

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Keep ``tensor`` as ``self.<name>``: in ``state_dict`` (when persistent) and moved by ``to``, not trained."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"register_buffer: buffer name must be a non-empty string without '.', got {name!r}")
        if hasattr(self, name) and name not in self._buffer_flags():
            raise KeyError(f"register_buffer: attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: cannot assign {type(tensor).__name__} to buffer '{name}' "
                            "(a Tensor or None is required)")
        vars(self).setdefault("_buffers", {})[name] = persistent
        setattr(self, name, tensor)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """``self.<name> = param`` (torch's spelling), checking that it is a Parameter."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: cannot assign {type(param).__name__} to parameter '{name}' "
                            "(an nn.Parameter or None is required)")
        setattr(self, name, param)

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """(name, module) of the direct sub-modules, each once."""
        seen = set()
        for name, child in self._own(Module):
            if id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator["Module"]:
        return (m for _, m in self.named_children())

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """("", self) and then every sub-module with its dotted name, depth first (a shared one once)."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._own(Module):
            yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        return (m for _, m in self.named_modules())

    def _named(self, own: Callable, prefix: str, recurse: bool, remove_duplicate: bool):
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        seen = set()
        for mod_prefix, module in modules:
            for name, value in own(module):
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter): a module's own first, then its children's; a shared (tied) one once."""
        return self._named(lambda m: m._own(Parameter), prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named(lambda m: [(n, getattr(m, n)) for n in m._buffer_flags()], prefix, recurse,
                           remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        return (b for _, b in self.named_buffers(recurse=recurse))

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        """Call ``fn`` on every sub-module (children first) and then on self, as torch (e.g. custom init)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----- gradients and modes
    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.array.fill(0)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Switch gradient tracking of every parameter (e.g. to freeze a pretrained part)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def train(self, mode: bool = True) -> "Module":
        if not isinstance(mode, bool):
            raise ValueError(f"train: training mode is expected to be boolean, got {mode!r}")
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> "Module":
        return self.train(False)

    # ----- device and dtype moves
    def to(self, *args, device: str | None = None, dtype=None) -> "Module":
        """Move parameters, their gradients and buffers to ``device`` and/or cast the floating ones to ``dtype``.

        In place (every Parameter keeps its identity, so an optimizer made before still holds it), as torch;
        positional arguments may be a device name, a dtype, or a Tensor (whose device and dtype are taken).
        """
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, str) and a in backend.DEVICES:
                device = a
            else:
                dtype = a
        device = backend.check_device(device) if device is not None else None
        if dtype is not None:
            dtype = np.dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"Module.to only accepts floating point dtypes, got dtype={dtype}")
        tensors = list(self.parameters()) + [b for b in self.buffers()]
        for t in tensors + [p.grad for p in self.parameters() if p.grad is not None]:
            data = backend.to_device(t.array, device) if device else t.array
            if dtype is not None and data.dtype.kind == "f":
                data = data.astype(dtype)
            if data is not t.array:
                t.array = data
                t._bump_version()
        return self

    def double(self) -> "Module":
        return self.to(dtype=np.float64)

    def float(self) -> "Module":
        return self.to(dtype=np.float32)

    def cpu(self) -> "Module":
        return self.to("cpu")

    def cuda(self) -> "Module":
        return self.to("cuda")

    # ----- display
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in self.named_children()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + ("\n" + "\n".join(children) + "\n)" if children else ")")
