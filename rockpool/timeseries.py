"""Time series: continuous signals (:class:`TSContinuous`) and event streams (:class:`TSEvent`).

A time series lives on the interval ``[t_start, t_stop]`` (times in seconds). It is the timed
counterpart of the clocked ``(T, channels)`` arrays that modules evolve on:
:meth:`TSContinuous.from_clocked` / :meth:`TSContinuous.to_clocked` and :meth:`TSEvent.from_raster` /
:meth:`TSEvent.raster` convert between the two.

Conventions shared by every class here:

* Times are ``float64`` seconds. Unsorted times are **sorted** at construction (a stable sort that
  carries the samples or channels along), so the order of equal times is kept.
* Times within 1 ns (:data:`TIME_TOLERANCE`) of ``t_start`` or ``t_stop`` snap to them.
* Every method that changes a series takes ``inplace=False``: it returns a new series, or modifies
  and returns ``self`` when ``inplace=True``.
* ``save(path)`` / ``load(path)`` use NumPy ``.npz`` files without pickles; :func:`load_ts_from_file`
  returns the right class; :class:`TSDictOnDisk` is a dict-like store of series and plain values.
* ``plot()`` draws with matplotlib (imported only then) and returns the artists.

Example:
    >>> import numpy as np
    >>> ts = TSContinuous.from_clocked(np.arange(4.0), dt=0.1, name="ramp")
    >>> ts
    TSContinuous 'ramp' from 0.0 to 0.4 with 4 samples and 1 channel
    >>> ts([0.05, 0.25]).ravel().tolist()
    [0.0, 2.0]
"""

from __future__ import annotations

import copy as _copy
import os
import warnings
from collections.abc import MutableMapping
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, TypeVar, Union
from urllib.parse import quote, unquote

import numpy as np

from rockpool._optional import require
from rockpool._warnings import RockpoolWarning

__all__ = [
    "TimeSeries",
    "TSContinuous",
    "TSEvent",
    "TSDictOnDisk",
    "load_ts_from_file",
    "set_global_ts_plotting_backend",
    "get_global_ts_plotting_backend",
    "TIME_TOLERANCE",
]

TIME_TOLERANCE: float = 1e-9
"""Times closer than this (seconds) to a series' limits snap to the limit."""

_BIN_TOLERANCE: float = 1e-7
"""Fraction of a bin: an event this close below a bin edge counts in the bin that starts there."""

_INTERP_KINDS = ("previous", "linear")
_PLOT_BACKENDS = ("matplotlib",)
_global_plotting_backend = "matplotlib"

ArrayLike = Any
_TS = TypeVar("_TS", bound="TimeSeries")
ChannelIndex = Union[int, Sequence[int], slice, np.ndarray, None]


def _warning_class():
    return RockpoolWarning


def _fmt(x: float) -> str:
    """Format a time for messages and reprs: 9 significant digits, always looking like a float."""
    s = f"{float(x):.9g}"
    if not any(c in s for c in ".eni"):
        s += ".0"
    return s


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _as_times(times: ArrayLike, label: str, what: str = "times") -> np.ndarray:
    """Convert to a 1-D float64 array of finite values, or raise a ValueError naming ``label``."""
    if times is None:
        return np.zeros(0)
    arr = np.asarray(times)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise ValueError(f"{label}: {what} must be numeric (got dtype {arr.dtype}).")
    arr = np.atleast_1d(arr.astype(np.float64))
    if arr.ndim != 1:
        raise ValueError(f"{label}: {what} must be a 1-D array (got shape {arr.shape}).")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{label}: {what} must be finite (found NaN or inf).")
    return arr


def _as_float(x: Any, label: str, what: str) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{label}: {what} must be a number (got {x!r}).") from None
    if not np.isfinite(v):
        raise ValueError(f"{label}: {what} must be finite (got {v}).")
    return v


def _select_channels(
    channels: ChannelIndex, num_channels: int, label: str, allow_negative: bool = True
) -> np.ndarray:
    """Turn an int / sequence / slice / boolean mask into an array of channel indices, checked.

    Negative indices count from the end (as in NumPy) when ``allow_negative``; else they are an error.
    """
    if channels is None:
        return np.arange(num_channels)
    if isinstance(channels, slice):
        return np.arange(num_channels)[channels]
    arr = np.atleast_1d(np.asarray(channels))
    if arr.dtype == np.bool_:
        if arr.shape != (num_channels,):
            raise ValueError(
                f"{label}: a boolean channel mask must have {num_channels} entries (got {arr.shape})."
            )
        return np.nonzero(arr)[0]
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.issubdtype(arr.dtype, np.floating) or np.any(arr != np.round(arr)):
            raise ValueError(f"{label}: channels must be integers (got {channels!r}).")
    arr = arr.astype(np.int64).ravel()
    if not allow_negative and np.any(arr < 0):
        raise ValueError(f"{label}: channels must be >= 0 (got {int(arr[arr < 0][0])}).")
    bad = arr[(arr < -num_channels) | (arr >= num_channels)]
    if bad.size:
        raise ValueError(
            f"{label}: channel {int(bad[0])} does not exist; this series has "
            f"{_plural(num_channels, 'channel')} (valid: 0 to {num_channels - 1})."
        )
    return np.where(arr < 0, arr + num_channels, arr)


# ---------------------------------------------------------------------------------------------------
# Plotting backend
# ---------------------------------------------------------------------------------------------------


def set_global_ts_plotting_backend(backend: str, verbose: bool = False) -> None:
    """Choose the library that :meth:`TimeSeries.plot` draws with.

    Args:
        backend: one of ``"matplotlib"`` (the only backend at present).
        verbose: print the backend chosen.

    Raises:
        ValueError: for an unknown backend (the message lists the options).
        ImportError: if the backend's package is not installed (names ``pip install 'rockpool[plot]'``).

    Example:
        >>> set_global_ts_plotting_backend("matplotlib")
        >>> get_global_ts_plotting_backend()
        'matplotlib'
    """
    global _global_plotting_backend
    if backend not in _PLOT_BACKENDS:
        raise ValueError(
            f"Unknown time-series plotting backend {backend!r}; choose one of {list(_PLOT_BACKENDS)}."
        )
    require("matplotlib.pyplot", "plot")
    _global_plotting_backend = backend
    if verbose:
        print(f"Time series will be plotted with {backend}.")


def get_global_ts_plotting_backend() -> str:
    """Return the name of the plotting backend used by :meth:`TimeSeries.plot` (``"matplotlib"``).

    Example:
        >>> get_global_ts_plotting_backend() in ("matplotlib",)
        True
    """
    return _global_plotting_backend


def _pyplot():
    if _global_plotting_backend not in _PLOT_BACKENDS:  # pragma: no cover - guarded by the setter
        raise ValueError(f"Unknown plotting backend {_global_plotting_backend!r}.")
    return require("matplotlib.pyplot", "plot")


# ---------------------------------------------------------------------------------------------------
# Base class
# ---------------------------------------------------------------------------------------------------


