"""Spike encoders: shapes, dtypes, seeds, JAX inputs, and statistics against closed forms."""

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rockpool.datasets import delta_encode, latency_encode, poisson_encode, scan_encode, to_tsevents


# ---------------------------------------------------------------------------------------- Poisson
def test_poisson_rates_and_variance_match_the_binomial_closed_form():
    x = np.array([[0.0, 0.1, 0.5, 1.0]])
    T, max_rate, dt = 400, 200.0, 1e-3
    s = poisson_encode(np.repeat(x, 500, axis=0), T, max_rate=max_rate, dt=dt, seed=1)
    assert s.shape == (500, T, 4) and s.dtype == np.bool_
    p = x[0] * max_rate * dt
    counts = s.sum(axis=1)  # (500, 4): binomial(T, p) per sample and channel
    mean_se = np.sqrt(T * p * (1 - p) / 500)
    assert np.all(np.abs(counts.mean(0) - T * p) <= 5 * mean_se + 1e-12)
    np.testing.assert_allclose(counts.var(0)[1:], T * p[1:] * (1 - p[1:]), rtol=0.2)
    assert counts[:, 0].max() == 0
    # - inter-spike gaps of a Bernoulli process are geometric with mean 1 / p
    t = np.nonzero(s[:, :, 2].ravel())[0]
    gaps = np.diff(t)[np.diff(t) > 0]
    assert abs(gaps.mean() - 1 / p[2]) < 0.05 * (1 / p[2])


def test_poisson_is_seeded_accepts_jax_and_images():
    x = np.random.default_rng(0).random((3, 8, 8))
    a = poisson_encode(x, 20, seed=5)
    assert a.shape == (3, 20, 64)
    np.testing.assert_array_equal(a, poisson_encode(jnp.asarray(x), 20, seed=5))
    assert not np.array_equal(a, poisson_encode(x, 20, seed=6))
    assert poisson_encode(np.array([0.2, 0.3]), 7).shape == (1, 7, 2)


@pytest.mark.parametrize("kwargs, match", [
    ({"x": np.array([[0.5, 1.5]])}, r"\[0, 1\]"),
    ({"x": np.array([[np.nan]])}, "NaN"),
    ({"max_rate": 2000.0}, "max_rate \\* dt"),
    ({"T": 0}, "T"),
    ({"dt": -1e-3}, "dt"),
    ({"x": np.array(["a"])}, "numeric"),
])
def test_poisson_rejects_bad_arguments(kwargs, match):
    args = {"x": np.array([[0.5]]), "T": 5, **kwargs}
    with pytest.raises(ValueError, match=match):
        poisson_encode(**args)


# ---------------------------------------------------------------------------------------- latency
def test_latency_linear_first_spike_times_are_the_closed_form():
    x = np.random.default_rng(2).random((6, 30))
    T = 25
    s = latency_encode(x, T, threshold=0.1)
    assert s.dtype == np.bool_ and s.shape == (6, T, 30)
    assert s.sum(axis=1).max() == 1  # at most one spike per channel
    fires = x > 0.1
    np.testing.assert_array_equal(s.any(axis=1), fires)
    np.testing.assert_array_equal(np.argmax(s, axis=1)[fires], np.round((1 - x) * (T - 1))[fires])


def test_latency_log_matches_the_rc_charging_time_and_drops_late_spikes():
    x = np.linspace(0.0, 1.0, 41)[None]
    tau, theta, dt, T = 4e-3, 0.3, 0.5e-3, 20
    s = latency_encode(jnp.asarray(x), T, mode="log", tau=tau, threshold=theta, dt=dt)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.floor(tau * np.log(x / (x - theta)) / dt + 1e-9)
    expect = (x > theta) & (k < T)
    np.testing.assert_array_equal(s.any(axis=1), expect)
    np.testing.assert_array_equal(np.argmax(s, axis=1)[expect], k[expect])
    assert expect.sum() < (x > theta).sum()  # some channels crossed too late and are silent
    # - monotone: brighter never later
    first = np.where(expect, np.argmax(s, axis=1), T)[0]
    assert np.all(np.diff(first[x[0] > theta]) <= 0)


def test_latency_rejects_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        latency_encode(np.array([0.5]), 5, mode="exp")
    with pytest.raises(ValueError, match="threshold"):
        latency_encode(np.array([0.5]), 5, mode="log", threshold=0.0)
    with pytest.raises(ValueError, match="tau"):
        latency_encode(np.array([0.5]), 5, mode="log", tau=0.0)


# ---------------------------------------------------------------------------------------- delta
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 3)),
                  elements=st.floats(-5, 5)),
       st.floats(0.05, 2.0))
