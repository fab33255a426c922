"""The :class:`TimeSeries` base class and the helpers shared by every series type.

A series lives on ``[t_start, t_stop]`` (seconds). A periodic series of duration ``D`` maps any
time ``t`` to ``t_start + ((t - t_start) mod D)``, so ``t_stop`` is the same instant as ``t_start``.
"""

from __future__ import annotations

import copy as _copy
import os
from typing import Any, Dict, Optional, Sequence, TypeVar, Union

import numpy as np

from rockpool.timeseries import plotting as _plotting

__all__ = ["TimeSeries"]

_TOLERANCE_ABSOLUTE: float = 1e-9
"""Sampling times at most this far (seconds) outside a series' range are moved onto it (with a warning)."""

_TOLERANCE_RELATIVE: float = 1e-6
"""Relative tolerance when counting clock steps (``ceil(duration / dt)`` does not round up ``3 + 1e-15``)."""

ArrayLike = Any
PathLike = Union[str, "os.PathLike[str]", Any]
_TS = TypeVar("_TS", bound="TimeSeries")


def _as_times(times: ArrayLike, label: str, what: str = "times") -> np.ndarray:
    """Flatten ``times`` to a 1-D float64 array of finite numbers, or raise a ``ValueError`` naming ``label``."""
    if times is None:
        return np.zeros(0)
    arr = np.asarray(times)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        if arr.size == 0:
            return np.zeros(0)
        raise ValueError(f"{label}: {what} must be numeric (got dtype {arr.dtype}).")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{label}: {what} must be real numbers (got dtype {arr.dtype}).")
    arr = np.array(arr, dtype=np.float64).ravel()
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{label}: {what} must be finite (found NaN or inf).")
    return arr


def _check_sorted(times: np.ndarray, label: str) -> None:
    if times.size > 1 and np.any(np.diff(times) < 0):
        i = int(np.nonzero(np.diff(times) < 0)[0][0])
        raise ValueError(
            f"{label}: times must be sorted in non-decreasing order (times[{i}] = {times[i]} > "
            f"times[{i + 1}] = {times[i + 1]}). Sort them first, e.g. order = np.argsort(times, "
            "kind='stable'), and reorder the samples/channels with the same order."
        )


def _as_float(x: Any, label: str, what: str) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{label}: {what} must be a number (got {x!r}).") from None
    if not np.isfinite(v):
        raise ValueError(f"{label}: {what} must be finite (got {v}).")
    return v


def _num_steps(duration: float, dt: float) -> int:
    """``ceil(duration / dt)``, not rounding up a ratio within 1e-6 above a whole number (float noise:
    ``0.30000000000000004 / 0.1`` is 3 steps, not 4)."""
    return max(int(np.ceil(duration / dt - _TOLERANCE_RELATIVE)), 0)


def _print_lines(header: str, lines: Sequence[str], full: bool, num_first: int, num_last: int,
                 limit_shorten: int) -> None:
    """Print ``header`` then ``lines``; more than ``limit_shorten`` lines are shortened to the first
    ``num_first``, a ``\\t...`` line and the last ``num_last`` unless ``full``."""
    print(header)
    if not lines:
        print("")
        return
    if not full and len(lines) > limit_shorten:
        lines = [*lines[: max(num_first, 0)], "\t...", *(lines[-num_last:] if num_last > 0 else [])]
    print("\n".join(lines))


