"""Shared fixtures: the devices to run on, and float64 random tensors."""
import os

import numpy as np
import pytest
from hypothesis import settings

import tinygrad_rnn as tr
from tinygrad_rnn.nn import functional as F

# CI runs the same examples every time (a failure there is reproducible); locally hypothesis explores.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

try:  # parity tests run small ops: torch's thread pool would only spin against NumPy's BLAS threads (~100× slower)
    import torch
    torch.set_num_threads(1)
except ImportError:
    pass

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