def test_delta_events_reconstruct_the_signal_within_one_threshold(x, theta):
    ev = delta_encode(x, theta)
    assert ev.shape == (1, x.shape[0], 2 * x.shape[1]) and ev.dtype == np.int32 and ev.min() >= 0
    ref = x[0] + theta * np.cumsum(ev[0, :, 0::2] - ev[0, :, 1::2], axis=0)
    assert np.all(np.abs(x - ref) < theta * (1 + 1e-6))
    assert not ev[0, 0].any()  # the reference starts at the first sample


def test_delta_counts_of_a_ramp_and_a_sine_are_the_closed_forms():
    A, theta = 1.0, 0.3
    ramp = np.linspace(0.0, A, 500)
    ev = delta_encode(ramp, theta)
    assert ev[0, :, 0].sum() == np.floor(A / theta) and ev[0, :, 1].sum() == 0
    assert ev.max() == 1  # fine sampling: one event per step at most
    # - one period of a sine from 0: k = floor(A / theta) UP to the peak, 2k DOWN to the trough,
    #   k UP back to 0: 2k UP and 2k DOWN events in all
    k = int(np.floor(A / theta))
    sine = A * np.sin(np.linspace(0, 2 * np.pi, 1001))
    ev = delta_encode(jnp.asarray(sine[:, None]), theta)
    assert ev[0, :, 0].sum() == 2 * k and ev[0, :, 1].sum() == 2 * k
    # - a jump of 2.5 thresholds in one step is 2 events in that step
    ev = delta_encode(np.array([0.0, 0.75]), theta, initial=0.0)
    assert ev[0, 1].tolist() == [2, 0]
    with pytest.raises(ValueError, match="threshold"):
        delta_encode(ramp, 0.0)
    with pytest.raises(ValueError, match="signal must be"):
        delta_encode(np.zeros((2, 3, 4, 5)), 0.1)


def test_scan_encoder_counts_edges_of_each_column():
    img = np.zeros((2, 8, 8))
    img[0, 2:5, 3] = 1.0  # a vertical bar of 3 rows in column 3
    img[1, 4, :] = 0.6  # a horizontal line: every column rises and falls once
    ev = scan_encode(jnp.asarray(img), threshold=0.25, steps_per_row=4)
    assert ev.shape == (2, 9 * 4, 16)
    up, down = ev[..., 0::2].sum(axis=1), ev[..., 1::2].sum(axis=1)
    assert up[0].tolist() == [0, 0, 0, 4, 0, 0, 0, 0] and down[0].tolist() == up[0].tolist()
    assert up[1].tolist() == [2] * 8 and down[1].tolist() == [2] * 8  # floor(0.6 / 0.25)
    # - the rise of the bar happens while scanning from row 1 to row 2 (steps 8-11)
    assert np.nonzero(ev[0, :, 6])[0].tolist() == [8, 9, 10, 11]
    with pytest.raises(ValueError, match="images must be"):
        scan_encode(np.zeros(5))


# ---------------------------------------------------------------------------------------- TSEvent
def test_to_tsevents_round_trips_through_the_raster():
    s = poisson_encode(np.full((2, 5), 0.5), 40, max_rate=300.0, seed=3)
    series = to_tsevents(s, dt=1e-3)
    assert len(series) == 2
    for b, ts in enumerate(series):
        assert ts.num_channels == 5 and ts.t_start == 0.0 and ts.t_stop == pytest.approx(0.04)
        np.testing.assert_array_equal(ts.raster(1e-3, add_events=True), s[b].astype(int))
    counts = delta_encode(np.array([0.0, 0.75, 0.0]), 0.3, initial=0.0)
    ts = to_tsevents(counts[0], dt=0.01)[0]
    assert ts.channels.tolist() == [0, 0, 1, 1] and ts.times == pytest.approx([0.015, 0.015, 0.025, 0.025])
    with pytest.raises(ValueError, match="non-negative"):
        to_tsevents(np.array([[-1, 0]]), dt=1e-3)


def test_encoders_misuse_is_explained():
    # - QA pass: empty batches, argument names in the messages, t_start
    assert poisson_encode(np.zeros((0, 4)), T=3).shape == (0, 3, 4)
    assert latency_encode(np.zeros((0, 2, 2)), T=3).shape == (0, 3, 4)
    with pytest.raises(ValueError, match="scan_encode: steps_per_row must be"):
        scan_encode(np.zeros((2, 2)), steps_per_row=0)
    with pytest.raises(ValueError, match="scan_encode: threshold must be"):
        scan_encode(np.zeros((2, 2)), threshold=0.0)
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        delta_encode(np.zeros(3), threshold="high")
    with pytest.raises(ValueError, match="t_start must be a finite number"):
        to_tsevents(np.ones((2, 3), bool), dt=1e-3, t_start=float("nan"))
