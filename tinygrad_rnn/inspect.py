"""Gradient flow through time: how much of a loss's gradient reaches each step.

For a recurrent layer and a batch, run the unrolled path (each hidden state a
Tensor), put a loss on the **last** step's output, and measure

    ‖∂L/∂h_t‖   for every step t   (the BPTT signal arriving at step t)
    ‖∂L/∂x_t‖   for every step t   (what step t's input learns from the last step)

BPTT multiplies the gradient by one Jacobian ∂h_t/∂h_{t-1} per step back.
For a tanh RNN that Jacobian is diag(1 - h_t²) W_hh, whose norm is below 1
when W_hh is small: the product shrinks geometrically and early steps learn
nothing (vanishing gradients).  With recurrent weights of norm above 1 and a
non-saturating nonlinearity (relu), the product grows geometrically
(exploding gradients), which clipping tames.  LSTM and GRU add a path
(c_t = f c_{t-1} + …, h_t = z h_{t-1} + …) whose Jacobian is a gate close to 1.
"""
from __future__ import annotations

import numpy as np

from .backend import to_numpy
from .nn.rnn import RNNBase
from .tensor import Tensor


def gradient_flow(layer: RNNBase, x: Tensor, hx=None, seed: int = 0) -> dict:
    """{'dh': ‖∂L/∂h_t‖ for t = 1..T (top layer, forward direction), 'dx': ‖∂L/∂x_t‖}, NumPy arrays of length T.

    L = Σ u ⊙ output_T with a fixed random u (unit norm per sample), so every
    number is a property of the network, not of a task.  The layer's mode
    (fused or unrolled) and its parameters' gradients are left as found.
    """
    impl, saved = layer.impl, [p.grad for p in layer.parameters()]
    x = Tensor(x.array, requires_grad=True)
    try:
        layer.impl = "unrolled"
        out, _ = layer(x, hx)
        states = layer.step_states[(layer.num_layers - 1, 0)]
        for h in states:
            h.retain_grad()
        last = out[:, -1] if layer.batch_first and out.ndim == 3 else out[-1]
        u = np.random.default_rng(seed).standard_normal(last.shape)
        u /= np.linalg.norm(u, axis=-1, keepdims=True)
        (last * Tensor(u.astype(last.dtype), device=last.device)).sum().backward()
        dh = np.array([np.linalg.norm(to_numpy(h.grad.array)) if h.grad is not None else 0.0 for h in states])
        g = to_numpy(x.grad.array)
        g = g.transpose(1, 0, 2) if layer.batch_first and g.ndim == 3 else g
        dx = np.sqrt((g.reshape(len(g), -1) ** 2).sum(axis=1))
        return {"dh": dh, "dx": dx}
    finally:
        layer.impl = impl
        layer.step_states = {}
        for p, g in zip(layer.parameters(), saved):
            p.grad = g
