"""Train a recurrent network on the copy-memory task (Arjovsky et al. 2016) and report whether it solved it.

The network reads 10 symbols, waits ``--lag`` steps, sees a delimiter, and
must then write the 10 symbols back.  A memoryless guess costs
10·ln 8 / (lag + 20) nats per step (the baseline); solving means at least
99 % of the copied symbols right on 1,000 fresh sequences.

    python examples/train_copy_task.py                     # GRU, lag 20, stops when solved
    python examples/train_copy_task.py --model lstm --lag 10 --steps 3000 --metrics out.json --plot out.png

The learning rate drops once (x0.3) when the batch accuracy, smoothed over ~10
batches, reaches 97 %: Adam at a constant rate gets there quickly and then
jitters for hundreds of steps before it is right on 99 % of fresh sequences.
The drop is a scheduler (``DropOnce``) that ``tr.fit`` steps after each update.

``--resume`` continues a run with the checkpoint's settings: options left out
take its values (and the header says so); options given with other values
are an error that lists them all.  The options, the model and the training
loop stand on ``examples/skeleton.py``.

Exit status is 0 whether or not it solved the task; non-zero only on error.
"""
from __future__ import annotations

import sys
import time

import numpy as np
import skeleton

import tinygrad_rnn as tr
from tinygrad_rnn import optim
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.tasks import VOCAB, CopyTask, copy_accuracy, copy_task

SOLVED = 0.99
# What a resumed run cannot change: the model, the data, the optimizer and the training rule.
FIXED = ["model", "lag", "hidden", "layers", "embedding", "batch", "lr", "lr_drop", "lr_drop_at", "clip",
         "memory_bias", "seed"]


def make_parser():
    p = skeleton.parser(__doc__, steps=4000, clip=1.0, checkpoint_every=500)
    p.add_argument("--model", choices=["rnn", "lstm", "gru"], default="gru", help="recurrent layer")
    p.add_argument("--lag", type=skeleton.positive_int, default=20,
                   help="blank steps between the symbols and the delimiter (T)")
    p.add_argument("--hidden", type=skeleton.positive_int, default=128, help="hidden units per layer")
    p.add_argument("--layers", type=skeleton.positive_int, default=1, help="stacked recurrent layers")
    p.add_argument("--embedding", type=skeleton.positive_int, default=16, help="embedding size of the 10 tokens")
    p.add_argument("--batch", type=skeleton.positive_int, default=128, help="sequences per training step")
    p.add_argument("--lr", type=skeleton.positive_float, default=0.015, help="Adam learning rate")
    p.add_argument("--lr-drop", type=skeleton.factor, default=0.3,
                   help="multiply the learning rate by this, once, when the smoothed batch accuracy reaches "
                        "--lr-drop-at (1: never)")
    p.add_argument("--lr-drop-at", type=skeleton.probability, default=0.97,
                   help="smoothed batch accuracy that triggers --lr-drop")
    p.add_argument("--memory-bias", type=float, default=1.0,
                   help="added to the GRU update-gate / LSTM forget-gate bias at init: start out remembering")
    p.add_argument("--check-every", type=skeleton.positive_int, default=50,
                   help="steps between solved-checks on fresh data")
    return p


def parse_args(argv=None):
    return skeleton.parse(make_parser(), argv, fixed=FIXED)


def model_config(args) -> dict:
    return {"kind": args.model, "output_size": VOCAB, "hidden_size": args.hidden, "vocab_size": VOCAB,
            "embedding_dim": args.embedding, "num_layers": args.layers, "impl": args.impl}


def build_model(args) -> tr.SequenceModel:
    """Embedding → RNN/LSTM/GRU → linear read-out of the 10 tokens at every step."""
    model = tr.SequenceModel.from_config(model_config(args))
    # A gate that starts open keeps the state from step to step (h' = z h + ... in a GRU, c' = f c + ... in
    # an LSTM), so gradients reach the symbols from the start: the forget-gate bias of Jozefowicz et al. 2015.
    H = args.hidden
    if args.memory_bias and args.model in ("gru", "lstm"):
        for layer in range(args.layers):
            getattr(model.rnn, f"bias_ih_l{layer}").array[H: 2 * H] += args.memory_bias
    return model.to(args.device)


class DropOnce:
    """Multiply the learning rate by ``factor``, once, when the batch accuracy smoothed over ~10 batches reaches ``at``.

    Adam at a constant rate gets to ~97 % of the copied symbols quickly, then jitters around 98-99 % for hundreds
    of steps; a smaller step then settles it.  ``step(accuracy)`` after each update, as torch's schedulers.
    """

    def __init__(self, optimizer, factor: float, at: float):
        self.optimizer, self.factor, self.at = optimizer, factor, at
        self.smoothed, self.dropped = 0.0, False

    def step(self, accuracy: float) -> None:
        self.smoothed = 0.9 * self.smoothed + 0.1 * accuracy
        if not self.dropped and self.smoothed >= self.at:
            for group in self.optimizer.param_groups:
                group["lr"] *= self.factor
            self.dropped = True

    def state_dict(self) -> dict:
        return {"smoothed": self.smoothed, "dropped": self.dropped}

    def load_state_dict(self, state: dict) -> None:
        self.smoothed, self.dropped = state["smoothed"], state["dropped"]


