"""Saving, loading (api.md §1.6) and TSDictOnDisk (§1.7)."""

import io
import os
from collections.abc import MutableMapping

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rockpool.timeseries import TimeSeries, TSContinuous, TSDictOnDisk, TSEvent, load_ts_from_file

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def _same(a, b):
    assert type(a) is type(b)
    np.testing.assert_array_equal(a.times, b.times)
    assert (a.t_start, a.t_stop, a.periodic, a.name) == (b.t_start, b.t_stop, b.periodic, b.name)
    if isinstance(a, TSContinuous):
        np.testing.assert_array_equal(a.samples, b.samples)
        assert a.interp_kind == b.interp_kind
    else:
        np.testing.assert_array_equal(a.channels, b.channels)
        assert a.num_channels == b.num_channels


def test_file_layout_and_dtypes(tmp_path):
    ts = TSContinuous([0.0, 1.0], [[1.0, 2.0], [3.0, 4.0]], name="x", interp_kind="linear", t_stop=2.0)
    ts.save(tmp_path / "c")  # numpy.savez appends .npz
    with np.load(tmp_path / "c.npz") as f:
        assert sorted(f.files) == sorted(
            ["times", "samples", "t_start", "t_stop", "interp_kind_linear", "periodic", "name_x", "type_TSContinuous"]
        )
        assert f["t_stop"].shape == () and f["periodic"].dtype == bool and f["name_x"].size == 0
    assert sorted(ts.to_dict()) == sorted(np.load(tmp_path / "c.npz").files)
    ev = TSEvent([0.1, 0.2], [1, 1000], t_stop=1.0, name="e")
    assert sorted(ev.to_dict()) == sorted(
        ["times", "channels", "t_start", "t_stop", "periodic", "num_channels", "name_e", "type_TSEvent"]
    )
    with pytest.raises(ValueError, match="uint8"):
        ev.save(tmp_path / "e", dtype_channels="uint8")
    big, small = tmp_path / "big.npz", tmp_path / "small.npz"
    long = TSContinuous(np.arange(2000.0), np.ones((2000, 4)))
    long.save(big)
    long.save(small, dtype_times="float32", dtype_samples="float16")
    assert os.path.getsize(small) < os.path.getsize(big)
    back = TSContinuous.load(small)
    assert back.samples.dtype == np.float64 and back.times.dtype == np.float64
    assert isinstance(back.t_start, float) and back.samples.sum() == 8000.0


def test_verbose_and_file_objects(tmp_path, capsys):
    ts = TSContinuous([0.0], [1.0], name="v")
    path = str(tmp_path / "v.npz")
    ts.save(path, verbose=True)
    assert capsys.readouterr().out.strip() == f"TSContinuous `v` has been stored in `{path}`."
    buf = io.BytesIO()
    TSEvent([0.5], [2], t_stop=1.0, num_channels=5).save(buf)
    buf.seek(0)
    ev = load_ts_from_file(buf)
    assert ev.num_channels == 5 and ev.channels.dtype == np.int64


def test_load_type_checks(tmp_path):
    TSEvent([0.5], t_stop=1.0).save(tmp_path / "e.npz")
    path = tmp_path / "e.npz"
    assert isinstance(TimeSeries.load(path), TSEvent)
    assert isinstance(load_ts_from_file(path, expected_type="TSEvent"), TSEvent)
    with pytest.raises(TypeError):
        load_ts_from_file(path, expected_type="TSContinuous")
    with pytest.raises(TypeError):
        TimeSeries.load(path, expected_type=TSContinuous)
    with pytest.raises(TypeError):
        TSContinuous.load(path)
    with pytest.raises(TypeError):
        TSEvent.load(path, expected_type="TSEvent")
    with pytest.raises(FileNotFoundError):
        load_ts_from_file(tmp_path / "e")  # used as given: no .npz appended
    np.savez(tmp_path / "plain.npz", times=np.zeros(2))
    with pytest.raises(KeyError):
        load_ts_from_file(tmp_path / "plain.npz")


@given(
    x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6), elements=finite),
    name=st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
    periodic=st.booleans(),
)
def test_continuous_round_trip(x, name, periodic):
    ts = TSContinuous.from_clocked(x, dt=0.01, t_start=0.5, name=name, periodic=periodic, interp_kind="nearest")
    buf = io.BytesIO()
    ts.save(buf)
    buf.seek(0)
    _same(TSContinuous.load(buf), ts)


@given(times=st.lists(st.floats(0.0, 9.99, allow_nan=False), max_size=15), extra=st.integers(0, 3))
def test_event_round_trip(times, extra):
    ev = TSEvent(sorted(times), np.arange(len(times)) % 2, t_start=0.0, t_stop=10.0, num_channels=2 + extra)
    buf = io.BytesIO()
    ev.save(buf)
    buf.seek(0)
    _same(load_ts_from_file(buf), ev)


def test_ts_dict_on_disk():
    ev = TSEvent([0.1], [3], t_stop=1.0, name="e", periodic=True)
    d = TSDictOnDisk({"ev": ev, 7: "seven", ("a", 1): [1, 2]})
    assert isinstance(d, MutableMapping) and len(d) == 3
    assert list(d) == [7, ("a", 1), "ev"]  # other keys first, then series
    _same(d["ev"], ev)
    loaded = d["ev"]
    loaded.times[0] = 0.9
    assert d["ev"].times[0] == 0.1  # a fresh copy on each read
    d["ev"] = 3.0  # replaces a series by a plain value
    assert d["ev"] == 3.0 and list(d) == [7, ("a", 1), "ev"]
    d[7] = TSContinuous([0.0], [1.0])
    assert isinstance(d[7], TSContinuous) and "ev" in d and 99 not in d
    assert d.get("missing", 5) == 5 and d.pop("ev") == 3.0
    with pytest.raises(KeyError):
        d["ev"]
    with pytest.raises(KeyError):
        del d["ev"]
    d.insert({"x": 1, "y": TSEvent()})
    d.update(x=2)
    assert d["x"] == 2 and dict(d.items())["x"] == 2 and len(d.values()) == 4
    copy = TSDictOnDisk(d)
    assert sorted(map(str, copy)) == sorted(map(str, d))
    assert repr(d) == "TSDictOnDisk.\nKeys of stored TimeSeries objects:\n[7, 'y']\nOther keys:\n[('a', 1), 'x']"
    folder = d._dir
    del d, copy
    import gc

    gc.collect()
    assert not os.path.exists(folder)  # the temporary files go with the dictionary
