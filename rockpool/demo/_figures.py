"""Figures of the digits demo: loss, accuracy during training, confusion matrix, rasters."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Sequence

import numpy as np

__all__ = ["plot_digits_loss", "plot_accuracy_curve", "plot_confusion", "plot_digit_rasters", "close_all"]


def _plt():
    from rockpool.plotting import _pyplot

    return _pyplot()


def close_all() -> None:
    """Close every open figure."""
    _plt().close("all")


def plot_digits_loss(hist: Any, path: Path) -> Any:
    """The cross-entropy loss of every training step and its mean per epoch."""
    from rockpool import plotting

    fig = plotting.plot_loss(hist, title="Spiking digits classifier: training loss (cross-entropy)")
    fig.axes[0].set_xlabel("Training step (batch)")
    fig.axes[0].set_ylabel("Cross-entropy loss (nats)")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig


def plot_accuracy_curve(curve: Dict[str, List[float]], path: Path) -> Any:
    """Test and training accuracy after every epoch, against the training step."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 3.8))
    steps = np.asarray(curve["step"])
    ax.plot(steps, 100 * np.asarray(curve["test"]), "o-", ms=3, lw=1.5,
            label=f"test (held out, final {100 * curve['test'][-1]:.1f} %)")
    ax.plot(steps, 100 * np.asarray(curve["train"]), "s--", ms=2.5, lw=1.0, alpha=0.8,
            label=f"training digits (final {100 * curve['train'][-1]:.1f} %)")
    ax.axhline(10.0, color="0.5", ls=":", lw=1.0, label="chance (10 %)")
    ax.axhline(95.0, color="tab:red", ls=":", lw=1.0, label="95 %")
    ax.set_xlabel("Training step (batch)")
    ax.set_ylabel("Accuracy (%)")
    ax.set_ylim(0, 101)
    ax.set_title("Spiking digits classifier: accuracy after each epoch")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig


def plot_confusion(labels: np.ndarray, predicted: np.ndarray, path: Path, n_classes: int = 10) -> Any:
    """Confusion matrix of the test set: counts, true digit (rows) vs predicted digit (columns)."""
    plt = _plt()
    cm = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(cm, (np.asarray(labels), np.asarray(predicted)), 1)
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    im = ax.imshow(cm, cmap="Blues")
    for i in range(n_classes):
        for j in range(n_classes):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xticks(range(n_classes))
    ax.set_yticks(range(n_classes))
    ax.set_xlabel("Predicted digit")
    ax.set_ylabel("True digit")
    acc = np.trace(cm) / max(cm.sum(), 1)
    ax.set_title(f"Test set confusion matrix\n{cm.sum()} held-out digits, accuracy {100 * acc:.1f} %")
    fig.colorbar(im, ax=ax, label="Number of test digits")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig


def _pick_examples(labels: np.ndarray, n: int) -> Sequence[int]:
    """Indices of the first test digit of ``n`` different classes."""
    picked: List[int] = []
    for c in range(10):
        idx = np.nonzero(labels == c)[0]
        if idx.size:
            picked.append(int(idx[0]))
        if len(picked) == n:
            break
    return picked


def _raster(ax: Any, spikes: np.ndarray, dt_ms: float, color: str) -> None:
    t, n = np.nonzero(spikes > 0)
    ax.scatter(t * dt_ms, n, s=4, marker="|", c=color, linewidths=0.8)
    ax.set_xlim(0, spikes.shape[0] * dt_ms)
    ax.set_ylim(-0.5, spikes.shape[1] - 0.5)


def plot_digit_rasters(net: Any, data: Any, path: Path, n_examples: int = 4) -> Any:
    """For a few test digits: the image, the input spikes, the hidden LIF spikes, the read-out."""
    plt = _plt()
    x, y = data.test_set()
    idx = list(_pick_examples(y, n_examples))
    xs = x[idx]
    net = net.reset_state()
    hidden_in, _, _ = net[0](xs)
    hidden, _, _ = net[1](hidden_in)
    readout, _, _ = net[2](hidden)
    hidden, readout = np.asarray(hidden), np.asarray(readout)
    dt_ms = data.dt * 1e3
    fig, axes = plt.subplots(len(idx), 4, figsize=(14, 2.6 * len(idx)),
                             gridspec_kw={"width_ratios": [0.7, 2, 2, 2]}, squeeze=False)
    for r, k in enumerate(idx):
        pred = int(np.argmax(readout[r].mean(axis=0)))
        ax = axes[r, 0]
        ax.imshow(data.images_test[k], cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"Test digit: {int(y[k])}", fontsize=10)
        ax = axes[r, 1]
        _raster(ax, xs[r], dt_ms, "k")
        ax.set_ylabel("Input channel\n(pixel, row-major)")
        ax.set_title(f"Input: Poisson spikes ({int(xs[r].sum())} spikes)", fontsize=10)
        ax = axes[r, 2]
        _raster(ax, hidden[r], dt_ms, "tab:blue")
        ax.set_ylabel("Hidden LIF neuron")
        ax.set_title(f"Hidden layer spikes ({int(hidden[r].sum())} spikes)", fontsize=10)
        ax = axes[r, 3]
        t = (np.arange(readout.shape[1]) + 1) * dt_ms
        running = np.cumsum(readout[r], axis=0) / np.arange(1, readout.shape[1] + 1)[:, None]
        others = True
        for c in range(readout.shape[2]):
            strong = c in (pred, int(y[k]))
            label = f"digit {c}" if strong else ("other digits" if others else None)
            others = others and strong
            ax.plot(t, running[:, c], lw=2.0 if strong else 0.7, alpha=1.0 if strong else 0.5,
                    label=label)
        ax.set_ylabel("Read-out (a.u.),\nrunning mean")
        ok = "correct" if pred == int(y[k]) else "wrong"
        ax.set_title(f"Read-out: predicted {pred} ({ok})", fontsize=10)
        ax.legend(loc="upper left", fontsize="x-small", frameon=False)
    for ax in axes[-1, 1:]:
        ax.set_xlabel("Time (ms)")
    fig.suptitle("Spiking digits classifier on held-out test digits", fontsize=12)
    fig.tight_layout()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig
