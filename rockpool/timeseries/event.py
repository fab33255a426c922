""":class:`TSEvent`: discrete events (spikes), each a time and a channel, on ``[t_start, t_stop)``."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from rockpool.timeseries import plotting as _plotting
from rockpool.timeseries.base import (
    _TOLERANCE_RELATIVE,
    ArrayLike,
    PathLike,
    TimeSeries,
    _as_float,
    _as_times,
    _num_steps,
    _print_lines,
)

__all__ = ["TSEvent"]


def _event_channels(channels: Any, num_channels: int, label: str) -> np.ndarray:
    """Channel IDs given as an int or a list/array; ``< 0`` or ``>= num_channels`` is an ``IndexError``."""
    arr = np.atleast_1d(np.asarray(channels))
    if arr.size and not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise IndexError(f"{label}: channels must be integer IDs (got {channels!r}).")
    arr = arr.astype(np.int64).ravel()
    bad = arr[(arr < 0) | (arr >= num_channels)]
    if bad.size:
        raise IndexError(
            f"{label}: channel {int(bad[0])} does not exist; the series has {num_channels} channel(s) "
            f"(valid IDs: 0 to {num_channels - 1})."
        )
    return arr


def _offsets(offset: Any, n: int) -> List[float]:
    """A scalar (``None`` = 0) for every series, or a list paired with the series by ``zip``."""
    if offset is None or np.ndim(offset) == 0:
        return [0.0 if offset is None else float(offset)] * n
    return [0.0 if o is None else float(o) for o in offset]


def _first_of_pairs(times: np.ndarray, channels: np.ndarray) -> np.ndarray:
    """Indices of the first occurrence of every (time, channel) pair, in their original order."""
    if not times.size:
        return np.zeros(0, dtype=np.int64)
    pairs = np.rec.fromarrays([times, channels])
    _, first = np.unique(pairs, return_index=True)
    return np.sort(first)


class TSEvent(TimeSeries):
    """Discrete events on ``[t_start, t_stop)``: each event has a time (s) and a channel ID.

    Args:
        times: event times (seconds), non-decreasing; a scalar is one event.
        channels: ``None`` (all on channel 0), one int for all events, or one int per event
            (floats are truncated).
        periodic: repeat the events with period ``t_stop - t_start``.
        t_start: start (default the first event, 0 without events).
        t_stop: end, exclusive: **required when there are events** (``TypeError`` otherwise) and
            must be after the last event. Without events it defaults to ``t_start``.
        name: a name for printing and plots.
        num_channels: number of channels (default ``max(channels) + 1``, 0 without events); must
            exceed every channel ID.
        plotting_backend: this series' plotting backend (``None``: the global one).

    ``ts(t_start, t_stop, channels)`` returns ``(times, channels)`` of the events in
    ``[t_start, t_stop)``; ``ts[index]`` keeps the events at ``index`` (int, slice, list, mask).

    Example:
        >>> ev = TSEvent([0.1, 0.2, 0.35], [0, 1, 1], t_start=0.0, t_stop=0.4, name="spikes")
        >>> ev
        non-periodic `TSEvent` object `spikes` from t=0.0 to 0.4. Channels: 2. Events: 3
        >>> ev.raster(0.1).astype(int).tolist()
        [[0, 0], [1, 0], [0, 1], [0, 1]]
    """

    def __init__(
        self,
        times: ArrayLike = None,
        channels: ArrayLike = None,
        periodic: bool = False,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        name: Any = None,
        num_channels: Optional[int] = None,
        plotting_backend: Optional[str] = None,
    ) -> None:
        self.name = name
        t = _as_times(times, self._label)
        if t.size and t_stop is None:
            raise TypeError(
                f"{self._label}: t_stop is required when there are events (the series covers "
                "[t_start, t_stop) and must end after its last event). Pass t_stop=..."
            )
        ch = self._as_channels(channels, t.size)
        super().__init__(t, periodic, t_start, t_stop, plotting_backend, name)
        self._channels = ch
        needed = int(ch.max()) + 1 if ch.size else 0
        if num_channels is None:
            self._num_channels = needed
        else:
            n = int(num_channels)
            if n < 0 or (ch.size and n <= int(ch.max())):
                raise ValueError(
                    f"{self._label}: num_channels is {n} but an event is on channel {needed - 1}; "
                    f"pass num_channels >= {needed}, or leave it out."
                )
            self._num_channels = n

    def _check_t_stop(self, t_stop: float, times: np.ndarray) -> None:
        if times.size and t_stop <= times[-1]:
            raise ValueError(
                f"{self._label}: t_stop ({t_stop}) must be after the last event ({times[-1]}); events "
                "lie in [t_start, t_stop)."
            )

    def _as_channels(self, channels: ArrayLike, n: int) -> np.ndarray:
        if channels is None:
            return np.zeros(n, dtype=np.int64)
        c = np.asarray(channels)
        if c.size == 0 and n == 0:
            return np.zeros(0, dtype=np.int64)
        if c.dtype == object or not (np.issubdtype(c.dtype, np.number) or c.dtype == np.bool_):
            raise ValueError(f"{self._label}: channels must be integers (got dtype {c.dtype}).")
        if c.ndim == 0:
            c = np.full(n, c)
        c = c.ravel()
        if c.size != n:
            raise ValueError(
                f"{self._label}: got {n} event time(s) but {c.size} channels; give one channel per "
                "event, or one int for all."
            )
        if not np.all(np.isfinite(c)):
            raise ValueError(f"{self._label}: channels must be finite.")
        c = c.astype(np.int64)
        if c.size and c.min() < 0:
            raise ValueError(f"{self._label}: channel IDs must be >= 0 (found {int(c.min())}).")
        return c

    # ------------------------------------------------------------------ properties
    @property
    def times(self) -> np.ndarray:
        """Event times (float64 s); setting needs the same length, sorted; ``t_stop`` grows past the last."""
        return self._times

    @times.setter
    def times(self, value: ArrayLike) -> None:
        stop = self._t_stop
        TimeSeries.times.fset(self, value)  # type: ignore[attr-defined]
        if self._times.size and stop <= self._times[-1]:
            self._t_stop = float(np.nextafter(self._times[-1], np.inf))
        else:
            self._t_stop = stop

    @property
    def t_stop(self) -> float:
        """End of the series (exclusive); must not be before the last event (equal is nudged up)."""
        return self._t_stop

    @t_stop.setter
    def t_stop(self, value: float) -> None:
        v = _as_float(value, self._label, "t_stop")
        if self._times.size and v == self._times[-1]:
            v = float(np.nextafter(v, np.inf))
        TimeSeries.t_stop.fset(self, v)  # type: ignore[attr-defined]

    @property
    def channels(self) -> np.ndarray:
        """Channel ID of each event (int64); setting needs the same length and may raise ``num_channels``."""
        return self._channels

    @channels.setter
    def channels(self, value: ArrayLike) -> None:
        c = self._as_channels(value, self._times.size)
        self._channels = c
        if c.size:
            self._num_channels = max(self._num_channels, int(c.max()) + 1)

    @property
    def num_channels(self) -> int:
        """Number of channels (setter: ``>= 1``)."""
        return self._num_channels

    @num_channels.setter
    def num_channels(self, value: int) -> None:
        n = int(value)
        if n < 1:
            raise ValueError(f"{self._label}: num_channels must be >= 1 (got {value!r}).")
        self._num_channels = n

    # ------------------------------------------------------------------ selecting events
    def _window(self, t0: Optional[float], t1: Optional[float]) -> Tuple[float, float]:
        a = self._t_start if t0 is None else _as_float(t0, self._label, "t_start")
        b = self._t_stop if t1 is None else _as_float(t1, self._label, "t_stop")
        return (b, a) if b < a else (a, b)

    def _events_in(self, t0: float, t1: float) -> Tuple[np.ndarray, np.ndarray, bool]:
        """Events in ``[t0, t1)`` (periodic series repeated); also whether they were unrolled."""
        times, chans = self._times, self._channels
        unrolled = False
        if self.periodic and self.duration > 0 and (t0 < self._t_start or t1 > self._t_stop):
            d = self.duration
            ks = np.arange(int(np.floor((t0 - self._t_start) / d)), int(np.ceil((t1 - self._t_start) / d)) + 1)
            times = (times[None, :] + ks[:, None] * d).ravel()
            chans = np.tile(chans, ks.size)
            unrolled = True
        keep = (times >= t0) & (times < t1)
        return times[keep], chans[keep], unrolled

    def __call__(
        self, t_start: Optional[float] = None, t_stop: Optional[float] = None, channels: Any = None
    ) -> Tuple[np.ndarray, np.ndarray]:
        """``(times, channels)`` of the events in ``[t_start, t_stop)`` (default: the series' limits).

        Reversed limits are swapped; ``channels`` (int or list) keeps only those IDs (``IndexError``
        for an ID ``< 0`` or ``>= num_channels``). A periodic series repeats over the window.

        Example:
            >>> TSEvent([0.5, 1.5], [0, 1], t_start=0.0, t_stop=2.0, periodic=True)(0.0, 5.0)[0].tolist()
            [0.5, 1.5, 2.5, 3.5, 4.5]
        """
        t0, t1 = self._window(t_start, t_stop)
        times, chans, _ = self._events_in(t0, t1)
        if channels is not None:
            keep = np.isin(chans, _event_channels(channels, self._num_channels, self._label))
            times, chans = times[keep], chans[keep]
        return times, chans

    def __getitem__(self, index: Any) -> "TSEvent":
        """A new series with the events at ``index`` (int, slice, int list/array or boolean mask),
        in the index order, with the same limits and channel count."""
        if isinstance(index, (float, np.floating)):
            raise IndexError(f"{self._label}: index events with integers, slices or masks (got {index!r}).")
        if isinstance(index, (list, tuple)) and len(index) == 0:
            index = np.zeros(0, dtype=np.int64)
        idx = np.atleast_1d(np.arange(self._times.size)[index])
        out = self.copy()
        out._times, out._channels = self._times[idx], self._channels[idx]
        return out

    def clip(
        self,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        channels: Any = None,
        remap_channels: bool = False,
        inplace: bool = False,
    ) -> "TSEvent":
        """Keep the events in ``[t_start, t_stop)`` on ``channels``; the limits become the given ones.

        With ``remap_channels`` the selected channel IDs (sorted; all IDs present among the kept
        events when ``channels`` is ``None``) become ``0..n-1`` and ``num_channels = n``.

        Example:
            >>> ev = TSEvent([1.0, 2.0, 3.0, 4.0], [0, 2, 1, 2], t_stop=5.0)
            >>> c = ev.clip(1.5, 4.5, remap_channels=True); c.channels.tolist(), c.num_channels
            ([1, 0, 1], 2)
        """
        t0, t1 = self._window(t_start, t_stop)
        times, chans, unrolled = self._events_in(t0, t1)
        num = self._num_channels
        sel = None
        if channels is not None:
            sel = _event_channels(channels, self._num_channels, self._label)
            keep = np.isin(chans, sel)
            times, chans = times[keep], chans[keep]
        if remap_channels:
            ids = np.unique(chans if sel is None else sel)
            chans, num = np.searchsorted(ids, chans).astype(np.int64), int(ids.size)
        out = self._target(inplace)
        out._times, out._channels, out._num_channels = times, chans, num
        out._t_start, out._t_stop = t0, t1
        if unrolled:
            out.periodic = False
        return out

    def remap_channels(self, channel_map: ArrayLike, inplace: bool = False) -> "TSEvent":
        """Channel ``i`` becomes ``channel_map[i]``; ``num_channels`` becomes ``max(channel_map) + 1``.

        Example:
            >>> TSEvent([0.1, 0.2], [0, 1], t_stop=1.0).remap_channels([3, 0]).channels.tolist()
            [3, 0]
        """
        m = np.asarray(channel_map).astype(np.int64).ravel()
        if m.size != self._num_channels:
            raise ValueError(
                f"{self._label}.remap_channels: channel_map needs one entry per channel "
                f"({self._num_channels}), got {m.size}."
            )
        if m.size and m.min() < 0:
            raise ValueError(f"{self._label}.remap_channels: channel IDs must be >= 0 (got {int(m.min())}).")
        out = self._target(inplace)
        out._channels = m[out._channels] if out._channels.size else out._channels
        out._num_channels = int(m.max()) + 1 if m.size else 0
        return out

    # ------------------------------------------------------------------ rasters
    def raster(
        self,
        dt: float,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        num_timesteps: Optional[int] = None,
        channels: Any = None,
        add_events: bool = False,
    ) -> np.ndarray:
        """Bin the events: bin ``k`` covers ``[t_start + k dt, t_start + (k+1) dt)``.

        There are ``ceil((t_stop - t_start) / dt)`` bins (or ``num_timesteps``; giving both that and
        ``t_stop`` is a ``ValueError``); limits default to the series'. Events in
        ``[t_start, t_stop)`` count (a periodic series repeats); an event within ``1e-6 dt`` below a
        bin edge counts in the bin starting there (float rounding).

        Args:
            dt: bin width (s). channels: IDs of the columns (default all, in order).
            add_events: return ``int`` counts; else ``bool`` (several events in one bin count once
                and a notice is printed).

        Returns:
            ``(bins, num_channels)`` (or ``(bins, len(channels))``).

        Example:
            >>> TSEvent([0.0, 1.0], t_stop=3.0).raster(0.7).shape
            (5, 1)
        """
        dt = _as_float(dt, self._label, "dt")
        if dt <= 0:
            raise ValueError(f"{self._label}.raster: dt must be > 0 (got {dt}).")
        if t_stop is not None and num_timesteps is not None:
            raise ValueError(f"{self._label}.raster: give t_stop or num_timesteps, not both.")
        t0 = self._t_start if t_start is None else _as_float(t_start, self._label, "t_start")
        if num_timesteps is not None:
            n = int(num_timesteps)
            if n < 0:
                raise ValueError(f"{self._label}.raster: num_timesteps must be >= 0 (got {n}).")
            t1 = t0 + n * dt
        else:
            t1 = self._t_stop if t_stop is None else _as_float(t_stop, self._label, "t_stop")
            if t1 < t0:
                raise ValueError(f"{self._label}.raster: t_stop ({t1}) is before t_start ({t0}).")
            n = _num_steps(t1 - t0, dt)
        times, chans, _ = self._events_in(t0, t1)
        ok = chans < self._num_channels
        idx = np.floor((times[ok] - t0) / dt + _TOLERANCE_RELATIVE).astype(np.int64)
        counts = np.zeros((n, self._num_channels), dtype=np.int64)
        if n:
            np.add.at(counts, (np.minimum(idx, n - 1), chans[ok]), 1)
        if channels is not None:
            counts = counts[:, _event_channels(channels, self._num_channels, self._label)]
        if add_events:
            return counts
        if np.any(counts > 1):
            print(f"{self._label}: several events fall in one time bin of a channel; the boolean "
                  "raster counts them once. Use add_events=True to count them.")
        return counts > 0

    def xraster(
        self,
        dt: float,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        num_timesteps: Optional[int] = None,
        channels: Any = None,
        add_events: Optional[bool] = None,
        endpoint: Optional[bool] = None,
    ) -> Iterator[np.ndarray]:
        """Yield the rows of :meth:`raster` one time step at a time (``endpoint`` is accepted for
        compatibility and has no effect: bins never include ``t_stop``).

        Example:
            >>> [r.tolist() for r in TSEvent([0.5], t_stop=2.0).xraster(1.0)]
            [[True], [False]]
        """
        yield from self.raster(dt, t_start, t_stop, num_timesteps, channels, bool(add_events))

    @classmethod
    def from_raster(
        cls,
        raster: ArrayLike,
        dt: float = 1.0,
        t_start: float = 0.0,
        t_stop: Optional[float] = None,
        name: Any = None,
        periodic: bool = False,
        num_channels: Optional[int] = None,
        spikes_at_bin_start: bool = False,
    ) -> "TSEvent":
        """Events from a raster ``(T,)`` or ``(T, C)``: entry ``n`` in row ``i`` gives ``n`` events
        at ``t_start + (i + 1/2) dt`` (``t_start + i dt`` with ``spikes_at_bin_start``).

        Entries become integer counts (bools 0/1, floats truncated). ``t_stop`` defaults to
        ``t_start + T dt``, ``num_channels`` to ``C``; ``from_raster(r, dt).raster(dt)`` gives ``r``.

        Example:
            >>> ev = TSEvent.from_raster([[1, 0], [0, 2]], dt=0.5)
            >>> ev.times.tolist(), ev.channels.tolist(), ev.t_stop
            ([0.25, 0.75, 0.75], [0, 1, 1], 1.0)
        """
        label = f"{cls.__name__}.from_raster"
        r = np.asarray(raster)
        if r.ndim == 1:
            r = r.reshape(-1, 1)
        if r.ndim != 2:
            raise ValueError(f"{label}: raster must have shape (T,) or (T, channels) (got {r.shape}).")
        if r.dtype == object or not (np.issubdtype(r.dtype, np.number) or r.dtype == np.bool_):
            raise ValueError(f"{label}: raster must be boolean or numeric (got dtype {r.dtype}).")
        if r.size and not np.all(np.isfinite(r)):
            raise ValueError(f"{label}: raster entries must be finite.")
        counts = r.astype(np.int64)
        if counts.size and counts.min() < 0:
            raise ValueError(f"{label}: raster entries are event counts and must be >= 0.")
        dt = _as_float(dt, label, "dt")
        if dt <= 0:
            raise ValueError(f"{label}: dt must be > 0 (got {dt}).")
        t_start = _as_float(t_start, label, "t_start")
        steps, chans = np.nonzero(counts)  # row-major: by time, then channel
        reps = counts[steps, chans]
        steps, chans = np.repeat(steps, reps), np.repeat(chans, reps)
        times = t_start + (steps + (0.0 if spikes_at_bin_start else 0.5)) * dt
        return cls(
            times, chans, periodic=periodic, t_start=t_start,
            t_stop=t_start + r.shape[0] * dt if t_stop is None else t_stop,
            name=name, num_channels=r.shape[1] if num_channels is None else num_channels,
        )

    # ------------------------------------------------------------------ joining
    def _checked_others(self, other: Any, what: str) -> List["TSEvent"]:
        others = [other] if isinstance(other, TimeSeries) else list(other)
        for o in others:
            if not isinstance(o, TSEvent):
                raise TypeError(f"{self._label}.{what}: expected TSEvent (got {type(o).__name__}).")
        return others  # type: ignore[return-value]

    def _set_events(self, times: List[np.ndarray], chans: List[np.ndarray], remove_duplicates: bool) -> None:
        t, c = np.concatenate(times), np.concatenate(chans).astype(np.int64)
        order = np.argsort(t, kind="stable")
        t, c = t[order], c[order]
        if remove_duplicates:
            keep = _first_of_pairs(t, c)
            t, c = t[keep], c[keep]
        self._times, self._channels = t, c

    def append_c(self, other: Any, inplace: bool = False) -> "TSEvent":
        """Add the events of other series as new channels (shifted by the running channel count).

        Example:
            >>> a = TSEvent([0.1], [0], t_stop=1.0); b = TSEvent([0.05], [0], t_stop=2.0)
            >>> c = a.append_c(b); c.channels.tolist(), c.num_channels, c.t_stop
            ([1, 0], 2, 2.0)
        """
        others = self._checked_others(other, "append_c")
        out = self._target(inplace)
        times, chans = [out._times], [out._channels]
        n, t0, t1 = out._num_channels, out._t_start, out._t_stop
        for o in others:
            t0, t1 = min(t0, o.t_start), max(t1, o.t_stop)
            if o.isempty():
                continue
            times.append(o._times)
            chans.append(o._channels + n)
            n += o.num_channels
        out._set_events(times, chans, False)
        out._num_channels, out._t_start, out._t_stop = n, t0, t1
        return out

    def append_t(
        self, other: Any, offset: Union[None, float, Sequence[float]] = 0, remove_duplicates: bool = False,
        inplace: bool = False,
    ) -> "TSEvent":
        """Append series after this one in time: each is shifted so that its ``t_start`` lands at the
        running ``t_stop`` + offset (``None`` = 0; a list pairs with the series by ``zip``). Empty
        series are skipped; ``remove_duplicates`` drops repeated (time, channel) pairs.

        Example:
            >>> a = TSEvent([0.5], t_start=0.0, t_stop=1.0); b = TSEvent([1.0, 2.0], t_start=1.0, t_stop=3.0)
            >>> c = TSEvent().append_t([a, b], offset=[2.0, 1.0]); c.times.tolist(), c.t_stop
            ([2.5, 4.0, 5.0], 6.0)
        """
        others = self._checked_others(other, "append_t")
        out = self._target(inplace)
        times, chans = [out._times], [out._channels]
        running, n = out._t_stop, out._num_channels
        for o, off in zip(others, _offsets(offset, len(others))):  # noqa: B905 - zip truncation is documented
            if o.isempty():
                continue
            shift = running + off - o.t_start
            times.append(o._times + shift)
            chans.append(o._channels)
            running, n = o.t_stop + shift, max(n, o.num_channels)
        out._set_events(times, chans, remove_duplicates)
        out._t_stop, out._num_channels = max(running, out._t_stop), n
        if out._times.size:
            out._t_start = min(out._t_start, float(out._times[0]))
        return out

    def merge(
        self, other: Any, delay: Union[float, Sequence[float]] = 0, remove_duplicates: bool = False,
        inplace: bool = False,
    ) -> "TSEvent":
        """Interleave the events of other series (each shifted by its ``delay``: a scalar, or a list
        paired by ``zip``), ``self`` first at equal times. Limits and ``num_channels`` become the union.

        Example:
            >>> a = TSEvent([0.1], [0], t_stop=1.0); b = TSEvent([0.05, 0.1], [1, 0], t_stop=1.0)
            >>> a.merge(b, remove_duplicates=True).times.tolist()
            [0.05, 0.1]
        """
        others = self._checked_others(other, "merge")
        out = self._target(inplace)
        times, chans = [out._times], [out._channels]
        n, t0, t1 = out._num_channels, out._t_start, out._t_stop
        for o, d in zip(others, _offsets(delay, len(others))):  # noqa: B905 - zip truncation is documented
            times.append(o._times + d)
            chans.append(o._channels)
            n, t0, t1 = max(n, o.num_channels), min(t0, o.t_start + d), max(t1, o.t_stop + d)
        out._set_events(times, chans, remove_duplicates)
        out._num_channels, out._t_start, out._t_stop = n, t0, t1
        return out

    # ------------------------------------------------------------------ text forms
    def __repr__(self) -> str:
        if self.isempty():
            return f"Empty `{type(self).__name__}` object `{self.name}` from t={self._t_start} to t={self._t_stop}."
        kind = "periodic" if self.periodic else "non-periodic"
        return (f"{kind} `{type(self).__name__}` object `{self.name}` from t={self._t_start} to "
                f"{self._t_stop}. Channels: {self._num_channels}. Events: {len(self)}")

    __str__ = __repr__

    def print(self, full: bool = False, num_first: int = 4, num_last: int = 4, limit_shorten: int = 10) -> None:
        """Print the repr line, a ``Time \\t Ch.-ID`` header and ``time: \\t channel`` per event
        (shortened like :meth:`TSContinuous.print`).

        Example:
            >>> TSEvent([0.5], [2], t_stop=1.0, name="e").print()  # doctest: +NORMALIZE_WHITESPACE
            non-periodic `TSEvent` object `e` from t=0.5 to 1.0. Channels: 3. Events: 1
            Time \t Ch.-ID
            0.5: \t 2
        """
        lines = [f"{float(t)}: \t {int(c)}" for t, c in zip(self._times, self._channels, strict=True)]
        _print_lines(repr(self) + "\nTime \t Ch.-ID", lines, full, num_first, num_last, limit_shorten)

    def __iter__(self) -> Iterator[Tuple[float, int]]:
        """Yield ``(time, channel)`` pairs."""
        return iter(zip(self._times, self._channels, strict=True))

    # ------------------------------------------------------------------ saving
    def to_dict(self, dtype_times: Any = None, dtype_channels: Any = None) -> Dict[str, np.ndarray]:
        """The arrays that :meth:`save` writes; a ``dtype_channels`` too small for the IDs is a ``ValueError``."""
        chans = self._channels
        if dtype_channels is not None:
            dt = np.dtype(dtype_channels)
            if dt.kind in "iu" and chans.size:
                info = np.iinfo(dt)
                if chans.max() > info.max or chans.min() < info.min:
                    raise ValueError(
                        f"{self._label}: dtype_channels {dt} cannot hold channel ID {int(chans.max())} "
                        f"(range {info.min} to {info.max}); use a larger integer dtype."
                    )
            chans = chans.astype(dt)
        return {
            "times": self._times.astype(dtype_times or self._times.dtype),
            "channels": chans,
            "t_start": np.array(self._t_start),
            "t_stop": np.array(self._t_stop),
            "periodic": np.array(self.periodic),
            "num_channels": np.array(self._num_channels),
            f"name_{self.name}": np.array([]),
            f"type_{type(self).__name__}": np.array([]),
        }

    def save(self, path: PathLike, verbose: bool = False, dtype_times: Any = None, dtype_channels: Any = None) -> None:
        """Save to an ``.npz`` file (``numpy.savez``; file objects work).

        Example:
            >>> import io
            >>> buf = io.BytesIO(); TSEvent([0.1], [3], t_stop=1.0).save(buf, dtype_channels="uint8"); _ = buf.seek(0)
            >>> TSEvent.load(buf).channels.tolist()
            [3]
        """
        self._save_npz(path, self.to_dict(dtype_times, dtype_channels), verbose)

    @classmethod
    def load(cls, path: PathLike) -> "TSEvent":  # type: ignore[override]  # own type only
        """Load a series saved by :meth:`save`; a file holding another type is a ``TypeError``."""
        from rockpool.timeseries.io import load_ts_from_file

        return load_ts_from_file(path, expected_type=cls.__name__)  # type: ignore[return-value]

    # ------------------------------------------------------------------ plotting
    def plot(self, time_limits: Optional[Tuple[float, float]] = None, target: Any = None, channels: Any = None,
             *args: Any, **kwargs: Any) -> Any:
        """Scatter plot of (time, channel) pairs.

        Args:
            time_limits: ``(t_start, t_stop)`` window (default the series'). channels: IDs to show.
            target: a matplotlib ``Axes`` (default the current axes) or a holoviews object.
            *args, **kwargs: passed to ``Axes.scatter`` (default marker ``"|"``).

        Returns:
            The ``PathCollection`` (``target`` when given); a holoviews ``Scatter``.
        """
        backend = _plotting._resolve(self.plotting_backend, self._label)
        t0, t1 = (None, None) if time_limits is None else time_limits
        times, chans = self(t0, t1, channels)
        return _plotting.plot_events(backend, times, chans, target, self.name, *args, **kwargs)