def loss_fn(logits, targets):
    return F.cross_entropy(logits.reshape(-1, VOCAB), tr.tensor(targets, device=logits.device).reshape(-1))


def evaluate(model, lag: int, n: int, seed: int) -> tuple[float, float]:
    """(accuracy on the copied symbols, mean cross-entropy) over n fresh sequences."""
    x, y = copy_task(n, lag, np.random.default_rng(seed))
    model.eval()
    with tr.no_grad():
        logits, _ = model(x)
        loss = loss_fn(logits, y).item()
    model.train()
    return copy_accuracy(logits.numpy(), y), loss


def plot(trace: dict, baseline: float, path) -> None:
    plt = skeleton.pyplot()
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    ax1.plot(trace["step"], trace["loss"], lw=0.8, label="training loss")
    ax1.axhline(baseline, color="k", ls="--", lw=1, label=f"memoryless baseline {baseline:.3f}")
    ax1.set_yscale("log")
    ax1.set_ylabel("cross-entropy (nats/step)")
    ax1.legend()
    ax2.plot(trace["step"], trace["accuracy"], lw=0.8, label="accuracy on copied symbols (batch)")
    ax2.axhline(SOLVED, color="g", ls="--", lw=1, label="solved (99 %)")
    ax2.set_xlabel("step")
    ax2.set_ylim(0, 1.02)
    ax2.legend()
    skeleton.save_figure(fig, path)


def main(argv=None) -> int:
    args = parse_args(argv)
    tr.manual_seed(args.seed)
    task = CopyTask(args.lag, args.batch, seed=args.seed)
    model = build_model(args)
    opt = optim.Adam(model.parameters(), lr=args.lr)
    drop = DropOnce(opt, args.lr_drop, args.lr_drop_at)
    start = skeleton.restore_training(args, model, opt, task, drop)
    if args.resumed is not None:
        print(args.resumed_note)
    note = f" (x{args.lr_drop} at {args.lr_drop_at:.0%} accuracy)" if args.lr_drop < 1 else ""
    print(f"copy task: lag {args.lag}, sequences of {args.lag + 20} steps, {args.model.upper()} hidden {args.hidden}"
          f" x{args.layers} ({args.impl}), batch {args.batch}, Adam lr {args.lr}{note}, clip {args.clip or 'none'}, "
          f"seed {args.seed}, device {args.device}")
    print(f"memoryless baseline loss: {task.baseline:.4f} nats/step; solved = {SOLVED:.0%} of copied symbols right "
          f"on 1,000 fresh sequences")

    trace = {"step": [], "loss": [], "accuracy": []}
    result = {"solved": False}
    t0 = time.perf_counter()

    def on_step(record):
        trace["step"].append(record["step"])
        trace["loss"].append(record["loss"])
        trace["accuracy"].append(record["accuracy"])
        record["lr"] = opt.param_groups[0]["lr"]  # shown in the progress line
        if record["step"] % args.check_every == 0 and record["accuracy"] >= SOLVED:
            acc, loss = evaluate(model, args.lag, 1000, seed=10_000 + record["step"])
            if acc >= SOLVED:
                result.update(solved=True, accuracy=acc, loss=loss)
                return False  # stop: solved
        return None

    skeleton.train(args, model, opt, task, loss_fn, start=start, fixed=FIXED, task=task, scheduler=drop,
                   scheduler_metric="accuracy", on_step=on_step,
                   batch_metrics=lambda logits, targets: {"accuracy": copy_accuracy(logits.numpy(), targets)})
    steps = trace["step"][-1] if trace["step"] else start
    if result["solved"]:  # the check that stopped training is the final measurement
        accuracy, loss = result["accuracy"], result["loss"]
    else:
        accuracy, loss = evaluate(model, args.lag, 1000, seed=10_000 + steps)
    seconds = time.perf_counter() - t0
    solved = accuracy >= SOLVED
    skeleton.write_metrics(args, {
        "solved": solved, "accuracy": accuracy, "loss": loss, "baseline": task.baseline, "steps": steps,
        "seconds": round(seconds, 2), "lag": args.lag, "model": args.model, "hidden": args.hidden,
        "layers": args.layers, "batch": args.batch, "lr": args.lr, "final_lr": opt.param_groups[0]["lr"],
        "clip": args.clip, "seed": args.seed, "impl": args.impl, "resumed_from_step": start})
    if args.plot and trace["step"]:
        plot(trace, task.baseline, args.plot)
    verdict = "SOLVED" if solved else "NOT solved"
    print(f"{verdict}: copy task lag {args.lag}: accuracy {accuracy:.1%} on 1,000 fresh sequences, loss {loss:.4f} "
          f"vs baseline {task.baseline:.4f} ({loss / task.baseline:.1%} of it), {steps} steps, {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
