"""Where an LSTM training step's time goes: our fused step, its matrix products alone, and torch's step.

The fused LSTM (tinygrad_rnn/fused/lstm.py) does per training step the same
matrix products as torch's: the input projection of all steps, one recurrent
product per step forward and one backward, and the weight gradients of all
steps.  This script times, side by side in one run (each side in its own
process, alternating; medians with min–max):

    ours step       forward + backward + clip + Adam, as in bench_rnn.py
    ours products   only those matrix products, with NumPy, in the layouts the step uses
    torch step      the same training step in torch (nn.LSTM)

When "ours products" alone comes near "torch step", what is left for the
elementwise gate arithmetic (about 30 NumPy calls per time step, each a
separate pass over memory) is the difference; torch runs that arithmetic in
fused kernels.

    python benchmarks/bench_lstm_parts.py                       # B64 H128 T50, input 64
    python benchmarks/bench_lstm_parts.py --config 32,256,120 --threads 1
"""
from __future__ import annotations

import argparse

import numpy as np
from bench_rnn import ours, theirs
from common import interleaved_processes, machine_line, threads_held


def products(batch: int, hidden: int, seq: int, features: int):
    """The fused LSTM's matrix products of one training step (input needs no gradient, as in bench_rnn)."""
    rng = np.random.default_rng(0)
    G, N = 4 * hidden, seq * batch
    x = rng.standard_normal((seq, batch, features)).astype(np.float32)
    w_ih, w_hh = (rng.standard_normal(s).astype(np.float32) for s in ((G, features), (G, hidden)))
    h, states = rng.standard_normal((hidden, batch)).astype(np.float32), rng.standard_normal((N, hidden))
    states = states.astype(np.float32)
    h0, ones = rng.standard_normal((batch, hidden)).astype(np.float32), np.ones(N, np.float32)
    projected, gates = np.empty((seq, G, batch), np.float32), np.empty((G, batch), np.float32)
    d_gates, dh = rng.standard_normal((G, N)).astype(np.float32), np.empty((hidden, batch), np.float32)

    def step():
        np.matmul(w_ih, x.transpose(0, 2, 1), out=projected)  # W_ih x_tᵀ, all steps (common.project_inputs)
        for _ in range(seq):
            np.matmul(w_hh, h, out=gates)                       # W_hh h_{t-1}
        for t in range(seq):
            np.matmul(w_hh.T, d_gates[:, t * batch:(t + 1) * batch], out=dh)  # W_hhᵀ δa_t
        _ = d_gates[:, :batch] @ h0 + d_gates[:, batch:] @ states[: N - batch]  # dL/dW_hh
        _ = d_gates @ ones                                      # dL/db
        _ = d_gates @ x.reshape(N, features)                    # dL/dW_ih
    return step


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default="64,128,50", help="batch,hidden,seq")
    p.add_argument("--input", type=int, default=64, help="input features")
    p.add_argument("--samples", type=int, default=15)
    p.add_argument("--threads", type=int, default=None, help="BLAS/torch threads (default: theirs)")
    args = p.parse_args()
    batch, hidden, seq = map(int, args.config.split(","))
    shape = (batch, hidden, seq, args.input)
    sides = {"ours step": (ours, ("LSTM", "fused") + shape), "ours products": (products, shape),
             "torch step": (theirs, ("LSTM", False) + shape)}
    print(machine_line())
    print(f"LSTM B{batch} H{hidden} T{seq} input {args.input}, float32, threads {args.threads or 'default'}; "
          f"ms per training step, median (min–max) of {args.samples}")
    t = interleaved_processes(threads_held(sides, args.threads), repeats=args.samples, warmup=3)
    for name, (med, lo, hi) in t.items():
        print(f"{name:14} {med * 1e3:7.2f} ({lo * 1e3:.1f}–{hi * 1e3:.1f})  {med / t['torch step'][0]:5.2f}× torch")


if __name__ == "__main__":
    main()
