"""Modules that evolve over :class:`~rockpool.timeseries.TimeSeries` in continuous time.

A *timed* module keeps a clock: each call evolves it from its current time ``t`` for some
duration, takes input as time series and returns time series. :class:`TimedModuleWrapper` (made by
``module.timed()``) turns any clocked module into a timed one::

    TSEvent / TSContinuous  --rasterise / sample at dt-->  (T, Nin) array  --module-->  (T, Nout)
    --> TSEvent (spiking_output modules) or TSContinuous (otherwise), starting at the current t

Time advances by ``num_timesteps * dt`` per call; :meth:`TimedModule.reset_time` sets it to 0.
Subclass :class:`TimedModule` to combine timed submodules, each with its own ``dt``: time series
carry their own time base, so a submodule resamples its input at its own step.

Example:
    >>> import numpy as np
    >>> from rockpool.nn.modules import Rate
    >>> from rockpool.timeseries import TSContinuous
    >>> tmod = Rate(2).timed()
    >>> out, state, rec = tmod(TSContinuous.from_clocked(np.ones((10, 2)), dt=1e-3))
    >>> out.num_channels, round(tmod.t, 6)
    (2, 0.01)
"""

from __future__ import annotations

import warnings
from abc import abstractmethod
from typing import Any, Dict, Optional, Tuple, Union

import numpy as np

from rockpool.nn.modules.module import Module, RockpoolWarning, Tree

__all__ = ["TimedModule", "TimedModuleWrapper"]

_STEP_TOLERANCE = 1e-7


def _num_steps(duration: float, dt: float) -> int:
    """``ceil(duration / dt)``, but a duration within ``1e-7 dt`` of a whole number is not rounded up."""
    x = duration / dt
    r = round(x)
    return int(r) if abs(x - r) < _STEP_TOLERANCE else int(np.ceil(x))


