"""The loss plot is not dominated by penalty spikes; the example plots have colour bars and legends."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from rockpool.plotting import plot_loss  # noqa: E402


def test_loss_plot_fits_the_trend_not_the_spikes():
    rng = np.random.default_rng(0)
    loss = np.linspace(3, 1, 600) * (1 + 0.05 * rng.random(600))
    loss[rng.random(600) < 0.3] += 1000.0  # a bounds penalty switching on in many steps
    fig = plot_loss(loss)
    ax = fig.axes[0]
    assert ax.get_ylim()[1] < 50  # the axis follows the loss, not the 1000s
    assert any("above the axis" in t.get_text() for t in ax.texts)
    labels = ax.get_legend_handles_labels()[1]
    assert "step" in labels and any(lab.startswith("trend") for lab in labels)
    assert ax.get_xlabel() == "Step" and ax.get_ylabel() == "Loss"
    smooth = plot_loss(np.linspace(3, 1, 100)).axes[0]
    assert not smooth.texts  # nothing clipped when there are no spikes
    import matplotlib.pyplot as plt

    plt.close("all")
