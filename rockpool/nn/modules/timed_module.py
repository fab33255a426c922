"""Modules that evolve over :class:`~rockpool.timeseries.TimeSeries` in continuous time.

A *timed* module keeps a clock: each call evolves it from its current time ``t`` for some number
of steps of ``dt``, takes a time series as input and returns one. :class:`TimedModuleWrapper`
(made by ``module.timed()``) turns any clocked module into a timed one::

    TSEvent / TSContinuous  --bin / sample at t + k dt-->  (T, Nin) array  --module-->  (T, Nout)
    --> TSEvent (spiking_output modules) or TSContinuous, starting at the module's t

Subclass :class:`TimedModule` to combine timed submodules, each with its own ``dt`` (the parent's
``dt`` becomes their least common multiple). :func:`astimedmodule` and :class:`LayerToTimedModule`
adapt Rockpool v1 layers (:class:`rockpool.nn.layers.Layer`).

Example:
    >>> import numpy as np
    >>> from rockpool.nn.modules import Rate
    >>> from rockpool.timeseries import TSContinuous
    >>> tmod = Rate(2).timed()
    >>> out, state, rec = tmod(TSContinuous.from_clocked(np.ones((10, 2)), dt=1e-3))
    >>> out.num_channels, round(tmod.t, 6), sorted(tmod.parameters())
    (2, 0.01, ['_module'])
"""

from __future__ import annotations

import functools
import warnings
from abc import abstractmethod
from typing import Any, Dict, Iterable, List, Optional, Tuple, cast

import numpy as np

from rockpool._warnings import RockpoolWarning
from rockpool.nn.modules._timebase import TimeBaseMixin, whole_steps
from rockpool.nn.modules.module import Module, Tree
from rockpool.parameters import ParameterBase
from rockpool.parameters import _Parameter as Parameter
from rockpool.parameters import _SimulationParameter as SimulationParameter
from rockpool.parameters import _State as State

__all__ = ["TimedModule", "TimedModuleWrapper", "astimedmodule"]

_MAX_DT_MULTIPLE = 100
"""A parent's dt is a common multiple of its children's dts of at most this many times the largest."""


def _common_multiple(dts: List[float], label: str) -> float:
    """The least common multiple of time steps, searched among ``k * max(dts)``, ``k <= 100``."""
    top = max(dts)
    for k in range(1, _MAX_DT_MULTIPLE + 1):
        cand = k * top
        ratios = [cand / d for d in dts]
        if all(abs(r - round(r)) <= 1e-6 * r for r in ratios):
            return cand
    raise ValueError(
        f"{label}: the time steps {sorted(set(dts))} s of this module and its timed submodules have no "
        f"common multiple up to {_MAX_DT_MULTIPLE} x {top:g} s; choose time steps that divide each other "
        f"(e.g. 1 ms and 2 ms)."
    )


def _timed_descendants(mod: Module) -> List["TimedModule"]:
    """Every TimedModule below ``mod`` (not ``mod`` itself), depth first."""
    out: List[TimedModule] = []
    for sub in mod.modules().values():
        if isinstance(sub, TimedModule):
            out.append(sub)
        out.extend(_timed_descendants(sub))
    return out


