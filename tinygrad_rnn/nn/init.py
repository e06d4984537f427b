"""Weight initialisers with torch's names, filling a tensor in place (as ``torch.nn.init``).

All draw from the library's generator (``tinygrad_rnn.manual_seed`` makes
them repeatable); each writes into the tensor's existing array and bumps its
version counter, so a graph recorded before refuses to backpropagate through
the old values.  Fan sizes are torch's: for a weight (out, in, *k),
fan_in = in·∏k and fan_out = out·∏k.

    xavier (Glorot & Bengio 2010):  std = gain·√(2 / (fan_in + fan_out))
    kaiming (He et al. 2015):       std = gain / √fan     (fan_in or fan_out by ``mode``)
    uniform variants draw U(-√3·std, √3·std), which has that std.
"""
from __future__ import annotations

import math

import numpy as np

from .. import backend, rng
from ..tensor import Tensor

GAINS = {"linear": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0, "conv_transpose1d": 1.0,
         "conv_transpose2d": 1.0, "conv_transpose3d": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3,
         "relu": math.sqrt(2.0), "selu": 3.0 / 4}


def _fill(t: Tensor, values) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"init: expected a Tensor to fill, got {type(t).__name__}")
    t.array[...] = backend.to_device(np.asarray(values, dtype=t.dtype), t.device)
    t._bump_version()
    return t


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (torch's table): tanh 5/3, relu √2, leaky_relu √(2/(1+slope²))..."""
    if nonlinearity in GAINS:
        return GAINS[nonlinearity]
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(t: Tensor) -> tuple[int, int]:
    if t.ndim < 2:
        raise ValueError(f"fan in and fan out can not be computed for a tensor of fewer than 2 dimensions, "
                         f"got shape {t.shape}")
    receptive = int(np.prod(t.shape[2:]))
    return t.shape[1] * receptive, t.shape[0] * receptive


def _fan(t: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with U(a, b)."""
    return _fill(t, rng.generator().uniform(a, b, size=t.shape))


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with N(mean, std²)."""
    return _fill(t, rng.generator().normal(mean, std, size=t.shape))


def constant_(t: Tensor, val: float) -> Tensor:
    return _fill(t, np.full(t.shape, val))


def zeros_(t: Tensor) -> Tensor:
    return constant_(t, 0.0)


def ones_(t: Tensor) -> Tensor:
    return constant_(t, 1.0)


def eye_(t: Tensor, gain: float = 1.0) -> Tensor:
    """Fill a 2-D tensor with gain · identity (torch's has no gain; IRNN, Le et al. 2015, scales it)."""
    if t.ndim != 2:
        raise ValueError(f"eye_ needs a 2-D tensor, got shape {t.shape}")
    return _fill(t, gain * np.eye(*t.shape))


def xavier_uniform_(t: Tensor, gain: float = 1.0) -> Tensor:
    """Fill with U(-a, a), a = gain·√(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(t, -a, a)


def xavier_normal_(t: Tensor, gain: float = 1.0) -> Tensor:
    """Fill with N(0, std²), std = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)))


def kaiming_uniform_(t: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """Fill with U(-b, b), b = √3 · gain / √fan (gain of ``nonlinearity`` with negative slope ``a``)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(t, mode))
    return uniform_(t, -math.sqrt(3.0) * std, math.sqrt(3.0) * std)


def kaiming_normal_(t: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """Fill with N(0, std²), std = gain / √fan."""
    return normal_(t, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(_fan(t, mode)))


def orthogonal_(t: Tensor, gain: float = 1.0) -> Tensor:
    """Fill with a (semi-)orthogonal matrix: the QR factor of a Gaussian matrix, signs fixed (Saxe et al. 2013).

    Tensors of more than two dimensions are flattened past the first, as torch does.
    """
    if t.ndim < 2:
        raise ValueError(f"orthogonal_ needs at least 2 dimensions, got shape {t.shape}")
    if t.numel() == 0:
        return t
    rows, cols = t.shape[0], int(np.prod(t.shape[1:]))
    a = rng.generator().standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    q = q if rows >= cols else q.T
    return _fill(t, gain * q[:rows, :cols].reshape(t.shape))
