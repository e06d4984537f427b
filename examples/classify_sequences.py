"""Sequence classification: an RNN reads a sequence step by step and names its class at the end.

Three data sets, none downloaded at run time:
  waves   (default, synthetic): 32 noisy samples of a waveform of random frequency
          and phase; name its shape: sine, square, sawtooth or triangle (chance 25 %).
          With ``--min-length N`` each waveform has its own random length in
          [N, --length]: the batch is padded, then packed
          (``pack_padded_sequence(x, lengths, enforce_sorted=False)``), so the
          layer stops at each sequence's own end and never reads the padding.
  digits  scikit-learn's bundled 8×8 handwritten digits read row by row, 8 steps
          of 8 pixels: "MNIST row by row" in miniature (chance 10 %); needs scikit-learn.
  mnist   MNIST read row by row, 28 steps of 28 pixels, from the four standard IDX
          files in ``--data-dir`` (plain or .gz; see mnist_idx.py), the first
          ``--limit`` images of each split (chance 10 %).
The class is read from the final hidden states h_n (both directions with
``--bidirectional``: the forward one has read the whole sequence left to
right, the backward one right to left); for a packed batch h_n is taken at
each sequence's own last step, and the backward direction starts there.

    python examples/classify_sequences.py
    python examples/classify_sequences.py --min-length 8 --bidirectional
    python examples/classify_sequences.py --data digits --bidirectional --clip none
    python examples/classify_sequences.py --data mnist --data-dir ~/data/mnist

Options are checked up front and training runs through ``tr.fit``, both from
``examples/skeleton.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import skeleton
from mnist_idx import as_time_major, load_mnist
from variable_waves import variable_waves

import tinygrad_rnn as tr
from tinygrad_rnn import nn, optim
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.nn.utils.rnn import pack_padded_sequence

SHAPES = ["sine", "square", "sawtooth", "triangle"]
MNIST_LIMIT, MNIST_HIDDEN = 10000, 128  # 10,000 of the 60,000 training images: a run of minutes on two cores


def waves(n: int, length: int, rng: np.random.Generator, noise: float = 0.3):
    """(x (length, n, 1) float32, labels (n,)): noisy waveforms of 4 shapes, random frequency and phase."""
    labels = rng.integers(0, 4, size=n)
    freq = rng.uniform(1.5, 4.0, size=n)[None] / length
    phase = rng.uniform(0, 1, size=n)[None] + np.arange(length)[:, None] * freq
    frac = phase % 1.0
    shapes = np.stack([np.sin(2 * np.pi * phase), np.sign(np.sin(2 * np.pi * phase)), 2 * frac - 1,
                       4 * np.abs(frac - 0.5) - 1])
    x = shapes[labels, :, np.arange(n)].T + noise * rng.standard_normal((length, n))
    return x[..., None].astype(np.float32), labels


def digits(rng: np.random.Generator):
    """scikit-learn's 8×8 digits as 8 rows of 8 pixels, scaled to [0, 1]; (x (8, n, 8), labels)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise SystemExit("--data digits needs scikit-learn: pip install scikit-learn") from None
    d = load_digits()
    order = rng.permutation(len(d.target))
    x = (d.images[order] / 16.0).astype(np.float32).transpose(1, 0, 2)
    return x, d.target[order]


class Classifier(nn.Module):
    """GRU/LSTM/RNN over the sequence → final hidden state(s) → linear → class logits."""

    def __init__(self, kind: str, features: int, hidden: int, classes: int, bidirectional: bool, impl: str):
        layer = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
        self.rnn = layer(features, hidden, bidirectional=bidirectional, impl=impl)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), classes)

    def forward(self, x, state=None) -> tuple[tr.Tensor, None]:
        """(class logits (batch, classes), None) of a padded Tensor or a PackedSequence ``x``: ``tr.fit``'s
        (outputs, state), with no state to carry."""
        _, h = self.rnn(x)  # packed x: h_n at each sequence's own last step, in the caller's order
        h = h[0] if isinstance(h, tuple) else h  # LSTM: (h_n, c_n)
        final = tr.cat([h[0], h[1]], dim=-1) if self.rnn.bidirectional else h[0]
        return self.head(final), None


def mnist(data_dir, limit: int):
    """MNIST row by row: ((x (28, n, 28), labels) of the training split, the same of the test split)."""
    splits = (load_mnist(data_dir, split, limit) for split in ("train", "test"))
    return tuple((as_time_major(images), labels) for images, labels in splits)


def as_input(x: np.ndarray, lengths: np.ndarray | None, device: str):
    """A padded batch (T, n, features) as the layer's input: a Tensor, or with ``lengths`` a PackedSequence."""
    padded = tr.tensor(x, device=device)
    return padded if lengths is None else pack_padded_sequence(padded, lengths, enforce_sorted=False)


def accuracy(model, x, labels, device: str, lengths=None) -> float:
    model.eval()
    with tr.no_grad():
        pred = model(as_input(x, lengths, device))[0].numpy().argmax(-1)
    model.train()
    return float((pred == labels).mean())


def epochs_of_batches(x, y, batch: int, epochs: int, rng, device: str, lengths=None):
    """(inputs, labels) minibatches, each epoch in a fresh random order; packed when ``lengths`` are given."""
    for _ in range(epochs):
        order = rng.permutation(x.shape[1])
        for i in range(0, len(order), batch):
            idx = order[i: i + batch]
            batch_lengths = None if lengths is None else lengths[idx]
            yield as_input(x[:, idx], batch_lengths, device), tr.tensor(y[idx], device=device)


