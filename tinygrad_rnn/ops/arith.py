"""Arithmetic ops: + - * / neg, pow by a scalar, and matmul.

Each op broadcasts like NumPy; the gradient of broadcasting is a sum over
the broadcast axes, which ``unbroadcast`` performs, so every input receives
a gradient of its own shape.
"""
from __future__ import annotations

from ..backend import array_module
from ..tensor import Function


def unbroadcast(grad, shape: tuple):
    """Sum ``grad`` down to ``shape``: undo NumPy broadcasting (leading axes and size-1 axes)."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes).reshape(shape)


class Add(Function):
    """add: y = a + b;   dL/da = dL/dy,   dL/db = dL/dy   (each unbroadcast to its input's shape)"""

    saves_inputs = False  # backward reads no input array

    def forward(self, a, b):
        self.saved = None if a.shape == b.shape else (a.shape, b.shape)  # None: nothing was broadcast
        return a + b

    def backward(self, g):
        if self.saved is None:
            return g, g
        sa, sb = self.saved
        return unbroadcast(g, sa), unbroadcast(g, sb)


class Sub(Function):
    """sub: y = a - b;   dL/da = dL/dy,   dL/db = -dL/dy"""

    saves_inputs = False  # backward reads no input array

    def forward(self, a, b):
        self.saved = None if a.shape == b.shape else (a.shape, b.shape)  # None: nothing was broadcast
        return a - b

    def backward(self, g):
        if self.saved is None:
            return g, -g
        sa, sb = self.saved
        return unbroadcast(g, sa), unbroadcast(-g, sb)


class Mul(Function):
    """mul: y = a * b;   dL/da = dL/dy * b,   dL/db = dL/dy * a"""

    def forward(self, a, b):
        self.saved = (a, b)
        return a * b

    def backward(self, g):
        a, b = self.saved
        return unbroadcast(g * b, a.shape), unbroadcast(g * a, b.shape)


class Div(Function):
    """div: y = a / b;   dL/da = dL/dy / b,   dL/db = -dL/dy * a / b**2"""

    def forward(self, a, b):
        self.saved = (a, b)
        return a / b

    def backward(self, g):
        a, b = self.saved
        ga = g / b
        return unbroadcast(ga, a.shape), unbroadcast(-ga * a / b, b.shape)


class Neg(Function):
    """neg: y = -x;   dL/dx = -dL/dy"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x):
        return -x

    def backward(self, g):
        return (-g,)


class Pow(Function):
    """pow by a constant: y = x**p;   dL/dx = dL/dy * p * x**(p-1)"""

    def forward(self, x, exponent: float):
        self.saved = (x, exponent)
        return x ** exponent

    def backward(self, g):
        x, p = self.saved
        return (g * p * x ** (p - 1),)


class MatMul(Function):
    """matmul: y = a @ b;   dL/da = dL/dy @ bᵀ,   dL/db = aᵀ @ dL/dy

    A 1-D operand is a row (a) or a column (b) for the duration, as NumPy does;
    batch axes broadcast and are unbroadcast in the gradient.
    """

    def forward(self, a, b):
        self.saved = (a, b)
        if a.ndim > 2 and b.ndim == 2:  # (..., k) @ (k, n): one matrix product, not one per leading index
            return (a.reshape(-1, a.shape[-1]) @ b).reshape(a.shape[:-1] + b.shape[-1:])
        return a @ b

    def backward(self, g):
        a, b = self.saved
        xp = array_module(g)
        if a.ndim > 2 and b.ndim == 2:
            a2, g2 = a.reshape(-1, a.shape[-1]), g.reshape(-1, g.shape[-1])
            return (g2 @ b.T).reshape(a.shape), a2.T @ g2
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if b.ndim == 1:
            g = xp.expand_dims(g, -1)
        if a.ndim == 1:
            g = xp.expand_dims(g, -2)
        ga = g @ xp.swapaxes(b2, -1, -2)
        gb = xp.swapaxes(a2, -1, -2) @ g
        return unbroadcast(ga, a2.shape).reshape(a.shape), unbroadcast(gb, b2.shape).reshape(b.shape)
