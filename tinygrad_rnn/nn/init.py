"""Weight initialisers, in place on a Parameter's data (as ``torch.nn.init``).

All draw from the library's generator (``tinygrad_rnn.manual_seed``).
"""
from __future__ import annotations

import numpy as np

from .. import backend, rng
from ..tensor import Tensor


def _fill(t: Tensor, values: np.ndarray) -> Tensor:
    t.array = backend.module_for(t.device).asarray(values, dtype=t.dtype)
    return t


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with U(a, b)."""
    return _fill(t, rng.generator().uniform(a, b, size=t.shape))


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with N(mean, std²)."""
    return _fill(t, rng.generator().normal(mean, std, size=t.shape))


def zeros_(t: Tensor) -> Tensor:
    return _fill(t, np.zeros(t.shape))


def eye_(t: Tensor, gain: float = 1.0) -> Tensor:
    """Fill a 2-D tensor with gain · identity (IRNN: Le et al. 2015 initialise W_hh so)."""
    if t.ndim != 2:
        raise ValueError(f"eye_ needs a 2-D tensor, got shape {t.shape}")
    return _fill(t, gain * np.eye(*t.shape))


def orthogonal_(t: Tensor, gain: float = 1.0) -> Tensor:
    """Fill with a (semi-)orthogonal matrix: the QR factor of a Gaussian matrix, signs fixed (Saxe et al. 2013).

    Tensors of more than two dimensions are flattened past the first, as torch does.
    """
    if t.ndim < 2:
        raise ValueError(f"orthogonal_ needs at least 2 dimensions, got shape {t.shape}")
    rows, cols = t.shape[0], int(np.prod(t.shape[1:]))
    a = rng.generator().standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    q = q if rows >= cols else q.T
    return _fill(t, gain * q[:rows, :cols].reshape(t.shape))
