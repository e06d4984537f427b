"""The one-step cells RNNCell, LSTMCell and GRUCell, as torch's: each is its cell type's spec, one step at a time.

A cell's forward is its spec's ``step`` (``elman.py``, ``lstm.py``, ``gru.py``),
composed of engine ops: calling it once per time step builds the BPTT graph
node by node, which is what ``nn.Recurrent`` and the layers' unrolled path do.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .elman import ELMAN
from .gru import GRU_CELL
from .lstm import LSTM_CELL
from .module import Module
from .spec import CellSpec, check_flag, check_like, check_positive_int, check_size, recurrent_weights, zero_state


class RNNCellBase(Module):
    """One step of a cell type (``spec``): input (batch, input_size) or (input_size,), state as the spec's."""

    spec: CellSpec

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, *, dtype=np.float32, **options):
        name = type(self).__name__
        check_positive_int(name, "input_size", input_size)
        check_positive_int(name, "hidden_size", hidden_size)
        check_flag(name, "bias", bias)
        for key, value in self.spec.check_options(name, options).items():
            setattr(self, key, value)  # torch's attribute (RNNCell.nonlinearity)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh = recurrent_weights(
            self.spec.gates, input_size, hidden_size, bias, dtype)

    def _weights(self):
        return [w for w in (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh) if w is not None]

    def initial_state(self, batch: int) -> tuple:
        """The zero state for ``batch`` samples, as the parameters' dtype and device (what hx=None means)."""
        return (zero_state(self.weight_ih, (batch, self.hidden_size)),) * len(self.spec.state)

    def _prepare(self, x: Tensor, hx) -> tuple:
        """Check shapes; a missing state becomes zeros; the state as a tuple."""
        name, n = type(self).__name__, len(self.spec.state)
        check_like(name, "input", x, self.weight_ih)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape (batch, {self.input_size}) or ({self.input_size},), "
                             f"got {x.shape}")
        batch = x.shape[:-1]
        if hx is None:
            return (zero_state(x, batch + (self.hidden_size,)),) * n
        states = hx if isinstance(hx, tuple) else (hx,)
        if len(states) != n:
            wanted = f"({', '.join(self.spec.state)})" if n > 1 else "one Tensor"
            raise ValueError(f"{name}: expected hx as {wanted}, got {len(states)}")
        for s in states:
            check_like(name, "hidden state", s, self.weight_ih)
            check_size(name, "hidden state", s, batch + (self.hidden_size,))
        return states

    def forward(self, x: Tensor, hx=None):
        """The next state: h' (a Tensor), or (h', c') for an LSTM, as torch's cells return."""
        options = self.spec.resolve({key: getattr(self, key) for key in self.spec.options})
        state = self.spec.step(x, self._prepare(x, hx), *self._weights(), **options)
        return state if len(state) > 1 else state[0]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
        for key, allowed in self.spec.options.items():
            if getattr(self, key) != next(iter(allowed)):
                s += f", {key}={getattr(self, key)!r}"
        return s


class RNNCell(RNNCellBase):
    """h' = φ(W_ih x + b_ih + W_hh h + b_hh) for one step; input (batch, input_size), hx (batch, hidden)."""

    spec = ELMAN

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype=dtype, nonlinearity=nonlinearity)


class LSTMCell(RNNCellBase):
    """(h', c') from (x, (h, c)) for one step, gates i, f, g, o as torch."""

    spec = LSTM_CELL


class GRUCell(RNNCellBase):
    """h' from (x, h) for one step, gates r, z, n as torch."""

    spec = GRU_CELL
