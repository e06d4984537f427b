"""Shared fixtures: the devices to run on, and float64 random tensors."""
import gc
import os

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.nn import functional as F

_BLAS_LIMIT = None  # threadpoolctl's limit, kept for the session (see pytest_configure)


def _xdist_controller(config) -> bool:
    """True in pytest-xdist's controller: it hands the tests out to its workers and runs none itself."""
    return (not hasattr(config, "workerinput") and getattr(config.option, "dist", "no") != "no"
            and bool(getattr(config.option, "tx", None)) and not config.getoption("collectonly"))


def pytest_configure(config):
    """Hypothesis's CI profile and one thread for torch and for NumPy's BLAS, where tests run.

    Not in pytest-xdist's controller (`make test`): importing hypothesis and torch there only
    delayed the start of the workers by two seconds.
    """
    global _BLAS_LIMIT
    if _xdist_controller(config):
        return
    from hypothesis import settings

    # CI runs the same examples every time (a failure there is reproducible); locally hypothesis explores.
    settings.register_profile("ci", derandomize=True, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("ci")
    try:  # parity tests run small ops: torch's thread pool would only spin against NumPy's BLAS threads (~100× slower)
        import torch
        torch.set_num_threads(1)
    except ImportError:
        pass
    try:  # the arrays here are small: a second OpenBLAS thread mostly spins (with two xdist workers on two
        # cores, against the other worker: that run took longer than one process); one process alone took
        # as long with one thread as with two, on a quarter less CPU
        from threadpoolctl import threadpool_limits
    except ImportError:
        pass
    else:
        _BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")


def pytest_collection_finish(session):
    """Garbage collection for a test run (it took ~3 s of the suite's ~40 s of CPU; now about half).

    What collection leaves alive (torch, hypothesis, the test modules: ~350k objects) stays alive
    all session: frozen, no full collection walks it again (each took ~0.15 s).  And the autograd
    graphs make many short-lived containers: a young collection every 10,000 allocations, not 700.
    Cycles the tests make are still collected, less often.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, *gc.get_threshold()[1:])


DEVICES = ["cpu"] + (["cuda"] if tr.cuda_available() else [])


@pytest.fixture(params=DEVICES)
def device(request):
    """Every available device ('cuda' only where CuPy and a GPU are; test_device.py says when it is not)."""
    return request.param


def rand(shape, seed=0, low=None, away_from_zero=False, device="cpu"):
    """A float64 tensor requiring grad; ``low`` for strictly positive values, ``away_from_zero`` for kinks."""
    r = np.random.default_rng(seed)
    x = np.asarray(r.standard_normal(shape), dtype=np.float64)
    if low is not None:
        x = low + np.abs(x)
    if away_from_zero:
        x = np.where(x >= 0, x + 0.1, x - 0.1)
    return tr.Tensor(x, requires_grad=True, device=device)


# A compact table of every op: name → (function of tensors, input shapes).
OPS = {
    "add": (lambda a, b: a + b * 2.0 - 1.0, [(2, 3), (3,)]),
    "div_neg_pow": (lambda a, b: -(a / b) ** 2, [(2, 3), (2, 1)]),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 4)]),
    "matmul_1d": (lambda a, b: a @ b, [(3,), (3, 4)]),
    "unary": (lambda a: a.exp() + (a * a + 1.0).log() + a.tanh() + a.sigmoid() + a.relu(), [(2, 3)]),
    "reduce": (lambda a: a.sum(axis=0) + a.mean(axis=0) + a.max(axis=0), [(2, 3)]),
    "reduce_all": (lambda a: a.sum() + a.mean() + a.max(), [(2, 3)]),
    "shape": (lambda a: a.reshape(3, 2).T.transpose(0, 1).permute(1, 0)[1:, ::-1], [(2, 3)]),
    "index": (lambda a: a[np.array([0, 0, 1])], [(2, 3)]),
    "join": (lambda a, b: tr.concatenate([a, b]) + tr.stack([a, b]).sum(axis=0).sum(axis=0), [(2, 3), (2, 3)]),
    "softmax": (lambda a: a.softmax() + a.log_softmax(axis=0), [(2, 3)]),
    "cross_entropy": (lambda a: F.cross_entropy(a, np.array([2, -100])), [(2, 3)]),
    "embedding": (lambda w: F.embedding(np.array([[0, 2], [2, 2]]), w), [(3, 2)]),
    "dropout": (lambda a: F.dropout(a, 0.5), [(2, 3)]),
}
