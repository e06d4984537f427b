"""Functional forms of the layers, as ``torch.nn.functional`` (``import tinygrad_rnn.nn.functional as F``).

Activations, (log-)softmax over a ``dim``, ``linear``, ``dropout``,
``embedding``, and the losses (``loss.py``: ``cross_entropy`` with torch's
class dimension 1, ``nll_loss``, ``mse_loss``).
"""
from __future__ import annotations

import warnings

from .. import backend, ops
from ..ops import relu, sigmoid, tanh
from ..tensor import Tensor
from .loss import cross_entropy, mse_loss, nll_loss

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "linear", "dropout", "embedding", "log_softmax", "softmax",
           "relu", "sigmoid", "tanh"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weightᵀ + bias over the last dim; weight (out, in).  Mixed dtypes or devices are an error,
    as torch's (no silent float64 through float32 weights)."""
    for label, t in (("weight", weight), ("bias", bias)):
        if t is None:
            continue
        if t.dtype != input.dtype:
            raise RuntimeError(f"linear: expected input and {label} of the same dtype, but got input {input.dtype} "
                               f"and {label} {t.dtype}; cast one with .to(dtype) (or the module with .double())")
        if t.device != input.device:
            raise backend.DeviceError(f"linear: expected input and {label} on the same device, but got input on "
                                      f"{input.device} and {label} on {t.device}")
    if input.ndim < 1 or weight.ndim != 2 or input.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: expected input of shape (..., {weight.shape[-1]}) for weight of shape "
                         f"{weight.shape}, got {input.shape}")
    y = input @ weight.T
    return y if bias is None else y + bias


def _softmax_dim(name: str, x: Tensor, dim: int | None) -> int:
    if dim is None:  # torch's deprecated implicit choice, kept for parity
        dim = 0 if x.ndim in (0, 1, 3) else 1
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                      f"dim={dim} as an argument.", UserWarning, stacklevel=3)
    if not -max(x.ndim, 1) <= dim < max(x.ndim, 1) or x.ndim == 0:
        raise IndexError(f"{name}: dim {dim} is out of range for input of shape {x.shape}")
    return dim


def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """e**x / Σ e**x along ``dim`` (computed in ``dtype`` when given)."""
    x = input if dtype is None else input.to(dtype=dtype)
    return ops.softmax(x, _softmax_dim("softmax", x, dim))


def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """x - log Σ e**x along ``dim`` (computed in ``dtype`` when given)."""
    x = input if dtype is None else input.to(dtype=dtype)
    return ops.log_softmax(x, _softmax_dim("log_softmax", x, dim))


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p) while ``training`` (default True,
    as torch's functional form)."""
    if inplace:
        raise NotImplementedError("dropout: inplace=True is not supported")
    return ops.dropout(input, p, training)


def embedding(input, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) at integer indices ``input`` of any shape: input.shape + (dim,)."""
    if padding_idx is not None:
        raise NotImplementedError("embedding: padding_idx is not supported by the functional form")
    return ops.embedding(input, weight)  # checks device and range: one host read at most
