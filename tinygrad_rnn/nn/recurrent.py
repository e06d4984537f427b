"""``Recurrent``: any cell, run over a sequence; autograd does BPTT through the unrolled steps.

A cell is any Module whose ``forward(x_t, state) -> state`` takes one step: the
state is a Tensor h_t, or a tuple whose first element is h_t (an LSTM's
(h, c)).  For the zero initial state the cell has an ``initial_state(batch)``
method, or a ``hidden_size`` (the state is then zeros (batch, hidden_size)).
``Recurrent`` adds what every recurrent layer needs around the step: the loop
over time, the stacked outputs h_1..h_T, a reversed direction, ``batch_first``.
The built-in layers' unrolled path is the same loop (``unroll``).

    layer = nn.Recurrent(nn.GRUCell(3, 8))          # equals nn.GRU(3, 8, impl="unrolled")
    out, h_n = layer(x)                             # out (T, B, 8), h_n (B, 8)
"""
from __future__ import annotations

from typing import Callable

from ..ops import concatenate, stack
from ..tensor import Tensor
from .module import Module
from .packing import repack, reverse_within_lengths, unpack_sorted
from .spec import check_flag, zero_state
from .utils.rnn import PackedSequence


def unroll(step: Callable, x: Tensor, state, rows: list | None = None) -> tuple[list, object]:
    """Apply ``step(x_t, state) -> state`` for t = 0..T-1 of x (T, B, ...): ([h_1..h_T], final state).

    h_t is the state itself when it is a Tensor, else its first element.  With
    ``rows`` (a packed batch, see packing.py) step t runs on the first b_t rows
    only; the others keep their state, so the final state is each one's own last.
    """
    hs = []
    for t in range(x.shape[0]):
        b = x.shape[1] if rows is None else rows[t]
        if b == x.shape[1]:
            state = step(x[t], state)
        else:
            stepped = step(x[t][:b], _first_rows(state, b))
            state = _join(stepped, state, b)
        hs.append(state if isinstance(state, Tensor) else state[0])
    return hs, state


def _first_rows(state, b: int):
    return state[:b] if isinstance(state, Tensor) else type(state)(s[:b] for s in state)


def _select_rows(state, index):
    return state[index] if isinstance(state, Tensor) else type(state)(s[index] for s in state)


def _join(stepped, state, b: int):
    """The first b rows from ``stepped``, the rest from ``state`` (Tensors, or tuples of them)."""
    if isinstance(state, Tensor):
        return concatenate([stepped, state[b:]])
    return type(state)(concatenate([new, old[b:]]) for new, old in zip(stepped, state))


class Recurrent(Module):
    """Run ``cell`` over a sequence: ``out, state = layer(x, state=None)``.

    x is (seq, batch, features), or (batch, seq, features) with ``batch_first``;
    out stacks h_t as (seq, batch, hidden) (batch first likewise); state is the
    cell's state after the last step read.  With ``reverse`` the sequence is
    read from its end, and out is put back in forward order (as the reverse
    direction of a bidirectional torch layer).
    """

    def __init__(self, cell: Module, batch_first: bool = False, reverse: bool = False):
        if not isinstance(cell, Module) or not callable(getattr(cell, "forward", None)):
            raise TypeError(f"Recurrent: expected a cell Module with forward(x_t, state), got {type(cell).__name__}")
        if not hasattr(cell, "initial_state") and not hasattr(cell, "hidden_size"):
            raise TypeError(f"Recurrent: the cell {type(cell).__name__} needs initial_state(batch) or hidden_size "
                            "for the zero initial state")
        check_flag("Recurrent", "batch_first", batch_first)
        check_flag("Recurrent", "reverse", reverse)
        self.cell, self.batch_first, self.reverse = cell, batch_first, reverse

    def initial_state(self, x: Tensor):
        """The cell's zero state for a batch of x (T, B, ...)."""
        if hasattr(self.cell, "initial_state"):
            return self.cell.initial_state(x.shape[1])
        return zero_state(x, (x.shape[1], self.cell.hidden_size))

    def forward(self, x, state=None):
        """(out, state); x may be a PackedSequence (out is then one too, state each sequence's own last)."""
        if isinstance(x, PackedSequence):
            return self._forward_packed(x, state)
        if not isinstance(x, Tensor) or x.ndim < 3:
            layout = "(batch, seq, features)" if self.batch_first else "(seq, batch, features)"
            got = x.shape if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"Recurrent: expected input of shape {layout}, got {got}")
        x = x.transpose(0, 1) if self.batch_first else x
        if state is None:
            state = self.initial_state(x)
        hs, state = unroll(self.cell, x[::-1] if self.reverse else x, state)
        out = stack(hs[::-1] if self.reverse else hs)
        return (out.transpose(0, 1) if self.batch_first else out), state

    def _forward_packed(self, packed: PackedSequence, state):
        x, rows = unpack_sorted(packed)
        if state is None:
            state = self.initial_state(x)
        elif packed.sorted_indices is not None:  # the caller's order → the packed (sorted) order
            state = _select_rows(state, packed.sorted_indices.numpy())
        hs, state = unroll(self.cell, reverse_within_lengths(x, rows) if self.reverse else x, state, rows)
        out = stack(hs)
        out = reverse_within_lengths(out, rows) if self.reverse else out
        if packed.unsorted_indices is not None:
            state = _select_rows(state, packed.unsorted_indices.numpy())
        return repack(out, packed), state

    def extra_repr(self) -> str:
        return ", ".join(f"{k}=True" for k in ("batch_first", "reverse") if getattr(self, k))

