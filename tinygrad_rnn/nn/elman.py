"""The Elman RNN cell, in one place: its nonlinearities, its step, its spec.

    h' = φ(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)

φ is the ``nonlinearity``: tanh or relu (as torch), or leaky_relu and elu, the
remedies for vanishing gradients the classic texts name beside relu (torch's
defaults: slope 0.01, α = 1.0).  Each φ is written once for both paths: on
Tensors from engine ops (the unrolled step), and on raw arrays in place with
its derivative φ'(a) written in terms of the output h = φ(a) (the fused layer
keeps only the states, so its backward sees h, never a).  Adding a
nonlinearity means adding one entry to ``NONLINEARITIES``.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

from ..fused import FusedRNN
from ..tensor import Tensor
from .spec import CellSpec, affine

LEAKY_SLOPE, ELU_ALPHA = 0.01, 1.0


class Nonlinearity(NamedTuple):
    """φ for both paths: ``tensor(a)`` from engine ops; ``forward_(xp, a)``: a ← φ(a) in place on an array
    of array module xp; ``derivative(xp, h, out)``: out ← φ'(a) from h = φ(a)."""

    tensor: Callable
    forward_: Callable
    derivative: Callable


def _tanh_derivative(xp, h, out):       # φ' = 1 - h²
    xp.multiply(h, h, out=out)
    xp.subtract(1, out, out=out)


def _relu_derivative(xp, h, out):       # φ' = [h > 0]
    xp.greater(h, 0, out=out)


def _leaky_forward_(xp, a):             # φ(a) = max(a, slope·a), as 0 < slope < 1
    xp.maximum(a, LEAKY_SLOPE * a, out=a)


def _leaky_derivative(xp, h, out):      # φ' = 1 where h > 0, else slope
    xp.greater(h, 0, out=out)
    out *= 1 - LEAKY_SLOPE
    out += LEAKY_SLOPE


def _elu_tensor(a: Tensor) -> Tensor:   # relu(a) + α (e^{min(a, 0)} - 1); min(a, 0) = -relu(-a)
    return a.relu() + ELU_ALPHA * ((-(-a).relu()).exp() - 1)


def _elu_forward_(xp, a):               # φ(a) = a for a > 0, else α (e^a - 1)
    negative = xp.minimum(a, 0)
    xp.expm1(negative, out=negative)
    xp.maximum(a, 0, out=a)
    a += ELU_ALPHA * negative


def _elu_derivative(xp, h, out):        # φ' = 1 where h > 0, else α e^a = h + α
    out[...] = xp.where(h > 0, 1, h + ELU_ALPHA)


NONLINEARITIES = {
    "tanh": Nonlinearity(lambda a: a.tanh(), lambda xp, a: xp.tanh(a, out=a), _tanh_derivative),
    "relu": Nonlinearity(lambda a: a.relu(), lambda xp, a: xp.maximum(a, 0, out=a), _relu_derivative),
    "leaky_relu": Nonlinearity(lambda a: a.relu() - LEAKY_SLOPE * (-a).relu(), _leaky_forward_, _leaky_derivative),
    "elu": Nonlinearity(_elu_tensor, _elu_forward_, _elu_derivative),
}


def elman_step(x, state, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity=NONLINEARITIES["tanh"]) -> tuple:
    """(h',) from x (batch, I) and state (h,): h' = φ(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)."""
    (h,) = state
    return (nonlinearity.tensor(affine(x, w_ih, b_ih) + affine(h, w_hh, b_hh)),)


ELMAN = CellSpec("RNN", gates=1, state=("h",), step=elman_step, fused=FusedRNN,
                 options={"nonlinearity": NONLINEARITIES})