class TimedModule(TimeBaseMixin, Module):
    """Base class of modules that evolve over time series and keep a clock.

    Calling a timed module::

        output, new_state, record = tmod(ts_input=None, duration=None, num_timesteps=None,
                                         kwargs_timeseries=None, record=False)

    runs :meth:`evolve` with these arguments (``num_timesteps`` resolved by
    :meth:`_determine_timesteps`), then advances :attr:`t` by that many steps of :attr:`dt`. The
    new state is not written back (call ``set_attributes(new_state)``), except where native
    (NumPy) submodules update themselves while evolving.

    Subclasses implement :meth:`evolve`, using the protected helpers :meth:`_prepare_input`
    (time series -> clocked array), :meth:`_gen_timeseries` (clocked array -> time series),
    :meth:`_gen_time_trace` and :meth:`_determine_timesteps`. A step count passed to a timed
    submodule (``num_timesteps=``) is in the parent's ``dt``; the child converts it to its own.
    After construction the module's ``dt`` becomes the least common multiple of its own and its
    timed submodules' (1 ms and 1.5 ms -> 3 ms), and after each call every timed module of the
    tree reports the parent's new ``t``.

    ``set_attributes`` ignores keys that the module does not own (so the ``new_state`` of a call
    can always be passed back); keys that match are applied and checked as usual.

    Args:
        dt: Time step in seconds (required; registered as a SimulationParameter).
        spiking_input: The module takes events (``input_type`` is ``TSEvent``).
        spiking_output: The module emits events (``output_type`` is ``TSEvent``).
        add_events: Event input is binned as counts per step (else as presence, 0/1).
        *args: Passed to :class:`~rockpool.nn.modules.Module` (``shape``).
        **kwargs: Passed to :class:`~rockpool.nn.modules.Module` (``shape=``).

    Example:
        >>> from rockpool.nn.modules import TimedModule, Rate
        >>> class Chain(TimedModule):
        ...     def __init__(self):
        ...         super().__init__(dt=1e-3, shape=(2, 2))
        ...         self.a = Rate(2).timed()
        ...         self.b = Rate(2, dt=2e-3, tau=0.05).timed()
        ...     def evolve(self, ts_input=None, duration=None, num_timesteps=None,
        ...                kwargs_timeseries=None, record=False):
        ...         x, sa, ra = self.a(ts_input, duration, num_timesteps, record=record)
        ...         y, sb, rb = self.b(x, duration, num_timesteps, kwargs_timeseries, record)
        ...         return y, {"a": sa, "b": sb}, {"a": ra, "b": rb}
        >>> net = Chain()
        >>> net.dt  # the common multiple of 1 ms and 2 ms
        0.002
        >>> y, _, _ = net(duration=0.01)
        >>> len(y.times), round(net.t, 6), round(net.a.t, 6)
        (5, 0.01, 0.01)
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        # - Run `_after_init` once the outermost constructor has finished (children exist then)
        @functools.wraps(init)
        def __init__(self, *args, **kw):
            d = self.__dict__
            depth = d.get("_init_depth", 0)
            d["_init_depth"] = depth + 1
            try:
                init(self, *args, **kw)
            finally:
                d["_init_depth"] = depth
            if depth == 0:
                del d["_init_depth"]
                self._after_init()

        cls.__init__ = __init__  # type: ignore[method-assign]

    def __init__(
        self,
        dt: float,
        spiking_input: bool = False,
        spiking_output: bool = False,
        add_events: bool = True,
        *args,
        **kwargs,
    ):
        super().__init__(*args, spiking_input=spiking_input, spiking_output=spiking_output, **kwargs)  # type: ignore[misc]
        if dt is None or isinstance(dt, bool):
            raise TypeError(
                f"{type(self).__name__}: a timed module needs a time step `dt` in seconds, e.g. dt=1e-3."
            )
        try:
            dt = float(np.asarray(dt).reshape(()))
        except (TypeError, ValueError):
            raise ValueError(f"{type(self).__name__}: `dt` must be a positive number (got {dt!r}).") from None
        if not np.isfinite(dt):
            raise ValueError(f"{type(self).__name__}: `dt` must be a positive number (got {dt}).")
        self.__dict__["_timestep"] = 0
        self.__dict__["add_events"] = bool(add_events)
        self.dt = SimulationParameter(dt)

    def _after_init(self) -> None:
        """Make ``dt`` the least common multiple of this module's and its timed submodules' dts."""
        dts = [float(self.dt)] + [float(m.dt) for m in _timed_descendants(self)]
        if max(dts) - min(dts) <= 1e-12 * max(dts):
            return
        lcm = _common_multiple(dts, self._label)
        if abs(lcm - float(self.dt)) > 1e-12 * lcm:
            self.dt = lcm

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "dt" and not isinstance(value, ParameterBase) and self._has_registered_attribute("dt"):
            t = self.t
            super().__setattr__(name, value)
            self.t = t  # a new step keeps the current time (rounded down to whole new steps)
            return
        super().__setattr__(name, value)

    # ------------------------------------------------------------------ time
    def reset_time(self) -> "TimedModule":
        """Set the clock of this module and of every timed submodule to 0; returns ``self``."""
        self._timestep = 0
        for sub in _timed_descendants(self):
            sub._timestep = 0
        return self

    def reset_all(self) -> "TimedModule":
        """:meth:`reset_state` and :meth:`reset_time`; returns the module."""
        mod = cast("TimedModule", self.reset_state())
        mod.reset_time()
        return mod

    def _sync_tree_time(self) -> None:
        t = self.t
        for sub in _timed_descendants(self):
            sub.t = t

    def timed(self, output_num: int = 0, dt: Optional[float] = None, add_events: bool = False) -> "TimedModule":
        """A timed module is already timed: returns ``self``."""
        return self

    # ------------------------------------------------------------------ functional API
    def set_attributes(self, new_attributes: Tree) -> "TimedModule":
        """Assign the keys of ``new_attributes`` that this module (or a submodule) owns.

        Unknown keys are ignored, so the ``new_state`` returned by a call (whatever its nesting)
        can be passed back. Known keys are checked (shapes, values) as for any module.

        Example:
            >>> from rockpool.nn.modules import Rate
            >>> tmod = Rate(2).timed()
            >>> _ = tmod.set_attributes({"_module": {"tau": [0.05, 0.05]}, "not_mine": 1})
            >>> tmod.module.tau.tolist()
            [0.05, 0.05]
        """
        return cast("TimedModule", Module.set_attributes(self, self._owned_part(new_attributes)))

    # ------------------------------------------------------------------ evolution
    @abstractmethod
    def evolve(  # type: ignore[override]  # timed modules take time series: a different protocol
        self,
        ts_input: Any = None,
        duration: Optional[float] = None,
        num_timesteps: Optional[int] = None,
        kwargs_timeseries: Optional[Dict[str, Any]] = None,
        record: bool = False,
        *args,
        **kwargs,
    ) -> Tuple[Any, Tree, Tree]:
        """Evolve from :attr:`t` for ``num_timesteps`` steps; subclasses implement this.

        Returns:
            ``(output TimeSeries, new_state dict, record dict)``.
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
        d = self.__dict__
        caller_dt = d.get("_caller_dt")
        if num_timesteps is not None and caller_dt is not None:
            num_timesteps = self._determine_timesteps(None, None, num_timesteps)
            num_timesteps = whole_steps(num_timesteps * caller_dt / float(self.dt))
        n = self._determine_timesteps(ts_input, duration, num_timesteps)
        start = self._timestep
        children = [m for m in self.modules().values() if isinstance(m, TimedModule)]
        for c in children:
            c.__dict__["_caller_dt"] = float(self.dt)  # children read step counts in our dt
        try:
            result = self.evolve(ts_input, duration, n, dict(kwargs_timeseries or {}), record, *args, **kwargs)
        finally:
            for c in children:
                c.__dict__.pop("_caller_dt", None)
        self._timestep = start + n
        self._sync_tree_time()
        return result

    # ------------------------------------------------------------------ output
    def _gen_timeseries(self, output: Any, **kwargs: Any) -> Any:
        """Wrap a clocked output ``(T, N)`` (or ``(1, T, N)``) as :attr:`output_type`.

        Keyword arguments go to :meth:`_gen_tscontinuous` or :meth:`_gen_tsevent`.
        """
        if self.output_type.__name__ == "TSEvent":
            return self._gen_tsevent(output, **kwargs)
        return self._gen_tscontinuous(output, **kwargs)

    def _clocked_output(self, output: Any) -> np.ndarray:
        arr = np.asarray(output)
        if arr.ndim == 3:
            if arr.shape[0] != 1:
                raise ValueError(
                    f"{self._label}: cannot make one time series from a batch of {arr.shape[0]} outputs "
                    f"(shape {arr.shape}); evolve one batch element, or index output[b]."
                )
            arr = arr[0]
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(f"{self._label}: expected an output of shape (T, N), got {arr.shape}.")
        return arr

    def _default_name(self, what: str) -> str:
        return f"Output {what} {self.name}" if self.name else f"Output {what}"

    def _gen_tscontinuous(
        self,
        output: Any,
        dt: Optional[float] = None,
        t_start: Optional[float] = None,
        name: Optional[str] = None,
        periodic: bool = False,
        interp_kind: str = "previous",
    ) -> Any:
        """A ``TSContinuous`` with sample ``k`` of ``output`` at ``t_start + k dt``.

        Defaults: ``dt`` the module's, ``t_start`` the module's :attr:`t`, name
        ``"Output samples"`` (``"Output samples 'name'"`` for a submodule).
        """
        from rockpool.timeseries import TSContinuous

        arr = self._clocked_output(output).astype(np.float64)
        dt = float(self.dt) if dt is None else float(dt)
        t0 = self.t if t_start is None else float(t_start)
        name = self._default_name("samples") if name is None else name
        t1 = t0 + arr.shape[0] * dt
        if arr.shape[0] == 0:
            return TSContinuous(num_channels=arr.shape[1], t_start=t0, t_stop=t1, name=name, periodic=periodic)
        times = t0 + np.arange(arr.shape[0]) * dt
        return TSContinuous(
            times=times, samples=arr, t_start=t0, t_stop=t1, name=name, periodic=periodic, interp_kind=interp_kind
        )

    def _gen_tsevent(
        self,
        output: Any,
        dt: Optional[float] = None,
        t_start: Optional[float] = None,
        name: Optional[str] = None,
        periodic: bool = False,
        num_channels: Optional[int] = None,
        spikes_at_bin_start: bool = False,
    ) -> Any:
        """A ``TSEvent`` from spike counts: ``n`` events at ``t_start + (k + 0.5) dt`` for a count
        ``n`` in row ``k`` (at ``t_start + k dt`` with ``spikes_at_bin_start``).

        Defaults: ``dt`` the module's, ``t_start`` its :attr:`t`, ``num_channels`` ``size_out``,
        name ``"Output events"`` (``"Output events 'name'"`` for a submodule).
        """
        from rockpool.timeseries import TSEvent

        arr = self._clocked_output(output)
        counts = np.round(arr.astype(np.float64)).astype(np.int64)
        if counts.size and counts.min() < 0:
            raise ValueError(
                f"{self._label}: spiking output must be non-negative spike counts (got min "
                f"{counts.min()}); use spiking_output=False for signed output."
            )
        dt = float(self.dt) if dt is None else float(dt)
        t0 = self.t if t_start is None else float(t_start)
        name = self._default_name("events") if name is None else name
        if num_channels is None:
            num_channels = self.size_out if self.size_out is not None else arr.shape[1]
        steps, channels = np.nonzero(counts)  # row-major: by time, then channel
        reps = counts[steps, channels]
        offset = 0.0 if spikes_at_bin_start else 0.5
        times = np.repeat(t0 + (steps + offset) * dt, reps)
        return TSEvent(
            times=times,
            channels=np.repeat(channels, reps),
            t_start=t0,
            t_stop=t0 + counts.shape[0] * dt,
            num_channels=int(num_channels),
            name=name,
            periodic=periodic,
        )


