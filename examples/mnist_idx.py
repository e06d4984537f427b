"""MNIST from the standard IDX files, as sequences: each image read row by row, 28 steps of 28 pixels.

Nothing is downloaded: point ``load_mnist`` at a directory holding the four
files of LeCun, Cortes & Burges (plain or ``.gz``):

    train-images-idx3-ubyte   train-labels-idx1-ubyte   t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte

(the variant names ``train-images.idx3-ubyte`` etc. are found too).

The IDX format: a big-endian header, then the raw bytes.

    magic   0x00 0x00 <type 0x08 = unsigned byte> <number of dimensions>
    sizes   one big-endian int32 per dimension
    data    prod(sizes) bytes, the last dimension fastest

Images are magic 2051 (0x00000803: 3 dims, N × 28 × 28), labels 2049
(0x00000801: 1 dim, N).  An image (28, 28) read row by row is a sequence of
28 steps of 28 pixels: the "RNN on MNIST" of the seed texts.
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

UBYTE = 0x08
IMAGES_MAGIC, LABELS_MAGIC = 0x00000803, 0x00000801
SPLITS = {"train": "train", "test": "t10k"}


def read_idx(path: str | Path, magic: int | None = None) -> np.ndarray:
    """The array in one IDX file of unsigned bytes (``.gz`` or not); ``magic``: the header it must have."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4:
        raise ValueError(f"{path}: not an IDX file: {len(raw)} bytes, shorter than the 4-byte magic number")
    found = int.from_bytes(raw[:4], "big")
    if raw[0] != 0 or raw[1] != 0 or raw[2] != UBYTE or (magic is not None and found != magic):
        want = f"0x{magic:08x}" if magic is not None else "0x000008NN (unsigned bytes, NN dimensions)"
        raise ValueError(f"{path}: bad magic number 0x{found:08x}, expected {want}; is it an MNIST IDX file "
                         f"(and, if compressed, named .gz)?")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header: {ndim} dimensions need {header} bytes, the file has "
                         f"{len(raw)}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(raw) != expected:
        raise ValueError(f"{path}: the header says shape {shape} ({expected} bytes with the header), the file "
                         f"has {len(raw)} bytes (truncated or not IDX)")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def find_file(data_dir: Path, stem: str) -> Path:
    """The file ``stem`` in ``data_dir``, plain or ``.gz``, with '-idx' or '.idx' in its name."""
    names = [stem, stem.replace("-idx", ".idx")]
    for name in names:
        for candidate in (data_dir / name, data_dir / (name + ".gz")):
            if candidate.is_file():
                return candidate
    present = sorted(p.name for p in data_dir.iterdir())[:10]
    raise FileNotFoundError(f"MNIST: no {stem} (or {stem}.gz) in {data_dir}; it holds {present or 'nothing'}. "
                            f"Put the four MNIST IDX files there (nothing is downloaded).")


def load_mnist(data_dir: str | Path, split: str = "train", limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 28, 28) float32 in [0, 1], labels (N,) int64) of ``split`` 'train' or 'test'.

    Each image is a (batch_first) sequence: images[n, t] is row t, the input
    at step t.  ``as_time_major`` turns a batch into (28, N, 28) for layers
    without ``batch_first``.  ``limit``: keep the first ``limit`` examples.
    """
    if split not in SPLITS:
        raise ValueError(f"load_mnist: split must be one of {sorted(SPLITS)}, got {split!r}")
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"MNIST: data directory {data_dir} does not exist (or is not a directory)")
    prefix = SPLITS[split]
    images = read_idx(find_file(data_dir, f"{prefix}-images-idx3-ubyte"), IMAGES_MAGIC)
    labels = read_idx(find_file(data_dir, f"{prefix}-labels-idx1-ubyte"), LABELS_MAGIC)
    if len(images) != len(labels):
        raise ValueError(f"MNIST {split}: {len(images)} images but {len(labels)} labels in {data_dir}")
    if labels.size and labels.max() > 9:
        raise ValueError(f"MNIST {split}: labels must be digits 0-9, found {int(labels.max())}")
    images, labels = images[:limit], labels[:limit]
    return images.astype(np.float32) / 255.0, labels.astype(np.int64)


def as_time_major(images: np.ndarray) -> np.ndarray:
    """(N, rows, columns) -> (rows, N, columns): step t holds row t of every image."""
    return np.ascontiguousarray(images.transpose(1, 0, 2))


def write_idx(path: str | Path, array: np.ndarray) -> Path:
    """Write ``array`` (uint8) as an IDX file (``.gz`` if the name says so): for tests and small subsets."""
    path, array = Path(path), np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, UBYTE, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())
    return path
