"""rockpool.timeseries: the base class and TSContinuous construction, sampling, indexing, clip (api.md §1.1-1.4)."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import rockpool
import rockpool.timeseries as T
from rockpool._warnings import RockpoolWarning
from rockpool.timeseries import TimeSeries, TSContinuous, TSEvent

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def lin(**kw):
    """Linear series 0, 10, 20, 30 at t = 0..3."""
    return TSContinuous([0.0, 1.0, 2.0, 3.0], [0.0, 10.0, 20.0, 30.0], interp_kind="linear", **kw)


# ------------------------------------------------------------------ 1.1 names
def test_names_and_constants():
    assert sorted(T.__all__) == sorted(
        ["TimeSeries", "TSEvent", "TSContinuous", "TSDictOnDisk", "set_global_ts_plotting_backend",
         "get_global_ts_plotting_backend", "load_ts_from_file"]
    )
    for name in T.__all__:
        assert getattr(rockpool, name) is getattr(T, name)
    assert T._TOLERANCE_ABSOLUTE == 1e-9 and T._TOLERANCE_RELATIVE == 1e-6
    assert issubclass(TSContinuous, TimeSeries) and issubclass(TSEvent, TimeSeries)


def test_import_stays_light():
    code = (
        "import sys, rockpool; import rockpool.timeseries as T; a = sorted(m for m in ('scipy', 'matplotlib', 'jax')"
        " if m in sys.modules); T.TSContinuous([0.0, 1.0], [1.0, 2.0])(0.5); print(a, 'scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "True"]  # scipy loads only when a series is sampled


# ------------------------------------------------------------------ 1.3 base class
def test_base_class_construction_and_limits():
    ts = TimeSeries([[0.0, 1.0], [2.0, 2.0]])  # flattened
    assert ts.times.tolist() == [0.0, 1.0, 2.0, 2.0] and ts.times.dtype == np.float64
    assert (ts.t_start, ts.t_stop, ts.duration, len(ts), ts.name) == (0.0, 2.0, 2.0, 4, "unnamed")
    empty = TimeSeries()
    assert (empty.t_start, empty.t_stop, empty.isempty()) == (0.0, 0.0, True)
    with pytest.raises(ValueError, match="sorted"):
        TimeSeries([1.0, 0.0])
    with pytest.raises(ValueError, match="before the last time"):
        TimeSeries([0.0, 2.0], t_stop=1.0)
    late = TimeSeries([0.0, 2.0], t_start=1.0)  # a later t_start is accepted unchecked
    assert late.t_start == 1.0
    assert TimeSeries([0.0], name=None).name == "unnamed"
    ts.name = 42
    assert ts.name == 42


def test_base_setters_widen_and_check():
    ts = TimeSeries([1.0, 2.0], t_start=0.5, t_stop=3.0)
    ts.times = [1.5, 2.5]  # inside: limits unchanged
    assert (ts.t_start, ts.t_stop) == (0.5, 3.0)
    ts.times = [0.0, 4.0]  # widens, never narrows
    assert (ts.t_start, ts.t_stop) == (0.0, 4.0)
    with pytest.raises(ValueError, match="same length"):
        ts.times = [1.0]
    with pytest.raises(ValueError, match="sorted"):
        ts.times = [2.0, 1.0]
    with pytest.raises(ValueError, match="after the first time"):
        ts.t_start = 0.5
    with pytest.raises(ValueError, match="before the last time"):
        ts.t_stop = 3.0
    ts.t_start, ts.t_stop = -1.0, 5.0
    assert ts.duration == 6.0


def test_delay_start_at_contains_copy_and_print(capsys):
    ts = TimeSeries([1.0, 2.0], t_stop=3.0)
    moved = ts.delay(1.5)
    assert moved.times.tolist() == [2.5, 3.5] and (moved.t_start, moved.t_stop) == (2.5, 4.5)
    assert ts.times.tolist() == [1.0, 2.0]  # not in place
    assert ts.start_at(10.0).times.tolist() == [10.0, 11.0]
    assert ts.start_at_zero().t_stop == 2.0
    same = ts.delay(-1.0, inplace=True)
    assert same is ts and ts.t_start == 0.0
    assert ts.contains([0.0, 2.0]) and not ts.contains([2.0001]) and not ts.contains(-1e-12)
    ts.periodic = True
    assert ts.contains([100.0])
    c = ts.copy()
    c.times[0] = 99.0
    assert ts.times[0] == 0.0
    ts.print()
    assert capsys.readouterr().out.strip() == repr(ts)


# ------------------------------------------------------------------ 1.4 construction
@pytest.mark.parametrize(
    "times, samples, shape",
    [
        ([0.0, 1.0, 2.0], [1.0, 2.0, 3.0], (3, 1)),
        (5.0, [1.0, 4.0], (1, 2)),  # one time: a 1-D sample is one row of channels
        ([0.0, 1.0], [[1.0, 2.0]], (2, 1)),  # a (1, T) row is a column
        ([0.0, 1.0], [[1.0, 2.0], [3.0, 4.0]], (2, 2)),
        (3.0, 7.0, (1, 1)),
    ],
)
def test_continuous_sample_shapes(times, samples, shape):
    ts = TSContinuous(times, samples)
    assert ts.samples.shape == shape and ts.samples.dtype == np.float64
    assert ts.num_channels == ts.num_traces == shape[1]


def test_continuous_construction_rules():
    with pytest.raises(ValueError):
        TSContinuous([0.0, 1.0, 2.0], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="without samples"):
        TSContinuous([0.0, 1.0])
    with pytest.raises(ValueError, match="without times"):
        TSContinuous(samples=[1.0, 2.0])
    with pytest.raises(ValueError, match="sorted"):
        TSContinuous([1.0, 0.0], [1.0, 2.0])
    empty = TSContinuous()
    assert empty.times.tolist() == [] and empty.samples.shape == (0, 0) and empty.isempty()
    assert (empty.t_start, empty.t_stop) == (0.0, 0.0)
    assert TSContinuous(num_channels=3).samples.shape == (0, 3)
    assert TSContinuous([0.0], [1.0], num_channels=5).num_channels == 1  # only used without samples
    data = np.array([1.0, 2.0])
    ts = TSContinuous([0.0, 1.0], data)
    data[0] = 99.0
    assert ts.samples[0, 0] == 1.0  # never aliases the caller's array
    assert (ts.beyond_range_exception, ts.approx_limit_times, ts.fill_value) == (True, True, "extrapolate")


def test_continuous_samples_min_max_units():
    ts = TSContinuous([0.0, 1.0], [[1.0, np.nan], [-2.0, 5.0]], units="mV")
    assert (ts.min, ts.max, ts.units) == (-2.0, 5.0, "mV")
    ts.samples = [3.0, 4.0]
    assert ts.samples.shape == (2, 1)
    with pytest.raises(ValueError):
        ts.samples = [1.0, 2.0, 3.0]
    with pytest.raises(ValueError):
        _ = TSContinuous().min


def test_from_clocked_and_to_clocked():
    ts = TSContinuous.from_clocked(np.arange(6.0).reshape(3, 2), dt=0.5, t_start=1.0)
    assert ts.times.tolist() == [1.0, 1.5, 2.0] and ts.t_stop == 2.5 and ts.name == "unnamed"
    one = TSContinuous.from_clocked(7, dt=2)
    assert one.times.tolist() == [0.0] and one.t_stop == 2.0 and one.samples.shape == (1, 1)
    assert TSContinuous.from_clocked([1.0, 2.0], dt=1.0).samples.shape == (2, 1)
    for bad in (None, [], np.zeros((0, 2))):
        with pytest.raises(TypeError):
            TSContinuous.from_clocked(bad, dt=1.0)
    np.testing.assert_array_equal(ts.to_clocked(0.25), [[0, 1], [0, 1], [2, 3], [2, 3], [4, 5], [4, 5]])


@given(
    x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=8), elements=finite),
    dt=st.sampled_from([1e-3, 0.01, 0.1, 0.3, 1.0]),
    t_start=st.sampled_from([0.0, -1.0, 0.7, 12.3]),
)
def test_clocked_round_trip(x, dt, t_start):
    np.testing.assert_array_equal(TSContinuous.from_clocked(x, dt=dt, t_start=t_start).to_clocked(dt), x)


# ------------------------------------------------------------------ sampling
def test_previous_lookup_is_exact_and_last_duplicate_wins():
    t = np.arange(0, 10, 0.1)
    ts = TSContinuous(t, np.arange(t.size, dtype=float))
    assert t[12] > 1.2  # 1.2000000000000002
    assert ts(1.2)[0, 0] == 11.0  # the sample at 1.1, no snapping
    assert ts(t[12])[0, 0] == 12.0
    dup = TSContinuous([0.0, 1.0, 1.0, 2.0], [0.0, 1.0, 5.0, 2.0])
    assert dup([1.0, 1.5]).ravel().tolist() == [5.0, 5.0]
    assert ts([0.05, 0.15]).shape == (2, 1) and ts(0.3).shape == (1, 1)
    assert TSContinuous()([1.0, 2.0]).shape == (2, 0)
    with pytest.raises(ValueError):
        ts(np.zeros((2, 2)))


@pytest.mark.parametrize(
    "kind, expected",
    [("previous", [0.0, 0.0, 0.0]), ("next", [0.0, 10.0, 10.0]), ("nearest", [0.0, 0.0, 10.0]),
     ("linear", [0.0, 2.5, 7.5]), ("zero", [0.0, 0.0, 0.0]), ("slinear", [0.0, 2.5, 7.5])],
)
def test_interpolation_kinds_match_scipy(kind, expected):
    ts = TSContinuous([0.0, 1.0, 2.0], [0.0, 10.0, 20.0], interp_kind=kind)
    np.testing.assert_allclose(ts([0.0, 0.25, 0.75]).ravel(), expected)


def test_higher_order_kinds_and_unknown_kind():
    x = np.linspace(0.0, 1.0, 6)
    ts = TSContinuous(x, x**2, interp_kind="quadratic")
    np.testing.assert_allclose(ts(0.55)[0, 0], 0.55**2, atol=1e-12)
    cub = TSContinuous(x, x**3, interp_kind="cubic")
    np.testing.assert_allclose(cub(0.33)[0, 0], 0.33**3, atol=1e-12)
    with pytest.raises(NotImplementedError):
        TSContinuous([0.0, 1.0], [0.0, 1.0], interp_kind="spline9")(0.5)


def test_range_rules_with_exception():
    ts = TSContinuous([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 2.0, 3.0], t_start=-1.0, t_stop=5.0)
    assert ts(4.9)[0, 0] == 3.0  # "previous" extends up to t_stop
    for t in (-0.5, 5.5):  # before the first sample (even after t_start), after t_stop
        with pytest.raises(ValueError, match="beyond_range_exception"):
            ts(t)
    linear = lin(t_stop=5.0)
    with pytest.raises(ValueError):
        linear(3.5)  # other kinds stop at the last sample


def test_range_rules_without_exception_fill_and_nan():
    ts = TSContinuous([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 2.0, 3.0], t_start=-1.0, t_stop=5.0, fill_value=42)
    ts.beyond_range_exception = False
    with pytest.warns(UserWarning):
        out = ts([-1.0, 4.0, 5.5]).ravel()
    assert out[0] == 42 and out[1] == 42 and np.isnan(out[2])
    ts.fill_value = "extrapolate"
    with pytest.warns(UserWarning):
        out = ts([-0.5, 4.0]).ravel()
    assert np.isnan(out[0]) and out[1] == 3.0  # previous: NaN before the data, holds the last value
    for kind, before, after in [("linear", -5.0, 35.0), ("nearest", 0.0, 30.0)]:
        s = TSContinuous([0.0, 1.0, 2.0, 3.0], [0.0, 10.0, 20.0, 30.0], interp_kind=kind, t_start=-1, t_stop=5)
        s.beyond_range_exception = False
        with pytest.warns(RockpoolWarning):
            np.testing.assert_allclose(s([-0.5, 3.5]).ravel(), [before, after])
    nxt = TSContinuous([0.0, 1.0], [1.0, 2.0], interp_kind="next", t_stop=2.0)
    nxt.beyond_range_exception = False
    with pytest.warns(UserWarning):
        assert np.isnan(nxt(1.5)[0, 0])


def test_approx_limit_times():
    t = np.arange(0, 12.5, 0.5)
    ts = TSContinuous(t, t)  # ends at 12
    with pytest.warns(UserWarning, match="moved onto it"):
        assert ts(12.0 + 2e-15)[0, 0] == 12.0
    ts.approx_limit_times = False
    with pytest.raises(ValueError):
        ts(12.0 + 2e-15)
    ts.beyond_range_exception = False
    with pytest.warns(UserWarning):
        assert np.isnan(ts(12.0 + 2e-15)[0, 0])
    ts.approx_limit_times = True
    with pytest.warns(UserWarning):
        assert np.isnan(ts(12.0 + 1e-6)[0, 0])  # farther than 1 ns: the ordinary rule


def test_periodic_sampling_wraps_and_never_raises():
    ts = TSContinuous([0.0, 1.0], [1.0, 2.0], t_stop=2.0, periodic=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(ts([2.0, 3.5, -0.5, 101.0]).ravel(), [1.0, 2.0, 2.0, 2.0])
    at_stop = TSContinuous([0.0, 1.0, 2.0], [1.0, 2.0, 3.0], periodic=True)  # t_stop = 2 is t_start again
    assert at_stop([2.0, 4.0]).ravel().tolist() == [1.0, 1.0] and 3.0 not in at_stop(np.linspace(0, 9, 91))


@given(
    times=st.lists(st.integers(0, 20), min_size=2, max_size=12).map(sorted),
    queries=st.lists(st.floats(0.0, 25.0, allow_nan=False), min_size=1, max_size=10),
)
def test_previous_lookup_equals_brute_force(times, queries):
    t = np.array(times, dtype=float) / 4.0
    ts = TSContinuous(t, np.arange(t.size, dtype=float), t_stop=t[-1] + 1.0)
    q = np.clip(np.array(queries) / 4.0, t[0], ts.t_stop)
    expected = [max(i for i in range(t.size) if t[i] <= x) for x in q]  # the last sample at or before
    assert ts(q).ravel().tolist() == expected
    np.testing.assert_array_equal(ts._interpolate(q), ts(q))


def test_single_sample_series():
    ts = TSContinuous([1.0], [[3.0, 4.0]], t_stop=2.0)
    np.testing.assert_array_equal(ts([1.0, 2.0]), [[3.0, 4.0], [3.0, 4.0]])
    lin1 = TSContinuous([1.0], [3.0], interp_kind="linear")
    assert lin1(1.0)[0, 0] == 3.0
    with pytest.raises(ValueError):
        lin1(1.5)


# ------------------------------------------------------------------ indexing
def test_time_indexing():
    ts = TSContinuous(np.arange(0, 1.25, 0.25), np.arange(5.0))
    pick = ts[[0.6, 0.1]]
    assert pick.times.tolist() == [0.6, 0.1] and pick.samples.ravel().tolist() == [2.0, 0.0]
    assert (pick.t_start, pick.t_stop) == (0.6, 0.1)
    one = ts[0.5]
    assert one.times.tolist() == [0.5] and (one.t_start, one.t_stop) == (0.5, 0.5)
    assert ts[:].times.tolist() == ts.times.tolist() and ts[None].samples.shape == (5, 1)
    part = ts[0.25:0.75]
    assert part.times.tolist() == [0.25, 0.5] and (part.t_start, part.t_stop) == (0.25, 0.75)
    tail = ts[0.5:]
    assert tail.times.tolist() == [0.5, 0.75, 1.0] and tail.t_stop == 1.0
    assert ts[:0.5].times.tolist() == [0.0, 0.25] and ts[:0.5].t_start == 0.0
    rev = ts[0:1:-0.25]
    assert rev.times.tolist() == [0.75, 0.5, 0.25, 0.0] and rev.samples.ravel().tolist() == [3, 2, 1, 0]
    assert (rev.t_start, rev.t_stop) == (0.75, 0.0)
    stepped = ts[::0.5]
    assert stepped.times.tolist() == [0.0, 0.5] and stepped.t_stop == 0.5


def test_channel_indexing():
    ts = TSContinuous([0.0, 1.0], [[0, 1, 2, 3], [4, 5, 6, 7]], name="x", interp_kind="linear", periodic=True)
    assert ts[:, 0::-2].samples[0].tolist() == [2.0, 0.0]
    assert ts[:, -1].samples.ravel().tolist() == [3.0, 7.0]
    assert ts[:, [3, 0]].samples[1].tolist() == [7.0, 4.0]
    assert ts[:, 1:3].num_channels == 2
    sub = ts[0.5, 1]
    assert sub.samples.tolist() == [[3.0]] and (sub.name, sub.periodic, sub.interp_kind) == ("x", True, "linear")
    with pytest.raises(IndexError):
        ts[:, 4]
    with pytest.raises(IndexError):
        ts[:, 0, 1]


# ------------------------------------------------------------------ clip, resample
def test_clip_inserts_limit_samples():
    ts = lin()
    c = ts.clip(0.5, 1.5)
    assert c.times.tolist() == [0.5, 1.0, 1.5] and c.samples.ravel().tolist() == [5.0, 10.0, 15.0]
    c = ts.clip(0.5, 1.5, include_stop=False)
    assert c.times.tolist() == [0.5, 1.0] and c.t_stop == 1.5
    c = ts.clip(1.5, 0.5)  # reversed limits are swapped
    assert (c.t_start, c.t_stop) == (0.5, 1.5)
    c = ts.clip(1.0, 2.0)
    assert c.times.tolist() == [1.0, 2.0]  # no duplicates where samples lie on the limits
    c = ts.clip(2.0, 4.5, sample_limits=False)
    assert c.times.tolist() == [2.0, 3.0] and (c.t_start, c.t_stop) == (2.0, 4.5)
    with pytest.raises(ValueError, match="t_stop = 4.5"):
        ts.clip(2.0, 4.5)
    ts.beyond_range_exception = False
    with pytest.warns(UserWarning, match="t_stop = 4.5"):
        c = ts.clip(2.0, 4.5)
    assert np.isnan(c.samples[-1, 0])
    only_start = lin().clip(t_start=0.5)
    assert only_start.times.tolist() == [0.5, 1.0, 2.0, 3.0] and only_start.t_stop == 3.0


def test_clip_channels_inplace_empty_and_periodic():
    ts = TSContinuous([0.0, 1.0], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    c = ts.clip(channels=[2, 0])
    assert c.samples.tolist() == [[3.0, 1.0], [6.0, 4.0]] and ts.num_channels == 3
    assert ts.clip(0.0, 0.5, inplace=True) is ts and ts.t_stop == 0.5
    empty = TSContinuous()
    with pytest.raises(IndexError):
        empty.clip(channels=[0])
    assert len(empty.clip(1.0, 2.0, sample_limits=False)) == 0
    two = empty.clip(1.0, 2.0)
    assert two.times.tolist() == [1.0, 2.0] and two.samples.shape == (2, 0)
    per = TSContinuous([0.0, 1.0], [1.0, 2.0], t_stop=2.0, periodic=True)
    un = per.clip(0.0, 5.0, sample_limits=False)
    assert un.times.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert un.samples.ravel().tolist() == [1.0, 2.0, 1.0, 2.0, 1.0, 2.0] and not un.periodic


def test_resample():
    ts = lin()
    r = ts.resample([2.5, 0.5])
    assert r.times.tolist() == [2.5, 0.5] and r.samples.ravel().tolist() == [25.0, 5.0]
    assert (r.t_start, r.t_stop) == (2.5, 0.5)
    assert ts.resample(1.5).samples.tolist() == [[15.0]]
    two = TSContinuous([0.0, 1.0], [[1.0, 2.0], [3.0, 4.0]], periodic=True, t_stop=2.0)
    r = two.resample([1.5, 2.5], channels=1)
    assert r.samples.ravel().tolist() == [4.0, 2.0] and r.periodic
    assert ts.resample([1.0], inplace=True) is ts and len(ts) == 1
