"""The graph and backward(): reuse, long chains, accumulation, no_grad, detach, release, aliasing."""
import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import autograd

from .conftest import OPS


def test_reused_node_accumulates_every_use(device):
    a = tr.Tensor(np.array([1.5, -2.0]), requires_grad=True, device=device)
    b = a + a
    c = b * b           # c = 4a²  → dc/da = 8a
    c.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 8 * np.array([1.5, -2.0]))


def test_diamond_graph_orders_nodes_correctly():
    """x feeds y directly and through z; z's gradient must be complete before it flows on."""
    x = tr.Tensor(np.array(2.0), requires_grad=True)
    z = x * 3.0
    y = z * x + z       # y = 3x² + 3x → dy/dx = 6x + 3
    y.backward()
    assert x.grad.item() == pytest.approx(15.0)


@pytest.mark.slow
def test_chain_of_100000_ops_has_no_recursion_limit():
    x = tr.Tensor(np.array(1.0), requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 100_000, rel=1e-9)


def test_gradients_accumulate_across_backward_calls_until_zeroed():
    x = tr.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * np.array([1.0, 2.0]))
    x.grad = None
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_no_grad_records_nothing():
    x = tr.Tensor(np.ones(2), requires_grad=True)
    with tr.no_grad():
        y = x * 2
    assert not y.requires_grad and y._ctx is None
    assert tr.is_grad_enabled()


def test_detach_cuts_the_graph_and_shares_data():
    x = tr.Tensor(np.ones(2), requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d._ctx is None
    y = (x * d).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_retain_grad_keeps_an_intermediate_gradient():
    x = tr.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    k = h * 1.0  # on the backward path, but not retained
    (k * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * 3 * np.array([1.0, 2.0]))
    assert k.grad is None


def test_second_backward_through_a_released_graph_raises():
    x = tr.Tensor(np.ones(2), requires_grad=True)
    y = (x.tanh() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_backward_into_a_freed_graph_fails_before_any_gradient_is_written():
    x, c = tr.Tensor(np.ones(2), requires_grad=True), tr.Tensor(np.ones(2), requires_grad=True)
    y = (x.tanh() * 2).sum()
    y.backward()
    before = x.grad.numpy().copy()
    with pytest.raises(RuntimeError, match="second time"):
        (y + (c * 3).sum()).backward()  # c's branch is fresh, y's was freed
    assert c.grad is None
    np.testing.assert_array_equal(x.grad.numpy(), before)


def test_retain_graph_allows_a_second_backward():
    x = tr.Tensor(np.ones(2), requires_grad=True)
    y = (x.tanh() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * (1 - np.tanh(1.0) ** 2))


def test_backward_frees_saved_arrays():
    x = tr.Tensor(np.ones(3), requires_grad=True)
    h = x.tanh()
    (h * 2).sum().backward()
    assert h._ctx.saved is None


def test_non_scalar_backward_needs_a_gradient():
    x = tr.Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"non-scalar of shape \(3,\) needs a gradient"):
        (x * 2).backward()


def test_ops_do_not_mutate_inputs_and_gradients_are_not_views():
    a_np, b_np = np.random.default_rng(0).standard_normal((2, 3, 4))
    a = tr.Tensor(a_np.copy(), requires_grad=True)
    b = tr.Tensor(b_np.copy(), requires_grad=True)
    out = tr.concatenate([(a + b).reshape(4, 3), (a * b).T.reshape(4, 3), a[::-1].tanh().reshape(4, 3)])
    out.sum().backward()
    np.testing.assert_array_equal(a.array, a_np)
    np.testing.assert_array_equal(b.array, b_np)
    for t in (a, b):
        assert not np.shares_memory(t.grad.array, a.array) and not np.shares_memory(t.grad.array, b.array)
    assert not np.shares_memory(a.grad.array, b.grad.array)  # add hands both sides the same array


def test_gradient_seed_is_copied_not_aliased():
    x = tr.Tensor(np.ones(3), requires_grad=True)
    seed = np.ones(3)
    x.backward(seed)
    seed[:] = 7
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 1.0])


def test_dtype_rules_follow_torch():
    assert tr.Tensor(1.5).dtype == np.float32
    assert tr.Tensor([[1.0, 2.0]]).dtype == np.float32
    assert tr.Tensor([1, 2]).dtype == np.int64
    assert tr.Tensor(np.ones(2)).dtype == np.float64
    assert tr.Tensor(np.ones(2), dtype=np.float32).dtype == np.float32
    x = tr.Tensor(np.ones(2, np.float32))
    assert (x * 2.0).dtype == np.float32  # a Python number does not promote


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients, got dtype int64"):
        tr.Tensor([1, 2], requires_grad=True)