class TimedModule(Module):
    """Base class of modules that evolve over time series, keeping a clock.

    Calling a timed module::

        output, new_state, record = tmod(ts_input=None, duration=None, num_timesteps=None,
                                         kwargs_timeseries=None, record=False)

    evolves it from its current time :attr:`t` for ``num_timesteps`` steps of :attr:`dt`
    (``duration`` seconds, rounded up to whole steps; or up to the end of ``ts_input``; one of the
    three must be given), then advances :attr:`t`. ``kwargs_timeseries`` are passed to the output
    time series (e.g. ``{"name": "out"}``). Subclasses implement :meth:`evolve`, which runs with
    :attr:`t` still at the start time. Timed submodules keep their own clocks; a submodule whose
    ``dt`` does not divide the duration of a call rounds up to whole steps of its own.

    Args:
        shape: The module's shape (``shape[0]`` inputs, ``shape[-1]`` outputs).
        dt: Time step in seconds (> 0).
        spiking_input: Whether the module expects events.
        spiking_output: Whether the module emits events.

    Example:
        >>> from rockpool.nn.modules import TimedModule, Rate
        >>> class Chain(TimedModule):
        ...     def __init__(self):
        ...         super().__init__(shape=(2, 2), dt=1e-3)
        ...         self.a = Rate(2).timed()
        ...         self.b = Rate(2, dt=2e-3, tau=0.05).timed()
        ...     def evolve(self, ts_input, duration, num_timesteps, kwargs_timeseries, record):
        ...         x, sa, ra = self.a(ts_input, duration=duration, record=record)
        ...         y, sb, rb = self.b(x, duration=duration, kwargs_timeseries=kwargs_timeseries, record=record)
        ...         return y, {"a": sa, "b": sb}, {"a": ra, "b": rb} if record else {}
        >>> y, _, _ = Chain()(duration=0.01)
        >>> y.num_channels
        2
    """

    def __init__(
        self,
        shape: Optional[Union[int, Tuple[int, ...]]] = None,
        dt: Optional[float] = None,
        spiking_input: bool = False,
        spiking_output: bool = False,
    ):
        super().__init__(shape=shape, spiking_input=spiking_input, spiking_output=spiking_output)
        d = self.__dict__
        d["_timestep"] = 0
        d["_t_offset"] = 0.0
        d["_dt"] = self._checked_dt(dt)

    # ------------------------------------------------------------------ time
    def _checked_dt(self, dt: Any) -> float:
        if dt is None:
            raise ValueError(
                f"{self._label}: a timed module needs a time step `dt` (seconds), e.g. dt=1e-3."
            )
        try:
            dt = float(np.asarray(dt).reshape(()))
        except (TypeError, ValueError):
            raise ValueError(f"{self._label}: `dt` must be a positive scalar (got {dt!r}).") from None
        if not np.isfinite(dt) or dt <= 0:
            raise ValueError(f"{self._label}: `dt` must be a positive number of seconds (got {dt}).")
        return dt

    @property
    def dt(self) -> float:
        """Time step in seconds."""
        return self.__dict__["_dt"]

    @dt.setter
    def dt(self, value: float) -> None:
        d = self.__dict__
        d["_t_offset"] = self.t  # keep the current time when the step changes
        d["_timestep"] = 0
        d["_dt"] = self._checked_dt(value)

    @property
    def t(self) -> float:
        """The current time in seconds (where the next call starts)."""
        d = self.__dict__
        return d["_t_offset"] + d["_timestep"] * d["_dt"]

    @property
    def timestep(self) -> int:
        """Number of steps evolved since the last :meth:`reset_time` (or change of ``dt``)."""
        return self.__dict__["_timestep"]

    def reset_time(self) -> "TimedModule":
        """Set the clock (and that of every timed submodule) back to 0; returns ``self``."""
        d = self.__dict__
        d["_timestep"] = 0
        d["_t_offset"] = 0.0
        for sub in self.modules().values():
            if isinstance(sub, TimedModule):
                sub.reset_time()
        return self

    def timed(self, output_num: int = 0, dt: Optional[float] = None, add_events: bool = False) -> "TimedModule":
        """A timed module is already timed: returns ``self``."""
        return self

    def _determine_timesteps(
        self, ts_input: Any = None, duration: Optional[float] = None, num_timesteps: Optional[int] = None
    ) -> int:
        """Number of steps for a call: ``num_timesteps``, else ``duration``, else up to ``ts_input.t_stop``."""
        if num_timesteps is not None:
            n = int(num_timesteps)
            if n != num_timesteps or n < 0:
                raise ValueError(
                    f"{self._label}: num_timesteps must be a whole number >= 0 (got {num_timesteps!r})."
                )
            return n
        if duration is not None:
            duration = float(duration)
            if not np.isfinite(duration) or duration < 0:
                raise ValueError(f"{self._label}: duration must be >= 0 seconds (got {duration}).")
            return _num_steps(duration, self.dt)
        if ts_input is not None:
            t_stop = getattr(ts_input, "t_stop", None)
            if t_stop is None:
                return int(np.shape(ts_input)[0])  # a clocked array: one row per step
            remaining = float(t_stop) - self.t
            if remaining <= _STEP_TOLERANCE * self.dt:
                raise ValueError(
                    f"{self._label}: the input ends at t = {float(t_stop):g} s, which is not after the "
                    f"module's current time t = {self.t:g} s. Give `duration=` or `num_timesteps=`, "
                    f"shift the input with ts.delay(...), or call reset_time()."
                )
            n = _num_steps(remaining, self.dt)
            from rockpool.timeseries import TSEvent

            if isinstance(ts_input, TSEvent) and not ts_input.periodic:
                # A TSEvent's default t_stop lies just after its last event: make sure the last
                # bin still holds that event (it would fall on the edge where the bins end).
                later = ts_input.times[ts_input.times >= self.t]
                if later.size:
                    last_bin = int(np.floor((later[-1] - self.t) / self.dt + _STEP_TOLERANCE))
                    n = max(n, last_bin + 1)
            return n
        raise ValueError(
            f"{self._label}: cannot tell how long to evolve. Give ts_input (a TimeSeries), "
            f"duration= (seconds) or num_timesteps=."
        )

    def _gen_time_trace(self, t_start: float, num_timesteps: int) -> np.ndarray:
        """The times ``t_start + k dt`` of ``num_timesteps`` steps."""
        return t_start + np.arange(num_timesteps) * self.dt

    # ------------------------------------------------------------------ evolution
    @abstractmethod
    def evolve(  # type: ignore[override]  # timed modules take time series: a different call protocol
        self,
        ts_input: Any = None,
        duration: Optional[float] = None,
        num_timesteps: Optional[int] = None,
        kwargs_timeseries: Optional[Dict[str, Any]] = None,
        record: bool = False,
    ) -> Tuple[Any, Tree, Tree]:
        """Evolve from :attr:`t` for ``num_timesteps`` steps (``duration`` seconds).

        Returns:
            ``(output TimeSeries, new_state, record dict of TimeSeries)``.
        """

    def __call__(  # type: ignore[override]  # (time series, duration, ...) instead of a clocked array
        self,
        ts_input: Any = None,
        duration: Optional[float] = None,
        num_timesteps: Optional[int] = None,
        kwargs_timeseries: Optional[Dict[str, Any]] = None,
        record: bool = False,
        *args,
        **kwargs,
    ) -> Tuple[Any, Tree, Tree]:
        n = self._determine_timesteps(ts_input, duration, num_timesteps)
        result = self.evolve(
            ts_input, n * self.dt, n, dict(kwargs_timeseries or {}), record, *args, **kwargs
        )
        self.__dict__["_timestep"] += n
        return result

    def _repr_lines(self, indent: str) -> str:
        line = super()._repr_lines(indent)
        head, sep, rest = line.partition("\n")
        extra = f" (dt {self.dt:g} s, t = {self.t:g} s)"
        if head.endswith(" {"):
            return head[:-2] + extra + " {" + sep + rest
        return head + extra + sep + rest


