"""The fused layers' step layout (tinygrad_rnn/fused/steps.py): a packed batch's rows, and the wider steps
(a multiple of 4 columns) on which the LSTM and GRU run it, which change nothing in what they return."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tr
from tinygrad_rnn.fused import FusedGRU, FusedLSTM, gru, lstm
from tinygrad_rnn.fused.steps import Steps

lengths_lists = st.lists(st.integers(1, 7), min_size=1, max_size=12).map(lambda ls: sorted(ls, reverse=True))


def batch_sizes_of(lengths):
    return [sum(length > t for length in lengths) for t in range(lengths[0])]


@settings(max_examples=60, deadline=None)
@given(lengths=lengths_lists, multiple=st.sampled_from([1, 2, 4, 8]))
def test_wide_steps_cover_the_real_rows_in_runs_of_one_width(lengths, multiple):
    batch_sizes = batch_sizes_of(lengths)
    N, F = sum(lengths), 3
    steps = Steps(np.zeros((N, F)), batch_sizes, multiple=multiple)
    B = batch_sizes[0]
    for b, w in zip(steps.real_rows, steps.rows):  # each step: b_t rounded up to the multiple, at most B
        assert b <= w <= B and (w % multiple == 0 or w == B) and w - b < multiple
    assert steps.rows == sorted(steps.rows, reverse=True) and steps.n == sum(steps.rows)
    assert steps.rounded == (steps.rows != batch_sizes)
    widths = [w for k, w, _, _ in steps.runs for _ in range(k)]  # the runs, laid end to end, are the steps
    assert widths == steps.rows and [first for _, _, first, _ in steps.runs] == [
        steps.offsets[t] for t in np.cumsum([0] + [k for k, *_ in steps.runs])[:-1]]
    a = np.random.default_rng(0).standard_normal((N, F))
    wide = steps.widen(a)
    assert wide.shape == (steps.n, F)
    np.testing.assert_array_equal(steps.narrow(wide), a)  # round trip, bit for bit
    real = np.zeros(steps.n, bool)  # the added rows of step t: its rows b_t..w_t-1, zeros
    for o, b in zip(steps.offsets, steps.real_rows):
        real[o: o + b] = True
    assert np.all(wide[~real] == 0) and np.array_equal(wide[real], a)


@settings(max_examples=30, deadline=None)
@given(lengths=lengths_lists, kind=st.sampled_from(["LSTM", "GRU"]), seed=st.integers(0, 2**16))
def test_the_added_columns_change_nothing(lengths, kind, seed):
    """Run on wide steps (the default) or on exactly the real rows (multiple 1), the outputs, final states and every
    gradient agree to 1e-12 (float64): the added columns start at zero input and zero gradient and never reach a
    real one (their δ stay exactly zero, so they add nothing to the weight gradients)."""
    fn, module, G, n_states = {"LSTM": (FusedLSTM, lstm, 4, 2), "GRU": (FusedGRU, gru, 3, 1)}[kind]
    batch_sizes, B, H, n_in = batch_sizes_of(lengths), len(lengths), 3, 2
    rng = np.random.default_rng(seed)
    shapes = [(sum(lengths), n_in)] + [(B, H)] * n_states + [(G * H, n_in), (G * H, H), (G * H,), (G * H,)]
    values = [rng.standard_normal(s) for s in shapes]
    upstream = [rng.standard_normal((sum(lengths), H))] + [rng.standard_normal((B, H)) for _ in range(n_states)]
    results = []
    for multiple in (4, 1):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(module, "WIDTH_MULTIPLE", multiple)
            args = [tr.Tensor(v, requires_grad=True) for v in values]
            out = fn.apply(*args, batch_sizes=batch_sizes)
            sum((o * tr.Tensor(u)).sum() for o, u in zip(out, upstream)).backward()
        results.append([o.numpy() for o in out] + [a.grad.numpy() for a in args])
    for wide, exact in zip(*results):
        np.testing.assert_allclose(wide, exact, rtol=1e-12, atol=1e-12)


def test_a_packed_batch_with_steps_of_every_width_is_rounded_up():
    """The case the rounding is for: lengths uniform in [1, T], so most b_t are not a multiple of 4."""
    lengths = sorted(np.random.default_rng(1).integers(1, 21, 30).tolist(), reverse=True)
    steps = Steps(np.zeros((sum(lengths), 1)), batch_sizes_of(lengths), multiple=4)
    assert steps.rounded and len(steps.runs) <= 8 < len(set(steps.real_rows))
