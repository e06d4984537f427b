"""A character-level language model trained with truncated BPTT, and text sampled from it.

Trains an LSTM (or GRU/RNN) to predict the next character of a text file,
carrying the hidden state from one chunk of ``--seq`` characters to the next
(truncated BPTT).  Without ``--text`` it reads a corpus every machine has: the
source of a few modules of Python's own standard library.  Reports
bits-per-character on a held-out tenth of the text against the unigram
baseline (the entropy of the character frequencies), and samples text every
``--sample-every`` steps.

    python examples/char_rnn.py --steps 1500 --checkpoint char.ckpt
    python examples/char_rnn.py --sample char.ckpt --prompt "def " --temperature 0.7

The checkpoint holds the model's configuration and the vocabulary, so
``--sample`` needs no other flag.  The options, the model, resuming and the
training loop stand on ``examples/skeleton.py``; the chunks are the library's
``train.chunks``.
"""
from __future__ import annotations

import importlib
import itertools
import math
import sys
from pathlib import Path

import numpy as np
import skeleton

import tinygrad_rnn as tr
from tinygrad_rnn import optim
from tinygrad_rnn.checkpoint import read_checkpoint, restore
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.serialization import LoadError
from tinygrad_rnn.train import chunks, detach

STDLIB_CORPUS = ["textwrap", "string", "shlex", "fnmatch", "glob", "bisect", "heapq", "colorsys", "getopt", "queue"]
FIXED = ["text", "chars", "model", "hidden", "layers", "embedding", "seq", "batch", "lr", "clip", "seed"]


def default_corpus() -> str:
    """Source of a few pure-Python standard-library modules: present wherever Python is."""
    return "\n".join(Path(importlib.import_module(m).__file__).read_text(encoding="utf-8") for m in STDLIB_CORPUS)


def make_parser():
    p = skeleton.parser(__doc__, steps=1500, clip=1.0, checkpoint_every=250)
    p.add_argument("--text", help="a UTF-8 text file (default: Python standard-library sources)")
    p.add_argument("--chars", type=skeleton.nonnegative_int, default=0,
                   help="use only the first N characters (0: all)")
    p.add_argument("--model", choices=["rnn", "lstm", "gru"], default="lstm")
    p.add_argument("--hidden", type=skeleton.positive_int, default=256)
    p.add_argument("--layers", type=skeleton.positive_int, default=1)
    p.add_argument("--embedding", type=skeleton.positive_int, default=32)
    p.add_argument("--seq", type=skeleton.positive_int, default=64, help="truncated-BPTT chunk length")
    p.add_argument("--batch", type=skeleton.positive_int, default=32, help="parallel streams")
    p.add_argument("--lr", type=skeleton.positive_float, default=3e-3)
    p.add_argument("--eval-every", type=skeleton.nonnegative_int, default=250, help="0: only at the end")
    p.add_argument("--sample-every", type=skeleton.nonnegative_int, default=500, help="0: never while training")
    p.add_argument("--temperature", type=skeleton.positive_float, default=0.8)
    p.add_argument("--length", type=skeleton.nonnegative_int, default=300, help="characters to sample")
    p.add_argument("--prompt", default="def ")
    p.add_argument("--sample", type=Path, metavar="CHECKPOINT", help="only generate text from this checkpoint")
    return p


def parse_args(argv=None):
    p = make_parser()
    args = skeleton.parse(p, argv, fixed=FIXED)
    if args.sample is not None and args.resume is not None:
        p.error(f"--sample {args.sample} and --resume {args.resume}: give one (sample, or go on training)")
    if args.text is not None and not Path(args.text).is_file():
        p.error(f"--text {args.text}: no such file")
    if args.sample is not None:
        try:
            args.sample_ckpt = read_checkpoint(args.sample)
        except (OSError, LoadError) as e:
            p.error(f"--sample {args.sample}: {e}")
        config, vocab = args.sample_ckpt["model"]["config"], args.sample_ckpt["extra"].get("vocab")
        if not (isinstance(config, dict) and isinstance(vocab, list) and len(vocab) == config.get("vocab_size")):
            p.error(f"--sample {args.sample}: not a char_rnn checkpoint (no vocabulary of the model's size)")
    return args


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

    def batches(self, seq: int, start_step: int = 0):
        """Endless (inputs, targets) chunks of (seq, batch), epoch after epoch, resuming at chunk ``start_step``."""
        x = self.streams[:-1].reshape(self.batch, self.n).T
        y = self.streams[1:].reshape(self.batch, self.n).T
        epochs = itertools.chain.from_iterable(chunks(x, y, seq) for _ in itertools.count())
        return itertools.islice(epochs, start_step, None)

    def encode(self, s: str) -> np.ndarray:
        return np.array([self.index.get(c, 0) for c in s], dtype=np.int64)


def loss_fn(logits, targets, reduction: str = "mean"):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                           tr.tensor(targets, device=logits.device).reshape(-1), reduction=reduction)


