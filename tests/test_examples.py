"""The examples run from their command lines and really learn (tiny settings, no timing)."""
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn import nn
from tinygrad_rnn.inspect import gradient_flow

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

import char_rnn  # noqa: E402
import classify_sequences  # noqa: E402
import train_copy_task  # noqa: E402
import vanishing_gradients  # noqa: E402


@pytest.mark.slow
def test_copy_task_example_writes_metrics_plot_and_a_summary(tmp_path, capsys):
    metrics, png = tmp_path / "m.json", tmp_path / "p.png"
    plotting = ["--plot", str(png)] if importlib.util.find_spec("matplotlib") else []
    code = train_copy_task.main(["--lag", "3", "--steps", "20", "--hidden", "8", "--batch", "8", "--quiet",
                                 "--metrics", str(metrics), "--checkpoint", str(tmp_path / "c.ckpt"),
                                 "--checkpoint-every", "10", *plotting])
    assert code == 0
    m = json.loads(metrics.read_text())
    assert {"solved", "accuracy", "loss", "baseline", "steps", "seconds", "lag", "model"} <= set(m)
    assert m["steps"] == 20 and m["lag"] == 3
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith(("SOLVED", "NOT solved")) and "20 steps" in last
    if plotting:
        assert png.read_bytes().startswith(b"\x89PNG")
    resumed = train_copy_task.main(["--steps", "25", "--quiet", "--resume", str(tmp_path / "c.ckpt"), "--metrics",
                                    str(metrics)])
    assert resumed == 0 and json.loads(metrics.read_text())["steps"] == 25
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["c.ckpt", "m.json"] + (["p.png"] if plotting else []))


def test_copy_task_resume_continues_the_run_bit_for_bit(tmp_path):
    base = ["--lag", "3", "--hidden", "8", "--batch", "8", "--quiet", "--lr-drop-at", "0.2"]
    train_copy_task.main(base + ["--steps", "12", "--metrics", str(tmp_path / "full.json")])
    train_copy_task.main(base + ["--steps", "6", "--checkpoint", str(tmp_path / "c.ckpt"), "--checkpoint-every", "6"])
    train_copy_task.main(["--steps", "12", "--resume", str(tmp_path / "c.ckpt"), "--metrics",
                          str(tmp_path / "resumed.json"), "--quiet"])
    full, resumed = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("full", "resumed"))
    assert (resumed["loss"], resumed["final_lr"]) == (full["loss"], full["final_lr"])


def test_copy_task_example_drops_the_learning_rate_once_at_the_accuracy_threshold(tmp_path):
    metrics = tmp_path / "m.json"
    base = ["--lag", "3", "--steps", "5", "--hidden", "8", "--batch", "8", "--quiet", "--metrics", str(metrics),
            "--lr", "0.01"]
    train_copy_task.main(base + ["--lr-drop-at", "0", "--lr-drop", "0.5"])  # reached at once: dropped, once
    assert json.loads(metrics.read_text())["final_lr"] == pytest.approx(0.005)
    train_copy_task.main(base + ["--lr-drop-at", "1"])  # smoothed accuracy cannot reach 1 in 5 steps
    assert json.loads(metrics.read_text())["final_lr"] == pytest.approx(0.01)
    ckpt, dropping = tmp_path / "c.ckpt", ["--lr-drop-at", "0", "--lr-drop", "0.5"]
    train_copy_task.main(base + dropping + ["--checkpoint", str(ckpt), "--checkpoint-every", "5"])
    train_copy_task.main(["--steps", "8", "--quiet", "--metrics", str(metrics), "--resume", str(ckpt)])
    assert json.loads(metrics.read_text())["final_lr"] == pytest.approx(0.005)  # remembered: not dropped twice


def test_the_learning_rate_drop_is_a_scheduler_stepped_after_the_update():
    opt = tr.optim.SGD([tr.Tensor(np.zeros(2), requires_grad=True)], lr=1.0)
    drop = train_copy_task.DropOnce(opt, 0.5, at=0.15)
    drop.step(1.0)  # smoothed 0.1
    assert opt.param_groups[0]["lr"] == 1.0
    drop.step(1.0)  # smoothed 0.19: dropped
    drop.step(1.0)
    assert opt.param_groups[0]["lr"] == 0.5 and drop.state_dict() == {"smoothed": pytest.approx(0.271),
                                                                       "dropped": True}


def test_copy_task_example_rejects_bad_arguments():
    with pytest.raises(SystemExit) as e:
        train_copy_task.parse_args(["--lag", "0"])
    assert e.value.code == 2
    with pytest.raises(SystemExit):
        train_copy_task.parse_args(["--lr-drop", "0"])


def recurrent_weights_scaled(rnn, gain, identity=False):
    (nn.init.eye_ if identity else nn.init.orthogonal_)(rnn.weight_hh_l0, gain=gain)
    return rnn


