"""The skeleton every example stands on: common options checked up front, resume, tr.fit, checkpoints, outputs.

An example declares its own options on ``parser(...)``, which already has the
common ones (``--device --impl --seed --steps --checkpoint --checkpoint-every
--resume --metrics --plot --quiet --clip``), then calls ``parse``.  Before any
training starts, ``parse`` has checked every value (sizes positive,
probabilities in range, ``--clip`` > 0 or ``none``: the one way to say "no
clipping") and that every output file can be written, and with ``--resume``
it has read the checkpoint and reconciled it with the command line:

* options the run cannot change (``fixed``: the model, its sizes, the data,
  the optimizer) take the checkpoint's values when they are not given, and
  ``parse`` says which ones it took;
* given with another value, they are an error that lists every conflict.

So what the example prints and writes to ``--metrics`` is what ran.

    p = skeleton.parser(__doc__, steps=4000)
    p.add_argument("--lag", type=skeleton.positive_int, default=20)
    args = skeleton.parse(p, argv, fixed=["lag", ...])
    start = skeleton.restore_training(args, model, optimizer, task, scheduler)
    skeleton.train(args, model, optimizer, batches, loss_fn, start=start, task=task, ...)
"""
from __future__ import annotations

import argparse
import io
import json
import math
import sys
import tempfile
from pathlib import Path

import tinygrad_rnn as tr
from tinygrad_rnn.atomic_file import atomic_write
from tinygrad_rnn.checkpoint import read_checkpoint, restore, save_checkpoint
from tinygrad_rnn.serialization import LoadError

COMMON = ("device", "impl", "seed", "steps", "checkpoint", "checkpoint_every", "resume", "metrics", "plot", "quiet",
          "clip")


# ------------------------------------------------------------------ value checks (argparse ``type=``s)
def _number(kind, text: str, ok, expected: str):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if not ok(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text}")
    return value


def positive_int(text: str) -> int:
    return _number(int, text, lambda v: v >= 1, "an integer >= 1")


def nonnegative_int(text: str) -> int:
    return _number(int, text, lambda v: v >= 0, "an integer >= 0")


def positive_float(text: str) -> float:
    return _number(float, text, lambda v: 0 < v < math.inf, "a finite number > 0")


def probability(text: str) -> float:
    """A fraction in [0, 1]: an accuracy threshold, or a dropout probability."""
    return _number(float, text, lambda v: 0 <= v <= 1, "a number in [0, 1]")


def factor(text: str) -> float:
    """A multiplier in (0, 1]: 1 leaves the value as it is."""
    return _number(float, text, lambda v: 0 < v <= 1, "a number in (0, 1]")


def clip_norm(text: str) -> float | None:
    """A gradient-norm limit > 0, or ``none``: no clipping (the only spelling of it)."""
    if text.lower() == "none":
        return None
    return _number(float, text, lambda v: 0 < v <= math.inf, "a number > 0, or 'none' for no clipping")


# ------------------------------------------------------------------ the command line
def parser(doc: str, *, steps: int = 1000, clip: float | None = 1.0, checkpoint_every: int = 500,
           common: tuple = COMMON) -> argparse.ArgumentParser:
    """An ArgumentParser with ``common`` options (all, unless told), described by the example's docstring."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0], allow_abbrev=False,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    options = {
        "device": (["--device"], dict(choices=["cpu", "cuda"], default="cpu", help="cuda needs CuPy and a GPU")),
        "impl": (["--impl"], dict(choices=["fused", "unrolled"], default="fused",
                                  help="fused: hand-derived BPTT; unrolled: autograd through every step")),
        "seed": (["--seed"], dict(type=nonnegative_int, default=0, help="seeds the weights and the data")),
        "steps": (["--steps"], dict(type=positive_int, default=steps, help="training steps (in all, when resuming)")),
        "checkpoint": (["--checkpoint"], dict(type=Path, help="save a checkpoint here every --checkpoint-every steps")),
        "checkpoint_every": (["--checkpoint-every"], dict(type=positive_int, default=checkpoint_every)),
        "resume": (["--resume"], dict(type=Path, help="continue from this checkpoint, with its settings")),
        "metrics": (["--metrics"], dict(type=Path, help="write the final metrics as JSON here")),
        "plot": (["--plot"], dict(type=Path, help="write a PNG of the training curves here (needs matplotlib)")),
        "quiet": (["--quiet"], dict(action="store_true", help="no progress lines")),
        "clip": (["--clip"], dict(type=clip_norm, default=clip, help="gradient norm clip, or 'none'")),
    }
    for name in common:
        flags, kwargs = options[name]
        p.add_argument(*flags, **kwargs)
    return p


def parse(p: argparse.ArgumentParser, argv=None, fixed=()) -> argparse.Namespace:
    """Parse and check everything up front; with --resume, read the checkpoint into ``args.resumed``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = p.parse_args(argv)
    args.given = given_options(p, argv)
    if getattr(args, "device", "cpu") == "cuda" and not tr.cuda_available():
        p.error("--device cuda: no GPU available (CuPy is not installed or sees no device); use --device cpu")
    outputs = {f"--{name}": getattr(args, name) for name in ("checkpoint", "metrics", "plot")
               if getattr(args, name, None) is not None}
    for option, path in outputs.items():
        problem = unwritable(path)
        if problem:
            p.error(f"{option} {path}: {problem}")
    seen = {}
    for option, path in outputs.items():
        if path.resolve() in seen:
            p.error(f"{seen[path.resolve()]} and {option} are the same file, {path}")
        seen[path.resolve()] = option
    if getattr(args, "plot", None) is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            p.error(f"--plot {args.plot}: needs matplotlib, which is not installed (pip install matplotlib)")
    args.resumed = None
    if getattr(args, "resume", None) is not None:
        _reconcile(p, args, fixed)
    return args


