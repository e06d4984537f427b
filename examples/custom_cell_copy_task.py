"""A learner's own recurrent cell, written in engine ops, trained on the copy task through nn.Recurrent.

The cell is a minimal gated unit (Zhou et al. 2016): one gate f decides both how much of the
state to keep and how much of it the candidate sees.  ``nn.Recurrent`` gives it the loop over
time and BPTT (autograd through the unrolled steps); the copy task's loss, evaluation and
learning-rate drop are those of ``train_copy_task.py``.  docs/recurrence.md walks through it.

    python examples/custom_cell_copy_task.py              # lag 10, stops when 99 % of 1,000 fresh sequences are right
"""
from __future__ import annotations

import argparse
import sys
import time

import train_copy_task as copy_example

import tinygrad_rnn as tr
from tinygrad_rnn import nn, optim
from tinygrad_rnn.tasks import VOCAB, CopyTask, copy_accuracy


class MinimalGatedUnit(nn.Module):
    """h' = h + f (tanh(W_x x + b + W_h (f h)) - h),   f = σ(U_x x + c + U_h h)."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.gate_x = nn.Linear(input_size, hidden_size)
        self.gate_h = nn.Linear(hidden_size, hidden_size, bias=False)
        self.candidate_x = nn.Linear(input_size, hidden_size)
        self.candidate_h = nn.Linear(hidden_size, hidden_size, bias=False)

    def forward(self, x, h):
        f = (self.gate_x(x) + self.gate_h(h)).sigmoid()
        candidate = (self.candidate_x(x) + self.candidate_h(f * h)).tanh()
        return h + f * (candidate - h)


class CopyModel(nn.Module):
    """Embedding → Recurrent(MinimalGatedUnit) → linear read-out of the 10 tokens at every step."""

    def __init__(self, hidden: int, gate_bias: float):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, 16)
        self.rnn = nn.Recurrent(MinimalGatedUnit(16, hidden))
        self.head = nn.Linear(hidden, VOCAB)
        with tr.no_grad():  # f starts small: h' ≈ h, so the state (and the gradient) carries far from the start
            self.rnn.cell.gate_x.bias += gate_bias

    def forward(self, tokens, state=None):
        out, state = self.rnn(self.embed(tokens), state)
        return self.head(out), state


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lag", type=int, default=10, help="blank steps between the symbols and the delimiter")
    p.add_argument("--hidden", type=int, default=128, help="hidden units")
    p.add_argument("--batch", type=int, default=128, help="sequences per step")
    p.add_argument("--lr", type=float, default=0.015, help="Adam learning rate (x0.3 once at 97 %% batch accuracy)")
    p.add_argument("--gate-bias", type=float, default=-1.0, help="added to the gate's bias at init")
    p.add_argument("--steps", type=int, default=4000, help="most training steps")
    p.add_argument("--seed", type=int, default=0, help="seeds the weights and the data")
    args = p.parse_args(argv)
    for name in ("lag", "hidden", "batch", "steps"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    tr.manual_seed(args.seed)
    model, task = CopyModel(args.hidden, args.gate_bias), CopyTask(args.lag, args.batch, seed=args.seed)
    opt = optim.Adam(model.parameters(), lr=args.lr)
    drop = copy_example.DropOnce(opt, 0.3, 0.97)
    print(f"copy task, lag {args.lag}: minimal gated unit, hidden {args.hidden}, batch {args.batch}, "
          f"baseline {task.baseline:.4f} nats/step")
    t0, accuracy, step = time.perf_counter(), 0.0, 0
    for step in range(1, args.steps + 1):
        x, y = next(task)
        logits, _ = model(x)
        loss = copy_example.loss_fn(logits, y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        batch_accuracy = copy_accuracy(logits.numpy(), y)
        drop.step(batch_accuracy)
        if step % 50 == 0:
            print(f"step {step}: loss {loss.item():.4f}, batch accuracy {batch_accuracy:.1%}, "
                  f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
            if batch_accuracy >= copy_example.SOLVED:
                accuracy, _ = copy_example.evaluate(model, args.lag, 1000, seed=10_000 + step)
                if accuracy >= copy_example.SOLVED:
                    break
    if accuracy < copy_example.SOLVED:
        accuracy, _ = copy_example.evaluate(model, args.lag, 1000, seed=10_000 + step)
    verdict = "SOLVED" if accuracy >= copy_example.SOLVED else "NOT solved"
    print(f"{verdict}: accuracy {accuracy:.1%} on 1,000 fresh sequences after {step} steps, "
          f"{time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
