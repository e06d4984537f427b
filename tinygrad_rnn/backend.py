"""Backend: which array module (NumPy or CuPy) a tensor's data lives in.

The bottom of the house (see DESIGN.md). Every op asks ``array_module(data)``
for the module of the arrays it holds instead of calling NumPy directly, so
the same code runs on the CPU (``"cpu"``, NumPy) and on a GPU (``"cuda"``,
CuPy) and a CuPy array never leaves the GPU by accident.

The default device of new tensors is ``"cpu"``, or the value of the
environment variable ``TINYGRAD_RNN_DEVICE`` (``cpu`` or ``cuda``) read at
import time; ``set_default_device`` changes it at run time.

CuPy is imported lazily, the first time ``"cuda"`` is asked for.
"""
from __future__ import annotations

import os

import numpy as np

DEVICES = ("cpu", "cuda")
_cupy = None
_registry: dict = {}  # array type -> (array module, device name), for arrays that are not NumPy's


class DeviceError(RuntimeError):
    """A device that is not available, or tensors on different devices in one op."""


def _import_cupy():
    global _cupy
    if _cupy is None:
        try:
            import cupy
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise DeviceError(
                "device 'cuda' needs CuPy, which is not installed: "
                "pip install 'tinygrad_rnn[cuda]' (or a cupy-cudaXXx wheel matching your CUDA)"
            ) from e
        _cupy = cupy
        register_array_type(cupy.ndarray, cupy, "cuda")
    return _cupy


def register_array_type(array_type: type, module, device: str) -> None:
    """Declare that arrays of ``array_type`` belong to ``module`` on ``device`` (CuPy registers itself)."""
    _registry[array_type] = (module, device)


def cuda_available() -> bool:
    """True when CuPy imports and sees at least one GPU."""
    try:
        cp = _import_cupy()
        return cp.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def check_device(device: str | None) -> str:
    """Return a valid device name (the default for None), or raise naming the choices."""
    if device is None:
        return _default_device
    if device not in DEVICES:
        raise DeviceError(f"unknown device {device!r}: expected one of {DEVICES}")
    if device == "cuda":
        _import_cupy()
    return device


def module_for(device: str):
    """The array module of a device name: numpy for 'cpu', cupy for 'cuda'."""
    return np if device == "cpu" else _import_cupy()


def array_module(data):
    """The array module that owns ``data`` (numpy, or cupy for a CuPy array)."""
    if type(data) is np.ndarray:
        return np
    entry = _registry.get(type(data))
    return np if entry is None else entry[0]


def device_of(data) -> str:
    """'cpu' for a NumPy array, 'cuda' for a CuPy array."""
    entry = _registry.get(type(data))
    return "cpu" if entry is None else entry[1]


def to_device(data, device: str):
    """Copy ``data`` to ``device`` (no copy when it is there already)."""
    device = check_device(device)
    if device_of(data) == device:
        return data
    if device == "cpu":
        return data.get()
    return _import_cupy().asarray(data)


def to_numpy(data) -> np.ndarray:
    """A NumPy array of ``data``, copying it from the GPU when it lives there."""
    return data if isinstance(data, np.ndarray) else to_device(data, "cpu")


def device_key(data) -> str:
    """Which memory ``data`` lives in: 'cpu', or 'cuda:N' for a CuPy array on GPU N (pools key by it)."""
    device = device_of(data)
    gpu = getattr(data, "device", None)  # CuPy arrays carry their cupy.cuda.Device
    return device if gpu is None or not hasattr(gpu, "id") else f"{device}:{gpu.id}"


def current_device_key(xp) -> str:
    """The memory a new array of module ``xp`` is allocated in: 'cpu', or 'cuda:N' for CuPy's current GPU."""
    if xp is np:
        return "cpu"
    cuda = getattr(xp, "cuda", None)
    device = next((d for m, d in _registry.values() if m is xp), "cuda")
    return device if cuda is None else f"{device}:{cuda.runtime.getDevice()}"


def indices_in_range(indices, size: int, allowed: int | None = None) -> bool:
    """True when every index lies in [0, size) (or equals ``allowed``, e.g. an ignore_index).

    No host read for NumPy data; exactly one (a synchronisation) for data on a GPU, where an
    out-of-range index would otherwise wrap around silently instead of raising.
    """
    bad = (indices < 0) | (indices >= size)
    if allowed is not None:
        bad &= indices != allowed
    return not bool(bad.any())


def set_default_device(device: str) -> None:
    """Set the device that new tensors are created on when none is named."""
    global _default_device
    _default_device = check_device(device)


def get_default_device() -> str:
    return _default_device


_default_device = os.environ.get("TINYGRAD_RNN_DEVICE", "cpu").strip().lower() or "cpu"
if _default_device not in DEVICES:
    raise DeviceError(f"TINYGRAD_RNN_DEVICE={_default_device!r}: expected one of {DEVICES}")
