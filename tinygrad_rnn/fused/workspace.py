"""Scratch arrays that the fused layers reuse from one training step to the next.

A fused layer needs a few large arrays per call (the gates of every step, the
states, their gradients), of the same shapes every step.  Allocating them
fresh costs more than it seems: the allocator hands large blocks back to the
operating system, and every new one is paid for again in page faults (a
GRU step of batch 128, hidden 128, 40 steps faulted in ~16 MB per step, about a
fifth of its time).  So the fused Functions take those arrays from this pool
and give them back when the graph releases them (``Function.release``); only
arrays that never leave the Function are pooled, never an output or a gradient.

Arrays are pooled per device ('cpu', 'cuda:0', 'cuda:1', ...): an array
allocated on one GPU is never handed to a computation on another.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import current_device_key, device_key


class Workspace:
    def __init__(self, keep: int = 4):
        self.keep = keep  # free arrays kept per (device, shape, dtype)
        self.free: dict = {}

    def empty(self, xp, shape: tuple, dtype, capacity: int | None = None):
        """An uninitialised array of ``shape``: a reused one when the pool has it.

        ``capacity`` (at least the size of ``shape``): the array is the first elements of a pooled flat array
        of that many, so that shapes which change from call to call (a packed batch has N = Σ lengths rows,
        new nearly every batch) share one pooled array per capacity instead of each pooling its own.
        """
        if capacity is not None:
            # pooled as (capacity, 1, ...), of the request's rank: arrays of different ranks (a loop's per-step
            # blocks, flat; a (G, N) matrix) keep pools of their own, as exact shapes did (sharing cost ~5 %)
            pooled = self.empty(xp, (capacity,) + (1,) * (len(shape) - 1), dtype)
            return pooled.reshape(-1)[: math.prod(shape)].reshape(shape)
        stack = self.free.get((current_device_key(xp), tuple(shape), np.dtype(dtype).str))
        return stack.pop() if stack else xp.empty(shape, dtype=dtype)

    def give(self, *arrays) -> None:
        """Return arrays from ``empty`` to the pool; the caller must hold no other reference that it still uses."""
        for a in arrays:
            a = a if a.base is None else a.base  # a view from empty(capacity=...): its whole pooled array
            stack = self.free.setdefault((device_key(a), tuple(a.shape), a.dtype.str), [])
            if len(stack) < self.keep:
                stack.append(a)

    def clear(self) -> None:
        self.free.clear()


WORKSPACE = Workspace()
