"""Tests of rockpool.timeseries: TSContinuous, TSEvent, saving/loading and TSDictOnDisk."""

import io
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import rockpool
from rockpool.nn.modules import RockpoolWarning
from rockpool.timeseries import (
    TimeSeries,
    TSContinuous,
    TSDictOnDisk,
    TSEvent,
    load_ts_from_file,
)

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def ramp(n=5, c=2, dt=0.1, **kw):
    """Clocked ramp: sample k, channel j has value k + 10 j."""
    return TSContinuous.from_clocked(np.arange(n)[:, None] + 10.0 * np.arange(c), dt=dt, **kw)


# ---------------------------------------------------------------------------------------------------
# Imports and exports
# ---------------------------------------------------------------------------------------------------


def test_top_level_exports_are_the_timeseries_objects():
    import rockpool.timeseries as T

    for name in ("TimeSeries", "TSContinuous", "TSEvent", "TSDictOnDisk", "load_ts_from_file"):
        assert getattr(rockpool, name) is getattr(T, name)
    assert issubclass(TSContinuous, TimeSeries) and issubclass(TSEvent, TimeSeries)


def test_import_loads_only_numpy():
    code = (
        "import sys, rockpool.timeseries as T; T.TSContinuous([0.0], [1.0]); "
        "print('jax' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# ---------------------------------------------------------------------------------------------------
# TSContinuous: construction
# ---------------------------------------------------------------------------------------------------


def test_continuous_construction_and_properties():
    ts = TSContinuous([0.0, 0.5, 1.0], [[0, 1], [2, 3], [4, 5]], name="x")
    assert ts.samples.dtype == np.float64 and ts.samples.shape == (3, 2)
    assert ts.times.tolist() == [0.0, 0.5, 1.0]
    assert (ts.t_start, ts.t_stop, ts.duration) == (0.0, 1.0, 1.0)
    assert ts.num_channels == 2 and len(ts) == 3 and ts.name == "x"
    assert (ts.min, ts.max) == (0.0, 5.0)
    assert not ts.periodic and not ts.isempty()
    assert repr(ts) == "TSContinuous 'x' from 0.0 to 1.0 with 3 samples and 2 channels"
    assert str(ts) == repr(ts)


def test_continuous_1d_samples_bool_and_defaults():
    ts = TSContinuous([0.0, 1.0], np.array([True, False]))
    assert ts.samples.shape == (2, 1) and ts.samples.dtype == np.float64
    assert ts.name == "unnamed"
    row = TSContinuous([0.5], [1.0, 2.0, 3.0])  # one time: a 1-D sample is one row of channels
    assert row.samples.shape == (1, 3)
    z = TSContinuous([0.0, 1.0], num_channels=3)
    assert z.samples.shape == (2, 3) and np.all(z.samples == 0)


def test_continuous_unsorted_times_are_sorted_with_samples():
    ts = TSContinuous([1.0, 0.0, 0.5], [[1.0], [0.0], [0.5]])
    assert ts.times.tolist() == [0.0, 0.5, 1.0]
    assert ts.samples.ravel().tolist() == [0.0, 0.5, 1.0]


def test_continuous_does_not_alias_user_arrays():
    t = np.array([0.0, 1.0])
    s = np.array([[1.0], [2.0]])
    ts = TSContinuous(t, s)
    ts += 1
    assert s.ravel().tolist() == [1.0, 2.0] and t.tolist() == [0.0, 1.0]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(times=[0.0, 1.0], samples=[1.0, 2.0, 3.0]), "2 times but 3 samples"),
        (dict(times=[0.0, 1.0], samples=[[1.0, 2.0]] * 2, num_channels=3), "num_channels is 3"),
        (dict(times=None, samples=[1.0]), "from_clocked"),
        (dict(times=[0.0, np.nan], samples=[1.0, 2.0]), "finite"),
        (dict(times=[0.0, 1.0], samples=np.zeros((2, 1, 1))), r"shape \(T,\) or \(T, channels\)"),
        (dict(times=[0.0, 1.0], samples=["a", "b"]), "numeric"),
        (dict(times=[0.5], samples=[1.0], t_start=1.0), "before t_start"),
        (dict(times=[0.5], samples=[1.0], t_stop=0.2), "t_stop"),
        (dict(times=[0.5], samples=[1.0], interp_kind="cubic"), "interp_kind"),
    ],
)
def test_continuous_bad_input_is_a_clear_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TSContinuous(**kwargs)


def test_continuous_times_within_a_nanosecond_snap_to_limits():
    ts = TSContinuous([0.0 - 1e-12, 1.0 + 1e-12], [1.0, 2.0], t_start=0.0, t_stop=1.0)
    assert ts.times.tolist() == [0.0, 1.0]
    assert ts(1.0 + 5e-10).tolist() == [[2.0]]
    assert ts(-5e-10).tolist() == [[1.0]]


def test_empty_continuous_series():
    ts = TSContinuous()
    assert ts.isempty() and len(ts) == 0 and ts.num_channels == 0
    assert repr(ts) == "TSContinuous 'unnamed' from 0.0 to 0.0 with 0 samples and 0 channels"
    assert np.isnan(ts.min) and np.isnan(ts.max)
    e2 = TSContinuous(num_channels=2, t_start=1.0, t_stop=2.0)
    out = e2([1.5])
    assert out.shape == (1, 2) and np.all(np.isnan(out))
    assert (e2 + 1).isempty()


