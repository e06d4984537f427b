"""Per-op cost of the engine against the raw NumPy calls it makes, on 64×128 float32.

For each op: forward alone, and forward + backward, ours (Tensor, graph
recorded, gradient into a leaf) and NumPy's (the same arithmetic by hand),
interleaved sample by sample.  Prints overhead in µs and the ratio.

    python benchmarks/bench_ops.py
"""
from __future__ import annotations

import numpy as np
from common import fmt, interleaved, machine_line

import tinygrad_rnn as tr

R = np.random.default_rng(0)
A = R.standard_normal((64, 128)).astype(np.float32)
B = R.standard_normal((64, 128)).astype(np.float32)
W = R.standard_normal((128, 128)).astype(np.float32)
G = R.standard_normal((64, 128)).astype(np.float32)


def numpy_cases():
    """name: (forward, forward+backward) on raw arrays."""
    def tanh_fb():
        y = np.tanh(A)
        return G * (1 - y * y)

    def add_fb():
        y = A + B
        return y, G.copy(), G.copy()

    def matmul_fb():
        y = A @ W
        return y, G @ W.T, A.T @ G

    def mul_fb():
        y = A * B
        return y, G * B, G * A

    def sigmoid_fb():
        y = (np.tanh(A * 0.5) + 1) * 0.5
        return G * y * (1 - y)

    return {"tanh": (lambda: np.tanh(A), tanh_fb), "add": (lambda: A + B, add_fb),
            "mul": (lambda: A * B, mul_fb), "matmul": (lambda: A @ W, matmul_fb),
            "sigmoid": (lambda: (np.tanh(A * 0.5) + 1) * 0.5, sigmoid_fb)}


def our_cases():
    a, b, w = (tr.Tensor(v, requires_grad=True) for v in (A, B, W))
    g = tr.Tensor(G)
    ops = {"tanh": lambda: a.tanh(), "add": lambda: a + b, "mul": lambda: a * b, "matmul": lambda: a @ w,
           "sigmoid": lambda: a.sigmoid()}

    def fb(op):
        def run():
            a.grad = b.grad = w.grad = None
            op().backward(g)
        return run
    return {name: (op, fb(op)) for name, op in ops.items()}


def main() -> None:
    print(machine_line())
    print(f"{'op':8} {'numpy fwd':>26} {'ours fwd':>26} {'overhead':>9}   "
          f"{'numpy f+b':>26} {'ours f+b':>26} {'ratio':>6}")
    theirs, ours = numpy_cases(), our_cases()
    for name in theirs:
        fwd = interleaved({"np": theirs[name][0], "tr": ours[name][0]}, repeats=21, number=200)
        fb = interleaved({"np": theirs[name][1], "tr": ours[name][1]}, repeats=21, number=100)
        over = (fwd["tr"][0] - fwd["np"][0]) * 1e6
        ratio = fb["tr"][0] / fb["np"][0]
        print(f"{name:8} {fmt(fwd['np']):>26} {fmt(fwd['tr']):>26} {over:7.1f}µs   "
              f"{fmt(fb['np']):>26} {fmt(fb['tr']):>26} {ratio:5.2f}×")


if __name__ == "__main__":
    main()