def given_options(p: argparse.ArgumentParser, argv: list[str]) -> set[str]:
    """The dests of the options written on the command line (not left at their defaults)."""
    words = {word.split("=", 1)[0] for word in (argv[: argv.index("--")] if "--" in argv else argv)}
    return {action.dest for action in p._actions if any(flag in words for flag in action.option_strings)}


def unwritable(path: Path) -> str | None:
    """Why a file cannot be written at ``path`` (None if it can); tried with a probe file, removed at once."""
    if path.is_dir():
        return "is a folder; give a file name"
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        return f"{folder} is not a folder"
    if not folder.is_dir():
        return f"the folder {folder} does not exist (create it first)"
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.probe"):
            pass
    except OSError as e:
        return f"cannot write into {folder} ({e.strerror})"
    return None


def _reconcile(p, args, fixed) -> None:
    """Take the checkpoint's settings for ``fixed`` options; an error lists every given one that differs."""
    try:
        ckpt = read_checkpoint(args.resume)
    except (OSError, LoadError) as e:
        p.error(f"--resume {args.resume}: {e}")
    saved = ckpt["extra"].get("args")
    if not isinstance(saved, dict) or any(name not in saved for name in fixed):
        p.error(f"--resume {args.resume}: not a checkpoint of this example (it lacks the settings it was run with)")
    conflicts = [f"--{name.replace('_', '-')} {_show(getattr(args, name))} (checkpoint: {_show(saved[name])})"
                 for name in fixed if name in args.given and getattr(args, name) != saved[name]]
    if conflicts:
        p.error(f"--resume {args.resume}: the checkpoint was trained with other settings; leave these options out "
                f"to continue with its values, or start a new run: {'; '.join(conflicts)}")
    if ckpt["step"] >= getattr(args, "steps", math.inf):
        p.error(f"--steps {args.steps}: the checkpoint {args.resume} is already at step {ckpt['step']}; "
                f"ask for more steps to continue")
    taken = [f"--{name.replace('_', '-')} {_show(saved[name])}" for name in fixed if getattr(args, name) != saved[name]]
    for name in fixed:
        setattr(args, name, saved[name])
    args.resumed = ckpt
    args.resumed_note = (f"resuming {args.resume} at step {ckpt['step']}"
                         + (f"; from the checkpoint: {', '.join(taken)}" if taken else ""))


def _show(value) -> str:
    return "none" if value is None else str(value)


def settings(args, fixed) -> dict:
    """The ``fixed`` options' values, saved in every checkpoint so that a resume can check them."""
    return {name: getattr(args, name) for name in fixed}


# ------------------------------------------------------------------ training and outputs
def restore_training(args, model, optimizer, task=None, scheduler=None) -> int:
    """Put a --resume checkpoint (already read by ``parse``) into everything; the step to go on from (0 if none)."""
    if args.resumed is None:
        return 0
    ckpt = args.resumed
    restore(ckpt, model, optimizer, path=args.resume)
    if task is not None:
        task.load_state_dict(ckpt["task"])
    if scheduler is not None:
        scheduler.load_state_dict(ckpt["extra"]["scheduler"])
    return ckpt["step"]


def train(args, model, optimizer, batches, loss_fn, *, start: int = 0, fixed=(), task=None, scheduler=None,
          extra=None, **fit_options) -> tr.train.History:
    """``tr.fit`` with the common options, checkpointing model, optimizer, task, scheduler and ``extra(state)``."""
    def checkpoint(step, state):
        save_checkpoint(args.checkpoint, model, optimizer, step, task=task.state_dict() if task else None,
                        args=settings(args, fixed),
                        scheduler=scheduler.state_dict() if hasattr(scheduler, "state_dict") else None,
                        **(extra(state) if extra else {}))

    saving = getattr(args, "checkpoint", None) is not None
    fit_options.setdefault("progress", not args.quiet)
    return tr.fit(model, optimizer, batches, loss_fn, args.steps, clip=args.clip, start_step=start,
                  scheduler=scheduler, checkpoint=checkpoint if saving else None,
                  checkpoint_every=args.checkpoint_every if saving else 0, **fit_options)


def write_metrics(args, metrics: dict) -> None:
    """``metrics`` as JSON to --metrics (atomically), when given."""
    if getattr(args, "metrics", None) is not None:
        atomic_write(args.metrics, [json.dumps(metrics, indent=2).encode() + b"\n"])


def save_figure(fig, path: Path) -> None:
    """A matplotlib figure as a PNG at ``path`` (atomically), and closed."""
    import matplotlib.pyplot as plt
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    atomic_write(path, [buffer.getvalue()])


def pyplot():
    """matplotlib's pyplot on the file-only backend (``parse`` has checked that matplotlib is there)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt
