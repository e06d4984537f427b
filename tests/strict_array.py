"""The array of the strict CuPy 13 stand-in: ``StrictArray``, and the counts of host reads and uploads.

See ``strict_device.py`` for what the stand-in is and how it is installed.
``StrictArray`` wraps a NumPy array but is not an ``ndarray`` subclass; every
read back to the host is recorded in ``SYNCS`` (kind, file and line), every
copy from the host in ``UPLOADS``; integer-array indices wrap around as on CuPy.
"""
from __future__ import annotations

import operator
import traceback
from collections import Counter
from pathlib import Path

import numpy as np

from .cupy13 import CUPY13


class Syncs(Counter):
    """Host reads by kind, and where each happened (``where``: 'file:line function' of the caller)."""

    def __init__(self):
        super().__init__()
        self.where: list[str] = []
        self.bytes = 0

    def record(self, kind: str) -> None:
        self[kind] += 1
        frame = next((f for f in reversed(traceback.extract_stack(limit=8)[:-2])
                      if Path(f.filename).name not in ("strict_array.py", "strict_device.py")), None)
        self.where.append(f"{kind} at {Path(frame.filename).name}:{frame.lineno} {frame.name}" if frame else kind)

    @property
    def total(self) -> int:
        return sum(self.values())

    def reset(self) -> None:
        self.clear()
        self.where, self.bytes = [], 0


SYNCS = Syncs()      # device -> host reads
UPLOADS = Syncs()    # host -> device copies ("upload" once per copy; ``UPLOADS.bytes`` in all)
HOST_TYPES = (bool, int, float, complex, np.generic)


def reject_host(x):
    raise TypeError(f"Unsupported type {type(x)} (a host numpy.ndarray of shape {x.shape} mixed with device "
                    "arrays: CuPy refuses implicit host-to-device conversion)")


def unwrap(x, host_ok: bool = False):
    """Device arrays to their NumPy storage; a host ndarray raises unless ``host_ok`` (an explicit upload)."""
    if type(x) is StrictArray:
        return x._a
    if isinstance(x, np.ndarray):
        if not host_ok:
            reject_host(x)
        UPLOADS.record("upload")
        UPLOADS.bytes += x.nbytes
        return x
    if isinstance(x, (list, tuple)):
        return type(x)(unwrap(v, host_ok) for v in x)
    if isinstance(x, dict):
        return {k: unwrap(v, host_ok) for k, v in x.items()}
    return x


def wrap(x):
    """NumPy results back on the device; NumPy scalars become 0-d device arrays (CuPy returns no scalars)."""
    if isinstance(x, (np.ndarray, np.generic)):
        return StrictArray(np.asarray(x))
    if isinstance(x, (list, tuple)):
        return type(x)(wrap(v) for v in x)
    return x


def wrap_indices(index, shape: tuple):
    """``index`` with every integer-array part taken modulo its axis' length (CuPy wraps, NumPy raises)."""
    parts = list(index) if isinstance(index, tuple) else [index]
    parts = [np.asarray(p._a if type(p) is StrictArray else p) if isinstance(p, (list, StrictArray, np.ndarray))
             else p for p in parts]
    used = sum(p.ndim if isinstance(p, np.ndarray) and p.dtype == bool else (p is not None and p is not Ellipsis)
               for p in parts)
    dim, out = 0, []
    for p in parts:
        if p is Ellipsis:
            dim += len(shape) - used
        elif isinstance(p, np.ndarray) and p.dtype == bool:
            dim += p.ndim
        elif isinstance(p, np.ndarray) and p.dtype.kind in "iu":
            p = p % shape[dim] if dim < len(shape) and shape[dim] else p
            dim += 1
        elif p is not None:
            dim += 1
        out.append(p)
    return tuple(out) if isinstance(index, tuple) else out[0]


# The methods and attributes of cupy.ndarray that the stand-in forwards to NumPy (all exist in CuPy 13).
METHODS = frozenset("""all any argmax argmin argsort astype clip conj copy cumprod cumsum diagonal dot fill flatten
max mean min nonzero prod ravel repeat reshape round sort squeeze std sum swapaxes take trace transpose var view
""".split())
ATTRIBUTES = frozenset("shape dtype ndim size strides nbytes itemsize flags T real imag base".split())


def _binary(op, reflected=False):
    def method(self, other):
        if isinstance(other, np.ndarray):
            reject_host(other)
        if type(other) is not StrictArray and not isinstance(other, HOST_TYPES):
            return NotImplemented
        a, b = self._a, unwrap(other)
        return wrap(op(b, a) if reflected else op(a, b))
    return method


def _inplace(op):
    def method(self, other):
        if isinstance(other, np.ndarray):
            reject_host(other)
        op(self._a, unwrap(other))
        return self
    return method


