"""The ops: one ``Function`` per op, and the functional forms users call.

Each op is one ``Function`` (forward and backward side by side) in the file
named for its kind: ``arith``, ``unary``, ``reduce``, ``shape``, ``select``,
``join``, ``softmax``, ``layers``, ``rows``; each file ends with the functional forms of its ops
(``add``, ``tanh``, ``sum``, ``reshape``, ``gather``, ...), which check their
arguments and bring operands to one dtype.  ``compare`` holds the
comparisons.  This file gathers them, and adds ``cross_entropy``,
``embedding`` and ``dropout``.  ``tensor_methods.py`` turns the functional
forms into Tensor's operators and methods.
"""
from __future__ import annotations

from .. import rng
from ..backend import array_module
from ..tensor import Tensor
from .arith import add, bmm, div, lift, matmul, mm, mul, neg, pow, promoted, sub
from .compare import all, allclose, any, eq, equal, ge, gt, le, lt, ne
from .join import cat, concatenate, stack
from .layers import DropoutMask, EmbeddingLookup, index_array
from .reduce import ValuesIndices, amax, amin, argmax, argmin, max, mean, min, norm, std, sum, var
from .select import chunk, gather, getitem, masked_fill, narrow, split, where
from .shape import clone, contiguous, expand, flatten, permute, repeat, reshape, squeeze, to, transpose, unsqueeze, view
from .softmax import CrossEntropy, log_softmax, softmax
from .unary import abs, clamp, exp, log, relu, sigmoid, sqrt, tanh

__all__ = [  # the functional forms; tensor_methods.py makes Tensor's methods of them
    "add", "sub", "mul", "div", "neg", "pow", "matmul", "mm", "bmm", "lift", "promoted",
    "eq", "ne", "lt", "le", "gt", "ge", "any", "all", "allclose", "equal", "cat", "concatenate", "stack",
    "sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "std", "var", "norm", "ValuesIndices",
    "getitem", "gather", "masked_fill", "where", "narrow", "split", "chunk",
    "reshape", "view", "flatten", "squeeze", "unsqueeze", "permute", "transpose", "expand", "repeat", "clone",
    "contiguous", "to", "softmax", "log_softmax", "exp", "log", "tanh", "sigmoid", "relu", "abs", "sqrt", "clamp",
    "cross_entropy", "embedding", "dropout",
]

def cross_entropy(logits: Tensor, target, reduction: str = "mean", ignore_index: int = -100) -> Tensor:
    """Mean (or sum, or per-element) of -log softmax(logits)[target], fused and stable.

    logits: (..., C) with classes on the last axis; target: integers of shape (...) in [0, C) or equal to
    ``ignore_index``, a Tensor on the logits' device or host data.  Checking the range reads nothing back
    for host targets and one value for targets on a GPU (where a bad one would wrap around silently).
    """
    if logits.ndim < 1:
        raise ValueError(f"cross_entropy: expected logits of shape (..., classes), got {logits.shape}")
    t = index_array(target, logits, logits.shape[-1], "cross_entropy", "class targets", allowed=ignore_index)
    if tuple(t.shape) != logits.shape[:-1]:
        raise ValueError(f"cross_entropy: expected target of shape {logits.shape[:-1]} for logits of shape "
                         f"{logits.shape}, got {tuple(t.shape)}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return CrossEntropy.apply(logits, target=t, reduction=reduction, ignore_index=ignore_index)


def embedding(idx, weight: Tensor) -> Tensor:
    """Rows of ``weight`` at integer indices ``idx`` (any shape): output idx.shape + (dim,).

    ``idx``: a Tensor on the weight's device, or host data.  Checking the range reads nothing back for
    host ids and one value for ids on a GPU (where a bad one would wrap around silently).
    """
    i = index_array(idx, weight, weight.shape[0], "embedding", "indices", called="ids")
    return EmbeddingLookup.apply(weight, idx=i)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p); identity when not training.

    The mask is drawn where x lives (``rng.keep_mask``): nothing is copied between host and device.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    mask = rng.keep_mask(array_module(x.array), x.shape, p).astype(x.dtype)
    mask *= 0.0 if p == 1 else 1.0 / (1 - p)
    return DropoutMask.apply(x, mask=mask)
