"""A strict stand-in for a CuPy 13 GPU, so that GPU readiness is tested on a CPU.

``StrictArray`` wraps a NumPy array but is *not* an ``ndarray`` subclass, and
behaves as ``cupy.ndarray`` does where that matters to a library:

- ``np.asarray(a)`` raises ("Implicit conversion to a NumPy array is not
  allowed", CuPy's words), and so does mixing it with a host ``ndarray`` in an
  operator or a function: data never leaves the "device" by accident;
- reductions return 0-d arrays, not Python numbers, and every host read
  (``float``, ``int``, ``bool``, ``complex``, ``.item()``, ``.get()``, ``.tolist()``,
  ``asnumpy``) is counted in ``SYNCS`` (a synchronisation on a real GPU);
- integer-array indices out of range wrap around (``i % n``) instead of raising,
  in ``a[idx]``, ``a[idx] = v``, ``take``, ``take_along_axis`` and ``add.at``,
  as CuPy's kernels do;
- its module, ``STRICT``, hands out only the names of CuPy 13's namespace
  (``cupy13_namespace.txt``, derived from CuPy's own ``__init__.py``).

``strict_cuda()`` installs the stand-in as the "cuda" device of the backend
(CuPy itself is never imported), so the library runs its real "cuda" code paths.
"""
from __future__ import annotations

import ast
import contextlib
import operator
import os
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tinygrad_rnn import backend

NAMESPACE_FILE = Path(__file__).with_name("cupy13_namespace.txt")
CUPY13 = frozenset(line.strip() for line in NAMESPACE_FILE.read_text().splitlines()
                   if line.strip() and not line.startswith("#"))


def namespace_from_source(source: str) -> list[str]:
    """The public names a module's source binds at top level (imports, defs, assignments, if/try bodies)."""
    names: set = set()

    def visit(body):
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name))
            elif isinstance(node, (ast.If, ast.Try)):
                visit(node.body)
                visit(getattr(node, "orelse", []))
    visit(ast.parse(source).body)
    return sorted(n for n in names if not n.startswith("_"))


class Syncs(Counter):
    """Host reads by kind, and where each happened (``where``: 'file:line function' of the caller)."""

    def __init__(self):
        super().__init__()
        self.where: list[str] = []
        self.bytes = 0

    def record(self, kind: str) -> None:
        self[kind] += 1
        frame = next((f for f in reversed(traceback.extract_stack(limit=8)[:-2])
                      if not f.filename.endswith("strict_device.py")), None)
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


def _reject_host(x):
    raise TypeError(f"Unsupported type {type(x)} (a host numpy.ndarray of shape {x.shape} mixed with device "
                    "arrays: CuPy refuses implicit host-to-device conversion)")


def _unwrap(x, host_ok: bool = False):
    """Device arrays to their NumPy storage; a host ndarray raises unless ``host_ok`` (an explicit upload)."""
    if type(x) is StrictArray:
        return x._a
    if isinstance(x, np.ndarray):
        if not host_ok:
            _reject_host(x)
        UPLOADS.record("upload")
        UPLOADS.bytes += x.nbytes
        return x
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v, host_ok) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v, host_ok) for k, v in x.items()}
    return x


def _wrap(x):
    """NumPy results back on the device; NumPy scalars become 0-d device arrays (CuPy returns no scalars)."""
    if isinstance(x, (np.ndarray, np.generic)):
        return StrictArray(np.asarray(x))
    if isinstance(x, (list, tuple)):
        return type(x)(_wrap(v) for v in x)
    return x


def _wrap_indices(index, shape: tuple):
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
ATTRIBUTES = frozenset("shape dtype ndim size strides nbytes itemsize flags T real imag".split())


def _binary(op, reflected=False):
    def method(self, other):
        if isinstance(other, np.ndarray):
            _reject_host(other)
        if type(other) is not StrictArray and not isinstance(other, HOST_TYPES):
            return NotImplemented
        a, b = self._a, _unwrap(other)
        return _wrap(op(b, a) if reflected else op(a, b))
    return method


