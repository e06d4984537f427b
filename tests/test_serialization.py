"""tr.save / tr.load and checkpoints: data in, the same data out; a bad file is an error naming it, never code."""
import json
import os
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tr
from tinygrad_rnn import optim
from tinygrad_rnn.checkpoint import load_checkpoint, read_checkpoint, save_checkpoint
from tinygrad_rnn.serialization import FORMAT_VERSION, MAGIC, LoadError, load, save


def same(a, b) -> bool:
    """Equal values of equal types, all the way down (NaN equals NaN; arrays by dtype, shape and bytes)."""
    if isinstance(a, tr.Tensor):
        return isinstance(b, tr.Tensor) and a.requires_grad == b.requires_grad and same(a.numpy(), b.numpy())
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return type(b) is dict and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and np.isnan(a):
        return isinstance(b, float) and np.isnan(b)
    return type(a) is type(b) and a == b


def test_a_state_dict_round_trips_with_types_keys_and_order(tmp_path):
    obj = {"weight": tr.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True),
           "state": {0: {"step": 3, "exp_avg": np.ones((2, 3), np.float32)}, 1: {}},
           "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "params": [0, 1], "amsgrad": False}],
           "rng": np.random.default_rng(7).bit_generator.state,  # 128-bit ints
           "mt": np.random.MT19937(3).state,  # a uint32 array inside
           "odd": [None, "ünïcode\n", float("inf"), -0.0, float("nan"), 2 ** 200, -(2 ** 70)],
           "empty": np.zeros((0, 3), np.int16), "scalar": np.array(5, dtype=np.uint8), "flag": np.bool_(True),
           (None): "key None", 2.5: "float key", True: "bool key"}
    expected = dict(obj, flag=True)  # NumPy scalars come back as Python numbers
    save(obj, tmp_path / "f")
    assert same(expected, load(tmp_path / "f"))


def test_arrays_keep_dtype_and_values_bit_for_bit_whatever_their_layout(tmp_path):
    a = np.random.default_rng(0).standard_normal((4, 5))
    obj = {"transposed": a.T, "big_endian": a.astype(">f8"), "strided": a[::2, ::3], "half": a.astype(np.float16)}
    save(obj, tmp_path / "f")
    back = load(tmp_path / "f")
    for k, v in obj.items():
        np.testing.assert_array_equal(back[k], v)
        assert back[k].dtype == v.dtype.newbyteorder("=") and back[k].flags.writeable


def test_save_refuses_what_it_cannot_store_naming_where_and_writes_nothing(tmp_path):
    cases = [({"a": [1, {2, 3}]}, r"obj\['a'\]\[1\] of type set"), ({"f": lambda: 0}, "of type function"),
             ({"o": np.array([1, "a"], dtype=object)}, r"obj\['o'\] has dtype object"), ({(1, 2): 0}, "key \\(1, 2\\)")]
    for obj, message in cases:
        with pytest.raises(TypeError, match=message):
            save(obj, tmp_path / "f")
    assert list(tmp_path.iterdir()) == []


def test_the_file_is_a_magic_line_a_json_header_a_checksum_and_the_raw_bytes(tmp_path):
    save({"w": np.array([1.0, 2.0], np.float32)}, tmp_path / "f")
    magic, header, checksum, data = (tmp_path / "f").read_bytes().split(b"\n", 3)
    assert magic == MAGIC + str(FORMAT_VERSION).encode()
    spec = json.loads(header)["object"]["dict"][0][1]["ndarray"]
    assert spec == {"dtype": "float32", "shape": [2], "offset": 0, "nbytes": 8}
    assert checksum.startswith(b"sha256 ") and data == np.array([1.0, 2.0], "<f4").tobytes()


