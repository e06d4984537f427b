"""classify_sequences.py's variable-length waves (packed) and MNIST row by row (on IDX files written here)."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import classify_sequences  # noqa: E402
from mnist_idx import write_idx  # noqa: E402

TRAIN_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")  # the reader takes either


def bars(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, 28, 28) uint8, labels (n,)): 0 = a bright horizontal bar, 1 = a vertical one, anywhere, on noise."""
    labels = rng.integers(0, 2, size=n).astype(np.uint8)
    images = rng.integers(0, 60, size=(n, 28, 28)).astype(np.uint8)
    for image, label, at in zip(images, labels, rng.integers(4, 22, size=n)):
        if label == 0:
            image[at: at + 3, 4:24] = 255
        else:
            image[4:24, at: at + 3] = 255
    return images, labels


@pytest.fixture
def mnist_dir(tmp_path) -> Path:
    """A folder of the four MNIST files: 200 training and 100 test images of two easily separable patterns."""
    rng = np.random.default_rng(0)
    for names, n in ((TRAIN_FILES, 200), (TEST_FILES, 100)):
        images, labels = bars(n, rng)
        write_idx(tmp_path / names[0], images)
        write_idx(tmp_path / names[1], labels)
    return tmp_path


def refused(argv, capsys, *expected: str) -> None:
    """The command line is a usage error (exit 2, before any training) whose message holds ``expected``."""
    with pytest.raises(SystemExit) as e:
        classify_sequences.main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"


# ------------------------------------------------------------------ variable-length waves, packed
@pytest.mark.slow
@pytest.mark.parametrize("bidirectional", [False, True])
def test_variable_length_waves_are_learned_from_packed_batches(tmp_path, bidirectional):
    metrics = tmp_path / "m.json"
    argv = ["--min-length", "8", "--length", "24", "--epochs", "4", "--hidden", "32", "--lr", "0.02", "--quiet",
            "--metrics", str(metrics)] + (["--bidirectional"] if bidirectional else [])
    m = classify_sequences.run(classify_sequences.parse_args(argv))
    # four shapes: chance is a quarter; seeds 0-9 reach 68-80 % (bidirectional 78-82 %)
    assert m["test_accuracy"] > 0.6 and m["chance"] == 0.25, m
    assert (m["min_length"], m["length"]) == (8, 24) and json.loads(metrics.read_text()) == m


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_a_packed_sequence_is_classified_as_if_it_were_alone_without_padding(kind):
    tr.manual_seed(0)
    model = classify_sequences.Classifier(kind, 1, 6, 4, bidirectional=True, impl="fused")
    x = np.random.default_rng(0).standard_normal((9, 3, 1)).astype(np.float32)
    lengths = np.array([4, 9, 6])
    x[np.arange(9)[:, None] >= lengths[None]] = 5.0  # padding that would change the answer if it were read
    together = model(classify_sequences.as_input(x, lengths, "cpu"))[0].numpy()
    for b, n in enumerate(lengths):
        alone = model(classify_sequences.as_input(x[:n, b: b + 1], None, "cpu"))[0].numpy()
        np.testing.assert_allclose(together[b: b + 1], alone, rtol=1e-5, atol=1e-6)


def test_min_length_must_fit_the_waves(capsys):
    refused(["--min-length", "40"], capsys, "--min-length 40", "--length 32")
    refused(["--min-length", "4", "--data", "digits"], capsys, "--min-length 4", "--data waves")
    refused(["--min-length", "0"], capsys, "argument --min-length", "got 0")


# ------------------------------------------------------------------ MNIST row by row
def test_mnist_row_by_row_learns_two_patterns_from_idx_files(mnist_dir, tmp_path, capsys):
    metrics = tmp_path / "m.json"
    code = classify_sequences.main(["--data", "mnist", "--data-dir", str(mnist_dir), "--epochs", "10", "--hidden", "16",
                                    "--batch", "20", "--lr", "0.01", "--quiet", "--metrics", str(metrics)])
    assert code == 0
    m = json.loads(metrics.read_text())
    assert m["test_accuracy"] > 0.9 and m["chance"] == 0.1, m
    assert (m["train_sequences"], m["test_sequences"], m["data"]) == (200, 100, "mnist")
    assert "mnist: GRU 16: test accuracy" in capsys.readouterr().out


def test_mnist_reads_28_steps_of_28_pixels_limits_both_splits_and_defaults_to_128_units(mnist_dir):
    args = classify_sequences.parse_args(["--data", "mnist", "--data-dir", str(mnist_dir), "--limit", "50"])
    (xtr, ytr), (xte, yte) = args.mnist
    assert xtr.shape == (28, 50, 28) and xte.shape == (28, 50, 28) and len(ytr) == len(yte) == 50
    assert xtr.dtype == np.float32 and 0 <= xtr.min() and xtr.max() == 1
    assert args.hidden == 128
    assert classify_sequences.parse_args(["--data", "mnist", "--data-dir", str(mnist_dir), "--hidden", "8"]).hidden == 8
    assert classify_sequences.parse_args([]).hidden == 64


def test_a_missing_mnist_folder_is_a_usage_error_naming_option_and_path(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    refused(["--data", "mnist", "--data-dir", str(missing)], capsys, f"--data-dir {missing}", "no such folder")
    refused(["--data", "mnist"], capsys, "--data mnist needs --data-dir")


def test_a_missing_mnist_file_is_a_usage_error_naming_option_path_and_file(mnist_dir, capsys):
    (mnist_dir / "t10k-labels-idx1-ubyte.gz").unlink()
    refused(["--data", "mnist", "--data-dir", str(mnist_dir)], capsys, f"--data-dir {mnist_dir}",
            "no t10k-labels-idx1-ubyte")


def test_a_corrupt_mnist_file_is_a_usage_error_too(mnist_dir, capsys):
    (mnist_dir / TRAIN_FILES[1]).write_bytes(b"not an idx file")
    refused(["--data", "mnist", "--data-dir", str(mnist_dir)], capsys, f"--data-dir {mnist_dir}", "bad magic number")


def test_mnist_options_are_refused_for_other_data(mnist_dir, capsys):
    refused(["--data-dir", str(mnist_dir)], capsys, "--data-dir is for --data mnist")
    refused(["--data", "digits", "--limit", "5"], capsys, "--limit is for --data mnist")
