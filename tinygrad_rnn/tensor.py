"""Tensor and the graph: reverse-mode autograd in one file.

A ``Tensor`` holds an array (``.array``, NumPy or CuPy) and, when it was made
by an op on tensors that require gradients, the ``Function`` that made it
(``._ctx``).  Those functions link back to their inputs, so every result
carries the graph that produced it.  ``backward()`` walks that graph once in
reverse topological order (found iteratively: a 100,000-op chain is fine)
and applies each function's ``backward`` rule, the chain rule one node at a
time.  Ops live in ``ops/``; this file knows none of them.
"""
from __future__ import annotations

import contextlib
import weakref

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
    """One op: ``forward`` on raw arrays, ``backward`` from the outputs' gradients.

    Subclasses write ``forward(self, *arrays, **options)`` returning one array,
    or a tuple of arrays for an op with several outputs, and
    ``backward(self, *grads)`` taking one gradient per output (None for an
    output that received none) and returning one gradient, or None, per
    input; whatever backward needs, forward keeps in ``self.saved``.
    ``apply`` runs forward and records the node when a gradient is needed;
    it returns a Tensor, or a tuple of Tensors for several outputs.

    An op whose backward reads its inputs' arrays (``saves_inputs``, the
    default) records their version counters: an in-place change to one of
    them before backward is caught there instead of giving a wrong gradient.
    """

    __slots__ = ("parents", "saved", "released", "__dict__")
    saves_inputs = True   # False for ops whose backward needs no input array (add, reshape, ...)
    outputs = 1           # set per node by apply when forward returns a tuple
    versions = None       # the inputs' version counters at forward time (saves_inputs ops)
    retained = ()         # weak references to outputs whose .grad is kept (retain_grad)

    def release(self) -> None:
        """Free what forward saved (after backward, or at once when no graph is recorded)."""
        self.saved, self.released = None, True

    @classmethod
    def apply(cls, *inputs: "Tensor", **options):
        kind, datas, needs_grad = type(inputs[0].array), [], False
        for t in inputs:  # one pass: the arrays, whether any input needs a gradient, one device for all
            if type(t.array) is not kind:
                _check_same_device(cls.__name__, inputs)
            datas.append(t.array)
            needs_grad = needs_grad or t.requires_grad
        ctx = cls()
        out = ctx.forward(*datas, **options)
        if needs_grad and _grad_enabled:
            ctx.parents, ctx.released = inputs, False
            if cls.saves_inputs:
                ctx.versions = tuple(t._version and t._version[0] for t in inputs)
            if type(out) is tuple:
                ctx.outputs = len(out)
                return tuple(_make(o, True, ctx, i) for i, o in enumerate(out))
            return _make(out, True, ctx)
        ctx.release()
        return tuple(_make(o) for o in out) if type(out) is tuple else _make(out)

    def forward(self, *arrays, **options):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, *grads):  # pragma: no cover - abstract
        raise NotImplementedError


def _check_same_device(name: str, inputs) -> None:
    devices = [backend.device_of(t.array) for t in inputs]
    if len(set(devices)) > 1:
        raise backend.DeviceError(
            f"{name}: expected all tensors on one device, got {', '.join(devices)}; "
            "move them with .to(device)")


def _float_dtype(dtype) -> bool:
    return np.dtype(dtype).kind == "f"


