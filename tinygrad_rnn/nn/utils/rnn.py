"""Variable-length batches for recurrent layers: padding and packing, as ``torch.nn.utils.rnn``.

A batch of sequences of different lengths can be held two ways:

padded  (T, B, *) (or (B, T, *) with ``batch_first``): every sequence filled
        up to the longest with ``padding_value``; simple, but a recurrent
        layer would step through the padding too.
packed  a ``PackedSequence``: the sequences sorted longest first and stored
        time-major without any padding; ``data`` (sum of lengths, *) holds
        step 0 of every sequence, then step 1 of those still running, ...;
        ``batch_sizes[t]`` says how many sequences are still running at step
        t, so a layer at step t works on the first ``batch_sizes[t]`` rows
        only, and each sequence's last state is where it really ends.

    lengths 3, 1, 2 (a, b, c)   padded (T=3, B=3)      packed (sorted a, c, b)
                                a0 b0 c0               data        = a0 c0 b0 | a1 c1 | a2
                                a1 .  c1               batch_sizes = 3, 2, 1
                                a2 .  .                sorted_indices = 0, 2, 1

Every function here is differentiable, so gradients flow from packed ``data``
back to the padded input and the other way, as torch's do.  Moving rows is all
packing is: pack = padded.reshape(T·B, *)[rows], pad puts row i of data at its
cell rows'[i] of a (T·B, *) array of padding; each row goes to one place, so
backward moves the gradient back by the inverse gather (``nn.packing.MoveRows``,
not a scatter-add).
"""
from __future__ import annotations

from collections import namedtuple
from typing import Sequence

import numpy as np

from ...backend import array_module
from ...ops import concatenate, stack
from ...ops.rows import move_rows
from ...tensor import Tensor