class RunsCode:
    """Unpickling this runs a shell command that leaves a file behind."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_checkpoint_crafted_to_run_code_when_unpickled_runs_nothing_and_is_refused(tmp_path):
    marker, path = tmp_path / "pwned", tmp_path / "evil.ckpt"
    path.write_bytes(pickle.dumps({"format": "tinygrad_rnn-checkpoint-1", "model": RunsCode(marker)}))
    with pytest.raises(LoadError, match=r"evil.ckpt is not a tinygrad_rnn file.*a pickle"):
        load_checkpoint(path, tr.SequenceModel("gru", 3, 4, vocab_size=3))
    # the same pickle behind our magic line: the checksum refuses it; nothing ever unpickles
    path.write_bytes(MAGIC + b"1\n" + b'{"data_bytes": 0, "object": null}\n' + b"sha256 " + b"0" * 64 + b"\n"
                     + pickle.dumps(RunsCode(marker)))
    with pytest.raises(LoadError, match="evil.ckpt is corrupted"):
        load(path)
    assert not marker.exists()


def test_a_file_of_a_newer_format_asks_for_a_newer_library(tmp_path):
    save({"a": 1}, tmp_path / "f")
    raw = (tmp_path / "f").read_bytes()
    (tmp_path / "f").write_bytes(raw.replace(MAGIC + b"1", MAGIC + b"7", 1))
    with pytest.raises(LoadError, match=r"f has format version 7, newer than this library reads \(1"):
        load(tmp_path / "f")


@pytest.mark.parametrize("cut", [0, 10, 40, -100, -1])
def test_a_truncated_file_says_so(tmp_path, cut):
    save({"w": np.zeros(100)}, tmp_path / "f")
    raw = (tmp_path / "f").read_bytes()
    (tmp_path / "f").write_bytes(raw[:cut])
    with pytest.raises(LoadError, match=r"f (is truncated|is not a tinygrad_rnn file)"):
        load(tmp_path / "f")


def test_a_valid_checksum_over_a_malformed_structure_is_still_refused(tmp_path):
    """A file whose checksum is right but whose header lies (written by another tool) cannot reach memory."""
    import hashlib
    for obj, message in [({"ndarray": {"dtype": "object", "shape": [1], "offset": 0, "nbytes": 8}}, "dtype 'object'"),
                         ({"ndarray": {"dtype": "float64", "shape": [9], "offset": 0, "nbytes": 72}}, "outside"),
                         ({"pickle": "x"}, "unknown or ill-formed tag")]:
        header = json.dumps({"data_bytes": 8, "object": obj}).encode() + b"\n"
        data = bytes(8)
        digest = hashlib.sha256(header + data).hexdigest().encode()
        (tmp_path / "f").write_bytes(MAGIC + b"1\n" + header + b"sha256 " + digest + b"\n" + data)
        with pytest.raises(LoadError, match=message):
            load(tmp_path / "f")


def real_checkpoint(path):
    tr.manual_seed(0)
    model = tr.SequenceModel("lstm", 5, 4, vocab_size=5, embedding_dim=3)
    opt = optim.Adam(model.parameters(), lr=0.01)
    model(np.zeros((3, 2), np.int64))[0].sum().backward()
    opt.step()
    save_checkpoint(path, model, opt, step=7, task={"lag": 5, "rng": np.random.default_rng(0).bit_generator.state},
                    vocab=list("abcde"))
    return model, opt


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_flipped_byte_of_a_real_checkpoint_is_a_clear_error(tmp_path, data):
    """Every byte is checked: the magic line exactly, the checksum line against the digest, the rest by the digest.

    So no flip can load: a flip in the magic line makes a foreign file or another version, in the checksum line
    a checksum that no longer matches, anywhere after it a digest that no longer matches.
    """
    path = tmp_path / "c.ckpt"
    if not path.exists():
        real_checkpoint(path)
    raw = bytearray(path.read_bytes())
    where = data.draw(st.integers(0, len(raw) - 1), label="byte")
    raw[where] ^= data.draw(st.integers(1, 255), label="xor")
    (tmp_path / "flipped.ckpt").write_bytes(bytes(raw))
    with pytest.raises(LoadError, match=r"flipped.ckpt (is corrupted|is truncated|is not a tinygrad_rnn file|has "
                                        r"format version|has a malformed|has an unknown format)"):
        load_checkpoint(tmp_path / "flipped.ckpt")


def test_a_checkpoint_restores_model_optimizer_rng_and_rebuilds_the_model_alone(tmp_path):
    model, opt = real_checkpoint(tmp_path / "c.ckpt")
    expected_draw = tr.rng.generator().standard_normal(3)
    rebuilt, ckpt = tr.SequenceModel.from_checkpoint(tmp_path / "c.ckpt")
    assert rebuilt.config() == model.config() and ckpt["step"] == 7 and ckpt["extra"]["vocab"] == list("abcde")
    for (name, a), (_, b) in zip(model.named_parameters(), rebuilt.named_parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    fresh_opt = optim.Adam(rebuilt.parameters(), lr=0.5)
    extra = load_checkpoint(tmp_path / "c.ckpt", rebuilt, fresh_opt)
    assert extra["step"] == 7 and extra["task"]["lag"] == 5 and extra["model_config"] == model.config()
    assert fresh_opt.param_groups[0]["lr"] == 0.01
    saved, restored = opt.state_dict(), fresh_opt.state_dict()
    for i in saved["state"]:
        for k, v in saved["state"][i].items():
            np.testing.assert_array_equal(v, restored["state"][i][k])
    np.testing.assert_array_equal(tr.rng.generator().standard_normal(3), expected_draw)


def test_loading_into_a_model_or_optimizer_it_does_not_fit_changes_nothing(tmp_path):
    real_checkpoint(tmp_path / "c.ckpt")
    tr.manual_seed(1)
    other = tr.SequenceModel("lstm", 5, 6, vocab_size=5, embedding_dim=3)  # hidden 6, not 4
    before = {k: v.numpy().copy() for k, v in other.state_dict().items()}
    with pytest.raises(ValueError, match=r"c.ckpt does not fit: model: rnn.weight_ih_l0 has shape \(16, 3\) in the "
                                         r"checkpoint, \(24, 3\) in the model"):
        load_checkpoint(tmp_path / "c.ckpt", other)
    same_shape = tr.SequenceModel("lstm", 5, 4, vocab_size=5, embedding_dim=3)
    before = {k: v.numpy().copy() for k, v in same_shape.state_dict().items()}
    sgd = optim.SGD(same_shape.parameters(), lr=0.1)
    state = tr.rng.get_state()
    with pytest.raises(ValueError, match="optimizer: the checkpoint holds Adam state, the optimizer is SGD"):
        load_checkpoint(tmp_path / "c.ckpt", same_shape, sgd)
    for k, v in same_shape.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    assert sgd.param_groups[0]["lr"] == 0.1 and tr.rng.get_state() == state


def test_read_checkpoint_refuses_a_plain_saved_file_and_a_newer_checkpoint(tmp_path):
    save({"model": {}}, tmp_path / "plain")
    with pytest.raises(LoadError, match="plain is a tinygrad_rnn file but not a checkpoint"):
        read_checkpoint(tmp_path / "plain")
    save({"kind": "tinygrad_rnn checkpoint", "version": 99}, tmp_path / "new")
    with pytest.raises(LoadError, match="new is a checkpoint of version 99, newer than this library reads"):
        read_checkpoint(tmp_path / "new")
