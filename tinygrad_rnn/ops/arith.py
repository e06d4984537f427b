"""Arithmetic ops: + - * / neg, pow by a scalar, and matmul; their functional forms below.

Each op broadcasts like NumPy; the gradient of broadcasting is a sum over
the broadcast axes, which ``unbroadcast`` performs, so every input receives
a gradient of its own shape.  Operands of different dtypes are first
brought to torch's result type (``dtypes.result_type``): ``int * 0.5`` is
float32, ``float32 * 2.0`` stays float32, float32 + float64 is float64.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..backend import array_module
from ..tensor import Function, Tensor


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


# ----- functional forms (Tensor's operators call these)
def lift(value, like: Tensor) -> Tensor:
    """A constant operand as a Tensor on ``like``'s device: a Python number keeps ``like``'s dtype when
    torch's promotion allows (``float32 * 2.0`` is float32), else takes torch's result type."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (int, float, bool)):
        dt = like.array.dtype
        if type(value) is not float or dt.kind != "f":  # ints and bools rarely promote; floats of a float: never
            dt = dtypes.result_type(like, value)
        return Tensor.wrap(array_module(like.array).asarray(value, dtype=dt))
    if isinstance(value, (list, tuple)) or hasattr(value, "__array_interface__"):
        return Tensor(value, device=like.device)
    raise TypeError(f"expected a Tensor or a number as the other operand, got {type(value).__name__}")


def promoted(a, b) -> tuple[Tensor, Tensor]:
    """``a`` and ``b`` as Tensors of one dtype: torch's result type (a differentiable cast when needed)."""
    a = a if isinstance(a, Tensor) else lift(a, b)
    b = b if type(b) is Tensor else lift(b, a)
    if a.array.dtype != b.array.dtype:
        dt = dtypes.result_type(a, b)
        a, b = (a if a.dtype == dt else a.to(dtype=dt)), (b if b.dtype == dt else b.to(dtype=dt))
    return a, b


def add(a, b, alpha=1) -> Tensor:
    """a + alpha * b (torch's ``add``)."""
    a, b = promoted(a, b)
    return Add.apply(a, b if alpha == 1 else b * alpha)


def sub(a, b, alpha=1) -> Tensor:
    """a - alpha * b."""
    a, b = promoted(a, b)
    return Sub.apply(a, b if alpha == 1 else b * alpha)


def mul(a, b) -> Tensor:
    return Mul.apply(*promoted(a, b))


def div(a, b) -> Tensor:
    """True division: integers divide as float32 (as torch)."""
    a, b = promoted(a, b)
    if a.dtype.kind != "f":
        a, b = a.to(dtype=dtypes.DEFAULT_FLOAT), b.to(dtype=dtypes.DEFAULT_FLOAT)
    return Div.apply(a, b)


def neg(x: Tensor) -> Tensor:
    return Neg.apply(x)


def pow(x: Tensor, exponent) -> Tensor:  # noqa: A001 - torch's name
    """x ** exponent for a constant exponent (a Python number)."""
    if isinstance(exponent, Tensor):
        if exponent.ndim or exponent.requires_grad:
            raise TypeError("pow: the exponent must be a Python number (a constant), got a Tensor")
        exponent = exponent.item()
    if not isinstance(exponent, (int, float)):
        raise TypeError(f"pow: the exponent must be a Python number, got {type(exponent).__name__}")
    dt = dtypes.result_type(x, exponent)
    return Pow.apply(x if x.dtype == dt else x.to(dtype=dt), exponent=exponent)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """a @ b with torch's rules (1-D, 2-D, batched); clear errors for dims, sizes and mixed dtypes."""
    for name, t in (("input", a), ("other", b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"matmul: expected {name} to be a Tensor, got {type(t).__name__}")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: expected tensors of at least 1 dimension, got shapes {a.shape} and {b.shape}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"matmul: expected both tensors to have the same dtype, but got {a.dtype} and "
                           f"{b.dtype}; convert one with .to(dtype) (as torch, no silent promotion)")
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != k_b:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align: {a.shape[-1]} (last of the first) "
                         f"!= {k_b} ({'first' if b.ndim == 1 else 'second to last'} of the second)")
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul: batch dimensions of shapes {a.shape} and {b.shape} do not broadcast") from None
    return MatMul.apply(a, b)


def mm(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product of two 2-D tensors (torch.mm)."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor) and a.ndim == 2 and b.ndim == 2):
        raise ValueError(f"mm: expected two 2-D tensors, got {_describe(a)} and {_describe(b)}")
    return matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product of (B, n, k) and (B, k, m) tensors (torch.bmm)."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor) and a.ndim == 3 and b.ndim == 3):
        raise ValueError(f"bmm: expected two 3-D tensors, got {_describe(a)} and {_describe(b)}")
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: batch sizes differ: shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def _describe(t) -> str:
    return f"shape {t.shape}" if isinstance(t, Tensor) else type(t).__name__
