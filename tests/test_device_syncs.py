"""Host synchronisations on the GPU: counted on the strict stand-in, where every device-to-host read is.

On a GPU each read (``float(x)``, ``.item()``, ``.get()``, ...) waits for
every kernel queued before it, so a training step should read back only what
it is asked for: the loss and the gradient norm, or nothing.  The copy-task
model (embedding → 2-layer GRU → linear) is the example's model.
"""
import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import nn, optim
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.tasks import VOCAB, CopyTask

from .strict_device import SYNCS, UPLOADS, gpu_device


@pytest.fixture
def gpu():
    """The "cuda" device: the strict stand-in, or real CuPy with TINYGRAD_RNN_TEST_DEVICE=cuda."""
    yield from gpu_device()


def flat_cross_entropy(logits, y):
    """The copy task's loss: (T, B, C) logits flattened to (T·B, C), as torch's class dim 1 needs."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def copy_model(dropout=0.0):
    tr.manual_seed(0)
    model = tr.SequenceModel("gru", VOCAB, 16, vocab_size=VOCAB, embedding_dim=8, num_layers=2, dropout=dropout)
    return model.to("cuda")


def reads(what: str) -> str:
    return f"{SYNCS.total} host reads {what}: " + "; ".join(SYNCS.where)


def test_a_training_step_reads_nothing_back_unless_asked(gpu):
    """forward, loss, backward, optimizer step: 0 host reads (host data is checked before its upload)."""
    gpu.need_strict("counting host reads")
    model, task = copy_model(dropout=0.3), CopyTask(lag=5, batch=4, seed=0)
    opt = optim.Adam(model.parameters(), lr=0.01)
    for _ in range(2):  # the second step runs with pooled scratch arrays and optimizer state in place
        x, y = next(task)
        SYNCS.reset()
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        assert SYNCS.total == 0, reads("in a training step that asked for nothing")


def reads_per_fit_step(clip, steps=3) -> list:
    """The host reads of each step of ``tr.fit`` on the copy task, as 'kind at file:line function' lists."""
    model = copy_model()
    opt = optim.Adam(model.parameters(), lr=0.01)
    seen = []

    def on_step(record):
        seen.append(list(SYNCS.where))
        SYNCS.reset()
    SYNCS.reset()
    tr.fit(model, opt, CopyTask(lag=5, batch=4, seed=0), flat_cross_entropy, steps,
           clip=clip, progress=False, on_step=on_step)
    assert len(seen) == steps
    return seen


def test_fit_with_clipping_reads_at_most_the_loss_and_the_norm(gpu):
    gpu.need_strict("counting host reads")
    seen = reads_per_fit_step(clip=1.0)
    assert all(len(s) <= 2 for s in seen), f"host reads per step with clip=1.0: {seen}"


def test_fit_without_clipping_reads_only_the_loss(gpu):
    """fit with clip=None computes no gradient norm: only the loss is read back."""
    gpu.need_strict("counting host reads")
    seen = reads_per_fit_step(clip=None)
    assert all(len(s) <= 1 for s in seen), f"host reads per step with clip=None: {seen}"


def test_clip_grad_norm_clips_on_the_device_and_reading_the_norm_is_one_read(gpu):
    gpu.need_strict("counting host reads")
    ps = [tr.Tensor(np.zeros(3), requires_grad=True, device="cuda") for _ in range(20)]
    for i, p in enumerate(ps):
        p.grad = tr.Tensor(np.full(3, float(i)), device="cuda")
    for norm_type in (2.0, float("inf")):
        SYNCS.reset()
        norm = nn.utils.clip_grad_norm_(ps, 1.0, norm_type)   # a 0-d Tensor on the device, as torch's
        assert SYNCS.total == 0, reads(f"for clipping by the {norm_type}-norm of 20 parameters")
        float(norm)
        assert SYNCS.total == 1, reads(f"for reading the {norm_type}-norm of 20 parameters")


@pytest.mark.parametrize("on_device", [False, True])
def test_embedding_checks_ids_with_at_most_one_read(gpu, on_device):
    gpu.need_strict("counting host reads")
    emb = nn.Embedding(10, 4).to("cuda")
    ids = np.random.default_rng(0).integers(0, 10, size=(7, 3))
    ids = tr.Tensor(ids, device="cuda") if on_device else ids
    SYNCS.reset()
    emb(ids)
    assert SYNCS.total == (1 if on_device else 0), reads("to check embedding ids")


def test_dropout_masks_are_drawn_on_the_device(gpu):
    gpu.need_strict("counting host copies")
    x = tr.Tensor(np.ones((64, 32), np.float32), device="cuda")
    SYNCS.reset()
    UPLOADS.reset()
    y = F.dropout(x, 0.5)
    assert SYNCS.total == 0 and UPLOADS.bytes == 0, f"{reads('by dropout')}; {UPLOADS.bytes} bytes uploaded"
    kept = y.numpy() != 0
    assert 0.4 < kept.mean() < 0.6
