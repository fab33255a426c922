""":class:`TSContinuous`: a multi-channel signal sampled at given times and interpolated between them."""

from __future__ import annotations

import warnings
from typing import Any, Dict, Iterator, Optional, Tuple

import numpy as np

from rockpool._warnings import RockpoolWarning
from rockpool.timeseries import plotting as _plotting
from rockpool.timeseries.base import (
    _TOLERANCE_ABSOLUTE,
    ArrayLike,
    PathLike,
    TimeSeries,
    _as_float,
    _as_times,
    _num_steps,
    _print_lines,
)
from rockpool.timeseries.continuous_ops import _ContinuousOps

__all__ = ["TSContinuous"]

_KINDS = ("previous", "next", "nearest", "linear", "zero", "slinear", "quadratic", "cubic")


def _channel_index(key: Any, num_channels: int, label: str) -> np.ndarray:
    """Channel indices for an int (negative allowed), a list/array, a boolean mask or a slice.

    A slice with a negative step selects what the positive step would, reversed
    (``0::-2`` on 4 channels is ``[2, 0]``). A channel out of range is an ``IndexError``.
    """
    if isinstance(key, slice):
        if key.step is not None and key.step < 0:
            return np.arange(num_channels)[key.start : key.stop : -key.step][::-1]
        return np.arange(num_channels)[key]
    arr = np.atleast_1d(np.asarray(key))
    if arr.dtype == np.bool_:
        if arr.shape != (num_channels,):
            raise IndexError(f"{label}: a boolean channel mask needs {num_channels} entries (got {arr.shape}).")
        return np.nonzero(arr)[0]
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise IndexError(f"{label}: channel indices must be integers (got {key!r}).")
    arr = arr.astype(np.int64).ravel()
    bad = arr[(arr >= num_channels) | (arr < -num_channels)]
    if bad.size:
        raise IndexError(
            f"{label}: channel {int(bad[0])} does not exist; the series has {num_channels} channel(s) "
            f"(valid: 0 to {num_channels - 1}, or negative from the end)."
        )
    return np.where(arr < 0, arr + num_channels, arr)


