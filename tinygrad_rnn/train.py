"""The BPTT training loop: full or truncated, with clipping, evaluation, checkpoints, and a stop on NaN.

One step, the whole of backpropagation through time:

    outputs, state = model(inputs, state)       # unroll over the chunk
    loss = loss_fn(outputs, targets)
    loss.backward()                             # gradients flow back through every step
    norm = clip_grad_norm_(params, clip)        # tame exploding gradients
    optimizer.step()
    state = detach(state)                       # truncated BPTT: keep the value, cut the graph

Full BPTT starts every batch from a zero state (``carry_state=False``).
Truncated BPTT (``carry_state=True``) feeds consecutive chunks of k steps of a
long stream (see ``chunks``) and carries the hidden state, LSTM's (h, c)
included, from one chunk into the next, detached, so gradients reach back at
most k steps while the state remembers further.
"""
from __future__ import annotations

import math
import time
from collections import deque
from typing import Callable, Iterable, Iterator

from .nn.utils import clip_grad_norm_
from .progress import Progress
from .tensor import Tensor


class TrainingDiverged(RuntimeError):
    """The loss or the gradient norm stopped being finite."""


def detach(state):
    """The hidden state with its graph cut: a Tensor, or a (nested) tuple/list of them (LSTM's (h, c))."""
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach(s) for s in state)
    return state


def chunks(inputs, targets, k: int) -> Iterator[tuple]:
    """Consecutive (inputs[t:t+k], targets[t:t+k]) of a time-first stream, for truncated BPTT."""
    for t in range(0, len(inputs), k):
        yield inputs[t: t + k], targets[t: t + k]


class Summary:
    """Running count, mean, min, max and last value of one metric: constant memory over any number of steps."""

    __slots__ = ("count", "mean", "min", "max", "last")

    def __init__(self):
        self.count, self.mean, self.min, self.max, self.last = 0, 0.0, math.inf, -math.inf, math.nan

    def add(self, value: float) -> None:
        self.count += 1
        self.mean += (value - self.mean) / self.count
        self.min, self.max, self.last = min(self.min, value), max(self.max, value), value

    def __repr__(self) -> str:
        return f"Summary(count={self.count}, mean={self.mean:.4g}, min={self.min:.4g}, max={self.max:.4g})"


class History:
    """What ``fit`` measured, in bounded memory.

    ``steps``: the records (dicts: step, loss, grad_norm when clipping,
    seconds, tokens_per_s, and any batch or evaluation metrics) of the last
    ``window`` steps; ``evaluations``: the last ``window`` records in which
    ``evaluate`` ran; ``summary[name]``: a ``Summary`` of every numeric metric
    over all steps.  ``window=None`` keeps every record (memory grows with
    the steps: ~0.3 MB per 1,000).  ``history[name]`` lists that metric over
    the kept records.
    """

    def __init__(self, window: int | None = 1000):
        if window is not None and (not isinstance(window, int) or window < 1):
            raise ValueError(f"History: window must be an int >= 1 or None (keep all), got {window!r}")
        self.steps, self.evaluations = deque(maxlen=window), deque(maxlen=window)
        self.summary: dict[str, Summary] = {}
        self.last_checkpoint: int | None = None

    def add(self, record: dict, evaluated: bool = False) -> None:
        self.steps.append(record)
        if evaluated:
            self.evaluations.append(record)
        for name, value in record.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and name != "step":
                self.summary.setdefault(name, Summary()).add(value)

    def __len__(self) -> int:
        """Steps recorded in all (not only those kept)."""
        return self.summary["loss"].count if "loss" in self.summary else 0

    def __getitem__(self, key: str) -> list:
        return [m[key] for m in self.steps if key in m]


