"""Elementwise functions: exp, log, tanh, sigmoid, relu, abs, sqrt, clamp; their functional forms below.

Each saves the one array its derivative needs: for exp, tanh and sigmoid
that is the output itself, which is why recurrent cells are cheap to
differentiate.  Integer inputs of the transcendental ones compute in
float32 (as torch).
"""
from __future__ import annotations

from .. import dtypes
from ..backend import array_module
from ..tensor import Function, Tensor


class Exp(Function):
    """exp: y = e**x;   dL/dx = dL/dy * y"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x):
        y = self.saved = array_module(x).exp(x)
        return y

    def backward(self, g):
        return (g * self.saved,)


class Log(Function):
    """log: y = ln x;   dL/dx = dL/dy / x"""

    def forward(self, x):
        self.saved = x
        return array_module(x).log(x)

    def backward(self, g):
        return (g / self.saved,)


class Tanh(Function):
    """tanh: y = tanh x;   dL/dx = dL/dy * (1 - y**2)"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x):
        y = self.saved = array_module(x).tanh(x)
        return y

    def backward(self, g):
        y = self.saved
        return (g * (1 - y * y),)


class Sigmoid(Function):
    """sigmoid: y = 1 / (1 + e**-x);   dL/dx = dL/dy * y * (1 - y)

    Computed as (1 + tanh(x/2)) / 2, which equals it and never overflows.
    """

    saves_inputs = False  # backward reads no input array

    def forward(self, x):
        y = self.saved = sigmoid_array(x)
        return y

    def backward(self, g):
        y = self.saved
        return (g * y * (1 - y),)


class Relu(Function):
    """relu: y = max(x, 0);   dL/dx = dL/dy * [x > 0]"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x):
        self.saved = x > 0
        return x * self.saved

    def backward(self, g):
        return (g * self.saved,)


class Abs(Function):
    """abs: y = |x|;   dL/dx = dL/dy * sign(x)   (0 at x = 0, as torch)"""

    saves_inputs = False  # backward reads the sign saved at forward

    def forward(self, x):
        self.saved = array_module(x).sign(x)
        return x * self.saved  # |x| = x sign(x), in x's dtype

    def backward(self, g):
        return (g * self.saved,)


class Sqrt(Function):
    """sqrt: y = √x;   dL/dx = dL/dy / (2 y)"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x):
        y = self.saved = array_module(x).sqrt(x)
        return y

    def backward(self, g):
        return (g / (2 * self.saved),)


class Clamp(Function):
    """clamp: y = min(max(x, lo), hi);   dL/dx = dL/dy * [lo <= x <= hi]"""

    saves_inputs = False  # backward reads the mask saved at forward

    def forward(self, x, lo=None, hi=None):
        xp = array_module(x)
        inside = xp.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        self.saved = inside
        return xp.clip(x, lo, hi).astype(x.dtype, copy=False)

    def backward(self, g):
        return (g * self.saved,)


def sigmoid_array(x):
    """σ(x) on a raw array, overflow-free: σ(x) = (1 + tanh(x/2)) / 2."""
    return sigmoid_(x.copy())


def sigmoid_(x):
    """σ(x) computed in place in ``x`` (a view works too), and returned."""
    x *= 0.5
    array_module(x).tanh(x, out=x)
    x *= 0.5
    x += 0.5
    return x



# ----- functional forms
def _floating(x: Tensor) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"expected a Tensor, got {type(x).__name__}")
    return x if x.array.dtype.kind == "f" else x.to(dtype=dtypes.DEFAULT_FLOAT)


def exp(x: Tensor) -> Tensor:
    return Exp.apply(_floating(x))


def log(x: Tensor) -> Tensor:
    return Log.apply(_floating(x))


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(_floating(x))


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(_floating(x))


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(_floating(x))


def relu(x: Tensor) -> Tensor:
    return Relu.apply(x)


def abs(x: Tensor) -> Tensor:  # noqa: A001 - torch's name
    return Abs.apply(x)


def clamp(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - torch's argument names
    """Limit every element to [min, max] (either may be None, not both)."""
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min and max")
    for name, v in (("min", min), ("max", max)):
        if v is not None and not isinstance(v, (int, float)):
            raise TypeError(f"clamp: expected {name} to be a number or None, got {type(v).__name__}")
    result = dtypes.result_type(x, *(v for v in (min, max) if v is not None))  # int.clamp(0.5) is float (torch)
    if result != x.dtype:
        x = x.to(dtype=result)
    return Clamp.apply(x, lo=min, hi=max)