class StrictArray:
    """A CuPy-like device array over a NumPy array (see the module docstring)."""

    __slots__ = ("_a",)
    __hash__ = None

    def __init__(self, a: np.ndarray):
        self._a = a

    # ----- host reads: counted
    def get(self, stream=None) -> np.ndarray:
        SYNCS.record("get")
        return self._a.copy()

    def item(self):
        if self._a.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        SYNCS.record("item")
        return self._a.item()

    def tolist(self):
        SYNCS.record("tolist")
        return self._a.tolist()

    def _scalar(self, kind, convert):
        if self._a.size != 1:
            raise TypeError(f"only size-1 arrays can be converted to Python scalars, got shape {self._a.shape}")
        SYNCS.record(kind)
        return convert(self._a.reshape(()).item())

    __float__ = lambda self: self._scalar("float", float)  # noqa: E731
    __int__ = lambda self: self._scalar("int", int)  # noqa: E731
    __complex__ = lambda self: self._scalar("complex", complex)  # noqa: E731

    def __bool__(self):
        if self._a.size != 1:
            raise ValueError(f"The truth value of an array with {self._a.size} elements is ambiguous")
        return self._scalar("bool", bool)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    @property
    def __cuda_array_interface__(self) -> dict:
        """As CuPy arrays have (libraries detect device arrays by it); the pointer is host memory here."""
        a = self._a
        return {"shape": a.shape, "typestr": a.dtype.str, "descr": a.dtype.descr, "version": 3,
                "strides": None if a.flags.c_contiguous else a.strides, "data": (a.ctypes.data, False)}

    def __repr__(self):
        return f"StrictArray({self._a!r})"  # for test failures only: not a counted read

    # ----- what CuPy forwards from NumPy calls on its arrays
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from .strict_device import STRICT  # the module of these arrays (imported late: it imports this file)
        fn = getattr(STRICT, ufunc.__name__, None)
        if fn is None:
            return NotImplemented
        return getattr(fn, method)(*inputs, **kwargs) if method != "__call__" else fn(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from .strict_device import STRICT
        if func.__name__ not in CUPY13:
            return NotImplemented
        return getattr(STRICT, func.__name__)(*args, **kwargs)

    # ----- containers and indexing (integer-array indices wrap around, as on CuPy)
    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (StrictArray(np.asarray(row)) for row in self._a)

    def __getitem__(self, index):
        return wrap(self._a[wrap_indices(index, self._a.shape)])

    def __setitem__(self, index, value):
        self._a[wrap_indices(index, self._a.shape)] = unwrap(value, host_ok=True)

    def __getattr__(self, name):
        if name in ATTRIBUTES:
            if name == "base":  # CuPy's: the array this one is a view of, or None
                return None if self._a.base is None else wrap(self._a.base)
            return wrap(getattr(self._a, name)) if name in ("T", "real", "imag") else getattr(self._a, name)
        if name not in METHODS:
            raise AttributeError(f"'cupy.ndarray' (strict stand-in) has no attribute {name!r}")
        method = getattr(self._a, name)
        if name == "take":
            return lambda indices, axis=None, **k: wrap(np.take(self._a, wrap_indices(
                unwrap(indices, True), (self._a.size,) if axis is None else (self._a.shape[axis],)), axis, **k))
        return lambda *a, **k: wrap(method(*unwrap(a), **unwrap(k)))

    __add__, __radd__ = _binary(operator.add), _binary(operator.add, True)
    __sub__, __rsub__ = _binary(operator.sub), _binary(operator.sub, True)
    __mul__, __rmul__ = _binary(operator.mul), _binary(operator.mul, True)
    __truediv__, __rtruediv__ = _binary(operator.truediv), _binary(operator.truediv, True)
    __floordiv__, __rfloordiv__ = _binary(operator.floordiv), _binary(operator.floordiv, True)
    __mod__, __rmod__ = _binary(operator.mod), _binary(operator.mod, True)
    __pow__, __rpow__ = _binary(operator.pow), _binary(operator.pow, True)
    __matmul__, __rmatmul__ = _binary(operator.matmul), _binary(operator.matmul, True)
    __and__, __rand__ = _binary(operator.and_), _binary(operator.and_, True)
    __or__, __ror__ = _binary(operator.or_), _binary(operator.or_, True)
    __xor__, __rxor__ = _binary(operator.xor), _binary(operator.xor, True)
    __lshift__, __rshift__ = _binary(operator.lshift), _binary(operator.rshift)
    __eq__, __ne__ = _binary(operator.eq), _binary(operator.ne)
    __lt__, __le__ = _binary(operator.lt), _binary(operator.le)
    __gt__, __ge__ = _binary(operator.gt), _binary(operator.ge)
    __iadd__, __isub__, __imul__ = _inplace(operator.iadd), _inplace(operator.isub), _inplace(operator.imul)
    __itruediv__, __ipow__ = _inplace(operator.itruediv), _inplace(operator.ipow)
    __iand__, __ior__, __ixor__ = _inplace(operator.iand), _inplace(operator.ior), _inplace(operator.ixor)
    __neg__ = lambda self: StrictArray(-self._a)  # noqa: E731
    __pos__ = lambda self: StrictArray(+self._a)  # noqa: E731
    __abs__ = lambda self: StrictArray(abs(self._a))  # noqa: E731
    __invert__ = lambda self: StrictArray(~self._a)  # noqa: E731