class Tensor:
    """An array with an optional gradient and the graph that made it.

    ``Tensor(data, requires_grad=False, device=None, dtype=None)`` copies
    ``data``, as ``torch.tensor`` does (``from_numpy`` shares instead).
    Python floats and lists of floats become float32 and lists of ints int64
    (as torch); NumPy/CuPy arrays and NumPy scalars keep their dtype unless
    ``dtype`` is given.

    Where things live: ``.array`` is the raw NumPy/CuPy array;  ``.data`` is
    torch's: a Tensor sharing that memory, cut from the graph;  ``.grad`` a
    Tensor or None.  ``_version`` counts in-place changes (None until the first
    change or alias, then a one-element list shared with ``detach()``-ed
    aliases), so backward can refuse a graph whose
    saved inputs were overwritten.
    """

    __slots__ = ("array", "grad", "requires_grad", "_ctx", "_index", "_version", "__weakref__")
    __array_priority__ = 1000  # ndarray + Tensor calls Tensor.__radd__

    def __init__(self, data, requires_grad: bool = False, device: str | None = None, dtype=None):
        if isinstance(data, Tensor):
            data = data.array
        if device is None and not isinstance(data, np.ndarray) and hasattr(data, "__cuda_array_interface__"):
            device = "cuda"
        device = backend.check_device(device)
        xp = backend.module_for(device)
        if isinstance(data, np.generic):
            data = np.asarray(data)
        if isinstance(data, np.ndarray) or hasattr(data, "__cuda_array_interface__"):
            data = backend.to_device(data, device)
            data = data.astype(data.dtype if dtype is None else dtype, copy=True)  # a copy, as torch.tensor
        else:
            data = np.asarray(data, dtype=dtype)
            if dtype is None and data.dtype == np.float64:
                data = data.astype(np.float32)
            data = backend.to_device(data, device) if device != "cpu" else data
        if requires_grad and not _float_dtype(data.dtype):
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {data.dtype}")
        self.array, self.grad, self.requires_grad = xp.asarray(data), None, requires_grad
        self._ctx, self._index, self._version = None, 0, None

    @staticmethod
    def _make(data, requires_grad: bool = False, ctx: Function | None = None, index: int = 0) -> "Tensor":
        """Wrap an op's output array without the checks of ``__init__`` (the hot path)."""
        t = _new(Tensor)
        t.array, t.grad, t.requires_grad, t._ctx, t._index, t._version = data, None, requires_grad, ctx, index, None
        return t

    # ----- what a tensor is
    shape = property(lambda self: tuple(self.array.shape))
    dtype = property(lambda self: self.array.dtype)
    ndim = property(lambda self: self.array.ndim)
    device = property(lambda self: backend.device_of(self.array))
    is_leaf = property(lambda self: self._ctx is None)

    def size(self, dim: int | None = None):
        """The shape (torch's ``size()``), or its length along ``dim``."""
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        """The number of elements."""
        return int(self.array.size)

    def dim(self) -> int:
        """The number of dimensions."""
        return self.array.ndim

    @property
    def data(self) -> "Tensor":
        """torch's ``.data``: a Tensor sharing this one's memory, with no graph and its own version counter.

        Changes made through it are not seen by autograd (as torch): use it for
        updates that must not be recorded, e.g. ``p.data.add_(p.grad, alpha=-lr)``.
        The raw array is ``.array``.
        """
        return _make(self.array)

    @data.setter
    def data(self, value) -> None:
        self.array = value.array if isinstance(value, Tensor) else value

    def __len__(self) -> int:
        return len(self.array)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        dev = "" if self.device == "cpu" else f", device={self.device!r}"
        body = np.array2string(self.numpy(), separator=", ", prefix="Tensor(")
        return f"Tensor({body}, dtype={self.dtype}{dev}{grad})"

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (copied from the GPU when it lives there)."""
        return backend.to_numpy(self.array)

    def item(self) -> float:
        if self.array.size != 1:
            raise ValueError(f"item() needs a tensor of one element, got shape {self.shape}")
        return self.array.item()

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (shares memory and the version counter, as torch)."""
        t = _make(self.array)
        if self._version is None:
            self._version = [0]
        t._version = self._version
        return t

    def to(self, device: str | None = None, dtype=None) -> "Tensor":
        """A copy on ``device`` and/or of ``dtype`` (self when nothing changes); differentiable."""
        from .ops.shape import To
        return To.apply(self, device=backend.check_device(device or self.device), dtype=dtype)

    def retain_grad(self) -> None:
        """Keep this intermediate's ``.grad`` after backward (leaves always keep theirs)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        ctx = self._ctx
        if ctx is not None and all(r() is not self for r in ctx.retained):
            ctx.retained = ctx.retained + (weakref.ref(self),)

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        if flag and not _float_dtype(self.dtype):
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.dtype}")
        self.requires_grad = flag
        return self

    def _bump_version(self) -> None:
        """Record an in-place change of ``array`` (graphs that saved the old values will refuse backward)."""
        if self._version is None:
            self._version = [1]
        else:
            self._version[0] += 1

    # ----- backpropagation
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (chain rule, reverse order).

        ``grad`` is the upstream gradient, needed when self is not a scalar.
        Saved arrays are freed afterwards unless ``retain_graph=True``.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad (no graph to walk)")
        if grad is None:
            if self.array.size != 1:
                raise RuntimeError(f"backward() of a non-scalar of shape {self.shape} needs a gradient argument")
            seed = backend.array_module(self.array).ones_like(self.array)
        else:
            seed = grad.array if isinstance(grad, Tensor) else grad
            if seed.shape != self.array.shape:
                raise ValueError(f"backward(): gradient of shape {tuple(seed.shape)} "
                                 f"for a tensor of shape {self.shape}")
        if self._ctx is None:  # backward of a leaf itself
            return _accumulate(self, seed)
        grads = {id(self._ctx): _slot(self._ctx)}
        grads[id(self._ctx)][self._index] = seed
        for ctx in _ops_in_reverse_order(self._ctx):
            gs = grads.pop(id(ctx), None)
            if gs is None:
                continue
            for ref in ctx.retained:
                t = ref()
                if t is not None and gs[t._index] is not None:
                    _accumulate(t, gs[t._index])
            for parent, pg in zip(ctx.parents, ctx.backward(*gs)):
                if pg is None or not parent.requires_grad:
                    continue
                pctx = parent._ctx
                if pctx is None:  # a leaf: nothing further up, so it takes its share at once
                    _accumulate(parent, pg)
                    continue
                slot = grads.get(id(pctx))
                if slot is None:
                    slot = grads[id(pctx)] = _slot(pctx)
                i = parent._index
                slot[i] = pg if slot[i] is None else slot[i] + pg
            if not retain_graph:
                ctx.release()


def _slot(ctx: Function) -> list:
    """One place per output of ``ctx`` for the gradient arriving there (None until one does)."""
    return [None] * ctx.outputs


def _accumulate(t: Tensor, g) -> None:
    """t.grad += g, into a fresh array (astype copies): a gradient never aliases data or another gradient."""
    t.grad = _make(g.astype(t.array.dtype) if t.grad is None else t.grad.array + g)


_new, _make = object.__new__, Tensor._make  # hot-path shortcuts (no attribute lookup per op)


def _ops_in_reverse_order(root: Function) -> list[Function]:
    """The op nodes that need a gradient, each after every node that uses one of its outputs.

    An iterative depth-first post-order, reversed.  Leaves are left out: they
    use nothing, so backward hands them their gradient the moment it arrives.
    A node whose saved arrays were freed, or whose saved inputs were changed
    in place since forward, stops it here, before anything is written.
    """
    order, visited, stack = [], {id(root)}, [(root, iter(root.parents))]
    while stack:
        node, inputs = stack[-1]
        for p in inputs:  # resumes where it left off when node is back on top
            pctx = p._ctx
            if pctx is not None and p.requires_grad and id(pctx) not in visited:
                visited.add(id(pctx))
                stack.append((pctx, iter(pctx.parents)))
                break
        else:  # every input of node is ordered: node goes after them
            if node.released:  # checked for all before any gradient is computed or written
                raise RuntimeError("backward through the graph a second time: its saved arrays were freed; "
                                   "call backward(retain_graph=True) the first time")
            if node.versions is not None:
                _check_versions(node)
            order.append(node)
            stack.pop()
    order.reverse()
    return order


def _check_versions(node: Function) -> None:
    for i, (t, v) in enumerate(zip(node.parents, node.versions)):
        now = t._version and t._version[0]
        if now != v:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an in-place "
                f"operation: input {i} of {type(node).__name__}, a tensor of shape {t.shape}, is at version "
                f"{now}; expected version {v} instead (an optimizer.step() or an in-place op "
                f"between forward and backward changes what backward would read)")
