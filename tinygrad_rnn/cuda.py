"""``tr.cuda``: torch's ``torch.cuda.is_available()`` and friends."""
from __future__ import annotations

from . import backend


def is_available() -> bool:
    """True when CuPy imports and sees a GPU."""
    return backend.cuda_available()


def device_count() -> int:
    return 1 if backend.cuda_available() else 0
