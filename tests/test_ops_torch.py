"""Every op's forward value and gradient equal to PyTorch's (float64, random upstream gradient)."""
import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.nn import functional as F

torch = pytest.importorskip("torch", reason="PyTorch parity tests need torch (pip install torch==2.13.0)")

R = np.random.default_rng(0)
IDX = np.array([2, 0, 2, 1])
TARGET = np.array([1, 0, 3, -100, 2])

# name: (our function, torch function, input arrays)
CASES = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, [(4, 1, 3), (5, 1)]),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, [(2, 3), (3,)]),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, [(2, 3), (1, 3)]),
    "div": (lambda a, b: a / b, lambda a, b: a / b, [(2, 3), "pos(2, 1)"]),
    "neg": (lambda a: -a, lambda a: -a, [(3,)]),
    "pow": (lambda a: a ** 3, lambda a: a ** 3, [(2, 3)]),
    "pow_frac": (lambda a: a ** -0.5, lambda a: a ** -0.5, ["pos(2, 3)"]),
    "matmul_2d": (lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4, 2)]),
    "matmul_1d": (lambda a, b: a @ b, lambda a, b: a @ b, [(4,), (4, 2)]),
    "matmul_vec": (lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4,)]),
    "matmul_batched": (lambda a, b: a @ b, lambda a, b: a @ b, [(2, 1, 3, 4), (5, 4, 2)]),
    "sum": (lambda a: a.sum(axis=1), lambda a: a.sum(dim=1), [(2, 3, 4)]),
    "sum_all": (lambda a: a.sum(), lambda a: a.sum(), [(2, 3)]),
    "sum_keep": (lambda a: a.sum(axis=(0, 2), keepdims=True), lambda a: a.sum(dim=(0, 2), keepdim=True), [(2, 3, 4)]),
    "mean": (lambda a: a.mean(axis=-1), lambda a: a.mean(dim=-1), [(2, 3)]),
    "max": (lambda a: a.max(axis=0), lambda a: a.amax(dim=0), [(4, 3)]),
    "reshape": (lambda a: a.reshape(3, -1), lambda a: a.reshape(3, -1), [(2, 3, 2)]),
    "transpose": (lambda a: a.transpose(0, 2), lambda a: a.transpose(0, 2), [(2, 3, 4)]),
    "permute": (lambda a: a.permute(1, 2, 0), lambda a: a.permute(1, 2, 0), [(2, 3, 4)]),
    "T": (lambda a: a.T, lambda a: a.permute(1, 0), [(2, 3)]),
    "getitem_slice": (lambda a: a[1:, ::2], lambda a: a[1:, ::2], [(3, 5)]),
    "getitem_int_array": (lambda a: a[IDX], lambda a: a[torch.as_tensor(IDX)], [(3, 2)]),
    "concatenate": (lambda a, b: tr.concatenate([a, b], axis=1), lambda a, b: torch.cat([a, b], 1), [(2, 3), (2, 1)]),
    "stack": (lambda a, b: tr.stack([a, b], axis=-1), lambda a, b: torch.stack([a, b], -1), [(2, 3), (2, 3)]),
    "exp": (lambda a: a.exp(), torch.exp, [(2, 3)]),
    "log": (lambda a: a.log(), torch.log, ["pos(2, 3)"]),
    "tanh": (lambda a: a.tanh(), torch.tanh, [(2, 3)]),
    "sigmoid": (lambda a: a.sigmoid(), torch.sigmoid, [(2, 3)]),
    "relu": (lambda a: a.relu(), torch.relu, [(2, 3)]),
    "log_softmax": (lambda a: a.log_softmax(), lambda a: torch.log_softmax(a, -1), [(2, 5)]),
    "softmax": (lambda a: a.softmax(axis=0), lambda a: torch.softmax(a, 0), [(2, 5)]),
    "cross_entropy": (lambda a: F.cross_entropy(a, TARGET),
                      lambda a: torch.nn.functional.cross_entropy(a, torch.as_tensor(TARGET)), [(5, 4)]),
    "cross_entropy_sum": (lambda a: F.cross_entropy(a, TARGET, reduction="sum"),
                          lambda a: torch.nn.functional.cross_entropy(a, torch.as_tensor(TARGET), reduction="sum"),
                          [(5, 4)]),
    "cross_entropy_none_3d": (  # (N, C, d): the classes on dim 1, as torch's
        lambda a: F.cross_entropy(a, TARGET[:4].reshape(2, 2) % 4, reduction="none"),
        lambda a: torch.nn.functional.cross_entropy(a, torch.as_tensor(TARGET[:4].reshape(2, 2) % 4),
                                                    reduction="none"), [(2, 4, 2)]),
    "embedding": (lambda w: F.embedding(IDX, w), lambda w: torch.nn.functional.embedding(torch.as_tensor(IDX), w),
                  [(3, 2)]),
}


def _array(spec):
    if isinstance(spec, str):  # "pos(shape)": strictly positive
        return 0.5 + np.abs(R.standard_normal(eval(spec[3:])))
    return R.standard_normal(spec)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name, device):
    ours_fn, torch_fn, specs = CASES[name]
    arrays = [_array(s) for s in specs]
    ours = [tr.Tensor(a, requires_grad=True, device=device) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = ours_fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = R.standard_normal(ty.shape)
    y.backward(tr.Tensor(upstream, device=device))
    ty.backward(torch.tensor(upstream))
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)
