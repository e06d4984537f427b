"""One step of each recurrent cell, composed of engine ops, and the Cell modules built on it.

These step functions are the *unrolled* path: calling one per time step
builds the BPTT graph node by node, and autograd differentiates it.  The
fused path (``tinygrad_rnn.fused``) computes the same numbers with the
derivative written out; tests hold the two equal.

    RNN:   h' = φ(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh),  φ = tanh or relu
    LSTM:  [i, f, g, o] = [σ, σ, tanh, σ](x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)
           c' = f c + i g,   h' = o tanh(c')
    GRU:   [p_r, p_z, p_n] = x W_ihᵀ + b_ih,   [q_r, q_z, q_n] = h W_hhᵀ + b_hh
           r = σ(p_r + q_r),  z = σ(p_z + q_z),  n = tanh(p_n + r q_n),  h' = (1 - z) n + z h
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import array_module
from ..tensor import Tensor
from . import init
from .module import Module, Parameter


def _affine(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    y = x @ w.T
    return y if b is None else y + b


def rnn_step(x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity: str = "tanh") -> Tensor:
    a = _affine(x, w_ih, b_ih) + _affine(h, w_hh, b_hh)
    return a.tanh() if nonlinearity == "tanh" else a.relu()


def lstm_step(x, state, w_ih, w_hh, b_ih=None, b_hh=None) -> tuple[Tensor, Tensor]:
    h, c = state
    a = _affine(x, w_ih, b_ih) + _affine(h, w_hh, b_hh)
    H = h.shape[-1]
    i, f = a[..., :H].sigmoid(), a[..., H: 2 * H].sigmoid()
    g, o = a[..., 2 * H: 3 * H].tanh(), a[..., 3 * H:].sigmoid()
    c = f * c + i * g
    return o * c.tanh(), c


def gru_step(x, h, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    p, q = _affine(x, w_ih, b_ih), _affine(h, w_hh, b_hh)
    H = h.shape[-1]
    r = (p[..., :H] + q[..., :H]).sigmoid()
    z = (p[..., H: 2 * H] + q[..., H: 2 * H]).sigmoid()
    n = (p[..., 2 * H:] + r * q[..., 2 * H:]).tanh()
    return n + z * (h - n)


GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def recurrent_weights(gates: int, input_size: int, hidden_size: int, bias: bool, dtype) -> list[Parameter | None]:
    """[W_ih (G·H, I), W_hh (G·H, H), b_ih, b_hh] drawn from U(-1/√H, 1/√H), torch's init."""
    k = 1 / math.sqrt(hidden_size)
    shapes = [(gates * hidden_size, input_size), (gates * hidden_size, hidden_size)]
    shapes += [(gates * hidden_size,)] * 2 if bias else []
    return [init.uniform_(Parameter(np.empty(s, dtype)), -k, k) for s in shapes] + [None] * (4 - len(shapes))


def check_size(name: str, what: str, t: Tensor, expected: tuple) -> None:
    if t.shape != expected:
        raise ValueError(f"{name}: expected {what} of shape {expected}, got {t.shape}")


def check_like(name: str, what: str, t, weight: Tensor) -> None:
    """A Tensor of the weights' dtype and device, or a clear error naming both."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: expected {what} to be a Tensor, got {type(t).__name__}")
    if t.dtype != weight.dtype:
        raise TypeError(f"{name}: expected {what} of dtype {weight.dtype} (the parameters'), got {t.dtype}")
    if t.device != weight.device:
        raise ValueError(f"{name}: expected {what} on device {weight.device!r} (the parameters'), got {t.device!r}")


def zero_state(like: Tensor, shape: tuple) -> Tensor:
    """A constant zero hidden state on ``like``'s device and dtype."""
    return Tensor._make(array_module(like.array).zeros(shape, dtype=like.dtype))


class RNNCellBase(Module):
    mode = "RNN"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype=np.float32):
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh = recurrent_weights(
            GATES[self.mode], input_size, hidden_size, bias, dtype)

    def _weights(self):
        return [w for w in (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh) if w is not None]

    def _prepare(self, x: Tensor, hx):
        """Check shapes; unbatched (I,) input becomes (1, I); a missing state becomes zeros."""
        name = type(self).__name__
        check_like(name, "input", x, self.weight_ih)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape (batch, {self.input_size}) or ({self.input_size},), "
                             f"got {x.shape}")
        batch = x.shape[:-1]
        states = hx if isinstance(hx, tuple) else (hx,)
        n = 2 if self.mode == "LSTM" else 1
        if hx is None:
            states = (zero_state(x, batch + (self.hidden_size,)),) * n
        if len(states) != n:
            raise ValueError(f"{name}: expected hx as {'(h, c)' if n == 2 else 'one Tensor'}, got {len(states)}")
        for s in states:
            check_like(name, "hidden state", s, self.weight_ih)
            check_size(name, "hidden state", s, batch + (self.hidden_size,))
        return x, states

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    """h' = φ(W_ih x + b_ih + W_hh h + b_hh) for one step; input (batch, input_size), hx (batch, hidden)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 dtype=np.float32):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, x: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,) = self._prepare(x, hx)
        return rnn_step(x, h, *self._weights(), nonlinearity=self.nonlinearity)


class LSTMCell(RNNCellBase):
    """(h', c') from (x, (h, c)) for one step, gates i, f, g, o as torch."""

    mode = "LSTM"

    def forward(self, x: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        x, state = self._prepare(x, hx)
        return lstm_step(x, state, *self._weights())


class GRUCell(RNNCellBase):
    """h' from (x, h) for one step, gates r, z, n as torch."""

    mode = "GRU"

    def forward(self, x: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,) = self._prepare(x, hx)
        return gru_step(x, h, *self._weights())
