"""Steps and seconds to solve seq2seq addition: tinygrad_rnn against PyTorch, same everything.

Both libraries train examples/seq2seq_addition.py's model (same architecture, the
same initial weights: ours are copied into torch's), on the same data stream
(examples/addition_task.py, same seed), with Adam at the same rate and the same
clipping, checking exact match on the same held-out problems; each run is its own
process and the libraries alternate, so a busy machine slows both alike.

    python benchmarks/bench_seq2seq.py                      # defaults of the example, seeds 0 1 2
    python benchmarks/bench_seq2seq.py --seeds 0 --args "--digits 2 --hidden 64"
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))


def torch_model(ours, args):
    """The example's Seq2Seq in torch, with our initial weights."""
    import torch
    from torch import nn

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            cell = nn.GRU if args.model == "gru" else nn.LSTM
            E, H, dirs = args.embedding, args.hidden, 2 if args.bidirectional else 1
            self.embed, self.encoder = nn.Embedding(14, E), cell(E, H, bidirectional=args.bidirectional)
            self.bridge, self.decoder = nn.Linear(dirs * H, H), cell(E + H, H)
            if args.attention:
                self.key, self.combine = nn.Linear(dirs * H, H, bias=False), nn.Linear(H + dirs * H, H)
            self.head = nn.Linear(H, 14)

        def encode(self, src, lengths):
            out, _ = self.encoder(self.embed(src))
            B, H = out.shape[1], args.hidden
            h = [out[lengths - 1, torch.arange(B), :H]] + ([out[0, :, H:]] if args.bidirectional else [])
            pad = torch.arange(src.shape[0])[None, None, :] >= lengths[:, None, None]
            mask = torch.where(pad, -1e9, 0.0).to(out.dtype)
            return torch.tanh(self.bridge(torch.cat(h, 1))), out.transpose(0, 1), mask

        def decode(self, encoded, tokens, state):
            context, memory, mask = encoded
            x = torch.cat([self.embed(tokens), context.expand(tokens.shape[0], -1, -1)], 2)
            out, state = self.decoder(x, state)
            if args.attention:
                query = out.transpose(0, 1)
                weights = torch.softmax(query @ self.key(memory).transpose(1, 2) + mask, -1)
                out = torch.tanh(self.combine(torch.cat([query, weights @ memory], 2))).transpose(0, 1)
            return self.head(out), state

        def initial(self, context):
            h = context[None]
            return (h, torch.zeros_like(h)) if args.model == "lstm" else h

    model = Seq2Seq()
    model.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return model


def run_torch(args, task) -> dict:
    import seq2seq_addition as s2s
    import torch
    from addition_task import GO, PAD, batch, decode
    if os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    s2s.tr.manual_seed(args.seed)
    model = torch_model(s2s.Seq2Seq(args), args)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    held = batch(task.held_out, task.reverse, task.reverse_answer)
    truths = [str(a + b) for a, b in task.held_out]
    t0, exact = time.perf_counter(), 0.0
    for step in range(1, args.steps + 1):
        data, _ = next(task)
        encoded = model.encode(torch.tensor(data["src"]), torch.tensor(data["src_lengths"]))
        logits, _ = model.decode(encoded, torch.tensor(data["dec_in"]), model.initial(encoded[0]))
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 14), torch.tensor(data["dec_out"]).reshape(-1),
                                                 ignore_index=PAD)
        opt.zero_grad()
        loss.backward()
        if args.clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        if step % args.check_every == 0:
            with torch.no_grad():
                encoded = model.encode(torch.tensor(held["src"]), torch.tensor(held["src_lengths"]))
                state, token, answers = model.initial(encoded[0]), torch.full((1, len(truths)), GO), []
                for _ in range(args.digits + 2):
                    logits, state = model.decode(encoded, token, state)
                    token = logits.argmax(-1)
                    answers.append(token[0].numpy())
            guesses = [decode(a)[::-1] if task.reverse_answer else decode(a) for a in np.stack(answers, 1)]
            exact = float(np.mean([g == t for g, t in zip(guesses, truths)]))
            if exact >= args.target:
                break
    return {"solved": exact >= args.target, "exact_match": exact, "steps": step,
            "seconds": round(time.perf_counter() - t0, 2)}


def one(lib: str, argv: list[str]) -> dict:
    """Run one library in this process: the example itself for ours, its torch twin for torch."""
    import seq2seq_addition as s2s
    from addition_task import AdditionTask
    args = s2s.parse_args(argv)
    if lib == "ours":
        out = Path(f"/tmp/bench_seq2seq_{time.time_ns()}.json")
        s2s.main(argv + ["--quiet", "--samples", "0", "--metrics", str(out)])
        m = json.loads(out.read_text())
        out.unlink()
        return {k: m[k] for k in ("solved", "exact_match", "steps", "seconds")}
    task = AdditionTask(args.digits, args.batch, args.held_out, seed=args.seed, reverse=args.reverse,
                        reverse_answer=args.reverse_answer)
    return run_torch(args, task)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--args", default="", help="options passed to the example (quoted)")
    p.add_argument("--threads", type=int, default=0,
                   help="BLAS/OpenMP threads per run (0: the libraries' default); 1 on a machine others share")
    p.add_argument("--one", choices=["ours", "torch"], help=argparse.SUPPRESS)  # a child process
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, shlex.split(args.args))))
        return 0
    print(f"seq2seq addition, example options: {args.args or '(defaults)'}; threads per run: "
          f"{args.threads or 'default'}")
    print(f"{'seed':>4}  {'library':<12} {'solved':<7} {'exact':>7} {'steps':>6} {'seconds':>8}")
    for seed in args.seeds:
        for lib in ("ours", "torch"):  # alternate, each in a fresh process
            child = [sys.executable, __file__, "--one", lib, "--args", f"{args.args} --seed {seed}"]
            env = dict(os.environ, **({k: str(args.threads) for k in THREAD_VARS} if args.threads else {}))
            r = json.loads(subprocess.run(child, check=True, capture_output=True, text=True,
                                          env=env).stdout.splitlines()[-1])
            print(f"{seed:>4}  {'tinygrad_rnn' if lib == 'ours' else 'torch':<12} {str(r['solved']):<7} "
                  f"{r['exact_match']:>7.1%} {r['steps']:>6} {r['seconds']:>8.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
