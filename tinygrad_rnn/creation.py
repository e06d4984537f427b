"""Making tensors, torch's way: tensor, from_numpy, zeros, ones, full, empty, rand, randn, arange, eye, ...

``tensor(data)`` copies its data (as ``torch.tensor``); ``from_numpy(array)``
shares the array's memory (as ``torch.from_numpy``): a change to one is a
change to the other.  Random tensors draw from the library's generator
(``tr.manual_seed`` seeds it), on the host, then move to ``device``.
Every function takes ``dtype=``, ``device=`` and ``requires_grad=``
keywords; sizes are given as ``zeros(2, 3)`` or ``zeros((2, 3))``.
"""
from __future__ import annotations

import numpy as np

from . import backend, dtypes, rng
from .indexing import is_int
from .tensor import Tensor


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array or a Tensor)."""
    if isinstance(data, Tensor):
        data = data.array
    return Tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory when it already is an array of that dtype and device."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtypes.as_dtype(dtype)) and (
            device is None or backend.check_device(device) == data.device):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtypes.as_dtype(dtype)) and (
            backend.check_device(device) == "cpu"):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A CPU tensor sharing ``array``'s memory (no copy): writes to either show in both."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    if array.dtype.kind not in dtypes.NUMERIC_KINDS:
        raise TypeError(f"from_numpy: expected a numeric array, got dtype {array.dtype}")
    return Tensor.wrap(array)


def _size(size, name: str) -> tuple:
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    if not all(is_int(n) and n >= 0 for n in shape):
        raise ValueError(f"{name}: expected non-negative integer sizes, got {shape!r}")
    return shape


def _made(array, dtype, device, requires_grad, default=dtypes.DEFAULT_FLOAT) -> Tensor:
    dt = default if dtype is None else dtypes.as_dtype(dtype)
    if requires_grad and not dtypes.is_floating(dt):
        raise TypeError(f"only floating-point tensors can require gradients, got dtype {dt}")
    device = backend.check_device(device.split(":")[0] if isinstance(device, str) else
                                  (None if device is None else str(device)))
    arr = backend.to_device(np.asarray(array), device).astype(dt, copy=False)
    return Tensor.wrap(arr, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _made(np.zeros(_size(size, "zeros")), dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _made(np.ones(_size(size, "ones")), dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros here (torch leaves them uninitialised; reading them is a bug either way)."""
    return _made(np.zeros(_size(size, "empty")), dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (its dtype follows the value's kind, as torch)."""
    default = dtypes.scalar_dtype(fill_value)
    return _made(np.full(_size((size,), "full"), fill_value), dtype, device, requires_grad, default)


def _like(x: Tensor, dtype, device):
    if not isinstance(x, Tensor):
        raise TypeError(f"expected a Tensor to take the shape of, got {type(x).__name__}")
    return x.shape, (x.dtype if dtype is None else dtype), (x.device if device is None else device)


def zeros_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(x, dtype, device)
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(x, dtype, device)
    return ones(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(x, dtype, device)
    return empty(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(x: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    shape, dtype, device = _like(x, dtype, device)
    return full(shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def rand(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform draws from [0, 1)."""
    return _made(rng.generator().random(_size(size, "rand")), dtype, device, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal draws."""
    return _made(rng.generator().standard_normal(_size(size, "randn")), dtype, device, requires_grad)


def rand_like(x: Tensor, dtype=None, device=None) -> Tensor:
    shape, dtype, device = _like(x, dtype, device)
    return rand(shape, dtype=dtype, device=device)


def randn_like(x: Tensor, dtype=None, device=None) -> Tensor:
    shape, dtype, device = _like(x, dtype, device)
    return randn(shape, dtype=dtype, device=device)


def randint(low, high=None, size=None, dtype=None, device=None) -> Tensor:
    """Integers from [low, high) (``randint(high, size)`` starts at 0), int64 by default."""
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: expected a size, e.g. randint(0, 10, (3,))")
    if high is None:
        low, high = 0, low
    if not (is_int(low) and is_int(high)) or high <= low:
        raise ValueError(f"randint: expected integers low < high, got low={low!r}, high={high!r}")
    draws = rng.generator().integers(low, high, size=_size((size,), "randint"))
    return _made(draws, dtype, device, False, dtypes.int64)


def randperm(n: int, dtype=None, device=None) -> Tensor:
    """A random permutation of 0..n-1, int64 by default."""
    if not is_int(n) or n < 0:
        raise ValueError(f"randperm: expected a non-negative integer n, got {n!r}")
    return _made(rng.generator().permutation(n), dtype, device, False, dtypes.int64)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """start, start+step, ... below end (``arange(end)`` starts at 0); int64 unless a bound is a float."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    values = np.arange(start, end, step)
    default = dtypes.int64 if all(is_int(v) for v in (start, end, step)) else dtypes.DEFAULT_FLOAT
    return _made(values, dtype, device, requires_grad, default)


def linspace(start, end, steps: int, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included."""
    if not is_int(steps) or steps < 0:
        raise ValueError(f"linspace: expected a non-negative integer number of steps, got {steps!r}")
    return _made(np.linspace(start, end, steps), dtype, device, requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The n×m identity matrix (m = n by default)."""
    if not is_int(n) or n < 0 or not (m is None or (is_int(m) and m >= 0)):
        raise ValueError(f"eye: expected non-negative integer sizes, got n={n!r}, m={m!r}")
    return _made(np.eye(n, m), dtype, device, requires_grad)
