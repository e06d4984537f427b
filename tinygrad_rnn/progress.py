"""A progress display for training: tqdm when it is installed and the output is a terminal,
otherwise one plain line every so many steps (readable in a log file)."""
from __future__ import annotations

import sys
import time


def _fmt_seconds(s: float) -> str:
    s = int(s)
    return f"{s // 60}:{s % 60:02d}"


class Progress:
    def __init__(self, total: int, initial: int = 0, enabled: bool = True, every: int | None = None, file=None):
        self.total, self.step, self.enabled = total, initial, enabled
        self.file = file or sys.stderr
        self.every = every or max(1, (total - initial) // 20)
        self.start, self.first = time.perf_counter(), initial
        self.bar = None
        if enabled and self.file.isatty():
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, initial=initial, file=self.file, dynamic_ncols=True)
            except ImportError:
                pass

    def update(self, step: int, **metrics) -> None:
        done = step - self.step
        self.step = step
        if not self.enabled:
            return
        shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics.items())
        if self.bar is not None:
            self.bar.update(done)
            self.bar.set_postfix_str(shown, refresh=False)
        elif step % self.every == 0 or step == self.total:
            elapsed = time.perf_counter() - self.start
            rate = (step - self.first) / elapsed if elapsed > 0 else 0.0
            eta = (self.total - step) / rate if rate > 0 else 0.0
            print(f"step {step}/{self.total}  {shown}  {rate:.1f} it/s  elapsed {_fmt_seconds(elapsed)}  "
                  f"eta {_fmt_seconds(eta)}", file=self.file, flush=True)

    def write(self, line: str) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.write(line, file=self.file)
        else:
            print(line, file=self.file, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
