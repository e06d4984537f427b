"""What a recurrent cell type is (``CellSpec``), and the checks and weights every cell type shares.

Each cell type lives in one file of its own, which holds everything about it:
``elman.py`` (RNN), ``lstm.py``, ``gru.py``.  There a ``CellSpec`` names

    gates     G: the weights are W_ih (G·H, input), W_hh (G·H, H), b_ih, b_hh (G·H,)
    state     the parts of the hidden state: ("h",), or ("h", "c") for the LSTM; h first
    step      step(x_t, state, *weights, **options) -> new state (a tuple): the unrolled path,
              composed of engine ops, so autograd does BPTT through it
    fused     the Function over a whole sequence with hand-derived BPTT (``tinygrad_rnn.fused``):
              (x, *state, *weights, **options) -> (outputs (T, B, H), *final_state)
    options   the options this cell takes, each {name: {allowed value: what step and fused get}},
              the first value the default (the Elman RNN's ``nonlinearity``; none for LSTM and GRU)

and the layers (``rnn.py``) and the cells (``cells.py``) only read the spec.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..backend import array_module
from ..tensor import Function, Tensor
from . import init
from .module import Parameter


@dataclass(frozen=True)
class CellSpec:
    name: str                   # torch's name for the layer: "RNN", "LSTM", "GRU"
    gates: int
    state: tuple                # names of the state's parts, h first
    step: Callable
    fused: type[Function]
    options: dict = field(default_factory=dict)

    def check_options(self, owner: str, given: dict) -> dict:
        """The options as names, defaults filled in; a clear error for one this cell does not take."""
        for key, value in given.items():
            if key not in self.options:
                takes = f"takes only {', '.join(self.options)}" if self.options else "takes no options"
                raise TypeError(f"{owner}: got {key}={value!r}, but the {self.name} cell {takes}")
            if not isinstance(value, str) or value not in self.options[key]:
                raise ValueError(f"{owner}: {key} must be one of {', '.join(map(repr, self.options[key]))}, "
                                 f"got {value!r}")
        return {key: given.get(key, next(iter(allowed))) for key, allowed in self.options.items()}

    def resolve(self, names: dict) -> dict:
        """Option names → the values that ``step`` and ``fused`` take."""
        return {key: self.options[key][value] for key, value in names.items()}


def affine(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    """x Wᵀ (+ b)."""
    y = x @ w.T
    return y if b is None else y + b


def recurrent_weights(gates: int, input_size: int, hidden_size: int, bias: bool, dtype) -> list[Parameter | None]:
    """[W_ih (G·H, I), W_hh (G·H, H), b_ih, b_hh] drawn from U(-1/√H, 1/√H), torch's init."""
    k = 1 / math.sqrt(hidden_size)
    shapes = [(gates * hidden_size, input_size), (gates * hidden_size, hidden_size)]
    shapes += [(gates * hidden_size,)] * 2 if bias else []
    return [init.uniform_(Parameter(np.empty(s, dtype)), -k, k) for s in shapes] + [None] * (4 - len(shapes))


def check_positive_int(owner: str, name: str, value) -> None:
    """A size: an int (not a bool) of at least 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")


def check_flag(owner: str, name: str, value) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")


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
    return Tensor(array_module(like.array).zeros(shape, dtype=like.dtype))
