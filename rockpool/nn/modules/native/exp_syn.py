"""NumPy exponential synapses (:class:`ExpSyn`), twin of :class:`~rockpool.nn.modules.ExpSynJax`.

Also holds the backend-independent specification (:class:`_ExpSynBase`: equations, arguments,
registered attributes) shared with the JAX twin, and the shape helper of per-channel modules.
Importing this file never imports JAX.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Union

import numpy as np

from rockpool.nn.modules.module import Module, shape_tuple
from rockpool.parameters import Parameter, SimulationParameter, State

__all__ = ["ExpSyn"]


def channel_shape(cls: str, shape: Any, why: str) -> Tuple[int]:
    """``(N,)`` from an int ``N``, ``(N,)`` or a square ``(N, N)`` (modules with one unit per channel).

    Args:
        cls: Class name, for the error message.
        shape: The ``shape`` argument (not ``None``).
        why: Why the module needs as many inputs as outputs, for the error message.
    """
    shape = shape_tuple(cls, shape)
    if len(shape) == 1 or (len(shape) == 2 and shape[0] == shape[1]):
        return (shape[0],)
    raise ValueError(f"{cls}: shape must be an int N or (N,) ({why}); got {shape}.")


def _syn_shape(cls: str, shape: Any, tau: Any) -> Tuple[int]:
    """``(N,)`` from an int, a 1-tuple, or a concrete per-channel ``tau``; else ``ValueError``."""
    if shape is None:
        t = getattr(tau, "value", tau)
        if t is not None and np.ndim(t) == 1:
            return (int(np.shape(t)[0]),)
        raise ValueError(
            f"{cls}: give `shape` (the number of synapses N), or a per-channel `tau` array."
        )
    return channel_shape(cls, shape, "one synapse per channel")


class _ExpSynBase(Module):
    r"""Exponential synapses: each channel is a leaky integrator of its input (spec of both backends).

    Per time step of length ``dt`` (seconds), for each channel::

        I(t) = (I(t-1) + i(t)) * exp(-dt / tau) + noise_std * sqrt(dt) * n(t)
        out(t) = I(t)

    i.e. ``I += i(t); I *= exp(-dt / tau)``: the exact discretisation of
    :math:`\tau \dot{I} = -I + \tau \sum_k \delta(t - t_k)`, so a single unit input (spike) at
    step 0 gives :math:`I(k) = e^{-(k+1)\,dt/\tau}`. With ``noise_std > 0`` each step adds
    Gaussian noise :math:`n(t) \sim N(0, 1)` scaled by ``noise_std * sqrt(dt)`` (``noise_std`` is
    the standard deviation after one second of undecayed accumulation); nothing random is
    computed when ``noise_std == 0``.

    Inputs have shape ``(T, N)`` or ``(B, T, N)`` and may be boolean or integer spike rasters (a
    scalar, a 1-D input (time) or a width-1 input is broadcast to every channel); the output has
    shape ``(B, T, N)``.

    Attributes:
        tau: ``(N,)`` synaptic time constants in seconds (Parameter, family ``"taus"``, default
            0.01; a scalar is broadcast; pass ``Constant(tau)`` to make it non-trainable).
        isyn: ``(N,)`` synaptic currents (State).
        rng_key: PRNG key, uint32 ``(2,)`` (State; JAX backend only). The noise of the NumPy
            backend is drawn from NumPy's global generator.
        dt: time step in seconds (SimulationParameter, default 1e-3).
        noise_std: noise level (SimulationParameter, default 0.0).
        max_window_length: NumPy backend only (SimulationParameter, default ``1e6``); kept for
            compatibility with code that sets it. The NumPy loop runs step by step, so inputs of
            any length are evolved the same way.

    Records (``record=True``): ``isyn``, ``(B, T, N)``. With ``record=False`` the record is ``{}``.
    """

    _positive_attributes = ("tau",)
    _time_constants = ("tau",)
    _dt_ratio = 1.0  # exact exponential decay: only dt > tau is suspicious
    _input_rule = "neurons"

    def _init_syn(
        self,
        shape: Optional[Union[int, Tuple[int, ...]]],
        tau: Any,
        noise_std: float,
        dt: float,
        spiking_input: bool,
        spiking_output: bool,
    ) -> None:
        """Initialise the module (the arguments are documented on the public ``__init__``)."""
        shape = _syn_shape(type(self).__name__, shape, tau)
        super().__init__(shape=shape, spiking_input=spiking_input, spiking_output=spiking_output)
        n = shape[0]
        self.tau = Parameter(tau, "taus", init_func=lambda s: np.full(s, 0.01), shape=(n,))
        self.isyn = State(shape=(n,), init_func=np.zeros)
        self.dt = SimulationParameter(float(dt))
        self.noise_std = SimulationParameter(float(noise_std))


class ExpSyn(_ExpSynBase):
    r"""Exponential synapses (NumPy backend, float64): ``I += i(t); I *= exp(-dt / tau)``.

    Equations, arguments and attributes as in ``_ExpSynBase`` (shared with the JAX twin
    :class:`~rockpool.nn.modules.ExpSynJax`). The module keeps its state between calls. Noise
    (``noise_std > 0``) is drawn from NumPy's global generator.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import ExpSyn
        >>> syn = ExpSyn(1, tau=0.01)
        >>> out, _, _ = syn(np.array([[1], [0]], dtype=bool))
        >>> np.allclose(out[0, :, 0], np.exp(-np.array([1, 2]) * 0.1))
        True
    """

    def __init__(
        self,
        shape: Optional[Union[int, Tuple[int, ...]]] = None,
        tau: Any = None,
        noise_std: float = 0.0,
        dt: float = 1e-3,
        max_window_length: float = 1e6,
        spiking_input: bool = True,
        spiking_output: bool = False,
    ):
        r"""
        Args:
            shape: Number of synapses ``N`` (an int or ``(N,)``); inferred from a per-channel
                ``tau`` when ``None``.
            tau: Time constants in seconds: a scalar, a per-channel list/array, or a
                ``Constant``; default 0.01.
            noise_std: Noise level (see ``_ExpSynBase``); 0 disables noise.
            dt: Time step in seconds.
            max_window_length: Accepted for compatibility (see the attribute); no effect.
            spiking_input: Whether the input is spiking (default ``True``).
            spiking_output: Whether the output is spiking.
        """
        self._init_syn(shape, tau, noise_std, dt, spiking_input, spiking_output)
        self.max_window_length = SimulationParameter(max_window_length)

    def evolve(self, input_data: np.ndarray, record: bool = False) -> Tuple[np.ndarray, Dict, Dict]:
        """Evolve over ``(T, N)`` or ``(B, T, N)`` input; return ``(output, new_state, record)``."""
        data, (i,) = self._auto_batch(np.asarray(input_data, dtype=np.float64), (self.isyn,))
        i = np.array(i, dtype=np.float64)
        decay = np.exp(-self.dt / np.asarray(self.tau, dtype=np.float64))
        noise = None
        if np.any(np.asarray(self.noise_std) > 0):
            noise = self.noise_std * np.sqrt(self.dt) * np.random.standard_normal(data.shape)
        out = np.empty(data.shape)
        for t in range(data.shape[1]):
            i = (i + data[:, t]) * decay
            if noise is not None:
                i = i + noise[:, t]
            out[:, t] = i
        return out, {"isyn": i[0]}, ({"isyn": out} if record else {})
