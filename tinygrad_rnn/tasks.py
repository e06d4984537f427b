"""Data for recurrent networks: the copy-memory task and the adding problem.

Both are the long-memory benchmarks of Hochreiter & Schmidhuber (1997) in the
form Arjovsky, Shah & Bengio (2016) used, generated on the fly from a NumPy
``Generator``, so a seed fixes the data and a checkpoint can save the stream.

Copy memory, lag T (sequence length T + 20), tokens 0 blank, 1–8 data, 9 delimiter:
    input   a₁ … a₁₀   0 × (T−1)   9   0 × 10
    target  0 × (T+10)                 a₁ … a₁₀
Predicting blanks everywhere and a uniform guess over the 8 symbols at the
last 10 steps costs 10·ln 8 / (T + 20) per step: the memoryless baseline.
"""
from __future__ import annotations

import math

import numpy as np

BLANK, DELIMITER, N_SYMBOLS, N_COPY = 0, 9, 8, 10
VOCAB = 10


def copy_task(batch: int, lag: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets), each int64 of shape (lag + 20, batch), time first."""
    if lag < 1 or batch < 1:
        raise ValueError(f"copy_task: lag and batch must be >= 1, got lag={lag}, batch={batch}")
    symbols = rng.integers(1, N_SYMBOLS + 1, size=(N_COPY, batch))
    inputs = np.zeros((lag + 2 * N_COPY, batch), dtype=np.int64)
    targets = np.zeros_like(inputs)
    inputs[:N_COPY] = symbols
    inputs[lag + N_COPY - 1] = DELIMITER
    targets[-N_COPY:] = symbols
    return inputs, targets


def copy_baseline(lag: int) -> float:
    """Cross-entropy per step of the best memoryless strategy: 10 ln 8 / (lag + 20)."""
    return N_COPY * math.log(N_SYMBOLS) / (lag + 2 * N_COPY)


def copy_accuracy(logits: np.ndarray, targets: np.ndarray) -> float:
    """Fraction of the 10 copied symbols predicted right; logits (T, B, 10), targets (T, B)."""
    return float((logits[-N_COPY:].argmax(-1) == targets[-N_COPY:]).mean())


def adding_problem(batch: int, length: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(inputs (length, batch, 2) float32, targets (batch,) float32).

    Channel 0 holds U(0, 1) numbers, channel 1 marks two of them, one in each
    half of the sequence; the target is the sum of the two marked numbers.
    Predicting 1 always gives mean squared error 1/6: the baseline.
    """
    if length < 2:
        raise ValueError(f"adding_problem: length must be >= 2, got {length}")
    values = rng.uniform(0, 1, size=(length, batch))
    marks = np.zeros((length, batch))
    half = length // 2
    first, second = rng.integers(0, half, size=batch), rng.integers(half, length, size=batch)
    marks[first, np.arange(batch)] = 1
    marks[second, np.arange(batch)] = 1
    inputs = np.stack([values, marks], axis=-1).astype(np.float32)
    return inputs, (values * marks).sum(0).astype(np.float32)


class CopyTask:
    """The copy-memory task as an endless stream of batches with a saveable generator state."""

    def __init__(self, lag: int, batch: int, seed: int = 0):
        self.lag, self.batch = lag, batch
        self.rng = np.random.default_rng(seed)
        self.baseline = copy_baseline(lag)

    def __iter__(self):
        return self

    def __next__(self) -> tuple[np.ndarray, np.ndarray]:
        return copy_task(self.batch, self.lag, self.rng)

    def state_dict(self) -> dict:
        return {"lag": self.lag, "batch": self.batch, "rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        """Restore ``state_dict()``'s output: all checked first, then all set."""
        lag, batch = state.get("lag"), state.get("batch")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in (lag, batch)):
            raise ValueError(f"CopyTask.load_state_dict: lag and batch must be ints >= 1, got lag={lag!r}, "
                             f"batch={batch!r}")
        rng = np.random.default_rng()
        rng.bit_generator.state = state.get("rng")  # refuses a state that is not a PCG64 one, before any change
        self.lag, self.batch, self.rng, self.baseline = lag, batch, rng, copy_baseline(lag)
