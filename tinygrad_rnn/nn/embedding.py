"""Embedding: a lookup table of vectors, one row per token id; init N(0, 1) as torch."""
from __future__ import annotations

import numpy as np

from ..ops import embedding
from ..tensor import Tensor
from . import init
from .module import Module, Parameter


class Embedding(Module):
    """(integer ids of any shape) → ids.shape + (embedding_dim,).

    Ids may be a Tensor on the weight's device or host data (a list, a NumPy
    array).  Each is checked to lie in [0, num_embeddings): for free on the
    host, with one host read for ids already on a GPU (see ``ops.embedding``).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, dtype=np.float32):
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = init.normal_(Parameter(np.empty((num_embeddings, embedding_dim), dtype)))

    def forward(self, ids) -> Tensor:
        return embedding(ids, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
