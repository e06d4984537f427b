"""How the recurrent layers run a PackedSequence: each sequence to its own end, not on padding.

A packed batch (``nn.utils.rnn``) holds its sequences sorted longest first.
The fused layers take its data (N, ·) as it is, with ``rows`` (b_t =
batch_sizes[t], how many sequences run at step t; the fused LSTM and GRU round
b_t up to a multiple of 4 columns, see fused/steps.py); the unrolled path unpacks
it to a padded (T, B, ·) batch in that sorted order and ``unroll`` steps only the
first b_t sequences at step t.  Either way: no work on padding, and a finished
sequence's state stays as it was at its end.  A reverse
direction reads each sequence backwards from its own end (``reverse_packed`` on
packed data, ``reverse_within_lengths`` on padded), not from the padding.

Moving rows between the packed and the padded layout, or reversing them, sends
each row to one place, so the gradient goes back by the inverse move
(``ops/rows.py``: ``MoveRows``), a plain gather, where a general indexing op would
have to scatter-add (NumPy's ``add.at``, ~30× slower: 0.7 ms for 1,600 rows of 64).
``pack_padded_sequence`` and ``pad_packed_sequence`` move rows with it too.
"""
from __future__ import annotations

import numpy as np

from ..ops.rows import move_rows
from ..tensor import Tensor
from .utils.rnn import PackedSequence


def _padded_rows(rows: list) -> np.ndarray:
    """The row t·B + j of the sorted padded (T·B, ·) layout for each row of packed data, in packed order."""
    B = rows[0]
    return np.concatenate([t * B + np.arange(b) for t, b in enumerate(rows)])


def unpack_sorted(packed: PackedSequence) -> tuple[Tensor, list]:
    """(padded (T, B, ·) in the packed, sorted order with zero padding, rows b_t as ints)."""
    rows = [int(b) for b in packed.batch_sizes]
    data = packed.data
    n = data.shape[0]
    padded = move_rows(data, np.arange(n), _padded_rows(rows), len(rows) * rows[0])
    return padded.reshape((len(rows), rows[0]) + data.shape[1:]), rows


def repack(padded: Tensor, like: PackedSequence) -> PackedSequence:
    """Sorted padded (T, B, ·) → a PackedSequence with ``like``'s batch sizes and order."""
    rows = [int(b) for b in like.batch_sizes]
    flat = padded.reshape((padded.shape[0] * padded.shape[1],) + padded.shape[2:])
    data = move_rows(flat, _padded_rows(rows))
    return PackedSequence(data, like.batch_sizes, like.sorted_indices, like.unsorted_indices)


def reverse_within_lengths(x: Tensor, rows: list | None) -> Tensor:
    """x (T, B, ·) with each sequence j reversed over its own steps 0..L_j-1; padding stays where it is."""
    if rows is None:
        return x[::-1]
    T, B = x.shape[0], x.shape[1]
    lengths = (np.asarray(rows)[:, None] > np.arange(B)[None, :]).sum(0)  # L_j
    t, j = np.meshgrid(np.arange(T), np.arange(B), indexing="ij")
    source_t = np.where(t < lengths, lengths - 1 - t, t)
    flat = x.reshape((T * B,) + x.shape[2:])
    return move_rows(flat, (source_t * B + j).reshape(-1), np.arange(T * B), T * B).reshape(x.shape)


def reverse_packed(data: Tensor, rows: list) -> Tensor:
    """Packed data (N, ·) with each sequence j reversed over its own steps: row (t, j) ← row (L_j - 1 - t, j)."""
    offsets = np.concatenate([[0], np.cumsum(rows)])
    lengths = (np.asarray(rows)[:, None] > np.arange(rows[0])[None, :]).sum(0)  # L_j
    t = np.repeat(np.arange(len(rows)), rows)
    j = np.arange(offsets[-1]) - offsets[t]
    return move_rows(data, offsets[lengths[j] - 1 - t] + j)


def permute_batch(state: Tensor, order) -> Tensor:
    """state (layers, B, H) with its batch in ``order`` (a Tensor of indices, or None for as it is)."""
    return state if order is None else state[:, order.numpy()]
