"""Training-step time of RNN, LSTM and GRU: ours (fused and unrolled) against PyTorch, in one run.

A step is forward + backward + clip_grad_norm_(1.0) + Adam, float32, on
random data, for each configuration (batch, hidden, seq).  The four sides —
our fused layer, torch's nn.RNN/LSTM/GRU, our unrolled layer, and a torch
cell loop — each run in a process of their own (one process would let each
library's spinning thread pool slow the other) and alternate step by step;
medians (min–max) over the samples.

    python benchmarks/bench_rnn.py                  # all three configurations
    python benchmarks/bench_rnn.py --configs 64,128,50 --samples 30
    python benchmarks/bench_rnn.py --packed-only     # only the packed-vs-padded table

A second table times our fused layers on a packed batch whose lengths are
uniform in [1, T] against the same batch padded to T (the packed step skips the
padding: about half the rows), and against half the batch padded to T: as many
rows as the packed batch and the same T steps, no packing at all (how close the
packed step comes to paying for its real rows only).

    python benchmarks/bench_rnn.py --packed-only --threads 1   # one BLAS thread per side
    python benchmarks/bench_rnn.py --device cuda --no-unrolled  # on a GPU: CuPy against torch's cuDNN
"""
from __future__ import annotations

import argparse

import numpy as np
from common import interleaved_processes, machine_line, threads_held

import tinygrad_rnn as tr
from tinygrad_rnn import nn, optim

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

KINDS = ("RNN", "LSTM", "GRU")


def data(batch: int, hidden: int, seq: int, features: int):
    rng = np.random.default_rng(0)
    return (rng.standard_normal((seq, batch, features)).astype(np.float32),
            rng.standard_normal((seq, batch, hidden)).astype(np.float32))


def ours(kind: str, impl: str, batch: int, hidden: int, seq: int, features: int, device: str = "cpu"):
    x, w = data(batch, hidden, seq, features)
    tr.manual_seed(0)
    model = getattr(nn, kind)(x.shape[2], hidden, impl=impl).to(device)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    xt, wt = tr.tensor(x, device=device), tr.tensor(w, device=device)

    def step():
        out, _ = model(xt)
        loss = (out * wt).mean()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        finish(loss, device)
    return step


def finish(loss, device: str) -> None:
    """On a GPU, read the loss, as a training loop that logs it does: the read waits for the step's queued
    work, so the time is the step's, not its launch's (both libraries alike).  On the CPU: nothing."""
    if device != "cpu":
        loss.item()