def _shared_sub_dt(module: Module) -> Optional[float]:
    """The ``dt`` shared by every submodule that has one (``None`` if none or if they differ)."""
    dts = set()
    stack = list(module.modules().values())
    while stack:
        sub = stack.pop()
        stack.extend(sub.modules().values())
        dt = getattr(sub, "dt", None)
        if dt is not None:
            dts.add(float(np.asarray(dt)))
    return dts.pop() if len(dts) == 1 else None


class TimedModuleWrapper(TimedModule):
    """Run a clocked module on time series (what ``module.timed()`` returns).

    The wrapped module is the registered submodule ``_module`` (also :attr:`module`), so
    ``parameters() == {'_module': module.parameters()}`` and likewise for ``state()`` and
    ``simulation_parameters()`` (plus the wrapper's own ``dt``). Each call samples a
    ``TSContinuous`` (or bins a ``TSEvent``) on ``t + k dt``, evolves the module on that
    ``(T, size_in)`` array and wraps its output as a time series (:meth:`_gen_timeseries`).
    The returned ``new_state`` and ``record`` are the module's own (a flat state dict; a record of
    arrays with a batch axis). A NumPy module keeps its new state; a JAX module is immutable, so
    pass the state back: ``tmod = tmod.set_attributes(new_state)`` (flat keys of the wrapped
    module are applied to it).

    Args:
        module: The clocked module (a :class:`~rockpool.nn.modules.Module`, not a timed one).
        output_num: Which output to use when the module returns several.
        dt: Time step in seconds, used only when the module has no ``dt`` of its own (a module's
            own ``dt`` wins). A combinator whose submodules share one ``dt`` uses that.
        add_events: Bin events as counts per step (else as presence).

    Raises:
        TypeError: ``module`` is not a clocked module.
        KeyError: Neither the module nor the argument gives a ``dt``.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import LIF
        >>> from rockpool.timeseries import TSContinuous
        >>> tmod = LIF(2, threshold=0.1).timed()
        >>> out, state, _ = tmod(TSContinuous.from_clocked(np.full((10, 2), 0.2), dt=1e-3))
        >>> type(out).__name__, round(out.t_stop, 6), tmod.shape
        ('TSEvent', 0.01, (2, 2))
    """

    output_num: int

    def __init__(
        self,
        module: Module,
        output_num: int = 0,
        dt: Optional[float] = None,
        add_events: bool = True,
        *args,
        **kwargs,
    ):
        if not isinstance(module, Module) or isinstance(module, TimedModule):
            what = "a timed module" if isinstance(module, TimedModule) else type(module).__name__
            raise TypeError(
                f"TimedModuleWrapper: expected a clocked rockpool Module to wrap, got {what}. "
                f"(A TimedModule is already timed.)"
            )
        own_dt = getattr(module, "dt", None)
        if own_dt is None:
            own_dt = _shared_sub_dt(module)
        if own_dt is None and dt is None:
            raise KeyError(
                f"{module.full_name.strip()}.timed(): this module has no `dt` of its own; give the time "
                f"step, e.g. module.timed(dt=1e-3)."
            )
        if own_dt is not None and dt is not None and not np.isclose(float(dt), float(own_dt)):
            warnings.warn(
                f"{module.full_name.strip()}.timed(dt={float(dt):g}): the module steps with its own "
                f"dt = {float(own_dt):g} s, which the wrapper uses; the dt argument is ignored.",
                RockpoolWarning,
                stacklevel=3,
            )
        shape = module.shape if module.size_in is None else (module.size_in, module.size_out)
        super().__init__(
            float(own_dt if own_dt is not None else dt),  # type: ignore[arg-type]
            module.spiking_input,
            module.spiking_output,
            add_events,
            *args,
            shape=shape,
            **kwargs,
        )
        self._module = module
        self.__dict__["output_num"] = int(output_num)

    @property
    def module(self) -> Module:
        """The wrapped (clocked) module."""
        return self.__dict__["_module"]

    def __setattr__(self, name: str, value: Any) -> None:
        mod = self.__dict__.get("_module")
        if (
            mod is not None
            and not name.startswith("_")
            and not isinstance(value, (ParameterBase, Module))
            and not self._has_registered_attribute(name)
            and name not in self.modules()
            and mod._has_registered_attribute(name)
        ):
            raise AttributeError(
                f"{self._label}: '{name}' belongs to the wrapped module; assign tmod.module.{name} = ... "
                f"or use tmod.set_attributes({{'_module': {{'{name}': ...}}}})."
            )
        super().__setattr__(name, value)

    def _owned_part(self, tree: Any) -> Any:
        # - Keys of the wrapped module given flat (as in the new_state of a call) go to `_module`
        if not isinstance(tree, dict):
            return tree
        own = {k: v for k, v in tree.items() if k == "_module" or self._has_registered_attribute(k)}
        flat = {k: v for k, v in tree.items() if k not in own}
        out = Module._owned_part(self, own)
        inner = self.module._owned_part(flat)
        if inner:
            nested = out.get("_module")
            out["_module"] = {**inner, **nested} if isinstance(nested, dict) else inner
        return out

    def __repr__(self) -> str:
        text = self._repr_lines("")
        return text + f" with {self.module.full_name} as module" if self._name is None else text

    __str__ = __repr__

    def as_graph(self):
        """The computational graph of the wrapped module."""
        return self.module.as_graph()

    def evolve(  # type: ignore[override]  # the TimedModule protocol
        self,
        ts_input: Any = None,
        duration: Optional[float] = None,
        num_timesteps: Optional[int] = None,
        kwargs_timeseries: Optional[Dict[str, Any]] = None,
        record: bool = False,
        *args,
        **kwargs,
    ) -> Tuple[Any, Tree, Tree]:
        """``_prepare_input``, evolve the wrapped module, ``_gen_timeseries`` of its output.

        Returns:
            ``(TimeSeries, new_state, record)``: the module's own state and record, unchanged.
        """
        _, raster, n = self._prepare_input(ts_input, duration, num_timesteps)
        if n == 0:
            output: Any = np.zeros((0, self.size_out or 0))
            new_state: Tree = {}
            recorded: Tree = {}
        else:
            output, new_state, recorded = self.module(raster, record, *args, **kwargs)
        if isinstance(output, (tuple, list)):
            output = output[self.output_num]
        return self._gen_timeseries(output, **dict(kwargs_timeseries or {})), new_state, recorded


