"""Timing helpers shared by the benchmarks: interleaved sides, medians with min–max."""
from __future__ import annotations

import os
import platform
import statistics
import time


def interleaved(sides: dict, repeats: int = 15, number: int = 1, warmup: int = 2) -> dict:
    """Time each side's callable ``number`` times per sample, alternating sides sample by sample.

    Returns {side: (median, min, max)} in seconds per call: alternating means a
    noisy neighbour or frequency change hits every side alike.
    """
    for fn in sides.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in sides}
    for _ in range(repeats):
        for name, fn in sides.items():
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - t0) / number)
    return {name: (statistics.median(s), min(s), max(s)) for name, s in samples.items()}


def machine_line() -> str:
    """One line naming the machine and the BLAS kernel NumPy runs (threadpoolctl, when installed)."""
    blas = "unknown BLAS"
    try:
        from threadpoolctl import threadpool_info
        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            blas = ", ".join(f"{i['internal_api']} {i.get('version')} ({i.get('architecture')}, "
                             f"{i['num_threads']} threads)" for i in info)
    except ImportError:
        pass
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    return f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, {blas}, env {env}"


def fmt(t: tuple, scale: float = 1e6, unit: str = "µs") -> str:
    med, lo, hi = t
    return f"{med * scale:8.1f} {unit} ({lo * scale:.1f}–{hi * scale:.1f})"
