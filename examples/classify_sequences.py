"""Sequence classification: an RNN reads a sequence step by step and names its class at the end.

Two data sets, neither downloaded at run time:
  waves   (default, synthetic): 32 noisy samples of a waveform of random frequency
          and phase; name its shape: sine, square, sawtooth or triangle (chance 25 %).
  digits  scikit-learn's bundled 8×8 handwritten digits read row by row, 8 steps
          of 8 pixels: "MNIST row by row" in miniature (chance 10 %); needs scikit-learn.
The class is read from the final hidden states (both directions with
``--bidirectional``: the forward one has read the whole sequence left to
right, the backward one right to left).

    python examples/classify_sequences.py
    python examples/classify_sequences.py --data digits --bidirectional --clip none

Options are checked up front and training runs through ``tr.fit``, both from
``examples/skeleton.py``.
"""
from __future__ import annotations

import sys

import numpy as np
import skeleton

import tinygrad_rnn as tr
from tinygrad_rnn import nn, optim
from tinygrad_rnn.nn import functional as F

SHAPES = ["sine", "square", "sawtooth", "triangle"]


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

    def forward(self, x: tr.Tensor, state=None) -> tuple[tr.Tensor, None]:
        """(class logits (batch, classes), None): ``tr.fit``'s (outputs, state), with no state to carry."""
        _, h = self.rnn(x)
        h = h[0] if isinstance(h, tuple) else h  # LSTM: (h_n, c_n)
        final = tr.concatenate([h[0], h[1]], axis=-1) if self.rnn.bidirectional else h[0]
        return self.head(final), None


def accuracy(model, x, labels, device: str) -> float:
    model.eval()
    with tr.no_grad():
        pred = model(tr.Tensor(x, device=device))[0].numpy().argmax(-1)
    model.train()
    return float((pred == labels).mean())


def epochs_of_batches(x, y, batch: int, epochs: int, rng, device: str):
    """(inputs, labels) minibatches, each epoch in a fresh random order."""
    for _ in range(epochs):
        order = rng.permutation(x.shape[1])
        for i in range(0, len(order), batch):
            idx = order[i: i + batch]
            yield tr.Tensor(x[:, idx], device=device), tr.Tensor(y[idx], device=device)


def run(args) -> dict:
    rng = np.random.default_rng(args.seed)
    tr.manual_seed(args.seed)
    if args.data == "digits":
        x, y = digits(rng)
        cut = int(0.8 * len(y))
        (xtr, ytr), (xte, yte), classes = (x[:, :cut], y[:cut]), (x[:, cut:], y[cut:]), 10
    else:
        (xtr, ytr), (xte, yte), classes = waves(2000, args.length, rng), waves(1000, args.length, rng), 4
    model = Classifier(args.model, xtr.shape[2], args.hidden, classes, args.bidirectional, args.impl).to(args.device)
    opt = optim.Adam(model.parameters(), lr=args.lr)
    per_epoch = -(-xtr.shape[1] // args.batch)
    args.steps = args.epochs * per_epoch

    def on_step(record):
        if not args.quiet and record["step"] % per_epoch == 0:
            print(f"epoch {record['step'] // per_epoch}: loss {record['loss']:.3f}, "
                  f"test accuracy {accuracy(model, xte, yte, args.device):.1%}")

    skeleton.train(args, model, opt, epochs_of_batches(xtr, ytr, args.batch, args.epochs, rng, args.device),
                   lambda logits, labels: F.cross_entropy(logits, labels), on_step=on_step, progress=False)
    test = accuracy(model, xte, yte, args.device)
    direction = "bidirectional " if args.bidirectional else ""
    print(f"{args.data}: {direction}{args.model.upper()} {args.hidden}: test accuracy {test:.1%} on {len(yte)} "
          f"sequences (chance {1 / classes:.0%})")
    metrics = {"test_accuracy": test, "chance": 1 / classes, "data": args.data, "model": args.model,
               "hidden": args.hidden, "bidirectional": args.bidirectional, "epochs": args.epochs, "clip": args.clip}
    skeleton.write_metrics(args, metrics)
    return metrics


def parse_args(argv=None):
    p = skeleton.parser(__doc__, clip=1.0, common=("device", "impl", "seed", "metrics", "quiet", "clip"))
    p.add_argument("--data", choices=["waves", "digits"], default="waves")
    p.add_argument("--model", choices=["rnn", "lstm", "gru"], default="gru")
    p.add_argument("--hidden", type=skeleton.positive_int, default=64)
    p.add_argument("--bidirectional", action="store_true")
    p.add_argument("--length", type=skeleton.positive_int, default=32, help="steps per waveform")
    p.add_argument("--epochs", type=skeleton.positive_int, default=10)
    p.add_argument("--batch", type=skeleton.positive_int, default=64)
    p.add_argument("--lr", type=skeleton.positive_float, default=3e-3)
    args = skeleton.parse(p, argv)
    if args.data == "waves" and args.length < 2:
        p.error(f"--length {args.length}: a waveform needs at least 2 steps")
    return args


def main(argv=None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