class TimeSeries:
    """Base class of :class:`~rockpool.timeseries.TSContinuous` and :class:`~rockpool.timeseries.TSEvent`.

    Holds the sorted sample/event ``times`` (float64 seconds), the limits ``t_start`` / ``t_stop``,
    ``periodic``, ``name`` and the plotting backend, and implements the operations that only move or
    copy the time base.

    Args:
        times: sample or event times (seconds); flattened to 1-D; must be non-decreasing.
        periodic: repeat the series with period ``duration = t_stop - t_start``.
        t_start: start of the series (default: the first time, 0 without times).
        t_stop: end of the series (default: the last time); must not be before the last time.
        plotting_backend: ``"matplotlib"``, ``"holoviews"`` or ``None`` (use the global backend).
        name: a name for printing and plots (``None`` becomes ``"unnamed"``).

    Example:
        >>> ts = TimeSeries([0.0, 1.0, 2.0], t_stop=3.0)
        >>> ts.duration, len(ts), ts.contains([0.5, 3.0])
        (3.0, 3, True)
        >>> ts.delay(1.0).times.tolist()
        [1.0, 2.0, 3.0]
    """

    # - Let NumPy defer to our reflected operators (``array + ts`` calls ``ts.__radd__``)
    __array_ufunc__ = None

    def __init__(
        self,
        times: ArrayLike = [],  # noqa: B006 - never mutated; the documented default
        periodic: bool = False,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        plotting_backend: Optional[str] = None,
        name: Any = "unnamed",
    ) -> None:
        self.name = name
        self._plotting_backend: Optional[str] = None
        t = _as_times(times, self._label)
        _check_sorted(t, self._label)
        self._times = t
        self.periodic = bool(periodic)
        t0 = (float(t[0]) if t.size else 0.0) if t_start is None else _as_float(t_start, self._label, "t_start")
        if t_stop is None:
            t1 = float(t[-1]) if t.size else t0
        else:
            t1 = _as_float(t_stop, self._label, "t_stop")
            self._check_t_stop(t1, t)
        self._t_start, self._t_stop = t0, t1
        if plotting_backend is not None:
            self.set_plotting_backend(plotting_backend, verbose=False)

    def _check_t_stop(self, t_stop: float, times: np.ndarray) -> None:
        if times.size and t_stop < times[-1]:
            raise ValueError(
                f"{self._label}: t_stop ({t_stop}) is before the last time ({times[-1]}). Pass "
                "t_stop >= the last time, or leave it out."
            )

    # ------------------------------------------------------------------ names and properties
    @property
    def name(self) -> Any:
        """The series' name (``"unnamed"`` by default)."""
        return self._name

    @name.setter
    def name(self, value: Any) -> None:
        self._name = "unnamed" if value is None else value

    @property
    def _label(self) -> str:
        return f"{type(self).__name__} `{getattr(self, '_name', 'unnamed')}`"

    @property
    def times(self) -> np.ndarray:
        """Sample or event times (float64 seconds, shape ``(N,)``, non-decreasing).

        Setting needs the same number of sorted times; ``t_start`` / ``t_stop`` widen to include them.
        """
        return self._times

    @times.setter
    def times(self, value: ArrayLike) -> None:
        t = _as_times(value, self._label)
        if t.size != self._times.size:
            raise ValueError(
                f"{self._label}: new times must have the same length as the old ones "
                f"({self._times.size}), got {t.size}. Build a new series to change the length."
            )
        _check_sorted(t, self._label)
        self._times = t
        if t.size:
            self._t_start = min(self._t_start, float(t[0]))
            self._t_stop = max(self._t_stop, float(t[-1]))

    @property
    def t_start(self) -> float:
        """Start of the series (seconds); must be ``<= times[0]``."""
        return self._t_start

    @t_start.setter
    def t_start(self, value: float) -> None:
        v = _as_float(value, self._label, "t_start")
        if self._times.size and v > self._times[0]:
            raise ValueError(
                f"{self._label}: t_start ({v}) must not be after the first time ({self._times[0]}). "
                "Use clip() to drop earlier samples or events."
            )
        self._t_start = v

    @property
    def t_stop(self) -> float:
        """End of the series (seconds); must be ``>= times[-1]``."""
        return self._t_stop

    @t_stop.setter
    def t_stop(self, value: float) -> None:
        v = _as_float(value, self._label, "t_stop")
        self._check_t_stop(v, self._times)
        self._t_stop = v

    @property
    def duration(self) -> float:
        """``t_stop - t_start`` (seconds)."""
        return self._t_stop - self._t_start

    @property
    def plotting_backend(self) -> Optional[str]:
        """The series' own plotting backend, else the global one (read-only; see :meth:`set_plotting_backend`)."""
        return self._plotting_backend or _plotting.get_global_ts_plotting_backend()

    def set_plotting_backend(self, backend: Optional[str], verbose: bool = True) -> None:
        """Choose this series' plotting backend (``"matplotlib"``, ``"holoviews"``; ``None``: the global one).

        Raises:
            RuntimeError: the backend's package is not installed.
            ValueError: an unknown backend name.
        """
        self._plotting_backend = _plotting._check_backend(backend)
        if verbose:
            if backend is None:
                print(f"{self._label}: Using global plotting backend.")
            else:
                print(f"{self._label}: Plotting backend has been set to {backend}.")

    def __len__(self) -> int:
        return int(self._times.size)

    def isempty(self) -> bool:
        """``True`` iff the series has no samples (or events)."""
        return self._times.size == 0

    def contains(self, times: ArrayLike) -> bool:
        """``True`` iff every time lies in ``[t_start, t_stop]`` (always ``True`` for a periodic series).

        Example:
            >>> TimeSeries([0.0, 1.0]).contains([0.0, 1.0]), TimeSeries([0.0, 1.0]).contains(1.5)
            (True, False)
        """
        t = _as_times(times, self._label)
        if self.periodic or not t.size:
            return True
        return bool(np.all(t >= self._t_start) and np.all(t <= self._t_stop))

    def copy(self: _TS) -> _TS:
        """An independent deep copy (no arrays are shared)."""
        return _copy.deepcopy(self)

    def _target(self: _TS, inplace: bool) -> _TS:
        return self if inplace else self.copy()

    def print(self, *args: Any, **kwargs: Any) -> None:
        """Print a description of the series (``repr`` here; subclasses list samples or events)."""
        print(repr(self))

    def _wrap(self, t: np.ndarray) -> np.ndarray:
        """Map times into one period ``[t_start, t_start + duration)`` (periodic series)."""
        if self.duration <= 0:
            return np.full_like(t, self._t_start)
        return self._t_start + np.mod(t - self._t_start, self.duration)

    # ------------------------------------------------------------------ moving in time
    def delay(self: _TS, offset: float, inplace: bool = False) -> _TS:
        """Shift times, ``t_start`` and ``t_stop`` by ``offset`` seconds.

        Example:
            >>> TimeSeries([0.0, 1.0]).delay(2.0).t_start
            2.0
        """
        offset = _as_float(offset, self._label, "offset")
        out = self._target(inplace)
        out._times = out._times + offset
        out._t_start += offset
        out._t_stop += offset
        return out

    def start_at(self: _TS, t: float, inplace: bool = False) -> _TS:
        """Shift the series so that ``t_start == t`` (the duration is kept)."""
        return self.delay(_as_float(t, self._label, "t") - self._t_start, inplace=inplace)

    def start_at_zero(self: _TS, inplace: bool = False) -> _TS:
        """Shift the series so that it starts at 0 s."""
        return self.start_at(0.0, inplace=inplace)

    @classmethod
    def concatenate_t(
        cls, series: Sequence["TimeSeries"], offset: Union[None, float, Sequence[float]] = None
    ) -> "TimeSeries":
        """Join ``series`` one after the other in time (see ``append_t`` of the subclasses).

        Starts from an empty series of the first element's class with ``t_start = t_stop =
        series[0].t_start`` and appends every element; an empty list gives an empty series.

        Example:
            >>> from rockpool.timeseries import TSContinuous
            >>> a = TSContinuous.from_clocked([1.0, 2.0], dt=0.5)
            >>> TSContinuous.concatenate_t([a, a], offset=0.0).times.tolist()
            [0.0, 0.5, 1.0, 1.5]
        """
        series = list(series)
        if not series:
            return cls()
        first = series[0]
        if not isinstance(first, TimeSeries):
            raise TypeError(
                f"{cls.__name__}.concatenate_t: expected time series (got {type(first).__name__})."
            )
        start = type(first)(t_start=first.t_start, t_stop=first.t_start)
        return start.append_t(series, offset)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ saving and loading
    def _save_npz(self, path: PathLike, arrays: Dict[str, np.ndarray], verbose: bool) -> None:
        np.savez(path, **arrays)  # type: ignore[arg-type]
        if verbose:
            print(f"{type(self).__name__} `{self.name}` has been stored in `{path}`.")

    @classmethod
    def load(cls, path: PathLike, expected_type: Optional[Any] = None) -> "TimeSeries":
        """Load a series saved with ``save()`` (see :func:`~rockpool.timeseries.load_ts_from_file`)."""
        from rockpool.timeseries.io import load_ts_from_file

        return load_ts_from_file(path, expected_type=expected_type)