class TimeSeries:
    """Base class of :class:`TSContinuous` and :class:`TSEvent`: a named series on ``[t_start, t_stop]``.

    Holds the sorted ``times`` (float64 seconds), the limits, ``periodic`` and ``name``, and provides
    the operations that only move or copy the time base (``delay``, ``start_at``, ``copy``, ``save``).

    Attributes:
        beyond_range_exception (bool): when ``True`` (default) sampling a :class:`TSContinuous`
            outside ``[t_start, t_stop]`` raises ``ValueError``; when ``False`` it warns and gives NaN.
    """

    # Let NumPy defer to our reflected operators (``array + ts`` calls ``ts.__radd__``).
    __array_ufunc__ = None

    def __init__(
        self,
        times: ArrayLike = None,
        periodic: bool = False,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        name: Optional[str] = "unnamed",
    ) -> None:
        self.name = "unnamed" if name is None else str(name)
        self._times = _as_times(times, self._label)
        self.periodic = bool(periodic)
        self.beyond_range_exception = True
        self._t_start, self._t_stop = self._default_limits(t_start, t_stop)

    # -- construction helpers ---------------------------------------------------------------------

    def _default_limits(
        self, t_start: Optional[float], t_stop: Optional[float]
    ) -> Tuple[float, float]:
        t = self._times
        if t_start is None:
            ts0 = float(t.min()) if t.size else 0.0
        else:
            ts0 = _as_float(t_start, self._label, "t_start")
        if t_stop is None:
            ts1 = self._default_t_stop(ts0)
        else:
            ts1 = _as_float(t_stop, self._label, "t_stop")
        if ts1 < ts0:
            raise ValueError(
                f"{self._label}: t_stop ({_fmt(ts1)}) must not be smaller than t_start ({_fmt(ts0)})."
            )
        return ts0, ts1

    def _default_t_stop(self, t_start: float) -> float:
        return max(float(self._times.max()), t_start) if self._times.size else t_start

    def _sort(self, *carried: np.ndarray) -> Tuple[np.ndarray, ...]:
        """Stable-sort ``self._times`` and reorder ``carried`` arrays (along axis 0) the same way."""
        if self._times.size > 1 and np.any(np.diff(self._times) < 0):
            order = np.argsort(self._times, kind="stable")
            self._times = self._times[order]
            return tuple(c[order] for c in carried)
        return carried

    def _check_times_in_range(self, upper_open: bool) -> None:
        """Snap times within 1 ns of the limits; raise if any time lies outside them."""
        t = self._times
        if not t.size:
            return
        t[(t < self._t_start) & (t >= self._t_start - TIME_TOLERANCE)] = self._t_start
        if not upper_open:
            t[(t > self._t_stop) & (t <= self._t_stop + TIME_TOLERANCE)] = self._t_stop
        if t[0] < self._t_start:
            raise ValueError(
                f"{self._label}: time {_fmt(t[0])} is before t_start ({_fmt(self._t_start)}). "
                "Pass a smaller t_start, or leave it out to start at the first time."
            )
        late = t >= self._t_stop if upper_open else t > self._t_stop
        if np.any(late):
            interval = "[t_start, t_stop)" if upper_open else "[t_start, t_stop]"
            raise ValueError(
                f"{self._label}: time {_fmt(t[late][0])} is not before t_stop ({_fmt(self._t_stop)}); "
                f"times must lie in {interval}. Pass a larger t_stop, or leave it out."
            )

    # -- basic properties -----------------------------------------------------------------------

    @property
    def _label(self) -> str:
        return f"{type(self).__name__} '{getattr(self, 'name', 'unnamed')}'"

    @property
    def times(self) -> np.ndarray:
        """Sorted times of the samples or events (float64 seconds, shape ``(N,)``)."""
        return self._times

    @property
    def t_start(self) -> float:
        """Start of the series (seconds). Setting it must keep every time ``>= t_start``."""
        return self._t_start

    @t_start.setter
    def t_start(self, value: float) -> None:
        v = _as_float(value, self._label, "t_start")
        if self._times.size and v > self._times[0] + TIME_TOLERANCE:
            raise ValueError(
                f"{self._label}: t_start {_fmt(v)} is after the first time {_fmt(self._times[0])}. "
                "Use clip() to drop earlier samples or events."
            )
        if v > self._t_stop:
            raise ValueError(
                f"{self._label}: t_start {_fmt(v)} is after t_stop {_fmt(self._t_stop)}."
            )
        self._t_start = v
        self._check_times_in_range(isinstance(self, TSEvent))

    @property
    def t_stop(self) -> float:
        """End of the series (seconds). Setting it must keep every time inside the series."""
        return self._t_stop

    @t_stop.setter
    def t_stop(self, value: float) -> None:
        v = _as_float(value, self._label, "t_stop")
        if v < self._t_start:
            raise ValueError(
                f"{self._label}: t_stop {_fmt(v)} is before t_start {_fmt(self._t_start)}."
            )
        old = self._t_stop
        self._t_stop = v
        try:
            self._check_times_in_range(isinstance(self, TSEvent))
        except ValueError:
            self._t_stop = old
            raise

    @property
    def duration(self) -> float:
        """``t_stop - t_start`` in seconds."""
        return self._t_stop - self._t_start

    def __len__(self) -> int:
        return int(self._times.size)

    def isempty(self) -> bool:
        """``True`` if the series has no samples (or no events)."""
        return self._times.size == 0

    def copy(self: _TS) -> _TS:
        """Return an independent copy (arrays are copied too)."""
        new = _copy.copy(self)
        for k, v in new.__dict__.items():
            if isinstance(v, np.ndarray):
                new.__dict__[k] = v.copy()
        return new

    def _target(self: _TS, inplace: bool) -> _TS:
        return self if inplace else self.copy()

    def contains(self, times: ArrayLike) -> bool:
        """``True`` if every time lies in ``[t_start, t_stop]`` (within 1 ns), or the series is periodic.

        Example:
            >>> TSContinuous([0.0, 1.0], [0.0, 1.0]).contains([0.5, 1.0])
            True
        """
        t = _as_times(times, self._label)
        if self.periodic or not t.size:
            return True
        return bool(
            np.all(t >= self._t_start - TIME_TOLERANCE)
            and np.all(t <= self._t_stop + TIME_TOLERANCE)
        )

    # -- moving in time -------------------------------------------------------------------------

    def delay(self: _TS, offset: float, inplace: bool = False) -> _TS:
        """Shift the series in time by ``offset`` seconds (times, t_start and t_stop).

        Example:
            >>> TSContinuous([0.0, 1.0], [1.0, 2.0]).delay(2.0).t_start
            2.0
        """
        offset = _as_float(offset, self._label, "offset")
        out = self._target(inplace)
        out._times = out._times + offset
        out._t_start += offset
        out._t_stop += offset
        return out

    def start_at(self: _TS, t_start: float, inplace: bool = False) -> _TS:
        """Shift the series so that it starts at ``t_start`` (keeps the duration)."""
        return self.delay(
            _as_float(t_start, self._label, "t_start") - self._t_start, inplace=inplace
        )

    def start_at_zero(self: _TS, inplace: bool = False) -> _TS:
        """Shift the series so that it starts at 0 s."""
        return self.start_at(0.0, inplace=inplace)

    @classmethod
    def concatenate_t(
        cls, series: Sequence["TimeSeries"], offset: Union[float, Sequence[float]] = 0.0
    ) -> "TimeSeries":
        """Join series one after the other in time (see ``append_t``); returns a new series.

        Args:
            series: the series to join, in order; all of the same class.
            offset: gap (seconds) inserted before each series after the first; a scalar or one per join.

        Example:
            >>> a = TSContinuous.from_clocked([[1.0], [2.0]], dt=0.5)
            >>> TSContinuous.concatenate_t([a, a]).t_stop
            2.0
        """
        series = list(series)
        if not series:
            raise ValueError(f"{cls.__name__}.concatenate_t: give at least one series.")
        first = series[0]
        if cls is not TimeSeries and not isinstance(first, cls):
            raise ValueError(
                f"{cls.__name__}.concatenate_t: expected {cls.__name__} objects (got {type(first).__name__})."
            )
        if len(series) == 1:
            return first.copy()
        return first.append_t(series[1:], offset=offset)  # type: ignore[attr-defined]

    # -- repr -----------------------------------------------------------------------------------

    def _repr_counts(self) -> str:  # pragma: no cover - overridden
        return _plural(len(self), "time")

    def __repr__(self) -> str:
        s = f"{self._label} from {_fmt(self._t_start)} to {_fmt(self._t_stop)} with {self._repr_counts()}"
        return s + (", periodic" if self.periodic else "")

    __str__ = __repr__

    # -- saving and loading ---------------------------------------------------------------------

    def _to_arrays(self) -> Dict[str, np.ndarray]:
        return {
            "ts_type": np.array(type(self).__name__),
            "name": np.array(self.name),
            "times": np.asarray(self._times, dtype=np.float64),
            "t_start": np.array(self._t_start, dtype=np.float64),
            "t_stop": np.array(self._t_stop, dtype=np.float64),
            "periodic": np.array(self.periodic, dtype=np.bool_),
        }

    def save(self, path: Union[str, os.PathLike, Any]) -> None:
        """Save to a ``.npz`` file (no pickles). ``path`` is a file name (``.npz`` is appended if
        missing, as :func:`numpy.savez` does) or a writable binary file object.

        Example:
            >>> import io
            >>> buf = io.BytesIO(); TSEvent([0.1], [0]).save(buf); _ = buf.seek(0)
            >>> TSEvent.load(buf).times.tolist()
            [0.1]
        """
        np.savez(path, **self._to_arrays())  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Union[str, os.PathLike, Any]) -> "TimeSeries":
        """Load a series saved with :meth:`save`; checks the class and the dtype of every field."""
        ts = load_ts_from_file(path)
        if cls is not TimeSeries and not isinstance(ts, cls):
            raise ValueError(
                f"{cls.__name__}.load: the file holds a {type(ts).__name__}, not a {cls.__name__}. "
                "Use rockpool.timeseries.load_ts_from_file() to load any series."
            )
        return ts

    # -- plotting -------------------------------------------------------------------------------

    def plot(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - overridden
        """Plot this series (implemented by :class:`TSContinuous` and :class:`TSEvent`)."""
        raise NotImplementedError(
            f"{type(self).__name__}.plot(): only TSContinuous and TSEvent can be plotted."
        )


# ---------------------------------------------------------------------------------------------------
# TSContinuous
# ---------------------------------------------------------------------------------------------------


_BinaryOp = Callable[["TSContinuous", Any], "TSContinuous"]


def _arithmetic(op: Callable, symbol: str) -> Tuple[_BinaryOp, _BinaryOp, _BinaryOp]:
    """The forward, reflected and in-place operator methods of ``TSContinuous`` for ``op``."""

    def forward(self: "TSContinuous", other: Any) -> "TSContinuous":
        return self._binary(other, op, symbol)

    def reflected(self: "TSContinuous", other: Any) -> "TSContinuous":
        return self._binary(other, op, symbol, reflected=True)

    def inplace(self: "TSContinuous", other: Any) -> "TSContinuous":
        return self._inplace(other, op, symbol + "=")

    return forward, reflected, inplace


class TSContinuous(TimeSeries):
    """A continuous, multi-channel signal defined by samples at given times.

    Between samples the signal is interpolated. With ``interp_kind="previous"`` (default, a step
    function, matching clocked simulation)::

        x(t) = samples[k]   where k is the last index with times[k] <= t

    and with ``interp_kind="linear"``, for ``times[k] <= t < times[k+1]``::

        x(t) = samples[k] + (t - times[k]) / (times[k+1] - times[k]) * (samples[k+1] - samples[k])

    Before the first sample the first value holds; after the last sample the last value holds.
    The series is defined on ``[t_start, t_stop]``: sampling outside raises ``ValueError`` (or, with
    ``beyond_range_exception = False``, warns and gives NaN), except for a periodic series, which
    repeats with period ``duration``: ``x(t) = x(t_start + (t - t_start) mod duration)``.

    Args:
        times: sample times (seconds), shape ``(T,)``; sorted at construction if needed.
        samples: values, shape ``(T,)`` (one channel) or ``(T, C)``. ``None`` gives zeros.
        num_channels: number of channels; checked against ``samples`` when both are given.
        periodic: repeat the series beyond ``t_stop``.
        t_start: start (default: first sample time, or 0 if empty).
        t_stop: end (default: last sample time). Use :meth:`from_clocked` for clocked data, whose
            last sample lasts one ``dt``.
        name: a name for printing.
        interp_kind: ``"previous"`` or ``"linear"``.

    Indexing (always returns a new :class:`TSContinuous`): ``ts[t_index]`` or ``ts[t_index, channels]``.
    ``t_index`` is a slice of *times* (``ts[0.1:0.5]`` is ``clip(0.1, 0.5)``; with a step,
    ``ts[0:1:0.1]`` resamples at ``arange(0, 1, 0.1)``), a list/array of times (resampled there) or one
    time (a one-sample series). ``channels`` is an int, a list, a slice or a boolean mask; the result
    always keeps its channel axis (``ts[:, 0]`` has one channel).

    Example:
        >>> ts = TSContinuous([0.0, 0.5, 1.0], [[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]], name="x")
        >>> ts
        TSContinuous 'x' from 0.0 to 1.0 with 3 samples and 2 channels
        >>> ts(0.75).tolist()
        [[1.0, 2.0]]
        >>> (2 * ts + 1)[:, 1].samples.ravel().tolist()
        [3.0, 5.0, 7.0]
    """

    def __init__(
        self,
        times: ArrayLike = None,
        samples: ArrayLike = None,
        num_channels: Optional[int] = None,
        periodic: bool = False,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        name: Optional[str] = "unnamed",
        interp_kind: str = "previous",
    ) -> None:
        self.name = "unnamed" if name is None else str(name)
        t = _as_times(times, self._label)
        if samples is None:
            if times is None and num_channels is None:
                num_channels = 0
            s = np.zeros((t.size, 1 if num_channels is None else int(num_channels)))
        else:
            if times is None:
                raise ValueError(
                    f"{self._label}: samples were given without times. Pass times=..., or use "
                    "TSContinuous.from_clocked(samples, dt) for regularly sampled data."
                )
            s = self._as_samples(samples, t.size, num_channels)
        self._samples = s
        super().__init__(t, periodic, t_start, t_stop, name)
        (self._samples,) = self._sort(self._samples)
        self._check_times_in_range(upper_open=False)
        self.interp_kind = interp_kind

    def _as_samples(
        self, samples: ArrayLike, n_times: int, num_channels: Optional[int]
    ) -> np.ndarray:
        s = np.asarray(samples)
        if s.dtype == object or not (
            np.issubdtype(s.dtype, np.number) or np.issubdtype(s.dtype, np.bool_)
        ):
            raise ValueError(f"{self._label}: samples must be numeric (got dtype {s.dtype}).")
        if np.issubdtype(s.dtype, np.complexfloating):
            raise ValueError(f"{self._label}: samples must be real (got dtype {s.dtype}).")
        s = s.astype(np.float64)
        if s.ndim == 0:
            s = s.reshape(1, 1)
        elif s.ndim == 1 and s.size == 0 and n_times == 0:
            # no samples at all: the channel count comes from num_channels (default 1)
            s = s.reshape(0, 1 if num_channels is None else int(num_channels))
        elif s.ndim == 1:
            # one row of channels for a single time, otherwise one channel over time
            s = s.reshape(1, -1) if n_times == 1 else s.reshape(-1, 1)
        elif s.ndim != 2:
            raise ValueError(
                f"{self._label}: samples must have shape (T,) or (T, channels) (got {s.shape})."
            )
        if s.shape[0] != n_times:
            raise ValueError(
                f"{self._label}: got {_plural(n_times, 'time')} but {_plural(s.shape[0], 'sample')}; "
                "samples must have one row per time (shape (T,) or (T, channels))."
            )
        if num_channels is not None and s.shape[1] != int(num_channels):
            raise ValueError(
                f"{self._label}: num_channels is {num_channels} but samples have "
                f"{_plural(s.shape[1], 'channel')} (shape {s.shape})."
            )
        return s

    @classmethod
    def from_clocked(
        cls,
        samples: ArrayLike,
        dt: float,
        t_start: float = 0.0,
        periodic: bool = False,
        name: Optional[str] = None,
        interp_kind: str = "previous",
    ) -> "TSContinuous":
        """Wrap clocked data: sample ``k`` at ``t_start + k * dt``, and ``t_stop = t_start + T * dt``
        (the last sample lasts one step), so ``from_clocked(x, dt).to_clocked(dt)`` returns ``x``.

        Args:
            samples: shape ``(T,)`` or ``(T, channels)``.
            dt: time step (seconds, > 0).
            t_start: time of the first sample.
            periodic, name, interp_kind: as in the constructor.

        Example:
            >>> TSContinuous.from_clocked([1.0, 2.0, 3.0], dt=0.1).times.round(3).tolist()
            [0.0, 0.1, 0.2]
        """
        dt = _as_float(dt, f"{cls.__name__} '{name}'", "dt")
        if dt <= 0:
            raise ValueError(f"{cls.__name__}.from_clocked: dt must be > 0 (got {dt}).")
        t_start = _as_float(t_start, cls.__name__, "t_start")
        s = np.asarray(samples)
        if s.ndim == 0:
            s = s.reshape(1)
        n = s.shape[0]
        times = t_start + np.arange(n) * dt
        return cls(
            times,
            s,
            periodic=periodic,
            t_start=t_start,
            t_stop=t_start + n * dt,
            name=name,
            interp_kind=interp_kind,
        )

    # -- properties -----------------------------------------------------------------------------

    @property
    def samples(self) -> np.ndarray:
        """Sample values, float64, shape ``(T, num_channels)``."""
        return self._samples

    @samples.setter
    def samples(self, value: ArrayLike) -> None:
        self._samples = self._as_samples(value, self._times.size, None)

    @property
    def num_channels(self) -> int:
        """Number of channels (columns of ``samples``)."""
        return int(self._samples.shape[1])

    @property
    def interp_kind(self) -> str:
        """Interpolation between samples: ``"previous"`` (step) or ``"linear"``."""
        return self._interp_kind

    @interp_kind.setter
    def interp_kind(self, value: str) -> None:
        if value not in _INTERP_KINDS:
            raise ValueError(
                f"{self._label}: interp_kind must be one of {list(_INTERP_KINDS)} (got {value!r})."
            )
        self._interp_kind = value

    @property
    def min(self) -> float:
        """Smallest sample value over all channels (NaN for an empty series)."""
        return float(np.nanmin(self._samples)) if self._samples.size else float("nan")

    @property
    def max(self) -> float:
        """Largest sample value over all channels (NaN for an empty series)."""
        return float(np.nanmax(self._samples)) if self._samples.size else float("nan")

    def _repr_counts(self) -> str:
        return f"{_plural(len(self), 'sample')} and {_plural(self.num_channels, 'channel')}"

    # -- sampling -------------------------------------------------------------------------------

    def _map_times(self, t: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Wrap (periodic) or snap times into ``[t_start, t_stop]``; return (times, invalid mask)."""
        invalid = np.zeros(t.shape, dtype=bool)
        if self.periodic:
            if self.duration > 0:
                phase = np.mod(t - self._t_start, self.duration)
                # a phase within 1 ns of a whole period is the start of the next period
                phase[phase > self.duration - TIME_TOLERANCE] = 0.0
                t = self._t_start + phase
            else:
                t = np.full_like(t, self._t_start)
            return t, invalid
        invalid = (t < self._t_start - TIME_TOLERANCE) | (t > self._t_stop + TIME_TOLERANCE)
        if np.any(invalid):
            msg = (
                f"{self._label}: cannot sample at t = {_fmt(t[invalid][0])} "
                f"({int(invalid.sum())} of {t.size} times out of range); the series is defined on "
                f"[{_fmt(self._t_start)}, {_fmt(self._t_stop)}]. Sample inside that range, make the "
                "series periodic, or set `beyond_range_exception = False` to get NaN with a warning."
            )
            if self.beyond_range_exception:
                raise ValueError(msg)
            warnings.warn(msg, _warning_class(), stacklevel=3)
        return np.clip(t, self._t_start, self._t_stop), invalid

    def _interpolate(self, t: np.ndarray) -> np.ndarray:
        times, samples = self._times, self._samples
        n = times.size
        if n == 0:
            return np.full((t.size, self.num_channels), np.nan)
        if n == 1:
            return np.repeat(samples, t.size, axis=0)
        if self._interp_kind == "previous":
            # A query within 1 ns before a sample time counts as at that time (float rounding).
            idx = np.searchsorted(times, t + TIME_TOLERANCE, side="right") - 1
            return samples[np.clip(idx, 0, n - 1)]
        i1 = np.clip(np.searchsorted(times, t, side="right"), 1, n - 1)
        i0 = i1 - 1
        t0, t1 = times[i0], times[i1]
        span = t1 - t0
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(span > 0, (t - t0) / np.where(span > 0, span, 1.0), 1.0)
        w = np.clip(w, 0.0, 1.0)[:, None]
        return samples[i0] * (1.0 - w) + samples[i1] * w

    def __call__(self, times: ArrayLike) -> np.ndarray:
        """Sample the series at ``times`` (a scalar or 1-D array, seconds).

        Returns:
            Array of shape ``(len(times), num_channels)`` (``(1, num_channels)`` for a scalar).

        Raises:
            ValueError: a time outside ``[t_start, t_stop]`` (beyond 1 ns) on a non-periodic series,
                unless ``beyond_range_exception`` is ``False`` (then: a warning and NaN rows).
        """
        t = _as_times(times, self._label, "sampling times")
        t, invalid = self._map_times(t)
        out = self._interpolate(t)
        if np.any(invalid):
            out[invalid] = np.nan
        return out

    def to_clocked(self, dt: float) -> np.ndarray:
        """Sample at ``t_start + k * dt`` for ``k = 0 .. n-1``, ``n = ceil(duration / dt)`` (a duration
        within ``1e-7 * dt`` of a whole number of steps is not rounded up; at least one step).

        Returns:
            Array of shape ``(n, num_channels)``.

        Example:
            >>> TSContinuous([0.0, 0.2], [1.0, 2.0], t_stop=0.4).to_clocked(0.1).ravel().tolist()
            [1.0, 1.0, 2.0, 2.0]
        """
        n = max(_num_bins(self.duration, dt, self._label), 1)
        return self(self._t_start + np.arange(n) * dt)

    # -- changing the series --------------------------------------------------------------------

    def resample(self, times: ArrayLike, inplace: bool = False) -> "TSContinuous":
        """Replace the samples by the series' values at ``times``.

        The limits stay unless ``times`` go beyond them (periodic series only): then the limits
        grow to include ``times`` and the result is no longer periodic.

        Example:
            >>> TSContinuous([0.0, 1.0], [0.0, 2.0], interp_kind="linear").resample([0.5]).samples.tolist()
            [[1.0]]
        """
        t = np.sort(_as_times(times, self._label, "times"))
        samples = self(t)
        out = self._target(inplace)
        if t.size:
            t0, t1 = min(self._t_start, float(t[0])), max(self._t_stop, float(t[-1]))
            if (t0, t1) != (self._t_start, self._t_stop):
                out.periodic = False
            out._t_start, out._t_stop = t0, t1
        out._times, out._samples = t, samples
        return out

    def clip(
        self,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        channels: ChannelIndex = None,
        inplace: bool = False,
    ) -> "TSContinuous":
        """Keep the part of the series on ``[t_start, t_stop]`` and (optionally) some channels.

        Limits beyond the series' own are clamped to them. Where a new limit falls between two
        samples, a sample with the interpolated value is added at it, so the clipped series takes
        the same values as the original on ``[t_start, t_stop]``.

        Example:
            >>> ts = TSContinuous([0.0, 1.0, 2.0], [0.0, 1.0, 2.0])
            >>> ts.clip(0.5, 1.5).times.tolist()
            [0.5, 1.0]
        """
        t0 = (
            self._t_start
            if t_start is None
            else max(_as_float(t_start, self._label, "t_start"), self._t_start)
        )
        t1 = (
            self._t_stop
            if t_stop is None
            else min(_as_float(t_stop, self._label, "t_stop"), self._t_stop)
        )
        if t1 < t0:
            raise ValueError(
                f"{self._label}: clip range [{_fmt(t0)}, {_fmt(t1)}] is empty or outside the series "
                f"[{_fmt(self._t_start)}, {_fmt(self._t_stop)}]."
            )
        ch = _select_channels(channels, self.num_channels, self._label)
        times, samples = self._times, self._samples
        keep = (times >= t0 - TIME_TOLERANCE) & (times <= t1 + TIME_TOLERANCE)
        new_t, new_s = np.clip(times[keep], t0, t1), samples[keep]
        if times.size:
            if times[0] < t0 and (new_t.size == 0 or new_t[0] > t0):
                new_t = np.concatenate([[t0], new_t])
                new_s = np.concatenate([self._interpolate(np.array([t0])), new_s])
            if self._interp_kind == "linear" and times[-1] > t1 and new_t[-1] < t1:
                new_t = np.concatenate([new_t, [t1]])
                new_s = np.concatenate([new_s, self._interpolate(np.array([t1]))])
        out = self._target(inplace)
        if (t0, t1) != (self._t_start, self._t_stop):
            out.periodic = False
        out._times, out._samples = new_t, new_s[:, ch]
        out._t_start, out._t_stop = t0, t1
        return out

    def _aligned(
        self, other: "TSContinuous", what: str
    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Common time base of ``self`` and ``other``: (times, self's samples, other's samples)."""
        if self._times.shape == other._times.shape and np.array_equal(self._times, other._times):
            return self._times, self._samples, other._samples
        t_other = other._times[(other._times >= self._t_start) & (other._times <= self._t_stop)]
        t = np.union1d(self._times, t_other)
        if not other.contains(t):
            raise ValueError(
                f"{self._label} {what} {other._label}: the second series covers "
                f"[{_fmt(other.t_start)}, {_fmt(other.t_stop)}], which does not contain every time "
                f"of the first [{_fmt(t[0])}, {_fmt(t[-1])}]. Clip the first series to the overlap "
                "(ts.clip(t_start, t_stop)) or make the second periodic."
            )
        return t, self(t), other(t)

    def _channels_for(self, others: Sequence[Any]) -> int:
        """Channel count when joining ``others`` in time: an empty series without channels
        (``TSContinuous()``) takes that of the first other series, so it can start an accumulation."""
        if not self._times.size and self.num_channels == 0 and others:
            if isinstance(others[0], TSContinuous):
                return others[0].num_channels
        return self.num_channels

    def merge(
        self,
        other_series: Union["TSContinuous", Sequence["TSContinuous"]],
        remove_duplicates: bool = True,
        inplace: bool = False,
    ) -> "TSContinuous":
        """Interleave the samples of series with the same channels into one series.

        Times are combined and sorted; with ``remove_duplicates`` a time present in several series
        keeps the sample of the earliest series (``self`` first). The limits become the union.

        Example:
            >>> a = TSContinuous([0.0, 2.0], [0.0, 2.0]); b = TSContinuous([1.0], [1.0])
            >>> a.merge(b).samples.ravel().tolist()
            [0.0, 1.0, 2.0]
        """
        others = [other_series] if isinstance(other_series, TimeSeries) else list(other_series)
        n_ch = self._channels_for(others)
        times, samples = [self._times], [self._samples if self.num_channels == n_ch else np.zeros((0, n_ch))]
        t0, t1 = self._t_start, self._t_stop
        for o in others:
            if not isinstance(o, TSContinuous):
                raise ValueError(
                    f"{self._label}.merge: can only merge TSContinuous (got {type(o).__name__})."
                )
            if o.num_channels != n_ch:
                raise ValueError(
                    f"{self._label}.merge: {o._label} has {o.num_channels} channels, expected "
                    f"{n_ch}. Use append_c() to add channels."
                )
            times.append(o._times)
            samples.append(o._samples)
            t0, t1 = min(t0, o.t_start), max(t1, o.t_stop)
        t = np.concatenate(times)
        s = np.concatenate(samples)
        order = np.argsort(t, kind="stable")
        t, s = t[order], s[order]
        if remove_duplicates and t.size:
            # first occurrence of each time (in stable order: the earliest series wins)
            keep = np.concatenate([[True], np.diff(t) > 0])
            t, s = t[keep], s[keep]
        out = self._target(inplace)
        out._times, out._samples, out._t_start, out._t_stop = t, s, t0, t1
        return out

    def append_t(
        self,
        other_series: Union["TSContinuous", Sequence["TSContinuous"]],
        offset: Union[float, Sequence[float]] = 0.0,
        inplace: bool = False,
    ) -> "TSContinuous":
        """Append series after this one in time: each appended series is shifted to start at the
        current ``t_stop + offset``; ``t_stop`` becomes the end of the last appended series.

        Example:
            >>> a = TSContinuous.from_clocked([1.0, 2.0], dt=1.0)
            >>> a.append_t(a).samples.ravel().tolist()
            [1.0, 2.0, 1.0, 2.0]
        """
        others = [other_series] if isinstance(other_series, TimeSeries) else list(other_series)
        offsets = _offsets(offset, len(others), self._label)
        n_ch = self._channels_for(others)
        out = self._target(inplace)
        times, samples = [out._times], [out._samples if out.num_channels == n_ch else np.zeros((0, n_ch))]
        t_stop = out._t_stop
        for o, off in zip(others, offsets, strict=True):
            if not isinstance(o, TSContinuous):
                raise ValueError(
                    f"{self._label}.append_t: expected TSContinuous (got {type(o).__name__})."
                )
            if o.num_channels != n_ch:
                raise ValueError(
                    f"{self._label}.append_t: {o._label} has {o.num_channels} channels, expected "
                    f"{n_ch}."
                )
            shift = t_stop + off - o.t_start
            times.append(o._times + shift)
            samples.append(o._samples)
            t_stop = o.t_stop + shift
        out._times, out._samples = np.concatenate(times), np.concatenate(samples)
        out._t_stop = t_stop
        return out

    def append_c(
        self, other_series: Union["TSContinuous", Sequence["TSContinuous"]], inplace: bool = False
    ) -> "TSContinuous":
        """Add the channels of other series after this one's channels.

        The time base is the union of the sample times within this series' range; the other series
        must cover it (else ``ValueError``).

        Example:
            >>> a = TSContinuous([0.0, 1.0], [1.0, 2.0])
            >>> a.append_c(a * 10).samples.tolist()
            [[1.0, 10.0], [2.0, 20.0]]
        """
        others = [other_series] if isinstance(other_series, TimeSeries) else list(other_series)
        out = self._target(inplace)
        for o in others:
            if not isinstance(o, TSContinuous):
                raise ValueError(
                    f"{self._label}.append_c: expected TSContinuous (got {type(o).__name__})."
                )
            t, a, b = out._aligned(o, "append_c")
            out._times, out._samples = t, np.concatenate([a, b], axis=1)
        return out

    # -- arithmetic -----------------------------------------------------------------------------

    def _binary(
        self, other: Any, op: Callable, symbol: str, reflected: bool = False
    ) -> "TSContinuous":
        if isinstance(other, TSEvent):
            return NotImplemented
        if isinstance(other, TSContinuous):
            if self.num_channels != other.num_channels and 1 not in (
                self.num_channels,
                other.num_channels,
            ):
                raise ValueError(
                    f"{self._label} {symbol} {other._label}: channel counts {self.num_channels} and "
                    f"{other.num_channels} differ (one of them may be 1, which broadcasts)."
                )
            t, a, b = self._aligned(other, symbol)
        else:
            b = np.asarray(other)
            if b.dtype == object or not (np.issubdtype(b.dtype, np.number) or b.dtype == np.bool_):
                return NotImplemented
            t, a = self._times, self._samples
        res = op(b, a) if reflected else op(a, b)
        if res.ndim != 2 or res.shape[0] != t.size:
            raise ValueError(
                f"{self._label} {symbol} array: an array operand must broadcast against the samples "
                f"of shape {a.shape} (a scalar, shape (channels,), or shape (T, channels)); got "
                f"shape {np.shape(other)}."
            )
        out = self.copy()
        out._times, out._samples = t, np.asarray(res, dtype=np.float64)
        return out

    def _inplace(self, other: Any, op: Callable, symbol: str) -> "TSContinuous":
        res = self._binary(other, op, symbol)
        if res is NotImplemented:
            return NotImplemented
        self._times, self._samples = res._times, res._samples
        return self

    __add__, __radd__, __iadd__ = _arithmetic(np.add, "+")
    __sub__, __rsub__, __isub__ = _arithmetic(np.subtract, "-")
    __mul__, __rmul__, __imul__ = _arithmetic(np.multiply, "*")
    __truediv__, __rtruediv__, __itruediv__ = _arithmetic(np.true_divide, "/")
    __floordiv__, __rfloordiv__, __ifloordiv__ = _arithmetic(np.floor_divide, "//")

    def __neg__(self) -> "TSContinuous":
        out = self.copy()
        out._samples = -out._samples
        return out

    def __abs__(self) -> "TSContinuous":
        out = self.copy()
        out._samples = np.abs(out._samples)
        return out

    def __matmul__(self, matrix: ArrayLike) -> "TSContinuous":
        """``ts @ W``: mix channels with a ``(num_channels, M)`` matrix (or a ``(num_channels,)`` vector)."""
        if isinstance(matrix, TimeSeries):
            return NotImplemented
        w = np.asarray(matrix, dtype=np.float64)
        if w.ndim not in (1, 2) or w.shape[0] != self.num_channels:
            raise ValueError(
                f"{self._label} @ matrix: the matrix must have shape ({self.num_channels}, M) or "
                f"({self.num_channels},) (got {w.shape})."
            )
        out = self.copy()
        out._samples = (self._samples @ w).reshape(self._times.size, -1)
        return out

    def __imatmul__(self, matrix: ArrayLike) -> "TSContinuous":
        res = self.__matmul__(matrix)
        self._samples = res._samples
        return self

    # -- indexing -------------------------------------------------------------------------------

    def __getitem__(self, key: Any) -> "TSContinuous":
        if isinstance(key, tuple):
            if len(key) != 2:
                raise IndexError(f"{self._label}: index with ts[times] or ts[times, channels].")
            t_key, ch_key = key
        else:
            t_key, ch_key = key, None
        if isinstance(t_key, slice):
            if t_key.step is None:
                out = self.clip(t_key.start, t_key.stop)
            else:
                start = self._t_start if t_key.start is None else t_key.start
                stop = self._t_stop if t_key.stop is None else t_key.stop
                out = self.resample(np.arange(start, stop, t_key.step))
        else:
            t = _as_times(t_key, self._label, "index times")
            out = self.resample(t)
            if np.ndim(t_key) == 0:
                out._t_start = out._t_stop = float(t[0])
                out.periodic = False
        if ch_key is not None:
            ch = _select_channels(ch_key, self.num_channels, self._label)
            out._samples = out._samples[:, ch]
        return out

    # -- saving -----------------------------------------------------------------------------

    def _to_arrays(self) -> Dict[str, np.ndarray]:
        d = super()._to_arrays()
        d["samples"] = np.asarray(self._samples, dtype=np.float64)
        d["interp_kind"] = np.array(self._interp_kind)
        return d

    # -- plotting -------------------------------------------------------------------------------

    def plot(
        self,
        times: ArrayLike = None,
        target: Any = None,
        channels: ChannelIndex = None,
        **kwargs: Any,
    ) -> List[Any]:
        """Plot each channel as a line against time (steps for ``interp_kind="previous"``).

        Args:
            times: sample at these times instead of plotting the stored samples.
            target: a matplotlib ``Axes`` (default: the current axes).
            channels: channels to plot (default all).
            **kwargs: passed to ``Axes.plot``.

        Returns:
            The list of ``Line2D`` artists, one per channel.
        """
        plt = _pyplot()
        ax = plt.gca() if target is None else target
        ch = _select_channels(channels, self.num_channels, self._label)
        if times is None:
            t, s = self._times, self._samples[:, ch]
            if self._interp_kind == "previous" and t.size and self._t_stop > t[-1]:
                t, s = np.append(t, self._t_stop), np.concatenate([s, s[-1:]])
            if self._interp_kind == "previous":
                kwargs.setdefault("drawstyle", "steps-post")
        else:
            t = _as_times(times, self._label)
            s = self(t)[:, ch]
        kwargs.setdefault("label", self.name)
        lines = ax.plot(t, s, **kwargs)
        ax.set_xlabel("Time (s)")
        return lines


# ---------------------------------------------------------------------------------------------------
# TSEvent
# ---------------------------------------------------------------------------------------------------


def _num_bins(duration: float, dt: float, label: str) -> int:
    """``ceil(duration / dt)``, not rounding up a ratio within 1e-7 of a whole number."""
    dt = _as_float(dt, label, "dt")
    if dt <= 0:
        raise ValueError(f"{label}: dt must be > 0 (got {dt}).")
    return max(int(np.ceil(duration / dt - _BIN_TOLERANCE)), 0)


def _offsets(offset: Union[float, Sequence[float]], n: int, label: str) -> List[float]:
    if np.ndim(offset) == 0:
        return [float(offset)] * n  # type: ignore[arg-type]
    offs = [float(o) for o in offset]  # type: ignore[union-attr]
    if len(offs) != n:
        raise ValueError(f"{label}: got {len(offs)} offsets for {n} series.")
    return offs


class TSEvent(TimeSeries):
    """Discrete events (e.g. spikes): each event is a time and a channel.

    Events lie in the half-open interval ``[t_start, t_stop)``. Without ``t_stop`` the series ends
    just after its last event (the next float above it), so every event is inside.

    Args:
        times: event times (seconds), shape ``(N,)``; sorted at construction (stable) if needed.
        channels: channel of each event (non-negative ints), shape ``(N,)``, or one int for all.
            ``None`` puts every event on channel 0.
        t_start: start (default: first event, or 0 if empty).
        t_stop: end, exclusive (default: just after the last event).
        num_channels: number of channels (default: largest channel + 1); must exceed every channel.
        periodic: repeat the series with period ``duration`` when sampled beyond ``t_stop``.
        name: a name for printing.

    Calling ``ts(t_start, t_stop, channels=None)`` returns ``(times, channels)`` of the events in
    ``[t_start, t_stop)``. Indexing by event index (``ts[3]``, ``ts[2:5]``, ``ts[[0, 4]]``, a boolean
    mask) returns a :class:`TSEvent` with those events and the same limits.

    Example:
        >>> ev = TSEvent([0.1, 0.35, 0.2], [0, 1, 1], t_start=0.0, t_stop=0.4, name="spikes")
        >>> ev
        TSEvent 'spikes' from 0.0 to 0.4 with 3 events and 2 channels
        >>> ev.raster(0.1).astype(int).tolist()
        [[0, 0], [1, 0], [0, 1], [0, 1]]
    """

    def __init__(
        self,
        times: ArrayLike = None,
        channels: ArrayLike = None,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        num_channels: Optional[int] = None,
        periodic: bool = False,
        name: Optional[str] = "unnamed",
    ) -> None:
        self.name = "unnamed" if name is None else str(name)
        t = _as_times(times, self._label)
        ch = self._as_channels(channels, t.size)
        super().__init__(t, periodic, t_start, t_stop, name)
        (self._channels,) = self._sort(ch)
        self._check_times_in_range(upper_open=True)
        max_ch = int(self._channels.max()) + 1 if self._channels.size else 0
        if num_channels is None:
            self._num_channels = max_ch
        else:
            self._num_channels = self._check_num_channels(num_channels, max_ch)

    def _default_t_stop(self, t_start: float) -> float:
        if not self._times.size:
            return t_start
        return float(np.nextafter(max(float(self._times.max()), t_start), np.inf))

    def _as_channels(self, channels: ArrayLike, n: int) -> np.ndarray:
        if channels is None:
            return np.zeros(n, dtype=np.int64)
        c = np.asarray(channels)
        if c.dtype == object or not (np.issubdtype(c.dtype, np.number) or c.dtype == np.bool_):
            raise ValueError(f"{self._label}: channels must be integers (got dtype {c.dtype}).")
        if c.ndim == 0:
            c = np.full(n, c)
        if c.ndim != 1 or c.size != n:
            raise ValueError(
                f"{self._label}: got {_plural(n, 'event time')} but {c.size} channels; give one "
                "channel per event (or a single int for all)."
            )
        if c.size and not np.issubdtype(c.dtype, np.integer):
            if not np.all(np.isfinite(c)) or np.any(c != np.round(c)):
                raise ValueError(f"{self._label}: channels must be whole numbers (got {c[:5]}...).")
        c = c.astype(np.int64)
        if c.size and c.min() < 0:
            raise ValueError(f"{self._label}: channels must be >= 0 (found {int(c.min())}).")
        return c

    def _check_num_channels(self, num_channels: Any, needed: int) -> int:
        try:
            n = int(num_channels)
        except (TypeError, ValueError):
            raise ValueError(
                f"{self._label}: num_channels must be an int (got {num_channels!r})."
            ) from None
        if n < needed:
            raise ValueError(
                f"{self._label}: num_channels is {n} but an event is on channel {needed - 1}; channels "
                f"must be < num_channels. Pass num_channels >= {needed}, or leave it out."
            )
        return n

    @classmethod
    def from_raster(
        cls,
        raster: ArrayLike,
        dt: float,
        t_start: float = 0.0,
        name: Optional[str] = None,
        periodic: bool = False,
        num_channels: Optional[int] = None,
        spikes_at_bin_start: bool = False,
    ) -> "TSEvent":
        """Build events from a clocked raster of shape ``(T, channels)``.

        Bin ``k`` covers ``[t_start + k dt, t_start + (k+1) dt)``. Each entry gives the number of
        events in that bin (``bool`` or non-negative integers). Events are placed at the bin centre
        ``t_start + (k + 1/2) dt``, or at the bin start with ``spikes_at_bin_start=True``; either way
        ``from_raster(r, dt).raster(dt, add_events=True)`` returns ``r``. ``t_stop = t_start + T dt``.

        Example:
            >>> TSEvent.from_raster([[1, 0], [0, 2]], dt=0.1, spikes_at_bin_start=True).channels.tolist()
            [0, 1, 1]
        """
        label = f"{cls.__name__}.from_raster"
        r = np.asarray(raster)
        if r.ndim == 1:
            r = r.reshape(-1, 1)
        if r.ndim != 2:
            raise ValueError(f"{label}: raster must have shape (T, channels) (got {r.shape}).")
        if r.dtype == object or not (np.issubdtype(r.dtype, np.number) or r.dtype == np.bool_):
            raise ValueError(f"{label}: raster must be boolean or integer (got dtype {r.dtype}).")
        if r.dtype != np.bool_ and r.size:
            if np.any(r < 0) or np.any(r != np.round(r)) or not np.all(np.isfinite(r)):
                raise ValueError(
                    f"{label}: raster entries must be non-negative whole event counts."
                )
        counts = r.astype(np.int64)
        dt = _as_float(dt, label, "dt")
        if dt <= 0:
            raise ValueError(f"{label}: dt must be > 0 (got {dt}).")
        t_start = _as_float(t_start, label, "t_start")
        steps, chans = np.nonzero(counts)  # row-major: sorted by time, then channel
        reps = counts[steps, chans]
        steps, chans = np.repeat(steps, reps), np.repeat(chans, reps)
        times = t_start + (steps + (0.0 if spikes_at_bin_start else 0.5)) * dt
        return cls(
            times,
            chans,
            t_start=t_start,
            t_stop=t_start + r.shape[0] * dt,
            num_channels=r.shape[1] if num_channels is None else num_channels,
            periodic=periodic,
            name=name,
        )

    # -- properties -----------------------------------------------------------------------------

    @property
    def channels(self) -> np.ndarray:
        """Channel of each event (int64, shape ``(N,)``)."""
        return self._channels

    @property
    def num_channels(self) -> int:
        """Number of channels; every event channel is ``< num_channels``."""
        return self._num_channels

    @num_channels.setter
    def num_channels(self, value: int) -> None:
        needed = int(self._channels.max()) + 1 if self._channels.size else 0
        self._num_channels = self._check_num_channels(value, needed)

    def _repr_counts(self) -> str:
        return f"{_plural(len(self), 'event')} and {_plural(self._num_channels, 'channel')}"

    # -- selecting events -----------------------------------------------------------------------

    def __call__(
        self,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        channels: ChannelIndex = None,
    ) -> Tuple[np.ndarray, np.ndarray]:
        """Events in ``[t_start, t_stop)`` (default: the whole series), optionally on some channels.

        A periodic series repeats its events every ``duration`` seconds, so a window beyond
        ``t_stop`` returns the repeated events.

        Returns:
            ``(times, channels)``, both of shape ``(n,)``, sorted by time.
        """
        t0 = self._t_start if t_start is None else _as_float(t_start, self._label, "t_start")
        t1 = self._t_stop if t_stop is None else _as_float(t_stop, self._label, "t_stop")
        mask_ch = np.ones(self._channels.shape, dtype=bool)
        if channels is not None:
            sel = _select_channels(channels, self._num_channels, self._label, allow_negative=False)
            mask_ch = np.isin(self._channels, sel)
        times, chans = self._times[mask_ch], self._channels[mask_ch]
        if self.periodic and self.duration > 0 and (t0 < self._t_start or t1 > self._t_stop):
            dur = self.duration
            k0 = int(np.floor((t0 - self._t_start) / dur))
            k1 = int(np.ceil((t1 - self._t_start) / dur))
            times = np.concatenate([times + k * dur for k in range(k0, k1)] or [np.zeros(0)])
            chans = np.concatenate([chans for _ in range(k0, k1)] or [np.zeros(0, np.int64)])
        keep = (times >= t0) & (times < t1)
        return times[keep], chans[keep]

    def raster(
        self,
        dt: float,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        add_events: bool = False,
    ) -> np.ndarray:
        """Bin the events on a clock of step ``dt``: bin ``k`` covers ``[t_start + k dt, t_start + (k+1) dt)``.

        Number of bins: ``ceil((t_stop - t_start) / dt)``, so when ``dt`` does not divide the
        duration the last bin is partial (it still covers a full ``dt``); a duration within
        ``1e-7 dt`` of a whole number of bins is not rounded up. An event within ``1e-7 dt`` below a
        bin edge counts in the bin that starts there (float rounding). With the default ``t_stop``
        (the series' own) no event is dropped: if rounding puts the last event at the edge where
        the bins end, one more bin is added for it. With an explicit ``t_stop`` the number of bins
        is exactly as above and only events in ``[t_start, t_stop)`` count.

        Args:
            dt: bin width (seconds, > 0).
            t_start, t_stop: range to bin (default the series' limits); periodic series repeat.
            add_events: return event counts (int) instead of booleans.

        Returns:
            Array of shape ``(n_bins, num_channels)``, dtype ``bool`` (or ``int64`` with ``add_events``).

        Example:
            >>> TSEvent([0.0, 0.25], [0, 0], t_stop=0.3).raster(0.2, add_events=True).ravel().tolist()
            [1, 1]
        """
        t0 = self._t_start if t_start is None else _as_float(t_start, self._label, "t_start")
        explicit_stop = t_stop is not None
        t1 = self._t_stop if t_stop is None else _as_float(t_stop, self._label, "t_stop")
        if t1 < t0:
            raise ValueError(
                f"{self._label}.raster: t_stop ({_fmt(t1)}) is before t_start ({_fmt(t0)})."
            )
        n_bins = _num_bins(t1 - t0, dt, self._label)
        times, chans = self(t0, t1)
        idx = np.floor((times - t0) / dt + _BIN_TOLERANCE).astype(np.int64)
        if idx.size and idx.max() >= n_bins:
            if explicit_stop:
                keep = idx < n_bins
                idx, chans = idx[keep], chans[keep]
            else:
                n_bins = int(idx.max()) + 1
        n_ch = self._num_channels
        out = np.bincount(idx * n_ch + chans, minlength=n_bins * n_ch).astype(np.int64, copy=False)
        out = out.reshape(n_bins, n_ch)
        return out if add_events else out > 0

    # -- changing the series --------------------------------------------------------------------

    def _set_events(self, times: np.ndarray, channels: np.ndarray) -> None:
        order = np.argsort(times, kind="stable")
        self._times, self._channels = times[order], channels[order]

    def clip(
        self,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        channels: ChannelIndex = None,
        remap_channels: bool = False,
        inplace: bool = False,
    ) -> "TSEvent":
        """Keep the events in ``[t_start, t_stop)`` and (optionally) on some channels.

        The result spans exactly ``[t_start, t_stop]`` (which may extend beyond the series; periodic
        events repeat there). With ``remap_channels`` the kept channels are renumbered ``0..k-1`` in
        the order given and ``num_channels`` becomes ``k``; otherwise channel numbers are kept.

        Example:
            >>> ev = TSEvent([0.1, 0.2, 0.3], [0, 2, 1], t_stop=1.0)
            >>> ev.clip(0.15, 1.0, channels=[2, 1], remap_channels=True).channels.tolist()
            [0, 1]
        """
        t0 = self._t_start if t_start is None else _as_float(t_start, self._label, "t_start")
        t1 = self._t_stop if t_stop is None else _as_float(t_stop, self._label, "t_stop")
        if t1 < t0:
            raise ValueError(
                f"{self._label}.clip: t_stop ({_fmt(t1)}) is before t_start ({_fmt(t0)})."
            )
        times, chans = self(t0, t1, channels)
        num_channels = self._num_channels
        if remap_channels and channels is not None:
            sel = _select_channels(channels, self._num_channels, self._label, allow_negative=False)
            _, first = np.unique(sel, return_index=True)
            sel = sel[np.sort(first)]  # drop repeats, keep the order given
            lut = np.full(self._num_channels, -1, dtype=np.int64)
            lut[sel] = np.arange(sel.size)
            chans = lut[chans]
            num_channels = int(sel.size)
        out = self._target(inplace)
        if (t0, t1) != (self._t_start, self._t_stop):
            out.periodic = False
        out._times, out._channels = times, chans
        out._t_start, out._t_stop, out._num_channels = t0, t1, num_channels
        return out

    def append_c(
        self, other_series: Union["TSEvent", Sequence["TSEvent"]], inplace: bool = False
    ) -> "TSEvent":
        """Add the channels of other series after this one's: an event on channel ``c`` of the
        appended series lands on channel ``num_channels + c``. Limits become the union.

        Example:
            >>> a = TSEvent([0.1], [0], num_channels=2)
            >>> a.append_c(a).channels.tolist()
            [0, 2]
        """
        others = [other_series] if isinstance(other_series, TimeSeries) else list(other_series)
        out = self._target(inplace)
        times, chans = [out._times], [out._channels]
        n, t0, t1 = out._num_channels, out._t_start, out._t_stop
        for o in others:
            if not isinstance(o, TSEvent):
                raise ValueError(
                    f"{self._label}.append_c: expected TSEvent (got {type(o).__name__})."
                )
            times.append(o._times)
            chans.append(o._channels + n)
            n += o.num_channels
            t0, t1 = min(t0, o.t_start), max(t1, o.t_stop)
        out._set_events(np.concatenate(times), np.concatenate(chans))
        out._num_channels, out._t_start, out._t_stop = n, t0, t1
        return out

    def append_t(
        self,
        other_series: Union["TSEvent", Sequence["TSEvent"]],
        offset: Union[float, Sequence[float]] = 0.0,
        inplace: bool = False,
    ) -> "TSEvent":
        """Append series after this one in time: each is shifted to start at the current
        ``t_stop + offset``. ``num_channels`` becomes the largest of all.

        Example:
            >>> a = TSEvent([0.5], [0], t_start=0.0, t_stop=1.0)
            >>> a.append_t(a).times.tolist()
            [0.5, 1.5]
        """
        others = [other_series] if isinstance(other_series, TimeSeries) else list(other_series)
        offsets = _offsets(offset, len(others), self._label)
        out = self._target(inplace)
        times, chans = [out._times], [out._channels]
        t_stop, n = out._t_stop, out._num_channels
        for o, off in zip(others, offsets, strict=True):
            if not isinstance(o, TSEvent):
                raise ValueError(
                    f"{self._label}.append_t: expected TSEvent (got {type(o).__name__})."
                )
            shift = t_stop + off - o.t_start
            times.append(o._times + shift)
            chans.append(o._channels)
            t_stop, n = o.t_stop + shift, max(n, o.num_channels)
        out._set_events(np.concatenate(times), np.concatenate(chans))
        out._t_stop, out._num_channels = t_stop, n
        return out

    def merge(
        self,
        other_series: Union["TSEvent", Sequence["TSEvent"]],
        remove_duplicates: bool = False,
        inplace: bool = False,
    ) -> "TSEvent":
        """Combine the events of several series on the same channels (limits become the union).

        With ``remove_duplicates`` an event with the same time and channel as another is kept once.

        Example:
            >>> a = TSEvent([0.1], [0], t_stop=1.0); b = TSEvent([0.05, 0.1], [1, 0], t_stop=1.0)
            >>> a.merge(b, remove_duplicates=True).times.tolist()
            [0.05, 0.1]
        """
        others = [other_series] if isinstance(other_series, TimeSeries) else list(other_series)
        out = self._target(inplace)
        times, chans = [out._times], [out._channels]
        n, t0, t1 = out._num_channels, out._t_start, out._t_stop
        for o in others:
            if not isinstance(o, TSEvent):
                raise ValueError(f"{self._label}.merge: expected TSEvent (got {type(o).__name__}).")
            times.append(o._times)
            chans.append(o._channels)
            n, t0, t1 = max(n, o.num_channels), min(t0, o.t_start), max(t1, o.t_stop)
        t, c = np.concatenate(times), np.concatenate(chans)
        if remove_duplicates and t.size:
            pairs = np.unique(np.stack([t, c.astype(np.float64)], axis=1), axis=0)
            t, c = pairs[:, 0], pairs[:, 1].astype(np.int64)
        out._set_events(t, c)
        out._num_channels, out._t_start, out._t_stop = n, t0, t1
        return out

    def __getitem__(self, index: Any) -> "TSEvent":
        idx = np.arange(self._times.size)[index]
        idx = np.atleast_1d(idx)
        out = self.copy()
        out._times, out._channels = self._times[idx], self._channels[idx]
        out._set_events(out._times, out._channels)
        return out

    # -- saving -----------------------------------------------------------------------------

    def _to_arrays(self) -> Dict[str, np.ndarray]:
        d = super()._to_arrays()
        d["channels"] = np.asarray(self._channels, dtype=np.int64)
        d["num_channels"] = np.array(self._num_channels, dtype=np.int64)
        return d

    # -- plotting -------------------------------------------------------------------------------

    def plot(
        self,
        time_limits: Optional[Tuple[float, float]] = None,
        target: Any = None,
        channels: ChannelIndex = None,
        **kwargs: Any,
    ) -> Any:
        """Raster plot: one marker per event at (time, channel).

        Args:
            time_limits: ``(t_start, t_stop)`` window to plot (default the whole series).
            target: a matplotlib ``Axes`` (default: the current axes).
            channels: channels to plot (default all).
            **kwargs: passed to ``Axes.scatter`` (default marker ``"|"``).

        Returns:
            The ``PathCollection`` created by ``Axes.scatter``.
        """
        plt = _pyplot()
        ax = plt.gca() if target is None else target
        t0, t1 = (None, None) if time_limits is None else time_limits
        times, chans = self(t0, t1, channels)
        kwargs.setdefault("marker", "|")
        kwargs.setdefault("label", self.name)
        artist = ax.scatter(times, chans, **kwargs)
        ax.set_xlabel("Time (s)")
        ax.set_ylabel("Channel")
        return artist


# ---------------------------------------------------------------------------------------------------
# Loading and the on-disk dictionary
# ---------------------------------------------------------------------------------------------------

_FIELD_KINDS: Dict[str, Dict[str, str]] = {
    "TSContinuous": {
        "name": "U",
        "times": "f",
        "samples": "f",
        "t_start": "f",
        "t_stop": "f",
        "periodic": "b",
        "interp_kind": "U",
    },
    "TSEvent": {
        "name": "U",
        "times": "f",
        "channels": "iu",
        "num_channels": "iu",
        "t_start": "f",
        "t_stop": "f",
        "periodic": "b",
    },
}


def _from_arrays(d: Dict[str, np.ndarray], where: str) -> Any:
    """Rebuild a series (or a plain value) from the arrays written by ``_to_arrays``, checking dtypes."""
    if "ts_type" not in d:
        raise ValueError(f"{where} is not a rockpool time series file (no 'ts_type' field).")
    ts_type = str(d["ts_type"])
    if ts_type == "value":
        v = d["value"]
        return v.item() if v.ndim == 0 else v
    if ts_type not in _FIELD_KINDS:
        raise ValueError(
            f"{where}: unknown series type {ts_type!r} (expected one of {list(_FIELD_KINDS)})."
        )
    for field, kinds in _FIELD_KINDS[ts_type].items():
        if field not in d:
            raise ValueError(f"{where}: the {ts_type} file lacks the field {field!r}.")
        if d[field].dtype.kind not in kinds:
            raise ValueError(
                f"{where}: field {field!r} has dtype {d[field].dtype}, expected kind {kinds!r}."
            )
    common: Dict[str, Any] = dict(
        t_start=float(d["t_start"]),
        t_stop=float(d["t_stop"]),
        periodic=bool(d["periodic"]),
        name=str(d["name"]),
    )
    if ts_type == "TSContinuous":
        return TSContinuous(
            d["times"],
            d["samples"],
            num_channels=d["samples"].shape[1] if d["samples"].ndim == 2 else None,
            interp_kind=str(d["interp_kind"]),
            **common,
        )
    return TSEvent(d["times"], d["channels"], num_channels=int(d["num_channels"]), **common)


def load_ts_from_file(path: Union[str, os.PathLike, Any]) -> TimeSeries:
    """Load a series saved with :meth:`TimeSeries.save`, returning a :class:`TSContinuous` or :class:`TSEvent`.

    Raises:
        ValueError: the file is not a rockpool series file, or a field has the wrong dtype.

    Example:
        >>> import io
        >>> buf = io.BytesIO(); TSContinuous([0.0], [1.0], name="a").save(buf); _ = buf.seek(0)
        >>> load_ts_from_file(buf)
        TSContinuous 'a' from 0.0 to 0.0 with 1 sample and 1 channel
    """
    where = repr(path) if isinstance(path, (str, os.PathLike)) else "the file"
    if (
        isinstance(path, (str, os.PathLike))
        and not os.path.exists(path)
        and os.path.exists(str(path) + ".npz")
    ):
        path = str(path) + ".npz"
    try:
        npz = np.load(path, allow_pickle=False)
    except ValueError as e:
        raise ValueError(f"{where} could not be read as a rockpool time series file: {e}") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ValueError(f"{where} is not a rockpool time series file (expected an .npz archive).")
    with npz:
        try:
            arrays = {k: npz[k] for k in npz.files}
        except ValueError as e:  # object arrays need pickles, which we refuse
            raise ValueError(f"{where}: unsupported content ({e}).") from None
    ts = _from_arrays(arrays, where)
    if not isinstance(ts, TimeSeries):
        raise ValueError(f"{where} holds a plain value, not a time series.")
    return ts


def _atomic_savez(path: str, arrays: Dict[str, np.ndarray]) -> None:
    """Write an ``.npz`` file through a temporary file and a rename: a crash mid-write leaves the
    previous file intact (the temporary name does not end in ``.npz``, so it is never read as a key)."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _encode(value: Any, key: str) -> Dict[str, np.ndarray]:
    if isinstance(value, TimeSeries):
        return value._to_arrays()
    arr = np.asarray(value)
    mixed = arr.dtype.kind == "U" and not isinstance(value, (str, np.ndarray, np.str_))
    if mixed and not all(isinstance(v, str) for v in np.asarray(value, dtype=object).ravel()):
        arr = np.asarray(value, dtype=object)  # e.g. [1, "a"]: NumPy would turn 1 into "1"
    if arr.dtype == object:
        raise TypeError(
            f"TSDictOnDisk: cannot store {key!r} of type {type(value).__name__}; it stores time series "
            "and plain values (numbers, strings, booleans and arrays of them)."
        )
    return {"ts_type": np.array("value"), "value": arr}


class TSDictOnDisk(MutableMapping):
    """A dictionary of time series and plain values kept on disk (``.npz``, no pickles).

    Each assignment writes to disk immediately, through a temporary file and a rename (a crash
    mid-write keeps the previous content); each read loads from disk, so the store can be reopened
    later (``TSDictOnDisk(path)``) with the same content.

    Two layouts: if ``path`` ends in ``.npz`` everything lives in that one file (rewritten on every
    change; keys keep insertion order); otherwise ``path`` is a directory with one ``<key>.npz`` per
    entry (keys are URL-quoted into file names; iteration is in sorted key order).

    Args:
        path: a directory, or a file name ending in ``.npz``. Created if missing.
        data: optional initial items (a mapping).

    Example:
        >>> import tempfile, os
        >>> d = TSDictOnDisk(os.path.join(tempfile.mkdtemp(), "store"))
        >>> d["spikes"] = TSEvent([0.1], [0]); d["lr"] = 1e-3
        >>> sorted(d), d["lr"]
        (['lr', 'spikes'], 0.001)
    """

    def __init__(
        self, path: Union[str, os.PathLike], data: Optional[Dict[str, Any]] = None
    ) -> None:
        self.path = os.fspath(path)
        self._single_file = self.path.endswith(".npz")
        if self._single_file:
            parent = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(parent, exist_ok=True)
        else:
            if os.path.exists(self.path) and not os.path.isdir(self.path):
                raise ValueError(
                    f"TSDictOnDisk: {self.path!r} exists and is not a directory; pass a directory, or "
                    "a file name ending in '.npz'."
                )
            os.makedirs(self.path, exist_ok=True)
        if data:
            self.update(data)

    # -- single-file layout ---------------------------------------------------------------------

    def _read_all(self) -> Tuple[List[str], Dict[str, np.ndarray]]:
        if not os.path.exists(self.path):
            return [], {}
        with np.load(self.path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        return [str(k) for k in arrays.pop("__keys__", np.zeros(0, dtype=str))], arrays

    def _write_all(self, keys: List[str], arrays: Dict[str, np.ndarray]) -> None:
        _atomic_savez(self.path, {"__keys__": np.array(keys, dtype=str), **arrays})

    @staticmethod
    def _item_arrays(arrays: Dict[str, np.ndarray], i: int) -> Dict[str, np.ndarray]:
        prefix = f"{i}/"
        return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}

    # -- directory layout -----------------------------------------------------------------------

    def _file(self, key: str) -> str:
        return os.path.join(self.path, quote(key, safe="") + ".npz")

    @staticmethod
    def _check_key(key: Any) -> str:
        if not isinstance(key, str) or not key:
            raise TypeError(f"TSDictOnDisk keys must be non-empty strings (got {key!r}).")
        return key

    # -- MutableMapping -------------------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        key = self._check_key(key)
        if self._single_file:
            keys, arrays = self._read_all()
            if key not in keys:
                raise KeyError(key)
            return _from_arrays(
                self._item_arrays(arrays, keys.index(key)), f"{self.path!r}[{key!r}]"
            )
        f = self._file(key)
        if not os.path.exists(f):
            raise KeyError(key)
        with np.load(f, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        return _from_arrays(arrays, repr(f))

    def __setitem__(self, key: str, value: Any) -> None:
        key = self._check_key(key)
        enc = _encode(value, key)
        if self._single_file:
            keys, arrays = self._read_all()
            items = [self._item_arrays(arrays, i) for i in range(len(keys))]
            if key in keys:
                items[keys.index(key)] = enc
            else:
                keys.append(key)
                items.append(enc)
            flat = {f"{i}/{k}": v for i, item in enumerate(items) for k, v in item.items()}
            self._write_all(keys, flat)
        else:
            _atomic_savez(self._file(key), enc)

    def __delitem__(self, key: str) -> None:
        key = self._check_key(key)
        if self._single_file:
            keys, arrays = self._read_all()
            if key not in keys:
                raise KeyError(key)
            i = keys.index(key)
            items = [self._item_arrays(arrays, j) for j in range(len(keys)) if j != i]
            keys.pop(i)
            flat = {f"{j}/{k}": v for j, item in enumerate(items) for k, v in item.items()}
            self._write_all(keys, flat)
        else:
            f = self._file(key)
            if not os.path.exists(f):
                raise KeyError(key)
            os.remove(f)

    def _keys(self) -> List[str]:
        if self._single_file:
            return self._read_all()[0]
        names = [n for n in os.listdir(self.path) if n.endswith(".npz")]
        return sorted(unquote(n[: -len(".npz")]) for n in names)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._keys()

    def __repr__(self) -> str:
        return f"TSDictOnDisk({self.path!r}) with {_plural(len(self), 'entry')}".replace(
            "entrys", "entries"
        )
