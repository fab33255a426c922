"""Plotting of time series with matplotlib (Agg backend), and the plotting-backend switch."""

import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import rockpool.timeseries as T  # noqa: E402
from rockpool.timeseries import (  # noqa: E402
    TSContinuous,
    TSEvent,
    get_global_ts_plotting_backend,
    set_global_ts_plotting_backend,
)


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_continuous_plot_draws_one_step_line_per_channel(ax):
    ts = TSContinuous.from_clocked([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], dt=0.1, name="x")
    lines = ts.plot(target=ax)
    assert len(lines) == 2 and all(line.axes is ax for line in lines)
    x, y = lines[1].get_data()
    # the last step is drawn up to t_stop
    np.testing.assert_allclose(x, [0.0, 0.1, 0.2, 0.3])
    np.testing.assert_allclose(y, [1.0, 3.0, 5.0, 5.0])
    assert lines[0].get_drawstyle() == "steps-post"
    assert lines[0].get_label() == "x" and ax.get_xlabel() == "Time (s)"


def test_continuous_plot_linear_channels_times_and_kwargs(ax):
    ts = TSContinuous([0.0, 1.0], [[0.0, 10.0], [1.0, 20.0]], interp_kind="linear")
    lines = ts.plot(target=ax, channels=[1], color="red")
    assert len(lines) == 1 and lines[0].get_color() == "red"
    assert lines[0].get_drawstyle() == "default"
    np.testing.assert_allclose(lines[0].get_ydata(), [10.0, 20.0])
    sampled = ts.plot([0.0, 0.5, 1.0], target=ax, channels=0)
    np.testing.assert_allclose(sampled[0].get_ydata(), [0.0, 0.5, 1.0])


def test_plot_uses_current_axes_by_default():
    fig, ax = plt.subplots()
    try:
        lines = TSContinuous([0.0, 1.0], [1.0, 2.0]).plot()
        assert lines[0].axes is ax
        coll = TSEvent([0.1], [0]).plot()
        assert coll.axes is ax
    finally:
        plt.close(fig)


def test_event_plot_is_a_raster_scatter(ax):
    ev = TSEvent([0.1, 0.2, 0.3], [0, 2, 1], t_start=0.0, t_stop=0.5, name="spikes")
    coll = ev.plot(target=ax)
    np.testing.assert_allclose(coll.get_offsets(), [[0.1, 0], [0.2, 2], [0.3, 1]])
    assert ax.get_ylabel() == "Channel" and coll.get_label() == "spikes"
    part = ev.plot(time_limits=(0.15, 0.5), target=ax, channels=[1, 2])
    np.testing.assert_allclose(part.get_offsets(), [[0.2, 2], [0.3, 1]])


def test_backend_switch_and_unknown_backend():
    set_global_ts_plotting_backend("matplotlib")
    assert get_global_ts_plotting_backend() == "matplotlib"
    with pytest.raises(
        ValueError, match=r"Unknown time-series plotting backend 'bokeh'.*\['matplotlib'\]"
    ):
        set_global_ts_plotting_backend("bokeh")
    assert get_global_ts_plotting_backend() == "matplotlib"


def test_missing_matplotlib_names_the_extra(monkeypatch):
    # A None entry in sys.modules makes "import matplotlib.pyplot" raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'rockpool\[plot\]'"):
        TSContinuous([0.0, 1.0], [1.0, 2.0]).plot()
    with pytest.raises(ImportError, match=r"pip install 'rockpool\[plot\]'"):
        TSEvent([0.1], [0]).plot()
    with pytest.raises(ImportError, match=r"rockpool\[plot\]"):
        set_global_ts_plotting_backend("matplotlib")
    assert T.get_global_ts_plotting_backend() == "matplotlib"