class TimedModuleWrapper(TimedModule):
    """Run a clocked module on time series (what ``module.timed()`` returns).

    Input: a :class:`~rockpool.timeseries.TSEvent` is rasterised with bins of ``dt`` from the
    current time (each bin is 1 where a channel has events, or the event count with
    ``add_events=True``); a :class:`~rockpool.timeseries.TSContinuous` is sampled at
    ``t + k dt`` (zero outside its range unless periodic); a ``(T, Nin)`` array is used as is; no
    input means zeros. Output: a ``TSEvent`` (spike counts become repeated events at bin centres)
    for modules with ``spiking_output``, else a ``TSContinuous``; channel ``output_num`` when the
    module returns a tuple of outputs. ``record=True`` returns the module's record as
    ``TSContinuous`` series on the same time base.

    The wrapper delegates the functional API to the wrapped module: ``parameters()``, ``state()``,
    ``simulation_parameters()``, ``set_attributes()``, ``reset_state()``, ``reset_parameters()``
    and attribute reads and assignments (``tmod.tau``, ``tmod.tau = x``; a JAX module is replaced,
    never mutated). It is stateful: after each call (and after each functional call) it holds the
    module's new state, also for JAX modules. Assigning ``tmod.dt`` sets the time base and the
    module's own ``dt``.

    Args:
        module: The clocked module to wrap.
        output_num: Which output to use when the module returns several.
        dt: Time step in seconds (default: the module's ``dt``, or for a combinator such as
            ``Sequential`` the ``dt`` shared by all its submodules; required if there is none).
        add_events: Count events per bin instead of marking presence.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import LIF
        >>> from rockpool.timeseries import TSEvent
        >>> tmod = LIF(2).timed()
        >>> spikes = TSEvent([0.001, 0.002], [0, 1], t_start=0.0, t_stop=0.01, num_channels=2)
        >>> out, _, _ = tmod(spikes)
        >>> type(out).__name__, out.t_stop
        ('TSEvent', 0.01)
    """

    def __init__(
        self,
        module: Module,
        output_num: int = 0,
        dt: Optional[float] = None,
        add_events: bool = False,
    ):
        if not isinstance(module, Module):
            raise TypeError(
                f"TimedModuleWrapper: expected a rockpool Module to wrap, got {type(module).__name__}."
            )
        own_dt = getattr(module, "dt", None)
        if own_dt is None:
            # A combinator has no dt of its own: use its submodules' if they all agree
            sub_dts = {
                float(np.asarray(sub.dt))
                for sub in _all_submodules(module)
                if getattr(sub, "dt", None) is not None
            }
            if len(sub_dts) == 1:
                own_dt = sub_dts.pop()
        if dt is None:
            dt = own_dt
            if dt is None:
                raise ValueError(
                    f"{module.full_name.strip()}.timed(): this module (and its submodules) has no "
                    f"single `dt`; give the time step, e.g. module.timed(dt=1e-3)."
                )
        d = self.__dict__
        d["_module"] = None
        super().__init__(
            shape=module.shape,
            dt=dt,
            spiking_input=module.spiking_input,
            spiking_output=module.spiking_output,
        )
        if own_dt is not None and not np.isclose(self.dt, float(own_dt)):
            warnings.warn(
                f"{module.full_name.strip()}.timed(dt={self.dt:g}): the module steps with its own "
                f"dt = {float(own_dt):g} s; the wrapper's dt only sets the time base of the series. "
                f"Set the module's dt instead (or assign tmod.dt, which sets both).",
                RockpoolWarning,
                stacklevel=3,
            )
        d["_module"] = module
        d["_output_num"] = int(output_num)
        d["_add_events"] = bool(add_events)

    # ------------------------------------------------------------------ delegation
    @property
    def module(self) -> Module:
        """The wrapped (clocked) module, holding the latest state."""
        return self.__dict__["_module"]

    @property
    def output_num(self) -> int:
        """Which output of a multi-output module is returned."""
        return self.__dict__["_output_num"]

    @property
    def add_events(self) -> bool:
        """Whether event input is rasterised as counts per bin."""
        return self.__dict__["_add_events"]

    @property
    def _label(self) -> str:
        mod = self.__dict__.get("_module")
        inner = f" around {mod.full_name.strip()}" if mod is not None else ""
        return f"{self.full_name.strip()}{inner}"

    def __getattr__(self, name: str) -> Any:
        # - Only called when normal lookup fails: read attributes of the wrapped module
        mod = self.__dict__.get("_module")
        if mod is None or name.startswith("__"):
            raise AttributeError(name)
        try:
            return getattr(mod, name)
        except AttributeError:
            raise AttributeError(
                f"TimedModuleWrapper around {mod.full_name.strip()} has no attribute '{name}'."
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        # - Assigning a registered attribute of the wrapped module sets it there
        mod = self.__dict__.get("_module")
        if isinstance(getattr(type(self), name, None), property):
            super().__setattr__(name, value)  # the wrapper's own properties (dt)
            if name == "dt" and mod is not None and "dt" in mod._registry:
                self._set_attr_of_module("dt", self.dt)  # keep the module's step in line
            return
        if mod is not None and name in mod._registry:
            self._set_attr_of_module(name, value)
            return
        super().__setattr__(name, value)

    def _set_attr_of_module(self, name: str, value: Any) -> None:
        mod = self.module
        if _is_jax(mod):
            self._set_module(mod.set_attributes({name: value}))  # never mutate a JAX module
        else:
            setattr(mod, name, value)

    def _set_module(self, mod: Module) -> "TimedModuleWrapper":
        self.__dict__["_module"] = mod
        return self

    def parameters(self, family=None) -> Tree:
        """The wrapped module's parameters."""
        return self.module.parameters(family)

    def state(self, family=None) -> Tree:
        """The wrapped module's state."""
        return self.module.state(family)

    def simulation_parameters(self, family=None) -> Tree:
        """The wrapped module's simulation parameters."""
        return self.module.simulation_parameters(family)

    def attributes_named(self, name) -> Tree:
        """The wrapped module's attributes called ``name``."""
        return self.module.attributes_named(name)

    def modules(self):
        """The wrapped module's submodules."""
        return self.module.modules()

    def set_attributes(self, new_attributes: Tree) -> "TimedModuleWrapper":
        """Set attributes of the wrapped module; the wrapper keeps the result and returns itself."""
        return self._set_module(self.module.set_attributes(new_attributes))

    def reset_state(self) -> "TimedModuleWrapper":
        """Reset the wrapped module's state (not the clock: see :meth:`reset_time`)."""
        return self._set_module(self.module.reset_state())

    def reset_parameters(self) -> "TimedModuleWrapper":
        """Reset the wrapped module's parameters."""
        return self._set_module(self.module.reset_parameters())

    def as_graph(self):
        """The computational graph of the wrapped module."""
        return self.module.as_graph()

    def _repr_lines(self, indent: str) -> str:
        line = (
            f"{indent}{self.class_name} {self.name} with shape {self.shape} "
            f"(dt {self.dt:g} s, t = {self.t:g} s) {{\n"
        )
        return line + self.module._repr_lines(indent + "    ") + f"\n{indent}}}"

    # ------------------------------------------------------------------ evolution
    def _n_channels(self, size: Optional[int]) -> int:
        """A channel count of the wrapped module; a module without a shape has none to give."""
        if size is None:
            raise ValueError(
                f"{self._label}: the wrapped module has no shape, so its number of channels is "
                f"unknown; give the module a shape."
            )
        return size

    def _input_raster(self, ts_input: Any, num_timesteps: int) -> np.ndarray:
        from rockpool.timeseries import TSContinuous, TSEvent

        n_in = self._n_channels(self.size_in)
        t0, dt = self.t, self.dt
        if ts_input is None:
            return np.zeros((num_timesteps, n_in))
        if isinstance(ts_input, TSEvent):
            if ts_input.num_channels > n_in:
                raise ValueError(
                    f"{self._label}: the input TSEvent has {ts_input.num_channels} channels, but "
                    f"{self.module.full_name.strip()} takes {n_in}."
                )
            r = ts_input.raster(dt, t_start=t0, t_stop=t0 + num_timesteps * dt, add_events=self.add_events)
            r = r[:num_timesteps]
            out = np.zeros((num_timesteps, n_in), dtype=r.dtype)
            out[: r.shape[0], : r.shape[1]] = r
            return out
        if isinstance(ts_input, TSContinuous):
            if ts_input.num_channels not in (n_in, 1):
                raise ValueError(
                    f"{self._label}: the input TSContinuous has {ts_input.num_channels} channels, "
                    f"expected {n_in} (or 1, broadcast)."
                )
            times = self._gen_time_trace(t0, num_timesteps)
            if ts_input.periodic:
                inside = np.ones(times.shape, dtype=bool)
            else:
                tol = _STEP_TOLERANCE * dt
                inside = (times >= ts_input.t_start - tol) & (times <= ts_input.t_stop + tol)
            out = np.zeros((num_timesteps, ts_input.num_channels))
            if np.any(inside):
                out[inside] = ts_input(times[inside])
            return np.broadcast_to(out, (num_timesteps, n_in))
        arr = np.asarray(ts_input)
        if arr.ndim != 2 or arr.shape[0] != num_timesteps:
            raise ValueError(
                f"{self._label}: input must be a TSEvent, a TSContinuous or a clocked array of shape "
                f"({num_timesteps}, {n_in}); got {type(ts_input).__name__} with shape {arr.shape}."
            )
        return arr

    def evolve(  # type: ignore[override]  # the TimedModule protocol, see TimedModule.evolve
        self,
        ts_input: Any = None,
        duration: Optional[float] = None,
        num_timesteps: Optional[int] = None,
        kwargs_timeseries: Optional[Dict[str, Any]] = None,
        record: bool = False,
    ) -> Tuple[Any, Tree, Tree]:
        """Rasterise/sample the input, evolve the wrapped module, wrap the output as a time series."""
        from rockpool.timeseries import TimeSeries, TSContinuous, TSEvent

        if num_timesteps is None:
            num_timesteps = self._determine_timesteps(ts_input, duration, None)
        t0, dt = self.t, self.dt
        kwargs_timeseries = dict(kwargs_timeseries or {})
        mod = self.module
        if num_timesteps == 0:
            raster_out = np.zeros((0, self._n_channels(self.size_out)))
            new_state: Tree = {}
            recorded: Tree = {}
        else:
            data = self._input_raster(ts_input, num_timesteps)
            output, new_state, recorded = mod(data, record=record)
            if isinstance(output, (tuple, list)):
                output = output[self.output_num]
            raster_out = np.asarray(output)
            if raster_out.ndim == 3:
                raster_out = raster_out[0]
            if new_state and _is_jax(mod):
                self._set_module(mod.set_attributes(new_state))  # JAX modules never update themselves
        kwargs_timeseries.setdefault("name", self.module.class_name)
        ts_out: TimeSeries
        if self.spiking_output:
            counts = np.round(raster_out).astype(np.int64)
            if counts.size and counts.min() < 0:
                raise ValueError(
                    f"{self._label}: {mod.full_name.strip()} says it has spiking output, but produced "
                    f"negative values; wrap it with spiking_output=False."
                )
            ts_out = TSEvent.from_raster(
                counts, dt, t_start=t0, num_channels=self.size_out, **kwargs_timeseries
            )
        else:
            ts_out = TSContinuous.from_clocked(raster_out, dt, t_start=t0, **kwargs_timeseries)
        rec_ts = mod._wrap_recorded_state(recorded, t_start=t0, dt=dt) if (record and recorded) else {}
        return ts_out, new_state, rec_ts


def _all_submodules(mod: Module) -> list:
    """Every submodule of ``mod``, recursively (not ``mod`` itself)."""
    out = []
    for sub in mod.modules().values():
        out.append(sub)
        out.extend(_all_submodules(sub))
    return out


def _is_jax(mod: Module) -> bool:
    return any(k.__name__ == "JaxModule" for k in type(mod).__mro__)
