"""Plots for training and simulation: loss history, spike rasters, membrane traces, outputs vs targets.

matplotlib is imported when a function is first called (``pip install 'rockpool[plot]'``); without a
display and without a configured backend, the non-interactive ``Agg`` backend is used. Every
function returns the :class:`matplotlib.figure.Figure` and writes it to ``path`` when given.
Arrays may be ``(T, N)`` or ``(B, T, N)`` (``batch=`` picks the element to draw), or
:class:`~rockpool.timeseries.TSContinuous` series (the records of a timed module); time runs on the
x axis in seconds when ``dt`` is given, in steps otherwise.

Example:
    >>> from rockpool.plotting import plot_loss
    >>> fig = plot_loss([1.0, 0.5, 0.25], path=None)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from rockpool._optional import require

__all__ = ["plot_loss", "plot_raster", "plot_traces", "plot_lif_record", "plot_outputs"]

PathLike = Optional[Union[str, "os.PathLike[str]"]]


def _pyplot():
    """Import pyplot, choosing Agg when there is no display and no backend was configured."""
    mpl = require("matplotlib", "plot")
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if headless and "MPLBACKEND" not in os.environ and "matplotlib.pyplot" not in sys.modules:
        mpl.use("Agg")
    return require("matplotlib.pyplot", "plot")


def _figure(ax: Any, nrows: int = 1, figsize=(8, 3.5), **kw):
    if ax is not None:
        return ax.figure, ax
    plt = _pyplot()
    return plt.subplots(nrows, 1, figsize=figsize, **kw)


def _finish(fig: Any, path: PathLike) -> Any:
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig


def _select(arr: Any, batch: int, name: str) -> np.ndarray:
    if hasattr(arr, "samples") and hasattr(arr, "t_start"):  # a TSContinuous (timed-module record)
        arr = arr.samples
    a = np.asarray(arr)
    if a.ndim == 3:
        a = a[batch]
    elif a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ValueError(f"{name}: expected an array of shape (T, N) or (B, T, N), got shape {np.shape(arr)}.")
    return a.reshape(a.shape[0], -1)


def _time(n: int, dt: Optional[float]) -> np.ndarray:
    return np.arange(n) * (dt if dt else 1.0)


def _time_label(dt: Optional[float]) -> str:
    return "Time (s)" if dt else "Time (steps)"


def plot_loss(
    history: Any,
    path: PathLike = None,
    ax: Any = None,
    log: Optional[bool] = None,
    title: str = "Training loss",
    clip_spikes: bool = True,
) -> Any:
    """Plot a loss history: every step (thin), a trend line and the mean of each epoch.

    Losses with spikes (a penalty term such as ``bounds_cost`` switching on) would squash the
    curve into the bottom of the axes; the trend is a running low quantile that ignores them, and
    with ``clip_spikes`` the y axis covers the trend's range with margin (the number of steps above
    the top is noted).

    Args:
        history: A :class:`~rockpool.training.loop.History` or a sequence of loss values.
        path: Write the figure to this file (PNG, PDF, SVG ... from the suffix).
        ax: Draw into this axes instead of a new figure.
        log: Logarithmic y axis; default when all losses are positive.
        title: Axes title.
        clip_spikes: Fit the y axis to the bulk of the curve rather than its spikes.

    Returns:
        The figure.

    Example:
        >>> fig = plot_loss([3.0, 2.0, 1.5, 1.2])
    """
    loss = np.asarray(getattr(history, "loss", history), dtype=np.float64).ravel()
    fig, ax = _figure(ax)
    steps = np.arange(1, loss.size + 1)
    ax.plot(steps, loss, lw=0.6, alpha=0.45, color="C0", label="step")
    finite = loss[np.isfinite(loss)]
    use_log = bool((log is None and finite.size and np.all(finite > 0)) or log)
    if loss.size >= 20:
        width = max(5, loss.size // 50)
        pad = np.pad(loss, (width // 2, width - 1 - width // 2), mode="edge")
        windows = np.lib.stride_tricks.sliding_window_view(pad, width)
        # - A low running quantile follows the loss itself, not a penalty that spikes in many steps
        median = np.nanpercentile(windows, 25, axis=1)
        ax.plot(steps, median, lw=1.8, color="C1", label=f"trend (running 25th percentile, {width} steps)")
        good = median[np.isfinite(median)]
        if clip_spikes and good.size:
            lo, hi = float(np.min(good)), float(np.percentile(good, 98))
            top = hi * 3.0 if use_log and hi > 0 else hi + 0.5 * (hi - lo + 1e-12)
            bottom = lo / 3.0 if use_log and lo > 0 else lo - 0.1 * (hi - lo + 1e-12)
            above = int(np.sum(finite > top))
            if above:
                ax.set_ylim(bottom, top)
                ax.text(0.99, 0.98, f"{above} step{'s' if above > 1 else ''} above the axis (spikes)",
                        transform=ax.transAxes, ha="right", va="top", fontsize="small", color="0.3")
    epoch = getattr(history, "epoch", None)
    if epoch is not None and loss.size and np.unique(epoch).size < loss.size:
        epoch = np.asarray(epoch)
        ends, means = [], []
        for e in np.unique(epoch):
            idx = np.nonzero(epoch == e)[0]
            ends.append(idx[-1] + 1)
            means.append(loss[idx].mean())
        ax.plot(ends, means, "o-", lw=1.2, ms=3, color="C2", label="epoch mean")
    if use_log:
        ax.set_yscale("log")
    if ax.get_legend_handles_labels()[0] and loss.size >= 2:
        ax.legend(loc="upper right" if not ax.texts else "lower left", fontsize="small")
    ax.set_xlabel("Step")
    ax.set_ylabel("Loss")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    return _finish(fig, path)


def plot_raster(
    spikes: Any,
    dt: Optional[float] = None,
    path: PathLike = None,
    ax: Any = None,
    batch: int = 0,
    title: str = "Spikes",
) -> Any:
    """Spike raster: a dot at ``(t, n)`` wherever neuron ``n`` spiked at step ``t``.

    Args:
        spikes: Spike counts ``(T, N)`` or ``(B, T, N)``.
        dt: Time step in seconds (x axis in seconds); ``None`` for steps.
        path: Write the figure to this file.
        ax: Draw into this axes.
        batch: Batch element to draw.
        title: Axes title.

    Example:
        >>> fig = plot_raster(np.random.rand(100, 5) > 0.9, dt=1e-3)
    """
    s = _select(spikes, batch, "plot_raster")
    fig, ax = _figure(ax)
    t_idx, n_idx = np.nonzero(s > 0)
    t = _time(s.shape[0], dt)
    size = float(np.clip(2400.0 / max(s.shape[1], 1), 2.0, 60.0))
    ax.scatter(t[t_idx], n_idx, s=size, marker="|" if s.shape[1] <= 128 else ".", c="k", linewidths=1.0)
    ax.set_xlim(t[0] if t.size else 0, (t[-1] if t.size else 1) + (dt or 1.0))
    ax.set_ylim(-0.5, s.shape[1] - 0.5)
    ax.yaxis.get_major_locator().set_params(integer=True)  # neurons are whole numbers
    ax.set_xlabel(_time_label(dt))
    ax.set_ylabel("Neuron")
    ax.set_title(f"{title} ({t_idx.size} events)")
    return _finish(fig, path)


def plot_traces(
    traces: Any,
    dt: Optional[float] = None,
    path: PathLike = None,
    ax: Any = None,
    batch: int = 0,
    channels: Optional[Sequence[int]] = None,
    max_channels: int = 8,
    threshold: Optional[float] = None,
    ylabel: str = "Vmem",
    title: str = "Membrane potential",
) -> Any:
    """Continuous traces (membrane potentials, currents), one line per channel.

    Args:
        traces: ``(T, N)`` or ``(B, T, N)`` (extra trailing axes are flattened into channels).
        dt: Time step in seconds, or ``None`` for steps.
        path: Write the figure to this file.
        ax: Draw into this axes.
        batch: Batch element to draw.
        channels: Channels to draw; default the first ``max_channels``.
        max_channels: Most channels drawn by default.
        threshold: Draw a dashed horizontal line at this value (e.g. the firing threshold).
        ylabel: y axis label.
        title: Axes title.

    Example:
        >>> fig = plot_traces(np.random.randn(100, 3), dt=1e-3, threshold=1.0)
    """
    v = _select(traces, batch, "plot_traces")
    chans = list(range(min(v.shape[1], max_channels))) if channels is None else list(channels)
    fig, ax = _figure(ax)
    t = _time(v.shape[0], dt)
    for c in chans:
        ax.plot(t, v[:, c], lw=0.9, label=f"{c}")
    if threshold is not None:
        ax.axhline(float(threshold), color="k", ls="--", lw=0.8, label="threshold")
    ax.set_xlabel(_time_label(dt))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if len(chans) <= 10:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", title="channel",
                  title_fontsize="small", frameon=False)
    return _finish(fig, path)


def _find_lif_record(record: Dict[str, Any]) -> Dict[str, Any]:
    if "spikes" in record and "vmem" in record:
        return record
    for value in record.values():
        if isinstance(value, dict):
            try:
                return _find_lif_record(value)
            except KeyError:
                continue
    raise KeyError("spikes/vmem")


def plot_lif_record(
    record: Dict[str, Any],
    dt: Optional[float] = None,
    path: PathLike = None,
    batch: int = 0,
    max_traces: int = 8,
    threshold: Optional[float] = None,
    title: str = "LIF layer",
) -> Any:
    """Spike raster (top) and membrane traces (bottom) from a LIF record.

    Args:
        record: The record of ``LIFJax``/``LIF`` (``net(x, record=True)[2]``) or of a network that
            contains one (the first sub-record holding ``"spikes"`` and ``"vmem"`` is drawn).
        dt: Time step in seconds, or ``None`` for steps.
        path: Write the figure to this file.
        batch: Batch element to draw.
        max_traces: Number of membrane traces drawn.
        threshold: Draw the firing threshold on the traces.
        title: Figure title.

    Example:
        >>> rec = {"spikes": np.random.rand(50, 4) > 0.9, "vmem": np.random.randn(50, 4)}
        >>> fig = plot_lif_record(rec, dt=1e-3)
    """
    try:
        rec = _find_lif_record(record)
    except KeyError:
        raise ValueError(
            f"plot_lif_record: no 'spikes' and 'vmem' entries in the record (keys: {list(record)}); "
            f"evolve the network with record=True."
        ) from None
    fig, axes = _figure(None, nrows=2, figsize=(8, 5.5), sharex=True)
    plot_raster(rec["spikes"], dt=dt, ax=axes[0], batch=batch, title=f"{title}: spikes")
    plot_traces(rec["vmem"], dt=dt, ax=axes[1], batch=batch, max_channels=max_traces,
                threshold=threshold, title=f"{title}: membrane potential")
    axes[0].set_xlabel("")
    fig.tight_layout()
    return _finish(fig, path)


def plot_outputs(
    output: Any,
    target: Any,
    dt: Optional[float] = None,
    path: PathLike = None,
    ax: Any = None,
    batch: int = 0,
    title: str = "Output vs target",
) -> Any:
    """Network outputs (solid) against targets (dashed, same colour per channel).

    Args:
        output: ``(T, N)`` or ``(B, T, N)``.
        target: Same shape as ``output``.
        dt: Time step in seconds, or ``None`` for steps.
        path: Write the figure to this file.
        ax: Draw into this axes.
        batch: Batch element to draw.
        title: Axes title.

    Example:
        >>> t = np.linspace(0, 1, 100)[:, None]
        >>> fig = plot_outputs(np.sin(6 * t) * 0.9, np.sin(6 * t), dt=0.01)
    """
    y = _select(output, batch, "plot_outputs")
    tgt = _select(target, batch if np.ndim(target) == 3 else 0, "plot_outputs")
    if tgt.shape != y.shape:
        raise ValueError(f"plot_outputs: output has shape {y.shape} but target has {tgt.shape}.")
    fig, ax = _figure(ax)
    t = _time(y.shape[0], dt)
    colours = [f"C{i % 10}" for i in range(y.shape[1])]
    for c in range(y.shape[1]):
        ax.plot(t, y[:, c], color=colours[c], lw=1.4, label=f"output {c}")
        ax.plot(t, tgt[:, c], color=colours[c], lw=1.2, ls="--", label=f"target {c}")
    ax.set_xlabel(_time_label(dt))
    ax.set_ylabel("Value")
    ax.set_title(title)
    if y.shape[1] <= 5:
        ax.legend(loc="upper right", fontsize="small", ncol=2)
    return _finish(fig, path)
