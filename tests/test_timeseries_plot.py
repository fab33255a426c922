"""Plotting of time series (api.md §1.2 and the plot() entries of §1.4/§1.5): backends and matplotlib output."""

import importlib.machinery
import sys
import types

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import rockpool.timeseries.plotting as P  # noqa: E402
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


@pytest.fixture(autouse=True)
def _restore_backend():
    before = get_global_ts_plotting_backend()
    yield
    P._global_backend = before


def test_continuous_plot_returns_lines_or_the_target(ax):
    ts = TSContinuous.from_clocked([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], dt=0.1, name="x")
    ts.units = "mV"
    assert ts.plot(target=ax) is ax
    lines = ax.get_lines()
    assert len(lines) == 2 and lines[0].get_label() == "x" and lines[0].get_drawstyle() == "steps-post"
    x, y = lines[1].get_data()
    np.testing.assert_allclose(x, [0.0, 0.1, 0.2, 0.3])  # the last step is drawn up to t_stop
    np.testing.assert_allclose(y, [1.0, 3.0, 5.0, 5.0])
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("Time (s)", "mV", "x")
    fig, cur = plt.subplots()
    try:
        out = TSContinuous([0.0, 1.0], [1.0, 2.0]).plot()
        assert isinstance(out, list) and out[0].axes is cur and cur.get_title() == ""
    finally:
        plt.close(fig)


def test_continuous_plot_options(ax):
    ts = TSContinuous([0.0, 1.0], [[0.0, 10.0, 20.0], [1.0, 20.0, 30.0]], interp_kind="linear")
    ts.plot(target=ax, channels=[1], color="red")
    line = ax.get_lines()[-1]
    assert line.get_color() == "red" and line.get_drawstyle() == "default"
    ts.plot([0.0, 0.5, 1.0], target=ax, channels=0)
    np.testing.assert_allclose(ax.get_lines()[-1].get_ydata(), [0.0, 0.5, 1.0])
    ts.plot(target=ax, dt=0.25, skip=2, stagger=100.0)
    first, second = ax.get_lines()[-2:]
    np.testing.assert_allclose(first.get_xdata(), [0.0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(second.get_ydata(), [120.0, 122.5, 125.0, 127.5])  # channel 2 + 100
    with pytest.raises(ValueError, match="empty"):
        TSContinuous().plot(target=ax)


def test_event_plot_is_a_scatter(ax):
    ev = TSEvent([0.1, 0.2, 0.3], [0, 2, 1], t_start=0.0, t_stop=0.5, name="spikes")
    assert ev.plot(target=ax) is ax
    coll = ax.collections[-1]
    np.testing.assert_allclose(coll.get_offsets(), [[0.1, 0], [0.2, 2], [0.3, 1]])
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("Time (s)", "Channels", "spikes")
    ev.plot(time_limits=(0.15, 0.5), target=ax, channels=[1, 2])
    np.testing.assert_allclose(ax.collections[-1].get_offsets(), [[0.2, 2], [0.3, 1]])
    fig, cur = plt.subplots()
    try:
        out = TSEvent().plot()
        assert isinstance(out, matplotlib.collections.PathCollection) and len(out.get_offsets()) == 0
    finally:
        plt.close(fig)


def test_global_backend_switch(capsys):
    set_global_ts_plotting_backend("matplotlib")
    assert capsys.readouterr().out.strip() == "Global plotting backend has been set to matplotlib."
    assert get_global_ts_plotting_backend() == "matplotlib"
    with pytest.raises(ValueError, match="Plotting backend not recognized"):
        set_global_ts_plotting_backend("bokeh")
    if "holoviews" not in sys.modules:
        with pytest.raises(RuntimeError, match="Holoviews is not available"):
            set_global_ts_plotting_backend("holoviews")
    set_global_ts_plotting_backend(None)
    assert capsys.readouterr().out.strip() == "No global plotting backend is set."
    assert get_global_ts_plotting_backend() is None
    with pytest.raises(RuntimeError, match="no plotting backend"):
        TSContinuous([0.0, 1.0], [1.0, 2.0]).plot()
    set_global_ts_plotting_backend("matplotlib", verbose=False)
    assert capsys.readouterr().out == ""


def test_per_series_backend(capsys, ax):
    ts = TSContinuous([0.0, 1.0], [1.0, 2.0], name="s", plotting_backend="matplotlib")
    assert ts.plotting_backend == "matplotlib"
    ts.set_plotting_backend("matplotlib")
    assert capsys.readouterr().out.strip() == "TSContinuous `s`: Plotting backend has been set to matplotlib."
    ts.set_plotting_backend(None)
    assert capsys.readouterr().out.strip() == "TSContinuous `s`: Using global plotting backend."
    with pytest.raises(ValueError):
        TSEvent(plotting_backend="bokeh")
    set_global_ts_plotting_backend(None, verbose=False)
    assert ts.plotting_backend is None
    ts.set_plotting_backend("matplotlib", verbose=False)
    assert ts.plot(target=ax) is ax  # the series' own backend works without a global one


def _fake_holoviews():
    hv = types.ModuleType("holoviews")
    hv.__spec__ = importlib.machinery.ModuleSpec("holoviews", None)

    class Element:
        def __init__(self, data, *dims, label=""):
            self.data, self.dims, self.label, self.options = data, dims, label, {}

        def opts(self, **kw):
            self.options.update(kw)
            return self

    hv.Curve, hv.Scatter = type("Curve", (Element,), {}), type("Scatter", (Element,), {})
    hv.Overlay = type("Overlay", (Element,), {})
    return hv


def test_holoviews_backend_when_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "holoviews", _fake_holoviews())
    set_global_ts_plotting_backend("holoviews", verbose=False)
    overlay = TSContinuous([0.0, 1.0], [[1.0, 2.0], [3.0, 4.0]], name="c").plot()
    assert type(overlay).__name__ == "Overlay" and len(overlay.data) == 2
    assert overlay.data[1].dims == ("Time (s)", "Value") and overlay.options["title"] == "c"
    scatter = TSEvent([0.1], [2], t_stop=1.0).plot()
    assert type(scatter).__name__ == "Scatter" and scatter.data[1].tolist() == [2]


def test_missing_matplotlib(monkeypatch):
    # - A None entry in sys.modules makes "import matplotlib.pyplot" raise ImportError
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'rockpool\[plot\]'"):
        TSContinuous([0.0, 1.0], [1.0, 2.0]).plot()
    with pytest.raises(RuntimeError, match=r"rockpool\[plot\]"):
        set_global_ts_plotting_backend("matplotlib")
