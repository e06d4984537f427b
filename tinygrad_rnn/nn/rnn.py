"""RNN, LSTM and GRU over whole sequences: multi-layer, bidirectional, torch's API and weights.

A layer is a cell type (its ``CellSpec``: ``elman.py``, ``lstm.py``, ``gru.py``)
run over layers and directions; this file only loops.  Each layer and
direction runs one of two implementations of the same math: ``impl="fused"``
(default) calls the spec's hand-derived BPTT Function (``tinygrad_rnn.fused``);
``impl="unrolled"`` calls the spec's step once per time step, so autograd does
BPTT and every hidden state is a Tensor (kept in ``.step_states`` after a
forward, to inspect gradients through time).  Switch at any time:
``model.impl = "unrolled"``.

Shapes, as torch: input (seq, batch, input_size), or (batch, seq, input_size)
with ``batch_first``, or (seq, input_size) unbatched; hidden states
(num_layers · num_directions, batch, hidden_size).  A reverse direction reads
the sequence backwards and its outputs are put back in forward order.
"""
from __future__ import annotations

import numpy as np

from ..ops import concatenate, dropout, stack
from ..tensor import Tensor
from .elman import ELMAN
from .gru import GRU_CELL
from .lstm import LSTM_CELL
from .module import Module
from .packing import permute_batch, repack, reverse_packed, reverse_within_lengths, unpack_sorted
from .recurrent import unroll
from .spec import CellSpec, check_flag, check_like, check_positive_int, check_size, recurrent_weights, zero_state
from .utils.rnn import PackedSequence

IMPLS = ("fused", "unrolled")


