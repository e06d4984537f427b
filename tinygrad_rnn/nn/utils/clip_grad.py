"""Gradient clipping, as ``torch.nn.utils``: by global norm, or by value.

Exploding gradients are the other face of BPTT's vanishing ones: a product
of T Jacobians can grow as fast as it can shrink.  Clipping the global norm
(Pascanu et al. 2013) rescales every gradient by the same factor, so the
step keeps its direction and only loses length.
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from ...backend import array_module
from ...tensor import Tensor


def _with_grads(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients by min(1, max_norm / (total_norm + 1e-6)) in place; return total_norm (a 0-d Tensor).

    total_norm is the ``norm_type``-norm of all gradients together (``inf`` for
    the largest absolute value), as torch returns it: a Tensor on the gradients'
    device.  Nothing is read back to the host (``float(norm)`` reads it once,
    when you want it); ``error_if_nonfinite=True`` reads it to check.  No
    gradients gives 0, and a zero gradient is never divided by.
    ``max_norm`` must be a number >= 0 (``inf``: measure, never clip).
    """
    try:
        limit = float(max_norm)
    except (TypeError, ValueError):
        raise TypeError(f"clip_grad_norm_: max_norm must be a number >= 0, got {max_norm!r}") from None
    if not limit >= 0:  # also refuses NaN, which would silently skip clipping
        raise ValueError(f"clip_grad_norm_: max_norm must be a number >= 0 (inf: never clip), got {max_norm!r}")
    norm_type = float(norm_type)
    grads = [p.grad.array for p in _with_grads(parameters) if p.grad.array.size]
    if not grads:
        return Tensor.wrap(np.zeros((), np.float32))
    xp, dtype = array_module(grads[0]), grads[0].dtype
    if norm_type == math.inf:
        total = xp.stack([xp.abs(g).max() for g in grads]).max()
    else:
        per_parameter = xp.stack([(g * g if norm_type == 2 else xp.abs(g) ** norm_type).sum() for g in grads])
        total = per_parameter.sum() ** (1.0 / norm_type)
    total = total.astype(dtype)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} is {float(total)}; "
                           "set error_if_nonfinite=False to clip anyway")
    coef = xp.minimum(limit / (total + 1e-6), 1.0).astype(dtype)  # on the device: no host read
    for g in grads:
        g *= coef
    return Tensor.wrap(total)


def clip_grad_value_(parameters: Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element to [-clip_value, clip_value] in place."""
    for p in _with_grads(parameters):
        array_module(p.grad.array).clip(p.grad.array, -clip_value, clip_value, out=p.grad.array)
