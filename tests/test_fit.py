"""fit: its hooks, its checks of its arguments, its bounded history, and the host reads it makes per step."""
import io
import math

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import optim
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.nn.utils import clip_grad
from tinygrad_rnn.progress import Progress
from tinygrad_rnn.tasks import CopyTask
from tinygrad_rnn.train import History


def tiny():
    tr.manual_seed(0)
    model = tr.SequenceModel("rnn", 10, 4, vocab_size=10, embedding_dim=2)
    return model, optim.SGD(model.parameters(), lr=0.1), CopyTask(1, 2, seed=0)


def loss_fn(logits, targets):
    return F.cross_entropy(logits.reshape(-1, 10), tr.Tensor(targets).reshape(-1))


def test_batches_that_run_out_are_an_error_naming_both_counts():
    model, opt, task = tiny()
    batches = (next(task) for _ in range(3))
    with pytest.raises(ValueError, match=r"batches ran out after 3, but steps=10 from start_step=0 asks for 10"):
        tr.fit(model, opt, batches, loss_fn, 10, progress=False)
    with pytest.raises(ValueError, match=r"fit: 3 batches, but steps=10 from start_step=2 asks for 8"):
        tr.fit(model, opt, [next(task) for _ in range(3)], loss_fn, 10, start_step=2, progress=False)


@pytest.mark.parametrize("bad, message", [
    ({"clip": -1.0}, r"clip must be a number > 0, or None for no clipping, got -1.0"),
    ({"clip": 0}, r"clip must be .* got 0"), ({"clip": math.nan}, r"got nan"),
    ({"steps": 2, "start_step": 5}, r"steps must be an int >= 5, got 2"),
    ({"checkpoint_every": -1}, r"checkpoint_every must be an int >= 0, got -1"),
    ({"scheduler": 3}, r"scheduler must have a step\(\) method, got int")])
def test_bad_arguments_are_refused_before_any_step(bad, message):
    model, opt, task = tiny()
    before = [p.numpy().copy() for p in model.parameters()]
    with pytest.raises((ValueError, TypeError), match=message):
        tr.fit(model, opt, task, loss_fn, **{"steps": 5, **bad}, progress=False)
    assert all((p.numpy() == b).all() for p, b in zip(model.parameters(), before))


def test_the_history_keeps_a_window_and_summaries_of_every_step():
    model, opt, task = tiny()
    history = tr.fit(model, opt, task, loss_fn, 300, history_window=50, progress=False,
                     evaluate=lambda: {"probe": 1.0}, eval_every=2)
    assert len(history.steps) == 50 and len(history.evaluations) == 50 and len(history) == 300
    assert [r["step"] for r in history.steps] == list(range(251, 301))
    assert history.summary["loss"].count == 300 and history.summary["probe"].count == 150
    losses = history["loss"]
    assert history.summary["loss"].last == losses[-1] and history.summary["loss"].min <= min(losses)


def test_summary_is_the_running_mean_min_and_max():
    h, values = History(window=2), [3.0, -1.0, 4.0, 1.5]
    for i, v in enumerate(values):
        h.add({"step": i, "loss": v})
    s = h.summary["loss"]
    assert (s.count, s.min, s.max, s.last) == (4, -1.0, 4.0, 1.5) and s.mean == pytest.approx(np.mean(values))
    assert h["loss"] == [4.0, 1.5] and "step" not in h.summary
    with pytest.raises(ValueError, match="window must be an int >= 1 or None"):
        History(window=0)


def test_no_clipping_computes_no_gradient_norm_and_clipping_reads_it_once(monkeypatch):
    calls = []
    real = clip_grad.clip_grad_norm_

    def counted(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)
    monkeypatch.setattr("tinygrad_rnn.train.clip_grad_norm_", counted)
    model, opt, task = tiny()
    history = tr.fit(model, opt, task, loss_fn, 4, clip=None, progress=False)
    assert calls == [] and "grad_norm" not in history.steps[-1]
    history = tr.fit(model, opt, task, loss_fn, 4, clip=0.5, progress=False)
    assert calls == [0.5] * 4 and all(isinstance(r["grad_norm"], float) for r in history.steps)


class CountingScheduler:
    def __init__(self, opt):
        self.opt, self.seen = opt, []

    def step(self, metric=None):
        self.seen.append(metric)
        self.opt.param_groups[0]["lr"] *= 0.5


def test_the_scheduler_steps_after_each_update_and_can_read_a_batch_metric():
    model, opt, task = tiny()
    sched = CountingScheduler(opt)
    lrs = []
    tr.fit(model, opt, task, loss_fn, 3, scheduler=sched, progress=False,
           on_step=lambda r: lrs.append(opt.param_groups[0]["lr"]))
    assert sched.seen == [None] * 3 and lrs == [0.05, 0.025, 0.0125]
    sched = CountingScheduler(opt)
    tr.fit(model, opt, task, loss_fn, 2, scheduler=sched, scheduler_metric="n", progress=False,
           batch_metrics=lambda logits, targets: {"n": int(targets.shape[1])})
    assert sched.seen == [2, 2]


def test_fit_works_with_a_torch_style_scheduler_object():
    from tinygrad_rnn.optim import lr_scheduler
    model, opt, task = tiny()
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    tr.fit(model, opt, task, loss_fn, 4, scheduler=sched, progress=False)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.1 ** 2)


class FakeTerminal(io.StringIO):
    def isatty(self):
        return False


def test_progress_prints_a_line_every_so_many_steps_with_rate_and_metrics():
    out = FakeTerminal()
    bar = Progress(100, initial=20, every=40, file=out)
    for step in range(21, 101):
        bar.update(step, loss=1.0 / step, note="x")
    bar.write("done")
    bar.close()
    lines = out.getvalue().splitlines()
    assert [line.split()[1] for line in lines[:-1]] == ["40/100", "80/100", "100/100"]
    assert "loss=0.025" in lines[0] and "note=x" in lines[0] and "it/s" in lines[0] and "eta" in lines[0]
    assert lines[-1] == "done"


def test_disabled_progress_prints_nothing():
    out = FakeTerminal()
    bar = Progress(10, enabled=False, file=out)
    for step in range(1, 11):
        bar.update(step, loss=0.5)
    bar.write("hidden")
    assert out.getvalue() == ""
