"""Plotting backends of time series: the global choice and the drawing helpers.

``"matplotlib"`` is the global backend at import when matplotlib is installed (it is imported
only when something is drawn). ``"holoviews"`` can be selected when holoviews is installed. A
backend whose package is missing is a ``RuntimeError``, so code can try one and fall back.
"""

from __future__ import annotations

import importlib.util
from typing import Any, Optional

from rockpool._optional import require

__all__ = ["set_global_ts_plotting_backend", "get_global_ts_plotting_backend"]

_BACKENDS = ("matplotlib", "holoviews")


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


_global_backend: Optional[str] = "matplotlib" if _available("matplotlib") else None


def _check_backend(backend: Optional[str]) -> Optional[str]:
    """Return ``backend`` if it can be used; raise otherwise (``None`` is always fine)."""
    if backend is None:
        return None
    if backend not in _BACKENDS:
        raise ValueError(
            f"Plotting backend not recognized. Got {backend!r}; choose one of {list(_BACKENDS)} "
            "(or None)."
        )
    if not _available(backend):
        raise RuntimeError(
            f"{backend.capitalize()} is not available. Install it (pip install {backend}"
            + (", or pip install 'rockpool[plot]'" if backend == "matplotlib" else "")
            + ") or choose another backend."
        )
    return backend


def set_global_ts_plotting_backend(backend: Optional[str], verbose: bool = True) -> None:
    """Choose the library that time series are plotted with.

    Args:
        backend: ``"matplotlib"``, ``"holoviews"``, or ``None`` to clear the global backend.
        verbose: print the choice.

    Raises:
        RuntimeError: the backend's package is not installed (``Holoviews is not available.``).
        ValueError: an unknown backend name (``Plotting backend not recognized.``).

    Example:
        >>> set_global_ts_plotting_backend("matplotlib")
        Global plotting backend has been set to matplotlib.
        >>> get_global_ts_plotting_backend()
        'matplotlib'
    """
    global _global_backend
    _global_backend = _check_backend(backend)
    if verbose:
        if backend is None:
            print("No global plotting backend is set.")
        else:
            print(f"Global plotting backend has been set to {backend}.")


def get_global_ts_plotting_backend() -> Optional[str]:
    """The global plotting backend (``"matplotlib"`` at import when it is installed), or ``None``.

    Example:
        >>> get_global_ts_plotting_backend() in ("matplotlib", "holoviews", None)
        True
    """
    return _global_backend


def _resolve(backend: Optional[str], label: str) -> str:
    if backend is None:
        raise RuntimeError(
            f"{label}: no plotting backend is set. Call "
            "rockpool.timeseries.set_global_ts_plotting_backend('matplotlib') or "
            "ts.set_plotting_backend('matplotlib')."
        )
    return backend


def _axes(target: Any) -> Any:
    plt = require("matplotlib.pyplot", "plot")
    return plt.gca() if target is None else target


def plot_lines(backend: str, t: Any, s: Any, target: Any, name: str, units: Optional[str],
               steps: bool, *args: Any, **kwargs: Any) -> Any:
    """Draw the columns of ``s`` (``(T, k)``) against ``t``; matplotlib returns the ``Line2D`` list
    (or ``target`` when given), holoviews an ``Overlay`` of ``Curve`` objects."""
    title = "" if name == "unnamed" else str(name)
    if backend == "holoviews":
        hv = require("holoviews", "plot")
        curves = [hv.Curve((t, s[:, i]), "Time (s)", units or "Value", label=title) for i in range(s.shape[1])]
        overlay = hv.Overlay(curves).opts(title=title)
        return overlay if target is None else target * overlay
    ax = _axes(target)
    kwargs.setdefault("label", str(name))
    if steps:
        kwargs.setdefault("drawstyle", "steps-post")
    lines = ax.plot(t, s, *args, **kwargs)
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("" if units is None else str(units))
    ax.set_title(title)
    return lines if target is None else target


def plot_events(backend: str, t: Any, c: Any, target: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """Scatter ``(time, channel)`` pairs; matplotlib returns the ``PathCollection`` (or ``target``)."""
    title = "" if name == "unnamed" else str(name)
    if backend == "holoviews":
        hv = require("holoviews", "plot")
        scatter = hv.Scatter((t, c), "Time (s)", "Channels", label=title).opts(title=title)
        return scatter if target is None else target * scatter
    ax = _axes(target)
    kwargs.setdefault("marker", "|")
    kwargs.setdefault("label", str(name))
    artist = ax.scatter(t, c, *args, **kwargs)
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("Channels")
    ax.set_title(title)
    return artist if target is None else target
