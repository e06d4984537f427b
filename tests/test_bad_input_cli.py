"""The example CLIs refuse bad input before training: usage error (exit 2), a message naming the option and its
value, and no file created, changed or removed."""
import json
import os
import sys
from pathlib import Path

import pytest

import tinygrad_rnn as tr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import char_rnn  # noqa: E402
import classify_sequences  # noqa: E402
import train_copy_task  # noqa: E402
import vanishing_gradients  # noqa: E402

TINY = ["--hidden", "8", "--batch", "8", "--quiet"]


def files(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def refused(main, argv, capsys, folder: Path, *expected: str) -> str:
    """Run ``main(argv)``: it must exit with a usage error naming ``expected`` and leave ``folder`` as it was."""
    before = files(folder)
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"
    assert files(folder) == before
    return err


@pytest.fixture(scope="module")
def lag5(tmp_path_factory):
    """A copy-task checkpoint at step 2, lag 5, batch 8, lr 0.015."""
    folder = tmp_path_factory.mktemp("lag5")
    train_copy_task.main(["--lag", "5", "--steps", "2", *TINY, "--checkpoint", str(folder / "c.ckpt"),
                          "--checkpoint-every", "2"])
    return folder / "c.ckpt"


def test_resume_with_contradicting_settings_lists_every_conflict_and_runs_nothing(lag5, tmp_path, capsys):
    metrics = tmp_path / "m.json"
    refused(train_copy_task.main, ["--resume", str(lag5), "--steps", "4", "--lag", "9", "--batch", "16", "--lr",
                                   "0.5", "--metrics", str(metrics), "--quiet"], capsys, lag5.parent,
            "--lag 9 (checkpoint: 5)", "--batch 16 (checkpoint: 8)", "--lr 0.5 (checkpoint: 0.015)")
    assert not metrics.exists()


def test_resume_without_those_flags_runs_the_checkpoints_settings_and_says_so(lag5, tmp_path, capsys):
    metrics = tmp_path / "m.json"
    assert train_copy_task.main(["--resume", str(lag5), "--steps", "4", "--metrics", str(metrics), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"resuming {lag5} at step 2; from the checkpoint: --lag 5, --hidden 8, --batch 8" in out
    assert "copy task: lag 5," in out and "batch 8," in out
    m = json.loads(metrics.read_text())
    assert (m["lag"], m["batch"], m["hidden"], m["lr"], m["steps"], m["resumed_from_step"]) == (5, 8, 8, 0.015, 4, 2)


def test_resume_that_asks_for_no_more_steps_is_refused(lag5, capsys):
    refused(train_copy_task.main, ["--resume", str(lag5), "--steps", "2"], capsys, lag5.parent,
            "--steps 2", "already at step 2")


def test_resume_from_a_corrupted_checkpoint_names_it_and_trains_nothing(lag5, tmp_path, capsys):
    bad = tmp_path / "bad.ckpt"
    raw = bytearray(lag5.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    bad.write_bytes(bytes(raw))
    refused(train_copy_task.main, ["--resume", str(bad), "--steps", "4"], capsys, tmp_path,
            f"--resume {bad}", "is corrupted")


@pytest.mark.parametrize("argv, expected", [
    (["--clip", "-1"], "argument --clip: expected a number > 0, or 'none' for no clipping, got -1"),
    (["--clip", "0"], "argument --clip: expected a number > 0, or 'none' for no clipping, got 0"),
    (["--clip", "nan"], "argument --clip: expected a number > 0, or 'none' for no clipping, got nan"),
    (["--lag", "0"], "argument --lag: expected an integer >= 1, got 0"),
    (["--hidden", "-3"], "argument --hidden: expected an integer >= 1, got -3"),
    (["--batch", "2.5"], "argument --batch: expected an integer >= 1, got '2.5'"),
    (["--lr", "0"], "argument --lr: expected a finite number > 0, got 0"),
    (["--lr", "inf"], "argument --lr: expected a finite number > 0, got inf"),
    (["--lr-drop", "0"], "argument --lr-drop: expected a number in (0, 1], got 0"),
    (["--lr-drop-at", "1.5"], "argument --lr-drop-at: expected a number in [0, 1], got 1.5"),
    (["--checkpoint-every", "0"], "argument --checkpoint-every: expected an integer >= 1, got 0"),
    (["--steps", "0"], "argument --steps: expected an integer >= 1, got 0"),
    (["--seed", "-1"], "argument --seed: expected an integer >= 0, got -1")])
def test_copy_task_values_are_checked(argv, expected, tmp_path, capsys):
    refused(train_copy_task.main, argv, capsys, tmp_path, expected)


def test_outputs_that_cannot_be_written_fail_before_training(tmp_path, capsys):
    missing = tmp_path / "nope" / "m.json"
    refused(train_copy_task.main, ["--metrics", str(missing)], capsys, tmp_path,
            f"--metrics {missing}: the folder {missing.parent} does not exist")
    refused(train_copy_task.main, ["--checkpoint", str(missing)], capsys, tmp_path, f"--checkpoint {missing}")
    refused(train_copy_task.main, ["--plot", str(tmp_path)], capsys, tmp_path, f"--plot {tmp_path}: is a folder")
    same = tmp_path / "x"
    refused(train_copy_task.main, ["--metrics", str(same), "--plot", str(same)], capsys, tmp_path,
            f"--metrics and --plot are the same file, {same}")
    under_a_file = tmp_path / "file.txt"
    under_a_file.write_text("a file, not a folder")
    refused(char_rnn.main, ["--metrics", str(under_a_file / "m.json")], capsys, tmp_path, "--metrics", "file.txt")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root writes into read-only folders, so there is no read-only folder to test with")
def test_a_read_only_folder_fails_before_training(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        refused(train_copy_task.main, ["--metrics", str(folder / "m.json")], capsys, tmp_path,
                f"--metrics {folder / 'm.json'}: cannot write into {folder}")
    finally:
        folder.chmod(0o755)


@pytest.mark.skipif(tr.cuda_available(), reason="a GPU is here, so --device cuda is valid")
def test_device_cuda_without_a_gpu_is_a_usage_error(tmp_path, capsys):
    refused(train_copy_task.main, ["--device", "cuda"], capsys, tmp_path, "--device cuda: no GPU available")


def test_char_rnn_checks_its_values_and_the_checkpoint_it_samples_from(lag5, tmp_path, capsys):
    refused(char_rnn.main, ["--temperature", "0"], capsys, tmp_path, "argument --temperature", "got 0")
    refused(char_rnn.main, ["--clip", "-1"], capsys, tmp_path, "argument --clip", "got -1")
    refused(char_rnn.main, ["--sample", str(tmp_path / "none.ckpt")], capsys, tmp_path, "--sample", "none.ckpt")
    refused(char_rnn.main, ["--sample", str(lag5)], capsys, lag5.parent, f"--sample {lag5}: not a char_rnn checkpoint")
    garbage = tmp_path / "garbage.ckpt"
    garbage.write_bytes(b"\x80\x04 a pickle, say")
    refused(char_rnn.main, ["--sample", str(garbage)], capsys, tmp_path, f"--sample {garbage}",
            "is not a tinygrad_rnn file")
    refused(char_rnn.main, ["--text", str(tmp_path / "missing.txt")], capsys, tmp_path, "--text", "missing.txt")


def test_classify_and_vanishing_gradients_check_their_values(tmp_path, capsys):
    refused(classify_sequences.main, ["--clip", "-1"], capsys, tmp_path, "argument --clip", "got -1")
    refused(classify_sequences.main, ["--epochs", "0"], capsys, tmp_path, "argument --epochs", "got 0")
    refused(vanishing_gradients.main, ["--clip", "0"], capsys, tmp_path, "argument --clip", "got 0")
    refused(vanishing_gradients.main, ["--length", "1"], capsys, tmp_path, "--length 1", "at least 2 steps")


def test_no_clipping_is_spelled_none_everywhere(tmp_path):
    for module in (train_copy_task, char_rnn, classify_sequences):
        assert module.parse_args(["--clip", "none"]).clip is None
        assert module.parse_args(["--clip", "None"]).clip is None
    m = tmp_path / "m.json"
    train_copy_task.main(["--lag", "2", "--steps", "2", *TINY, "--clip", "none", "--metrics", str(m)])
    assert json.loads(m.read_text())["clip"] is None
