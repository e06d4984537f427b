"""A character-level language model trained with truncated BPTT, and text sampled from it.

Trains an LSTM (or GRU/RNN) to predict the next character of a text file,
carrying the hidden state from one chunk of ``--seq`` characters to the next
(truncated BPTT).  Without ``--text`` it reads a corpus every machine has: the
source of a few modules of Python's own standard library.  Reports
bits-per-character on a held-out tenth of the text against the unigram
baseline (the entropy of the character frequencies), and samples text every
``--sample-every`` steps.

    python examples/char_rnn.py --steps 1500 --checkpoint runs/char.ckpt
    python examples/char_rnn.py --sample runs/char.ckpt --prompt "def " --temperature 0.7
"""
from __future__ import annotations

import argparse
import importlib
import math
import sys
from pathlib import Path

import numpy as np

import tinygrad_rnn as tr
from tinygrad_rnn import optim
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.train import detach

STDLIB_CORPUS = ["textwrap", "string", "shlex", "fnmatch", "glob", "bisect", "heapq", "colorsys", "getopt", "queue"]


def default_corpus() -> str:
    """Source of a few pure-Python standard-library modules: present wherever Python is."""
    return "\n".join(Path(importlib.import_module(m).__file__).read_text(encoding="utf-8") for m in STDLIB_CORPUS)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--text", type=Path, help="a UTF-8 text file (default: Python standard-library sources)")
    p.add_argument("--chars", type=int, default=0, help="use only the first N characters (0: all)")
    p.add_argument("--model", choices=["rnn", "lstm", "gru"], default="lstm")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--embedding", type=int, default=32)
    p.add_argument("--seq", type=int, default=64, help="truncated-BPTT chunk length")
    p.add_argument("--batch", type=int, default=32, help="parallel streams")
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--sample-every", type=int, default=500)
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--length", type=int, default=300, help="characters to sample")
    p.add_argument("--prompt", default="def ")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint", type=Path)
    p.add_argument("--resume", type=Path)
    p.add_argument("--sample", type=Path, metavar="CHECKPOINT", help="only generate text from this checkpoint")
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


class Corpus:
    """A text as integer ids, split 90/10, with the training part laid out as ``batch`` parallel streams."""

    def __init__(self, text: str, batch: int, vocab: list[str] | None = None):
        self.vocab = vocab or sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.vocab)}
        ids = np.array([self.index.get(c, 0) for c in text], dtype=np.int64)
        cut = int(len(ids) * 0.9)
        self.train, self.valid = ids[:cut], ids[cut:]
        n = (len(self.train) - 1) // batch
        if n < 2:
            raise ValueError(f"text of {len(text)} characters is too short for {batch} streams")
        self.streams = self.train[: n * batch + 1]
        counts = np.bincount(self.train, minlength=len(self.vocab)) / len(self.train)
        self.unigram_bits = float(-(counts[counts > 0] * np.log2(counts[counts > 0])).sum())
        self.batch, self.n = batch, n

    def chunks(self, seq: int, start_step: int = 0):
        """Endless (inputs, targets) chunks of (seq, batch), resuming at chunk ``start_step``."""
        x = self.streams[:-1][: self.n * self.batch].reshape(self.batch, self.n).T
        y = self.streams[1:][: self.n * self.batch].reshape(self.batch, self.n).T
        per_epoch = (self.n + seq - 1) // seq
        step = start_step
        while True:
            t = (step % per_epoch) * seq
            step += 1
            yield x[t: t + seq], y[t: t + seq]

    def encode(self, s: str) -> np.ndarray:
        return np.array([self.index.get(c, 0) for c in s], dtype=np.int64)


def bits_per_char(model, ids: np.ndarray, seq: int = 256) -> float:
    """Mean cross-entropy in bits over a held-out id sequence, read as one stream (state carried)."""
    model.eval()
    state, total, count = None, 0.0, 0
    with tr.no_grad():
        for t in range(0, len(ids) - 1, seq):
            x, y = ids[t: t + seq][:, None], ids[t + 1: t + seq + 1][:, None]
            x = x[: len(y)]
            logits, state = model(x, state)
            total += F.cross_entropy(logits, y, reduction="sum").item()
            count += y.size
    model.train()
    return total / count / math.log(2)


