"""`python -m rockpool demo`: options, output files, summary; light imports."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rockpool.__main__ import main
from rockpool.datasets import spike_pattern_classification

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONPATH": str(REPO)}


DEMO_FILES = ("digits_loss.png", "digits_accuracy.png", "digits_confusion.png", "digits_rasters.png",
              "rate_loss.png", "rate_outputs.png")


def test_demo_quick_writes_every_output_and_the_nir_round_trip_agrees(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--quick", "--out", str(out), "--seed", "1", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert str(out.resolve()) in printed and "test accuracy" in printed and "NIR round trip" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 1 and summary["quick"] is True
    d, rate = summary["digits"], summary["rate_network"]
    # - digits: 225 training digits in batches of 32 -> 7 steps per epoch, 2 epochs
    assert d["steps"] == 14 and d["n_train"] == 225 and d["n_test"] == 75
    assert d["final_loss"] < d["initial_loss"] and 0.0 <= d["test_accuracy"] <= 1.0
    assert d["test_accuracy_nir"] == d["test_accuracy"] and d["nir_same_accuracy"] is True
    assert d["nir_max_output_difference"] == 0.0  # our own network survives NIR bit-exactly
    # - weights in, recurrent, out; tau_mem, tau_syn, bias, threshold per neuron
    assert d["n_parameters"] == 64 * 32 + 32 * 32 + 32 * 10 + 4 * 32
    assert d["steps_per_s"] > 0 and d["train_s"] > 0
    curve = d["accuracy_curve"]
    assert curve["step"] == [0.0, 7.0, 14.0] and curve["test"][-1] == d["test_accuracy"]
    assert rate["steps"] == 60 and rate["final_loss"] < rate["initial_loss"]
    assert rate["min_tau_ms"] >= 11.0 - 1e-4  # the bound held
    for name in DEMO_FILES:
        assert (out / name).read_bytes()[:4] == b"\x89PNG", name
    assert {"digits_checkpoint.npz", "digits.nir", "rate_network.npz"} <= set(summary["files"])
    text = (out / "summary.txt").read_text()
    assert "spiking digits classifier" in text and "(same)" in text and "parameters" in text
    # - the checkpoint holds the trained network
    from rockpool.training import load_module

    from rockpool.demo.digits import build_network

    trained = load_module(out / "digits_checkpoint.npz", build_network(64, 32, 10))
    assert trained[1].w_rec.shape == (32, 32)


def test_missing_scikit_learn_is_a_clear_cli_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert main(["demo", "--quick", "--out", str(tmp_path / "o"), "--no-progress"]) == 1
    assert "rockpool[data]" in capsys.readouterr().err


def test_help_lists_options_and_imports_stay_light():
    out = subprocess.run([sys.executable, "-m", "rockpool", "demo", "--help"], capture_output=True,
                         text=True, env=ENV, cwd=REPO, timeout=60)
    assert out.returncode == 0
    for option in ("--epochs", "--out", "--seed", "--quick"):
        assert option in out.stdout
    bad = subprocess.run([sys.executable, "-m", "rockpool", "demo", "--epochs", "0"], capture_output=True,
                         text=True, env=ENV, cwd=REPO, timeout=60)
    assert bad.returncode == 2 and "--epochs" in bad.stderr
    code = ("import sys, rockpool.training, rockpool.plotting, rockpool.__main__; "
            "print('jax' in sys.modules, 'matplotlib' in sys.modules)")
    light = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=60)
    assert light.stdout.split() == ["False", "False"], light.stderr


def test_bad_seed_and_out_file_are_clear_errors(tmp_path, capsys):
    # regression: a negative seed or an --out that is a file ended in a NumPy / OS traceback
    assert main(["demo", "--quick", "--seed", "-1", "--out", str(tmp_path / "o")]) == 2
    assert "--seed" in capsys.readouterr().err
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert main(["demo", "--quick", "--out", str(a_file)]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_spike_pattern_dataset_rejects_bad_arguments():
    # regression: n_classes=0 raised ZeroDivisionError, a negative rate silently gave no spikes
    x, y = spike_pattern_classification(6, n_classes=3, n_channels=5, T=20, seed=2)
    assert x.shape == (6, 20, 5) and sorted(y.tolist()) == [0, 0, 1, 1, 2, 2]
    for kwargs, match in [({"n_classes": 0}, "n_classes"), ({"T": 2.5}, "T must"),
                          ({"rate": -1.0}, "rate must"), ({"drop_prob": 1.5}, "drop_prob"),
                          ({"dt": 0.0}, "dt must")]:
        with pytest.raises(ValueError, match=match):
            spike_pattern_classification(4, **kwargs)
