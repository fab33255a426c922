"""The Rockpool v1 ``Layer`` base class: a weight matrix, a clock, and time series in and out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Optional

import numpy as np

from rockpool.nn.modules._timebase import TimeBaseMixin

__all__ = ["Layer"]


class Layer(TimeBaseMixin, ABC):
    """Base class of Rockpool v1 layers (adapt one with :func:`~rockpool.nn.modules.astimedmodule`).

    A layer holds a weight matrix ``(size_in, size)``, a time step ``dt`` and a clock ``t``.
    Subclasses implement :meth:`evolve`, which takes a time series (or a duration / number of
    steps), returns the output time series and advances the clock (``self._timestep += n``).
    The helpers :meth:`_prepare_input` (time series -> ``(time_base, input_raster, n)``),
    :meth:`_determine_timesteps` and :meth:`_gen_time_trace` work as on a timed module.

    Args:
        weights: Weight matrix ``(size_in, size)``; a 1-D array is one input row.
        dt: Time step in seconds (> 0).
        noise_std: Noise standard deviation (>= 0), for subclasses that simulate noise.
        name: Name of the layer.

    Example:
        >>> import numpy as np
        >>> from rockpool.timeseries import TSContinuous
        >>> class Gain(Layer):
        ...     def evolve(self, ts_input=None, duration=None, num_timesteps=None, verbose=False):
        ...         times, x, n = self._prepare_input(ts_input, duration, num_timesteps)
        ...         self._timestep += n
        ...         return TSContinuous(times, x @ self.weights, t_stop=times[-1] + self.dt)
        >>> layer = Gain(np.eye(2), dt=0.5)
        >>> layer.evolve(num_timesteps=2).t_stop, layer.t
        (1.0, 1.0)
    """

    add_events: bool = True
    """Event input is binned as counts per step."""

    spiking_input: bool = False
    spiking_output: bool = False
    _weights: np.ndarray

    def __init__(self, weights: Any, dt: float = 1.0, noise_std: float = 0.0, name: Optional[str] = "unnamed"):
        self.name = "unnamed" if name is None else name
        self.weights = weights
        dt = float(dt)
        if not np.isfinite(dt) or dt <= 0:
            raise ValueError(f"{self._label}: `dt` must be a positive number of seconds (got {dt}).")
        self.dt = dt
        noise_std = float(noise_std)
        if not np.isfinite(noise_std) or noise_std < 0:
            raise ValueError(f"{self._label}: `noise_std` must be >= 0 (got {noise_std}).")
        self.noise_std = noise_std
        self._timestep = 0

    @property
    def _label(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    @property
    def weights(self) -> np.ndarray:
        """The weight matrix ``(size_in, size)``."""
        return self._weights

    @weights.setter
    def weights(self, value: Any) -> None:
        w = np.array(value, dtype=np.float64)
        if w.ndim < 2:
            w = np.atleast_2d(w)
        if w.ndim != 2:
            raise ValueError(f"{self._label}: weights must be a matrix (size_in, size), got shape {w.shape}.")
        old = getattr(self, "_weights", None)
        if old is not None and w.shape != old.shape:
            raise ValueError(f"{self._label}: new weights have shape {w.shape}, expected {old.shape}.")
        self._weights = w

    @property
    def size_in(self) -> int:
        """Number of input channels."""
        return int(self._weights.shape[0])

    @property
    def size(self) -> int:
        """Number of units (output channels)."""
        return int(self._weights.shape[1])

    @property
    def size_out(self) -> int:
        """Number of output channels (= :attr:`size`)."""
        return self.size

    @property
    def shape(self) -> tuple:
        """``(size_in, size)``."""
        return (self.size_in, self.size)

    def reset_time(self) -> None:
        """Set the clock to 0."""
        self._timestep = 0

    def reset_state(self) -> None:  # noqa: B027 (a hook: stateless layers have nothing to reset)
        """Reset the layer's state (subclasses with state override this)."""

    def reset_all(self) -> None:
        """:meth:`reset_state` and :meth:`reset_time`."""
        self.reset_state()
        self.reset_time()

    @abstractmethod
    def evolve(
        self,
        ts_input: Any = None,
        duration: Optional[float] = None,
        num_timesteps: Optional[int] = None,
        verbose: bool = False,
    ) -> Any:
        """Evolve from :attr:`t`; return the output time series and advance the clock."""

    def __repr__(self) -> str:
        return f"{type(self).__name__} object: '{self.name}' [{self.size_in} {self.input_type.__name__} in -> {self.size} {self.output_type.__name__} out]"