def _inplace(op):
    def method(self, other):
        if isinstance(other, np.ndarray):
            _reject_host(other)
        op(self._a, _unwrap(other))
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
        fn = getattr(STRICT, ufunc.__name__, None)
        if fn is None:
            return NotImplemented
        return getattr(fn, method)(*inputs, **kwargs) if method != "__call__" else fn(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if func.__name__ not in CUPY13:
            return NotImplemented
        return getattr(STRICT, func.__name__)(*args, **kwargs)

    # ----- containers and indexing (integer-array indices wrap around, as on CuPy)
    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (StrictArray(np.asarray(row)) for row in self._a)

    def __getitem__(self, index):
        return _wrap(self._a[_wrap_indices(index, self._a.shape)])

    def __setitem__(self, index, value):
        self._a[_wrap_indices(index, self._a.shape)] = _unwrap(value, host_ok=True)

    def __getattr__(self, name):
        if name in ATTRIBUTES:
            return _wrap(getattr(self._a, name)) if name in ("T", "real", "imag") else getattr(self._a, name)
        if name not in METHODS:
            raise AttributeError(f"'cupy.ndarray' (strict stand-in) has no attribute {name!r}")
        method = getattr(self._a, name)
        if name == "take":
            return lambda indices, axis=None, **k: _wrap(np.take(self._a, _wrap_indices(
                _unwrap(indices, True), (self._a.size,) if axis is None else (self._a.shape[axis],)), axis, **k))
        return lambda *a, **k: _wrap(method(*_unwrap(a), **_unwrap(k)))

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


class StrictUfunc:
    """A NumPy ufunc on device arrays: call with ``out=``, ``at`` (indices wrap), ``reduce`` for add/multiply."""

    def __init__(self, ufunc: np.ufunc):
        self.ufunc, self.__name__ = ufunc, ufunc.__name__

    def __call__(self, *args, out=None, **kwargs):
        if out is not None:
            kwargs["out"] = _unwrap(out)
        return _wrap(self.ufunc(*_unwrap(args), **kwargs))

    def at(self, a, indices, b=None):
        if self.__name__ not in ("add", "subtract", "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor"):
            raise NotImplementedError(f"`cupy_{self.__name__}.at` is not supported yet")
        index = _wrap_indices(_unwrap(indices, host_ok=True), a._a.shape)
        self.ufunc.at(a._a, index, *(() if b is None else (_unwrap(b),)))

    def reduce(self, array, axis=0, **kwargs):
        if self.__name__ not in ("add", "multiply"):
            raise NotImplementedError(f"`cupy_{self.__name__}.reduce` is not supported yet")
        return _wrap(self.ufunc.reduce(_unwrap(array), axis=axis, **_unwrap(kwargs)))

    def __getattr__(self, name):
        raise AttributeError(f"cupy.ufunc (strict stand-in) does not simulate {name!r}")


class StrictModule:
    """The stand-in ``cupy``: only CuPy 13's names; functions take device arrays and return device arrays.

    Only ``array``/``asarray``/``asanyarray`` accept host data (the explicit upload); ``asnumpy`` is a
    counted read.  Index-taking functions wrap out-of-range indices as CuPy does.
    """

    ndarray = StrictArray
    syncs = SYNCS
    __name__ = "cupy"

    def __getattr__(self, name):
        if name not in CUPY13:
            raise AttributeError(f"module 'cupy' has no attribute {name!r} (not in CuPy 13's namespace, "
                                 f"{NAMESPACE_FILE.name})")
        if name == "asnumpy":
            return lambda a, *args, **kwargs: a.get() if type(a) is StrictArray else np.asarray(a)
        if name == "get_array_module":
            return lambda *args: STRICT if any(type(a) is StrictArray for a in args) else np
        obj = getattr(np, name, None)
        if obj is None or isinstance(obj, type(np)):
            raise AttributeError(f"the strict stand-in does not simulate cupy.{name}")
        if isinstance(obj, np.ufunc):
            return StrictUfunc(obj)
        if isinstance(obj, type) or not callable(obj):
            return obj  # dtypes and constants are NumPy's own in CuPy too
        if name == "take_along_axis":
            return lambda a, indices, axis: _wrap(np.take_along_axis(
                _unwrap(a), _unwrap(indices) % a.shape[axis] if a.shape[axis] else _unwrap(indices), axis))
        if name == "take":
            return lambda a, indices, axis=None, **k: a.take(indices, axis=axis, **k)
        host_ok = name in ("array", "asarray", "asanyarray")
        return lambda *args, **kwargs: _wrap(obj(*_unwrap(args, host_ok), **_unwrap(kwargs, host_ok)))


STRICT = StrictModule()


def reset_counts() -> None:
    SYNCS.reset()
    UPLOADS.reset()


@contextlib.contextmanager
def strict_cuda():
    """Make the stand-in the backend's "cuda" device for the duration (CuPy is not imported)."""
    saved_cupy, saved_registry = backend._cupy, dict(backend._registry)
    backend._cupy = STRICT
    backend.register_array_type(StrictArray, STRICT, "cuda")
    reset_counts()
    try:
        yield STRICT
    finally:
        backend._cupy = saved_cupy
        backend._registry.clear()
        backend._registry.update(saved_registry)


# "strict" (the default): the stand-in above; "cuda": real CuPy on a GPU (benchmarks/gpu_check.sh sets it).
TEST_DEVICE = os.environ.get("TINYGRAD_RNN_TEST_DEVICE", "strict").strip().lower()


@dataclass
class Gpu:
    """What a GPU test runs on: the device name ("cuda"), its array module, and whether it is the stand-in."""
    xp: object
    strict: bool
    name: str = "cuda"

    def need_strict(self, what: str) -> None:
        if not self.strict:
            pytest.skip(f"{what} needs the strict stand-in (real CuPy does not count host reads)")


def gpu_device():
    """The body of a test file's ``gpu`` fixture (``yield from gpu_device()``): the "cuda" device, as the
    strict stand-in, or real CuPy with TINYGRAD_RNN_TEST_DEVICE=cuda.

    Asking for real CuPy where there is none fails (it does not skip): a GPU check must not pass by
    running nothing.
    """
    if TEST_DEVICE == "cuda":
        if not backend.cuda_available():
            pytest.fail("TINYGRAD_RNN_TEST_DEVICE=cuda, but CuPy or a GPU is not available")
        yield Gpu(backend.module_for("cuda"), strict=False)
    elif TEST_DEVICE == "strict":
        with strict_cuda() as xp:
            yield Gpu(xp, strict=True)
    else:
        pytest.fail(f"TINYGRAD_RNN_TEST_DEVICE={TEST_DEVICE!r}: expected 'strict' or 'cuda'")