def test_one_sample_series():
    ts = TSContinuous([0.3], [[1.0, 2.0]], interp_kind="linear")
    assert ts.duration == 0.0
    assert ts(0.3).tolist() == [[1.0, 2.0]]
    assert repr(ts).endswith("with 1 sample and 2 channels")
    with pytest.raises(ValueError, match="cannot sample"):
        ts(0.4)
    p = TSContinuous([0.3], [5.0], periodic=True)
    assert p([0.0, 10.0]).ravel().tolist() == [5.0, 5.0]


# ---------------------------------------------------------------------------------------------------
# TSContinuous: sampling
# ---------------------------------------------------------------------------------------------------


def test_previous_interpolation_is_a_step_function():
    ts = TSContinuous([0.0, 1.0, 2.0], [0.0, 10.0, 20.0], t_stop=3.0)
    assert ts([0.0, 0.999, 1.0, 1.5, 2.0, 3.0]).ravel().tolist() == [0, 0, 10, 10, 20, 20]
    assert ts(1.5).shape == (1, 1)


def test_linear_interpolation():
    ts = TSContinuous([0.0, 1.0, 3.0], [[0.0, 1.0], [10.0, 1.0], [30.0, 5.0]], interp_kind="linear")
    np.testing.assert_allclose(ts([0.5, 1.0, 2.0, 3.0]), [[5, 1], [10, 1], [20, 3], [30, 5]])


def test_hold_before_first_sample():
    ts = TSContinuous([0.5, 1.0], [1.0, 2.0], t_start=0.0)
    assert ts([0.0, 0.25]).ravel().tolist() == [1.0, 1.0]
    ts.interp_kind = "linear"
    assert ts([0.0, 0.75]).ravel().tolist() == [1.0, 1.5]


def test_out_of_range_raises_or_warns_with_nan():
    ts = TSContinuous([0.0, 1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"cannot sample at t = 1.5.*\[0.0, 1.0\]"):
        ts([0.5, 1.5])
    with pytest.raises(ValueError, match="beyond_range_exception"):
        ts(-0.1)
    ts.beyond_range_exception = False
    with pytest.warns(RockpoolWarning, match="cannot sample"):
        out = ts([0.5, 1.5, -1.0])
    assert out[0, 0] == 1.0 and np.all(np.isnan(out[1:]))


def test_periodic_sampling_wraps_beyond_t_stop():
    ts = TSContinuous.from_clocked([0.0, 1.0, 2.0, 3.0], dt=0.25, periodic=True)
    assert ts.t_stop == 1.0
    np.testing.assert_array_equal(ts([0.1, 1.1, 2.6, -0.9, 1.0]).ravel(), [0.0, 0.0, 2.0, 0.0, 0.0])
    lin = TSContinuous([0.0, 1.0], [0.0, 1.0], periodic=True, interp_kind="linear")
    np.testing.assert_allclose(lin([0.5, 1.5, 2.25]).ravel(), [0.5, 0.5, 0.25])


def test_sampling_rejects_bad_times():
    ts = ramp()
    with pytest.raises(ValueError, match="finite"):
        ts([0.1, np.nan])
    with pytest.raises(ValueError, match="1-D"):
        ts(np.zeros((2, 2)))


def test_contains():
    ts = TSContinuous([0.0, 1.0], [0.0, 1.0])
    assert ts.contains([0.0, 0.5, 1.0 + 1e-10])
    assert not ts.contains([0.5, 1.1])
    assert TSContinuous([0.0, 1.0], [0.0, 1.0], periodic=True).contains([5.0])


# ---------------------------------------------------------------------------------------------------
# TSContinuous: clocked conversion
# ---------------------------------------------------------------------------------------------------


def test_from_clocked_layout_and_to_clocked():
    x = np.arange(6.0).reshape(3, 2)
    ts = TSContinuous.from_clocked(x, dt=0.1, t_start=1.0, name="rec")
    np.testing.assert_allclose(ts.times, [1.0, 1.1, 1.2])
    assert ts.t_stop == pytest.approx(1.3) and ts.name == "rec"
    np.testing.assert_array_equal(ts.to_clocked(0.1), x)
    # a finer clock repeats values (previous interpolation)
    np.testing.assert_array_equal(ts.to_clocked(0.05)[:, 0], [0, 0, 2, 2, 4, 4])
    # a dt that does not divide the duration: ceil, the last step starts inside the series
    assert ts.to_clocked(0.2).shape == (2, 2)
    with pytest.raises(ValueError, match="dt must be > 0"):
        TSContinuous.from_clocked(x, dt=0.0)


def test_from_clocked_as_used_by_module_records():
    arr = np.random.rand(7, 3).astype(np.float32)
    ts = TSContinuous.from_clocked(arr, dt=1e-3, t_start=0.0, name="vmem")
    assert ts.samples.dtype == np.float64 and ts.samples.shape == (7, 3)
    np.testing.assert_allclose(ts.to_clocked(1e-3), arr, rtol=1e-6)


@given(
    x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=8), elements=finite),
    dt=st.sampled_from([1e-3, 0.01, 0.1, 0.3, 1.0]),
    t_start=st.sampled_from([0.0, -1.0, 0.7, 12.3]),
)
def test_clocked_round_trip(x, dt, t_start):
    ts = TSContinuous.from_clocked(x, dt=dt, t_start=t_start)
    assert len(ts) == x.shape[0]
    np.testing.assert_array_equal(ts.to_clocked(dt), x)


# ---------------------------------------------------------------------------------------------------
# TSContinuous: arithmetic
# ---------------------------------------------------------------------------------------------------


