"""Every operator and method of Tensor that is built on an op, in one place.

Read this as the rest of ``class Tensor`` (``tensor.py`` holds the data,
the graph walk and the in-place methods): ``x + y`` is ``ops.add(x, y)``,
``x.sum(dim=0)`` is ``ops.sum(x, dim=0)``, and so on; each functional form
sits at the end of the op file it belongs to (``ops/arith.py``, ...), with
the op's derivative above it.  ``install()`` copies these onto ``Tensor``
once, when the package is imported; they are written here rather than in
``tensor.py`` because the ops are built on Tensor (the layers never import
upward).
"""
from __future__ import annotations

from . import dtypes, ops
from .creation import full, ones, zeros
from .ops.shape import t as _t
from .tensor import Tensor


def _reversed(fn):
    return lambda self, other: fn(other, self)


class TensorMethods:
    """The operators and methods; ``self`` is the Tensor."""

    # ----- arithmetic (operands brought to torch's result type first)
    __add__, __sub__, __mul__, __truediv__ = ops.add, ops.sub, ops.mul, ops.div
    __radd__, __rsub__, __rmul__, __rtruediv__ = (_reversed(f) for f in (ops.add, ops.sub, ops.mul, ops.div))
    __neg__, __pow__, __abs__ = ops.neg, ops.pow, ops.abs
    __matmul__, __rmatmul__ = ops.matmul, _reversed(lambda a, b: ops.matmul(ops.lift(a, b), b))
    add, sub, mul, div, pow, matmul, mm, bmm = ops.add, ops.sub, ops.mul, ops.div, ops.pow, ops.matmul, ops.mm, ops.bmm

    # ----- comparisons: bool tensors, outside the graph (== is elementwise, so Tensor keeps object.__hash__)
    __eq__, __ne__, __lt__, __le__, __gt__, __ge__ = ops.eq, ops.ne, ops.lt, ops.le, ops.gt, ops.ge
    eq, ne, lt, le, gt, ge = ops.eq, ops.ne, ops.lt, ops.le, ops.gt, ops.ge

    # ----- elementwise
    exp, log, tanh, sigmoid, relu, sqrt, abs, clamp = (ops.exp, ops.log, ops.tanh, ops.sigmoid, ops.relu, ops.sqrt,
                                                       ops.abs, ops.clamp)
    clip = ops.clamp
    softmax, log_softmax = ops.softmax, ops.log_softmax
    masked_fill, gather = ops.masked_fill, ops.gather

    # ----- reductions (torch's dim=/keepdim=; max(dim)/min(dim) give (values, indices))
    sum, mean, max, min, amax, amin = ops.sum, ops.mean, ops.max, ops.min, ops.amax, ops.amin
    argmax, argmin, std, var, norm = ops.argmax, ops.argmin, ops.std, ops.var, ops.norm

    # ----- shape and views (a view shares memory and the version counter)
    __getitem__ = ops.getitem
    reshape, view, flatten, squeeze, unsqueeze = ops.reshape, ops.view, ops.flatten, ops.squeeze, ops.unsqueeze
    permute, transpose, t, expand, repeat = ops.permute, ops.transpose, _t, ops.expand, ops.repeat
    narrow, chunk, split, contiguous, clone = ops.narrow, ops.chunk, ops.split, ops.contiguous, ops.clone
    T = property(lambda self: ops.permute(self, *reversed(range(self.ndim))))
    mT = property(lambda self: ops.transpose(self, -2, -1))

    def view_as(self, other: Tensor) -> Tensor:
        return ops.reshape(self, other.shape)

    def expand_as(self, other: Tensor) -> Tensor:
        return ops.expand(self, other.shape)

    # ----- device and dtype moves (differentiable into floating-point dtypes)
    to = ops.to

    def cpu(self) -> Tensor:
        return ops.to(self, "cpu")

    def cuda(self) -> Tensor:
        return ops.to(self, "cuda")

    def float(self) -> Tensor:
        """As float32."""
        return ops.to(self, dtype=dtypes.float32)

    def double(self) -> Tensor:
        """As float64."""
        return ops.to(self, dtype=dtypes.float64)

    def half(self) -> Tensor:
        return ops.to(self, dtype=dtypes.float16)

    def long(self) -> Tensor:
        """As int64 (no gradient)."""
        return ops.to(self, dtype=dtypes.int64)

    def int(self) -> Tensor:
        """As int32 (no gradient)."""
        return ops.to(self, dtype=dtypes.int32)

    def bool(self) -> Tensor:
        return ops.to(self, dtype=dtypes.bool)

    def type(self, dtype=None):
        """The dtype's name when called with nothing (torch gives 'torch.FloatTensor'), else ``to(dtype)``."""
        return str(self.dtype) if dtype is None else ops.to(self, dtype=dtype)

    def type_as(self, other: Tensor) -> Tensor:
        return ops.to(self, dtype=other.dtype)

    # ----- new tensors like this one (same dtype and device unless told)
    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
        return Tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def install() -> None:
    """Copy every method above onto Tensor (run once, when this module is imported).

    ``__hash__`` stays Tensor's own (object identity): a class that defines ``__eq__``
    gets ``__hash__ = None``, which must not reach Tensor."""
    for name, value in vars(TensorMethods).items():
        if name not in ("__module__", "__qualname__", "__doc__", "__dict__", "__weakref__", "__hash__"):
            setattr(Tensor, name, value)


install()
