"""TSEvent (api.md §1.5): construction rules, channels, selection, clip, rasters, joining, text forms."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rockpool.timeseries import TSContinuous, TSEvent


def four():
    """Events at 1, 2, 3, 4 on channels 0, 2, 1, 2."""
    return TSEvent([1.0, 2.0, 3.0, 4.0], [0, 2, 1, 2], t_start=0.0, t_stop=5.0, name="ev")


# ------------------------------------------------------------------ construction
def test_t_stop_is_compulsory_with_events():
    with pytest.raises(TypeError, match="t_stop is required"):
        TSEvent([0.1, 0.2])
    with pytest.raises(ValueError, match="after the last event"):
        TSEvent([0.1, 0.2], t_stop=0.2)
    ev = TSEvent(t_start=3.0)
    assert (ev.t_start, ev.t_stop, ev.num_channels, len(ev)) == (3.0, 3.0, 0, 0)
    for empty in (TSEvent(), TSEvent([], []), TSEvent(None, None)):
        assert empty.num_channels == 0 and empty.isempty()


def test_construction_rules():
    ev = TSEvent([0.5, 1.0], [1.9, 3.2], t_stop=2.0)  # floats are truncated
    assert ev.channels.tolist() == [1, 3] and ev.channels.dtype == np.int64 and ev.times.dtype == np.float64
    assert (ev.t_start, ev.num_channels) == (0.5, 4)
    assert TSEvent([0.1, 0.2], 2, t_stop=1.0).channels.tolist() == [2, 2]
    assert TSEvent(0.3, t_stop=1.0).channels.tolist() == [0]
    assert TSEvent([0.5], t_start=0.7, t_stop=1.0).t_start == 0.7  # not checked
    with pytest.raises(ValueError, match="sorted"):
        TSEvent([0.2, 0.1], t_stop=1.0)
    with pytest.raises(ValueError, match="one channel per"):
        TSEvent([0.1, 0.2], [0, 1, 2], t_stop=1.0)
    with pytest.raises(ValueError, match="num_channels"):
        TSEvent([0.1], [3], t_stop=1.0, num_channels=3)
    assert TSEvent([0.1], [3], t_stop=1.0, num_channels=10).num_channels == 10
    assert TSEvent(num_channels=4).num_channels == 4


def test_property_setters():
    ev = four()
    ev.times = [1.0, 2.0, 3.0, 6.0]
    assert ev.t_stop > 6.0 and ev.t_stop == np.nextafter(6.0, np.inf)
    with pytest.raises(ValueError):
        ev.times = [1.0, 2.0]
    with pytest.raises(ValueError):
        ev.times = [3.0, 2.0, 1.0, 0.0]
    ev.channels = [0, 0, 7, 0]
    assert ev.num_channels == 8
    with pytest.raises(ValueError):
        ev.channels = [0]
    ev.num_channels = 2  # not checked against the channel IDs
    assert ev.num_channels == 2
    with pytest.raises(ValueError):
        ev.num_channels = 0
    with pytest.raises(ValueError):
        ev.t_stop = 5.0
    ev.t_stop = 6.0
    assert ev.t_stop > 6.0  # nudged above the last event
    ev.t_stop = 10.0
    assert ev.t_stop == 10.0


# ------------------------------------------------------------------ selection
def test_call_selects_window_and_channels():
    ev = four()
    t, c = ev(2.0, 4.0)
    assert t.tolist() == [2.0, 3.0] and c.tolist() == [2, 1]
    assert ev(4.0, 2.0)[0].tolist() == [2.0, 3.0]  # swapped
    assert ev(channels=2)[0].tolist() == [2.0, 4.0]
    assert ev(channels=[0, 1])[1].tolist() == [0, 1]
    for bad in (3, -1, [0, 5]):
        with pytest.raises(IndexError):
            ev(channels=bad)
    with pytest.raises(IndexError):
        TSEvent()(channels=0)
    per = TSEvent([0.5, 1.5], t_start=0.0, t_stop=2.0, periodic=True)
    assert per(0.0, 5.0)[0].tolist() == [0.5, 1.5, 2.5, 3.5, 4.5]
    assert per(-2.0, 0.0)[0].tolist() == [-1.5, -0.5]


def test_indexing_keeps_the_index_order():
    ev = four()
    sub = ev[[2, 0]]
    assert sub.times.tolist() == [3.0, 1.0] and sub.channels.tolist() == [1, 0]
    assert (sub.t_start, sub.t_stop, sub.num_channels, sub.name) == (0.0, 5.0, 3, "ev")
    assert ev[1].times.tolist() == [2.0] and ev[1:3].times.tolist() == [2.0, 3.0]
    assert ev[np.array([True, False, False, True])].times.tolist() == [1.0, 4.0]
    assert len(ev[[]]) == 0
    for bad in (4, [0, 9], 1.0):
        with pytest.raises(IndexError):
            ev[bad]
    with pytest.raises(IndexError):
        TSEvent()[0]


# ------------------------------------------------------------------ clip and remapping
def test_clip_and_remap_channels():
    ev = four()
    c = ev.clip(1.5, 4.5, remap_channels=True)
    assert c.channels.tolist() == [1, 0, 1] and c.num_channels == 2 and (c.t_start, c.t_stop) == (1.5, 4.5)
    c = ev.clip(channels=[2, 1], remap_channels=True)
    assert c.times.tolist() == [2.0, 3.0, 4.0] and c.channels.tolist() == [1, 0, 1] and c.num_channels == 2
    c = ev.clip(2.0, 4.0)
    assert c.times.tolist() == [2.0, 3.0] and c.num_channels == 3  # half-open, channel count kept
    c = ev.clip(channels=2)
    assert c.channels.tolist() == [2, 2] and c.num_channels == 3
    with pytest.raises(IndexError):
        ev.clip(channels=[3])
    assert ev.clip(0.0, 2.5, inplace=True) is ev and len(ev) == 2
    per = TSEvent([0.5], [1], t_start=0.0, t_stop=1.0, periodic=True)
    un = per.clip(0.0, 3.0)
    assert un.times.tolist() == [0.5, 1.5, 2.5] and un.channels.tolist() == [1, 1, 1] and un.t_stop == 3.0


def test_remap_channels():
    ev = four()
    r = ev.remap_channels([5, 0, 1])
    assert r.channels.tolist() == [5, 1, 0, 1] and r.num_channels == 6
    with pytest.raises(ValueError):
        ev.remap_channels([0, 1])


# ------------------------------------------------------------------ rasters
def test_raster_shapes_and_bins():
    r = TSEvent([0.0, 20.0], [0, 2], t_stop=21.0).raster(dt=1.0)
    assert r.shape == (21, 3) and r.dtype == bool and r[0, 0] and r[20, 2]
    ev = TSEvent([0.0, 1.0], t_stop=3.0)
    assert ev.raster(0.7).shape == (5, 1) and ev.raster(1.1).shape == (3, 1)
    assert TSEvent().raster(1.0).shape == (0, 0)
    at_stop = TSEvent([0.5, 1.5], t_start=0.0, t_stop=2.0)
    assert at_stop.raster(0.5, t_stop=1.5).astype(int).ravel().tolist() == [0, 1, 0]  # event at t_stop: out
    assert at_stop.raster(0.5, t_start=1.0).astype(int).ravel().tolist() == [0, 1]  # before t_start: ignored
    assert at_stop.raster(0.5, num_timesteps=6).shape == (6, 1)
    with pytest.raises(ValueError):
        at_stop.raster(0.5, t_stop=1.0, num_timesteps=2)
    per = TSEvent([0.5], t_start=0.0, t_stop=1.0, periodic=True)
    assert per.raster(0.5, t_stop=3.0).ravel().tolist() == [False, True] * 3


def test_raster_counts_channels_and_notice(capsys):
    ev = TSEvent([0.1, 0.2, 0.3], [0, 0, 2], t_stop=1.0)
    counts = ev.raster(0.5, add_events=True)
    assert counts.dtype.kind == "i" and counts.tolist() == [[2, 0, 1], [0, 0, 0]]
    assert capsys.readouterr().out == ""
    boolean = ev.raster(0.5)
    assert boolean.tolist() == [[True, False, True], [False, False, False]]
    assert "add_events=True" in capsys.readouterr().out  # a printed notice, not a warning
    assert ev.raster(0.5, channels=np.array([2, 0]), add_events=True).tolist() == [[1, 2], [0, 0]]
    with pytest.raises(IndexError):
        ev.raster(0.5, channels=[3])


def test_xraster_yields_rows():
    ev = TSEvent([0.1, 0.6], [0, 1], t_stop=1.0)
    rows = list(ev.xraster(0.5))
    assert len(rows) == 2 and rows[1].tolist() == [False, True]
    np.testing.assert_array_equal(np.stack(list(ev.xraster(0.25, add_events=True))), ev.raster(0.25, add_events=True))


def test_from_raster():
    ev = TSEvent.from_raster(np.array([[1, 0], [0, 2]]))
    assert ev.times.tolist() == [0.5, 1.5, 1.5] and ev.channels.tolist() == [0, 1, 1] and ev.t_stop == 2.0
    start = TSEvent.from_raster([True, False, True], dt=0.1, t_start=1.0, spikes_at_bin_start=True)
    assert start.times.tolist() == [1.0, 1.2] and start.num_channels == 1
    assert TSEvent.from_raster([[1.7, 0.0]], dt=1.0).channels.tolist() == [0]  # floats truncated
    assert TSEvent.from_raster([[1]], dt=1.0, t_stop=10.0, num_channels=4).num_channels == 4
    with pytest.raises(ValueError):
        TSEvent.from_raster([[0], [1]], dt=1.0, t_stop=1.5)
    assert TSEvent.from_raster(np.zeros((0, 3))).num_channels == 3


@given(
    raster=hnp.arrays(np.int64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=12), elements=st.integers(0, 3)),
    dt=st.sampled_from([1e-3, 0.01, 0.1, 0.07, 1.0]),
    t_start=st.sampled_from([0.0, 0.3, -2.0, 100.7]),
    at_start=st.booleans(),
)
def test_raster_round_trip(raster, dt, t_start, at_start):
    ev = TSEvent.from_raster(raster, dt=dt, t_start=t_start, spikes_at_bin_start=at_start)
    assert len(ev) == raster.sum()
    np.testing.assert_array_equal(ev.raster(dt, add_events=True), raster)


# ------------------------------------------------------------------ joining
def test_append_c():
    a = TSEvent([0.2], [1], t_start=0.0, t_stop=1.0)
    b = TSEvent([0.1], [0], t_start=-1.0, t_stop=2.0)
    out = a.append_c([b, TSEvent(), b])
    assert out.times.tolist() == [0.1, 0.1, 0.2] and out.channels.tolist() == [2, 3, 1]
    assert (out.num_channels, out.t_start, out.t_stop) == (4, -1.0, 2.0)
    with pytest.raises(TypeError):
        a.append_c(TSContinuous([0.0], [1.0]))


def test_append_t():
    a = TSEvent([0.5], t_start=0.0, t_stop=1.0)
    b = TSEvent([1.0, 2.0], [0, 3], t_start=1.0, t_stop=3.0)
    out = TSEvent().append_t([a, b], offset=[2, 1])
    assert out.times.tolist() == [2.5, 4.0, 5.0] and (out.t_start, out.t_stop, out.num_channels) == (0.0, 6.0, 4)
    assert a.append_t(b).times.tolist() == [0.5, 1.0, 2.0]  # default offset 0
    assert a.append_t(b, offset=None).t_stop == 3.0
    assert a.append_t([b, b], offset=[1.0]).times.tolist() == [0.5, 2.0, 3.0]  # zip drops the extra series
    assert a.append_t([TSEvent(t_start=5.0), b]).times.tolist() == [0.5, 1.0, 2.0]  # empty: skipped
    dup = a.append_t(a, offset=-1.0, remove_duplicates=True)
    assert dup.times.tolist() == [0.5] and len(a.append_t(a, offset=-1.0)) == 2
    with pytest.raises(TypeError):
        a.append_t(TSContinuous([0.0], [1.0]))


def test_merge():
    a = TSEvent([0.25, 0.5], [0, 1], t_stop=1.0, name="a")
    b = TSEvent([0.25], [0], t_start=0.0, t_stop=0.5)
    m = a.merge(b, delay=0.25)
    assert m.times.tolist() == [0.25, 0.5, 0.5] and m.channels.tolist() == [0, 1, 0]
    assert (m.t_start, m.t_stop, m.name) == (0.25, 1.0, "a")
    assert a.merge([b, b], delay=[0.0]).times.tolist() == [0.25, 0.25, 0.5]
    assert a.merge(b, remove_duplicates=True).times.tolist() == [0.25, 0.5]
    assert a.merge(b, delay=-1.0).t_start == -1.0
    assert a.merge(TSEvent([0.2], [5], t_stop=3.0)).num_channels == 6
    with pytest.raises(TypeError):
        a.merge(TSContinuous([0.0], [1.0]))


# ------------------------------------------------------------------ text forms
def test_repr_print_iter(capsys):
    ev = four()
    assert repr(ev) == str(ev) == "non-periodic `TSEvent` object `ev` from t=0.0 to 5.0. Channels: 3. Events: 4"
    assert repr(TSEvent()) == "Empty `TSEvent` object `unnamed` from t=0.0 to t=0.0."
    ev.print()
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [repr(ev), "Time \t Ch.-ID", "1.0: \t 0"] and len(lines) == 6
    long = TSEvent(np.arange(11.0), t_stop=11.0)
    long.print()
    lines = capsys.readouterr().out.splitlines()
    assert lines[6] == "\t..." and len(lines) == 2 + 4 + 1 + 4
    assert [(float(t), int(c)) for t, c in ev] == [(1.0, 0), (2.0, 2), (3.0, 1), (4.0, 2)]
    assert ev.contains([0.0, 5.0]) and not ev.contains(5.5)
