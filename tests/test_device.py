"""Devices: the default and its environment variable, .to(), mixed-device errors, the op table on the GPU.

No GPU is needed: the ``gpu`` fixture is the strict CuPy 13 stand-in of
``strict_device.py`` (not an ndarray, no implicit host conversion, CuPy 13's
names only, indices wrap around), or real CuPy with
``TINYGRAD_RNN_TEST_DEVICE=cuda``.  The whole library on it:
``test_device_library.py``; host reads per training step:
``test_device_syncs.py``; the names the package takes from an array module:
``test_cupy_namespace.py``.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import backend

from .conftest import OPS
from .strict_device import STRICT, SYNCS, StrictArray, gpu_device


@pytest.fixture
def gpu():
    """The "cuda" device: the strict stand-in, or real CuPy with TINYGRAD_RNN_TEST_DEVICE=cuda."""
    yield from gpu_device()

R = np.random.default_rng(1)


@pytest.mark.parametrize("name", sorted(OPS))
def test_ops_keep_data_on_its_device_and_match_the_cpu(name, gpu):
    fn, shapes = OPS[name]
    arrays = [R.standard_normal(s) for s in shapes]
    tr.manual_seed(0)
    host = [tr.Tensor(a, requires_grad=True) for a in arrays]
    expected = fn(*host)
    upstream = R.standard_normal(expected.shape)
    expected.backward(tr.Tensor(upstream))
    tr.manual_seed(0)  # the same dropout mask on both devices: the mask stream is computed, not uploaded
    dev = [tr.Tensor(a, requires_grad=True, device="cuda") for a in arrays]
    y = fn(*dev)
    assert y.device == "cuda", f"{name} returned a {type(y.array).__name__}"
    y.backward(tr.Tensor(upstream, device="cuda"))
    for d, h in zip(dev, host):
        assert d.grad.device == "cuda", f"{name}'s gradient is a {type(d.grad.array).__name__}"
        np.testing.assert_allclose(d.grad.numpy(), h.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-12, atol=1e-15)


def test_the_stand_in_refuses_implicit_host_conversion(gpu):
    gpu.need_strict("the stand-in's own behaviour")
    a = STRICT.ones(3)
    assert not isinstance(a, np.ndarray)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(a)
    with pytest.raises(TypeError, match="Unsupported type <class 'numpy.ndarray'>"):
        a + np.ones(3)
    with pytest.raises(TypeError, match="Unsupported type"):
        STRICT.concatenate([a, np.ones(3)])


def test_the_stand_in_counts_host_reads_and_returns_no_scalars(gpu):
    gpu.need_strict("the stand-in's own behaviour")
    a = STRICT.asarray(np.arange(4.0))
    total = a.sum()
    assert type(total) is StrictArray and total.shape == ()
    SYNCS.reset()
    float(total), int(total), bool(total), total.item(), a.get(), a.tolist(), STRICT.asnumpy(a)
    assert dict(SYNCS) == {"float": 1, "int": 1, "bool": 1, "item": 1, "get": 2, "tolist": 1}


def test_the_stand_in_has_only_cupy_13_names(gpu):
    gpu.need_strict("the stand-in's own behaviour")
    assert STRICT.take_along_axis and STRICT.add and STRICT.uint64 is np.uint64
    with pytest.raises(AttributeError, match="put_along_axis"):
        STRICT.put_along_axis  # noqa: B018  (CuPy has it from 14.0 only)


def test_the_stand_in_wraps_out_of_range_indices_as_cupy_does(gpu):
    gpu.need_strict("the stand-in's own behaviour")
    a = STRICT.asarray(np.array([10.0, 11.0, 12.0]))
    idx = STRICT.asarray(np.array([3, -4]))
    np.testing.assert_array_equal(a[idx].get(), [10.0, 12.0])
    np.testing.assert_array_equal(STRICT.take_along_axis(a, idx, axis=0).get(), [10.0, 12.0])
    STRICT.add.at(a, idx, 1.0)
    np.testing.assert_array_equal(a.get(), [11.0, 11.0, 13.0])  # indices 3 and -4 wrap to 0 and 2
    with pytest.raises(IndexError):
        a[3]  # noqa: B018  (a plain integer index still raises on CuPy)


def test_mixing_devices_names_them(gpu):
    with pytest.raises(backend.DeviceError, match="expected all tensors on one device, got cuda, cpu"):
        tr.Tensor(np.ones(3), device="cuda") + tr.Tensor(np.ones(3))


def test_unknown_device_is_refused():
    with pytest.raises(backend.DeviceError, match=r"unknown device 'tpu': expected one of \('cpu', 'cuda'\)"):
        tr.Tensor(1.0, device="tpu")


def test_cuda_without_cupy_says_how_to_install():
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed here, so the missing-CuPy message cannot be shown")
    except ImportError:
        pass
    with pytest.raises(backend.DeviceError, match="pip install 'tinygrad_rnn\\[cuda\\]'"):
        tr.Tensor(1.0, device="cuda")


def test_cuda_tests_run_only_with_a_gpu():
    if not tr.cuda_available():
        pytest.skip("no CuPy/GPU on this machine: the device-parametrised tests ran on 'cpu' only")
    x = tr.Tensor(np.ones(3), device="cuda", requires_grad=True)
    (x.to("cpu") * 2).sum().backward()
    assert x.grad.device == "cuda"


def test_to_moves_and_casts_differentiably(device):
    x = tr.Tensor(np.ones(3), requires_grad=True)
    y = x.to(device, dtype=np.float32)
    assert y.device == device and y.dtype == np.float32
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_set_default_device():
    before = tr.get_default_device()
    try:
        tr.set_default_device("cpu")
        assert tr.Tensor(1.0).device == "cpu"
    finally:
        tr.set_default_device(before)


@pytest.mark.parametrize("value,ok", [("cpu", True), ("tpu", False)])
def test_environment_variable_picks_the_default_device(value, ok):
    env = dict(os.environ, TINYGRAD_RNN_DEVICE=value)
    run = subprocess.run([sys.executable, "-c", "import tinygrad_rnn as tr; print(tr.Tensor(1.0).device)"],
                         env=env, capture_output=True, text=True)
    if ok:
        assert run.returncode == 0 and run.stdout.strip() == value
    else:
        assert run.returncode != 0 and "TINYGRAD_RNN_DEVICE='tpu'" in run.stderr
