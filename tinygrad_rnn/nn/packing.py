"""How the recurrent layers run a PackedSequence: sorted and padded inside, each sequence to its own end.

A packed batch (``nn.utils.rnn``) holds its sequences sorted longest first.
The layers unpack it to a padded (T, B, ·) batch in that sorted order and pass
``rows`` (b_t = batch_sizes[t], how many sequences run at step t) to the fused
Functions and to ``unroll``, which step only the first b_t sequences at step t:
no work on padding, and a finished sequence's state stays as it was at its end.
A reverse direction reads each sequence backwards from its own end
(``reverse_within_lengths``), not from the padding.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


def unpack_sorted(packed: PackedSequence) -> tuple[Tensor, list]:
    """(padded (T, B, ·) in the packed, sorted order with zero padding, rows b_t as ints)."""
    padded, _ = pad_packed_sequence(PackedSequence(packed.data, packed.batch_sizes))
    return padded, [int(b) for b in packed.batch_sizes]


def repack(padded: Tensor, like: PackedSequence) -> PackedSequence:
    """Sorted padded (T, B, ·) → a PackedSequence with ``like``'s batch sizes and order."""
    rows = like.batch_sizes
    lengths = (np.asarray(rows)[:, None] > np.arange(int(rows[0]))[None, :]).sum(0)
    data = pack_padded_sequence(padded, lengths).data
    return PackedSequence(data, rows, like.sorted_indices, like.unsorted_indices)


def reverse_within_lengths(x: Tensor, rows: list | None) -> Tensor:
    """x (T, B, ·) with each sequence j reversed over its own steps 0..L_j-1; padding stays where it is."""
    if rows is None:
        return x[::-1]
    T, B = x.shape[0], x.shape[1]
    lengths = (np.asarray(rows)[:, None] > np.arange(B)[None, :]).sum(0)  # L_j
    t, j = np.meshgrid(np.arange(T), np.arange(B), indexing="ij")
    source_t = np.where(t < lengths, lengths - 1 - t, t)
    flat = x.reshape((T * B,) + x.shape[2:])
    return flat[(source_t * B + j).reshape(-1)].reshape(x.shape)


def permute_batch(state: Tensor, order) -> Tensor:
    """state (layers, B, H) with its batch in ``order`` (a Tensor of indices, or None for as it is)."""
    return state if order is None else state[:, order.numpy()]