def test_arithmetic_with_scalars_and_arrays():
    ts = ramp(3, 2)
    s = ts.samples
    np.testing.assert_array_equal((ts + 1).samples, s + 1)
    np.testing.assert_array_equal((1 + ts).samples, s + 1)
    np.testing.assert_array_equal((ts - 1).samples, s - 1)
    np.testing.assert_array_equal((1 - ts).samples, 1 - s)
    np.testing.assert_array_equal((ts * 2).samples, s * 2)
    np.testing.assert_array_equal((2 * ts).samples, s * 2)
    np.testing.assert_array_equal((ts / 2).samples, s / 2)
    np.testing.assert_array_equal((24 / (ts + 1)).samples, 24 / (s + 1))
    np.testing.assert_array_equal((ts // 4).samples, s // 4)
    np.testing.assert_array_equal((100 // (ts + 1)).samples, 100 // (s + 1))
    np.testing.assert_array_equal((-ts).samples, -s)
    np.testing.assert_array_equal(abs(-ts).samples, s)
    np.testing.assert_array_equal((ts * np.array([1.0, -1.0])).samples, s * [1, -1])
    np.testing.assert_array_equal((np.array([1.0, -1.0]) * ts).samples, s * [1, -1])
    np.testing.assert_array_equal((np.float64(3) * ts).samples, 3 * s)
    assert isinstance(np.array([1.0, 2.0]) + ts, TSContinuous)
    np.testing.assert_array_equal(ts.samples, s)  # originals untouched
    with pytest.raises(ValueError, match="broadcast"):
        ts + np.ones(3)
    with pytest.raises(TypeError):
        ts + "a"


def test_inplace_arithmetic_modifies_self():
    ts = ramp(3, 1)
    ident = id(ts)
    ts += 1
    ts *= 2
    ts -= 2
    ts /= 2
    ts //= 1
    assert id(ts) == ident
    np.testing.assert_array_equal(ts.samples.ravel(), [0, 1, 2])
    ts += ts
    np.testing.assert_array_equal(ts.samples.ravel(), [0, 2, 4])
    ts @= np.array([[1.0, 3.0]])
    assert id(ts) == ident and ts.num_channels == 2


def test_series_arithmetic_on_the_same_and_on_different_time_bases():
    a = ramp(4, 2)
    np.testing.assert_array_equal((a + a).samples, 2 * a.samples)
    np.testing.assert_array_equal((a - a).samples, 0 * a.samples)
    b = TSContinuous([0.0, 0.15], [[100.0], [200.0]], t_stop=0.4)  # one channel broadcasts
    c = a + b
    np.testing.assert_allclose(c.times, [0.0, 0.1, 0.15, 0.2, 0.3])
    np.testing.assert_allclose(c.samples[:, 0], [100, 101, 201, 202, 203])
    np.testing.assert_allclose(c([0.12, 0.35]), a([0.12, 0.35]) + b([0.12, 0.35]))
    short = TSContinuous([0.0, 0.1], [1.0, 2.0])
    with pytest.raises(ValueError, match="does not contain"):
        a + short
    with pytest.raises(ValueError, match="channel counts 2 and 3"):
        a + ramp(4, 3)


def test_matmul_mixes_channels():
    ts = ramp(3, 2)
    w = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    out = ts @ w
    assert out.num_channels == 3
    np.testing.assert_array_equal(out.samples, ts.samples @ w)
    assert (ts @ np.array([1.0, 1.0])).samples.shape == (3, 1)
    with pytest.raises(ValueError, match=r"shape \(2, M\)"):
        ts @ np.ones((3, 3))


@given(
    x=hnp.arrays(np.float64, (5, 2), elements=finite),
    a=st.floats(-10, 10, allow_nan=False),
    b=st.floats(0.5, 10, allow_nan=False),
)
def test_arithmetic_identities(x, a, b):
    ts = TSContinuous.from_clocked(x, dt=0.1)
    np.testing.assert_allclose(((ts + a) - a).samples, x, atol=1e-9)
    np.testing.assert_allclose(((ts * b) / b).samples, x, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose((ts + ts).samples, (2 * ts).samples)
    np.testing.assert_allclose((ts - ts).samples, np.zeros_like(x))
    np.testing.assert_allclose((ts @ np.eye(2)).samples, x)
    neg = -ts
    np.testing.assert_array_equal((-neg).samples, x)


# ---------------------------------------------------------------------------------------------------
# TSContinuous: changing the series
# ---------------------------------------------------------------------------------------------------


def test_delay_start_at_and_start_at_zero():
    ts = ramp(3, 1, t_start=1.0)
    d = ts.delay(0.5)
    np.testing.assert_allclose(d.times, ts.times + 0.5)
    assert d.t_start == 1.5 and d.t_stop == pytest.approx(1.8)
    assert ts.t_start == 1.0  # not in place by default
    z = ts.start_at_zero()
    assert z.t_start == 0.0 and z.times[0] == 0.0 and z.duration == pytest.approx(ts.duration)
    s = ts.start_at(5.0, inplace=True)
    assert s is ts and ts.t_start == 5.0


def test_resample():
    ts = TSContinuous([0.0, 1.0], [0.0, 2.0], interp_kind="linear")
    r = ts.resample([0.25, 0.5, 0.75])
    np.testing.assert_allclose(r.samples.ravel(), [0.5, 1.0, 1.5])
    assert (r.t_start, r.t_stop) == (0.0, 1.0)
    assert len(ts) == 2
    assert ts.resample([0.5], inplace=True) is ts and len(ts) == 1
    p = TSContinuous([0.0, 1.0], [0.0, 2.0], periodic=True, interp_kind="linear").resample(
        [0.5, 1.5, 2.5]
    )
    assert p.t_stop == 2.5 and not p.periodic
    with pytest.raises(ValueError, match="cannot sample"):
        TSContinuous([0.0, 1.0], [0.0, 2.0]).resample([2.0])


def test_clip_keeps_values_and_channels():
    ts = TSContinuous([0.0, 1.0, 2.0, 3.0], [[0, 10], [1, 11], [2, 12], [3, 13]])
    c = ts.clip(0.5, 2.5)
    assert c.times.tolist() == [0.5, 1.0, 2.0]
    assert (c.t_start, c.t_stop) == (0.5, 2.5)
    grid = np.linspace(0.5, 2.5, 9)
    np.testing.assert_array_equal(c(grid), ts(grid))
    c1 = ts.clip(1.0, 2.0, channels=1)
    assert c1.num_channels == 1 and c1.samples.ravel().tolist() == [11, 12]
    assert ts.clip().times.tolist() == ts.times.tolist()
    # limits beyond the series are clamped
    assert (ts.clip(-5, 50).t_start, ts.clip(-5, 50).t_stop) == (0.0, 3.0)
    lin = TSContinuous([0.0, 1.0], [0.0, 1.0], interp_kind="linear").clip(0.25, 0.75)
    np.testing.assert_allclose(lin.samples.ravel(), [0.25, 0.75])
    assert ts.clip(1.0, 2.0, inplace=True) is ts and ts.t_start == 1.0
    with pytest.raises(ValueError, match="empty"):
        ts.clip(2.0, 1.5)
    with pytest.raises(ValueError, match="channel 5 does not exist"):
        ts.clip(channels=[5])


def test_merge_continuous():
    a = TSContinuous([0.0, 2.0], [[0.0], [2.0]])
    b = TSContinuous([1.0, 2.0, 3.0], [[1.0], [-2.0], [3.0]])
    m = a.merge(b)
    assert m.times.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert m.samples.ravel().tolist() == [0.0, 1.0, 2.0, 3.0]  # a wins the duplicate at 2.0
    assert (m.t_start, m.t_stop) == (0.0, 3.0)
    assert len(a.merge(b, remove_duplicates=False)) == 5
    assert len(a.merge([b, b])) == 4
    with pytest.raises(ValueError, match="append_c"):
        a.merge(ramp(2, 2))


def test_append_t_and_concatenate_t():
    a = TSContinuous.from_clocked([1.0, 2.0], dt=0.5)  # [0, 1]
    b = a.append_t(a * 10)
    np.testing.assert_allclose(b.times, [0.0, 0.5, 1.0, 1.5])
    assert b.samples.ravel().tolist() == [1, 2, 10, 20] and b.t_stop == 2.0
    g = a.append_t(a, offset=1.0)
    np.testing.assert_allclose(g.times, [0.0, 0.5, 2.0, 2.5])
    assert g.t_stop == 3.0
    c = TSContinuous.concatenate_t([a, a, a], offset=[0.0, 0.5])
    np.testing.assert_allclose(c.times, [0, 0.5, 1.0, 1.5, 2.5, 3.0])
    assert c.t_stop == 3.5 and len(a) == 2
    assert TimeSeries.concatenate_t([a]).times.tolist() == a.times.tolist()
    with pytest.raises(ValueError, match="2 offsets for 1 series"):
        a.append_t([a], offset=[0.0, 1.0])
    with pytest.raises(ValueError, match="at least one"):
        TSContinuous.concatenate_t([])
    with pytest.raises(ValueError, match="channels"):
        a.append_t(ramp(2, 2, dt=0.5))


def test_append_c():
    a = TSContinuous([0.0, 1.0], [1.0, 2.0])
    b = TSContinuous([0.0, 0.5, 1.0], [[5.0, 6.0], [7.0, 8.0], [9.0, 10.0]])
    c = a.append_c(b)
    assert c.num_channels == 3 and c.times.tolist() == [0.0, 0.5, 1.0]
    assert c.samples.tolist() == [[1, 5, 6], [1, 7, 8], [2, 9, 10]]
    assert a.append_c([a, a]).num_channels == 3
    assert a.append_c(a, inplace=True) is a and a.num_channels == 2


def test_indexing_by_time_and_channel():
    ts = ramp(5, 3)  # times 0 .. 0.4, t_stop 0.5
    part = ts[0.1:0.3]
    assert isinstance(part, TSContinuous) and (part.t_start, part.t_stop) == (0.1, 0.3)
    np.testing.assert_allclose(part.times, [0.1, 0.2, 0.3])
    assert ts[:, [0, 2]].samples.tolist() == ts.samples[:, [0, 2]].tolist()
    assert ts[:, 1].num_channels == 1
    assert ts[0.1:0.3, 2].samples.ravel().tolist() == [21.0, 22.0, 23.0]
    assert ts[[0.05, 0.25]].samples[:, 0].tolist() == [0.0, 2.0]
    one = ts[0.25]
    assert len(one) == 1 and one.t_start == one.t_stop == 0.25 and one.samples[0, 0] == 2.0
    stepped = ts[0:0.4:0.2]
    np.testing.assert_allclose(stepped.times, [0.0, 0.2])
    assert ts[:, np.array([True, False, True])].num_channels == 2
    with pytest.raises(ValueError, match="channel 3 does not exist"):
        ts[:, 3]
    with pytest.raises(ValueError, match="cannot sample"):
        ts[[2.0]]


def test_copy_is_independent():
    ts = ramp(3, 1)
    cp = ts.copy()
    cp += 1
    cp.name = "other"
    assert ts.samples.ravel().tolist() == [0, 1, 2] and ts.name == "unnamed"


def test_settable_properties_are_checked():
    ts = ramp(3, 1)
    ts.samples = [[5.0], [6.0], [7.0]]
    assert ts.samples.ravel().tolist() == [5.0, 6.0, 7.0]
    with pytest.raises(ValueError, match="3 times but 2 samples"):
        ts.samples = [1.0, 2.0]
    ts.t_stop = 1.0
    assert ts.t_stop == 1.0
    with pytest.raises(ValueError, match="not before t_stop"):
        ts.t_stop = 0.1
    assert ts.t_stop == 1.0
    ts.t_start = -1.0
    with pytest.raises(ValueError, match="after the first time"):
        ts.t_start = 0.1


# ---------------------------------------------------------------------------------------------------
# TSEvent
# ---------------------------------------------------------------------------------------------------


def test_event_construction_and_repr():
    ev = TSEvent([0.3, 0.1, 0.2], [2, 0, 1], t_start=0.0, t_stop=1.0, name="sp")
    assert ev.times.tolist() == [0.1, 0.2, 0.3] and ev.channels.tolist() == [0, 1, 2]
    assert ev.channels.dtype == np.int64 and ev.num_channels == 3 and len(ev) == 3
    assert repr(ev) == "TSEvent 'sp' from 0.0 to 1.0 with 3 events and 3 channels"
    one = TSEvent([0.5], 0, num_channels=1)
    assert repr(one) == "TSEvent 'unnamed' from 0.5 to 0.5 with 1 event and 1 channel"
    assert TSEvent([0.1, 0.2]).channels.tolist() == [0, 0]
    assert TSEvent([0.1, 0.2], 3).channels.tolist() == [3, 3]


def test_event_default_t_stop_contains_the_last_event():
    ev = TSEvent([0.1, 0.9], [0, 1])
    assert ev.t_start == 0.1 and ev.t_stop > 0.9 and ev.t_stop - 0.9 < 1e-15
    assert ev()[0].tolist() == [0.1, 0.9]
    assert repr(ev) == "TSEvent 'unnamed' from 0.1 to 0.9 with 2 events and 2 channels"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(times=[0.1, 0.2], channels=[0, -1]), ">= 0"),
        (
            dict(times=[0.1, 0.2], channels=[0, 3], num_channels=3),
            "channels must be < num_channels",
        ),
        (dict(times=[0.1, 0.2], channels=[0]), "2 event times but 1 channels"),
        (dict(times=[0.1], channels=[0.5]), "whole numbers"),
        (dict(times=[0.1, 1.0], channels=[0, 0], t_stop=1.0), r"\[t_start, t_stop\)"),
        (dict(times=[0.1], channels=[0], t_start=0.2), "before t_start"),
        (dict(times=[0.1], channels=[0], t_start=0.5, t_stop=0.2), "must not be smaller"),
        (dict(times=["x"], channels=[0]), "numeric"),
    ],
)
def test_event_bad_input_is_a_clear_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TSEvent(**kwargs)


def test_empty_event_series():
    ev = TSEvent()
    assert ev.isempty() and ev.num_channels == 0 and ev.duration == 0.0
    t, c = ev()
    assert t.size == 0 and c.size == 0
    e2 = TSEvent(None, None, t_start=0.0, t_stop=0.35, num_channels=2)
    r = e2.raster(0.1)
    assert r.shape == (4, 2) and r.dtype == np.bool_ and not r.any()
    assert TSEvent.from_raster(np.zeros((3, 2), bool), dt=0.1).isempty()


def test_event_call_selects_window_and_channels():
    ev = TSEvent([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 2], t_start=0.0, t_stop=0.5)
    t, c = ev(0.2, 0.4)
    assert t.tolist() == [0.2, 0.3] and c.tolist() == [1, 0]  # half-open window
    t, c = ev(channels=[0, 2])
    assert t.tolist() == [0.1, 0.3, 0.4] and c.tolist() == [0, 0, 2]
    assert ev(channels=1)[0].tolist() == [0.2]
    assert ev(0.6, 1.0)[0].size == 0  # nothing beyond a non-periodic series
    with pytest.raises(ValueError, match="channel 7 does not exist"):
        ev(channels=7)
    with pytest.raises(ValueError, match="channels must be >= 0"):
        ev(channels=-1)


def test_periodic_events_repeat():
    ev = TSEvent([0.1, 0.3], [0, 1], t_start=0.0, t_stop=0.5, periodic=True)
    t, c = ev(0.0, 1.2)
    np.testing.assert_allclose(t, [0.1, 0.3, 0.6, 0.8, 1.1])
    assert c.tolist() == [0, 1, 0, 1, 0]
    t, _ = ev(-0.5, 0.0)
    np.testing.assert_allclose(t, [-0.4, -0.2])
    r = ev.raster(0.1, t_start=0.0, t_stop=1.0)
    assert r.shape == (10, 2) and r[:, 0].nonzero()[0].tolist() == [1, 6]


def test_raster_counts_and_bool():
    ev = TSEvent([0.0, 0.01, 0.15, 0.15], [0, 0, 1, 1], t_start=0.0, t_stop=0.2)
    r = ev.raster(0.1)
    assert r.dtype == np.bool_ and r.tolist() == [[True, False], [False, True]]
    n = ev.raster(0.1, add_events=True)
    assert n.dtype == np.int64 and n.tolist() == [[2, 0], [0, 2]]


def test_raster_when_dt_does_not_divide_the_duration():
    ev = TSEvent([0.0, 0.24], [0, 1], t_start=0.0, t_stop=0.25)
    r = ev.raster(0.1)  # ceil(0.25 / 0.1) = 3 bins; the last covers [0.2, 0.3)
    assert r.shape == (3, 2) and r[2, 1] and r.sum() == 2
    assert ev.raster(0.3).shape == (1, 2)  # one bin covers everything
    # a duration that is a whole number of bins up to rounding does not gain a bin
    assert TSEvent([0.0], [0], t_start=0.0, t_stop=0.3).raster(0.1).shape == (3, 1)
    assert TSEvent([0.0], [0], t_start=0.0, t_stop=0.1 * 3).raster(0.1).shape == (3, 1)
    assert TSEvent([0.0], [0], t_start=0.0, t_stop=0.7).raster(0.07).shape == (10, 1)


def test_raster_default_t_stop_never_drops_the_last_event():
    ev = TSEvent([0.0, 0.5, 0.9], [0, 1, 0])
    r = ev.raster(0.1)
    assert r.shape == (10, 2) and r[9, 0] and r.sum() == 3


def test_raster_with_explicit_window():
    ev = TSEvent([0.05, 0.25, 0.45], [0, 0, 0], t_start=0.0, t_stop=0.5)
    r = ev.raster(0.1, t_start=0.2, t_stop=0.4)
    assert r.shape == (2, 1) and r[:, 0].tolist() == [True, False]
    assert ev.raster(0.1, t_stop=0.45).shape == (5, 1)
    assert not ev.raster(0.1, t_stop=0.45)[4, 0]  # the event at 0.45 is not before t_stop
    with pytest.raises(ValueError, match="dt must be > 0"):
        ev.raster(0.0)
    with pytest.raises(ValueError, match="before t_start"):
        ev.raster(0.1, t_start=0.3, t_stop=0.2)


def test_raster_event_on_a_bin_edge_after_rounding():
    t_start = 0.7
    ev = TSEvent([t_start + 3 * 0.1], [0], t_start=t_start, t_stop=t_start + 0.5)
    assert ev.raster(0.1)[:, 0].nonzero()[0].tolist() == [3]


def test_from_raster_places_events():
    r = np.array([[1, 0], [0, 2], [0, 0]])
    ev = TSEvent.from_raster(r, dt=0.1, t_start=1.0, name="in")
    np.testing.assert_allclose(ev.times, [1.05, 1.15, 1.15])
    assert ev.channels.tolist() == [0, 1, 1]
    assert (ev.t_start, ev.num_channels, ev.name) == (1.0, 2, "in")
    assert ev.t_stop == pytest.approx(1.3)
    start = TSEvent.from_raster(r, dt=0.1, spikes_at_bin_start=True)
    np.testing.assert_allclose(start.times, [0.0, 0.1, 0.1])
    assert TSEvent.from_raster(r, dt=0.1, num_channels=5).num_channels == 5
    assert TSEvent.from_raster([True, False, True], dt=1.0).times.tolist() == [0.5, 2.5]
    with pytest.raises(ValueError, match="non-negative whole"):
        TSEvent.from_raster([[0.5]], dt=0.1)
    with pytest.raises(ValueError, match="non-negative whole"):
        TSEvent.from_raster([[-1]], dt=0.1)
    with pytest.raises(ValueError, match="num_channels is 1"):
        TSEvent.from_raster(r, dt=0.1, num_channels=1)
    with pytest.raises(ValueError, match="dt must be > 0"):
        TSEvent.from_raster(r, dt=-1.0)


@given(
    raster=hnp.arrays(
        np.int64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=12), elements=st.integers(0, 3)
    ),
    dt=st.sampled_from([1e-3, 0.01, 0.1, 0.07, 1.0]),
    t_start=st.sampled_from([0.0, 0.3, -2.0, 100.7]),
    at_start=st.booleans(),
)
def test_raster_round_trip(raster, dt, t_start, at_start):
    ev = TSEvent.from_raster(raster, dt=dt, t_start=t_start, spikes_at_bin_start=at_start)
    assert len(ev) == raster.sum()
    np.testing.assert_array_equal(ev.raster(dt, add_events=True), raster)
    np.testing.assert_array_equal(ev.raster(dt), raster > 0)


@given(
    times=st.lists(st.floats(0.0, 0.999, allow_nan=False), max_size=20),
    dt=st.sampled_from([0.01, 0.1, 0.3]),
)
def test_raster_counts_every_event(times, dt):
    ev = TSEvent(times, np.arange(len(times)) % 3, t_start=0.0, t_stop=1.0, num_channels=3)
    r = ev.raster(dt, add_events=True)
    assert r.shape == (int(np.ceil(1.0 / dt - 1e-7)), 3)
    assert r.sum() == len(times)
    back = TSEvent.from_raster(r, dt=dt)
    np.testing.assert_array_equal(back.raster(dt, add_events=True), r)


def test_event_clip_and_remap():
    ev = TSEvent([0.1, 0.2, 0.3, 0.4], [0, 2, 1, 2], t_start=0.0, t_stop=0.5, num_channels=4)
    c = ev.clip(0.15, 0.4)
    assert c.times.tolist() == [0.2, 0.3] and (c.t_start, c.t_stop) == (0.15, 0.4)
    assert c.num_channels == 4
    k = ev.clip(channels=[2, 1])
    assert k.channels.tolist() == [2, 1, 2] and k.num_channels == 4
    m = ev.clip(channels=[2, 1], remap_channels=True)
    assert m.channels.tolist() == [0, 1, 0] and m.num_channels == 2
    wide = ev.clip(-1.0, 2.0)
    assert (wide.t_start, wide.t_stop) == (-1.0, 2.0) and len(wide) == 4
    assert ev.clip(0.25, inplace=True) is ev and len(ev) == 2
    with pytest.raises(ValueError, match="before t_start"):
        ev.clip(0.4, 0.3)


def test_event_append_c_append_t_merge_concatenate():
    a = TSEvent([0.1, 0.3], [0, 1], t_start=0.0, t_stop=0.5)
    b = TSEvent([0.2], [0], t_start=0.0, t_stop=1.0, num_channels=3)
    c = a.append_c(b)
    assert c.times.tolist() == [0.1, 0.2, 0.3] and c.channels.tolist() == [0, 2, 1]
    assert c.num_channels == 5 and c.t_stop == 1.0
    t = a.append_t(b, offset=0.5)
    np.testing.assert_allclose(t.times, [0.1, 0.3, 1.2])
    assert t.t_stop == 2.0 and t.num_channels == 3
    m = a.merge(b)
    assert m.times.tolist() == [0.1, 0.2, 0.3] and m.num_channels == 3 and m.t_stop == 1.0
    assert len(a.merge([a, a])) == 6
    assert len(a.merge(a, remove_duplicates=True)) == 2
    cc = TSEvent.concatenate_t([a, a, a])
    np.testing.assert_allclose(cc.times, [0.1, 0.3, 0.6, 0.8, 1.1, 1.3])
    assert cc.t_stop == 1.5 and len(a) == 2
    assert a.append_t(a, inplace=True) is a and len(a) == 4
    with pytest.raises(ValueError, match="expected TSEvent"):
        a.append_c(TSContinuous([0.0], [1.0]))
    with pytest.raises(ValueError, match="expected TSEvent"):
        TSEvent.concatenate_t([TSContinuous([0.0], [1.0])])


def test_event_delay_and_start():
    ev = TSEvent([0.1, 0.3], [0, 1], t_start=0.0, t_stop=0.5)
    d = ev.delay(1.0)
    np.testing.assert_allclose(d.times, [1.1, 1.3])
    assert (d.t_start, d.t_stop) == (1.0, 1.5) and ev.t_start == 0.0
    s = d.start_at(-1.0)
    np.testing.assert_allclose(s.times, [-0.9, -0.7])
    z = s.start_at_zero()
    np.testing.assert_allclose(z.times, [0.1, 0.3])


def test_event_indexing_by_event_index():
    ev = TSEvent([0.1, 0.2, 0.3, 0.4], [0, 1, 2, 3], t_start=0.0, t_stop=1.0)
    assert ev[1].times.tolist() == [0.2] and ev[1].channels.tolist() == [1]
    assert ev[-1].channels.tolist() == [3]
    assert ev[1:3].channels.tolist() == [1, 2]
    assert ev[[3, 0]].times.tolist() == [0.1, 0.4]  # result stays sorted by time
    assert ev[ev.channels % 2 == 0].channels.tolist() == [0, 2]
    part = ev[:2]
    assert (part.t_start, part.t_stop, part.num_channels) == (0.0, 1.0, 4)
    with pytest.raises(IndexError):
        ev[10]


def test_event_num_channels_setter():
    ev = TSEvent([0.1], [2])
    ev.num_channels = 5
    assert ev.num_channels == 5 and ev.raster(0.1).shape[1] == 5
    with pytest.raises(ValueError, match="num_channels is 2"):
        ev.num_channels = 2


# ---------------------------------------------------------------------------------------------------
# Saving and loading
# ---------------------------------------------------------------------------------------------------


def _same(a, b):
    assert type(a) is type(b)
    assert (a.t_start, a.t_stop, a.periodic, a.name) == (b.t_start, b.t_stop, b.periodic, b.name)
    np.testing.assert_array_equal(a.times, b.times)
    if isinstance(a, TSContinuous):
        np.testing.assert_array_equal(a.samples, b.samples)
        assert a.interp_kind == b.interp_kind
    else:
        np.testing.assert_array_equal(a.channels, b.channels)
        assert a.num_channels == b.num_channels


def test_save_and_load_files(tmp_path):
    ts = TSContinuous(
        [0.0, 0.5], [[1.0, 2.0], [3.0, 4.0]], name="c", periodic=True, interp_kind="linear"
    )
    ev = TSEvent([0.1, 0.2], [0, 3], t_start=0.0, t_stop=1.0, num_channels=6, name="e")
    ts.save(tmp_path / "c.npz")
    ev.save(str(tmp_path / "e"))  # numpy appends .npz
    assert os.path.exists(tmp_path / "e.npz")
    _same(TSContinuous.load(tmp_path / "c.npz"), ts)
    _same(load_ts_from_file(str(tmp_path / "e.npz")), ev)
    _same(load_ts_from_file(str(tmp_path / "e")), ev)
    _same(TimeSeries.load(tmp_path / "c.npz"), ts)
    with pytest.raises(ValueError, match="holds a TSEvent, not a TSContinuous"):
        TSContinuous.load(tmp_path / "e.npz")


def test_load_checks_content(tmp_path):
    np.savez(tmp_path / "plain.npz", x=np.arange(3))
    with pytest.raises(ValueError, match="not a rockpool time series"):
        load_ts_from_file(tmp_path / "plain.npz")
    good = TSEvent([0.1], [0])._to_arrays()
    good["channels"] = np.array([0.5])
    np.savez(tmp_path / "bad.npz", **good)
    with pytest.raises(ValueError, match="field 'channels' has dtype float64"):
        load_ts_from_file(tmp_path / "bad.npz")
    fields = TSContinuous([0.0], [1.0])._to_arrays()
    del fields["samples"]
    np.savez(tmp_path / "missing.npz", **fields)
    with pytest.raises(ValueError, match="lacks the field 'samples'"):
        load_ts_from_file(tmp_path / "missing.npz")
    np.savez(
        tmp_path / "obj.npz", ts_type=np.array("TSEvent"), times=np.array([None, 1], dtype=object)
    )
    with pytest.raises(ValueError, match="unsupported content"):
        load_ts_from_file(tmp_path / "obj.npz")


@given(
    x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6), elements=finite),
    name=st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
    periodic=st.booleans(),
)
def test_continuous_save_load_round_trip(x, name, periodic):
    ts = TSContinuous.from_clocked(x, dt=0.01, t_start=0.5, name=name, periodic=periodic)
    buf = io.BytesIO()
    ts.save(buf)
    buf.seek(0)
    _same(TSContinuous.load(buf), ts)


