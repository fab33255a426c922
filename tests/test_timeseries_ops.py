"""TSContinuous arithmetic, joining and text forms (api.md §1.4: Arithmetic, Joining, Text forms)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rockpool.timeseries import TimeSeries, TSContinuous, TSEvent

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def two_ch():
    return TSContinuous([0.0, 1.0, 2.0], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], name="a", t_stop=3.0)


# ------------------------------------------------------------------ arithmetic
def test_scalar_and_array_operands():
    ts = two_ch()
    assert (ts + 1).samples[:, 0].tolist() == [2.0, 4.0, 6.0]
    assert (1 - ts).samples[:, 0].tolist() == [0.0, -2.0, -4.0]
    assert (2**ts).samples[0].tolist() == [2.0, 4.0]
    assert (ts**2).samples[0].tolist() == [1.0, 4.0]
    assert (2 / ts).samples[0].tolist() == [2.0, 1.0]
    assert (ts // 2).samples[1].tolist() == [1.0, 2.0]
    assert (ts * np.array([1.0, 10.0])).samples[0].tolist() == [1.0, 20.0]  # (C,)
    assert (ts * np.array([[1.0], [2.0], [3.0]])).samples[2].tolist() == [15.0, 18.0]  # (T, 1)
    assert (ts - ts.samples).samples.tolist() == np.zeros((3, 2)).tolist()  # (T, C)
    assert (-ts).samples[0].tolist() == [-1.0, -2.0] and abs(-ts).samples[0].tolist() == [1.0, 2.0]
    for bad in (np.ones(3), np.ones((2, 2)), np.ones((3, 3))):
        with pytest.raises(ValueError, match="broadcast"):
            ts + bad
    out = ts + 1
    assert (out.times.tolist(), out.t_stop, out.name) == ([0.0, 1.0, 2.0], 3.0, "a")


def test_nan_counts_as_zero_for_add_and_sub_only():
    ts = TSContinuous([0.0, 1.0, 2.0, 3.0], [np.nan, 2.0, 3.0, 4.0])
    assert (ts + 1).samples.ravel().tolist() == [1.0, 3.0, 4.0, 5.0]
    assert (1 - ts).samples.ravel().tolist() == [1.0, -1.0, -2.0, -3.0]
    assert np.isnan((ts * 2).samples[0, 0]) and np.isnan((ts / 2).samples[0, 0])
    assert np.isnan((ts**2).samples[0, 0]) and np.isnan((ts // 2).samples[0, 0])


def test_series_on_another_time_base_is_sampled():
    a = TSContinuous([0.0, 1.0, 2.0, 3.0], [1.0, 1.0, 1.0, 1.0], name="a", t_stop=4.0, interp_kind="linear")
    b = TSContinuous([1.0, 3.0], [10.0, 30.0], interp_kind="linear", t_stop=3.0)
    with pytest.raises(ValueError):
        a + b  # b does not cover t = 0 and raises there
    b.beyond_range_exception = False
    with pytest.warns(UserWarning):
        s = a + b
    assert s.samples.ravel().tolist() == [1.0, 11.0, 21.0, 31.0]  # NaN of b at t=0 counts as 0
    assert (s.times.tolist(), s.t_stop, s.name, s.interp_kind) == (a.times.tolist(), 4.0, "a", "linear")
    with pytest.warns(UserWarning):
        p = a * b
    assert np.isnan(p.samples[0, 0]) and p.samples[1:, 0].tolist() == [10.0, 20.0, 30.0]
    per = TSContinuous([0.0, 1.0], [1.0, 2.0], t_stop=2.0, periodic=True)
    assert (a * per).samples.ravel().tolist() == [1.0, 2.0, 1.0, 2.0]  # a periodic operand wraps
    one = TSContinuous([0.0, 1.0, 2.0], [1.0, 2.0, 3.0], t_stop=3.0)
    assert (two_ch() * one).samples[:, 1].tolist() == [2.0, 8.0, 18.0]  # 1 channel broadcasts
    with pytest.raises(ValueError, match="channel counts"):
        two_ch() + TSContinuous([0.0], [[1.0, 2.0, 3.0]], t_stop=3.0)
    with pytest.raises(TypeError):
        a + TSEvent([0.5], t_stop=1.0)


def test_inplace_forms_return_the_same_object():
    ts = two_ch()
    ident = id(ts)
    ts += 1
    ts **= 2
    ts @= np.array([[1.0], [1.0]])
    assert id(ts) == ident and ts.samples.ravel().tolist() == [4.0 + 9.0, 16.0 + 25.0, 36.0 + 49.0]
    ts -= TSContinuous([0.0, 3.0], [1.0, 1.0])
    assert id(ts) == ident and ts.samples[0, 0] == 12.0


def test_matmul_and_identity_equality():
    ts = two_ch()
    out = ts @ np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    assert out.samples.shape == (3, 3) and out.samples[0].tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError):
        ts @ np.ones((3, 3))
    with pytest.raises(TypeError):
        np.ones((3, 3)) @ ts
    assert ts == ts and ts != ts.copy()


@given(x=hnp.arrays(np.float64, (5, 2), elements=finite), a=st.floats(-10, 10), b=st.floats(0.5, 10))
def test_arithmetic_identities(x, a, b):
    ts = TSContinuous.from_clocked(x, dt=0.1)
    np.testing.assert_allclose(((ts + a) - a).samples, x, atol=1e-9)
    np.testing.assert_allclose(((ts * b) / b).samples, x, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose((ts + ts).samples, (2 * ts).samples)
    np.testing.assert_allclose((ts @ np.eye(2)).samples, x)
    neg = -ts
    np.testing.assert_array_equal((-neg).samples, x)


# ------------------------------------------------------------------ joining
def test_append_c():
    a = TSContinuous([0.0, 1.0, 2.0], [1.0, 2.0, 3.0], t_stop=3.0)
    b = TSContinuous([0.0, 2.0], [10.0, 30.0], interp_kind="linear")
    out = a.append_c(b)
    assert out.samples.tolist() == [[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]] and out.t_stop == 3.0
    assert a.append_c(TSContinuous()).samples.shape == (3, 1)
    empty = TSContinuous(num_channels=1).append_c(two_ch())
    assert empty.samples.shape == (0, 3)
    for bad in ([b], TSEvent([0.1], t_stop=1.0), 3.0):
        with pytest.raises(TypeError):
            a.append_c(bad)
    assert a.append_c(b, inplace=True) is a and a.num_channels == 2


def test_append_t_offsets():
    a = TSContinuous([0.0, 1.0], [1.0, 2.0], t_stop=2.0)
    b = TSContinuous(3.0, 5.0, t_start=2.0, t_stop=4.0)
    out = a.append_t(b)  # default: the median sample interval of a (1 s)
    assert out.times.tolist() == [0.0, 1.0, 4.0] and out.t_stop == 5.0
    chain = a.append_t([b, b])  # the second offset: b has < 2 samples -> 0
    assert chain.times.tolist() == [0.0, 1.0, 4.0, 6.0] and chain.t_stop == 7.0
    assert a.append_t([b, b], offset=0.5).times.tolist() == [0.0, 1.0, 3.5, 6.0]
    assert a.append_t([b, b], offset=[0.0]).times.tolist() == [0.0, 1.0, 3.0]  # zip drops the extra series
    skipped = a.append_t([TSContinuous(), b], offset=0.0)
    assert skipped.times.tolist() == [0.0, 1.0, 3.0] and skipped.t_stop == 4.0
    empty = TSContinuous(t_start=2.0, t_stop=2.0)
    out = empty.append_t(TSContinuous([0.0, 1.0], [1.0, 2.0], t_start=-2.0))
    assert out.times.tolist() == [4.0, 5.0] and (out.t_start, out.t_stop) == (2.0, 5.0)
    with pytest.raises(ValueError, match="channel"):
        a.append_t(two_ch())
    with pytest.raises(TypeError):
        a.append_t(TSEvent([0.1], t_stop=1.0))


def test_merge():
    a = TSContinuous([0.0, 2.0], [0.0, 2.0], name="a", t_stop=2.5)
    b = TSContinuous([1.0, 2.0, 4.0], [1.0, 9.0, 4.0], t_start=-1.0)
    m = a.merge(b)
    assert m.times.tolist() == [0.0, 1.0, 2.0, 4.0] and m.samples.ravel().tolist() == [0.0, 1.0, 2.0, 4.0]
    assert (m.t_start, m.t_stop, m.name) == (-1.0, 4.0, "a")
    keep = a.merge(b, remove_duplicates=False)
    assert keep.times.tolist() == [0.0, 1.0, 2.0, 2.0, 4.0] and keep.samples[2:4, 0].tolist() == [2.0, 9.0]
    assert a.merge([TSContinuous()]).times.tolist() == [0.0, 2.0]
    assert TSContinuous(t_start=-5.0, t_stop=-5.0).merge(b).t_start == -5.0
    with pytest.raises(ValueError):
        a.merge(two_ch())
    with pytest.raises(TypeError):
        a.merge(TSEvent([0.1], t_stop=1.0))


def test_concatenate_t():
    a = TSContinuous([1.0, 2.0], [1.0, 2.0], t_start=1.0, t_stop=3.0, name="a")
    out = TSContinuous.concatenate_t([a, a])
    assert out.times.tolist() == [1.0, 2.0, 4.0, 5.0] and (out.t_start, out.t_stop, out.name) == (1.0, 6.0, "unnamed")
    assert TimeSeries.concatenate_t([a, a], offset=0.0).times.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert TSContinuous.concatenate_t([]).isempty()
    ev = TSEvent.concatenate_t([TSEvent([0.5], t_stop=1.0), TSEvent([0.5], t_stop=1.0)])
    assert isinstance(ev, TSEvent) and ev.times.tolist() == [0.5, 1.0]


# ------------------------------------------------------------------ text forms
def test_repr_and_str():
    ts = TSContinuous.from_clocked(np.zeros((200, 2)), dt=0.1, name="x")
    assert repr(ts) == str(ts) == (
        "non-periodic TSContinuous object `x` from t=0.0 to 20.0. Samples: 200. Channels: 2"
    )
    odd = TSContinuous(np.arange(0, 20, 0.1), np.zeros(200), periodic=True)
    assert repr(odd).startswith("periodic TSContinuous object `unnamed` from t=0.0 to 19.900000000000002.")
    assert repr(TSContinuous(num_channels=2)) == "Empty TSContinuous object `unnamed` from t=0.0 to 0.0. Samples: 0. Channels: 2"


def test_print_shortens_long_series(capsys):
    ts = TSContinuous(np.arange(12) * 0.5, np.arange(24.0).reshape(12, 2), name="p")
    ts.print()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == repr(ts) and lines[1] == "0.0: \t [0. 1.]" and lines[5] == "\t..."
    assert len(lines) == 1 + 4 + 1 + 4 and lines[-1] == "5.5: \t [22. 23.]"
    ts.print(full=True)
    assert len(capsys.readouterr().out.splitlines()) == 13
    ts.print(num_first=1, num_last=2)
    assert len(capsys.readouterr().out.splitlines()) == 1 + 1 + 1 + 2
    ts[:5.0].print()  # 10 samples: printed in full
    assert len(capsys.readouterr().out.splitlines()) == 11
    ts.print(limit_shorten=12)  # ours: honoured (the reference shortens above 10 whatever it is)
    assert len(capsys.readouterr().out.splitlines()) == 13
    ts[:4.0].print(num_first=2, num_last=2, limit_shorten=5)  # 8 samples, more than 5
    assert len(capsys.readouterr().out.splitlines()) == 1 + 2 + 1 + 2
    TSContinuous().print()
    assert capsys.readouterr().out == repr(TSContinuous()) + "\n\n"


def test_iteration_yields_time_sample_pairs():
    pairs = list(TSContinuous([0.0, 1.0], [[1.0, 2.0], [3.0, 4.0]]))
    assert [t for t, _ in pairs] == [0.0, 1.0] and pairs[1][1].tolist() == [3.0, 4.0]
