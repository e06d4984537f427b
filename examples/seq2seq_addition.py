"""An encoder-decoder that learns integer addition from strings: "535+61" -> "596".

The encoder (a GRU or LSTM, optionally bidirectional) reads the question,
each in its own length, and its final state becomes the decoder's first state
and a context fed to it at every step.  Training uses teacher forcing (the
decoder reads the true previous digit); evaluation decodes greedily (it reads
its own previous guess) until it writes the end symbol.  Solved: at least 99 %
of 1,000 held-out problems, never seen in training, answered exactly.

    python examples/seq2seq_addition.py                         # 3-digit sums, stops when solved
    python examples/seq2seq_addition.py --digits 2 --model lstm --bidirectional --metrics out.json

The question is read reversed by default ("535+61" as "16+535"): Sutskever et
al. (2014) found it shortens the path from the first input characters to the
first output characters.  Exit status 0 whether or not it solved the task.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

import tinygrad_rnn as tr
from tinygrad_rnn import nn, optim
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from addition_task import GO, PAD, VOCAB, AdditionTask, batch, decode  # noqa: E402

SOLVED = 0.99


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--digits", type=int, default=3, help="most digits per operand")
    p.add_argument("--model", choices=["gru", "lstm"], default="gru", help="encoder and decoder cell")
    p.add_argument("--bidirectional", action="store_true", help="bidirectional encoder")
    p.add_argument("--no-reverse", dest="reverse", action="store_false", help="read the question forwards")
    p.add_argument("--answer-forwards", dest="reverse_answer", action="store_false",
                   help="write the answer's first digit first (default: its last digit first, as one adds by hand)")
    p.add_argument("--no-attention", dest="attention", action="store_false",
                   help="no attention: the decoder sees the question only through the encoder's final state")
    p.add_argument("--hidden", type=int, default=128, help="hidden units of encoder and decoder")
    p.add_argument("--embedding", type=int, default=16, help="embedding size of the 14 tokens")
    p.add_argument("--batch", type=int, default=128, help="problems per training step")
    p.add_argument("--lr", type=float, default=0.005, help="Adam learning rate")
    p.add_argument("--lr-decay", type=float, default=0.9993,
                   help="multiply the learning rate by this after every step (Adam's noise shrinks as it nears 100 %%)")
    p.add_argument("--clip", type=float, default=1.0, help="gradient norm clip (0: none)")
    p.add_argument("--steps", type=int, default=6000, help="most training steps; stops early once solved")
    p.add_argument("--check-every", type=int, default=100, help="steps between checks on the held-out problems")
    p.add_argument("--target", type=float, default=SOLVED, help="exact match on the held-out problems that solves it")
    p.add_argument("--held-out", type=int, default=1000, help="problems held out of training for the check")
    p.add_argument("--seed", type=int, default=0, help="seeds the weights, the data and the held-out set")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="cuda needs CuPy and a GPU")
    p.add_argument("--impl", choices=["fused", "unrolled"], default="fused", help="recurrent implementation")
    p.add_argument("--checkpoint", type=Path, help="save a checkpoint here every --checkpoint-every steps")
    p.add_argument("--checkpoint-every", type=int, default=500)
    p.add_argument("--resume", type=Path, help="continue from this checkpoint")
    p.add_argument("--metrics", type=Path, help="write the final metrics as JSON here")
    p.add_argument("--plot", type=Path, help="write a PNG of loss and exact match over steps (needs matplotlib)")
    p.add_argument("--samples", type=int, default=8, help="sample predictions printed at the end")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    args = p.parse_args(argv)
    for name in ("digits", "hidden", "embedding", "batch", "steps", "check_every", "held_out"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    return args


class Seq2Seq(nn.Module):
    """Embedding -> encoder RNN -> bridge (tanh linear) -> decoder RNN fed the context at every step -> logits.

    With ``attention`` (Luong et al. 2015), each decoder output also looks back
    at the encoder's outputs, weighted by a softmax over the question's steps
    with the padding masked out, before the read-out.
    """

    def __init__(self, args):
        cell = nn.GRU if args.model == "gru" else nn.LSTM
        E, H, dirs = args.embedding, args.hidden, 2 if args.bidirectional else 1
        self.embed = nn.Embedding(VOCAB, E)
        self.encoder = cell(E, H, bidirectional=args.bidirectional, impl=args.impl)
        self.bridge = nn.Linear(dirs * H, H)
        self.decoder = cell(E + H, H, impl=args.impl)
        self.attention = args.attention
        if self.attention:
            self.key = nn.Linear(dirs * H, H, bias=False)
            self.combine = nn.Linear(H + dirs * H, H)
        self.head = nn.Linear(H, VOCAB)

    def encode(self, src, lengths):
        """(context (B, H), memory (B, T, directions * H), mask (B, 1, T)) from questions src (T, B)."""
        x = self.embed(src)
        # packed: no step is spent on padding, h_n is each question's state at its own last step, and a
        # reverse direction starts at each question's own end (not at the padding)
        packed, h = self.encoder(pack_padded_sequence(x, lengths, enforce_sorted=False))
        out, _ = pad_packed_sequence(packed, total_length=src.shape[0])
        h = h[0] if isinstance(h, tuple) else h                        # (directions, B, H); LSTM: (h_n, c_n)
        h = tr.cat([h[d] for d in range(h.shape[0])], dim=1)  # (B, directions * H)
        pad = np.arange(src.shape[0])[None, None, :] >= np.asarray(lengths)[:, None, None]
        mask = tr.tensor(np.where(pad, -1e9, 0.0).astype(out.dtype), device=out.device)  # no attention on padding
        return self.bridge(h).tanh(), out.transpose(0, 1), mask

    def decode(self, encoded, tokens, state):
        """Logits (S, B, V) for decoder inputs tokens (S, B), starting from state."""
        context, memory, mask = encoded
        x = self.embed(tokens)
        ctx = tr.stack([context] * tokens.shape[0])
        out, state = self.decoder(tr.cat([x, ctx], dim=2), state)
        if self.attention:
            query = out.transpose(0, 1)                                            # (B, S, H)
            weights = (query @ self.key(memory).transpose(1, 2) + mask).softmax()  # (B, S, T)
            out = self.combine(tr.cat([query, weights @ memory], dim=2)).tanh().transpose(0, 1)
        return self.head(out), state

    def initial_state(self, context):
        h = context[None]
        return (h, h * 0.0) if isinstance(self.decoder, nn.LSTM) else h

    def forward(self, data, state=None):
        """Teacher forcing: logits for every answer position (the loss ignores PAD)."""
        device = self.head.weight.device
        encoded = self.encode(tr.tensor(data["src"], device=device), data["src_lengths"])
        logits, _ = self.decode(encoded, tr.tensor(data["dec_in"], device=device), self.initial_state(encoded[0]))
        return logits, None

    def greedy(self, data, max_len: int) -> np.ndarray:
        """Answers (B, max_len) decoded greedily: each step reads the previous step's argmax."""
        device = self.head.weight.device
        with tr.no_grad():
            encoded = self.encode(tr.tensor(data["src"], device=device), data["src_lengths"])
            state, token = self.initial_state(encoded[0]), np.full((1, len(data["src_lengths"])), GO, dtype=np.int64)
            answers = []
            for _ in range(max_len):
                logits, state = self.decode(encoded, tr.tensor(token, device=device), state)
                token = logits.numpy().argmax(-1)
                answers.append(token[0])
        return np.stack(answers, axis=1)


