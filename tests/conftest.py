"""Shared fixtures: the devices to run on, and float64 random tensors."""
import os

import numpy as np
import pytest
from hypothesis import settings


import tinygrad_rnn as tr

# CI runs the same examples every time (a failure there is reproducible); locally hypothesis explores.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

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
