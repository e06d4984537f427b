"""Every operator and method of Tensor beyond its core, in one place.

Read this as the rest of ``class Tensor`` (``tensor.py`` holds the data,
backward and the version counter): ``x + y`` is ``ops.add(x, y)``,
``x.sum(dim=0)`` is ``ops.sum(x, dim=0)``, and so on; each functional form
sits at the end of the op file it belongs to (``ops/arith.py``, ...), with
the op's derivative above it.  ``install()`` copies these onto ``Tensor``
once, when the package is imported; they are written here rather than in
``tensor.py`` because the ops are built on Tensor (the layers never import
upward).
"""
from __future__ import annotations

import operator

import numpy as np

from . import backend, dtypes, indexing, ops, rng
from .autograd import is_grad_enabled
from .creation import full, ones, zeros
from .ops.arith import Add, Mul
from .ops.shape import t as _t
from .tensor import Tensor


def _reversed(fn):
    return lambda self, other: fn(other, self)


def _fast(op, checked):
    """``checked`` (the functional form), with the hot path a op b of one dtype going straight to the op."""
    def method(self, other):
        if isinstance(other, Tensor) and self.array.dtype is other.array.dtype:  # Parameters too
            return op.apply(self, other)
        return checked(self, other)
    method.__name__, method.__doc__ = checked.__name__, checked.__doc__
    return method