def fit(model, optimizer, batches: Iterable, loss_fn: Callable, steps: int, *, clip: float | None = None,
        carry_state: bool = False, state=None, start_step: int = 0, evaluate: Callable | None = None,
        eval_every: int = 0, checkpoint: Callable | None = None, checkpoint_every: int = 0,
        progress: bool = True, on_step: Callable | None = None, batch_metrics: Callable | None = None,
        scheduler=None, scheduler_metric: str | None = None, history_window: int | None = 1000) -> History:
    """Train ``model`` for steps start_step+1 … steps; return the History.

    ``batches`` yields (inputs, targets); ``model(inputs, state)`` returns
    (outputs, state); ``loss_fn(outputs, targets)`` a scalar Tensor.  After
    each update, in this order: ``batch_metrics(outputs, targets)`` returns a
    dict merged into the step's record (e.g. accuracy); ``scheduler.step()``
    (any object with one: ``optim.lr_scheduler``'s, or your own), or
    ``scheduler.step(record[scheduler_metric])`` for a metric-driven one;
    ``evaluate()`` every ``eval_every`` steps, merged likewise;
    ``checkpoint(step, state)`` every ``checkpoint_every`` steps (so it saves
    the scheduler's new state); ``on_step(record)``, which stops training by
    returning False.

    ``clip=None`` does not clip and does not compute the gradient norm (no
    device sync); ``clip > 0`` clips the global norm and records it.  A loss,
    or with clipping a gradient norm, that is not finite raises
    ``TrainingDiverged`` before the optimizer step, so the parameters and the
    last checkpoint stay good.  Batches that run out before ``steps`` raise
    ``ValueError``.  The history keeps ``history_window`` records (see History).
    """
    _check_fit_arguments(steps, start_step, clip, eval_every, checkpoint_every, scheduler, batches)
    history, bar = History(history_window), Progress(steps, start_step, enabled=progress)
    params = list(model.parameters())
    batches = iter(batches)
    try:
        for step in range(start_step + 1, steps + 1):
            try:
                inputs, targets = next(batches)
            except StopIteration:
                raise ValueError(f"fit: the batches ran out after {step - start_step - 1}, but steps={steps} from "
                                 f"start_step={start_step} asks for {steps - start_step}") from None
            t0 = time.perf_counter()
            outputs, new_state = model(inputs, state if carry_state else None)
            loss = loss_fn(outputs, targets)
            optimizer.zero_grad()
            loss.backward()
            norm = float(clip_grad_norm_(params, clip)) if clip is not None else None  # one host read
            value = loss.item()
            if not (math.isfinite(value) and (norm is None or math.isfinite(norm))):
                kept = f"the last good checkpoint (step {history.last_checkpoint}) is kept" \
                    if history.last_checkpoint is not None else "no checkpoint was written"
                raise TrainingDiverged(f"training diverged at step {step}: loss {value}, gradient norm {norm}; "
                                       f"stopped before the update, {kept}")
            optimizer.step()
            state = detach(new_state) if carry_state else None
            seconds = time.perf_counter() - t0
            record = {"step": step, "loss": value, "seconds": seconds, "tokens_per_s": _count(targets) / seconds}
            if norm is not None:
                record["grad_norm"] = norm
            if batch_metrics is not None:
                record.update(batch_metrics(outputs, targets))
            if scheduler is not None and scheduler_metric:
                scheduler.step(record[scheduler_metric])
            elif scheduler is not None:
                scheduler.step()
            evaluated = evaluate is not None and eval_every and (step % eval_every == 0 or step == steps)
            if evaluated:
                record.update(evaluate())
            history.add(record, bool(evaluated))
            if checkpoint is not None and checkpoint_every and (step % checkpoint_every == 0 or step == steps):
                checkpoint(step, state)
                history.last_checkpoint = step
            if on_step is not None and on_step(record) is False:
                break
            bar.update(step, loss=value, **{k: v for k, v in record.items() if k not in
                                            ("step", "loss", "seconds", "tokens_per_s", "grad_norm")})
    finally:
        bar.close()
    return history


def _count(targets) -> int:
    """How many targets a batch has (for tokens per second)."""
    if isinstance(targets, Tensor):
        return targets.numel()
    size = getattr(targets, "size", 0)  # NumPy's element count
    return size if isinstance(size, int) else 0


def _check_fit_arguments(steps, start_step, clip, eval_every, checkpoint_every, scheduler, batches) -> None:
    def whole(name, value, least):
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ValueError(f"fit: {name} must be an int >= {least}, got {value!r}")
    whole("start_step", start_step, 0)
    whole("steps", steps, start_step)
    whole("eval_every", eval_every, 0)
    whole("checkpoint_every", checkpoint_every, 0)
    if clip is not None and not (isinstance(clip, (int, float)) and not isinstance(clip, bool)
                                 and 0 < clip and not math.isnan(clip)):
        raise ValueError(f"fit: clip must be a number > 0, or None for no clipping, got {clip!r}")
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"fit: scheduler must have a step() method, got {type(scheduler).__name__}")
    if hasattr(batches, "__len__") and len(batches) < steps - start_step:
        raise ValueError(f"fit: {len(batches)} batches, but steps={steps} from start_step={start_step} asks for "
                         f"{steps - start_step}")
