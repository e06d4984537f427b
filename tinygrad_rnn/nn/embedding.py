"""Embedding: a lookup table of vectors, one row per token id; init N(0, 1) as torch."""
from __future__ import annotations

import numpy as np

from ..ops import embedding
from ..tensor import Tensor
from . import init
from .module import Module, Parameter


class Embedding(Module):
    """(integer ids of any shape) → ids.shape + (embedding_dim,)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, dtype=np.float32):
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = init.normal_(Parameter(np.empty((num_embeddings, embedding_dim), dtype)))

    def forward(self, ids) -> Tensor:
        data = ids.array if isinstance(ids, Tensor) else np.asarray(ids)
        if data.size and (int(data.min()) < 0 or int(data.max()) >= self.num_embeddings):
            raise IndexError(f"Embedding: ids must lie in [0, {self.num_embeddings}), "
                             f"got values in [{int(data.min())}, {int(data.max())}]")
        return embedding(ids, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