@given(
    times=st.lists(st.floats(0.0, 9.99, allow_nan=False), max_size=15),
    extra=st.integers(0, 3),
)
def test_event_save_load_round_trip(times, extra):
    ev = TSEvent(times, np.arange(len(times)) % 2, t_start=0.0, t_stop=10.0, num_channels=2 + extra)
    buf = io.BytesIO()
    ev.save(buf)
    buf.seek(0)
    _same(load_ts_from_file(buf), ev)


@pytest.mark.parametrize("fname", ["store", "store.npz"])
def test_ts_dict_on_disk(tmp_path, fname):
    path = tmp_path / fname
    d = TSDictOnDisk(path)
    ts = ramp(3, 2, name="r")
    ev = TSEvent([0.1], [1], t_stop=1.0, name="e")
    d["cont"] = ts
    d["ev/odd key"] = ev
    d["lr"] = 1e-3
    d["label"] = "hello"
    d["w"] = np.eye(2)
    assert len(d) == 5 and "cont" in d and "nope" not in d
    again = TSDictOnDisk(path)  # persisted: a new object sees the same content
    _same(again["cont"], ts)
    _same(again["ev/odd key"], ev)
    assert again["lr"] == 1e-3 and again["label"] == "hello"
    np.testing.assert_array_equal(again["w"], np.eye(2))
    d["lr"] = 2e-3
    assert again["lr"] == 2e-3
    del again["label"]
    assert "label" not in d and len(d) == 4
    assert set(d) == {"cont", "ev/odd key", "lr", "w"}
    with pytest.raises(KeyError):
        d["label"]
    with pytest.raises(KeyError):
        del d["label"]
    with pytest.raises(TypeError, match="cannot store"):
        d["obj"] = {"a": 1}
    with pytest.raises(TypeError, match="non-empty strings"):
        d[3] = 1.0
    assert "4 entries" in repr(d)
    assert dict(TSDictOnDisk(tmp_path / "other", data={"a": 1}))["a"] == 1