def bits_per_char(model, ids: np.ndarray, seq: int = 256) -> float:
    """Mean cross-entropy in bits over a held-out id sequence, read as one stream (state carried)."""
    model.eval()
    state, total, count = None, 0.0, 0
    with tr.no_grad():
        for t in range(0, len(ids) - 1, seq):
            x, y = ids[t: t + seq][:, None], ids[t + 1: t + seq + 1][:, None]
            x = x[: len(y)]
            logits, state = model(x, state)
            total += loss_fn(logits, y, reduction="sum").item()
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
            z = logits.numpy()[-1, 0] / temperature
            p = np.exp(z - z.max())
            nxt = int(rng.choice(len(p), p=p / p.sum()))
            out.append(corpus.vocab[nxt])
            logits, state = model(np.array([[nxt]]), state)
    model.train()
    return "".join(out)


def model_config(args, vocab_size: int) -> dict:
    return {"kind": args.model, "output_size": vocab_size, "hidden_size": args.hidden, "vocab_size": vocab_size,
            "embedding_dim": args.embedding, "num_layers": args.layers, "impl": args.impl}


def generate(args) -> dict:
    """--sample: the model, its configuration and the vocabulary all come from the checkpoint."""
    ckpt = args.sample_ckpt
    model = tr.SequenceModel.from_config(ckpt["model"]["config"], device=args.device)
    restore(ckpt, model, restore_rng=False, path=args.sample)
    vocab = ckpt["extra"]["vocab"]
    text = sample(model, Corpus("".join(vocab) * 4, 1, vocab=vocab), args.prompt, args.length, args.temperature,
                  np.random.default_rng(args.seed))
    print(text)
    return {"sample": text}


def as_tensors(state, device: str):
    """A carried hidden state read back from a checkpoint, on the model's device (LSTM: a tuple)."""
    if state is None:
        return None
    return tuple(s.to(device) for s in state) if isinstance(state, tuple) else state.to(device)


def run(args) -> dict:
    """Train (or, with --sample, only generate); return the metrics."""
    if args.sample:
        return generate(args)
    rng = np.random.default_rng(args.seed)
    tr.manual_seed(args.seed)
    text = Path(args.text).read_text(encoding="utf-8") if args.text else default_corpus()
    text = text[: args.chars] if args.chars else text
    corpus = Corpus(text, args.batch)
    model = tr.SequenceModel.from_config(model_config(args, len(corpus.vocab)), device=args.device)
    opt = optim.Adam(model.parameters(), lr=args.lr)
    start = skeleton.restore_training(args, model, opt)
    state = as_tensors(args.resumed["extra"]["state"], args.device) if args.resumed else None
    say = (lambda *a: None) if args.quiet else print
    if args.resumed is not None:
        print(args.resumed_note)
    say(f"{len(text):,} characters, vocabulary {len(corpus.vocab)}, unigram baseline "
        f"{corpus.unigram_bits:.3f} bits/char; {args.model.upper()} {args.hidden}x{args.layers}, "
        f"truncated BPTT over {args.seq} characters x {args.batch} streams")
    curve = {"step": [], "train": [], "eval_step": [], "valid": []}

    def on_step(record):
        curve["step"].append(record["step"])
        curve["train"].append(record["loss"] / math.log(2))
        if "valid_bpc" in record:
            curve["eval_step"].append(record["step"])
            curve["valid"].append(record["valid_bpc"])
            say(f"step {record['step']}: train {record['loss'] / math.log(2):.3f} bits/char, "
                f"held-out {record['valid_bpc']:.3f} bits/char")
        if args.sample_every and record["step"] % args.sample_every == 0:
            say("--- sample:\n" + sample(model, corpus, args.prompt, args.length, args.temperature, rng) + "\n---")

    history = skeleton.train(args, model, opt, corpus.batches(args.seq, start), loss_fn, start=start, fixed=FIXED,
                             carry_state=True, state=detach(state), on_step=on_step,
                             evaluate=lambda: {"valid_bpc": bits_per_char(model, corpus.valid)},
                             eval_every=args.eval_every or args.steps,
                             extra=lambda st: {"vocab": corpus.vocab, "state": st})
    valid = history.evaluations[-1]["valid_bpc"] if history.evaluations else bits_per_char(model, corpus.valid)
    train_bits = float(np.mean(history["loss"][-20:])) / math.log(2) if history.steps else float("nan")
    print(f"held-out {valid:.3f} bits/char (train {train_bits:.3f}) vs unigram baseline {corpus.unigram_bits:.3f}, "
          f"{args.steps} steps")
    metrics = {"valid_bpc": valid, "train_bpc": train_bits, "unigram_bpc": corpus.unigram_bits, "steps": args.steps,
               **skeleton.settings(args, FIXED)}
    skeleton.write_metrics(args, metrics)
    if args.plot:
        plot(curve, corpus.unigram_bits, args.plot)
    return metrics


def plot(curve: dict, unigram: float, path) -> None:
    plt = skeleton.pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(curve["step"], curve["train"], lw=0.8, label="training (bits/char)")
    ax.plot(curve["eval_step"], curve["valid"], "o-", label="held-out (bits/char)")
    ax.axhline(unigram, color="k", ls="--", lw=1, label=f"unigram baseline {unigram:.2f}")
    ax.set_xlabel("step")
    ax.legend()
    skeleton.save_figure(fig, path)


def main(argv=None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
