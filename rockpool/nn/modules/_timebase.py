"""The clock shared by timed modules and v1 layers: steps, time bases and input rasters.

:class:`TimeBaseMixin` holds everything that turns ``(ts_input, duration, num_timesteps)`` into a
number of steps of ``dt`` and an input array on the clock ``t + k dt``. It is used by
:class:`~rockpool.nn.modules.TimedModule` and by the v1 :class:`~rockpool.nn.layers.Layer`;
both provide ``dt``, ``_timestep``, ``size_in``, ``input_type``, ``add_events`` and ``_label``.

Only the public time-series API is used (``TSContinuous(times)`` sampling, ``TSEvent(t_start,
t_stop)`` event look-up, ``times``, ``t_start``, ``t_stop``, ``periodic``, ``num_channels``).
"""

from __future__ import annotations

import math
from typing import Any, Optional, Tuple

import numpy as np

__all__ = ["TimeBaseMixin", "whole_steps"]

_REL_STEP_TOL = 1e-5
"""A step count this close (relative) below a whole number is that whole number."""

_EDGE_TOL = 1e-7
"""Fraction of a bin: an event this close below a bin edge counts in the bin that starts there."""

_SNAP_TOL = 1e-6
"""Fraction of ``dt``: a clock time this close to a sample time of the input is that sample time."""


def whole_steps(x: float) -> int:
    """``floor(x)``, unless ``x`` lies within ``1e-5`` (relative, at most 1e-3 absolute) below the
    next whole number: float rounding of ``duration / dt`` must not lose a step.

    Example:
        >>> whole_steps(3.9), whole_steps(3.99999), whole_steps(0.0035 / 0.001)
        (3, 4, 3)
    """
    up = math.ceil(x)
    if up - x <= min(_REL_STEP_TOL * max(abs(x), 1.0), 1e-3):
        return int(up)
    return int(math.floor(x))


def _ts_classes():
    from rockpool.timeseries import TSContinuous, TSEvent

    return TSContinuous, TSEvent


