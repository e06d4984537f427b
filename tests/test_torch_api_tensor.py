"""The Tensor side of the torch API: each name runs the same snippet under torch and tinygrad_rnn.

Values, shapes, dtypes and gradients are compared (tests/torch_twin.py);
hypothesis draws shapes and dims for the reductions and view ops.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import tinygrad_rnn as tr

from .torch_twin import assert_same, same, same_error, same_grads, torch

SETTINGS = settings(max_examples=25, deadline=None)
R = np.random.default_rng(0)
M = R.standard_normal((3, 4))


# ----- creation and dtypes
@pytest.mark.parametrize("snippet", [
    lambda L: L.tensor([[1.0, 2.0], [3.0, 4.0]]),
    lambda L: L.tensor([1, 2, 3]),
    lambda L: L.tensor([True, False]),
    lambda L: L.tensor(2.5),
    lambda L: L.tensor([1, 2], dtype=L.float64),
    lambda L: L.tensor([1.5, 2.5], dtype=L.long),
    lambda L: L.zeros(2, 3), lambda L: L.zeros((2, 3), dtype=L.int64), lambda L: L.ones(4),
    lambda L: L.ones(2, 1, dtype=L.double), lambda L: L.full((2, 2), 7), lambda L: L.full((2,), 1.5),
    lambda L: L.full((2,), True), lambda L: L.empty(2, 3).shape,
    lambda L: L.zeros_like(L.ones(2, 3, dtype=L.float64)), lambda L: L.ones_like(L.zeros(3, dtype=L.int32)),
    lambda L: L.full_like(L.zeros(2), 3.0), lambda L: L.empty_like(L.zeros(2, 2)).shape,
    lambda L: L.arange(5), lambda L: L.arange(1, 4), lambda L: L.arange(0, 1, 0.25), lambda L: L.arange(5.0),
    lambda L: L.linspace(0, 1, 5), lambda L: L.eye(3), lambda L: L.eye(2, 3),
    lambda L: L.Tensor(5, 1).shape, lambda L: L.Tensor(2, 3).dtype == L.float32,
    lambda L: L.tensor([[1, 2]]).float(), lambda L: L.tensor([1.7, -1.7]).long(), lambda L: L.tensor([1.5]).double(),
    lambda L: L.tensor([1.7]).int(), lambda L: L.tensor([0.0, 2.0]).bool(), lambda L: L.tensor([1.0]).half(),
    lambda L: L.tensor([1, 2]).to(L.float64), lambda L: L.tensor([1.0]).to("cpu"),
    lambda L: L.tensor([1.0]).to("cpu", L.float64), lambda L: L.tensor([1.0]).to(dtype=L.int32),
    lambda L: L.tensor([1.0]).type(L.float64), lambda L: L.tensor([1, 2]).type_as(L.zeros(1, dtype=L.float64)),
    lambda L: L.tensor([1.0]).new_zeros(2, 3), lambda L: L.tensor([1], dtype=L.int32).new_ones((2,)),
    lambda L: L.tensor([1.0], dtype=L.float64).new_tensor([1, 2]), lambda L: L.tensor([1.0]).new_full((2,), 3.0),
    lambda L: L.tensor([1.0]).to(L.device("cpu")), lambda L: L.cuda.is_available(),
    lambda L: L.tensor([1.0]).is_floating_point(), lambda L: L.tensor([1]).is_floating_point(),
    lambda L: L.tensor([1.0]).dtype == L.float32, lambda L: L.float is L.float32, lambda L: L.long is L.int64,
])
def test_creation_and_dtypes(snippet):
    same(snippet)


def test_device_reads_as_torch():
    d = tr.device("cpu")
    assert d.type == torch.device("cpu").type and d == "cpu"
    assert tr.device("cuda:0").index == torch.device("cuda:0").index == 0
    assert tr.tensor([1.0]).device == "cpu"


def test_random_creation_draws_from_the_seeded_generator():
    tr.manual_seed(3)
    a = (tr.rand(2, 3), tr.randn(2, 3), tr.randint(0, 5, (4,)), tr.randperm(6), tr.rand_like(tr.zeros(2)))
    tr.manual_seed(3)
    b = (tr.rand(2, 3), tr.randn(2, 3), tr.randint(0, 5, (4,)), tr.randperm(6), tr.rand_like(tr.zeros(2)))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    r, n, i, p, _ = a
    assert r.dtype == tr.float32 and n.dtype == tr.float32 and i.dtype == tr.int64 and p.dtype == tr.int64
    assert ((r.numpy() >= 0) & (r.numpy() < 1)).all() and ((i.numpy() >= 0) & (i.numpy() < 5)).all()
    assert sorted(p.tolist()) == list(range(6))
    assert tr.randint(3, (2, 2)).shape == torch.randint(3, (2, 2)).shape


def test_tensor_copies_and_from_numpy_shares():
    a = np.ones(3)
    t, f, s = tr.tensor(a), tr.from_numpy(a), tr.as_tensor(a)
    a[0] = 5.0
    assert t.tolist() == [1.0, 1.0, 1.0] and f.tolist()[0] == 5.0 and s.tolist()[0] == 5.0
    ta = np.ones(3)
    tt, tf = torch.tensor(ta), torch.from_numpy(ta)
    ta[0] = 5.0
    assert tt.tolist() == t.tolist() and tf.tolist() == f.tolist()


def test_torch_takes_our_tensors_through_dlpack():
    """torch.tensor(t) copies our data, torch.from_dlpack(t) shares it; dtype and shape kept (0-d too)."""
    x = tr.tensor(np.arange(6.0).reshape(2, 3))
    copied, shared = torch.tensor(x), torch.from_dlpack(x)
    assert copied.dtype == torch.float64 and copied.tolist() == x.tolist()
    x.numpy()[0, 0] = 7.0
    assert copied[0, 0].item() == 0.0 and shared[0, 0].item() == 7.0
    for t in (tr.tensor(2.5), tr.tensor([1, 2])):
        assert torch.tensor(t).tolist() == t.tolist() and str(torch.tensor(t).dtype) == f"torch.{t.dtype}"


# ----- methods and functions, values and gradients
GRAD_CASES = {
    "view": (lambda L, x: x.view(4, 3), [M]),
    "view_infer": (lambda L, x: x.view(-1), [M]),
    "reshape": (lambda L, x: x.reshape(2, -1), [M]),
    "flatten": (lambda L, x: x.reshape(3, 2, 2).flatten(1), [M]),
    "squeeze": (lambda L, x: x.reshape(3, 1, 4).squeeze(), [M]),
    "squeeze_dim": (lambda L, x: x.reshape(1, 3, 4).squeeze(0), [M]),
    "unsqueeze": (lambda L, x: x.unsqueeze(-1), [M]),
    "t": (lambda L, x: x.t(), [M]),
    "T": (lambda L, x: x.T, [M]),
    "permute": (lambda L, x: x.reshape(3, 2, 2).permute(2, 0, 1), [M]),
    "transpose": (lambda L, x: x.transpose(0, 1).contiguous(), [M]),
    "expand": (lambda L, x: x[:, :1].expand(3, 5), [M]),
    "expand_lead": (lambda L, x: x.expand(2, 3, 4), [M]),
    "repeat": (lambda L, x: x.repeat(2, 1, 3), [M]),
    "narrow": (lambda L, x: x.narrow(1, 1, 2), [M]),
    "chunk": (lambda L, x: L.cat(x.chunk(3, dim=1)[::-1], dim=1), [M]),
    "split": (lambda L, x: L.stack(x.split(2, dim=1), 0), [M]),
    "split_sizes": (lambda L, x: L.cat(x.split([1, 3], dim=1)[::-1], 1), [M]),
    "clone": (lambda L, x: x.clone() * 2, [M]),
    "sum_dim": (lambda L, x: x.sum(dim=1), [M]),
    "sum_keepdim": (lambda L, x: x.sum(dim=(0, 1), keepdim=True), [M]),
    "mean_dim": (lambda L, x: x.mean(dim=0), [M]),
    "max_dim": (lambda L, x: x.max(dim=1).values, [M]),
    "max_dim_keepdim": (lambda L, x: x.max(1, keepdim=True)[0], [M]),
    "min_dim": (lambda L, x: x.min(0).values, [M]),
    "max_all": (lambda L, x: x.max(), [M]),
    "min_all": (lambda L, x: x.min(), [M]),
    "std": (lambda L, x: x.std(), [M]),
    "std_dim": (lambda L, x: x.std(dim=1), [M]),
    "var_biased": (lambda L, x: x.var(dim=0, unbiased=False, keepdim=True), [M]),
    "norm": (lambda L, x: x.norm(), [M]),
    "norm_dim": (lambda L, x: x.norm(dim=1), [M]),
    "norm_p1": (lambda L, x: x.norm(p=1, dim=0), [M]),
    "abs": (lambda L, x: x.abs(), [M]),
    "pow": (lambda L, x: x.pow(3), [M]),
    "sqrt": (lambda L, x: x.abs().sqrt(), [M + 0.0]),
    "exp_log": (lambda L, x: x.exp().log(), [M]),
    "clamp": (lambda L, x: x.clamp(-0.5, 0.5), [M]),
    "clamp_min": (lambda L, x: x.clamp(min=0.1), [M]),
    "softmax": (lambda L, x: x.softmax(dim=1), [M]),
    "log_softmax": (lambda L, x: x.log_softmax(dim=0), [M]),
    "masked_fill": (lambda L, x: x.masked_fill(x > 0, 0.0), [M]),
    "gather": (lambda L, x: x.gather(1, L.tensor([[0, 0], [3, 1], [2, 2]])), [M]),
    "where": (lambda L, x, y: L.where(x > 0, x, y), [M, M.T.reshape(3, 4)]),
    "matmul": (lambda L, x, y: L.matmul(x, y), [M, M.T]),
    "mm": (lambda L, x, y: L.mm(x, y), [M, M.T]),
    "bmm": (lambda L, x, y: L.bmm(x.reshape(1, 3, 4), y.reshape(1, 4, 3)), [M, M.T]),
    "top_level": (lambda L, x: L.tanh(x) + L.sigmoid(x) + L.relu(x) + L.exp(x) + L.log(L.abs(x) + 1), [M]),
    "top_transpose": (lambda L, x: L.transpose(x, 0, 1), [M]),
    "top_cat": (lambda L, x, y: L.cat([x, y], dim=1), [M, M]),
    "top_stack": (lambda L, x, y: L.stack([x, y], dim=-1), [M, M]),
    "top_softmax": (lambda L, x: L.softmax(x, dim=0) + L.log_softmax(x, 1), [M]),
    "top_sum_mean": (lambda L, x: L.sum(x, dim=0) + L.mean(x, 0), [M]),
    "top_max": (lambda L, x: L.max(x, dim=0).values + L.min(x, 0)[0], [M]),
    "sub_alpha": (lambda L, x, y: L.sub(x, y, alpha=2), [M, M]),
    "rsub_rdiv": (lambda L, x: (1 - x) + 2 / (x.abs() + 1), [M]),
    "float64_plus_float32_const": (lambda L, x: x + L.tensor(2.0), [M]),
    "to_float32_and_back": (lambda L, x: x.float().double() * 2, [M]),
    "getitem_tensor_index": (lambda L, x: x[L.tensor([2, 0, 2])], [M]),
    "getitem_mask": (lambda L, x: x[x > 0], [M]),
    "getitem_list": (lambda L, x: x[[0, 2]], [M]),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_values_and_gradients_match_torch(name):
    fn, arrays = GRAD_CASES[name]
    same_grads(fn, *arrays)


@pytest.mark.parametrize("snippet", [
    lambda L: L.tensor([[1.0, 5.0], [3.0, 2.0]]).max(dim=1),
    lambda L: L.tensor([[1.0, 5.0], [3.0, 2.0]]).min(dim=0, keepdim=True),
    lambda L: L.tensor([[1.0, 5.0], [3.0, 2.0]]).argmax(), lambda L: L.tensor([[1.0, 5.0], [3.0, 2.0]]).argmax(dim=1),
    lambda L: L.tensor([[1.0, 5.0], [3.0, 2.0]]).argmin(dim=0, keepdim=True),
    lambda L: L.argmax(L.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=0),
    lambda L: L.tensor([[1.0, 5.0], [3.0, 2.0]]).max(dim=1).indices,
    lambda L: L.tensor([1, 2, 3]).sum(), lambda L: L.tensor([True, True, False]).sum(),
    lambda L: L.tensor([1, 2, 3], dtype=L.int32).sum(dim=0),
    lambda L: L.tensor(3.0).sum(dim=0), lambda L: L.tensor(3.0).sum(dim=-1), lambda L: L.tensor(3.0).mean(dim=0),
    lambda L: L.tensor([1.0, 2.0]) == L.tensor([1.0, 3.0]), lambda L: L.tensor([1.0, 2.0]) != 2.0,
    lambda L: L.tensor([1.0, 2.0]) < 2, lambda L: L.tensor([1, 2]) <= L.tensor([[1], [2]]),
    lambda L: L.tensor([1.0, 2.0]) > 1.5, lambda L: L.tensor([1.0, 2.0]) >= 2.0,
    lambda L: L.tensor([1.0, 2.0]).eq(L.tensor([1.0, 0.0])),
    lambda L: L.allclose(L.tensor([1.0, 2.0]), L.tensor([1.0, 2.0 + 1e-9])),
    lambda L: L.allclose(L.tensor([1.0]), L.tensor([1.1])),
    lambda L: L.tensor([[2.5]]).item(),
    lambda L: L.tensor([7]).item(), lambda L: L.tensor([[1, 2], [3, 4]]).tolist(),
    lambda L: L.tensor([[1.0, 2.0]]).numpy(), lambda L: L.tensor([[1.0, 2.0]]).size(),
    lambda L: L.tensor([[1.0, 2.0]]).size(1), lambda L: L.tensor([[1.0, 2.0]]).size(-1),
    lambda L: L.tensor([[1.0, 2.0]]).numel(), lambda L: L.tensor([[1.0, 2.0]]).dim(),
    lambda L: L.tensor([[1.0, 2.0]]).detach(), lambda L: L.tensor([1.0, 2.0]).chunk(3),
    lambda L: L.tensor([1, 2, 3]) * 0.5, lambda L: L.tensor([1, 2, 3]) / 2, lambda L: L.tensor([1, 2, 3]) * 2,
    lambda L: L.tensor([1, 2, 3], dtype=L.int32) + 1, lambda L: L.tensor([True]) + 1,
    lambda L: L.tensor([True]) * 1.5, lambda L: L.tensor([1.0, 2.0]) * 2.0,
    lambda L: L.tensor([1.0], dtype=L.float64) + L.tensor([1.0]), lambda L: L.tensor([1]) + L.tensor([1.0]),
    lambda L: L.tensor([1]) + L.tensor(1.0, dtype=L.float64),
    lambda L: L.tensor([1.0]) + L.tensor(1.0, dtype=L.float64),
    lambda L: L.tensor([1, 2]) ** 2, lambda L: L.tensor([1, 4]) ** 0.5, lambda L: L.tensor([1, 2]).exp(),
    lambda L: L.tensor([-1, 2]).abs(), lambda L: L.tensor([-1, 2]).clamp(0, 1), lambda L: L.tensor([-1, 2]).relu(),
    lambda L: L.tensor([[1.0, 2.0]]).masked_fill(L.tensor([[True, False]]), -1.0),
    lambda L: L.stack([L.tensor([1, 2]), L.tensor([3.0, 4.0])]), lambda L: L.cat([L.tensor([1]), L.tensor([2.0])]),
])
def test_plain_values_match_torch(snippet):
    same(snippet)


def test_hash_is_identity_and_equality_is_elementwise():
    a, b = tr.tensor([1.0]), tr.tensor([1.0])
    assert len({a: 1, b: 2}) == 2 and {a: 1}[a] == 1
    assert (a == b).dtype == tr.bool and (a == b).tolist() == [True]


@pytest.mark.parametrize("snippet", [
    lambda L: bool(L.tensor([2.0])), lambda L: bool(L.tensor(0)), lambda L: float(L.tensor([[2.5]])),
    lambda L: int(L.tensor(3.7)), lambda L: L.tensor([[0, 1], [0, 0]]).any(), lambda L: L.tensor([1, 2]).all(),
    lambda L: L.tensor([[0, 1], [0, 0]]).any(dim=1), lambda L: L.tensor([[0.0, 1.0], [2.0, 3.0]]).all(0),
])
def test_truth_and_number_conversions_match_torch(snippet):
    same(snippet)


def test_truth_of_a_many_valued_tensor_is_refused_as_torch():
    same_error(lambda L: bool(L.tensor([1.0, 2.0]) == L.tensor([1.0, 2.0])), RuntimeError)


# ----- hypothesis: reductions and views over drawn shapes and dims
shapes = array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3)


@pytest.mark.parametrize("name", ["sum", "mean", "std", "var", "amax", "amin", "norm"])
@SETTINGS
@given(shape=shapes, keepdim=st.booleans(), data=st.data())
def test_reductions_over_drawn_dims_match_torch(name, shape, keepdim, data):
    n = max(len(shape), 1)
    dims = st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True).map(tuple)
    dim = data.draw(st.none() | st.integers(-n, n - 1) | (st.nothing() if name == "norm" else dims))
    if name in ("std", "var") and dim is None:
        fn = lambda L, x: getattr(x, name)()  # noqa: E731
    else:
        fn = lambda L, x: getattr(x, name)(dim=dim, keepdim=keepdim)  # noqa: E731
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    if name in ("std", "var"):
        count = int(np.prod([shape[d % len(shape)] for d in ((dim,) if isinstance(dim, int) else dim)]
                            if dim is not None and shape else [np.prod(shape)]))
        if count < 2:
            return  # one element: torch warns and gives nan (degrees of freedom <= 0)
    same_grads(fn, x, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("largest", [True, False])
@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), keepdim=st.booleans(), data=st.data())
def test_max_min_along_a_drawn_dim_match_torch(largest, shape, keepdim, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(sum(shape)).standard_normal(shape)
    name = "max" if largest else "min"
    same_grads(lambda L, x: getattr(x, name)(dim, keepdim=keepdim).values, x)
    assert_same(getattr(tr.tensor(x), name)(dim, keepdim).indices, getattr(torch.tensor(x), name)(dim, keepdim).indices)


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3), data=st.data())
def test_view_ops_over_drawn_shapes_match_torch(shape, data):
    n = len(shape)
    x = np.random.default_rng(n).standard_normal(shape)
    order = data.draw(st.permutations(range(n)))
    d0, d1 = data.draw(st.integers(-n, n - 1)), data.draw(st.integers(-n, n - 1))
    u = data.draw(st.integers(-n - 1, n))
    same_grads(lambda L, x: x.permute(*order).contiguous().view(-1), x)
    same_grads(lambda L, x: x.transpose(d0, d1), x)
    same_grads(lambda L, x: x.unsqueeze(u).squeeze(), x)
    same_grads(lambda L, x: x.flatten(), x)
    same_grads(lambda L, x: x.reshape(shape[::-1]), x)
    size = data.draw(st.integers(1, 3))
    same_grads(lambda L, x: L.cat(x.split(size, dim=d0)[::-1], dim=d0), x)


# ----- in-place methods
@pytest.mark.parametrize("snippet", [
    lambda L: L.ones(3).add_(L.tensor([1.0, 2.0, 3.0]), alpha=-0.5),
    lambda L: L.ones(3).sub_(2.0, alpha=2), lambda L: L.ones(2, 2).mul_(L.tensor([2.0, 3.0])),
    lambda L: L.ones(3).div_(4), lambda L: L.ones(3).zero_(), lambda L: L.ones(3).fill_(2.5),
    lambda L: L.zeros(2, 3).copy_(L.tensor([1, 2, 3])), lambda L: L.tensor([-2.0, 0.5, 3.0]).clamp_(-1, 1),
    lambda L: L.ones(3, dtype=L.int64).add_(2), lambda L: L.tensor([1.0]).add_(L.tensor([1.0], dtype=L.float64)),
])
def test_in_place_methods_match_torch(snippet):
    same(snippet)


def test_setitem_matches_torch():
    def snippet(L):
        x = L.zeros(3, 4)
        x[0] = 1.0
        x[1, 1:3] = L.tensor([2.0, 3.0])
        x[x > 2.5] = -1.0
        x[:, 3] = 7
        return x
    same(snippet)


def test_in_place_errors_match_torch():
    same_error(lambda L: L.ones(2, requires_grad=True).add_(1), RuntimeError)
    same_error(lambda L: L.ones(2, dtype=L.int64).add_(0.5), RuntimeError)
    same_error(lambda L: L.ones(2).mul_(L.ones(3)), RuntimeError)

    def setitem_on_leaf(L):
        x = L.ones(2, requires_grad=True)
        x[0] = 3.0
    same_error(setitem_on_leaf, RuntimeError)


def test_in_place_on_a_leaf_is_allowed_under_no_grad_and_through_data():
    for L in (tr, torch):
        w = L.ones(3, requires_grad=True)
        with L.no_grad():
            w.sub_(L.tensor([1.0, 2.0, 3.0]), alpha=0.5)
        w.data.add_(L.tensor([1.0, 1.0, 1.0]), alpha=-1)
        assert w.tolist() == [-0.5, -1.0, -1.5] and w.requires_grad


def test_in_place_change_of_a_saved_input_makes_backward_raise_as_torch():
    def run(L):
        w = L.ones(3, requires_grad=True)
        x = L.tensor([1.0, 2.0, 3.0])
        y = (w * x).sum()
        x.mul_(2)
        y.backward()
    same_error(run, RuntimeError)


def test_in_place_through_a_view_is_seen_by_backward():
    """w.T shares w's memory: an update of w before backward must not give a gradient from the new w."""
    for L in (tr, torch):
        w = L.ones(2, 3, requires_grad=True)
        y = (L.ones(4, 3) @ w.t()).sum() * (w.t() * w.t()).sum()
        with L.no_grad():
            w.add_(1.0)
        with pytest.raises(RuntimeError, match="modified by an in.?place operation"):
            y.backward()