class TSContinuous(_ContinuousOps, TimeSeries):
    """A continuous multi-channel signal: samples at given times, interpolated in between.

    Sampling ``ts(t)`` uses :func:`scipy.interpolate.interp1d` of kind ``interp_kind``, with exact
    time comparisons. The default ``"previous"`` is a step function (as clocked simulation)::

        x(t) = samples[k]   with k the last index such that times[k] <= t

    ``"linear"`` interpolates ``samples[k] + (t - times[k]) / (times[k+1] - times[k]) *
    (samples[k+1] - samples[k])``; ``"next"``, ``"nearest"``, ``"zero"``, ``"slinear"``,
    ``"quadratic"`` and ``"cubic"`` are scipy's.

    Range rules (non-periodic series): with ``beyond_range_exception = True`` (default) sampling
    before ``times[0]`` or after ``times[-1]`` raises ``ValueError`` (``"previous"`` extends up to
    ``t_stop``). With ``False`` a warning is issued instead; times outside ``[t_start, t_stop]`` give
    NaN and times inside it but beyond the samples get ``fill_value`` (``"extrapolate"``: scipy's
    extrapolation; a number: that number). With ``approx_limit_times = True`` (default) times at most
    1 ns outside the allowed range are moved onto it, with a warning. A periodic series maps every
    time into ``[t_start, t_stop)`` first and never raises.

    Args:
        times: sample times (seconds), non-decreasing; a scalar is one sample.
        samples: values, ``(T, C)``; a 1-D array is one channel (one row of ``C`` channels when
            ``T == 1``); a ``(1, T)`` row is read as a column.
        num_channels: channel count of an empty series (used only when ``samples`` is ``None``).
        periodic: repeat the series with period ``t_stop - t_start``.
        t_start: start (default the first sample time). t_stop: end (default the last sample time).
        name: a name for printing and plots. units: the unit of the samples (y label of plots).
        interp_kind: interpolation kind (see above); an unknown kind raises
            ``NotImplementedError`` when sampled.
        fill_value: value used beyond the samples (``"extrapolate"`` or a number).
        plotting_backend: this series' plotting backend (``None``: the global one).

    Example:
        >>> ts = TSContinuous([0.0, 1.0, 2.0], [0.0, 10.0, 20.0], interp_kind="linear", name="ramp")
        >>> ts
        non-periodic TSContinuous object `ramp` from t=0.0 to 2.0. Samples: 3. Channels: 1
        >>> ts([0.5, 1.25]).ravel().tolist()
        [5.0, 12.5]
        >>> ts.clip(0.5, 1.5).samples.ravel().tolist()
        [5.0, 10.0, 15.0]
    """

    def __init__(
        self,
        times: ArrayLike = None,
        samples: ArrayLike = None,
        num_channels: Optional[int] = None,
        periodic: bool = False,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        name: Any = "unnamed",
        units: Optional[str] = None,
        interp_kind: str = "previous",
        fill_value: Any = "extrapolate",
        plotting_backend: Optional[str] = None,
    ) -> None:
        self.name = name
        t = _as_times(times, self._label)
        if samples is None:
            if t.size:
                raise ValueError(
                    f"{self._label}: times were given without samples. Pass samples=... (shape (T,) "
                    "or (T, channels))."
                )
            s = np.zeros((0, 0 if num_channels is None else int(num_channels)))
        elif times is None and np.size(samples):
            raise ValueError(
                f"{self._label}: samples were given without times. Pass times=..., or use "
                "TSContinuous.from_clocked(samples, dt) for regularly sampled data."
            )
        else:
            s = self._as_samples(samples, t.size)
        super().__init__(t, periodic, t_start, t_stop, plotting_backend, name)
        self._samples = s
        self.units = units
        self._interp_kind = interp_kind
        self.fill_value = fill_value
        self.beyond_range_exception = True
        self.approx_limit_times = True

    def _as_samples(self, samples: ArrayLike, n: int) -> np.ndarray:
        s = np.asarray(samples)
        if s.dtype == object or not (np.issubdtype(s.dtype, np.number) or s.dtype == np.bool_):
            raise ValueError(f"{self._label}: samples must be numeric (got dtype {s.dtype}).")
        if np.issubdtype(s.dtype, np.complexfloating):
            raise ValueError(f"{self._label}: samples must be real (got dtype {s.dtype}).")
        s = np.array(s, dtype=np.float64)  # a copy: never alias the caller's array
        if s.ndim == 0:
            s = s.reshape(1, 1)
        elif s.ndim == 1:
            s = s.reshape(1, -1) if n == 1 else s.reshape(-1, 1)
        elif s.ndim == 2 and s.shape[0] == 1 and s.shape[1] == n and n > 1:
            s = s.T.copy()
        if s.ndim != 2 or s.shape[0] != n:
            raise ValueError(
                f"{self._label}: got {n} time(s) but samples of shape {np.shape(samples)}; samples "
                "need one row per time: shape (T,) or (T, channels)."
            )
        return s

    @classmethod
    def from_clocked(
        cls,
        samples: ArrayLike,
        dt: float,
        t_start: float = 0.0,
        periodic: bool = False,
        name: Any = None,
        interp_kind: str = "previous",
    ) -> "TSContinuous":
        """Wrap clocked data: row ``k`` at ``t_start + k dt``, and ``t_stop = t_start + T dt``.

        Args:
            samples: ``(T, C)``; a scalar or 1-D array is one channel. Must not be empty.
            dt: time step (seconds, > 0).
            t_start: time of the first row. periodic, name, interp_kind: as the constructor.

        Raises:
            TypeError: ``samples`` is ``None`` or empty.

        Example:
            >>> ts = TSContinuous.from_clocked([1.0, 2.0, 3.0], dt=0.5)
            >>> ts.times.tolist(), ts.t_stop, ts.to_clocked(0.5).ravel().tolist()
            ([0.0, 0.5, 1.0], 1.5, [1.0, 2.0, 3.0])
        """
        if samples is None or np.size(samples) == 0:
            raise TypeError(
                f"{cls.__name__}.from_clocked: samples must not be empty (got {samples!r}); for an "
                f"empty series use {cls.__name__}(num_channels=...)."
            )
        dt = _as_float(dt, f"{cls.__name__}.from_clocked", "dt")
        if dt <= 0:
            raise ValueError(f"{cls.__name__}.from_clocked: dt must be > 0 (got {dt}).")
        t_start = _as_float(t_start, f"{cls.__name__}.from_clocked", "t_start")
        s = np.asarray(samples)
        if s.ndim < 2:
            s = s.reshape(-1, 1)
        n = s.shape[0]
        return cls(
            t_start + np.arange(n) * dt,
            s,
            periodic=periodic,
            t_start=t_start,
            t_stop=t_start + n * dt,
            name=name,
            interp_kind=interp_kind,
        )

    def to_clocked(self, dt: float) -> np.ndarray:
        """Samples at ``t_start + k dt`` for ``k = 0 .. ceil(duration / dt) - 1``; shape ``(N, C)``."""
        dt = _as_float(dt, self._label, "dt")
        if dt <= 0:
            raise ValueError(f"{self._label}.to_clocked: dt must be > 0 (got {dt}).")
        return self(self._t_start + np.arange(_num_steps(self.duration, dt)) * dt)

    # ------------------------------------------------------------------ properties
    @property
    def samples(self) -> np.ndarray:
        """Sample values, float64, shape ``(T, num_channels)``; a 1-D value set here is one column."""
        return self._samples

    @samples.setter
    def samples(self, value: ArrayLike) -> None:
        s = np.array(value, dtype=np.float64)
        if s.ndim == 1:
            s = s.reshape(-1, 1)
        if s.ndim != 2 or s.shape[0] != self._times.size:
            raise ValueError(
                f"{self._label}: new samples need one row per time ({self._times.size}); got shape "
                f"{s.shape}."
            )
        self._samples = s

    @property
    def num_channels(self) -> int:
        """Number of channels (``samples.shape[1]``)."""
        return int(self._samples.shape[1])

    @property
    def num_traces(self) -> int:
        """Alias of :attr:`num_channels`."""
        return self.num_channels

    @property
    def interp_kind(self) -> str:
        """The interpolation kind (any kind of :func:`scipy.interpolate.interp1d`)."""
        return self._interp_kind

    @interp_kind.setter
    def interp_kind(self, value: str) -> None:
        self._interp_kind = value

    def _extremum(self, fn: Any, what: str) -> float:
        if self._samples.size == 0:
            raise ValueError(f"{self._label}: an empty series has no {what}.")
        return float(fn(self._samples))

    @property
    def min(self) -> float:
        """Smallest sample over all channels, ignoring NaN (``ValueError`` on an empty series)."""
        return self._extremum(np.nanmin, "minimum")

    @property
    def max(self) -> float:
        """Largest sample over all channels, ignoring NaN (``ValueError`` on an empty series)."""
        return self._extremum(np.nanmax, "maximum")

    # ------------------------------------------------------------------ sampling
    def __call__(self, times: ArrayLike) -> np.ndarray:
        """Sample the series at ``times`` (a scalar or 1-D array); returns ``(len(times), C)``."""
        return self._interpolate(times)

    def _interpolate(self, times: ArrayLike) -> np.ndarray:
        """Sample at ``times`` following the range, fill and periodicity rules (see the class)."""
        if np.ndim(times) > 1:
            raise ValueError(f"{self._label}: sample at a scalar or a 1-D array of times (got shape {np.shape(times)}).")
        t = _as_times(times, self._label)
        if not t.size:
            return np.zeros((0, self.num_channels))
        if self.periodic:
            t = self._wrap(t)
        else:
            t = self._check_range(t)
        if not self._times.size:
            return np.full((t.size, self.num_channels), np.nan)
        values = self._interp_values(t)
        if not self.periodic:
            values[(t < self._t_start) | (t > self._t_stop)] = np.nan
        return values

    def _check_range(self, t: np.ndarray) -> np.ndarray:
        """Move times within 1 ns onto the allowed range (``approx_limit_times``); raise or warn
        for times beyond it (``beyond_range_exception``)."""
        if not self._times.size:
            return t
        lo = float(self._times[0])
        hi = max(self._t_stop, float(self._times[-1])) if self._interp_kind == "previous" else float(self._times[-1])
        if self.approx_limit_times:
            near_lo = (t < lo) & (t >= lo - _TOLERANCE_ABSOLUTE)
            near_hi = (t > hi) & (t <= hi + _TOLERANCE_ABSOLUTE)
            if np.any(near_lo | near_hi):
                warnings.warn(
                    f"{self._label}: sampling times within {_TOLERANCE_ABSOLUTE} s outside the range "
                    f"[{lo}, {hi}] were moved onto it.",
                    RockpoolWarning,
                    stacklevel=4,
                )
                t = np.where(near_lo, lo, np.where(near_hi, hi, t))
        outside = (t < lo) | (t > hi)
        if np.any(outside):
            msg = (
                f"{self._label}: cannot sample at t = {t[outside][0]} ({int(outside.sum())} of {t.size} "
                f"time(s) outside [{lo}, {hi}], the range covered by the samples"
                + (" up to t_stop" if self._interp_kind == "previous" else "")
                + "). Sample inside that range, make the series periodic, or set "
                "`beyond_range_exception = False` (then: the fill value inside [t_start, t_stop], NaN "
                "outside)."
            )
            if self.beyond_range_exception:
                raise ValueError(msg)
            warnings.warn(msg, RockpoolWarning, stacklevel=4)
        return t

    def _interp_values(self, t: np.ndarray) -> np.ndarray:
        x, y, kind = self._times, self._samples, self._interp_kind
        if x.size == 1:
            return self._interp_single(t)
        from scipy.interpolate import interp1d

        f = interp1d(x, y, kind=kind, axis=0, copy=False, bounds_error=False,
                     fill_value=self.fill_value, assume_sorted=True)
        with np.errstate(divide="ignore", invalid="ignore"):  # zero-width spans of duplicated times
            return np.asarray(f(t), dtype=np.float64).reshape(t.size, self.num_channels)

    def _interp_single(self, t: np.ndarray) -> np.ndarray:
        """Interpolation with one sample (scipy needs two): the sample where the kind reaches it."""
        kind = self._interp_kind
        if kind not in _KINDS:
            raise NotImplementedError(f"{self._label}: interpolation kind {kind!r} is not supported; use one of {list(_KINDS)}.")
        x0, y0 = float(self._times[0]), self._samples[0]
        hit = t >= x0 if kind == "previous" else t <= x0 if kind == "next" else t == x0
        fill = self.fill_value
        if isinstance(fill, str) and fill == "extrapolate":
            below = np.nan if kind == "previous" else y0
            above = np.nan if kind == "next" else y0
        elif isinstance(fill, tuple) and len(fill) == 2:
            below, above = fill
        else:
            below = above = fill
        out = np.where((t < x0)[:, None], np.broadcast_to(below, y0.shape), np.broadcast_to(above, y0.shape))
        return np.where(hit[:, None], y0, out).astype(np.float64)

    # ------------------------------------------------------------------ indexing, resampling, clipping
    def __getitem__(self, key: Any) -> "TSContinuous":
        """``ts[times]`` or ``ts[times, channels]``: a new series (see the spec of indexing)."""
        if isinstance(key, tuple):
            if len(key) > 2:
                raise IndexError(f"{self._label}: index with ts[times] or ts[times, channels] (got {len(key)} indices).")
            t_key, ch_key = key if len(key) == 2 else (key[0], None)
        else:
            t_key, ch_key = key, None
        if t_key is None or (isinstance(t_key, slice) and t_key == slice(None)):
            out = self.copy()
        elif isinstance(t_key, slice) and t_key.step is None:
            out = self._slice(t_key.start, t_key.stop)
        elif isinstance(t_key, slice):
            a = self._t_start if t_key.start is None else t_key.start
            b = self._t_stop if t_key.stop is None else t_key.stop
            new_t = np.arange(a, b, abs(t_key.step))
            out = self.resample(new_t[::-1] if t_key.step < 0 else new_t)
        else:
            out = self.resample(t_key)
        if ch_key is not None:
            out._samples = out._samples[:, _channel_index(ch_key, self.num_channels, self._label)]
        return out

    def _slice(self, a: Optional[float], b: Optional[float]) -> "TSContinuous":
        keep = np.ones(self._times.shape, dtype=bool)
        if a is not None:
            keep &= self._times >= a
        if b is not None:
            keep &= self._times < b
        out = self.copy()
        out._times, out._samples = self._times[keep], self._samples[keep]
        out._t_start = self._t_start if a is None else float(a)
        out._t_stop = self._t_stop if b is None else float(b)
        return out

    def resample(self, times: ArrayLike, channels: Any = None, inplace: bool = False) -> "TSContinuous":
        """The series sampled at ``times`` (in the given order), optionally some ``channels``.

        ``t_start`` / ``t_stop`` become ``times[0]`` / ``times[-1]``; the periodic flag is kept.

        Example:
            >>> ts = TSContinuous([0.0, 1.0], [0.0, 2.0], interp_kind="linear")
            >>> r = ts.resample([0.25, 0.5]); r.samples.ravel().tolist(), r.t_start, r.t_stop
            ([0.5, 1.0], 0.25, 0.5)
        """
        t = _as_times(times, self._label)
        s = self(t)
        if channels is not None:
            s = s[:, _channel_index(channels, self.num_channels, self._label)]
        out = self._target(inplace)
        out._times, out._samples = t, s
        if t.size:
            out._t_start, out._t_stop = float(t[0]), float(t[-1])
        return out

    def clip(
        self,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        channels: Any = None,
        include_stop: bool = True,
        sample_limits: bool = True,
        inplace: bool = False,
    ) -> "TSContinuous":
        """Keep the samples with ``t_start <= t <= t_stop`` (``< t_stop`` unless ``include_stop``).

        Reversed limits are swapped. With ``sample_limits``, a sample interpolated at a given limit
        is inserted where none lies (at ``t_stop`` only when ``include_stop``); it obeys the sampling
        rules. The result spans exactly the requested limits. ``channels`` selects/reorders
        columns. A periodic series is unrolled over the window (the result is not periodic then).

        Example:
            >>> ts = TSContinuous([0.0, 1.0, 2.0, 3.0], [0.0, 10.0, 20.0, 30.0], interp_kind="linear")
            >>> c = ts.clip(2.0, 4.5, sample_limits=False); c.times.tolist(), c.t_stop
            ([2.0, 3.0], 4.5)
        """
        t0 = self._t_start if t_start is None else _as_float(t_start, self._label, "t_start")
        t1 = self._t_stop if t_stop is None else _as_float(t_stop, self._label, "t_stop")
        given0, given1 = t_start is not None, t_stop is not None
        if t1 < t0:
            t0, t1, given0, given1 = t1, t0, given1, given0
        ch = None
        if channels is not None:
            if self.isempty():
                raise IndexError(f"{self._label}.clip: an empty series has no channels to select (got {channels!r}).")
            ch = _channel_index(channels, self.num_channels, self._label)
        times, samples = self._times, self._samples
        unrolled = self.periodic and self.duration > 0 and (t0 < self._t_start or t1 > self._t_stop)
        if unrolled:
            times, samples = self._unroll(t0, t1)
        keep = (times >= t0) & ((times <= t1) if include_stop else (times < t1))
        new_t, new_s = times[keep], samples[keep]
        if sample_limits and given0 and not (new_t.size and new_t[0] == t0):
            new_t = np.concatenate([[t0], new_t])
            new_s = np.concatenate([self._sample_limit(t0, "t_start"), new_s])
        if sample_limits and given1 and include_stop and not (new_t.size and new_t[-1] == t1):
            new_t = np.concatenate([new_t, [t1]])
            new_s = np.concatenate([new_s, self._sample_limit(t1, "t_stop")])
        out = self._target(inplace)
        out._times, out._samples = new_t, (new_s if ch is None else new_s[:, ch])
        out._t_start, out._t_stop = t0, t1
        if unrolled:
            out.periodic = False
        return out

    def _unroll(self, t0: float, t1: float) -> Tuple[np.ndarray, np.ndarray]:
        """Periodic samples repeated over ``[t0, t1]`` (each period holds the samples before ``t_stop``)."""
        d = self.duration
        one = self._times < self._t_stop
        base_t, base_s = self._times[one], self._samples[one]
        k0 = int(np.floor((t0 - self._t_start) / d)) - 1
        k1 = int(np.ceil((t1 - self._t_start) / d)) + 1
        ks = np.arange(k0, k1 + 1)
        times = (base_t[None, :] + ks[:, None] * d).ravel()
        return times, np.tile(base_s, (ks.size, 1))

    def _sample_limit(self, t: float, which: str) -> np.ndarray:
        """Sample at a clip limit; errors and warnings name the limit."""
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = self._interpolate(np.array([t]))
        except ValueError as e:
            raise ValueError(f"{self._label}.clip: cannot sample at {which} = {t}. {e}") from None
        for w in caught:
            warnings.warn(f"{self._label}.clip: sampling at {which} = {t}: {w.message}", w.category, stacklevel=3)
        return value

    # ------------------------------------------------------------------ text forms
    def __repr__(self) -> str:
        cls = type(self).__name__
        if self.isempty():
            return (f"Empty {cls} object `{self.name}` from t={self._t_start} to {self._t_stop}. "
                    f"Samples: 0. Channels: {self.num_channels}")
        kind = "periodic" if self.periodic else "non-periodic"
        return (f"{kind} {cls} object `{self.name}` from t={self._t_start} to {self._t_stop}. "
                f"Samples: {len(self)}. Channels: {self.num_channels}")

    __str__ = __repr__

    def print(self, full: bool = False, num_first: int = 4, num_last: int = 4, limit_shorten: int = 10) -> None:
        """Print the repr line, then ``time: \\t values`` per sample.

        More than ``limit_shorten`` samples are shortened to the first ``num_first``, a ``\\t...``
        line and the last ``num_last``, unless ``full``.

        Example:
            >>> TSContinuous([0.0, 0.1], [[1.0, 2.0], [2.0, 3.0]], name="x").print()  # doctest: +NORMALIZE_WHITESPACE
            non-periodic TSContinuous object `x` from t=0.0 to 0.1. Samples: 2. Channels: 2
            0.0: \t [1. 2.]
            0.1: \t [2. 3.]
        """
        lines = [f"{float(t)}: \t {row}" for t, row in zip(self._times, self._samples, strict=True)]
        _print_lines(repr(self), lines, full, num_first, num_last, limit_shorten)

    def __iter__(self) -> Iterator[Tuple[float, np.ndarray]]:
        """Yield ``(time, sample_vector)`` pairs."""
        return iter(zip(self._times, self._samples, strict=True))

    # ------------------------------------------------------------------ saving
    def to_dict(self, dtype_times: Any = None, dtype_samples: Any = None) -> Dict[str, np.ndarray]:
        """The arrays that :meth:`save` writes (string values are encoded in key names).

        Example:
            >>> sorted(TSContinuous([0.0], [1.0], name="a").to_dict())
            ['interp_kind_previous', 'name_a', 'periodic', 'samples', 't_start', 't_stop', 'times', 'type_TSContinuous']
        """
        return {
            "times": self._times.astype(dtype_times or self._times.dtype),
            "samples": self._samples.astype(dtype_samples or self._samples.dtype),
            "t_start": np.array(self._t_start),
            "t_stop": np.array(self._t_stop),
            f"interp_kind_{self._interp_kind}": np.array([]),
            "periodic": np.array(self.periodic),
            f"name_{self.name}": np.array([]),
            f"type_{type(self).__name__}": np.array([]),
        }

    def save(self, path: PathLike, verbose: bool = False, dtype_times: Any = None, dtype_samples: Any = None) -> None:
        """Save to an ``.npz`` file (``numpy.savez``: ``.npz`` is appended to a name without it;
        binary file objects work). Smaller ``dtype_*`` make smaller files.

        Example:
            >>> import io
            >>> buf = io.BytesIO(); TSContinuous([0.0, 1.0], [1.0, 2.0], name="a").save(buf); _ = buf.seek(0)
            >>> TSContinuous.load(buf).samples.ravel().tolist()
            [1.0, 2.0]
        """
        self._save_npz(path, self.to_dict(dtype_times, dtype_samples), verbose)

    @classmethod
    def load(cls, path: PathLike) -> "TSContinuous":  # type: ignore[override]  # own type only
        """Load a series saved by :meth:`save`; a file holding another type is a ``TypeError``."""
        from rockpool.timeseries.io import load_ts_from_file

        return load_ts_from_file(path, expected_type=cls.__name__)  # type: ignore[return-value]

    # ------------------------------------------------------------------ plotting
    def plot(self, times: ArrayLike = None, target: Any = None, channels: Any = None, stagger: Optional[float] = None,
             skip: Optional[int] = None, dt: Optional[float] = None, *args: Any, **kwargs: Any) -> Any:
        """Plot each channel against time (steps for ``"previous"``, drawn up to ``t_stop``).

        Args:
            times: resample at these times first. dt: resample on ``arange(t_start, t_stop, dt)``.
            target: a matplotlib ``Axes`` (default the current axes) or a holoviews object.
            channels: channels to plot. skip: plot every ``skip``-th of them.
            stagger: add ``stagger * i`` to the ``i``-th plotted channel.
            *args, **kwargs: passed to ``Axes.plot``.

        Returns:
            The list of ``Line2D`` (``target`` when given) for matplotlib; a holoviews ``Overlay``.
        """
        backend = _plotting._resolve(self.plotting_backend, self._label)
        if self.isempty():
            raise ValueError(f"{self._label}: an empty series cannot be plotted.")
        ch = np.arange(self.num_channels) if channels is None else _channel_index(channels, self.num_channels, self._label)
        if skip:
            ch = ch[:: int(skip)]
        steps = False
        if times is not None or dt is not None:
            t = _as_times(times, self._label) if times is not None else np.arange(self._t_start, self._t_stop, dt)
            s = self(t)[:, ch]
        else:
            t, s = self._times, self._samples[:, ch]
            steps = self._interp_kind == "previous"
            if steps and self._t_stop > t[-1]:
                t, s = np.append(t, self._t_stop), np.concatenate([s, s[-1:]])
        if stagger:
            s = s + float(stagger) * np.arange(s.shape[1])
        return _plotting.plot_lines(backend, t, s, target, self.name, self.units, steps, *args, **kwargs)
