"""SequenceModel: embedding (or raw features) → RNN/LSTM/GRU → linear read-out at every step.

The model the examples train: tokens (T, B) of a vocabulary, or features
(T, B, F), go in; logits (T, B, C) come out, with the recurrent state, which
a truncated-BPTT loop carries to the next chunk.  ``model(x, state)`` returns
``(logits, state)``.
"""
from __future__ import annotations

import numpy as np

from . import nn
from .tensor import Tensor

KINDS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class SequenceModel(nn.Module):
    def __init__(self, kind: str, output_size: int, hidden_size: int, *, vocab_size: int | None = None,
                 input_size: int | None = None, embedding_dim: int = 32, num_layers: int = 1,
                 bidirectional: bool = False, dropout: float = 0.0, nonlinearity: str = "tanh",
                 impl: str = "fused", dtype=np.float32):
        if kind not in KINDS:
            raise ValueError(f"SequenceModel: kind must be one of {sorted(KINDS)}, got {kind!r}")
        if (vocab_size is None) == (input_size is None):
            raise ValueError("SequenceModel: give exactly one of vocab_size (token input) or input_size (features)")
        self.kind = kind
        self.embed = nn.Embedding(vocab_size, embedding_dim, dtype=dtype) if vocab_size else None
        extra = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
        self.rnn = KINDS[kind](embedding_dim if vocab_size else input_size, hidden_size, num_layers=num_layers,
                               bidirectional=bidirectional, dropout=dropout, impl=impl, dtype=dtype, **extra)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), output_size, dtype=dtype)

    def forward(self, x, state=None):
        """x: int tokens (T, B) or a features Tensor (T, B, F) → (logits (T, B, C), state)."""
        h = self.embed(x) if self.embed is not None else (x if isinstance(x, Tensor) else Tensor(x))
        out, state = self.rnn(h, state)
        return self.head(out), state
