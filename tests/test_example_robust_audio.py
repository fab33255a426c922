"""The robustness and audio examples run (fast modes) and produce sensible results."""

import importlib.util
import os

import numpy as np

HERE = os.path.dirname(__file__)


def _load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, "..", "examples", f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_robust_training_fast():
    mod = _load("robust_training")
    out = mod.main(["--fast"])
    res = out["results"][0]
    assert set(res) == {"plain", "noise", "adversarial"} and out["levels"] == [0.0, 0.1, 0.2, 0.3]
    for r in res.values():
        acc = np.asarray(r["acc"])
        assert acc.shape == (4, 3) and ((acc >= 0) & (acc <= 1)).all()
        assert 0 <= r["quantised_8bit"] <= 1 and np.isfinite(r["final_loss"])


def test_audio_ctc_fast():
    mod = _load("audio_ctc")
    audio, labels, lengths = mod.synth_utterances(4, seed=1)
    assert audio.shape == (4, 3200) and labels.shape == (4, 3)
    assert all((labels[i, : lengths[i]] > 0).all() and (labels[i, lengths[i]:] == 0).all() for i in range(4))
    assert mod.greedy_decode(np.eye(4)[[0, 2, 2, 0, 1, 1]][None]) == [[2, 1]]
    res = mod.run(fast=True, verbose=False)
    assert np.mean(res["losses"][-5:]) < 0.7 * res["losses"][0] and 0 <= res["sequence_accuracy"] <= 1
