"""Elementwise functions: exp, log, tanh, sigmoid, relu.

Each saves the one array its derivative needs: for exp, tanh and sigmoid
that is the output itself, which is why recurrent cells are cheap to
differentiate.
"""
from __future__ import annotations

from ..backend import array_module
from ..tensor import Function


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