class RNNBase(Module):
    """The layer loop shared by RNN, LSTM and GRU; what differs between them is ``spec``."""

    spec: CellSpec

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, *,
                 impl: str = "fused", dtype=np.float32, **options):
        name = type(self).__name__
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            check_positive_int(name, arg, value)
        for arg, value in (("bias", bias), ("batch_first", batch_first), ("bidirectional", bidirectional)):
            check_flag(name, arg, value)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout must be a number in [0, 1], got {dropout!r}")
        for key, value in self.spec.check_options(name, options).items():
            setattr(self, key, value)  # torch's attribute (RNN.nonlinearity)
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        self.impl = impl
        self.step_states: dict = {}
        for layer in range(num_layers):
            for suffix in self._suffixes():
                in_size = input_size if layer == 0 else hidden_size * len(self._suffixes())
                weights = recurrent_weights(self.spec.gates, in_size, hidden_size, bias, dtype)
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

    def _options(self) -> dict:
        """The spec's options as the step and fused Function take them (the Elman RNN's φ)."""
        return self.spec.resolve({key: getattr(self, key) for key in self.spec.options})

    # ----- checks
    def _check(self, x, hx):
        """Validate input and hx; return x as (seq, batch, feature) (packed: its data), the states, and whether
        unbatched."""
        name, w = type(self).__name__, self.weight_ih_l0
        if isinstance(x, PackedSequence):  # time-major (N, feature) data, whatever batch_first says
            check_like(name, "input", x.data, w)
            if x.data.ndim != 2 or x.data.shape[1] != self.input_size:
                raise ValueError(f"{name}: expected packed data of shape (steps, {self.input_size}), "
                                 f"got {x.data.shape}")
            return (x.data,) + self._check_state(hx, x.data, batch=int(x.batch_sizes[0]))[1:]
        check_like(name, "input", x, w)
        layout = "(batch, seq, {})" if self.batch_first else "(seq, batch, {})"
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape {layout.format(self.input_size)} or "
                             f"(seq, {self.input_size}), got {x.shape}")
        unbatched = x.ndim == 2
        x = x[:, None] if unbatched else (x.transpose(0, 1) if self.batch_first else x)
        if x.shape[0] == 0:
            raise ValueError(f"{name}: expected a sequence of at least one step, got input of shape {x.shape}")
        return self._check_state(hx, x, unbatched)

    def _check_state(self, hx, x, unbatched=False, batch=None):
        name, w, parts = type(self).__name__, self.weight_ih_l0, self.spec.state
        layers, batch = self.num_layers * len(self._suffixes()), x.shape[1] if batch is None else batch
        if hx is None:
            return x, [zero_state(x, (layers, batch, self.hidden_size))] * len(parts), unbatched
        expected = (layers,) + (() if unbatched else (batch,)) + (self.hidden_size,)
        states = list(hx) if isinstance(hx, (tuple, list)) else [hx]
        if len(states) != len(parts):
            wanted = f"({', '.join(p + '_0' for p in parts)})" if len(parts) > 1 else "one Tensor h_0"
            raise ValueError(f"{name}: expected hx as {wanted}, got {len(states)} tensors")
        for s, part in zip(states, parts):
            check_like(name, f"{part}_0", s, w)
            check_size(name, f"{part}_0", s, expected)
        return x, [s[:, None] if unbatched else s for s in states], unbatched

    # ----- forward
    def _run(self, x: Tensor, state: tuple, weights: list, key, rows) -> tuple:
        """One layer, one direction: (outputs (T, B, H), final state tuple); ``rows``: b_t of a packed batch."""
        options = self._options() if rows is None else dict(self._options(), batch_sizes=rows)
        if self.impl == "fused":  # every fused layer: (x, *state, *weights) -> (outputs, *final_state)
            out, *final = self.spec.fused.apply(x, *state, *weights, **options)
            return out, tuple(final)
        options.pop("batch_sizes", None)
        hs, final = unroll(lambda x_t, s: self.spec.step(x_t, s, *weights, **options), x, state, rows)
        self.step_states[key] = hs
        return stack(hs), final

    def forward(self, input, hx=None):
        """Returns (output, h_n), or (output, (h_n, c_n)) for an LSTM, shaped as torch's.

        ``input`` may be a PackedSequence: the output is then one too, h_n (c_n)
        is each sequence's state at its own last step, and a reverse direction
        starts at each sequence's own end.
        """
        packed = input if isinstance(input, PackedSequence) else None
        rows = None if packed is None else [int(b) for b in packed.batch_sizes]
        order = None if packed is None else packed.sorted_indices
        x, states, unbatched = self._check(input, hx)
        # packed: the fused layers run on the packed data itself, the unrolled path on it unpacked (packing.py)
        flat = packed is not None and self.impl == "fused"
        if packed is not None and not flat:
            x, _ = unpack_sorted(packed)
        reverse = reverse_packed if flat else reverse_within_lengths
        states = [permute_batch(s, order) for s in states] if hx is not None else states  # caller's → sorted
        self.step_states = {}
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(self._suffixes()):
                idx = layer * len(self._suffixes()) + d
                xs = x if d == 0 else reverse(x, rows)
                out, final = self._run(xs, tuple(s[idx] for s in states), self._weights(layer, suffix), (layer, d),
                                       rows)
                outs.append(out if d == 0 else reverse(out, rows))
                for f, lst in zip(final, finals):
                    lst.append(f)
            x = outs[0] if len(outs) == 1 else concatenate(outs, axis=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout)
        h = [stack(lst)[:, 0] if unbatched else stack(lst) for lst in finals]
        if packed is not None:
            output = PackedSequence(x, *packed[1:]) if flat else repack(x, packed)
            h = [permute_batch(s, packed.unsorted_indices) for s in h]  # sorted → caller's order
        else:
            output = x[:, 0] if unbatched else (x.transpose(0, 1) if self.batch_first else x)
        return output, (tuple(h) if len(h) > 1 else h[0])

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        for arg, default in (("num_layers", 1), ("bias", True), ("batch_first", False), ("dropout", 0.0),
                             ("bidirectional", False)):
            if getattr(self, arg) != default:
                s += f", {arg}={getattr(self, arg)}"
        for key, allowed in self.spec.options.items():
            if getattr(self, key) != next(iter(allowed)):
                s += f", {key}={getattr(self, key)!r}"
        return s + ("" if self.impl == "fused" else f", impl={self.impl!r}")


class RNN(RNNBase):
    """Elman RNN: h_t = φ(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), φ = ``nonlinearity`` (see elman.py)."""

    spec = ELMAN

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 *, impl: str = "fused", dtype=np.float32):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         nonlinearity=nonlinearity, impl=impl, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber 1997), gates i, f, g, o as torch; hx = (h_0, c_0)."""

    spec = LSTM_CELL


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al. 2014), gates r, z, n as torch."""

    spec = GRU_CELL
