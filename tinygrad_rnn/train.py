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
from dataclasses import dataclass, field
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


@dataclass
class History:
    """Per-step metrics (loss, grad_norm, tokens_per_s, and whatever evaluation returned)."""
    steps: list = field(default_factory=list)
    last_checkpoint: int | None = None

    def __getitem__(self, key: str) -> list:
        return [m[key] for m in self.steps if key in m]


def fit(model, optimizer, batches: Iterable, loss_fn: Callable, steps: int, *, clip: float | None = None,
        carry_state: bool = False, state=None, start_step: int = 0, evaluate: Callable | None = None,
        eval_every: int = 0, checkpoint: Callable | None = None, checkpoint_every: int = 0,
        progress: bool = True, on_step: Callable | None = None) -> History:
    """Train ``model`` for steps start_step+1 … steps; return the History.

    ``batches`` yields (inputs, targets); ``model(inputs, state)`` returns
    (outputs, state); ``loss_fn(outputs, targets)`` a scalar Tensor.
    ``evaluate()`` returns a dict of metrics, merged into that step's record;
    ``checkpoint(step, state)`` saves (see ``save_checkpoint``).  A loss or
    gradient norm that is not finite raises ``TrainingDiverged`` before the
    optimizer step, so the parameters and the last checkpoint stay good.
    """
    history, bar = History(), Progress(steps, start_step, enabled=progress)
    params = list(model.parameters())
    batches = iter(batches)
    try:
        for step in range(start_step + 1, steps + 1):
            inputs, targets = next(batches)
            t0 = time.perf_counter()
            outputs, new_state = model(inputs, state if carry_state else None)
            loss = loss_fn(outputs, targets)
            optimizer.zero_grad()
            loss.backward()
            norm = clip_grad_norm_(params, clip if clip else math.inf)
            value = loss.item()
            if not (math.isfinite(value) and math.isfinite(norm)):
                kept = f"the last good checkpoint (step {history.last_checkpoint}) is kept" \
                    if history.last_checkpoint is not None else "no checkpoint was written"
                raise TrainingDiverged(f"training diverged at step {step}: loss {value}, gradient norm {norm}; "
                                       f"stopped before the update, {kept}")
            optimizer.step()
            state = detach(new_state) if carry_state else None
            seconds = time.perf_counter() - t0
            record = {"step": step, "loss": value, "grad_norm": norm, "seconds": seconds,
                      "tokens_per_s": getattr(targets, "size", 0) / seconds}
            if evaluate is not None and eval_every and (step % eval_every == 0 or step == steps):
                record.update(evaluate())
            history.steps.append(record)
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
