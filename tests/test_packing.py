"""nn.utils.rnn: packing and padding equal torch's in values and gradients; finite differences; errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tr
from tinygrad_rnn.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
)

torch = pytest.importorskip("torch", reason="PyTorch parity tests need torch (pip install torch==2.13.0)")
trnn = torch.nn.utils.rnn
TOL = dict(rtol=1e-12, atol=1e-12)  # packing only moves numbers: float64 results agree to rounding


@st.composite
def batches(draw):
    """(lengths, extra steps of padding, feature shape, batch_first, enforce_sorted) with lengths 1..6."""
    batch = draw(st.integers(1, 5))
    equal = draw(st.booleans())
    lengths = [draw(st.integers(1, 6))] * batch if equal else draw(st.lists(st.integers(1, 6), min_size=batch,
                                                                            max_size=batch))
    enforce_sorted = draw(st.booleans())
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    return lengths, draw(st.integers(0, 2)), draw(st.sampled_from([(), (1,), (3,), (2, 2)])), draw(st.booleans()), \
        enforce_sorted


def padded_input(lengths, extra, feature, batch_first, seed=0):
    steps = max(lengths) + extra
    shape = ((len(lengths), steps) if batch_first else (steps, len(lengths))) + feature
    return np.random.default_rng(seed).standard_normal(shape)


def torch_order(lengths, enforce_sorted):
    """Our packing order (ties keep the caller's order); torch's own sort may order ties differently."""
    return np.arange(len(lengths)) if enforce_sorted else np.argsort(-np.asarray(lengths), kind="stable")


@settings(max_examples=60, deadline=None)
@given(batches())
def test_pack_padded_sequence_matches_torch_in_values_and_gradients(case):
    lengths, extra, feature, batch_first, enforce_sorted = case
    x = padded_input(lengths, extra, feature, batch_first)
    ox = tr.Tensor(x, requires_grad=True)
    ours = pack_padded_sequence(ox, lengths, batch_first, enforce_sorted)
    # torch, fed our order: the packed rows must then be identical
    order = torch_order(lengths, enforce_sorted)
    tx = torch.tensor(x, requires_grad=True)
    txs = tx[order] if batch_first else tx[:, order]
    theirs = trnn.pack_padded_sequence(txs, torch.tensor(lengths)[order], batch_first, enforce_sorted=True)
    np.testing.assert_allclose(ours.data.numpy(), theirs.data.detach().numpy(), **TOL)
    np.testing.assert_array_equal(ours.batch_sizes, theirs.batch_sizes.numpy())
    assert isinstance(ours.batch_sizes, np.ndarray) and ours.batch_sizes.dtype == np.int64
    upstream = np.random.default_rng(1).standard_normal(ours.data.shape)
    (ours.data * tr.Tensor(upstream)).sum().backward()
    (theirs.data * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), **TOL)


@settings(max_examples=60, deadline=None)
@given(batches(), st.floats(-3, 3), st.integers(0, 2))
def test_pad_packed_sequence_matches_torch_in_values_and_gradients(case, padding_value, more):
    lengths, extra, feature, batch_first, enforce_sorted = case
    x = padded_input(lengths, extra, feature, batch_first)
    total = max(lengths) + more if more else None
    tx = torch.tensor(x)
    theirs = trnn.pack_padded_sequence(tx, torch.tensor(lengths), batch_first, enforce_sorted)
    tdata = theirs.data.clone().requires_grad_(True)
    tpadded, tlengths = trnn.pad_packed_sequence(trnn.PackedSequence(tdata, theirs.batch_sizes, theirs.sorted_indices,
                                                                     theirs.unsorted_indices),
                                                 batch_first, padding_value, total)
    packed = pack_padded_sequence(tr.Tensor(x), lengths, batch_first, enforce_sorted)
    data = tr.Tensor(packed.data.numpy(), requires_grad=True)
    padded, out_lengths = pad_packed_sequence(PackedSequence(data, *packed[1:]), batch_first, padding_value, total)
    np.testing.assert_allclose(padded.numpy(), tpadded.detach().numpy(), **TOL)
    np.testing.assert_array_equal(out_lengths.numpy(), tlengths.numpy())
    assert out_lengths.dtype == np.int64
    upstream = np.random.default_rng(2).standard_normal(padded.shape)
    (padded * tr.Tensor(upstream)).sum().backward()
    (tpadded * torch.tensor(upstream)).sum().backward()
    # the packed rows may be ordered differently where lengths tie: compare each sequence's gradient by step
    ours_back = pad_packed_sequence(PackedSequence(data.grad, *packed[1:]), batch_first)[0].numpy()
    theirs_back = trnn.pad_packed_sequence(trnn.PackedSequence(tdata.grad, theirs.batch_sizes, theirs.sorted_indices,
                                                               theirs.unsorted_indices), batch_first)[0].numpy()
    np.testing.assert_allclose(ours_back, theirs_back, **TOL)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=5), st.sampled_from([(), (2,), (1, 3)]), st.booleans(),
       st.floats(-2, 2), st.sampled_from(["right", "left"]))
def test_pad_sequence_matches_torch_in_values_and_gradients(lengths, feature, batch_first, padding_value, side):
    r = np.random.default_rng(3)
    arrays = [r.standard_normal((n,) + feature) for n in lengths]
    ours = [tr.Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = pad_sequence(ours, batch_first, padding_value, side)
    tout = trnn.pad_sequence(theirs, batch_first, padding_value, side)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), **TOL)
    upstream = r.standard_normal(out.shape)
    (out * tr.Tensor(upstream)).sum().backward()
    (tout * torch.tensor(upstream)).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), **TOL)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=5), st.booleans())
def test_pack_sequence_round_trips_through_pad_packed_sequence_as_torch(lengths, enforce_sorted):
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    r = np.random.default_rng(4)
    arrays = [r.standard_normal((n, 2)) for n in lengths]
    padded, out_lengths = pad_packed_sequence(pack_sequence([tr.Tensor(a) for a in arrays], enforce_sorted),
                                              batch_first=True)
    tpadded, tlengths = trnn.pad_packed_sequence(
        trnn.pack_sequence([torch.tensor(a) for a in arrays], enforce_sorted), batch_first=True)
    np.testing.assert_allclose(padded.numpy(), tpadded.numpy(), **TOL)
    np.testing.assert_array_equal(out_lengths.numpy(), tlengths.numpy())
    for a, row, n in zip(arrays, padded.numpy(), lengths):
        np.testing.assert_array_equal(row[:n], a)


def test_unsorted_indices_invert_sorted_indices():
    packed = pack_padded_sequence(tr.Tensor(np.zeros((4, 5))), [2, 4, 1, 4, 3], enforce_sorted=False)
    s, u = packed.sorted_indices.numpy(), packed.unsorted_indices.numpy()
    np.testing.assert_array_equal(s, [1, 3, 4, 0, 2])
    np.testing.assert_array_equal(s[u], np.arange(5))
    assert packed.sorted_indices.dtype == np.int64


def test_packed_sequence_constructor_fills_unsorted_indices_as_torch():
    packed = PackedSequence(tr.Tensor(np.zeros((3, 2))), [2, 1], [1, 0])
    np.testing.assert_array_equal(packed.unsorted_indices.numpy(), [1, 0])
    data, batch_sizes, sorted_indices, unsorted_indices = packed  # a tuple of four fields, as torch's
    assert batch_sizes.tolist() == [2, 1] and packed.double().data.dtype == np.float64


def test_gradcheck_through_pack_then_pad():
    x = tr.Tensor(np.random.default_rng(5).standard_normal((4, 3, 2)), requires_grad=True)

    def f(x):
        packed = pack_padded_sequence(x * x, [2, 4, 1], enforce_sorted=False)
        return pad_packed_sequence(PackedSequence(packed.data.tanh(), *packed[1:]), padding_value=0.5)[0]
    assert tr.gradcheck(f, [x])


def test_gradcheck_through_pad_sequence_and_pack_sequence():
    r = np.random.default_rng(6)
    a, b = (tr.Tensor(r.standard_normal(s), requires_grad=True) for s in ((3, 2), (1, 2)))
    assert tr.gradcheck(lambda a, b: pad_sequence([b, a], batch_first=True, padding_value=-1.0), [a, b])
    assert tr.gradcheck(lambda a, b: pack_sequence([b, a * 2.0], enforce_sorted=False).data, [a, b])


@pytest.mark.parametrize("lengths, error, match", [
    ([2, 3, 1], RuntimeError, "sorted in decreasing order"),
    ([3, 0, 0], RuntimeError, "greater than 0"),
    ([3, 2, -1], RuntimeError, "greater than 0"),
    ([3, 2], RuntimeError, r"equal to batch_size, but got 2 \(batch_size=3\)"),
    ([5, 3, 1], RuntimeError, "exceed the input's 4 time steps"),
    ([[3, 2, 1]], RuntimeError, "1-D"),
])
def test_pack_padded_sequence_rejects_bad_lengths_clearly(lengths, error, match):
    with pytest.raises(error, match=match):
        pack_padded_sequence(tr.Tensor(np.zeros((4, 3))), lengths)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got \(4,\)"):
        pack_padded_sequence(tr.Tensor(np.zeros(4)), [4])
    packed = pack_padded_sequence(tr.Tensor(np.zeros((3, 2))), [3, 1])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        pad_packed_sequence(packed, total_length=2)
    with pytest.raises(RuntimeError, match="empty list"):
        pad_sequence([])
    with pytest.raises(RuntimeError, match=r"sequences\[1\] has shape \(2, 4\)"):
        pad_sequence([tr.Tensor(np.zeros((2, 3))), tr.Tensor(np.zeros((2, 4)))])
    with pytest.raises(RuntimeError, match="greater than 0"):
        pack_sequence([tr.Tensor(np.zeros((2, 3))), tr.Tensor(np.zeros((0, 3)))], enforce_sorted=False)
    with pytest.raises(TypeError, match="expected a PackedSequence"):
        pad_packed_sequence(tr.Tensor(np.zeros((3, 2))))