def test_ts_dict_on_disk_file_mode_keeps_insertion_order(tmp_path):
    d = TSDictOnDisk(tmp_path / "x.npz", data={"b": 1, "a": 2, "c": 3})
    assert list(d) == ["b", "a", "c"]
    with pytest.raises(ValueError, match="not a directory"):
        TSDictOnDisk(_touch(tmp_path / "plainfile"))


def _touch(p):
    p.write_text("x")
    return p


def test_empty_series_takes_its_channel_count_from_num_channels():
    # regression: TSContinuous([], [], num_channels=3) used to raise (samples read as 1 channel)
    ts = TSContinuous([], [], num_channels=3)
    assert ts.isempty() and ts.num_channels == 3 and ts.samples.shape == (0, 3)
    buf = io.BytesIO()
    ts.save(buf)
    buf.seek(0)
    assert load_ts_from_file(buf).num_channels == 3


def test_periodic_series_wraps_at_whole_periods_despite_rounding():
    # regression: duration 3 * 0.1 = 0.30000000000000004, so t = 0.3 gave the last sample, not the first
    ts = TSContinuous.from_clocked([1.0, 2.0, 3.0], dt=0.1, periodic=True)
    assert ts([0.3, 0.6, 0.9, 30.0]).ravel().tolist() == [1.0, 1.0, 1.0, 1.0]
    assert ts([0.29, 0.35]).ravel().tolist() == [3.0, 1.0]


