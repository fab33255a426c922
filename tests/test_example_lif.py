"""The LIF classification example trains well above chance (a fast version), and its data set."""

import importlib.util
import os

import numpy as np

from rockpool.datasets import spike_pattern_classification, spike_patterns

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "examples", "lif_classification.py")


def test_dataset_is_seeded_and_shaped():
    x, y = spike_pattern_classification(n_samples=12, n_classes=3, n_channels=5, T=50, seed=4)
    x2, y2 = spike_pattern_classification(n_samples=12, n_classes=3, n_channels=5, T=50, seed=4)
    assert x.shape == (12, 50, 5) and x.dtype == np.float32 and y.dtype == np.int32
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert sorted(np.bincount(y)) == [4, 4, 4] and set(np.unique(x)) <= {0.0, 1.0}
    # - without jitter, drops and noise a sample is exactly its class template
    clean, lab = spike_pattern_classification(6, 3, 5, 50, jitter=0.0, drop_prob=0.0, noise_rate=0.0, seed=4)
    templates = spike_patterns(3, 5, 50, seed=4)
    for xi, c in zip(clean, lab, strict=True):
        np.testing.assert_array_equal(xi, templates[c])
    # - another sample seed: same task, new samples
    x3, _ = spike_pattern_classification(n_samples=12, n_classes=3, n_channels=5, T=50, seed=4, sample_seed=9)
    assert not np.array_equal(x, x3)


def test_example_trains_well_above_chance():
    spec = importlib.util.spec_from_file_location("lif_classification", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    result = mod.train(steps=30, n_train=128, batch=32, verbose=False)
    assert result["test_accuracy"] > 0.8 > 3 * result["chance"]
