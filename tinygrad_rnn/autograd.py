"""Autograd: the graph's nodes (``Function``) and the walk that runs backward through them.

An op is a ``Function``: ``forward`` on raw arrays, ``backward`` from the
outputs' gradients.  ``Function.apply`` runs forward on tensors and, when a
gradient is needed, records the node: its inputs (``parents``) and what
backward needs (``saved``).  ``backward`` walks the nodes below a root once,
in reverse topological order (found iteratively: a 100,000-op chain is
fine), applying each node's rule: the chain rule one node at a time.

This file sits below ``tensor.py`` and never imports it: it asks the tensors
it is given to wrap new arrays (``inputs[0].wrap(array)``), so the ops in
``ops/`` subclass ``Function`` and ``tensor.py`` can use the ops.
"""
from __future__ import annotations

import contextlib

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
    def apply(cls, *inputs, **options):
        kind, datas, needs_grad = type(inputs[0].array), [], False
        for t in inputs:  # one pass: the arrays, whether any input needs a gradient, one device for all
            if type(t.array) is not kind:
                _check_same_device(cls.__name__, inputs)
            datas.append(t.array)
            needs_grad = needs_grad or t.requires_grad
        wrap = inputs[0].wrap  # Tensor.wrap: the output arrays become Tensors (this file knows no Tensor)
        ctx = cls()
        out = ctx.forward(*datas, **options)
        if needs_grad and _grad_enabled:
            ctx.parents, ctx.released = inputs, False
            if cls.saves_inputs:
                ctx.versions = tuple(t._version[0] if t._version else 0 for t in inputs)
            if type(out) is tuple:
                ctx.outputs = len(out)
                return tuple(wrap(o, True, ctx, i) for i, o in enumerate(out))
            return wrap(out, True, ctx)
        ctx.release()
        return tuple(wrap(o) for o in out) if type(out) is tuple else wrap(out)

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


def backward(root, seed, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf)·seed into every leaf's ``.grad`` (the walk behind ``Tensor.backward``)."""
    if root._ctx is None:  # backward of a leaf itself
        return _accumulate(root, seed)
    grads = {id(root._ctx): _slot(root._ctx)}
    grads[id(root._ctx)][root._index] = seed
    for ctx in _ops_in_reverse_order(root._ctx):
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


def _accumulate(t, g) -> None:
    """t.grad += g, into a fresh array (astype copies): a gradient never aliases data or another gradient."""
    t.grad = t.wrap(g.astype(t.array.dtype) if t.grad is None else t.grad.array + g)


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
        now = t._version[0] if t._version else 0
        if now != v:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an in-place "
                f"operation: input {i} of {type(node).__name__}, a tensor of shape {t.shape}, is at version "
                f"{now}; expected version {v} instead (an optimizer.step() or an in-place op "
                f"between forward and backward changes what backward would read)")
