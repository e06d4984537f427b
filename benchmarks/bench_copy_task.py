"""Time to solve the copy task: our default (examples/train_copy_task.py) and the same setup in PyTorch.

Same data stream (the same CopyTask seed), same network (embedding → GRU →
linear) and optimiser (Adam), with the example's default sizes, lr (and its one
drop at 97 % smoothed batch accuracy) and clipping, and the same stopping rule:
every 50 steps, when the batch accuracy on the copied symbols reaches 99 %,
check 1,000 fresh sequences; solved at ≥ 99 %.
Runs one after the other (a time-to-solve cannot interleave), ours first.

    python benchmarks/bench_copy_task.py --seeds 0 1 2
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import machine_line

from tinygrad_rnn.tasks import CopyTask, copy_accuracy, copy_task

ROOT = Path(__file__).resolve().parent.parent


def ours(seed: int, lag: int, steps: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "m.json"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "examples" / "train_copy_task.py"), "--seed", str(seed), "--lag",
                        str(lag), "--steps", str(steps), "--quiet", "--metrics", str(out)], check=True,
                       stdout=subprocess.DEVNULL)
        m = json.loads(out.read_text())
        m["wall"] = time.perf_counter() - t0
        return m


def example_defaults() -> argparse.Namespace:
    sys.path.insert(0, str(ROOT / "examples"))
    from train_copy_task import parse_args
    return parse_args([])


def theirs(seed: int, lag: int, steps: int) -> dict:
    import torch
    d = example_defaults()
    hidden, batch, lr, embedding, clip = d.hidden, d.batch, d.lr, d.embedding, d.clip
    torch.manual_seed(seed)
    task = CopyTask(lag, batch, seed=seed)
    embed, gru, head = torch.nn.Embedding(10, embedding), torch.nn.GRU(embedding, hidden), torch.nn.Linear(hidden, 10)
    with torch.no_grad():  # the example's memory bias on the update gate
        gru.bias_ih_l0[hidden: 2 * hidden] += d.memory_bias
    params = [*embed.parameters(), *gru.parameters(), *head.parameters()]
    opt = torch.optim.Adam(params, lr=lr)

    def logits_of(x):
        return head(gru(embed(torch.from_numpy(x)))[0])

    t0 = time.perf_counter()
    solved, step, smoothed, dropped = False, 0, 0.0, False
    for step in range(1, steps + 1):
        x, y = next(task)
        logits = logits_of(x)
        accuracy = copy_accuracy(logits.detach().numpy(), y)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 10), torch.from_numpy(y).reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        smoothed = 0.9 * smoothed + 0.1 * accuracy  # the example's DropOnce scheduler, stepped after the update
        if not dropped and smoothed >= d.lr_drop_at:
            opt.param_groups[0]["lr"] *= d.lr_drop
            dropped = True
        if step % 50 == 0 and accuracy >= 0.99:
            vx, vy = copy_task(1000, lag, np.random.default_rng(10_000 + step))
            with torch.no_grad():
                if copy_accuracy(logits_of(vx).numpy(), vy) >= 0.99:
                    solved = True
                    break
    return {"solved": solved, "steps": step, "seconds": time.perf_counter() - t0}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--lag", type=int, default=20)
    p.add_argument("--steps", type=int, default=4000)
    args = p.parse_args()
    print(machine_line())
    print(f"copy task, lag {args.lag}: steps and seconds to solve (≥ 99 % on 1,000 fresh sequences)")
    print(f"{'seed':>4}  {'ours':>28}  {'torch':>28}  {'time ratio':>10}")
    for seed in args.seeds:
        a = ours(seed, args.lag, args.steps)
        b = theirs(seed, args.lag, args.steps)
        fmt = lambda m: f"{'solved' if m['solved'] else 'NOT solved'} {m['steps']:5d} steps {m['seconds']:6.1f} s"
        print(f"{seed:>4}  {fmt(a):>28}  {fmt(b):>28}  {a['seconds'] / b['seconds']:9.2f}×", flush=True)


if __name__ == "__main__":
    main()
