"""The whole library on the GPU (the strict stand-in, or real CuPy): values and gradients equal to the CPU's.

Each test runs the same computation twice from the same float64 numbers, on
"cpu" and on "cuda", and holds the two equal: rtol 1e-12 on the stand-in (the
same NumPy arithmetic, but for the order of the sums in the embedding's
scatter-add, which takes NumPy's fast path on the CPU only); rtol 1e-9 on a real
GPU, whose cuBLAS products and atomic scatter-adds sum in other orders, and
BPTT and Adam carry the rounding through several steps.
"""
import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import backend, nn, optim
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.tasks import VOCAB, CopyTask

from .strict_device import TEST_DEVICE, gpu_device


@pytest.fixture
def gpu():
    """The "cuda" device: the strict stand-in, or real CuPy with TINYGRAD_RNN_TEST_DEVICE=cuda."""
    yield from gpu_device()

RTOL = 1e-12 if TEST_DEVICE == "strict" else 1e-9


def flat_cross_entropy(logits, y):
    """The copy task's loss: (T, B, C) logits flattened to (T·B, C), as torch's class dim 1 needs."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def close(a, b, what=""):
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=RTOL * 1e-2, err_msg=what)


def grads(module):
    return {n: p.grad.numpy() for n, p in module.named_parameters() if p.grad is not None}


def run_layer(layer, x, hx, device):
    """Forward and backward of a recurrent layer on ``device``: (output, final state, input/state/param grads)."""
    layer.to(device)
    layer.zero_grad()
    xt = tr.Tensor(x, device=device, requires_grad=True)
    hs = [tr.Tensor(h, device=device, requires_grad=True) for h in hx]
    out, final = layer(xt, tuple(hs) if len(hs) == 2 else hs[0])
    finals = list(final) if isinstance(final, tuple) else [final]
    u = np.random.default_rng(5).standard_normal(out.shape)
    loss = (out * tr.Tensor(u, device=device)).sum() + sum((f * f).sum() for f in finals)
    loss.backward()
    assert all(t.device == device for t in [out, xt.grad, *finals]), "something left the device"
    return [out.numpy()] + [f.numpy() for f in finals] + [xt.grad.numpy()] + [h.grad.numpy() for h in hs], \
        grads(layer)


@pytest.mark.parametrize("impl", ["fused", "unrolled"])
@pytest.mark.parametrize("mode,opts", [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {}),
                                       ("GRU", {"bidirectional": True, "num_layers": 2}),
                                       ("LSTM", {"bias": False, "batch_first": True})])
def test_recurrent_layers_match_the_cpu(gpu, mode, opts, impl):
    tr.manual_seed(0)
    layer = getattr(nn, mode)(3, 4, dtype=np.float64, impl=impl, **opts)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 3) if opts.get("batch_first") else (5, 2, 3))
    layers = opts.get("num_layers", 1) * (2 if opts.get("bidirectional") else 1)
    hx = [rng.standard_normal((layers, 2, 4)) for _ in range(2 if mode == "LSTM" else 1)]
    cpu_values, cpu_grads = run_layer(layer, x, hx, "cpu")
    gpu_values, gpu_grads = run_layer(layer, x, hx, "cuda")
    for a, b in zip(gpu_values, cpu_values):
        close(a, b)
    assert gpu_grads.keys() == cpu_grads.keys()
    for name in cpu_grads:
        close(gpu_grads[name], cpu_grads[name], name)


def test_linear_embedding_dropout_match_the_cpu(gpu):
    results = {}
    for device in ("cpu", "cuda"):
        tr.manual_seed(0)
        emb, lin, drop = nn.Embedding(7, 5, dtype=np.float64), nn.Linear(5, 3, dtype=np.float64), nn.Dropout(0.4)
        emb.to(device), lin.to(device)
        ids = np.array([[0, 6, 2], [2, 2, 5]])
        y = lin(drop(emb(ids)))
        (y * y).sum().backward()
        assert y.device == device and emb.weight.grad.device == device
        results[device] = [y.numpy(), emb.weight.grad.numpy(), lin.weight.grad.numpy(), lin.bias.grad.numpy()]
    for a, b in zip(results["cuda"], results["cpu"]):
        close(a, b)


@pytest.mark.parametrize("kind", ["tensor", "raw array"])
def test_embedding_takes_ids_already_on_the_device(gpu, kind):
    emb = nn.Embedding(4, 2).to("cuda")
    ids = gpu.xp.asarray(np.array([3, 0, 3]))  # a raw CuPy array: np.asarray on it raises
    ids = tr.Tensor(ids) if kind == "tensor" else ids
    np.testing.assert_array_equal(emb(ids).numpy(), emb.weight.numpy()[[3, 0, 3]])


def test_out_of_range_ids_raise_instead_of_wrapping_around(gpu):
    emb = nn.Embedding(4, 2).to("cuda")
    with pytest.raises(IndexError, match=r"ids must lie in \[0, 4\), got values in \[0, 4\]"):
        emb(tr.Tensor(np.array([0, 4]), device="cuda"))
    logits = tr.Tensor(np.zeros((2, 3)), device="cuda")
    with pytest.raises(IndexError, match=r"class targets must lie in \[0, 3\) \(or equal to -100, ignored\), "
                                         r"got values in \[1, 3\]"):
        F.cross_entropy(logits, tr.Tensor(np.array([3, 1]), device="cuda"))
    with pytest.raises(IndexError, match=r"got values in \[-1, -1\]"):
        F.cross_entropy(logits, np.array([-1, -100]))


def test_targets_and_ids_on_another_device_are_refused(gpu):
    logits = tr.Tensor(np.zeros((2, 3)), device="cuda")
    with pytest.raises(backend.DeviceError, match=r"cross_entropy: expected class targets on device 'cuda' "
                                                  r"\(the input's\), got 'cpu'"):
        F.cross_entropy(logits, tr.Tensor(np.array([0, 1])))
    with pytest.raises(backend.DeviceError, match=r"embedding: expected indices on device 'cpu'.*got 'cuda'"):
        nn.Embedding(4, 2)(tr.Tensor(np.array([0, 1]), device="cuda"))


OPTIMIZERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "sgd_dampening": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.5, dampening=0.2),
    "adam": lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.01),
    "adagrad": lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
    "rmsprop": lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.9, centered=True, weight_decay=0.01),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_and_its_state_dict_match_the_cpu(gpu, name):
    finals = {}
    for device in ("cpu", "cuda"):
        tr.manual_seed(0)
        lin = nn.Linear(4, 3, dtype=np.float64).to(device)
        opt = OPTIMIZERS[name](lin.parameters())
        x = tr.Tensor(np.random.default_rng(1).standard_normal((6, 4)), device=device)
        for step in range(4):
            if step == 2:  # a round trip through the state dict, on the parameters' device
                saved = opt.state_dict()
                opt = OPTIMIZERS[name](lin.parameters())
                opt.load_state_dict(saved)
            opt.zero_grad()
            (lin(x).tanh() ** 2).mean().backward()
            nn.utils.clip_grad_norm_(lin.parameters(), 0.05)
            opt.step()
        assert all(p.device == device for p in lin.parameters())
        finals[device] = [p.numpy() for p in lin.parameters()]
    for a, b in zip(finals["cuda"], finals["cpu"]):
        close(a, b)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clipping_matches_the_cpu(gpu, norm_type):
    gs = [np.random.default_rng(i).standard_normal(s) for i, s in enumerate([(3, 4), (5,), (), (0, 2)])]
    out = {}
    for device in ("cpu", "cuda"):
        ps = [tr.Tensor(np.zeros(g.shape), requires_grad=True, device=device) for g in gs]
        for p, g in zip(ps, gs):
            p.grad = tr.Tensor(g, device=device)
        total = nn.utils.clip_grad_norm_(ps, 0.5, norm_type)
        nn.utils.clip_grad_value_(ps[:1], 0.01)
        assert isinstance(total, tr.Tensor) and total.device == device and total.shape == ()  # as torch's
        out[device] = [total.numpy()] + [p.grad.numpy() for p in ps]
    for a, b in zip(out["cuda"], out["cpu"]):
        close(a, b)


def test_to_and_numpy_move_tensors_and_gradients(gpu):
    x = tr.Tensor(np.arange(3.0), requires_grad=True)
    y = x.to("cuda")
    assert y.device == "cuda" and isinstance(y.numpy(), np.ndarray)
    (y.to("cpu") * 2 + y.to("cpu")).sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0, 3.0])
    m = nn.Linear(2, 2).to("cuda")
    assert {p.device for p in m.parameters()} == {"cuda"}
    assert {p.device for p in m.to("cpu").parameters()} == {"cpu"}


def test_numpy_conversion_of_a_gpu_tensor_is_a_copy(gpu):
    """np.asarray of a GPU tensor reads it back (a copy, as .numpy()); copy=False refuses, as NumPy asks."""
    y = tr.tensor(np.arange(3.0), device="cuda")
    a = np.asarray(y)
    assert type(a) is np.ndarray and a.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="a copy is needed"):
        np.asarray(y, copy=False)


def copy_model(device):
    model = tr.SequenceModel("gru", VOCAB, 8, vocab_size=VOCAB, embedding_dim=4, num_layers=2, dropout=0.25,
                             dtype=np.float64)
    return model.to(device)


def train(model, task, steps, start=0, checkpoint=None):
    opt = optim.Adam(model.parameters(), lr=0.01)
    return opt, lambda: tr.fit(model, opt, task, flat_cross_entropy, steps, clip=1.0,
                               start_step=start, progress=False, checkpoint=checkpoint, checkpoint_every=2)


def test_fit_with_a_checkpoint_resumes_exactly_on_the_device(gpu, tmp_path):
    """Train 4 steps straight; and 2 steps, checkpoint, a fresh model resumed for 2 more: the same weights.

    The model has dropout between its layers, so the mask stream must be saved and restored too.
    """
    tr.manual_seed(0)
    straight = copy_model("cuda")
    _, run = train(straight, CopyTask(lag=3, batch=4, seed=1), 4)
    run()

    tr.manual_seed(0)
    first, task = copy_model("cuda"), CopyTask(lag=3, batch=4, seed=1)
    path = tmp_path / "c.ckpt"
    opt, run = train(first, task, 2, checkpoint=lambda step, state: tr.save_checkpoint(
        path, first, opt, step, task=task.state_dict()))
    run()
    tr.manual_seed(123)  # the checkpoint's RNG state must win over this
    resumed, task2 = copy_model("cuda"), CopyTask(lag=3, batch=4, seed=99)
    opt2, run2 = train(resumed, task2, 4, start=2)
    extra = tr.load_checkpoint(path, resumed, opt2)
    task2.load_state_dict(extra["task"])
    assert extra["step"] == 2 and {p.device for p in resumed.parameters()} == {"cuda"}
    run2()
    for (name, a), b in zip(straight.named_parameters(), resumed.parameters()):
        close(b.numpy(), a.numpy(), name)


def test_backward_refuses_a_gradient_on_another_device(gpu):
    """Needs the engine's device check in Tensor.backward(grad): FAILS on the gpu branch alone, by design."""
    y = tr.Tensor(np.ones(3), device="cuda", requires_grad=True) * 2
    with pytest.raises(backend.DeviceError, match=r"(?s)backward.*(cuda.*cpu|cpu.*cuda)"):
        y.backward(tr.Tensor(np.ones(3)))


