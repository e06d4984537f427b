"""Vanishing and exploding gradients, measured: ‖∂L/∂h_t‖ for a loss at the last of 100 steps.

Compares a tanh RNN, a ReLU RNN with identity recurrent weights (IRNN, Le et
al. 2015), an LSTM, a GRU, and a ReLU RNN whose recurrent weights are scaled
above 1 (the exploding case), at initialisation and after some training on the
adding problem, with and without gradient clipping.  Prints a table (and
writes a PNG with --plot, which needs matplotlib; checked before anything runs).

    python examples/vanishing_gradients.py --plot gradient_flow.png
"""
from __future__ import annotations

import sys

import numpy as np
import skeleton

import tinygrad_rnn as tr
from tinygrad_rnn import nn, optim
from tinygrad_rnn.inspect import gradient_flow
from tinygrad_rnn.tasks import adding_problem


def build(name: str, hidden: int, seed: int) -> nn.Module:
    """A one-layer recurrent network over the adding problem's 2 input channels (float64: no underflow)."""
    tr.manual_seed(seed)
    if name == "tanh RNN":
        return nn.RNN(2, hidden, dtype=np.float64)
    if name == "IRNN":
        rnn = nn.RNN(2, hidden, nonlinearity="relu", dtype=np.float64)
        nn.init.eye_(rnn.weight_hh_l0)
        nn.init.zeros_(rnn.bias_hh_l0)
        nn.init.zeros_(rnn.bias_ih_l0)
        nn.init.normal_(rnn.weight_ih_l0, 0.0, 0.001)
        return rnn
    if name == "LSTM":
        return nn.LSTM(2, hidden, dtype=np.float64)
    if name == "GRU":
        return nn.GRU(2, hidden, dtype=np.float64)
    if name == "ReLU RNN ×1.1":  # IRNN with recurrent weights 1.1 × identity: each step back multiplies by 1.1
        rnn = build("IRNN", hidden, seed)
        nn.init.eye_(rnn.weight_hh_l0, gain=1.1)
        return rnn
    raise ValueError(name)


MODELS = ["tanh RNN", "IRNN", "LSTM", "GRU", "ReLU RNN ×1.1"]


class AddingReadout(nn.Module):
    """The recurrent layer, then a linear read-out of its last hidden state: ``tr.fit``'s (outputs, state)."""

    def __init__(self, rnn: nn.Module):
        self.rnn, self.head = rnn, nn.Linear(rnn.hidden_size, 1, dtype=np.float64)

    def forward(self, x, state=None):
        out, _ = self.rnn(x)
        return self.head(out[-1]).reshape(-1), None


def adding_batches(length: int, seed: int):
    rng = np.random.default_rng(seed)
    while True:
        x, y = adding_problem(32, length, rng)
        yield tr.tensor(x.astype(np.float64)), tr.tensor(y.astype(np.float64))


def mse(pred, target):
    err = pred - target
    return (err * err).mean()


def train(rnn: nn.Module, steps: int, length: int, clip: float | None, seed: int) -> float:
    """A few Adam steps on the adding problem (read-out: the last hidden state); the last loss, inf if it diverged."""
    model = AddingReadout(rnn)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    try:
        history = tr.fit(model, opt, adding_batches(length, seed), mse, steps, clip=clip, progress=False)
    except tr.TrainingDiverged:
        return float("inf")
    return history["loss"][-1] if history.steps else float("nan")


def flow(rnn: nn.Module, length: int, seed: int) -> np.ndarray:
    x, _ = adding_problem(16, length, np.random.default_rng(seed + 1))
    return gradient_flow(rnn, tr.tensor(x.astype(np.float64)))["dh"]


