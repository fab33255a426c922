"""The spiking digits data set: split, encoders, batches for fit, seeds, errors."""

import sys

import numpy as np
import pytest

from rockpool.datasets import SpikingDigits, latency_encode, poisson_encode, spiking_digits


@pytest.fixture(scope="module")
def digits():
    return spiking_digits("poisson", T=10, seed=3)


def test_split_is_stratified_fixed_and_disjoint(digits):
    assert isinstance(digits, SpikingDigits)
    n_train, n_test = len(digits.labels_train), len(digits.labels_test)
    assert (n_train, n_test) == (1347, 450) and n_test / (n_train + n_test) >= 0.2
    share = np.bincount(digits.labels_test, minlength=10) / n_test
    np.testing.assert_allclose(share, np.bincount(digits.labels_train, minlength=10) / n_train, atol=0.01)
    assert digits.images_train.shape == (n_train, 8, 8) and digits.images_train.dtype == np.float32
    assert 0.0 <= digits.images_train.min() and digits.images_train.max() <= 1.0
    train_rows = {im.tobytes() for im in digits.images_train}
    overlap = sum(im.tobytes() in train_rows for im in digits.images_test)
    assert overlap <= 2  # sklearn's digits hold a couple of duplicate images, nothing more
    # - another encoding seed keeps the split; another split seed changes it
    other = spiking_digits("latency", T=10, seed=9)
    np.testing.assert_array_equal(other.labels_test, digits.labels_test)
    assert not np.array_equal(spiking_digits(T=10, split_seed=1).labels_test, digits.labels_test)


def test_batches_have_the_shape_fit_takes_and_change_per_epoch(digits):
    data = digits.train_batches(64)
    e0, e0_again, e1 = data(0), data(0), data(1)
    assert len(e0) == 1347 // 64
    for x, y in e0:
        assert x.shape == (64, 10, 64) and x.dtype == np.float32 and y.shape == (64,) and y.dtype == np.int32
        assert set(np.unique(x)) <= {0.0, 1.0}
    np.testing.assert_array_equal(e0[0][0], e0_again[0][0])
    assert not np.array_equal(e0[0][1], e1[0][1])  # new order every epoch
    # - the spikes are the documented encoder applied to the shuffled images
    order = np.random.default_rng([3, 0, 0]).permutation(1347)[:64 * 21]
    expect = poisson_encode(digits.images_train[order], 10, max_rate=500.0, seed=[3, 0, 1])
    np.testing.assert_array_equal(e0[0][0], expect[:64])
    x_test, y_test = digits.test_set()
    assert x_test.shape == (450, 10, 64) and digits.test_set()[0] is x_test
    np.testing.assert_array_equal(y_test, digits.labels_test)
    with pytest.raises(ValueError, match="batch_size"):
        digits.train_batches(0)


def test_latency_scan_and_custom_encoders():
    lat = spiking_digits("latency", T=12, n_samples=100)
    x, _ = lat.test_set()
    np.testing.assert_array_equal(x, latency_encode(lat.images_test, 12, threshold=0.05))
    scan = spiking_digits("scan", n_samples=100, steps_per_row=2, threshold=0.5)
    assert (scan.T, scan.n_channels) == (18, 16) and scan.test_set()[0].max() >= 1
    custom = spiking_digits(lambda im, seed: np.repeat(im.reshape(len(im), 1, 64), 5, axis=1), n_samples=100)
    assert (custom.T, custom.n_channels) == (5, 64)
    assert repr(lat).startswith("SpikingDigits(75 train / 25 test digits, encoder latency, T=12")


@pytest.mark.parametrize("kwargs, match", [
    ({"encoder": "rate"}, "encoder must be one of"),
    ({"encoder": "scan", "T": 32}, "steps_per_row"),
    ({"test_fraction": 1.0}, "test_fraction"),
    ({"n_samples": 10}, "n_samples"),
    ({"n_samples": 30}, "stratified split needs"),
    ({"encoder": lambda im, s: im.reshape(len(im), 64), "n_samples": 100}, r"\(B, T, N\)"),
    # - QA pass: odd seeds, fractions and options
    ({"test_fraction": "a"}, "test_fraction"),
    ({"seed": 1.5}, "seed must be a whole number"),
    ({"split_seed": -1}, "split_seed must be a whole number"),
    ({"encoder": "poisson", "foo": 1}, r"unknown option\(s\) \['foo'\]"),
])
def test_bad_arguments_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        spiking_digits(**kwargs)


def test_missing_scikit_learn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'rockpool\[data\]'"):
        spiking_digits()


def test_encode_and_batches_reject_misuse(digits):
    with pytest.raises(ValueError, match=r"images must be \(8, 8\) or \(B, 8, 8\)"):
        digits.encode(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="epoch must be a whole number >= 0"):
        digits.batches(batch_size=8, epoch=-1)