def run(args) -> dict:
    rng = np.random.default_rng(args.seed)
    tr.manual_seed(args.seed)
    ltr = lte = None  # lengths of the variable-length waves; None: every sequence is full length
    if args.data == "digits":
        x, y = digits(rng)
        cut = int(0.8 * len(y))
        (xtr, ytr), (xte, yte), classes = (x[:, :cut], y[:cut]), (x[:, cut:], y[cut:]), 10
    elif args.data == "mnist":
        ((xtr, ytr), (xte, yte)), classes = args.mnist, 10
    elif args.min_length is not None:
        (xtr, ltr, ytr), (xte, lte, yte) = (variable_waves(n, args.min_length, args.length, rng) for n in (2000, 1000))
        classes = 4
    else:
        (xtr, ytr), (xte, yte), classes = waves(2000, args.length, rng), waves(1000, args.length, rng), 4
    model = Classifier(args.model, xtr.shape[2], args.hidden, classes, args.bidirectional, args.impl).to(args.device)
    opt = optim.Adam(model.parameters(), lr=args.lr)
    per_epoch = -(-xtr.shape[1] // args.batch)
    args.steps = args.epochs * per_epoch

    def on_step(record):
        if not args.quiet and record["step"] % per_epoch == 0:
            print(f"epoch {record['step'] // per_epoch}: loss {record['loss']:.3f}, "
                  f"test accuracy {accuracy(model, xte, yte, args.device, lte):.1%}")

    skeleton.train(args, model, opt, epochs_of_batches(xtr, ytr, args.batch, args.epochs, rng, args.device, ltr),
                   lambda logits, labels: F.cross_entropy(logits, labels), on_step=on_step, progress=False)
    test = accuracy(model, xte, yte, args.device, lte)
    direction = "bidirectional " if args.bidirectional else ""
    data = args.data if lte is None else f"waves of {args.min_length}-{args.length} steps, packed"
    print(f"{data}: {direction}{args.model.upper()} {args.hidden}: test accuracy {test:.1%} on {len(yte)} "
          f"sequences (chance {1 / classes:.0%})")
    metrics = {"test_accuracy": test, "chance": 1 / classes, "data": args.data, "model": args.model,
               "hidden": args.hidden, "bidirectional": args.bidirectional, "epochs": args.epochs, "clip": args.clip}
    if args.data == "waves":
        metrics.update(length=args.length, min_length=args.min_length)
    if args.data == "mnist":
        metrics.update(train_sequences=len(ytr), test_sequences=len(yte))
    skeleton.write_metrics(args, metrics)
    return metrics


def parse_args(argv=None):
    p = skeleton.parser(__doc__, clip=1.0, common=("device", "impl", "seed", "metrics", "quiet", "clip"))
    p.add_argument("--data", choices=["waves", "digits", "mnist"], default="waves")
    p.add_argument("--data-dir", type=Path, metavar="DIR",
                   help="--data mnist: the folder holding the four MNIST IDX files")
    p.add_argument("--limit", type=skeleton.positive_int, default=MNIST_LIMIT, metavar="N",
                   help="--data mnist: use the first N images of each split (60000 for all the training set)")
    p.add_argument("--model", choices=["rnn", "lstm", "gru"], default="gru")
    p.add_argument("--hidden", type=skeleton.positive_int, default=64,
                   help=f"hidden units; {MNIST_HIDDEN} with --data mnist unless given")
    p.add_argument("--bidirectional", action="store_true")
    p.add_argument("--length", type=skeleton.positive_int, default=32, help="steps per waveform (the longest)")
    p.add_argument("--min-length", type=skeleton.positive_int, metavar="N",
                   help="variable-length waves: each of a random length in [N, --length], packed")
    p.add_argument("--epochs", type=skeleton.positive_int, default=10)
    p.add_argument("--batch", type=skeleton.positive_int, default=64)
    p.add_argument("--lr", type=skeleton.positive_float, default=3e-3)
    args = skeleton.parse(p, argv)
    if args.data == "waves" and args.length < 2:
        p.error(f"--length {args.length}: a waveform needs at least 2 steps")
    if args.min_length is not None and args.data != "waves":
        p.error(f"--min-length {args.min_length}: variable lengths are for --data waves, not --data {args.data}")
    if args.min_length is not None and args.min_length > args.length:
        p.error(f"--min-length {args.min_length}: must not exceed --length {args.length}")
    for option in ("data_dir", "limit"):
        if option in args.given and args.data != "mnist":
            p.error(f"--{option.replace('_', '-')} is for --data mnist, not --data {args.data}")
    args.mnist = None
    if args.data == "mnist":
        if args.data_dir is None:
            p.error("--data mnist needs --data-dir DIR, a folder holding the four MNIST IDX files "
                    "(nothing is downloaded)")
        if not args.data_dir.is_dir():
            p.error(f"--data-dir {args.data_dir}: no such folder (nothing is downloaded; put the four MNIST IDX "
                    f"files in a folder and name it here)")
        try:  # read now, as skeleton.parse reads a --resume checkpoint: a bad folder or file stops before training
            args.mnist = mnist(args.data_dir, args.limit)
        except (OSError, ValueError) as e:
            p.error(f"--data-dir {args.data_dir}: {e}")
        if "hidden" not in args.given:
            args.hidden = MNIST_HIDDEN
    return args


def main(argv=None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
