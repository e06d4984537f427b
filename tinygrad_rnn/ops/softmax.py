"""Softmax, log-softmax, and the fused softmax cross-entropy loss.

All three subtract the row maximum before exponentiating (the result is
unchanged, and e**x cannot overflow).  The fused loss never forms log(0):
its gradient is simply softmax(x) - onehot(target).
"""
from __future__ import annotations

from ..backend import array_module
from ..indexing import check_dim
from ..tensor import Function, Tensor


def log_softmax_array(x, axis: int = -1):
    """log softmax on a raw array: x - max - log Σ e**(x - max)."""
    xp = array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


class LogSoftmax(Function):
    """log_softmax: y = x - log Σ_j e**x_j;   dL/dx = dL/dy - softmax(x) * Σ_j dL/dy_j"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x, axis: int = -1):
        y = log_softmax_array(x, axis)
        self.saved = (y, axis)
        return y

    def backward(self, g):
        y, axis = self.saved
        return (g - array_module(y).exp(y) * g.sum(axis=axis, keepdims=True),)


class Softmax(Function):
    """softmax: y_i = e**x_i / Σ_j e**x_j;   dL/dx = y * (dL/dy - Σ_j dL/dy_j y_j)"""

    saves_inputs = False  # backward reads no input array

    def forward(self, x, axis: int = -1):
        y = array_module(x).exp(log_softmax_array(x, axis))
        self.saved = (y, axis)
        return y

    def backward(self, g):
        y, axis = self.saved
        return (y * (g - (g * y).sum(axis=axis, keepdims=True)),)


class CrossEntropy(Function):
    """cross_entropy: ℓ_n = -log softmax(x_n)[t_n];   dℓ_n/dx_n = softmax(x_n) - onehot(t_n)

    Logits (..., C) with the classes on the last axis, integer targets (...).
    Targets equal to ``ignore_index`` contribute nothing; ``mean`` divides by
    the number of the others (as torch).
    """

    saves_inputs = False  # backward reads no input array

    def forward(self, x, target, reduction: str = "mean", ignore_index: int = -100):
        xp = array_module(x)
        logp = log_softmax_array(x, -1)
        keep = target != ignore_index
        safe = xp.where(keep, target, 0)
        nll = -xp.take_along_axis(logp, safe[..., None], axis=-1)[..., 0] * keep
        # a float of x's dtype (an int64 count would promote to float64); at least 1, so that when every target
        # is ignored the gradient is 0 and the mean is set to nan below (torch's 0/0), with no host read
        count = xp.maximum(keep.sum(), 1).astype(x.dtype)
        self.saved = (logp, safe, keep, reduction, count)
        if reduction == "none":
            return nll
        total = nll.sum()
        if reduction == "mean":
            total = xp.where(keep.any(), total / count, xp.nan)
        return xp.asarray(total, dtype=x.dtype)

    def backward(self, g):
        logp, safe, keep, reduction, count = self.saved
        xp = array_module(logp)
        dx = xp.exp(logp)                                       # softmax(x)
        dx -= safe[..., None] == xp.arange(dx.shape[-1])        # - onehot(t): a comparison every module has
        scale = g[..., None] if reduction == "none" else (g / count if reduction == "mean" else g)
        return (dx * (keep[..., None] * scale),)


# ----- functional forms (torch's dim; NumPy's axis as an alias)
def softmax(x: Tensor, dim: int = -1, *, axis=None, dtype=None) -> Tensor:
    """e**x / Σ e**x along ``dim`` (the last by default)."""
    return Softmax.apply(_floating(x, dtype), axis=check_dim(dim if axis is None else axis, x.ndim, "softmax"))


def log_softmax(x: Tensor, dim: int = -1, *, axis=None, dtype=None) -> Tensor:
    """x - log Σ e**x along ``dim`` (the last by default)."""
    return LogSoftmax.apply(_floating(x, dtype), axis=check_dim(dim if axis is None else axis, x.ndim,
                                                                   "log_softmax"))


def _floating(x, dtype):
    if not isinstance(x, Tensor):
        raise TypeError(f"expected a Tensor, got {type(x).__name__}")
    if dtype is not None:
        return x.to(dtype=dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"softmax: expected a floating-point tensor, got dtype {x.dtype}")
    return x