def test_item_numpy_and_repr():
    x = tr.Tensor(np.array([[2.5]]), requires_grad=True)
    assert x.item() == 2.5 and x.numpy().shape == (1, 1)
    assert "requires_grad=True" in repr(x) and "float64" in repr(x)
    with pytest.raises(ValueError, match="one element"):
        tr.Tensor(np.ones(2)).item()


def test_numpy_conversion_shares_memory_or_copies_as_numpy_asks():
    """np.asarray(t) is t.numpy() (shared on the CPU); a dtype casts (a copy), and copy=False refuses a copy."""
    x = tr.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    a = np.asarray(x)
    assert a.dtype == np.float64 and np.shares_memory(a, x.numpy())
    b, c = np.asarray(x, dtype=np.float32), np.array(x)
    assert b.dtype == np.float32 and not np.shares_memory(b, x.numpy()) and not np.shares_memory(c, x.numpy())
    np.testing.assert_array_equal(c, x.numpy())
    with pytest.raises(ValueError, match="a copy is needed"):
        np.asarray(x, dtype=np.float32, copy=False)
    assert np.asarray(tr.tensor(2.5)).shape == () and np.asarray(tr.tensor([1, 2])).dtype == np.int64


@pytest.mark.parametrize("name", sorted(OPS))
def test_float32_stays_float32_through_forward_and_backward(name):
    """No op promotes to float64 behind the user's back (a NumPy int64 scalar would)."""
    fn, shapes = OPS[name]
    rng = np.random.default_rng(0)
    xs = [tr.Tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in shapes]
    tr.manual_seed(0)
    y = fn(*xs)
    assert y.dtype == np.float32
    seen = []
    original = autograd._accumulate
    autograd._accumulate = lambda t, g: (seen.append(g.dtype), original(t, g))
    try:
        y.backward(np.ones(y.shape, np.float32))
    finally:
        autograd._accumulate = original
    assert seen and all(d == np.float32 for d in seen), seen


class _SplitScale(tr.Function):
    """A two-output op for the tests: (2x, 3x); backward: 2 g_a + 3 g_b, a missing gradient counting as 0."""

    saves_inputs = False

    def forward(self, x):
        return 2 * x, 3 * x

    def backward(self, g_a, g_b):
        self.calls = getattr(self, "calls", 0) + 1
        total = 0
        if g_a is not None:
            total = total + 2 * g_a
        if g_b is not None:
            total = total + 3 * g_b
        return (total,)


def test_multi_output_op_returns_a_tuple_and_backward_runs_once_with_both_gradients():
    x = tr.Tensor(np.arange(3.0), requires_grad=True, dtype="float64")
    a, b = _SplitScale.apply(x)
    np.testing.assert_array_equal(a.numpy(), 2 * np.arange(3.0))
    assert a._ctx is b._ctx
    (a * 5 + b * 7).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full(3, 2 * 5 + 3 * 7.0))
    assert a._ctx is None or a._ctx.calls == 1


def test_multi_output_op_gets_none_for_an_unused_output():
    x = tr.Tensor(np.arange(3.0), requires_grad=True, dtype="float64")
    a, b = _SplitScale.apply(x)
    b.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full(3, 3.0))


def test_retain_grad_on_a_second_output():
    x = tr.Tensor(np.ones(2), requires_grad=True, dtype="float64")
    a, b = _SplitScale.apply(x)
    b.retain_grad()
    (a + 4 * b).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [4.0, 4.0])


def test_backward_after_optimizer_step_raises_instead_of_using_new_weights():
    w = tr.nn.Parameter(np.ones(3))
    x = tr.Tensor(np.arange(3.0))
    y = (x * w).sum()
    opt = tr.optim.SGD([w], lr=0.1)
    w.grad = tr.Tensor(np.ones(3))
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()
    assert w.grad.numpy().tolist() == [1.0, 1.0, 1.0]  # nothing was written before the error


def test_ops_that_read_no_input_ignore_in_place_changes_of_it():
    w = tr.nn.Parameter(np.ones(3))
    y = (w + 1).sum()
    w._bump_version()
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.ones(3))


def test_tensor_copies_an_ndarray_and_data_shares_memory_with_no_graph():
    a = np.ones(3)
    t = tr.Tensor(a, requires_grad=True)
    t.array[0] = 5.0
    assert a[0] == 1.0  # Tensor(ndarray) copies, as torch.tensor
    d = t.data
    assert d.array is t.array and not d.requires_grad and d._ctx is None
    assert t.size() == (3,) and t.size(0) == 3 and t.numel() == 3 and t.dim() == 1