def test_uniform_and_normal_fill_from_the_seeded_generator():
    tr.manual_seed(1)
    a = tr.zeros(1000).uniform_(-2, 3)
    b = tr.zeros(1000).normal_(1.0, 0.5)
    assert a.numpy().min() >= -2 and a.numpy().max() < 3 and abs(a.numpy().mean() - 0.5) < 0.2
    assert abs(b.numpy().mean() - 1.0) < 0.1 and abs(b.numpy().std() - 0.5) < 0.1
    tr.manual_seed(1)
    np.testing.assert_array_equal(tr.zeros(1000).uniform_(-2, 3).numpy(), a.numpy())
    assert a.dtype == tr.float32


def test_in_place_methods_bump_the_version():
    x = tr.zeros(3)
    for step in (lambda: x.add_(1), lambda: x.zero_(), lambda: x.copy_(tr.ones(3)), lambda: x.clamp_(0, 1),
                 lambda: x.uniform_(), lambda: x.normal_(), lambda: x.fill_(2), lambda: x.mul_(2), lambda: x.div_(2),
                 lambda: x.sub_(1), lambda: x.__setitem__(0, 5.0)):
        before = x._version[0] if x._version else 0
        step()
        assert x._version[0] == before + 1


@pytest.mark.parametrize("call", [
    lambda x, d, e: x.sum(dim=d), lambda x, d, e: x.mean(d, keepdim=True), lambda x, d, e: x.max(d),
    lambda x, d, e: x.argmax(d), lambda x, d, e: x.transpose(d, e), lambda x, d, e: x.unsqueeze(d),
    lambda x, d, e: x.squeeze(d), lambda x, d, e: x.softmax(d), lambda x, d, e: x.narrow(d, 0, 1),
    lambda x, d, e: x.chunk(2, d), lambda x, d, e: x.flatten(d, e), lambda x, d, e: x.size(d),
], ids=["sum", "mean", "max", "argmax", "transpose", "unsqueeze", "squeeze", "softmax", "narrow", "chunk",
        "flatten", "size"])
@SETTINGS
@given(shape=array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3), d=st.integers(-5, 5),
       e=st.integers(-5, 5))
def test_dims_in_and_out_of_range_behave_as_torch(call, shape, d, e):
    """Where torch accepts a dim we give its answer; where it refuses, we refuse with the same error type."""
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    try:
        expected = call(torch.tensor(x), d, e)
    except (IndexError, RuntimeError) as error:
        with pytest.raises(type(error)):
            call(tr.tensor(x), d, e)
        return
    assert_same(call(tr.tensor(x), d, e), expected)
