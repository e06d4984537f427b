"""The library's random numbers: weight init draws on the host, dropout masks where the data lives.

``manual_seed(seed)`` (as ``torch.manual_seed``) seeds both, so a run is
repeatable, and ``get_state`` / ``set_state`` save and restore both exactly
(a checkpoint stores the state as plain JSON data).

- **Host**: one NumPy ``Generator`` (``generator()``), for weight init: drawn
  once, then copied to the device with the weights.
- **Masks**: a counter-based stream, SplitMix64 (Steele, Lea & Flood 2014):
  the i-th number is a fixed mix of ``key + (i + 1)·γ``, computed with integer
  array arithmetic that NumPy and CuPy share.  So a dropout mask is drawn on
  the device that holds the activations (no host draw, no upload), the same
  seed gives the same mask on every device, and the state is two integers:
  the key and how many numbers were drawn.
"""
from __future__ import annotations

import numpy as np

_MASK = (1 << 64) - 1
_GAMMA, _MIX1, _MIX2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def _key(seed) -> int:
    """A 64-bit stream key from a seed (None: fresh entropy), well spread even for seeds 0, 1, 2, ..."""
    return int(np.random.SeedSequence(seed).generate_state(1, np.uint64)[0])


_generator = np.random.default_rng()
_stream = {"key": _key(None), "counter": 0}


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the library's generators (as ``torch.manual_seed``) and return the host one."""
    global _generator
    _generator = np.random.default_rng(seed)
    _stream.update(key=_key(seed), counter=0)
    return _generator


def generator() -> np.random.Generator:
    """The host generator that weight init draws from."""
    return _generator


def uniform_bits(xp, n: int):
    """The next ``n`` numbers of the mask stream: uniform uint64 values, an array of module ``xp``.

    SplitMix64: z = key + (i + 1)·γ;  z ^= z >> 30;  z *= m₁;  z ^= z >> 27;  z *= m₂;  z ^= z >> 31
    (all mod 2⁶⁴), for i = counter, ..., counter + n - 1.
    """
    u64 = xp.uint64
    z = xp.arange(n, dtype=u64)
    z += u64((_stream["counter"] + 1) & _MASK)
    z *= u64(_GAMMA)
    z += u64(_stream["key"])
    for shift, factor in ((30, _MIX1), (27, _MIX2), (31, None)):
        z ^= z >> u64(shift)
        if factor is not None:
            z *= u64(factor)
    _stream["counter"] += n
    return z


def keep_mask(xp, shape: tuple, p: float):
    """A boolean array of ``shape`` on module ``xp``: each element True with probability 1 - p.

    u = (top 53 bits of a stream number) / 2⁵³ is uniform on [0, 1); keep when u >= p,
    compared in integers so no float is formed.
    """
    n = int(np.prod(shape, dtype=np.int64))
    threshold = min(int(np.ceil(p * 2.0 ** 53)), 1 << 53)
    return (uniform_bits(xp, n) >> xp.uint64(11) >= xp.uint64(threshold)).reshape(shape)


def get_state() -> dict:
    """Both generators' state as plain data (dicts, strings, integers): JSON-serialisable."""
    return {"host": _generator.bit_generator.state, "masks": dict(_stream)}


def set_state(state: dict) -> None:
    """Restore a state returned by ``get_state``; everything is checked before anything changes.

    A bare NumPy bit-generator state (what ``get_state`` returned before masks had a stream of
    their own) restores the host generator only.
    """
    if not isinstance(state, dict):
        raise TypeError(f"rng.set_state: expected the dict that get_state returns, got {type(state).__name__}")
    host, masks = (state, None) if "bit_generator" in state else (state.get("host"), state.get("masks"))
    if masks is not None:
        if not (isinstance(masks, dict) and set(masks) == {"key", "counter"}
                and all(isinstance(masks[k], int) and not isinstance(masks[k], bool) for k in masks)
                and 0 <= masks["key"] <= _MASK and masks["counter"] >= 0):
            raise ValueError(f"rng.set_state: expected 'masks' as {{'key': 0..2**64-1, 'counter': >= 0}}, "
                             f"got {masks!r}")
    elif "bit_generator" not in state:
        raise ValueError(f"rng.set_state: expected keys 'host' and 'masks', got {sorted(state)}")
    trial = np.random.default_rng()
    try:
        trial.bit_generator.state = host
    except (TypeError, ValueError, KeyError) as e:
        raise ValueError(f"rng.set_state: the host generator state is not valid: {e}") from e
    _generator.bit_generator.state = host
    if masks is not None:
        _stream.update(key=masks["key"], counter=masks["counter"])
