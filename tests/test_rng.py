"""The library's random numbers: seeded by manual_seed, state saved as plain JSON data, masks made on any device."""
import json

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import rng


def draw():
    return rng.generator().standard_normal(3).tolist(), rng.keep_mask(np, (4, 5), 0.5).tolist()


def test_manual_seed_repeats_both_streams():
    tr.manual_seed(7)
    first = draw()
    tr.manual_seed(7)
    assert draw() == first
    tr.manual_seed(8)
    assert draw() != first


def test_state_is_json_and_restores_both_streams_exactly():
    tr.manual_seed(3)
    draw()
    state = json.loads(json.dumps(rng.get_state()))  # what a checkpoint's JSON header holds
    expected = draw()
    tr.manual_seed(99)
    rng.set_state(state)
    assert draw() == expected


def test_a_bad_state_is_refused_before_anything_changes():
    tr.manual_seed(5)
    before = rng.get_state()
    bad = {"host": before["host"], "masks": {"key": -1, "counter": 0}}
    with pytest.raises(ValueError, match=r"expected 'masks' as .*got \{'key': -1, 'counter': 0\}"):
        rng.set_state(bad)
    with pytest.raises(ValueError, match="the host generator state is not valid"):
        rng.set_state({"host": {"bit_generator": "PCG64", "state": "no"}, "masks": before["masks"]})
    with pytest.raises(ValueError, match=r"expected keys 'host' and 'masks', got \['x'\]"):
        rng.set_state({"x": 1})
    assert rng.get_state() == before


def test_a_bare_numpy_state_restores_the_host_generator():
    tr.manual_seed(1)
    host = rng.generator().bit_generator.state
    expected = rng.generator().standard_normal(2).tolist()
    rng.set_state(host)
    assert rng.generator().standard_normal(2).tolist() == expected


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_keep_mask_keeps_a_fraction_one_minus_p(p):
    tr.manual_seed(0)
    kept = rng.keep_mask(np, (200, 500), p).mean()
    assert abs(kept - (1 - p)) < 0.008  # 100,000 draws: 5 standard deviations (at p = 0.5) is 0.0079


def test_the_mask_stream_is_splitmix64():
    """The published reference outputs of SplitMix64 for seed 1234567 (Rosetta Code, "Pseudo-random
    numbers/Splitmix64", from Vigna's splitmix64.c)."""
    rng.set_state({"host": rng.get_state()["host"], "masks": {"key": 1234567, "counter": 0}})
    assert rng.uniform_bits(np, 3).tolist() == [6457827717110365317, 3203168211198807973, 9817491932198370423]
    assert rng.uniform_bits(np, 2).tolist() == [4593380528125082431, 16408922859458223821]  # the stream goes on
