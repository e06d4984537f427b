"""Run one snippet under torch and under tinygrad_rnn, and compare what comes out.

A snippet is a function of the library (``torch`` or ``tinygrad_rnn``): the
names are the same, so ``lambda L: L.zeros(2, 3).sum(dim=0)`` runs under
both.  ``same`` compares values, shapes and dtypes (recursively through
tuples, lists and named tuples); ``same_grads`` also runs backward with one
random upstream gradient and compares the inputs' gradients.
"""
import numpy as np
import pytest

import tinygrad_rnn as tr

torch = pytest.importorskip("torch", reason="PyTorch parity tests need torch (pip install torch==2.13.0)")


def dtype_name(dtype) -> str:
    return str(dtype).replace("torch.", "")


def to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, tr.Tensor):
        return x.numpy()
    return x


def assert_same(ours, theirs, rtol=1e-6, atol=1e-6):
    """Equal values, shapes and dtypes, through (named) tuples and lists; numbers by value."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), (ours, theirs)
        for o, t in zip(ours, theirs):
            assert_same(o, t, rtol, atol)
        if hasattr(theirs, "values") and hasattr(theirs, "indices"):
            assert_same(ours.values, theirs.values, rtol, atol)
            assert_same(ours.indices, theirs.indices, rtol, atol)
        return
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tr.Tensor), f"expected a Tensor, got {type(ours).__name__}"
        assert ours.shape == tuple(theirs.shape), (ours.shape, tuple(theirs.shape))
        assert dtype_name(ours.dtype) == dtype_name(theirs.dtype), (ours.dtype, theirs.dtype)
        assert ours.requires_grad == theirs.requires_grad, (ours.requires_grad, theirs.requires_grad)
        np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), rtol=rtol, atol=atol)
        return
    assert type(ours) is type(theirs) or (isinstance(ours, (int, float)) and isinstance(theirs, (int, float))), (
        ours, theirs)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def same(snippet, rtol=1e-6, atol=1e-6):
    """Run ``snippet(lib)`` under both libraries and compare the results."""
    assert_same(snippet(tr), snippet(torch), rtol, atol)


def same_error(snippet, error):
    """Both libraries refuse ``snippet`` with ``error`` (our message is checked elsewhere)."""
    with pytest.raises(error):
        snippet(torch)
    with pytest.raises(error):
        snippet(tr)


def same_grads(fn, *arrays, seed=0, rtol=1e-10, atol=1e-10):
    """fn(lib, *tensors) under both, float64 inputs requiring grad: equal outputs and input gradients."""
    ours = [tr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = fn(tr, *ours), fn(torch, *theirs)
    assert_same(y, ty, rtol, atol)
    upstream = np.random.default_rng(seed).standard_normal(tuple(ty.shape))
    y.backward(tr.tensor(upstream))
    ty.backward(torch.tensor(upstream))
    for o, t in zip(ours, theirs):
        if t.grad is None:
            assert o.grad is None or not np.any(o.grad.numpy())
        else:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)