_Fields = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_Fields):
    """Sequences of different lengths, stored time-major with no padding (torch's layout).

    data              Tensor (sum of lengths, *): the steps of all sequences, step 0 of each (longest first),
                      then step 1 of those still running, ...
    batch_sizes       NumPy int64 array (max length,): how many sequences are running at each step
                      (kept on the CPU, as torch keeps it, whatever the device of ``data``)
    sorted_indices    int64 Tensor (batch,) or None: sequence i of the packed order is sequence
                      sorted_indices[i] of the caller's batch (None: the batch was already sorted)
    unsorted_indices  its inverse: the caller's sequence j sits at unsorted_indices[j] of the packed order

    Build one with ``pack_padded_sequence`` or ``pack_sequence``; the constructor
    (as torch's) takes ``data`` and ``batch_sizes`` and fills in ``unsorted_indices``.
    """

    __slots__ = ()

    def __new__(cls, data: Tensor, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:
            raise TypeError("PackedSequence: batch_sizes is required (build one with pack_padded_sequence)")
        sizes = batch_sizes.numpy() if isinstance(batch_sizes, Tensor) else np.asarray(batch_sizes)
        if sizes.ndim != 1 or sizes.dtype.kind not in "iu":
            raise TypeError(f"PackedSequence: batch_sizes must be a 1-D integer array, got shape {sizes.shape} "
                            f"and dtype {sizes.dtype}")
        sizes = sizes.astype(np.int64)
        sorted_indices, unsorted_indices = (i if i is None or isinstance(i, Tensor) else Tensor(np.asarray(i))
                                            for i in (sorted_indices, unsorted_indices))
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert_permutation(sorted_indices)
        return super().__new__(cls, data, sizes, sorted_indices, unsorted_indices)

    def to(self, device: str | None = None, dtype=None) -> "PackedSequence":
        """The same sequences with ``data`` (and the indices) moved/cast; ``batch_sizes`` stays on the CPU."""
        index = [None if i is None else i.to(device) for i in (self.sorted_indices, self.unsorted_indices)]
        return type(self)(self.data.to(device, dtype), self.batch_sizes, *index)

    def double(self) -> "PackedSequence":
        return self.to(dtype=np.float64)

    def float(self) -> "PackedSequence":
        return self.to(dtype=np.float32)

    @property
    def is_cuda(self) -> bool:
        return self.data.device == "cuda"


def _invert_permutation(perm: Tensor) -> Tensor:
    xp = array_module(perm.array)
    inverse = xp.empty_like(perm.array)
    inverse[perm.array] = xp.arange(perm.array.size, dtype=perm.array.dtype)
    return Tensor._make(inverse)


def _check_lengths(lengths, batch: int, steps: int) -> np.ndarray:
    """lengths as a 1-D int64 NumPy array, after torch's checks and one of our own (none longer than T)."""
    values = lengths.numpy() if isinstance(lengths, Tensor) else np.asarray(lengths)
    if values.ndim != 1:
        raise RuntimeError(f"pack_padded_sequence: 'lengths' must be 1-D (one length per sequence), got shape "
                         f"{values.shape}")
    if values.size and values.dtype.kind not in "iuf":
        raise TypeError(f"pack_padded_sequence: 'lengths' must hold integers, got dtype {values.dtype}")
    values = values.astype(np.int64)  # torch truncates float lengths the same way
    if values.size != batch:
        raise RuntimeError(f"pack_padded_sequence: expected `len(lengths)` to be equal to batch_size, but got "
                         f"{values.size} (batch_size={batch})")
    if values.size and values.min() <= 0:
        raise RuntimeError(f"pack_padded_sequence: length of all samples has to be greater than 0, but found "
                         f"{int(values.min())} in 'lengths' {values.tolist()}")
    if values.size and values.max() > steps:
        raise RuntimeError(f"pack_padded_sequence: lengths must not exceed the input's {steps} time steps, got a "
                         f"length of {int(values.max())} in 'lengths' {values.tolist()}")
    return values


def _batch_sizes(sorted_lengths: np.ndarray) -> np.ndarray:
    """batch_sizes[t] = how many of the (descending) lengths exceed t, for t < the longest."""
    steps = np.arange(int(sorted_lengths[0]) if sorted_lengths.size else 0)
    return (sorted_lengths[None, :] > steps[:, None]).sum(1).astype(np.int64)


def _packed_positions(batch_sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(step, rank in the sorted batch) of every row of packed data, in packed order."""
    steps = np.repeat(np.arange(batch_sizes.size), batch_sizes)
    first_row = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]]).astype(np.int64)  # of each step
    return steps, np.arange(steps.size) - first_row[steps]


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (``batch_first``: (B, T, *)) whose sequence b is ``lengths[b]`` long.

    With ``enforce_sorted`` the lengths must already be in decreasing order;
    otherwise they are sorted here and ``sorted_indices`` records the order,
    so ``pad_packed_sequence`` and the recurrent layers give results in the
    caller's order.  Differentiable with respect to ``input``.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence: expected input to be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"pack_padded_sequence: expected input of shape (seq, batch, *) or (batch, seq, *) "
                         f"with at least 2 dimensions, got {input.shape}")
    batch, steps = (input.shape[0], input.shape[1]) if batch_first else (input.shape[1], input.shape[0])
    values = _check_lengths(lengths, batch, steps)
    if enforce_sorted:
        if np.any(values[1:] > values[:-1]):
            raise RuntimeError(f"pack_padded_sequence: `lengths` array must be sorted in decreasing order when "
                             f"`enforce_sorted` is True, got {values.tolist()}. Pass `enforce_sorted=False` to "
                             f"pack_padded_sequence and/or pack_sequence to sort them here.")
        order, sorted_indices = np.arange(batch), None
    else:
        order = np.argsort(-values, kind="stable")  # stable: equal lengths keep their order, as torch's sort
        sorted_indices = Tensor._make(array_module(input.array).asarray(order))
    batch_sizes = _batch_sizes(values[order])
    t, rank = _packed_positions(batch_sizes)
    b = order[rank]  # the caller's index of each packed row
    rows = b * steps + t if batch_first else t * batch + b
    flat = input.reshape((batch * steps,) + input.shape[2:])
    return PackedSequence(move_rows(flat, rows), batch_sizes, sorted_indices)  # a gather; gradient: no add.at


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """The inverse of ``pack_padded_sequence``: (padded (T, B, *) or (B, T, *), lengths int64 (B,)).

    Sequences come back in the caller's order (``unsorted_indices``) and
    padding holds ``padding_value``; ``total_length`` pads to that many steps
    (at least the longest).  Differentiable with respect to ``sequence.data``.
    """
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got {type(sequence).__name__}")
    data, batch_sizes = sequence.data, sequence.batch_sizes
    steps = int(batch_sizes.size)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    batch = int(batch_sizes[0]) if batch_sizes.size else 0
    order = np.arange(batch) if sequence.sorted_indices is None else sequence.sorted_indices.numpy()
    t, rank = _packed_positions(batch_sizes)
    b = order[rank]
    # each row of data moves to its padded cell (gradient: the inverse gather, no add.at); the rest is padding
    n = data.shape[0]
    cells = b * steps + t if batch_first else t * batch + b
    padded = move_rows(data, np.arange(n), cells, batch * steps)
    if padding_value != 0:
        fill = np.full((batch * steps,) + (1,) * (data.ndim - 1), padding_value, dtype=data.dtype)
        fill[cells] = 0
        padded = padded + Tensor._make(array_module(data.array).asarray(fill))
    padded = padded.reshape(((batch, steps) if batch_first else (steps, batch)) + data.shape[1:])
    lengths = np.zeros(batch, dtype=np.int64)
    np.add.at(lengths, b, 1)
    return padded, Tensor._make(lengths)


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack tensors of shapes (L_i, *) into (T, B, *) (``batch_first``: (B, T, *)), T = max L_i.

    Each is filled up to T with ``padding_value`` on the right (or the left,
    ``padding_side="left"``).  Differentiable with respect to every sequence.
    """
    if isinstance(sequences, Tensor):
        sequences = [sequences[i] for i in range(sequences.shape[0])]
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}")
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor) or s.ndim < 1:
            got = s.shape if isinstance(s, Tensor) else type(s).__name__
            raise TypeError(f"pad_sequence: expected sequences[{i}] to be a Tensor of shape (length, *), got {got}")
        if s.shape[1:] != sequences[0].shape[1:]:
            raise RuntimeError(f"pad_sequence: every sequence must have the trailing shape of sequences[0], "
                             f"{sequences[0].shape[1:]}; sequences[{i}] has shape {s.shape}")
        if s.dtype != sequences[0].dtype or s.device != sequences[0].device:
            raise TypeError(f"pad_sequence: sequences[{i}] is {s.dtype} on {s.device}, sequences[0] is "
                            f"{sequences[0].dtype} on {sequences[0].device}; expected one dtype and device")
    longest = max(s.shape[0] for s in sequences)
    xp = array_module(sequences[0].array)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            fill = Tensor._make(xp.full((missing,) + s.shape[1:], padding_value, dtype=s.dtype))
            s = concatenate([s, fill] if padding_side == "right" else [fill, s])
        padded.append(s)
    return stack(padded, axis=0 if batch_first else 1)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of tensors of shapes (L_i, *): ``pack_padded_sequence(pad_sequence(sequences), lengths)``."""
    lengths = [s.shape[0] if isinstance(s, Tensor) and s.ndim else 0 for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)
