"""gradcheck: compare an op's analytic gradient with central finite differences.

For a function f of tensors, draw a random upstream gradient u (not all ones:
that would hide a transposed or mis-summed gradient) and let
L(x) = Σ u·f(x), in float64.  backward(u) gives the analytic ∇L.  Then:

  - small inputs (at most ``max_elements`` elements in all), every element j:
        analytic  ∂L/∂x_j          vs  numeric (L(x + eps e_j) - L(x - eps e_j)) / (2 eps)
  - larger inputs, a few random unit directions v (Chainer's check_backward):
        analytic  <∇L, v>          vs  numeric (L(x + eps v) - L(x - eps v)) / (2 eps)
    Two evaluations per direction instead of two per element: a wrong
    gradient fails along almost every direction.

A pair passes when |analytic - numeric| <= atol + rtol·|numeric|.
Use it on your own ops: ``tr.gradcheck(lambda x: my_op(x), [x])``.
The inputs are left exactly as found (values and ``.grad``), even when
``fn`` raises.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .backend import to_device, to_numpy
from .tensor import Tensor, no_grad


class GradcheckError(AssertionError):
    """An analytic gradient that disagrees with finite differences."""


def _outputs(out, where: str = "fn's result") -> list[Tensor]:
    """The Tensors of a Tensor or a nested tuple/list of them, flattened in order; anything else refused."""
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for i, item in enumerate(out) for t in _outputs(item, f"{where}[{i}]")]
    raise TypeError(f"gradcheck: fn must return a Tensor or a tuple of Tensors, but {where} is a "
                    f"{type(out).__name__} (did fn leave the graph, e.g. through .numpy()?)")


def gradcheck(fn: Callable, inputs: Sequence[Tensor], eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, seed: int = 0, *, mode: str = "auto", directions: int = 3,
              max_elements: int = 100) -> bool:
    """True when ``fn``'s gradients match central differences; otherwise raise ``GradcheckError``.

    ``fn(*inputs)`` returns a Tensor or a (nested) tuple of Tensors; every input
    that requires grad must be float64.  ``mode``: ``"elementwise"`` (every
    element), ``"directional"`` (``directions`` random directions), or
    ``"auto"``: elementwise up to ``max_elements`` elements in all, else
    directional.  The error names the input and index (or the direction) and
    both values.
    """
    if mode not in ("auto", "elementwise", "directional"):
        raise ValueError(f"gradcheck: mode must be 'auto', 'elementwise' or 'directional', got {mode!r}")
    inputs = list(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} is {inputs[i].dtype}; finite differences need float64")
    if mode == "auto":
        mode = "elementwise" if sum(inputs[i].numel() for i in checked) <= max_elements else "directional"
    rng = np.random.default_rng(seed)
    originals = {i: inputs[i].array for i in checked}  # never written: restoring is putting these back
    saved_grads = [inputs[i].grad for i in checked]
    try:
        for i in checked:
            inputs[i].grad = None
        analytic, objective = _analytic(fn, inputs, checked, rng)
        if mode == "elementwise":
            worst = _elementwise(inputs, checked, originals, analytic, objective, eps, atol, rtol)
        else:
            worst = _directional(inputs, checked, originals, analytic, objective, eps, atol, rtol, rng, directions)
    finally:
        for i, g in zip(checked, saved_grads):
            inputs[i].array, inputs[i].grad = originals[i], g
    if worst is not None:
        raise GradcheckError(f"gradcheck: {worst[1]}: analytic {worst[2]:.10g} vs numeric {worst[3]:.10g} "
                             f"(atol={atol}, rtol={rtol})")
    return True


def _analytic(fn, inputs, checked, rng):
    """∇L from backward(u) for a random upstream u, and L itself as a function of the current inputs."""
    outs = _outputs(fn(*inputs))
    upstream = [rng.standard_normal(o.shape) for o in outs]

    def objective() -> float:
        with no_grad():
            now = _outputs(fn(*inputs))
        return sum(float((to_numpy(o.array) * u).sum()) for o, u in zip(now, upstream))

    total = None
    for o, u in zip(outs, upstream):
        if o.requires_grad:
            term = (o * Tensor(u, device=o.device, dtype=o.dtype)).sum()
            total = term if total is None else total + term
    if total is not None:
        total.backward()
    grads = {i: np.zeros(inputs[i].shape) if inputs[i].grad is None else to_numpy(inputs[i].grad.array)
             for i in checked}
    return grads, objective


def _excess(a: float, numeric: float, atol: float, rtol: float) -> float:
    return abs(a - numeric) - (atol + rtol * abs(numeric))


def _elementwise(inputs, checked, originals, analytic, objective, eps, atol, rtol):
    """Perturb every element of a working copy of each input in turn; the worst failure, or None."""
    worst = None  # (excess, where, analytic, numeric)
    for i in checked:
        x = inputs[i]
        work = originals[i].copy()  # contiguous, so the flat view below writes into it
        x.array = work
        flat = work.reshape(-1)
        for j in range(flat.size):
            orig = flat[j].item()
            flat[j] = orig + eps
            plus = objective()
            flat[j] = orig - eps
            minus = objective()
            flat[j] = orig
            numeric = (plus - minus) / (2 * eps)
            a = float(analytic[i].reshape(-1)[j])
            excess = _excess(a, numeric, atol, rtol)
            if excess > 0 and (worst is None or excess > worst[0]):
                index = tuple(int(k) for k in np.unravel_index(j, x.shape))
                worst = (excess, f"input {i} (shape {x.shape}) at index {index}", a, numeric)
        x.array = originals[i]
    return worst


def _directional(inputs, checked, originals, analytic, objective, eps, atol, rtol, rng, directions):
    """<∇L, v> against the central difference along ``directions`` random unit directions v."""
    worst = None
    for k in range(directions):
        v = {i: rng.standard_normal(inputs[i].shape) for i in checked}
        scale = np.sqrt(sum(float((d * d).sum()) for d in v.values())) or 1.0
        v = {i: d / scale for i, d in v.items()}
        a = sum(float((analytic[i] * v[i]).sum()) for i in checked)
        values = []
        for sign in (1, -1):
            for i in checked:
                step = to_device(sign * eps * v[i], inputs[i].device)
                inputs[i].array = originals[i] + step
            values.append(objective())
        numeric = (values[0] - values[1]) / (2 * eps)
        excess = _excess(a, numeric, atol, rtol)
        if excess > 0 and (worst is None or excess > worst[0]):
            shapes = ", ".join(f"input {i} {inputs[i].shape}" for i in checked)
            worst = (excess, f"directional derivative along random direction {k} (over {shapes})", a, numeric)
    return worst