class TimeBaseMixin:
    """Clock helpers; see the module docstring for what the host class provides."""

    dt: Any
    _timestep: int
    add_events: bool
    # - Provided by the host class (Module / Layer): `_label` (str) and `size_in` (int or None)

    @property
    def _host(self) -> Any:
        """``self``, typed loosely: the host class provides ``_label`` and ``size_in``."""
        return self

    # ------------------------------------------------------------------ time
    @property
    def t(self) -> float:
        """The current time in seconds: the number of steps evolved times ``dt``."""
        return self._timestep * float(self.dt)

    @t.setter
    def t(self, value: float) -> None:
        self._timestep = whole_steps(float(value) / float(self.dt))

    @property
    def timestep(self) -> int:
        """Number of steps of ``dt`` evolved since the last :meth:`reset_time`."""
        return self._timestep

    def _gen_time_trace(self, t_start: float, num_timesteps: int) -> np.ndarray:
        """The times ``t_start + k dt`` for ``k < num_timesteps``.

        Example:
            >>> from rockpool.nn.modules import Rate
            >>> Rate(2).timed()._gen_time_trace(0.5, 3).tolist()
            [0.5, 0.501, 0.502]
        """
        return float(t_start) + np.arange(int(num_timesteps)) * float(self.dt)

    def _determine_timesteps(
        self, ts_input: Any = None, duration: Optional[float] = None, num_timesteps: Optional[int] = None
    ) -> int:
        """How many steps of ``dt`` to evolve.

        Priority: ``num_timesteps``; then ``duration`` (whole steps, rounded down unless within
        ~1e-5 of the next step); then the input: a periodic series gives one period
        (``round(duration / dt)``), a non-periodic one the steps from :attr:`t` to its ``t_stop``.

        Raises:
            TypeError: Nothing given, or an input that is not a time series.
            ValueError: A negative count or duration, or an input that ends at or before :attr:`t`.
        """
        dt = float(self.dt)
        if num_timesteps is not None:
            try:
                n = int(num_timesteps)
                ok = n == num_timesteps and n >= 0
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise ValueError(
                    f"{self._host._label}: num_timesteps must be a whole number >= 0 (got {num_timesteps!r})."
                )
            return n
        if duration is not None:
            try:
                d = float(duration)
            except (TypeError, ValueError):
                d = float("nan")
            if not np.isfinite(d) or d < 0:
                raise ValueError(f"{self._host._label}: duration must be >= 0 seconds (got {duration!r}).")
            return whole_steps(d / dt)
        if ts_input is None:
            raise TypeError(
                f"{self._host._label}: One of 'num_timesteps', 'ts_input' or 'duration' must be supplied."
            )
        self._check_is_timeseries(ts_input)
        if ts_input.periodic:
            n = int(round(float(ts_input.duration) / dt))
            if n < 1:
                raise ValueError(
                    f"{self._host._label}: the periodic input lasts {ts_input.duration:g} s, less than one "
                    f"step dt = {dt:g} s; give duration= or num_timesteps=."
                )
            return n
        remaining = float(ts_input.t_stop) - self.t
        if remaining <= _EDGE_TOL * dt:
            raise ValueError(
                f"{self._host._label}: cannot determine an appropriate evolution duration: the input ends at "
                f"t = {float(ts_input.t_stop):g} s, not after the module's current time "
                f"t = {self.t:g} s. Give duration= or num_timesteps=, move the input with "
                f"ts.delay(...) / ts.start_at(t), or call reset_time()."
            )
        return whole_steps(remaining / dt)

    # ------------------------------------------------------------------ input
    def _check_is_timeseries(self, ts_input: Any) -> None:
        from rockpool.timeseries import TimeSeries

        if not isinstance(ts_input, TimeSeries):
            raise TypeError(
                f"{self._host._label}: input must be a {self.input_type.__name__} (a time series), got "
                f"{type(ts_input).__name__}. Wrap a clocked array with "
                f"TSContinuous.from_clocked(x, dt) or TSEvent.from_raster(x, dt), or call the "
                f"clocked module itself."
            )

    @property
    def input_type(self) -> type:
        """The class of time series this module takes: ``TSEvent`` or ``TSContinuous``."""
        TSContinuous, TSEvent = _ts_classes()
        return TSEvent if getattr(self, "spiking_input", False) else TSContinuous

    @property
    def output_type(self) -> type:
        """The class of time series this module returns: ``TSEvent`` or ``TSContinuous``."""
        TSContinuous, TSEvent = _ts_classes()
        return TSEvent if getattr(self, "spiking_output", False) else TSContinuous

    def _prepare_input(
        self, ts_input: Any = None, duration: Optional[float] = None, num_timesteps: Optional[int] = None
    ) -> Tuple[np.ndarray, np.ndarray, int]:
        """Turn a time series into a clocked array from the current time :attr:`t`.

        Returns:
            ``(time_base, input_raster, num_timesteps)``: the times ``t + k dt``, an array
            ``(num_timesteps, size_in)`` (zeros without input; a ``TSContinuous`` sampled at the
            times, a 1-channel one broadcast; a ``TSEvent`` binned into ``[t + k dt, t + (k+1) dt)``,
            as counts when ``add_events`` else as booleans), and the number of steps.

        Raises:
            TypeError: An input of the wrong class (``TSEvent`` for a continuous-input module or
                the reverse, or not a time series).
            ValueError: A channel count other than 1 or ``size_in``; sampling a non-periodic
                ``TSContinuous`` outside ``[t_start, t_stop]``.
        """
        n = self._determine_timesteps(ts_input, duration, num_timesteps)
        time_base = self._gen_time_trace(self.t, n)
        n_in = self._host.size_in
        if n_in is None:
            raise ValueError(f"{self._host._label}: the module has no shape, so its input width is unknown.")
        if ts_input is None:
            return time_base, np.zeros((n, n_in)), n
        self._check_is_timeseries(ts_input)
        want = self.input_type
        ts: Any = ts_input
        if not isinstance(ts_input, want):
            raise TypeError(
                f"{self._host._label}: this module accepts {want.__name__} input, got "
                f"{type(ts).__name__}. (Its input is "
                f"{'spiking' if want.__name__ == 'TSEvent' else 'continuous'}; see input_type.)"
            )
        width = int(ts.num_channels)
        if width not in (1, n_in) and not (width == 0 and len(ts) == 0):
            raise ValueError(
                f"{self._host._label}: the input {type(ts).__name__} has {width} channels, expected "
                f"{n_in} (or 1, broadcast to all {n_in})."
            )
        if want.__name__ == "TSEvent":
            raster = self._raster_events(ts, n, width)
        else:
            raster = self._sample_continuous(ts, time_base)
        if raster.shape[1] != n_in:
            raster = np.broadcast_to(raster[:, :1], (n, n_in)).copy()
        return time_base, raster, n

    def _raster_events(self, ts: Any, n: int, width: int) -> np.ndarray:
        """Counts (or presence) of events per bin ``[t + k dt, t + (k+1) dt)``, ``k < n``."""
        dt, t0 = float(self.dt), self.t
        out = np.zeros((n, max(width, 1)), dtype=np.int64)
        if n and len(ts):
            times, channels = ts(t0 - _EDGE_TOL * dt, t0 + (n - _EDGE_TOL) * dt)
            idx = np.floor((np.asarray(times) - t0) / dt + _EDGE_TOL).astype(np.int64)
            keep = (idx >= 0) & (idx < n)
            np.add.at(out, (idx[keep], np.asarray(channels, dtype=np.int64)[keep]), 1)
        return out if self.add_events else out > 0

    def _sample_continuous(self, ts: Any, times: np.ndarray) -> np.ndarray:
        """Sample ``ts`` at ``times`` (exactly at its sample times when within float rounding)."""
        dt = float(self.dt)
        n = times.shape[0]
        if n == 0:
            return np.zeros((0, int(ts.num_channels)))
        t_start, t_stop = float(ts.t_start), float(ts.t_stop)
        tol = _SNAP_TOL * dt
        query = np.array(times, dtype=np.float64)
        if ts.periodic and t_stop > t_start:
            period = t_stop - t_start
            query = t_start + np.mod(query - t_start, period)
            query[np.abs(query - t_stop) <= tol] = t_start  # one period later is the start again
        elif query[0] < t_start - tol or query[-1] > t_stop + tol:
            raise ValueError(
                f"{self._host._label}: the input is defined on [{t_start:g}, {t_stop:g}] s but is needed on "
                f"[{query[0]:g}, {query[-1]:g}] s (t = {self.t:g} s, {n} steps of {dt:g} s). Evolve "
                f"for less (duration=, num_timesteps=), make the input periodic, or call reset_time()."
            )
        samples = np.asarray(ts.times, dtype=np.float64)
        if samples.size:
            # - Snap clock times that float rounding moved off a sample time back onto it
            hi = np.clip(np.searchsorted(samples, query), 0, samples.size - 1)
            lo = np.clip(hi - 1, 0, samples.size - 1)
            nearest = np.where(np.abs(samples[lo] - query) <= np.abs(samples[hi] - query), lo, hi)
            close = np.abs(samples[nearest] - query) <= tol
            query = np.where(close, samples[nearest], query)
            query = np.clip(query, t_start, t_stop) if not ts.periodic else query
        return np.asarray(ts(query), dtype=np.float64).reshape(n, -1)
