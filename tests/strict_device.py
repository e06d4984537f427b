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

import contextlib
import os
from dataclasses import dataclass

import numpy as np
import pytest

from tinygrad_rnn import backend

from .cupy13 import CUPY13, NAMESPACE_FILE
from .strict_array import SYNCS, UPLOADS, StrictArray, unwrap, wrap, wrap_indices

__all__ = ["STRICT", "SYNCS", "UPLOADS", "StrictArray", "strict_cuda", "gpu_device", "TEST_DEVICE", "CUPY13"]


class StrictUfunc:
    """A NumPy ufunc on device arrays: call with ``out=``, ``at`` (indices wrap), ``reduce`` for add/multiply."""

    def __init__(self, ufunc: np.ufunc):
        self.ufunc, self.__name__ = ufunc, ufunc.__name__

    def __call__(self, *args, out=None, **kwargs):
        if out is not None:
            kwargs["out"] = unwrap(out)
        return wrap(self.ufunc(*unwrap(args), **kwargs))

    def at(self, a, indices, b=None):
        if self.__name__ not in ("add", "subtract", "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor"):
            raise NotImplementedError(f"`cupy_{self.__name__}.at` is not supported yet")
        index = wrap_indices(unwrap(indices, host_ok=True), a._a.shape)
        self.ufunc.at(a._a, index, *(() if b is None else (unwrap(b),)))

    def reduce(self, array, axis=0, **kwargs):
        if self.__name__ not in ("add", "multiply"):
            raise NotImplementedError(f"`cupy_{self.__name__}.reduce` is not supported yet")
        return wrap(self.ufunc.reduce(unwrap(array), axis=axis, **unwrap(kwargs)))

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
            return lambda a, indices, axis: wrap(np.take_along_axis(
                unwrap(a), unwrap(indices) % a.shape[axis] if a.shape[axis] else unwrap(indices), axis))
        if name == "take":
            return lambda a, indices, axis=None, **k: a.take(indices, axis=axis, **k)
        host_ok = name in ("array", "asarray", "asanyarray")
        return lambda *args, **kwargs: wrap(obj(*unwrap(args, host_ok), **unwrap(kwargs, host_ok)))


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