# ---------------------------------------------------------------------- v1 layers
def _as_names(names: Optional[Iterable[str]]) -> Tuple[str, ...]:
    if names is None:
        return ()
    return (names,) if isinstance(names, str) else tuple(names)


class LayerToTimedModule(TimedModule):
    """A Rockpool v1 :class:`~rockpool.nn.layers.Layer` as a timed module.

    The layer is held as ``_module``; ``dt``, ``t`` and the attributes named in ``parameters``,
    ``states`` and ``simulation_parameters`` are registered (as Parameters, States,
    SimulationParameters) and read from / assigned to the layer itself, also through
    ``set_attributes``. A call evolves the layer and returns ``(its output series, {}, {})``.

    Args:
        layer: The v1 layer.
        parameters: Names of layer attributes to register as Parameters.
        states: Names of layer attributes to register as States.
        simulation_parameters: Names to register as SimulationParameters (``dt`` always is).

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.layers import Layer
        >>> class Gain(Layer):
        ...     def evolve(self, ts_input=None, duration=None, num_timesteps=None, verbose=False):
        ...         times, x, n = self._prepare_input(ts_input, duration, num_timesteps)
        ...         self._timestep += n
        ...         return TSContinuous(times, x @ self.weights, t_stop=times[-1] + self.dt)
        >>> from rockpool.timeseries import TSContinuous
        >>> tmod = LayerToTimedModule(Gain(2 * np.eye(2), dt=0.1), parameters=["weights"])
        >>> tmod
        Gain 'unnamed' with shape (2, 2)
        >>> out, _, _ = tmod(num_timesteps=3)
        >>> round(tmod.t, 6), sorted(tmod.parameters())
        (0.3, ['weights'])
    """

    def __init__(
        self,
        layer: Any,
        parameters: Optional[Iterable[str]] = None,
        states: Optional[Iterable[str]] = None,
        simulation_parameters: Optional[Iterable[str]] = None,
    ):
        from rockpool.nn.layers import Layer

        if not isinstance(layer, Layer):
            raise TypeError(f"LayerToTimedModule: expected a v1 rockpool.nn.layers.Layer, got {type(layer).__name__}.")
        self.__dict__["_module"] = layer
        super().__init__(
            layer.dt,
            layer.input_type.__name__ == "TSEvent",
            layer.output_type.__name__ == "TSEvent",
            getattr(layer, "add_events", True),
            shape=(layer.size_in, layer.size_out),
        )
        kinds = ((Parameter, parameters), (State, states), (SimulationParameter, simulation_parameters))
        for kind, names in kinds:
            for n in _as_names(names):
                if n == "dt":
                    continue
                if not hasattr(layer, n):
                    raise ValueError(
                        f"LayerToTimedModule: the layer {type(layer).__name__} has no attribute '{n}' to "
                        f"register as a {kind.__name__.lstrip('_')}."
                    )
                Module.__setattr__(self, n, kind(getattr(layer, n)))

    # - The layer holds the values: reads and writes of registered names go to it
    def __getattribute__(self, name: str) -> Any:
        if name[0] != "_":
            d = object.__getattribute__(self, "__dict__")
            reg = d.get("_registry")
            if reg is not None and name in reg and "_module" in d:
                return getattr(d["_module"], name)
        return object.__getattribute__(self, name)

    def _assign(self, name: str, value: Any, checked: bool = True) -> None:
        layer = self.__dict__.get("_module")
        if layer is None:
            super()._assign(name, value, checked)
            return
        setattr(layer, name, value)
        self.__dict__[name] = getattr(layer, name)

    @property
    def _timestep(self) -> int:  # type: ignore[override]
        return self.__dict__["_module"]._timestep

    @_timestep.setter
    def _timestep(self, value: int) -> None:
        self.__dict__["_module"]._timestep = int(value)

    def _sync(self) -> None:
        layer = self.__dict__["_module"]
        for n in self._registry:
            self.__dict__[n] = getattr(layer, n)

    def parameters(self, family=None) -> Tree:
        """The registered Parameters, read from the layer."""
        self._sync()
        return super().parameters(family)

    def state(self, family=None) -> Tree:
        """The registered States, read from the layer."""
        self._sync()
        return super().state(family)

    def simulation_parameters(self, family=None) -> Tree:
        """The registered SimulationParameters (``dt`` included), read from the layer."""
        self._sync()
        return super().simulation_parameters(family)

    def attributes_named(self, name) -> Tree:
        """Registered attributes called ``name``, read from the layer."""
        self._sync()
        return super().attributes_named(name)

    def set_attributes(self, new_attributes: Tree) -> "LayerToTimedModule":
        """Assign the registered attributes in ``new_attributes`` to the layer (others are ignored)."""
        for k, v in self._owned_part(new_attributes).items():
            setattr(self, k, v)
        return self

    def reset_state(self) -> "LayerToTimedModule":
        """Reset the layer's state (``layer.reset_state()``)."""
        self.__dict__["_module"].reset_state()
        return self

    @property
    def class_name(self) -> str:
        """The layer's class name."""
        return type(self.__dict__["_module"]).__name__

    @property
    def name(self) -> str:
        """The layer's name, in quotes."""
        return f"'{self.__dict__['_module'].name}'"

    def evolve(  # type: ignore[override]  # the TimedModule protocol
        self,
        ts_input: Any = None,
        duration: Optional[float] = None,
        num_timesteps: Optional[int] = None,
        kwargs_timeseries: Optional[Dict[str, Any]] = None,
        record: bool = False,
        *args,
        **kwargs,
    ) -> Tuple[Any, Tree, Tree]:
        """Evolve the layer; returns ``(its output series, {}, {})``."""
        out = self.__dict__["_module"].evolve(ts_input, duration, num_timesteps, *args, **kwargs)
        return out, {}, {}