def table(rows: dict, length: int) -> str:
    marks = [1, length // 10, length // 4, length // 2, 3 * length // 4, length]
    head = f"{'model':34}" + "".join(f"{'t=' + str(t):>10}" for t in marks) + f"{'first/last':>12}"
    lines = [head]
    for name, dh in rows.items():
        ratio = dh[0] / dh[-1] if dh[-1] > 0 else float("nan")
        lines.append(f"{name:34}" + "".join(f"{dh[t - 1]:10.2e}" for t in marks) + f"{ratio:12.2e}")
    return "\n".join(lines)


STYLES = {"init": ("tab:gray", ":"), "no clip": ("tab:red", "-"), "clip": ("tab:blue", "--")}


def plot(rows: dict, path) -> None:
    """One panel per model (small multiples, shared axes): at init, trained without and with clipping.

    A step whose gradient is exactly 0 (every unit dead, e.g. ReLU units that stopped firing) has no point
    on a log axis: it is marked with an × at the bottom of the panel instead of drawn at an arbitrary floor.
    A run that diverged (no finite gradient) is named in its panel.
    """
    plt = skeleton.pyplot()
    models = list(dict.fromkeys(label.split(",")[0] for label in rows))
    fig, axes = plt.subplots(1, len(models), figsize=(3.2 * len(models), 3.4), sharex=True, sharey=True)
    finite = np.concatenate([dh[np.isfinite(dh) & (dh > 0)] for dh in rows.values()])
    floor = finite.min() / 10 if finite.size else 1e-30
    for ax, model in zip(np.atleast_1d(axes), models):
        for label, dh in rows.items():
            if label.split(",")[0] != model:
                continue
            kind = label.split(", ")[1]
            color, style = STYLES["init" if kind == "init" else ("no clip" if "no clip" in kind else "clip")]
            steps = np.arange(1, len(dh) + 1)
            if not np.isfinite(dh).any():
                ax.text(0.05, 0.05, f"{kind}: diverged", transform=ax.transAxes, color=color, fontsize=7)
                continue
            ax.semilogy(steps, np.where(dh > 0, dh, np.nan), color=color, ls=style, lw=1.3, label=kind)
            dead = steps[dh == 0]
            if dead.size:
                ax.plot(dead, np.full(dead.size, floor), "x", color=color, ms=3, label=f"{kind}: gradient 0")
        ax.set_title(model, fontsize=9)
        ax.set_xlabel("step t (loss at the last step)", fontsize=8)
        ax.legend(fontsize=6, loc="lower right")
    np.atleast_1d(axes)[0].set_ylabel("‖∂L/∂h_t‖")
    fig.suptitle("gradient reaching each step: vanishing (tanh), kept (IRNN, gates), exploding (×1.1)", fontsize=9)
    skeleton.save_figure(fig, path)


def main(argv=None) -> int:
    p = skeleton.parser(__doc__, clip=1.0, common=("seed", "plot", "clip"))
    p.add_argument("--length", type=skeleton.positive_int, default=100)
    p.add_argument("--hidden", type=skeleton.positive_int, default=32)
    p.add_argument("--train-steps", type=skeleton.nonnegative_int, default=100)
    args = skeleton.parse(p, argv)
    if args.length < 2:
        p.error(f"--length {args.length}: the adding problem needs at least 2 steps")
    rows = {}
    for name in MODELS:
        rows[f"{name}, init"] = flow(build(name, args.hidden, args.seed), args.length, args.seed)
        for clip in dict.fromkeys((None, args.clip)):  # --clip none: the unclipped run only
            rnn = build(name, args.hidden, args.seed)
            loss = train(rnn, args.train_steps, args.length, clip, args.seed)
            label = f"{name}, trained {'clip ' + str(clip) if clip else 'no clip'}"
            rows[label] = flow(rnn, args.length, args.seed) if np.isfinite(loss) else np.full(args.length, np.inf)
    print(f"‖∂L/∂h_t‖ for a loss at step {args.length} (hidden {args.hidden}; "
          f"trained = {args.train_steps} Adam steps on the adding problem)")
    print(table(rows, args.length))
    if args.plot:
        plot(rows, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
