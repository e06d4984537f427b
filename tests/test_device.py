"""Devices: the default and its environment variable, .to(), mixed-device errors, and no implicit host copies.

No GPU is needed: ``DeviceArray`` below stands in for a CuPy array.  NumPy's
functions work on it (as CuPy's ``__array_ufunc__``/``__array_function__``
make them), but mixing it with a host ``ndarray`` raises, as CuPy does, and
every result stays a DeviceArray, so an op that builds a host array with
``np.…`` instead of asking the backend for the array module fails here.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import backend

from .conftest import OPS


class DeviceArray(np.ndarray):
    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if out is not None:
            kwargs["out"] = tuple(_unwrap(o) for o in out)
        result = getattr(ufunc, method)(*_unwrap(inputs), **kwargs)
        return None if method == "at" else _wrap(result)

    def __array_function__(self, func, types, args, kwargs):
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))


def _unwrap(x, host_ok=False):
    if type(x) is np.ndarray and not host_ok:
        raise TypeError(f"host ndarray of shape {x.shape} mixed with a device array (implicit conversion)")
    if isinstance(x, DeviceArray):
        return x.view(np.ndarray)
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v, host_ok) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v, host_ok) for k, v in x.items()}
    return x


def _wrap(x):
    if isinstance(x, (np.ndarray, np.generic)) and not isinstance(x, DeviceArray):
        return np.asarray(x).view(DeviceArray)
    if isinstance(x, (list, tuple)):
        return type(x)(_wrap(v) for v in x)
    return x


class DeviceModule:
    """The array module of DeviceArray: NumPy's functions, with results on the 'device'.

    Only ``asarray``/``array`` take host arrays: the explicit copy to the device.
    """

    def __getattr__(self, name):
        obj = getattr(np, name)
        if isinstance(obj, (np.ufunc, type)) or not callable(obj):
            return obj
        host_ok = name in ("asarray", "array")
        return lambda *a, **k: _wrap(obj(*_unwrap(a, host_ok), **_unwrap(k, host_ok)))


@pytest.fixture
def fake_device():
    backend.register_array_type(DeviceArray, DeviceModule(), "fake")
    yield
    backend._registry.pop(DeviceArray)


def on_device(a):
    return tr.Tensor._make(np.asarray(a, dtype=np.float64).view(DeviceArray), True)


R = np.random.default_rng(1)


@pytest.mark.parametrize("name", sorted(OPS))
def test_ops_keep_data_on_its_device(name, fake_device):
    fn, shapes = OPS[name]
    arrays = [R.standard_normal(s) for s in shapes]
    tr.manual_seed(0)
    host = [tr.Tensor(a, requires_grad=True) for a in arrays]
    expected = fn(*host)
    expected.backward(np.ones(expected.shape))
    tr.manual_seed(0)
    dev = [on_device(a) for a in arrays]
    y = fn(*dev)
    assert type(y.array) is DeviceArray, f"{name} returned a {type(y.array).__name__}"
    y.backward(np.ones(y.shape).view(DeviceArray))
    for d, h in zip(dev, host):
        assert type(d.grad.array) is DeviceArray, f"{name}'s gradient is a {type(d.grad.array).__name__}"
        np.testing.assert_allclose(d.grad.array.view(np.ndarray), h.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(y.array.view(np.ndarray), expected.numpy(), rtol=1e-12)


def test_the_stand_in_really_refuses_host_arrays(fake_device):
    with pytest.raises(TypeError, match="implicit conversion"):
        np.ones(3).view(DeviceArray) + np.ones(3)


def test_mixing_devices_names_them(fake_device):
    with pytest.raises(backend.DeviceError, match="expected all tensors on one device, got fake, cpu"):
        on_device(np.ones(3)) + tr.Tensor(np.ones(3))


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