def test_tanh_rnn_gradients_vanish_over_100_steps():
    tr.manual_seed(0)
    rnn = recurrent_weights_scaled(nn.RNN(2, 32, dtype=np.float64), 0.5)
    x = tr.Tensor(np.random.default_rng(0).standard_normal((100, 4, 2)))
    dh = gradient_flow(rnn, x)["dh"]
    assert dh[0] / dh[-1] < 1e-6, f"‖∂L/∂h_1‖ / ‖∂L/∂h_100‖ = {dh[0] / dh[-1]:.2e}"
    assert np.all(np.diff(np.log(dh)) > 0)  # shrinks at every step back


def test_relu_rnn_with_recurrent_gain_above_one_explodes_and_clipping_bounds_the_step():
    tr.manual_seed(0)
    rnn = recurrent_weights_scaled(nn.RNN(2, 32, nonlinearity="relu", dtype=np.float64), 1.5, identity=True)
    x = tr.Tensor(np.abs(np.random.default_rng(0).standard_normal((100, 4, 2))))
    dh = gradient_flow(rnn, x)["dh"]
    assert dh[0] / dh[-1] > 1e6, f"‖∂L/∂h_1‖ / ‖∂L/∂h_100‖ = {dh[0] / dh[-1]:.2e}"
    out, _ = rnn(x)
    out[-1].sum().backward()
    total = nn.utils.clip_grad_norm_(rnn.parameters(), 1.0)
    clipped = np.sqrt(sum((p.grad.numpy() ** 2).sum() for p in rnn.parameters()))
    assert total > 1e6 and clipped == pytest.approx(1.0, rel=1e-5)


def test_gradient_flow_leaves_the_layer_as_found():
    rnn = nn.GRU(2, 3, dtype=np.float64)
    x = tr.Tensor(np.ones((5, 1, 2)))
    flow = gradient_flow(rnn, x)
    assert rnn.impl == "fused" and all(p.grad is None for p in rnn.parameters())
    assert flow["dh"].shape == (5,) and flow["dx"].shape == (5,)


def test_vanishing_gradients_example_prints_its_table(capsys):
    assert vanishing_gradients.main(["--length", "20", "--hidden", "8", "--train-steps", "2"]) == 0
    out = capsys.readouterr().out
    for name in vanishing_gradients.MODELS:
        assert f"{name}, init" in out


@pytest.mark.slow
def test_char_rnn_learns_far_below_the_unigram_baseline(tmp_path):
    args = char_rnn.parse_args(["--chars", "20000", "--model", "gru", "--hidden", "64", "--seq", "32", "--batch",
                                "16", "--steps", "150", "--lr", "0.02", "--eval-every", "150", "--sample-every",
                                "0", "--quiet", "--checkpoint", str(tmp_path / "c.ckpt")])
    m = char_rnn.run(args)
    assert m["train_bpc"] < 0.7 * m["unigram_bpc"], m
    assert m["valid_bpc"] < m["unigram_bpc"], m
    sample = char_rnn.run(char_rnn.parse_args(["--sample", str(tmp_path / "c.ckpt"), "--prompt", "def ",
                                               "--length", "40"]))["sample"]  # the checkpoint knows the model
    assert sample.startswith("def ") and len(sample) == 44


def test_char_rnn_resumes_with_its_carried_state_bit_for_bit(tmp_path):
    base = ["--chars", "3000", "--model", "lstm", "--hidden", "8", "--seq", "8", "--batch", "4", "--eval-every", "0",
            "--sample-every", "0", "--quiet"]
    full = char_rnn.run(char_rnn.parse_args(base + ["--steps", "6"]))
    char_rnn.run(char_rnn.parse_args(base + ["--steps", "3", "--checkpoint", str(tmp_path / "c.ckpt")]))
    resumed = char_rnn.run(char_rnn.parse_args(["--steps", "6", "--quiet", "--resume", str(tmp_path / "c.ckpt")]))
    assert resumed["valid_bpc"] == full["valid_bpc"]


@pytest.mark.slow
@pytest.mark.parametrize("bidirectional", [False, True])
def test_waveform_classification_beats_chance_by_far(bidirectional):
    argv = ["--epochs", "5", "--hidden", "32", "--lr", "0.02", "--quiet"]
    argv += ["--bidirectional"] if bidirectional else []
    m = classify_sequences.run(classify_sequences.parse_args(argv))
    assert m["test_accuracy"] > 0.7 and m["chance"] == 0.25, m  # four shapes: chance is a quarter


@pytest.mark.slow
def test_digits_classification_when_scikit_learn_is_installed():
    pytest.importorskip("sklearn", reason="the digits data set ships with scikit-learn, not installed here")
    m = classify_sequences.run(classify_sequences.parse_args(["--data", "digits", "--epochs", "5", "--quiet"]))
    assert m["test_accuracy"] > 0.8, m