class TensorMethods:
    """The operators and methods; ``self`` is the Tensor."""

    # ----- arithmetic (operands brought to torch's result type first)
    __add__, __mul__ = _fast(Add, ops.add), _fast(Mul, ops.mul)
    __sub__, __truediv__ = ops.sub, ops.div
    __radd__, __rsub__, __rmul__, __rtruediv__ = (_reversed(f) for f in (ops.add, ops.sub, ops.mul, ops.div))
    __neg__, __pow__, __abs__ = ops.neg, ops.pow, ops.abs
    __matmul__, __rmatmul__ = ops.matmul, _reversed(lambda a, b: ops.matmul(ops.lift(a, b), b))
    add, sub, mul, div, pow, matmul, mm, bmm = ops.add, ops.sub, ops.mul, ops.div, ops.pow, ops.matmul, ops.mm, ops.bmm

    # ----- comparisons: bool tensors, outside the graph (== is elementwise, so Tensor keeps object.__hash__)
    __eq__, __ne__, __lt__, __le__, __gt__, __ge__ = ops.eq, ops.ne, ops.lt, ops.le, ops.gt, ops.ge
    eq, ne, lt, le, gt, ge, any, all = ops.eq, ops.ne, ops.lt, ops.le, ops.gt, ops.ge, ops.any, ops.all

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

    # ----- in-place changes: each bumps the version counter (torch's rules: refused on a leaf that
    # requires grad outside no_grad; here also refused on a non-leaf in a graph, instead of rewriting history)
    def _check_in_place(self, name: str) -> None:
        if self.requires_grad and is_grad_enabled():
            if self._ctx is None:
                raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an in-place "
                                   "operation (as torch); change it under tr.no_grad() or through .data")
            raise RuntimeError(f"{name}: in-place change of a tensor that is part of a graph (the result of an op "
                               "on tensors that require grad) is not supported; use the out-of-place form, "
                               "e.g. y = y + x instead of y.add_(x)")

    def _write(self, name: str, value, cast: bool = False) -> "Tensor":
        """Store ``value`` (an array broadcastable to self) into self.array, in place; bump the version."""
        if not cast and not dtypes.can_store(value.dtype, self.dtype):
            raise RuntimeError(f"{name}: result type {value.dtype} can't be cast to the desired output type "
                               f"{self.dtype} (a tensor of dtype {self.dtype} changed in place keeps its dtype)")
        self._check_fits(name, value)
        self.array[...] = value
        self._bump_version()
        return self

    def _check_fits(self, name: str, value) -> None:
        try:
            fits = np.broadcast_shapes(tuple(value.shape), self.shape) == self.shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"{name}: a value of shape {tuple(value.shape)} does not broadcast to the "
                               f"tensor's shape {self.shape} (an in-place change keeps the shape)")

    def _operand(self, name: str, other):
        """``other`` (a Tensor or number) as an array on self's device that broadcasts to self's shape."""
        if isinstance(other, Tensor):
            _refuse_graph_value(name, other)
            if other.device != self.device:
                raise backend.DeviceError(f"{name}: expected a tensor on {self.device!r}, got {other.device!r}")
            self._check_fits(name, other.array)
            return other.array
        if isinstance(other, (int, float, np.number, np.bool_)) and not isinstance(other, complex):
            return backend.array_module(self.array).asarray(other, dtype=dtypes.result_type(self, other))
        raise TypeError(f"{name}: expected a Tensor or a number, got {type(other).__name__}")

    def _arith_(self, name: str, op, other, alpha=1) -> "Tensor":
        """self = op(self, alpha * other) in place; refused when the result's dtype is of a higher kind."""
        self._check_in_place(name)
        o = self._operand(name, other)
        result = dtypes.result_type(self, other, *([] if alpha == 1 else [alpha]))
        if name == "div_" and result.kind != "f":
            result = dtypes.DEFAULT_FLOAT
        if not dtypes.can_store(result, self.dtype):
            raise RuntimeError(f"{name}: result type {result} can't be cast to the desired output type "
                               f"{self.dtype} (a tensor of dtype {self.dtype} changed in place keeps its dtype)")
        return self._write(name, op(self.array, o if alpha == 1 else o * alpha), cast=True)

    def add_(self, other, alpha=1) -> "Tensor":
        """self += alpha * other (torch's ``add_``)."""
        return self._arith_("add_", operator.add, other, alpha)

    def sub_(self, other, alpha=1) -> "Tensor":
        """self -= alpha * other."""
        return self._arith_("sub_", operator.sub, other, alpha)

    def mul_(self, other) -> "Tensor":
        return self._arith_("mul_", operator.mul, other)

    def div_(self, other) -> "Tensor":
        return self._arith_("div_", operator.truediv, other)

    def _augmented(self, name: str, in_place, out_of_place, other):
        """``x op= y``: in place (torch's meaning), unless autograd must see it; then ``x = x op y``.

        torch records an in-place op in the graph; this engine does not.  So when x is a result inside a
        graph, or y requires grad (``total += loss`` with ``total = tr.zeros(())``), x is rebound to the new
        node x op y: the same value and an exact gradient.  A view cannot be rebound in its base, so that
        case is refused rather than leaving the base unchanged; a leaf that requires grad is refused as torch.
        """
        takes_grad = isinstance(other, Tensor) and other.requires_grad
        if is_grad_enabled() and (self._ctx is not None or (takes_grad and not self.requires_grad)):
            if self.array.base is not None:
                raise RuntimeError(f"{name}: in-place change of a view that autograd would have to record (it is "
                                   "part of a graph, or the value requires grad) is not supported: change the tensor "
                                   "it is a view of out of place, e.g. y = y + x, or build it with tr.stack/tr.cat")
            return out_of_place(self, other)
        return in_place(self, other)

    def __iadd__(self, other):
        return self._augmented("+=", Tensor.add_, operator.add, other)

    def __isub__(self, other):
        return self._augmented("-=", Tensor.sub_, operator.sub, other)

    def __imul__(self, other):
        return self._augmented("*=", Tensor.mul_, operator.mul, other)

    def __itruediv__(self, other):
        return self._augmented("/=", Tensor.div_, operator.truediv, other)

    def zero_(self) -> "Tensor":
        return self.fill_(0)

    def fill_(self, value) -> "Tensor":
        self._check_in_place("fill_")
        return self._write("fill_", self._operand("fill_", value), cast=True)

    def copy_(self, src) -> "Tensor":
        """Copy ``src`` (broadcast, cast to self's dtype, moved to self's device) into self."""
        self._check_in_place("copy_")
        if not isinstance(src, Tensor):
            raise TypeError(f"copy_: expected a Tensor as src, got {type(src).__name__}")
        _refuse_graph_value("copy_", src)
        return self._write("copy_", backend.to_device(src.array, self.device), cast=True)

    def clamp_(self, min=None, max=None) -> "Tensor":  # noqa: A002 - torch's argument names
        self._check_in_place("clamp_")
        if min is None and max is None:
            raise ValueError("clamp_: give at least one of min and max")
        result = dtypes.result_type(self, *(v for v in (min, max) if v is not None))
        if not dtypes.can_store(result, self.dtype):
            raise RuntimeError(f"clamp_: result type {result} can't be cast to the desired output type {self.dtype} "
                               f"(a tensor of dtype {self.dtype} changed in place keeps its dtype)")
        return self._write("clamp_", backend.array_module(self.array).clip(self.array, min, max), cast=True)

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> "Tensor":
        """Fill with draws from U(a, b), from the library's generator (``tr.manual_seed``)."""
        self._check_in_place("uniform_")
        return self._write("uniform_", backend.to_device(rng.generator().uniform(a, b, self.shape), self.device),
                           cast=True)

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> "Tensor":
        """Fill with draws from N(mean, std²), from the library's generator."""
        self._check_in_place("normal_")
        return self._write("normal_", backend.to_device(rng.generator().normal(mean, std, self.shape),
                                                        self.device), cast=True)

    def __setitem__(self, index, value) -> None:
        """x[index] = value, in place (ints, slices, None, ..., masks and integer arrays, range-checked)."""
        self._check_in_place("__setitem__")
        idx = indexing.as_index(self.array, index)  # the same rules and range checks as x[index]
        if isinstance(value, Tensor):
            _refuse_graph_value("__setitem__", value)
            if value.device != self.device:
                raise backend.DeviceError(f"__setitem__: expected a value on {self.device!r}, got {value.device!r}")
            v = value.array
        else:
            v = self._operand("__setitem__", value)
        if not dtypes.can_store(v.dtype, self.dtype):
            raise RuntimeError(f"__setitem__: a value of dtype {v.dtype} can't be stored in a tensor of dtype "
                               f"{self.dtype}")
        region = self.array[idx]
        while v.ndim > region.ndim and v.shape[0] == 1:  # torch drops the value's leading size-1 dims
            v = v[0]
        try:
            fits = np.broadcast_shapes(tuple(v.shape), tuple(region.shape)) == tuple(region.shape)
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"__setitem__: a value of shape {tuple(v.shape)} does not fit the selected "
                               f"region of shape {tuple(region.shape)}")
        self.array[idx] = v
        self._bump_version()


def _refuse_graph_value(name: str, value: Tensor) -> None:
    """An in-place write of a value that requires grad would drop its gradient here (no in-place graph nodes)."""
    if value.requires_grad and is_grad_enabled():
        raise RuntimeError(f"{name}: the value requires grad, but an in-place write is not recorded by autograd "
                           "here, so its gradient would be lost; build the result out of place instead "
                           "(tr.stack / tr.cat of the steps, or y = x + v), or write v.detach() under tr.no_grad()")


def install() -> None:
    """Copy every method above onto Tensor (run once, when this module is imported).

    ``__hash__`` stays Tensor's own (object identity): a class that defines ``__eq__``
    gets ``__hash__ = None``, which must not reach Tensor."""
    for name, value in vars(TensorMethods).items():
        if name not in ("__module__", "__qualname__", "__doc__", "__dict__", "__weakref__", "__hash__"):
            setattr(Tensor, name, value)


install()
