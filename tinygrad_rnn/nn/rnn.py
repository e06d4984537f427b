"""RNN, LSTM and GRU over whole sequences: multi-layer, bidirectional, torch's API and weights.

Each layer and direction runs one of two implementations of the same math:
``impl="fused"`` (default) calls one hand-derived BPTT Function per layer and
direction (``tinygrad_rnn.fused``); ``impl="unrolled"`` calls the cell's step
function (``cells.py``) once per time step, so autograd does BPTT and every
hidden state is a Tensor (kept in ``.step_states`` after a forward, to
inspect gradients through time).  Switch at any time: ``model.impl = "unrolled"``.

Shapes, as torch: input (seq, batch, input_size), or (batch, seq, input_size)
with ``batch_first``, or (seq, input_size) unbatched; hidden states
(num_layers · num_directions, batch, hidden_size).  A reverse direction reads
the sequence backwards and its outputs are put back in forward order.
"""
from __future__ import annotations

import numpy as np

from ..fused import FusedGRU, FusedLSTM, FusedRNN
from ..ops import concatenate, dropout, stack
from ..tensor import Tensor
from .cells import GATES, check_like, check_size, gru_step, lstm_step, recurrent_weights, rnn_step, zero_state
from .module import Module

IMPLS = ("fused", "unrolled")


class RNNBase(Module):
    mode = "RNN"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, *,
                 nonlinearity: str = "tanh", impl: str = "fused", dtype=np.float32):
        name = type(self).__name__
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: {arg} must be a positive integer, got {value!r}")
        if not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout}")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"{name}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.nonlinearity = bidirectional, nonlinearity
        self.impl = impl
        self.step_states: dict = {}
        for layer in range(num_layers):
            for suffix in self._suffixes():
                in_size = input_size if layer == 0 else hidden_size * len(self._suffixes())
                weights = recurrent_weights(GATES[self.mode], in_size, hidden_size, bias, dtype)
                for kind, w in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), weights):
                    if w is not None:
                        setattr(self, f"{kind}_l{layer}{suffix}", w)

    @property
    def impl(self) -> str:
        """'fused' (hand-derived BPTT, fast) or 'unrolled' (autograd through each step)."""
        return self._impl

    @impl.setter
    def impl(self, value: str) -> None:
        if value not in IMPLS:
            raise ValueError(f"{type(self).__name__}: impl must be one of {IMPLS}, got {value!r}")
        self._impl = value

    def _suffixes(self) -> tuple:
        return ("", "_reverse") if self.bidirectional else ("",)

    def _weights(self, layer: int, suffix: str) -> list:
        kinds = ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if self.bias else ())
        return [getattr(self, f"{k}_l{layer}{suffix}") for k in kinds]

    # ----- checks
    def _check(self, x, hx):
        """Validate input and hx; return x as (seq, batch, feature), the states, and whether unbatched."""
        name, w = type(self).__name__, self.weight_ih_l0
        check_like(name, "input", x, w)
        layout = "(batch, seq, {})" if self.batch_first else "(seq, batch, {})"
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape {layout.format(self.input_size)} or "
                             f"(seq, {self.input_size}), got {x.shape}")
        unbatched = x.ndim == 2
        x = x[:, None] if unbatched else (x.transpose(0, 1) if self.batch_first else x)
        if x.shape[0] == 0:
            raise ValueError(f"{name}: expected a sequence of at least one step, got input of shape {x.shape}")
        n_states = 2 if self.mode == "LSTM" else 1
        layers, batch = self.num_layers * len(self._suffixes()), x.shape[1]
        if hx is None:
            return x, [zero_state(x, (layers, batch, self.hidden_size))] * n_states, unbatched
        expected = (layers,) + (() if unbatched else (batch,)) + (self.hidden_size,)
        states = list(hx) if isinstance(hx, (tuple, list)) else [hx]
        if len(states) != n_states:
            raise ValueError(f"{name}: expected hx as {'(h_0, c_0)' if n_states == 2 else 'one Tensor h_0'}, "
                             f"got {len(states)} tensors")
        for s, label in zip(states, ("h_0", "c_0")):
            check_like(name, label, s, w)
            check_size(name, label, s, expected)
        return x, [s[:, None] if unbatched else s for s in states], unbatched

    # ----- forward
    def _run(self, x: Tensor, state: list, weights: list, key):
        """One layer, one direction: (outputs (T, B, H), final state list)."""
        if self.impl == "fused":  # every fused layer: (x, *state, *weights) -> (outputs, *final_state)
            fn = {"RNN": FusedRNN, "LSTM": FusedLSTM, "GRU": FusedGRU}[self.mode]
            opts = {"nonlinearity": self.nonlinearity} if self.mode == "RNN" else {}
            out, *final = fn.apply(x, *state, *weights, **opts)
            return out, final
        hs = []
        for t in range(x.shape[0]):
            if self.mode == "LSTM":
                state = list(lstm_step(x[t], tuple(state), *weights))
            elif self.mode == "GRU":
                state = [gru_step(x[t], state[0], *weights)]
            else:
                state = [rnn_step(x[t], state[0], *weights, nonlinearity=self.nonlinearity)]
            hs.append(state[0])
        self.step_states[key] = hs
        return stack(hs), state

    def forward(self, input: Tensor, hx=None):
        """Returns (output, h_n), or (output, (h_n, c_n)) for an LSTM, shaped as torch's."""
        x, states, unbatched = self._check(input, hx)
        self.step_states = {}
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(self._suffixes()):
                idx = layer * len(self._suffixes()) + d
                xs = x if d == 0 else x[::-1]
                out, final = self._run(xs, [s[idx] for s in states], self._weights(layer, suffix), (layer, d))
                outs.append(out if d == 0 else out[::-1])
                for f, lst in zip(final, finals):
                    lst.append(f)
            x = outs[0] if len(outs) == 1 else concatenate(outs, axis=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout)
        output = x[:, 0] if unbatched else (x.transpose(0, 1) if self.batch_first else x)
        h = [stack(lst)[:, 0] if unbatched else stack(lst) for lst in finals]
        return output, (tuple(h) if self.mode == "LSTM" else h[0])

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        for arg, default in (("num_layers", 1), ("bias", True), ("batch_first", False), ("dropout", 0.0),
                             ("bidirectional", False)):
            if getattr(self, arg) != default:
                s += f", {arg}={getattr(self, arg)}"
        if self.mode == "RNN" and self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s + ("" if self.impl == "fused" else f", impl={self.impl!r}")


class RNN(RNNBase):
    """Elman RNN: h_t = φ(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), φ = tanh or relu (``nonlinearity``)."""

    mode = "RNN"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 *, impl: str = "fused", dtype=np.float32):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         nonlinearity=nonlinearity, impl=impl, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber 1997), gates i, f, g, o as torch; hx = (h_0, c_0)."""

    mode = "LSTM"


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al. 2014), gates r, z, n as torch."""

    mode = "GRU"
