"""Edge cases where a quiet difference from torch would give a wrong number: in-place writes of values that
require grad, += on views, the inf-norm, the 2-norm's gradient at 0, dim=[], clamp's dtype, to(dtype, None),
and clip_grad_norm_ returning torch's 0-d Tensor."""
import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import nn

torch = pytest.importorskip("torch", reason="compared with torch (pip install torch==2.13.0)")


def test_writing_a_value_that_requires_grad_in_place_is_refused_not_silently_cut_from_the_graph():
    w = tr.ones(2, 2, requires_grad=True)
    outs = tr.zeros(3, 2)
    before = outs.numpy().copy()
    for write in (lambda v: outs.__setitem__(0, v), lambda v: outs[1:2].add_(v), lambda v: outs.copy_(v)):
        with pytest.raises(RuntimeError, match="the value requires grad, but an in-place write is not recorded"):
            write((w * 2).sum(0))
    np.testing.assert_array_equal(outs.numpy(), before)
    with tr.no_grad():
        outs[0] = (w * 2).sum(0)  # outside the graph it is a plain write
    np.testing.assert_array_equal(outs.numpy()[0], [4.0, 4.0])


def test_plus_equals_into_a_plain_tensor_keeps_the_gradient_as_torch():
    grads = []
    for lib in (tr, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        total = lib.zeros(())
        total += (w * w).sum()
        total += w.sum()
        total.backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1])


def test_plus_equals_on_a_view_in_a_graph_is_refused_rather_than_leaving_the_base_unchanged():
    x = tr.ones(2, 3, requires_grad=True)
    h = x * 2
    row = h[0]
    with pytest.raises(RuntimeError, match="in-place change of a view"):
        row += 1
    assert h.sum().item() == 12.0


@pytest.mark.parametrize("p", [2, 1, float("inf"), 3, 0.5])
@pytest.mark.parametrize("dim", [None, 1])
def test_norm_values_and_gradients_match_torch_including_zero_rows(p, dim):
    data = np.array([[3.0, -4.0], [0.0, 0.0]])
    ours, theirs = tr.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    a, b = ours.norm(p, dim=dim), theirs.norm(p, dim=dim)
    a.sum().backward()
    b.sum().backward()
    np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_an_empty_dim_list_reduces_over_every_dim_as_torch():
    assert tr.ones(2, 3).sum(dim=[]).item() == torch.ones(2, 3).sum(dim=[]).item() == 6.0


def test_clamp_of_an_int_tensor_by_float_bounds_promotes_and_its_in_place_form_refuses():
    ours, theirs = tr.tensor([1, 5]).clamp(0.5, 2.5), torch.tensor([1, 5]).clamp(0.5, 2.5)
    assert str(ours.dtype) == "float32" and theirs.dtype == torch.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    x = tr.tensor([1, 5])
    with pytest.raises(RuntimeError, match="result type float32 can't be cast"):
        x.clamp_(0.5, 2.5)
    assert x.tolist() == [1, 5]


def test_to_with_a_dtype_and_a_none_device_changes_the_dtype():
    assert str(tr.ones(2).to(tr.float64, None).dtype) == "float64"


def test_clip_grad_norm_returns_a_zero_dim_tensor_as_torch():
    p = nn.Parameter(tr.ones(3))
    p.grad = tr.tensor([3.0, 4.0, 0.0])
    norm = nn.utils.clip_grad_norm_([p], 1.0)
    assert isinstance(norm, tr.Tensor) and norm.shape == () and norm.item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8, 0.0], rtol=1e-5)


def test_a_gradient_of_the_wrong_shape_stops_the_step_before_any_parameter_changes():
    a, b = nn.Parameter(tr.ones(2)), nn.Parameter(tr.ones(2))
    opt = tr.optim.SGD([a, b], lr=1.0, momentum=0.9)
    a.grad, b.grad = tr.ones(2), tr.ones(3)
    with pytest.raises(RuntimeError, match=r"parameter 1 of shape \(2,\).*has a gradient of shape \(3,\)"):
        opt.step()
    assert a.tolist() == [1.0, 1.0] and opt.state == [{}, {}]


def test_load_takes_torchs_weights_only_argument(tmp_path):
    tr.save({"w": tr.ones(2)}, tmp_path / "w.tr")
    assert tr.load(tmp_path / "w.tr", weights_only=True)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="weights_only=False would allow code"):
        tr.load(tmp_path / "w.tr", weights_only=False)


@pytest.mark.parametrize("shape, index, value_shape", [((3,), 0, (1,)), ((2, 3), 0, (1, 3)), ((2, 3), (0, 1), (1, 1))])
def test_setitem_drops_the_values_leading_size_one_dims_as_torch(shape, index, value_shape):
    ours, theirs = tr.zeros(*shape), torch.zeros(*shape)
    ours[index] = tr.ones(*value_shape) * 7
    theirs[index] = torch.ones(*value_shape) * 7
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError, match="does not fit the selected region"):
        ours[index] = tr.ones(2, *value_shape)


@pytest.mark.xdist_group("torch-optimizers")  # makes a torch optimizer: see conftest.py
def test_zero_dim_results_and_gradients_are_arrays_so_clipping_momentum_and_in_place_work():
    p = nn.Parameter(tr.tensor(1.0))
    q = torch.nn.Parameter(torch.tensor(1.0))
    (p * 6.0).backward()
    (q * 6.0).backward()
    nn.utils.clip_grad_norm_([p], 1.0)
    torch.nn.utils.clip_grad_norm_([q], 1.0)
    assert p.grad.item() == pytest.approx(q.grad.item(), rel=1e-6)
    opt, topt = tr.optim.SGD([p], lr=0.1, momentum=0.9), torch.optim.SGD([q], lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.step()
        topt.step()
    assert p.item() == pytest.approx(q.item(), rel=1e-6)
    s = tr.tensor(1.0) * 2
    s += 1
    assert s.item() == 3.0


def test_optimizer_zero_grad_keeps_zeroed_tensors_when_asked_as_torch():
    p = nn.Parameter(tr.ones(2))
    p.grad = tr.ones(2)
    grad = p.grad
    opt = tr.optim.SGD([p], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and p.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None
