"""SequenceModel: embedding (or raw features) → RNN/LSTM/GRU → linear read-out at every step.

The model the examples train: tokens (T, B) of a vocabulary, or features
(T, B, F), go in; logits (T, B, C) come out, with the recurrent state, which
a truncated-BPTT loop carries to the next chunk.  ``model(x, state)`` returns
``(logits, state)``.  ``model.config()`` is the constructor's arguments as
plain data, which checkpoints store, so ``SequenceModel.from_config(config)``
and ``SequenceModel.from_checkpoint(path)`` rebuild the same model.
"""
from __future__ import annotations

import inspect

import numpy as np

from . import nn
from .checkpoint import read_checkpoint, restore
from .serialization import LoadError
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
        self._config = {"kind": kind, "output_size": output_size, "hidden_size": hidden_size,
                        "vocab_size": vocab_size, "input_size": input_size, "embedding_dim": embedding_dim,
                        "num_layers": num_layers, "bidirectional": bidirectional, "dropout": dropout,
                        "nonlinearity": nonlinearity, "impl": impl, "dtype": np.dtype(dtype).name}
        self.embed = nn.Embedding(vocab_size, embedding_dim, dtype=dtype) if vocab_size else None
        extra = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
        self.rnn = KINDS[kind](embedding_dim if vocab_size else input_size, hidden_size, num_layers=num_layers,
                               bidirectional=bidirectional, dropout=dropout, impl=impl, dtype=dtype, **extra)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), output_size, dtype=dtype)

    def config(self) -> dict:
        """The constructor's arguments (dtype by name): ``SequenceModel.from_config`` builds the same model."""
        return dict(self._config)

    @classmethod
    def from_config(cls, config: dict, device: str | None = None) -> "SequenceModel":
        """A fresh model (new weights) of the architecture ``config`` describes, on ``device``."""
        args = dict(config)
        unknown = set(args) - set(inspect.signature(cls.__init__).parameters)
        if unknown:
            raise ValueError(f"SequenceModel.from_config: unknown settings {sorted(unknown)} in {config}")
        model = cls(args.pop("kind"), args.pop("output_size"), args.pop("hidden_size"), **args)
        return model.to(device) if device is not None else model

    @classmethod
    def from_checkpoint(cls, path, device: str | None = None) -> tuple["SequenceModel", dict]:
        """(the model saved in checkpoint ``path``, rebuilt from its config with its weights; the checkpoint)."""
        ckpt = read_checkpoint(path)
        if ckpt["model"]["class"] != cls.__name__ or not isinstance(ckpt["model"]["config"], dict):
            raise LoadError(f"{path} holds a {ckpt['model']['class']} without a SequenceModel config")
        model = cls.from_config(ckpt["model"]["config"], device)
        restore(ckpt, model, restore_rng=False, path=path)
        return model, ckpt

    def forward(self, x, state=None):
        """x: int tokens (T, B) or features (T, B, F), a Tensor or an array → (logits (T, B, C), state)."""
        if self.embed is None and not isinstance(x, Tensor):  # features: on the model's device, in its dtype
            weight = self.head.weight
            x = Tensor(x, device=weight.device, dtype=weight.dtype)
        # token ids may stay host data: the embedding checks their range on the host, for free, then uploads them
        h = self.embed(x) if self.embed is not None else x
        out, state = self.rnn(h, state)
        return self.head(out), state
