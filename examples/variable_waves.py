"""Noisy waveforms of random length: data for classifying variable-length sequences.

Each sequence is one of four shapes (sine, square, sawtooth, triangle) with a
random phase and 1.5 to 4 cycles over its own length, plus Gaussian noise;
lengths are uniform in [min_length, max_length].  The batch comes padded
with zeros to max_length, time first, with the lengths beside it, ready for
``pack_padded_sequence(tr.tensor(x), lengths, enforce_sorted=False)``.

With min_length == max_length every sequence has that length and the draws
are those of ``classify_sequences.waves`` (same generator calls in the same
order), so the fixed-length data set is the special case of this one.
"""
from __future__ import annotations

import numpy as np

SHAPES = ["sine", "square", "sawtooth", "triangle"]


def variable_waves(n: int, min_length: int, max_length: int, rng: np.random.Generator,
                   noise: float = 0.3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x (max_length, n, 1) float32 zero-padded, lengths (n,) int64, labels (n,) int64)."""
    if not 1 <= min_length <= max_length:
        raise ValueError(f"variable_waves: expected 1 <= min_length <= max_length, got min_length={min_length}, "
                         f"max_length={max_length}")
    if n < 1:
        raise ValueError(f"variable_waves: n must be >= 1, got {n}")
    labels = rng.integers(0, len(SHAPES), size=n)
    cycles = rng.uniform(1.5, 4.0, size=n)
    start = rng.uniform(0, 1, size=n)
    jitter = noise * rng.standard_normal((max_length, n))
    lengths = rng.integers(min_length, max_length + 1, size=n) if min_length < max_length else \
        np.full(n, max_length)
    steps = np.arange(max_length)[:, None]
    phase = start[None] + steps * (cycles / lengths)[None]  # each sequence shows its cycles over its own length
    frac = phase % 1.0
    shapes = np.stack([np.sin(2 * np.pi * phase), np.sign(np.sin(2 * np.pi * phase)), 2 * frac - 1,
                       4 * np.abs(frac - 0.5) - 1])
    x = shapes[labels, :, np.arange(n)].T + jitter
    x[steps >= lengths[None]] = 0.0  # padding: zeros after each sequence's end
    return x[..., None].astype(np.float32), lengths.astype(np.int64), labels.astype(np.int64)
