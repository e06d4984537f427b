"""save / load: state dicts and checkpoints as data (JSON + raw array bytes), never code.

``tr.save(obj, path)`` and ``tr.load(path)`` do what torch's do for state
dicts: ``obj`` is nested dicts, lists and tuples of Tensors, NumPy arrays,
numbers (big ints too: NumPy's RNG states), strings, bools and None.  Unlike
torch's, the file is not a pickle, so loading it cannot run code.

The file, byte for byte::

    tinygrad_rnn save format 1\\n           magic line: what the file is and its format version
    {"library": "0.1.0", ...}\\n            header: one line of JSON (the structure; each array's
                                           dtype, shape, offset and byte count into the data)
    sha256 <64 hex digits>\\n               SHA-256 of the header line and the data together
    <data>                                 the arrays' bytes, little-endian, C order, back to back

Every byte is checked on load: the magic line must match exactly, the
checksum line must equal the digest of everything after it, so a flipped,
missing or added byte anywhere is an error, never a wrong value.  Loading
checks, in order: magic (foreign file), format version (newer file),
truncation, checksum (corruption), then the structure itself.

In the header every value is JSON; what JSON cannot say is tagged:
``{"tuple": [...]}``, ``{"dict": [[key, value], ...]}`` (keys keep their
types: the optimizer's state is keyed by int), ``{"float": "nan"}``,
``{"ndarray": {...}}`` and ``{"tensor": {...}}``.

Writes are atomic: the bytes go to ``<name>.tmp.<pid>.<random>`` beside the
destination, are flushed to disk, and renamed over it, so a crash leaves the
old file whole.  Temporary files left by a writer that was killed (its
process is gone) are removed by the next save to the same path.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import os
from pathlib import Path

import numpy as np

from . import backend
from .atomic_file import atomic_write
from .tensor import Tensor

MAGIC = b"tinygrad_rnn save format "
FORMAT_VERSION = 1
# The dtypes an array may have in a file; anything else (object arrays above all) is refused both ways.
DTYPES = {name: np.dtype(name) for name in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                                           "uint64", "float16", "float32", "float64", "complex64", "complex128")}


def library_version() -> str:
    try:
        return importlib.metadata.version("tinygrad_rnn")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class LoadError(ValueError):
    """A file ``load`` refuses: not ours, of a newer format, truncated, corrupted, or malformed."""


# ----------------------------------------------------------------------------------------------- writing
def save(obj, path: str | os.PathLike) -> Path:
    """Write ``obj`` (nested dicts/lists/tuples of Tensors, arrays, numbers, str, bool, None) to ``path``."""
    arrays: list[np.ndarray] = []
    structure = _encode(obj, arrays, "obj")  # refuses what it cannot store before any file is touched
    offset, data = 0, []
    for spec, a in zip(_array_specs(structure), arrays):
        spec["offset"] = offset
        offset += spec["nbytes"]
        data.append(a.tobytes())
    header = json.dumps({"library": library_version(), "data_bytes": offset, "object": structure},
                        allow_nan=False, separators=(",", ":")).encode() + b"\n"
    digest = hashlib.sha256(header)
    for chunk in data:
        digest.update(chunk)
    first = MAGIC + str(FORMAT_VERSION).encode() + b"\n" + header + b"sha256 " + digest.hexdigest().encode() + b"\n"
    return atomic_write(path, [first, *data])


def _encode(obj, arrays: list, where: str):
    """The JSON form of ``obj``; arrays are appended to ``arrays`` and described in place."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else {"float": repr(float(obj))}
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, Tensor):
        return {"tensor": {**_describe(backend.to_numpy(obj.array), arrays, where), "requires_grad": obj.requires_grad}}
    if isinstance(obj, np.ndarray) or hasattr(obj, "__cuda_array_interface__"):
        return {"ndarray": _describe(backend.to_numpy(obj), arrays, where)}
    if isinstance(obj, list):
        return [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, tuple):
        return {"tuple": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    if isinstance(obj, dict):
        for k in obj:
            if not (k is None or isinstance(k, (str, int, float))):
                raise TypeError(f"save: dict keys must be str, int, float, bool or None; {where} has key {k!r} "
                                f"of type {type(k).__name__}")
        return {"dict": [[_encode(k, arrays, where), _encode(v, arrays, f"{where}[{k!r}]")] for k, v in obj.items()]}
    raise TypeError(f"save: cannot store {where} of type {type(obj).__name__}; a file holds Tensors, NumPy arrays, "
                    "numbers, strings, bools, None, and lists, tuples and dicts of them")


def _describe(a: np.ndarray, arrays: list, where: str) -> dict:
    if a.dtype.name not in DTYPES:
        raise TypeError(f"save: {where} has dtype {a.dtype}; arrays of {', '.join(DTYPES)} can be stored")
    arrays.append(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")))
    return {"dtype": a.dtype.name, "shape": list(a.shape), "offset": 0, "nbytes": int(a.nbytes)}


def _array_specs(node):
    """The array descriptions in ``node``, in the order ``_encode`` appended their arrays."""
    if isinstance(node, list):
        for v in node:
            yield from _array_specs(v)
    elif isinstance(node, dict):
        (tag, value), = node.items()
        if tag in ("tensor", "ndarray"):
            yield value
        elif tag in ("tuple", "dict"):
            yield from _array_specs(value)


# ----------------------------------------------------------------------------------------------- reading
def load(path: str | os.PathLike, map_location: str | None = None, weights_only: bool = True):
    """Read what ``save`` wrote; Tensors come back on ``map_location`` (default: the CPU).

    Raises ``LoadError`` naming the path and what is wrong; nothing in the file is ever executed.
    ``weights_only`` is accepted for torch's sake: this format holds data only, so it is always true.
    """
    if not weights_only:
        raise ValueError("load: weights_only=False would allow code in the file; this format never holds code")
    header, data = read_verified(path)
    return _Decoder(path, data, map_location or "cpu").decode(header["object"])


def read_verified(path: str | os.PathLike) -> tuple[dict, bytes]:
    """(header, data) of a file whose magic, version, length and checksum are all right."""
    raw = Path(path).read_bytes()
    if not raw.startswith(MAGIC):
        if MAGIC.startswith(raw):
            raise LoadError(f"{path} is truncated: it ends inside its magic line ({len(raw)} bytes in all)")
        hint = " (a pickle: old checkpoints were pickles, which are never loaded)" if raw[:1] == b"\x80" else ""
        raise LoadError(f"{path} is not a tinygrad_rnn file: it starts with {raw[:len(MAGIC)]!r}{hint}")
    first, rest = _line(raw, 0, path, "magic line")
    version = first[len(MAGIC):]
    if not version.isdigit():
        raise LoadError(f"{path} has a malformed magic line {first!r}")
    if int(version) > FORMAT_VERSION:
        raise LoadError(f"{path} has format version {int(version)}, newer than this library reads "
                        f"({FORMAT_VERSION}, tinygrad_rnn {library_version()}): upgrade tinygrad_rnn to load it")
    if int(version) != FORMAT_VERSION:
        raise LoadError(f"{path} has an unknown format version {int(version)}")
    header_line, rest = _line(raw, rest, path, "header")
    checksum_line, start = _line(raw, rest, path, "checksum line")
    data = raw[start:]
    declared = _declared_size(header_line)
    if declared is not None and len(data) < declared:
        raise LoadError(f"{path} is truncated: {declared} bytes of array data expected, {len(data)} found")
    expected = hashlib.sha256(raw[len(first) + 1: rest] + data).hexdigest()  # the header line with its newline
    if checksum_line != b"sha256 " + expected.encode():
        raise LoadError(f"{path} is corrupted: its SHA-256 checksum does not match its contents "
                        f"(stored {checksum_line[7:].decode(errors='replace')!r}, computed {expected!r})")
    try:
        header = json.loads(header_line)
    except ValueError as e:
        raise LoadError(f"{path} has a header that is not valid JSON ({e})") from None
    if not isinstance(header, dict) or "object" not in header or header.get("data_bytes") != len(data):
        raise LoadError(f"{path} has a malformed header (it needs 'object' and 'data_bytes' = {len(data)})")
    return header, data


def _line(raw: bytes, start: int, path, what: str) -> tuple[bytes, int]:
    """The line at ``start`` (without its newline) and where the next one starts."""
    end = raw.find(b"\n", start)
    if end < 0:
        raise LoadError(f"{path} is truncated: it ends inside its {what} ({len(raw)} bytes in all)")
    return raw[start:end], end + 1


def _declared_size(header_line: bytes) -> int | None:
    try:
        size = json.loads(header_line).get("data_bytes")
    except (ValueError, AttributeError):
        return None
    return size if isinstance(size, int) else None


class _Decoder:
    """Turns the header's structure back into Python objects, checking every node."""

    def __init__(self, path, data: bytes, device: str):
        self.path, self.data, self.device = path, data, device

    def fail(self, message: str):
        raise LoadError(f"{self.path} has a malformed structure: {message}")

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict) or len(node) != 1:
            self.fail(f"expected a value or a one-key tagged object, got {str(node)[:80]}")
        (tag, value), = node.items()
        if tag == "tuple" and isinstance(value, list):
            return tuple(self.decode(v) for v in value)
        if tag == "dict" and isinstance(value, list):
            if not all(isinstance(kv, list) and len(kv) == 2 for kv in value):
                self.fail("a dict must be a list of [key, value] pairs")
            return {self.key(k): self.decode(v) for k, v in value}
        if tag == "float" and value in ("nan", "inf", "-inf"):
            return float(value)
        if tag == "ndarray":
            return self.array(value)
        if tag == "tensor" and isinstance(value, dict) and isinstance(value.get("requires_grad"), bool):
            array = self.array({k: v for k, v in value.items() if k != "requires_grad"})
            if value["requires_grad"] and array.dtype.kind not in "fc":
                self.fail(f"a tensor of dtype {array.dtype} cannot require gradients")
            return Tensor(array, requires_grad=value["requires_grad"], device=self.device)
        self.fail(f"unknown or ill-formed tag {tag!r}")

    def key(self, node):
        k = self.decode(node)
        if not (k is None or isinstance(k, (str, int, float))):
            self.fail(f"a dict key must be a str, number, bool or None, got {type(k).__name__}")
        return k

    def array(self, spec) -> np.ndarray:
        if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "offset", "nbytes"}:
            self.fail(f"an array needs exactly dtype, shape, offset and nbytes, got {spec}")
        dtype, shape, offset, nbytes = spec["dtype"], spec["shape"], spec["offset"], spec["nbytes"]
        if dtype not in DTYPES:
            self.fail(f"dtype {dtype!r} is not one of {', '.join(DTYPES)}")
        if not (isinstance(shape, list) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                                                for n in shape)):
            self.fail(f"shape must be a list of non-negative ints, got {shape}")
        if nbytes != math.prod(shape) * DTYPES[dtype].itemsize:
            self.fail(f"an array of {dtype} {tuple(shape)} has {math.prod(shape) * DTYPES[dtype].itemsize} "
                      f"bytes, the header says {nbytes}")
        if not (isinstance(offset, int) and 0 <= offset and offset + nbytes <= len(self.data)):
            self.fail(f"array bytes [{offset}, {offset}+{nbytes}) lie outside the {len(self.data)} bytes of data")
        if nbytes == 0:
            return np.empty(shape, DTYPES[dtype])
        little = np.frombuffer(self.data, DTYPES[dtype].newbyteorder("<"), math.prod(shape), offset)
        return little.astype(DTYPES[dtype]).reshape(shape)  # native byte order, a writable copy
