"""Losses with torch's meaning: cross_entropy, nll_loss, mse_loss and their modules.

Class-index losses take torch's layout: input (C), (N, C) or (N, C, d1, ...)
with the classes on dim 1, and integer targets (), (N) or (N, d1, ...).  A
target equal to ``ignore_index`` (default -100: padding) costs nothing and is
left out of the mean; any other target outside [0, C) is an error naming it
(torch's ``IndexError: Target 5 is out of bounds``).  ``reduction`` is 'mean'
(over the non-ignored targets, weighted by ``weight[target]`` when class
weights are given), 'sum' or 'none' (one loss per target).  When every target
is ignored the mean is 0/0 = nan and the gradient zero, as torch's.

    cross_entropy: ℓ_n = -w[t_n] log softmax(x_n)[t_n]   (the fused op when unweighted)
    nll_loss:      ℓ_n = -w[t_n] x_n[t_n]               (x holds log-probabilities)
    mse_loss:      ℓ_n = (x_n - y_n)²
Gradients come from the ops they are built of (``ops.cross_entropy``,
``log_softmax``, indexing, arithmetic), each gradient-checked on its own.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import ops
from ..backend import array_module
from ..ops.layers import index_array
from ..tensor import Tensor
from .module import Module

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(name: str, reduction: str, size_average=None, reduce=None) -> None:
    if size_average is not None or reduce is not None:
        raise TypeError(f"{name}: size_average and reduce are deprecated in torch and not supported; "
                        f"use reduction='mean', 'sum' or 'none'")
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _class_target(name: str, input: Tensor, target, ignore_index: int, check_range: bool = True):
    """Check ``target`` against ``input`` (classes on dim 1); return (input with classes last, target array).

    ``check_range=False`` leaves the device and range check to ``ops.cross_entropy`` (one check, not two:
    on a GPU each costs a host read) and returns the target as given.
    """
    if input.ndim == 0:
        raise ValueError(f"{name}: expected input of shape (C), (N, C) or (N, C, d1, ...), got ()")
    classes = input.shape[1] if input.ndim >= 2 else input.shape[0]
    expected = (input.shape[0],) + input.shape[2:] if input.ndim >= 2 else ()
    data = target.array if isinstance(target, Tensor) else target
    shape = tuple(np.shape(data))
    if getattr(data, "dtype", np.dtype(int)).kind == "f" and shape == input.shape:
        raise TypeError(f"{name}: expected integer class targets, got dtype {data.dtype} "
                        f"(class probabilities as targets are not supported)")
    if shape != expected:
        what = "logits" if name == "cross_entropy" else "input"
        raise ValueError(f"{name}: expected target of shape {expected} for {what} of shape {input.shape}, "
                         f"got {shape} (the classes are on dim 1, as torch's)")
    # device, integer dtype and range [0, C) or ignore_index: free for host targets, one read for device ones
    t = index_array(target, input, classes, name, "class targets", allowed=ignore_index) if check_range else target
    last = input if input.ndim <= 2 else input.permute(0, *range(2, input.ndim), 1)
    return last, t


def _nll_classes_last(logp: Tensor, t, weight: Tensor | None, ignore_index: int, reduction: str) -> Tensor:
    """-w[t] logp[..., t] over log-probabilities with the classes last, reduced as torch's nll_loss."""
    xp = array_module(logp.array)
    classes = logp.shape[-1]
    if weight is not None and (not isinstance(weight, Tensor) or weight.shape != (classes,)):
        got = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(f"weight tensor should be defined either for all {classes} classes or no classes, got {got}")
    flat_t = t.reshape(-1)
    keep = flat_t != ignore_index
    safe = xp.where(keep, flat_t, 0)
    w = keep.astype(logp.dtype) if weight is None else weight.array.astype(logp.dtype)[safe] * keep
    picked = logp.reshape(-1, classes)[xp.arange(flat_t.shape[0]), safe]   # logp[n, t_n]
    losses = -(picked * Tensor._make(w))
    if reduction == "none":
        return losses.reshape(t.shape)
    if reduction == "sum":
        return losses.sum()
    total = float(w.sum())
    return losses.sum() + float("nan") if total == 0 else losses.sum() / total  # nan value, zero gradient (torch)


def cross_entropy(input: Tensor, target, weight: Tensor | None = None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """-log softmax(input)[target], classes on dim 1 (torch's ``F.cross_entropy``); see the module docstring."""
    _check_reduction("cross_entropy", reduction, size_average, reduce)
    if label_smoothing != 0.0:
        raise NotImplementedError("cross_entropy: label_smoothing is not supported (only 0.0)")
    x, t = _class_target("cross_entropy", input, target, ignore_index, check_range=weight is not None)
    if weight is not None:
        return _nll_classes_last(x.log_softmax(-1), t, weight, ignore_index, reduction)
    return ops.cross_entropy(x, t, reduction, ignore_index)


def nll_loss(input: Tensor, target, weight: Tensor | None = None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean") -> Tensor:
    """-input[target] over log-probabilities (e.g. from ``log_softmax(x, dim=1)``), classes on dim 1."""
    _check_reduction("nll_loss", reduction, size_average, reduce)
    x, t = _class_target("nll_loss", input, target, ignore_index)
    return _nll_classes_last(x, t, weight, ignore_index, reduction)


def mse_loss(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """(input - target)², reduced; both may require grad; shapes broadcast with a warning, as torch."""
    _check_reduction("mse_loss", reduction, size_average, reduce)
    target = target if isinstance(target, Tensor) else Tensor(target, device=input.device, dtype=input.dtype)
    if target.shape != input.shape:
        warnings.warn(f"mse_loss: using a target size {target.shape} that is different to the input size "
                      f"{input.shape}; they will be broadcast", UserWarning, stacklevel=2)
    d = input - target
    sq = d * d
    return sq if reduction == "none" else (sq.sum() if reduction == "sum" else sq.mean())


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        _check_reduction(type(self).__name__, reduction)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class CrossEntropyLoss(_Loss):
    """``CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean')``: the module form of cross_entropy."""

    def __init__(self, weight: Tensor | None = None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        _check_reduction("CrossEntropyLoss", reduction, size_average, reduce)
        if label_smoothing != 0.0:
            raise NotImplementedError("CrossEntropyLoss: label_smoothing is not supported (only 0.0)")
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target) -> Tensor:
        return cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """``NLLLoss(weight=None, ignore_index=-100, reduction='mean')``: the module form of nll_loss."""

    def __init__(self, weight: Tensor | None = None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean") -> None:
        _check_reduction("NLLLoss", reduction, size_average, reduce)
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target) -> Tensor:
        return nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class MSELoss(_Loss):
    """``MSELoss(reduction='mean')``: the module form of mse_loss."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        _check_reduction("MSELoss", reduction, size_average, reduce)
        super().__init__(reduction)

    def forward(self, input: Tensor, target) -> Tensor:
        return mse_loss(input, target, reduction=self.reduction)