def loss_fn(logits, data):
    targets = tr.tensor(data["dec_out"], device=logits.device)
    return F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1), ignore_index=PAD)


def evaluate(model, task) -> dict:
    """Exact match and per-character accuracy of greedy answers on the held-out problems."""
    model.eval()
    data = batch(task.held_out, task.reverse, task.reverse_answer)
    answers = model.greedy(data, max_len=task.digits + 2)
    model.train()
    guesses = [decode(a)[::-1] if task.reverse_answer else decode(a) for a in answers]
    truths = [str(a + b) for a, b in task.held_out]
    exact = np.mean([g == t for g, t in zip(guesses, truths)])
    # per character: positions of the answer and its end ('$') where the guess has the same character
    chars = np.mean([sum(x == y for x, y in zip(g + "$", t + "$")) / (len(t) + 1) for g, t in zip(guesses, truths)])
    return {"exact_match": float(exact), "char_accuracy": float(chars), "guesses": guesses, "truths": truths}


def plot(trace, target: float, path: Path) -> bool:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("--plot: matplotlib is not installed, no plot written (pip install matplotlib)", file=sys.stderr)
        return False
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    ax1.plot(trace["step"], trace["loss"], lw=0.8, label="training loss (teacher forcing)")
    ax1.set_yscale("log")
    ax1.set_ylabel("cross-entropy (nats/char)")
    ax1.legend()
    ax2.plot(trace["check"], trace["exact_match"], "o-", label="exact match, held-out (greedy)")
    ax2.plot(trace["check"], trace["char_accuracy"], "s--", label="per-character accuracy")
    ax2.axhline(target, color="g", ls="--", lw=1, label=f"solved ({target:.0%})")
    ax2.set_xlabel("step")
    ax2.set_ylim(0, 1.02)
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv=None) -> int:
    args = parse_args(argv)
    tr.manual_seed(args.seed)
    task = AdditionTask(args.digits, args.batch, args.held_out, seed=args.seed, reverse=args.reverse,
                        reverse_answer=args.reverse_answer)
    model = Seq2Seq(args).to(args.device)
    opt = optim.Adam(model.parameters(), lr=args.lr)
    start = 0
    if args.resume:
        extra = tr.load_checkpoint(args.resume, model, opt)
        task.load_state_dict(extra["task"])
        start = extra["step"]
    print(f"addition, up to {args.digits} digits per operand: {args.model.upper()} encoder"
          f"{' (bidirectional)' if args.bidirectional else ''} -> decoder, hidden {args.hidden} ({args.impl}), "
          f"batch {args.batch}, Adam lr {args.lr}, question {'reversed' if args.reverse else 'forwards'}, "
          f"seed {args.seed}, device {args.device}")
    print(f"solved = {args.target:.0%} exact match on {args.held_out:,} held-out problems (never in training)")
    trace = {"step": [], "loss": [], "check": [], "exact_match": [], "char_accuracy": []}
    result: dict = {}
    t0 = time.perf_counter()

    def on_step(record):
        opt.param_groups[0]["lr"] = args.lr * args.lr_decay ** record["step"]
        trace["step"].append(record["step"])
        trace["loss"].append(record["loss"])
        if record["step"] % args.check_every == 0:
            result.update(evaluate(model, task), step=record["step"])
            for key in ("exact_match", "char_accuracy"):
                trace[key].append(result[key])
            trace["check"].append(record["step"])
            record["exact"] = result["exact_match"]  # shown in the progress line
            if result["exact_match"] >= args.target:
                return False
        return None

    def checkpoint(step, state):
        tr.save_checkpoint(args.checkpoint, model, opt, step, task=task.state_dict())

    tr.fit(model, opt, task, loss_fn, args.steps, clip=args.clip or None, start_step=start, on_step=on_step,
           checkpoint=checkpoint if args.checkpoint else None, checkpoint_every=args.checkpoint_every,
           progress=not args.quiet)
    steps = trace["step"][-1] if trace["step"] else start
    if result.get("step") != steps:  # the last check was not at the last step
        result.update(evaluate(model, task))
    seconds = time.perf_counter() - t0
    solved = result["exact_match"] >= args.target
    metrics = {"solved": solved, "exact_match": result["exact_match"], "char_accuracy": result["char_accuracy"],
               "target": args.target, "steps": steps, "seconds": round(seconds, 2), "digits": args.digits,
               "held_out": args.held_out, "model": args.model, "bidirectional": args.bidirectional,
               "attention": args.attention, "reverse": args.reverse, "reverse_answer": args.reverse_answer,
               "hidden": args.hidden, "batch": args.batch, "lr": args.lr, "lr_decay": args.lr_decay,
               "seed": args.seed, "impl": args.impl, "final_loss": trace["loss"][-1] if trace["loss"] else None}
    if args.metrics:
        args.metrics.parent.mkdir(parents=True, exist_ok=True)
        args.metrics.write_text(json.dumps(metrics, indent=2) + "\n")
    if args.plot and trace["step"]:
        plot(trace, args.target, args.plot)
    pairs = list(zip(task.held_out, result["guesses"], result["truths"]))
    right = [p for p in pairs if p[1] == p[2]][: (args.samples + 1) // 2]
    wrong = [p for p in pairs if p[1] != p[2]][: args.samples // 2]
    for (a, b), guess, truth in right + wrong:
        mark = "ok " if guess == truth else f"WRONG (want {truth})"
        print(f"  {a:>{args.digits}}+{b:<{args.digits}} = {guess:<{args.digits + 1}} {mark}")
    verdict = "SOLVED" if solved else "NOT solved"
    print(f"{verdict}: {args.digits}-digit addition: exact match {result['exact_match']:.1%} "
          f"(per character {result['char_accuracy']:.1%}) on {args.held_out:,} held-out problems, "
          f"{steps} steps, {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
