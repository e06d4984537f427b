"""The library's random number generator: weight init and dropout draw from it.

One NumPy ``Generator`` shared by the whole library, so that
``manual_seed(0)`` makes a run repeatable and a checkpoint can save and
restore the exact stream (``get_state`` / ``set_state``).
"""
from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the library's generator (as ``torch.manual_seed``) and return it."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def generator() -> np.random.Generator:
    """The generator that init and dropout draw from."""
    return _generator


def get_state() -> dict:
    """The generator's state, a plain dict that pickles."""
    return _generator.bit_generator.state


def set_state(state: dict) -> None:
    """Restore a state returned by ``get_state``."""
    _generator.bit_generator.state = state