def test_empty_series_without_channels_starts_an_accumulation():
    # regression: TSContinuous().append_t(x) raised "has 2 channels, expected 0"
    a = TSContinuous.from_clocked(np.ones((3, 2)), dt=0.1)
    acc = TSContinuous()
    for _ in range(3):
        acc = acc.append_t(a)
    assert acc.num_channels == 2 and acc.t_stop == pytest.approx(0.9) and len(acc) == 9
    assert TSContinuous().merge(a).samples.shape == (3, 2)
    with pytest.raises(ValueError, match="has 2 channels, expected 1"):
        TSContinuous([0.0], [1.0]).append_t(a)


@pytest.mark.parametrize("name", ["store", "store.npz"])
def test_ts_dict_on_disk_writes_atomically_and_refuses_mixed_lists(tmp_path, monkeypatch, name):
    # regression: a crash while writing an entry left a truncated file; [1, "a"] came back as strings
    d = TSDictOnDisk(tmp_path / name)
    d["x"] = TSEvent([0.1], [0])
    d["names"] = ["a", "b"]

    def crash(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        d["x"] = TSEvent([0.2], [1])
    monkeypatch.undo()
    assert d["x"].times.tolist() == [0.1] and d["names"].tolist() == ["a", "b"]
    assert not [f for _, _, files in os.walk(tmp_path) for f in files if f.endswith(".tmp")]
    with pytest.raises(TypeError, match="cannot store 'mixed'"):
        d["mixed"] = [1, "a"]
    assert sorted(d) == ["names", "x"]
