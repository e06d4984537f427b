"""Timing helpers shared by the benchmarks: interleaved sides, medians with min–max."""
from __future__ import annotations

import multiprocessing as mp
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


def _worker(conn, factory, args, number, warmup, rewarm):
    fn = factory(*args)
    for _ in range(warmup):
        fn()
    conn.send("ready")
    while conn.recv() == "go":
        for _ in range(rewarm):  # untimed: the first call after the pause runs cold
            fn()
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        conn.send((time.perf_counter() - t0) / number)
    conn.close()


def interleaved_processes(sides: dict, repeats: int = 15, number: int = 1, warmup: int = 2,
                          pause: float = 0.25, rewarm: int = 1) -> dict:
    """As ``interleaved``, but each side lives in its own process: {name: (factory, args)}.

    Two libraries in one process share the cores with each other's thread
    pools: NumPy's OpenBLAS threads and torch's OpenMP threads keep spinning
    for a while after a call (OpenBLAS for about 0.1 s), and slow whichever
    side runs next.  So each side runs in its own process, and ``pause``
    seconds pass before each sample for the other side's threads to go idle.
    The sides still alternate sample by sample, so slow drifts of the machine
    hit all alike.  After the pause a side first runs ``rewarm`` untimed calls:
    the first call after an idle pause runs cold (caches, sleeping BLAS threads;
    a training step measured 11-16 ms slower, on both libraries alike), and a
    training loop runs its steps back to back, warm.
    """
    ctx = mp.get_context("spawn")
    workers = {}
    for name, (factory, args) in sides.items():
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(child, factory, args, number, warmup, rewarm),
                           daemon=True)
        proc.start()
        workers[name] = (proc, parent)
    for _, conn in workers.values():
        conn.recv()
    samples = {name: [] for name in sides}
    try:
        for _ in range(repeats):
            for name, (_, conn) in workers.items():
                time.sleep(pause)
                conn.send("go")
                samples[name].append(conn.recv())
    finally:
        for proc, conn in workers.values():
            conn.send("stop")
            proc.join(timeout=10)
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


def limited(threads: int, factory, args):
    """``factory(*args)`` with NumPy's BLAS and torch each held to ``threads`` threads in this process."""
    from threadpoolctl import threadpool_limits
    threadpool_limits(threads)
    try:
        import torch
        torch.set_num_threads(threads)
    except ImportError:  # pragma: no cover
        pass
    return factory(*args)


def threads_held(sides: dict, threads: int | None) -> dict:
    """The sides, each held to ``threads`` BLAS/torch threads in its process (None: as they are)."""
    return sides if not threads else {k: (limited, (threads, f, a)) for k, (f, a) in sides.items()}
