"""Module and the simple layers: discovery, state dicts, modes, moves, init, Linear, Embedding, Dropout."""
import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import nn


class Net(nn.Module):
    def __init__(self):
        self.embed = nn.Embedding(5, 3)
        self.rnn = nn.GRU(3, 4, num_layers=2)
        self.heads = [nn.Linear(4, 2), nn.Linear(4, 1, bias=False)]
        self.scale = nn.Parameter(np.ones(1, np.float32))
        self.drop = nn.Dropout(0.1)


def test_parameters_are_found_through_attributes_lists_and_submodules():
    names = [n for n, _ in Net().named_parameters()]  # torch's order: own parameters first, then children's
    assert names[:2] == ["scale", "embed.weight"] and "rnn.weight_hh_l1" in names
    assert names[-2:] == ["heads.0.bias", "heads.1.weight"]
    assert len(names) == 1 + 8 + 3 + 1


def test_shared_parameters_are_listed_once():
    net = Net()
    net.heads[1].weight = net.heads[0].weight
    assert len(list(net.parameters())) == len(set(map(id, net.parameters())))


def test_state_dict_round_trip_and_cast_to_parameter_dtype():
    a, b = Net(), Net()
    state = {k: v.numpy().astype(np.float64) for k, v in a.state_dict().items()}
    b.load_state_dict(state)
    for p, q in zip(a.parameters(), b.parameters()):
        assert q.dtype == np.float32
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    state["scale"][0] = 7
    assert b.scale.item() != 7  # loading copies


def test_load_state_dict_accepts_lists_and_tensors():
    lin = nn.Linear(2, 1)
    lin.load_state_dict({"weight": [[1.0, 2.0]], "bias": tr.Tensor([0.5])})
    np.testing.assert_array_equal(lin.weight.numpy(), [[1.0, 2.0]])


def test_load_state_dict_lists_every_problem_and_changes_nothing():
    lin = nn.Linear(2, 3)
    before = {k: v.numpy().copy() for k, v in lin.state_dict().items()}
    with pytest.raises(RuntimeError) as err:
        lin.load_state_dict({"weight": np.zeros((2, 2)), "extra": np.zeros(1)})
    msg = str(err.value)
    assert "size mismatch for weight: copying a param with shape (2, 2) from checkpoint, " \
           "the shape in current model is (3, 2)" in msg
    assert 'Missing key(s) in state_dict: "bias"' in msg and 'Unexpected key(s) in state_dict: "extra"' in msg
    np.testing.assert_array_equal(lin.weight.numpy(), before["weight"])


def test_non_strict_loading_skips_missing_and_unexpected():
    lin = nn.Linear(2, 3)
    lin.load_state_dict({"bias": np.zeros(3), "other": 1}, strict=False)
    np.testing.assert_array_equal(lin.bias.numpy(), np.zeros(3))


def test_train_eval_reach_every_submodule():
    net = Net()
    net.eval()
    assert not net.drop.training and not net.rnn.training
    net.train()
    assert all(m.training for m in net.modules())


def test_double_float_and_to_keep_parameter_identity():
    net = Net()
    ids = [id(p) for p in net.parameters()]
    net.double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    net.float().to("cpu")
    assert all(p.dtype == np.float32 for p in net.parameters())
    assert ids == [id(p) for p in net.parameters()]


def test_zero_grad_clears_gradients():
    lin = nn.Linear(2, 1)
    lin(tr.Tensor(np.ones((1, 2), np.float32))).sum().backward()
    assert lin.weight.grad is not None
    lin.zero_grad()
    assert all(p.grad is None for p in lin.parameters())


def test_repr_is_readable():
    text = repr(Net())
    assert "(rnn): GRU(3, 4, num_layers=2)" in text and "(heads.0): Linear(in_features=4" in text


def test_linear_and_embedding_gradcheck():
    tr.manual_seed(0)
    lin = nn.Linear(3, 2).double()
    x = tr.Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    assert tr.gradcheck(lambda x, *p: lin(x), [x] + list(lin.parameters()))
    emb = nn.Embedding(4, 3).double()
    assert tr.gradcheck(lambda w: emb(np.array([[0, 3], [3, 3]])), [emb.weight])


def test_linear_input_error_names_shapes():
    with pytest.raises(ValueError, match=r"expected input of shape \(\.\.\., 3\), got \(2, 4\)"):
        nn.Linear(3, 2)(tr.Tensor(np.ones((2, 4), np.float32)))


def test_embedding_rejects_out_of_range_ids():
    with pytest.raises(IndexError, match=r"ids must lie in \[0, 4\), got values in \[0, 4\]"):
        nn.Embedding(4, 2)(np.array([0, 4]))


def test_dropout_module_scales_kept_elements_and_is_identity_in_eval():
    drop = nn.Dropout(0.25)
    x = tr.Tensor(np.ones(10_000, np.float32))
    y = drop(x).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02
    drop.eval()
    assert drop(x) is x


def test_init_helpers():
    tr.manual_seed(0)
    w = nn.Parameter(np.empty((6, 4)))
    nn.init.orthogonal_(w)
    np.testing.assert_allclose(w.numpy().T @ w.numpy(), np.eye(4), atol=1e-12)
    nn.init.eye_(w, gain=0.5)
    np.testing.assert_array_equal(w.numpy(), 0.5 * np.eye(6, 4))
    nn.init.uniform_(w, -0.1, 0.1)
    assert np.abs(w.numpy()).max() <= 0.1
    nn.init.normal_(w, 3.0, 0.01)
    assert abs(w.numpy().mean() - 3.0) < 0.02


def test_manual_seed_makes_models_repeatable():
    tr.manual_seed(5)
    a = nn.LSTM(3, 4).state_dict()
    tr.manual_seed(5)
    b = nn.LSTM(3, 4).state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k].numpy(), b[k].numpy())


def test_torch_state_dict_loads_directly():
    torch = pytest.importorskip("torch", reason="needs torch to make a torch state_dict")
    theirs = torch.nn.Linear(3, 2)
    ours = nn.Linear(3, 2)
    ours.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(ours.weight.numpy(), theirs.weight.detach().numpy())
