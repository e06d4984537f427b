"""Dtypes: torch's names for NumPy's dtypes, and torch's type promotion.

``tr.float32`` *is* ``np.dtype("float32")``, so ``x.dtype == tr.float32``
holds whichever spelling made ``x``.  ``as_dtype`` accepts our names,
NumPy dtypes and their strings ("float64"), and torch's own dtypes.

Type promotion follows ``torch.result_type``: bool < integer < floating
point; among operands of the highest kind, a tensor with dimensions
outranks a 0-d tensor, which outranks a Python number; a Python number
of a higher kind than every tensor takes the default dtype of its kind
(float32 for a float, int64 for an int).  So ``int tensor * 0.5`` is
float32 and ``float32 tensor * 0.5`` stays float32.
"""
from __future__ import annotations

import numpy as np

float16 = half = np.dtype("float16")
float32 = float = np.dtype("float32")  # noqa: A001 - torch's name
float64 = double = np.dtype("float64")
int8, int16 = np.dtype("int8"), np.dtype("int16")
int32 = int = np.dtype("int32")  # noqa: A001 - torch's name (torch.int is int32)
int64 = long = np.dtype("int64")
uint8 = np.dtype("uint8")
bool = np.dtype("bool")  # noqa: A001 - torch's name

DEFAULT_FLOAT = float32
NUMERIC_KINDS = "biuf"  # bool, signed, unsigned, floating point


def as_dtype(dtype) -> np.dtype:
    """``dtype`` (our name, a NumPy dtype or its string, a torch dtype) as a NumPy dtype, or a clear error."""
    if hasattr(dtype, "is_floating_point") and str(dtype).startswith("torch."):  # torch.float32 without torch
        dtype = str(dtype)[len("torch."):]
    try:
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}: expected e.g. tr.float32, tr.float64, tr.int64, tr.bool") from None
    if result.kind not in NUMERIC_KINDS:
        raise TypeError(f"dtype {result} is not numeric: expected bool, integer or floating point")
    return result


def _kind_rank(dtype: np.dtype) -> int:
    return {"b": 0, "u": 1, "i": 1, "f": 2}[dtype.kind]


def _promote(a: np.dtype | None, b: np.dtype) -> np.dtype:
    """torch's promote_types: the higher kind wins whole (int64 + float32 is float32); same kind as NumPy."""
    if a is None:
        return b
    ra, rb = _kind_rank(a), _kind_rank(b)
    if ra != rb:
        return a if ra > rb else b
    return np.promote_types(a, b)


def scalar_dtype(value) -> np.dtype:
    """The default dtype of a Python number's kind (torch's wrapped numbers)."""
    if isinstance(value, (np.bool_, type(True))):
        return bool
    if isinstance(value, (np.integer, type(1))):
        return int64
    return DEFAULT_FLOAT


def result_type(*operands) -> np.dtype:
    """torch.result_type of Tensors (anything with ``.dtype`` and ``.ndim``) and Python numbers."""
    tiers = [None, None, None]  # promoted dtype of: tensors with dims, 0-d tensors, Python numbers
    for x in operands:
        if hasattr(x, "dtype") and hasattr(x, "ndim"):
            tier, dt = (0 if x.ndim else 1), np.dtype(x.dtype)
        else:
            tier, dt = 2, scalar_dtype(x)
        tiers[tier] = _promote(tiers[tier], dt)
    result = None
    for dt in tiers:  # a lower tier counts only when it is of a higher kind than everything above it
        if dt is not None and (result is None or _kind_rank(dt) > _kind_rank(result)):
            result = dt if result is None else _promote(result, dt)
    return result


def can_store(src, dst) -> bool:
    """Whether an in-place result of dtype ``src`` may be written into a tensor of dtype ``dst``
    (torch's canCast: not to a lower kind, e.g. no float into an int tensor)."""
    return _kind_rank(np.dtype(src)) <= _kind_rank(np.dtype(dst))


def is_floating(dtype) -> bool:
    return np.dtype(dtype).kind == "f"
