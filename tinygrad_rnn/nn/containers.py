"""Containers of modules and parameters, as torch's: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict.

Each keeps its items in one ordered dict (keys "0", "1", ... for the lists),
and lists them to ``Module`` through ``_members``, so what they hold appears
in ``parameters()`` and ``state_dict()`` under torch's names (``layers.0.weight``).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Iterable, Iterator, Mapping

from ..tensor import Tensor
from .module import Module, Parameter


def _as_parameter(value):
    """ParameterList/Dict store Parameters: a plain Tensor is made one (as torch)."""
    if isinstance(value, Parameter) or value is None:
        return value
    if isinstance(value, Tensor):
        return Parameter(value, requires_grad=value.requires_grad or value.dtype.kind == "f")
    raise TypeError(f"expected a Parameter or Tensor, got {type(value).__name__}")


def _as_module(value, owner: str) -> Module:
    if not isinstance(value, Module):
        raise TypeError(f"{owner}: expected a Module, got {type(value).__name__}")
    return value


class _Container(Module):
    """What every container shares: the ordered dict of items, len, and discovery."""

    def __init__(self) -> None:
        self._items: OrderedDict = OrderedDict()

    def _members(self):
        """The items, then anything a subclass set as an attribute (as torch's registration order)."""
        yield from ((k, v) for k, v in self._items.items() if v is not None)
        yield from super()._members()

    def __len__(self) -> int:
        return len(self._items)


class _ListMixin(_Container):
    """Integer indexing (negative too, slices give a container of the same kind), append/extend/insert/del."""

    _convert = staticmethod(lambda v: v)

    def _index(self, idx: int) -> int:
        if not isinstance(idx, int):
            raise TypeError(f"{type(self).__name__} indices must be integers or slices, got {type(idx).__name__}")
        if not -len(self) <= idx < len(self):
            raise IndexError(f"index {idx} is out of range for {type(self).__name__} of length {len(self)}")
        return idx % len(self)

    def _values(self) -> list:
        return list(self._items.values())

    def _renumber(self, values: list) -> None:
        self._items = OrderedDict((str(i), v) for i, v in enumerate(values))

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(self._values()[idx])
        return self._values()[self._index(idx)]

    def __setitem__(self, idx: int, value) -> None:
        self._items[str(self._index(idx))] = self._convert(value)

    def __delitem__(self, idx) -> None:
        values = self._values()
        del values[idx if isinstance(idx, slice) else self._index(idx)]
        self._renumber(values)

    def __iter__(self) -> Iterator:
        return iter(self._values())

    def append(self, value):
        self._items[str(len(self))] = self._convert(value)
        return self

    def extend(self, values: Iterable):
        for v in values:
            self.append(v)
        return self

    def insert(self, index: int, value) -> None:
        values = self._values()
        values.insert(index, self._convert(value))
        self._renumber(values)


class ModuleList(_ListMixin):
    """A list of modules, registered so their parameters are found (a plain Python list of modules is too,
    here, but torch needs this)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        self._convert = lambda m: _as_module(m, type(self).__name__)
        self.extend(modules or [])

    def __add__(self, other: "ModuleList") -> "ModuleList":
        return ModuleList(list(self) + list(other))


class Sequential(ModuleList):
    """Modules called in order, each on the previous one's output; ``Sequential(OrderedDict(name=module))``
    names them."""

    def __init__(self, *modules) -> None:
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            super().__init__()
            for name, m in modules[0].items():
                self._items[name] = self._convert(m)
        else:
            super().__init__(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._items.items())[idx]))
        return self._values()[self._index(idx)]

    def forward(self, x):
        for m in self:
            x = m(x)
        return x


class ParameterList(_ListMixin):
    """A list of parameters (Tensors given are made Parameters); indexed, appended and iterated as a list."""

    _convert = staticmethod(_as_parameter)

    def __init__(self, values: Iterable | None = None) -> None:
        super().__init__()
        self.extend(values or [])

    def extra_repr(self) -> str:
        return "\n".join(f"  ({k}): Parameter of shape {tuple(v.shape)} ({v.dtype})" for k, v in self._items.items())


class _DictMixin(_Container):
    """String keys: [key], del, in, len, iter over keys, keys/values/items, update, pop, clear."""

    _convert = staticmethod(lambda v: v)

    def __init__(self, values=None) -> None:
        super().__init__()
        if values is not None:
            self.update(values)

    def __getitem__(self, key: str):
        return self._items[key]

    def __setitem__(self, key: str, value) -> None:
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"{type(self).__name__} keys must be non-empty strings without '.', got {key!r}")
        self._items[key] = self._convert(value)

    def __delitem__(self, key: str) -> None:
        del self._items[key]

    def __contains__(self, key) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def keys(self):
        return self._items.keys()

    def values(self):
        return self._items.values()

    def items(self):
        return self._items.items()

    def pop(self, key: str):
        return self._items.pop(key)

    def clear(self) -> None:
        self._items.clear()

    def update(self, values) -> None:
        pairs = values.items() if isinstance(values, Mapping) else values
        for key, value in pairs:
            self[key] = value


class ModuleDict(_DictMixin):
    """Modules by name: ``d['encoder']``; their parameters are named ``<attr>.encoder.weight``."""

    def __init__(self, modules=None) -> None:
        self._convert = lambda m: _as_module(m, "ModuleDict")
        super().__init__(modules)


class ParameterDict(_DictMixin):
    """Parameters by name (Tensors given are made Parameters)."""

    _convert = staticmethod(_as_parameter)
