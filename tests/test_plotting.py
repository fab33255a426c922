"""Plots: each returns a matplotlib Figure and writes the file it is given."""

import numpy as np
import pytest

from rockpool import plotting
from rockpool.training.loop import History



def _png(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    return data


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_plot_loss_from_history_and_list(tmp_path):
    hist = History(loss=np.array([4.0, 3.0, 2.0, 1.5, 1.0, 0.8], np.float32), epoch=np.array([0, 0, 0, 1, 1, 1]))
    fig = plotting.plot_loss(hist, path=tmp_path / "loss.png")
    _png(tmp_path / "loss.png")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "Loss"
    lines = ax.get_lines()
    assert len(lines) == 2  # every step, and the epoch means
    np.testing.assert_allclose(lines[1].get_ydata(), [3.0, 1.1], rtol=1e-6)
    fig = plotting.plot_loss([1.0, -0.5, 0.25])
    assert fig.axes[0].get_yscale() == "linear" and len(fig.axes[0].get_lines()) == 1


def test_raster_traces_and_lif_record(tmp_path):
    rng = np.random.default_rng(0)
    spikes = (rng.random((2, 50, 6)) > 0.9).astype(np.float32)
    fig = plotting.plot_raster(spikes, dt=1e-3, batch=1, path=tmp_path / "raster.png")
    _png(tmp_path / "raster.png")
    offsets = fig.axes[0].collections[0].get_offsets()
    assert len(offsets) == int(spikes[1].sum())
    np.testing.assert_allclose(sorted(offsets[:, 0]), sorted(np.nonzero(spikes[1])[0] * 1e-3))

    vmem = rng.normal(size=(50, 12))
    fig = plotting.plot_traces(vmem, threshold=1.0, max_channels=4)
    assert len(fig.axes[0].get_lines()) == 5  # 4 channels and the threshold

    record = {"0_LinearJax": {}, "1_LIFJax": {"spikes": spikes, "vmem": rng.normal(size=(2, 50, 6))}}
    fig = plotting.plot_lif_record(record, dt=1e-3, path=tmp_path / "lif.png")
    _png(tmp_path / "lif.png")
    assert len(fig.axes) == 2 and "spikes" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="record=True"):
        plotting.plot_lif_record({"x": np.zeros((5, 2))})
    with pytest.raises(ValueError, match=r"\(T, N\) or \(B, T, N\)"):
        plotting.plot_raster(np.zeros((2, 3, 4, 5)))


def test_outputs_vs_targets(tmp_path):
    t = np.linspace(0, 1, 80)[:, None]
    target = np.concatenate([np.sin(6 * t), np.cos(6 * t)], axis=1)
    fig = plotting.plot_outputs(target[None] * 0.9, target, dt=0.01, path=tmp_path / "out.svg")
    assert (tmp_path / "out.svg").read_text().lstrip().startswith("<?xml")
    lines = fig.axes[0].get_lines()
    assert len(lines) == 4 and lines[1].get_linestyle() == "--"
    assert lines[0].get_color() == lines[1].get_color()
    with pytest.raises(ValueError, match="target has"):
        plotting.plot_outputs(target, target[:, :1])


def test_lif_record_of_a_timed_module_and_integer_neuron_ticks():
    # - the record of a timed module is the wrapped module's own record: (B, T, N) arrays
    from rockpool.nn.modules import LIF
    from rockpool.timeseries import TSContinuous

    tmod = LIF(3, threshold=0.01).timed()
    drive = TSContinuous.from_clocked(np.array([[0.5, 0.5, 0.0]] * 3 + [[0.0, 0.0, 0.0]] * 17), dt=1e-3)
    _, _, rec = tmod(drive, record=True)
    fig = plotting.plot_lif_record(rec, dt=1e-3)
    assert len(fig.axes[1].get_lines()) == 3  # one membrane trace per neuron
    n_events = int((np.asarray(rec["spikes"])[0] > 0).sum())  # one marker per (step, neuron)
    assert n_events > 0 and len(fig.axes[0].collections[0].get_offsets()) == n_events
    ticks = fig.axes[0].get_yticks()
    assert np.all(ticks == np.round(ticks))  # neurons are whole numbers