def sample(model, corpus: Corpus, prompt: str, length: int, temperature: float, rng) -> str:
    """Feed the prompt, then draw each next character from softmax(logits / temperature)."""
    model.eval()
    out, state = list(prompt), None
    ids = corpus.encode("\n\n" + prompt)  # training never starts cold mid-line: lead in as a file would
    with tr.no_grad():
        logits, state = model(ids[:, None], state)
        for _ in range(length):
            z = logits.numpy()[-1, 0] / max(temperature, 1e-6)
            p = np.exp(z - z.max())
            nxt = int(rng.choice(len(p), p=p / p.sum()))
            out.append(corpus.vocab[nxt])
            logits, state = model(np.array([[nxt]]), state)
    model.train()
    return "".join(out)


def build(args, vocab_size: int):
    return tr.SequenceModel(args.model, vocab_size, args.hidden, vocab_size=vocab_size,
                            embedding_dim=args.embedding, num_layers=args.layers)


def run(args) -> dict:
    """Train (or, with --sample, only generate); return the metrics."""
    rng = np.random.default_rng(args.seed)
    tr.manual_seed(args.seed)
    if args.sample:
        import pickle
        vocab = pickle.loads(args.sample.read_bytes())["extra"]["vocab"]
        corpus = Corpus("".join(vocab) * 4, 1, vocab=vocab)
        model = build(args, len(vocab))
        tr.load_checkpoint(args.sample, model)
        text = sample(model, corpus, args.prompt, args.length, args.temperature, rng)
        print(text)
        return {"sample": text}
    text = args.text.read_text(encoding="utf-8") if args.text else default_corpus()
    text = text[: args.chars] if args.chars else text
    corpus = Corpus(text, args.batch)
    model = build(args, len(corpus.vocab))
    opt = optim.Adam(model.parameters(), lr=args.lr)
    start, state = 0, None
    if args.resume:
        extra = tr.load_checkpoint(args.resume, model, opt)
        start, state = extra["step"], extra["state"]
        state = None if state is None else (tuple(tr.Tensor(s) for s in state) if isinstance(state, tuple)
                                            else tr.Tensor(state))
    say = (lambda *a: None) if args.quiet else print
    say(f"{len(text):,} characters, vocabulary {len(corpus.vocab)}, unigram baseline "
        f"{corpus.unigram_bits:.3f} bits/char; {args.model.upper()} {args.hidden}x{args.layers}, "
        f"truncated BPTT over {args.seq} characters x {args.batch} streams")

    def evaluate():
        return {"valid_bpc": bits_per_char(model, corpus.valid)}

    def on_step(record):
        if "valid_bpc" in record:
            say(f"step {record['step']}: train {record['loss'] / math.log(2):.3f} bits/char, "
                f"held-out {record['valid_bpc']:.3f} bits/char")
        if args.sample_every and record["step"] % args.sample_every == 0:
            say("--- sample:\n" + sample(model, corpus, args.prompt, args.length, args.temperature, rng) + "\n---")

    def checkpoint(step, st):
        keep = None if st is None else (tuple(s.numpy() for s in st) if isinstance(st, tuple) else st.numpy())
        tr.save_checkpoint(args.checkpoint, model, opt, step, vocab=corpus.vocab, state=keep)

    history = tr.fit(model, opt, corpus.chunks(args.seq, start), lambda out, y: F.cross_entropy(out, y), args.steps,
                     clip=args.clip, carry_state=True, state=detach(state), start_step=start, evaluate=evaluate,
                     eval_every=args.eval_every, checkpoint=checkpoint if args.checkpoint else None,
                     checkpoint_every=args.eval_every, progress=not args.quiet, on_step=on_step)
    valid = history["valid_bpc"][-1] if history["valid_bpc"] else bits_per_char(model, corpus.valid)
    train_bits = float(np.mean(history["loss"][-20:])) / math.log(2) if history.steps else float("nan")
    print(f"held-out {valid:.3f} bits/char (train {train_bits:.3f}) vs unigram baseline {corpus.unigram_bits:.3f}, "
          f"{args.steps} steps")
    return {"valid_bpc": valid, "train_bpc": train_bits, "unigram_bpc": corpus.unigram_bits}


def main(argv=None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
