"""Tensor and the graph: reverse-mode autograd in one file.

A ``Tensor`` holds an array (``.data``, NumPy or CuPy) and, when it was made
by an op on tensors that require gradients, the ``Function`` that made it
(``._ctx``).  Those functions link back to their inputs, so every result
carries the graph that produced it.  ``backward()`` walks that graph once in
reverse topological order (found iteratively: a 100,000-op chain is fine)
and applies each function's ``backward`` rule, the chain rule one node at a
time.  Ops live in ``ops/``; this file knows none of them.
"""
from __future__ import annotations

import contextlib

import numpy as np

from . import backend

_grad_enabled = True


@contextlib.contextmanager
def no_grad():
    """Within this block ops record no graph (as ``torch.no_grad``)."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    return _grad_enabled


class Function:
    """One op: ``forward`` on raw arrays, ``backward`` from the output's gradient.

    Subclasses write ``forward(self, *arrays, **options) -> array`` and
    ``backward(self, grad) -> tuple`` (one gradient, or None, per input);
    whatever backward needs, forward keeps in ``self.saved``.
    ``apply`` runs forward and records the node when a gradient is needed.
    """

    __slots__ = ("parents", "saved", "released")

    def release(self) -> None:
        """Free what forward saved (after backward, or at once when no graph is recorded)."""
        self.saved, self.released = None, True

    @classmethod
    def apply(cls, *inputs: "Tensor", **options) -> "Tensor":
        kind, datas, needs_grad = type(inputs[0].data), [], False
        for t in inputs:  # one pass: the arrays, whether any input needs a gradient, one device for all
            if type(t.data) is not kind:
                _check_same_device(cls.__name__, inputs)
            datas.append(t.data)
            needs_grad = needs_grad or t.requires_grad
        ctx = cls()
        out = ctx.forward(*datas, **options)
        if needs_grad and _grad_enabled:
            ctx.parents, ctx.released = inputs, False
            return _make(out, True, ctx)
        ctx.release()
        return _make(out)

    def forward(self, *arrays, **options):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad):  # pragma: no cover - abstract
        raise NotImplementedError


def _check_same_device(name: str, inputs) -> None:
    devices = [backend.device_of(t.data) for t in inputs]
    if len(set(devices)) > 1:
        raise backend.DeviceError(
            f"{name}: expected all tensors on one device, got {', '.join(devices)}; "
            "move them with .to(device)")


def _float_dtype(dtype) -> bool:
    return np.dtype(dtype).kind == "f"


class Tensor:
    """An array with an optional gradient and the graph that made it.

    ``Tensor(data, requires_grad=False, device=None, dtype=None)``: Python
    floats and lists of floats become float32 and lists of ints int64 (as
    torch); NumPy/CuPy arrays and NumPy scalars keep their dtype unless
    ``dtype`` is given.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retains_grad", "__weakref__")
    __array_priority__ = 1000  # ndarray + Tensor calls Tensor.__radd__

    def __init__(self, data, requires_grad: bool = False, device: str | None = None, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        if device is None and not isinstance(data, np.ndarray) and hasattr(data, "__cuda_array_interface__"):
            device = "cuda"
        device = backend.check_device(device)
        xp = backend.module_for(device)
        if isinstance(data, np.generic):
            data = np.asarray(data)
        if isinstance(data, np.ndarray) or hasattr(data, "__cuda_array_interface__"):
            data = backend.to_device(data, device)
            if dtype is not None:
                data = data.astype(dtype, copy=False)
        else:
            data = np.asarray(data, dtype=dtype)
            if dtype is None and data.dtype == np.float64:
                data = data.astype(np.float32)
            data = backend.to_device(data, device) if device != "cpu" else data
        if requires_grad and not _float_dtype(data.dtype):
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {data.dtype}")
        self.data, self.grad, self.requires_grad = xp.asarray(data), None, requires_grad
        self._ctx, self._retains_grad = None, False

    @staticmethod
    def _make(data, requires_grad: bool = False, ctx: Function | None = None) -> "Tensor":
        """Wrap an op's output array without the checks of ``__init__`` (the hot path)."""
        t = _new(Tensor)
        t.data, t.grad, t.requires_grad, t._ctx, t._retains_grad = data, None, requires_grad, ctx, False
        return t

    # ----- what a tensor is
    shape = property(lambda self: tuple(self.data.shape))
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    device = property(lambda self: backend.device_of(self.data))
    is_leaf = property(lambda self: self._ctx is None)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        dev = "" if self.device == "cpu" else f", device={self.device!r}"
        body = np.array2string(self.numpy(), separator=", ", prefix="Tensor(")
        return f"Tensor({body}, dtype={self.dtype}{dev}{grad})"

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (copied from the GPU when it lives there)."""
        return backend.to_numpy(self.data)

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor of one element, got shape {self.shape}")
        return self.data.item()

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (shares memory, as torch)."""
        return Tensor._make(self.data)

    def to(self, device: str | None = None, dtype=None) -> "Tensor":
        """A copy on ``device`` and/or of ``dtype`` (self when nothing changes); differentiable."""
        from .ops.shape import To
        return To.apply(self, device=backend.check_device(device or self.device), dtype=dtype)

    def retain_grad(self) -> None:
        """Keep this intermediate's ``.grad`` after backward (leaves always keep theirs)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        self._retains_grad = True

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        if flag and not _float_dtype(self.dtype):
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.dtype}")
        self.requires_grad = flag
        return self

    # ----- backpropagation
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (chain rule, reverse order).

        ``grad`` is the upstream gradient, needed when self is not a scalar.
        Saved arrays are freed afterwards unless ``retain_graph=True``.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad (no graph to walk)")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward() of a non-scalar of shape {self.shape} needs a gradient argument")
            seed = backend.array_module(self.data).ones_like(self.data)
        else:
            seed = grad.data if isinstance(grad, Tensor) else grad
            if seed.shape != self.data.shape:
                raise ValueError(f"backward(): gradient of shape {tuple(seed.shape)} "
                                 f"for a tensor of shape {self.shape}")
        if self._ctx is None:  # backward of a leaf itself
            return _accumulate(self, seed)
        grads = {id(self): seed}
        for node in _ops_in_reverse_order(self):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node._retains_grad:
                _accumulate(node, g)
            ctx = node._ctx
            for parent, pg in zip(ctx.parents, ctx.backward(g)):
                if pg is None or not parent.requires_grad:
                    continue
                if parent._ctx is None:  # a leaf: nothing further up, so it takes its share at once
                    _accumulate(parent, pg)
                else:
                    key = id(parent)
                    prev = grads.get(key)
                    grads[key] = pg if prev is None else prev + pg
            if not retain_graph:
                ctx.release()


def _accumulate(t: Tensor, g) -> None:
    """t.grad += g, into a fresh array (astype copies): a gradient never aliases data or another gradient."""
    t.grad = _make(g.astype(t.data.dtype) if t.grad is None else t.grad.data + g)


_new, _make = object.__new__, Tensor._make  # hot-path shortcuts (no attribute lookup per op)


def _ops_in_reverse_order(root: Tensor) -> list[Tensor]:
    """The op-made nodes that need a gradient, each after every node that uses it.

    An iterative depth-first post-order, reversed.  Leaves are left out: they
    use nothing, so backward hands them their gradient the moment it arrives.
    A node whose saved arrays were freed stops it here, before anything is written.
    """
    order, visited, stack = [], set(), [(root, iter(root._ctx.parents))]
    while stack:
        node, inputs = stack[-1]
        for p in inputs:  # resumes where it left off when node is back on top
            if p._ctx is not None and p.requires_grad and id(p) not in visited:
                visited.add(id(p))
                stack.append((p, iter(p._ctx.parents)))
                break
        else:  # every input of node is ordered: node goes after them
            if node._ctx.released:  # checked for all before any gradient is computed or written
                raise RuntimeError("backward through the graph a second time: its saved arrays were freed; "
                                   "call backward(retain_graph=True) the first time")
            order.append(node)
            stack.pop()
    order.reverse()
    return order