def packed_or_padded(kind: str, layout: str, batch: int, hidden: int, seq: int, features: int, device: str = "cpu"):
    """Our fused training step on a batch with lengths uniform in [1, seq]: ``layout`` "packed", or "padded" to
    seq; or "half": the first batch/2 sequences padded to seq (as many rows as the packed batch, padding-free)."""
    from tinygrad_rnn.nn.utils.rnn import pack_padded_sequence
    x, w = data(batch, hidden, seq, features)
    lengths = np.sort(np.random.default_rng(1).integers(1, seq + 1, batch))[::-1].copy()
    if layout == "half":
        x, w = x[:, : batch // 2].copy(), w[:, : batch // 2].copy()
    tr.manual_seed(0)
    model = getattr(nn, kind)(x.shape[2], hidden).to(device)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    xt, wt = tr.tensor(x, device=device), tr.tensor(w, device=device)
    if layout == "packed":
        rows = int(lengths.sum())
        wt = tr.tensor(np.random.default_rng(2).standard_normal((rows, hidden)).astype(np.float32), device=device)

    def step():
        if layout == "packed":
            out = model(pack_padded_sequence(xt, lengths))[0].data
        else:
            out = model(xt)[0]
        loss = (out * wt).mean()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        finish(loss, device)
    return step


def theirs(kind: str, cells: bool, batch: int, hidden: int, seq: int, features: int, device: str = "cpu"):
    x, w = data(batch, hidden, seq, features)
    torch.manual_seed(0)
    module = (getattr(torch.nn, kind + "Cell") if cells else getattr(torch.nn, kind))(x.shape[2], hidden)
    module = module.to(device)
    opt = torch.optim.Adam(module.parameters(), lr=1e-3)
    xt, wt = torch.from_numpy(x).to(device), torch.from_numpy(w).to(device)

    def forward():
        if not cells:
            return module(xt)[0]
        h, outs = None, []
        for t in range(xt.shape[0]):
            h = module(xt[t], h)
            outs.append(h[0] if kind == "LSTM" else h)
        return torch.stack(outs)

    def step():
        loss = (forward() * wt).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
        opt.step()
        finish(loss, device)
    return step


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--configs", nargs="+", default=["64,128,50", "32,256,120", "128,128,40"],
                   help="batch,hidden,seq triples")
    p.add_argument("--input", type=int, default=64, help="input features")
    p.add_argument("--samples", type=int, default=20)
    p.add_argument("--no-unrolled", action="store_true", help="skip the unrolled/cell-loop comparison")
    p.add_argument("--packed-only", action="store_true", help="only the packed-vs-padded table")
    p.add_argument("--threads", type=int, default=None, help="BLAS/torch threads (default: theirs)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                   help="cuda: ours on CuPy against torch's cuDNN layers (needs CuPy and torch with CUDA)")
    args = p.parse_args()
    if torch is None:
        raise SystemExit("bench_rnn.py compares against PyTorch: pip install torch==2.13.0")
    if args.device == "cuda" and not (tr.cuda.is_available() and torch.cuda.is_available()):
        raise SystemExit(f"--device cuda needs a GPU that CuPy and torch both see: CuPy sees one: "
                         f"{tr.cuda.is_available()}, torch sees one: {torch.cuda.is_available()}")
    print(machine_line())
    threads = args.threads or torch.get_num_threads()
    where = f"{threads} threads" if args.device == "cpu" else f"device cuda ({torch.cuda.get_device_name()})"
    print(f"torch {torch.__version__}, {where}; float32; ms per training step, "
          f"median (min–max) of {args.samples}\n")
    head = f"{'config':16} {'layer':5} {'ours fused':>20} {'torch nn':>20} {'ratio':>6}"
    if not args.no_unrolled:
        head += f" {'ours unrolled':>20} {'torch cell loop':>20} {'ratio':>6}"
    if not args.packed_only:
        compare_with_torch(args, head)
    print(f"\n{'config':16} {'layer':5} {'fused, packed':>20} {'fused, padded':>20} {'ratio':>6} "
          f"{'padded, half batch':>20} {'ratio':>6}   (lengths uniform in [1, T])")
    for cfg in args.configs:
        batch, hidden, seq = map(int, cfg.split(","))
        for kind in KINDS:
            sides = {name: (packed_or_padded, (kind, name, batch, hidden, seq, args.input, args.device))
                     for name in ("packed", "padded", "half")}
            t = interleaved_processes(threads_held(sides, args.threads), repeats=args.samples, warmup=3)
            ms = {k: f"{v[0] * 1e3:6.2f} ({v[1] * 1e3:.1f}–{v[2] * 1e3:.1f})" for k, v in t.items()}
            print(f"B{batch} H{hidden} T{seq:<5} {kind:5} {ms['packed']:>20} {ms['padded']:>20} "
                  f"{t['packed'][0] / t['padded'][0]:5.2f}× {ms['half']:>20} {t['half'][0] / t['padded'][0]:5.2f}×",
                  flush=True)


def compare_with_torch(args, head: str) -> None:
    print(head)
    for cfg in args.configs:
        batch, hidden, seq = map(int, cfg.split(","))
        shape = (batch, hidden, seq, args.input, args.device)
        for kind in KINDS:
            sides = {"fused": (ours, (kind, "fused") + shape), "torch": (theirs, (kind, False) + shape)}
            if not args.no_unrolled:
                sides["unrolled"] = (ours, (kind, "unrolled") + shape)
                sides["cells"] = (theirs, (kind, True) + shape)
            t = interleaved_processes(threads_held(sides, args.threads), repeats=args.samples, warmup=3)
            ms = {k: f"{v[0] * 1e3:6.2f} ({v[1] * 1e3:.1f}–{v[2] * 1e3:.1f})" for k, v in t.items()}
            line = f"B{batch} H{hidden} T{seq:<5} {kind:5} {ms['fused']:>20} {ms['torch']:>20} " \
                   f"{t['fused'][0] / t['torch'][0]:5.2f}×"
            if not args.no_unrolled:
                line += f" {ms['unrolled']:>20} {ms['cells']:>20} {t['unrolled'][0] / t['cells'][0]:5.2f}×"
            print(line, flush=True)


if __name__ == "__main__":
    main()
