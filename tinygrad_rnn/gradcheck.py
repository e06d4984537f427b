"""gradcheck: compare an op's analytic gradient with central finite differences.

For a function f of tensors, draw a random upstream gradient u (not all ones:
that would hide a transposed or mis-summed gradient) and compare, for every
element x_j of every input that requires grad,

    analytic:  d(Σ u·f)/dx_j   from backward(u)
    numeric:   (Σ u·f(x_j + eps) - Σ u·f(x_j - eps)) / (2 eps)

in float64.  A pair passes when |analytic - numeric| <= atol + rtol·|numeric|.
Use it on your own ops: ``tr.gradcheck(lambda x: my_op(x), [x])``.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .backend import to_numpy
from .tensor import Tensor, no_grad


class GradcheckError(AssertionError):
    """An analytic gradient that disagrees with finite differences."""


def _outputs(out) -> list[Tensor]:
    """The Tensors of a Tensor or a nested tuple/list of them, flattened in order."""
    if isinstance(out, (tuple, list)):
        return [t for item in out for t in _outputs(item)]
    return [out] if isinstance(out, Tensor) else []


def gradcheck(fn: Callable, inputs: Sequence[Tensor], eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, seed: int = 0) -> bool:
    """True when ``fn``'s gradients match central differences; otherwise raise ``GradcheckError``.

    ``fn(*inputs)`` returns a Tensor or a (nested) tuple of Tensors; every input
    that requires grad must be float64.  The error names the input, the index
    and both values of the worst element.  Inputs' ``.grad`` are left as found.
    """
    inputs = list(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} is {inputs[i].dtype}; finite differences need float64")
        if not inputs[i].array.flags.c_contiguous:  # perturbing goes through a flat view
            inputs[i].array = inputs[i].array.copy()
    rng = np.random.default_rng(seed)
    saved_grads = [inputs[i].grad for i in checked]
    for i in checked:
        inputs[i].grad = None

    outs = _outputs(fn(*inputs))
    upstream = [rng.standard_normal(o.shape) for o in outs]

    def objective() -> float:
        with no_grad():
            return sum(float((to_numpy(o.array) * u).sum()) for o, u in zip(_outputs(fn(*inputs)), upstream))

    total = None
    for o, u in zip(outs, upstream):
        if o.requires_grad:
            term = (o * Tensor(u, device=o.device, dtype=o.dtype)).sum()
            total = term if total is None else total + term
    if total is not None:
        total.backward()
    try:
        worst = None  # (excess, input, index, analytic, numeric)
        for i in checked:
            x = inputs[i]
            analytic = np.zeros(x.shape) if x.grad is None else to_numpy(x.grad.array)
            flat = x.array.reshape(-1)  # a view: perturbing it perturbs x
            for j in range(flat.size):
                orig = flat[j].item()
                flat[j] = orig + eps
                plus = objective()
                flat[j] = orig - eps
                minus = objective()
                flat[j] = orig
                numeric = (plus - minus) / (2 * eps)
                a = float(analytic.reshape(-1)[j])
                excess = abs(a - numeric) - (atol + rtol * abs(numeric))
                if excess > 0 and (worst is None or excess > worst[0]):
                    worst = (excess, i, np.unravel_index(j, x.shape), a, numeric)
    finally:
        for i, g in zip(checked, saved_grads):
            inputs[i].grad = g
    if worst is not None:
        _, i, index, a, numeric = worst
        raise GradcheckError(f"gradcheck: input {i} (shape {inputs[i].shape}) at index {tuple(map(int, index))}: "
                             f"analytic {a:.10g} vs numeric {numeric:.10g} (atol={atol}, rtol={rtol})")
    return True