def astimedmodule(
    v1_cls: Optional[type] = None,
    parameters: Optional[Iterable[str]] = None,
    states: Optional[Iterable[str]] = None,
    simulation_parameters: Optional[Iterable[str]] = None,
) -> Any:
    """Class decorator: a v1 :class:`~rockpool.nn.layers.Layer` subclass becomes a timed module class.

    Instances of the new class are :class:`LayerToTimedModule` s around a new layer built with the
    same constructor arguments. Use with or without arguments.

    Raises:
        ValueError: The decorated object is not a v1 ``Layer`` subclass.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.layers import Layer
        >>> @astimedmodule(parameters=["weights"])
        ... class Gain(Layer):
        ...     def evolve(self, ts_input=None, duration=None, num_timesteps=None, verbose=False):
        ...         times, x, n = self._prepare_input(ts_input, duration, num_timesteps)
        ...         self._timestep += n
        ...         return TSContinuous(times, x @ self.weights, t_stop=times[-1] + self.dt)
        >>> from rockpool.timeseries import TSContinuous
        >>> mod = Gain(np.eye(3), dt=0.01)
        >>> mod.parameters()["weights"].shape, isinstance(mod, LayerToTimedModule)
        ((3, 3), True)
    """

    def decorate(cls: Any) -> type:
        from rockpool.nn.layers import Layer

        if not (isinstance(cls, type) and issubclass(cls, Layer)):
            raise ValueError(
                f"astimedmodule: expected a subclass of rockpool.nn.layers.Layer (a v1 layer), got "
                f"{cls!r}. Clocked modules are made timed with module.timed()."
            )

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            LayerToTimedModule.__init__(self, cls(*args, **kwargs), parameters, states, simulation_parameters)

        return type(
            cls.__name__,
            (LayerToTimedModule,),
            {"__init__": __init__, "__doc__": cls.__doc__, "__module__": cls.__module__, "v1_class": cls},
        )

    return decorate if v1_cls is None else decorate(v1_cls)
