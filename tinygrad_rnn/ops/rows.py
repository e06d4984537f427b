"""Moving whole rows: out[to] = x[source], each row to one place, so the gradient is the inverse move.

Packing and unpacking variable-length batches (``nn.utils.rnn``) and reversing
each sequence within its own length (``nn/packing.py``) only move rows.  A
general indexing op would scatter-add its gradient (NumPy's ``add.at``, ~30×
slower); a move that sends each row to one place is undone by a plain gather.
"""
from __future__ import annotations

from ..backend import array_module
from ..tensor import Function, Tensor


class MoveRows(Function):
    """out[to] = x[source], all other rows of out (n_rows, ·) zero; ``to`` and ``source`` without repeats.
    ``to=None``: every row of out, in order (out = x[source], a gather; n_rows = len(source)).

    dL/dx[source] = dL/dout[to], and 0 for rows of x that were not moved.
    """

    saves_inputs = False  # backward reads no input array

    def forward(self, x, source, to, n_rows: int):
        xp = array_module(x)
        if to is None:
            out = x[source]
        else:
            out = xp.zeros((n_rows,) + x.shape[1:], dtype=x.dtype)
            out[to] = x[source]
        self.saved = (source, to, x.shape[0])
        return out

    def backward(self, g):
        source, to, x_rows = self.saved
        dx = array_module(g).zeros((x_rows,) + g.shape[1:], dtype=g.dtype)
        dx[source] = g if to is None else g[to]
        return (dx,)


def move_rows(x: Tensor, source, to=None, n_rows: int | None = None) -> Tensor:
    """out[to] = x[source] as a Tensor (see MoveRows); ``to=None``: out = x[source]."""
    xp = array_module(x.array)
    source = xp.asarray(source)
    return MoveRows.apply(x, source=source, to=None if to is None else xp.asarray(to),
                          n_rows=len(source) if n_rows is None else n_rows)