@pytest.mark.parametrize("index_device", ["cpu", "cuda"])
def test_indexing_out_of_range_raises_instead_of_wrapping_around(gpu, index_device):
    """Needs the engine's index range check in ops.getitem: FAILS on the gpu branch alone, by design.

    CuPy takes integer-array indices modulo the axis length, so x[[0, 3]] of 3 elements would quietly be
    x[[0, 0]] on a GPU.
    """
    x = tr.Tensor(np.arange(3.0), device="cuda")
    index = np.array([0, 3])
    with pytest.raises(IndexError, match="3"):
        x[tr.Tensor(index, device="cuda") if index_device == "cuda" else index]


def test_sequence_model_puts_host_features_on_its_own_device(gpu):
    """Needs models.py (io's) to build feature inputs on the model's device: FAILS on the gpu branch alone."""
    model = tr.SequenceModel("lstm", 2, 4, input_size=3, dtype=np.float64).to("cuda")
    logits, _ = model(np.random.default_rng(0).standard_normal((5, 2, 3)))
    assert logits.device == "cuda"


def test_gradient_flow_inspection_runs_on_the_device(gpu):
    from tinygrad_rnn.inspect import gradient_flow
    out = {}
    for device in ("cpu", "cuda"):
        tr.manual_seed(0)
        layer = nn.GRU(3, 4, dtype=np.float64).to(device)
        x = tr.Tensor(np.random.default_rng(0).standard_normal((6, 2, 3)), device=device)
        out[device] = gradient_flow(layer, x)
    for key in ("dh", "dx"):
        close(out["cuda"][key], out["cpu"][key], key)
