"""Memory of the fused layers over a long sequence, against the activations BPTT must keep.

For seq 2,000 (batch 8, hidden 32, float64) it measures with tracemalloc
(NumPy reports its arrays to it): what the graph keeps after forward, and the
peak during forward + backward, each divided by what BPTT must keep — the
states h_t for every layer type, plus the GRU's r, z, n and W_hn h + b_hn, or
the LSTM's four gates and c_t.

    python benchmarks/bench_memory.py
"""
from __future__ import annotations

import tracemalloc

import numpy as np

import tinygrad_rnn as tr
from tinygrad_rnn import nn
from tinygrad_rnn.fused.workspace import WORKSPACE

MUST_KEEP = {"RNN": 1, "GRU": 5, "LSTM": 6}  # per step and sample, in units of hidden_size


def main(T: int = 2000, B: int = 8, H: int = 32) -> None:
    print(f"seq {T}, batch {B}, hidden {H}, float64; MB, and × what BPTT must keep")
    print(f"{'layer':6} {'must keep':>10} {'kept after forward':>20} {'peak fwd+bwd':>16}")
    for kind, k in MUST_KEEP.items():
        tr.manual_seed(0)
        layer = getattr(nn, kind)(4, H, dtype=np.float64)
        x = tr.Tensor(np.random.default_rng(0).standard_normal((T, B, 4)), requires_grad=True)
        WORKSPACE.clear()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        out, _ = layer(x)
        kept = tracemalloc.get_traced_memory()[0] - base
        out.sum().backward()
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        must = T * B * H * k * 8
        print(f"{kind:6} {must / 2**20:9.1f}  {kept / 2**20:9.1f} ({kept / must:4.2f}×)  "
              f"{peak / 2**20:7.1f} ({peak / must:4.2f}×)")


if __name__ == "__main__":
    main()
