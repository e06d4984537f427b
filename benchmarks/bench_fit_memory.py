"""Memory of a long ``fit``: resident set size (RSS) flat over 10,000 steps of a small model.

``fit`` keeps the last ``history_window`` step records and running summaries,
so its memory must not grow with the number of steps.  This trains a small
GRU on the copy task (lag 5, batch 8, hidden 16) and reads the process's RSS
every 1,000 steps after a warm-up of 1,000; it passes when the last reading is
within 5 % of the first.  ``--keep-all`` keeps every record (``history_window=None``)
for contrast.

    python benchmarks/bench_fit_memory.py
    python benchmarks/bench_fit_memory.py --steps 100000
"""
from __future__ import annotations

import argparse
import os
import resource
import sys

import tinygrad_rnn as tr
from tinygrad_rnn import optim
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.tasks import VOCAB, CopyTask


def rss_mb() -> float:
    """Current resident set size (Linux: /proc; elsewhere the peak, which can only be flatter)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=10_000)
    p.add_argument("--keep-all", action="store_true", help="history_window=None: every record kept")
    args = p.parse_args(argv)
    tr.manual_seed(0)
    model = tr.SequenceModel("gru", VOCAB, 16, vocab_size=VOCAB, embedding_dim=4)
    opt = optim.Adam(model.parameters(), lr=0.01)
    readings = []

    def on_step(record):
        if record["step"] % 1000 == 0:
            readings.append((record["step"], rss_mb()))

    def loss_fn(logits, targets):
        return F.cross_entropy(logits.reshape(-1, VOCAB), tr.Tensor(targets).reshape(-1))

    tr.fit(model, opt, CopyTask(5, 8, seed=0), loss_fn, args.steps, clip=1.0, progress=False, on_step=on_step,
           history_window=None if args.keep_all else 1000)
    print(f"fit, {args.steps:,} steps, GRU 16 on the copy task; RSS in MB every 1,000 steps:")
    print("  " + "  ".join(f"{s // 1000}k:{mb:.1f}" for s, mb in readings))
    first, last = readings[1][1], readings[-1][1]  # after the warm-up of 1,000 steps
    growth = (last - first) / first
    flat = abs(growth) <= 0.05
    print(f"{'FLAT' if flat else 'GROWS'}: {first:.1f} MB at step {readings[1][0]:,}, {last:.1f} MB at step "
          f"{readings[-1][0]:,} ({growth:+.1%}; limit ±5 %)")
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
