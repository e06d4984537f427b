"""Data for variable-length examples: the MNIST IDX reader (on small IDX files written here) and random-length waves."""
import gzip
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

from mnist_idx import as_time_major, load_mnist, read_idx, write_idx  # noqa: E402
from variable_waves import variable_waves  # noqa: E402


def fake_mnist(directory: Path, n: int = 5, gz: bool = False, seed: int = 0, dotted: bool = False):
    """Write the four MNIST files with n random images each; return (train images, train labels)."""
    r = np.random.default_rng(seed)
    images, labels = r.integers(0, 256, size=(n, 28, 28), dtype=np.uint8), r.integers(0, 10, size=n, dtype=np.uint8)
    for prefix in ("train", "t10k"):
        for kind, array in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
            name = f"{prefix}-{kind}".replace("-idx", ".idx") if dotted else f"{prefix}-{kind}"
            write_idx(directory / (name + (".gz" if gz else "")), array)
    return images, labels


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("split", ["train", "test"])
def test_load_mnist_reads_images_and_labels_scaled_to_unit_range(tmp_path, gz, split):
    images, labels = fake_mnist(tmp_path, gz=gz)
    x, y = load_mnist(tmp_path, split)
    assert x.shape == (5, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(x, images / np.float32(255))
    np.testing.assert_array_equal(y, labels)


def test_the_idx_header_is_read_big_endian_byte_by_byte(tmp_path):
    raw = bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes(range(6))
    (tmp_path / "a").write_bytes(raw)
    np.testing.assert_array_equal(read_idx(tmp_path / "a"), [[0, 1, 2], [3, 4, 5]])


def test_dotted_file_names_and_limit_are_accepted(tmp_path):
    images, _ = fake_mnist(tmp_path, n=7, dotted=True)
    x, y = load_mnist(tmp_path, "train", limit=3)
    assert len(x) == len(y) == 3
    np.testing.assert_array_equal(x[2] * 255, images[2])


def test_as_time_major_puts_row_t_of_every_image_at_step_t(tmp_path):
    images, _ = fake_mnist(tmp_path)
    seq = as_time_major(load_mnist(tmp_path)[0])
    assert seq.shape == (28, 5, 28)
    np.testing.assert_array_equal(seq[7, 3] * 255, images[3, 7])


def test_missing_directory_and_missing_file_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist(tmp_path / "nowhere")
    fake_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match=r"no t10k-labels-idx1-ubyte \(or t10k-labels-idx1-ubyte.gz\)"):
        load_mnist(tmp_path, "test")


def test_bad_magic_numbers_are_reported(tmp_path):
    fake_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes((tmp_path / "train-images-idx3-ubyte").read_bytes())
    with pytest.raises(ValueError, match="bad magic number 0x00000803, expected 0x00000801"):
        load_mnist(tmp_path, "train")
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"PK\x03\x04" + bytes(20))
    with pytest.raises(ValueError, match="bad magic number 0x504b0304"):
        load_mnist(tmp_path, "train")


def test_truncated_files_and_uncompressed_gz_names_are_reported(tmp_path):
    write_idx(tmp_path / "x", np.zeros((2, 3), np.uint8))
    (tmp_path / "x").write_bytes((tmp_path / "x").read_bytes()[:-1])
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        read_idx(tmp_path / "x")
    with gzip.open(tmp_path / "y.gz", "wb") as f:
        f.write(b"\x00\x00")
    with pytest.raises(ValueError, match="shorter than the 4-byte magic"):
        read_idx(tmp_path / "y.gz")


def test_images_and_labels_of_different_counts_are_refused(tmp_path):
    fake_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="5 images but 4 labels"):
        load_mnist(tmp_path)


def test_variable_waves_have_their_lengths_and_zero_padding():
    x, lengths, labels = variable_waves(200, 3, 17, np.random.default_rng(0))
    assert x.shape == (17, 200, 1) and x.dtype == np.float32
    assert lengths.min() >= 3 and lengths.max() <= 17 and len(set(lengths.tolist())) > 5
    steps = np.arange(17)[:, None]
    assert np.all(x[steps >= lengths[None], 0] == 0)
    assert np.all(np.abs(x[steps < lengths[None], 0]) > 0)  # continuous noise is never exactly 0
    assert set(labels.tolist()) == {0, 1, 2, 3}


def test_variable_waves_follow_their_shape_without_noise():
    x, lengths, labels = variable_waves(50, 8, 30, np.random.default_rng(1), noise=0.0)
    for b in range(50):
        seq = x[: lengths[b], b, 0]
        if labels[b] == 1:  # square: only -1, 0 and +1
            assert set(np.unique(np.round(seq, 5))) <= {-1.0, 0.0, 1.0}
        assert np.all(np.abs(seq) <= 1 + 1e-6)


def test_variable_waves_reject_bad_lengths():
    with pytest.raises(ValueError, match="min_length=5, max_length=4"):
        variable_waves(3, 5, 4, np.random.default_rng(0))
