"""JAX exponential synapses (:class:`ExpSynJax`), twin of :class:`~rockpool.nn.modules.ExpSyn`."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Union

import jax
import jax.numpy as jnp
import numpy as np

from rockpool.nn.modules.jax.jax_module import JaxModule, _float_dtype
from rockpool.parameters import Parameter, SimulationParameter, State

__all__ = ["ExpSynJax"]

Array = Any


def _syn_shape(cls: str, shape: Any, tau: Any) -> Tuple[int]:
    """``(N,)`` from an int, a 1-tuple, or a concrete per-channel ``tau``; else ``ValueError``."""
    if shape is None:
        t = getattr(tau, "value", tau)
        if t is not None and np.ndim(t) == 1:
            return (int(np.shape(t)[0]),)
        raise ValueError(
            f"{cls}: give `shape` (the number of synapses N), or a per-channel `tau` array."
        )
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    shape = tuple(int(s) for s in shape)
    if len(shape) == 1 or (len(shape) == 2 and shape[0] == shape[1]):
        return (shape[0],)
    raise ValueError(
        f"{cls}: shape must be an int N or (N,) (one synapse per channel); got {shape}."
    )


class ExpSynJax(JaxModule):
    r"""Exponential synapses (JAX backend): each channel is a leaky integrator of its input.

    Per time step of length ``dt`` (seconds), for each channel::

        I(t) = (I(t-1) + i(t)) * exp(-dt / tau)
        out(t) = I(t)

    i.e. ``I += i(t); I *= exp(-dt / tau)``: the exact discretisation of
    :math:`\tau \dot{I} = -I + \tau \sum_k \delta(t - t_k)`, so a single unit input (spike) at
    step 0 gives :math:`I(k) = e^{-(k+1)\,dt/\tau}`. Same equations as the NumPy twin
    :class:`~rockpool.nn.modules.ExpSyn`.

    Inputs have shape ``(T, N)`` or ``(B, T, N)`` and may be boolean or integer spike rasters;
    the output has shape ``(B, T, N)``, float32 (float64 with ``jax_enable_x64``).

    Attributes:
        tau: ``(N,)`` synaptic time constants in seconds (Parameter, family ``"taus"``, default
            0.01; a scalar is broadcast; pass ``Constant(tau)`` to make it non-trainable).
        isyn: ``(N,)`` synaptic currents (State).
        dt: time step in seconds (SimulationParameter, default 1e-3).

    Records (``record=True``): ``isyn``, ``(B, T, N)``. With ``record=False`` the record is ``{}``.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import ExpSynJax
        >>> syn = ExpSynJax(2, tau=0.01)
        >>> out, state, _ = syn(np.array([[1, 0], [0, 0]], dtype=bool))
        >>> out.shape
        (1, 2, 2)
    """

    _positive_attributes = ("tau",)
    _time_constants = ("tau",)
    _dt_ratio = 1.0  # exact exponential decay: only dt > tau is suspicious

    def __init__(
        self,
        shape: Optional[Union[int, Tuple[int, ...]]] = None,
        tau: Any = None,
        dt: float = 1e-3,
        spiking_input: bool = True,
        spiking_output: bool = False,
    ):
        r"""
        Args:
            shape: Number of synapses ``N`` (an int or ``(N,)``); inferred from a per-channel
                ``tau`` when ``None``.
            tau: Time constants in seconds: a scalar, a per-channel list/array, or a
                ``Constant``; default 0.01.
            dt: Time step in seconds.
            spiking_input: Whether the input is spiking (default ``True``).
            spiking_output: Whether the output is spiking.
        """
        shape = _syn_shape(type(self).__name__, shape, tau)
        super().__init__(shape=shape, spiking_input=spiking_input, spiking_output=spiking_output)
        n = shape[0]
        self.tau = Parameter(tau, "taus", init_func=lambda s: np.full(s, 0.01), shape=(n,))
        self.isyn = State(shape=(n,), init_func=np.zeros)
        self.dt = SimulationParameter(float(dt))

    def evolve(self, input_data: Array, record: bool = False) -> Tuple[Array, Dict, Dict]:
        """Evolve over ``(T, N)`` or ``(B, T, N)`` input; return ``(output, new_state, record)``.

        Args:
            input_data: Input (spikes or currents), ``(T, N)`` or ``(B, T, N)``.
            record: If ``True``, also return ``isyn`` with shape ``(B, T, N)``.
        """
        fd = _float_dtype()
        data, (i0,) = self._auto_batch(jnp.asarray(input_data, dtype=fd), (self.isyn,))
        decay = jnp.exp(-self.dt / self.tau)

        # - I(t) = decay * I(t-1) + decay * i(t): the input product is done on the whole block
        drive_tm = jnp.swapaxes(data * decay, 0, 1)

        def step(i, d):
            i = decay * i + d
            return i, i

        i_last, isyn = jax.lax.scan(step, i0.astype(fd), drive_tm)
        isyn = jnp.swapaxes(isyn, 0, 1)
        return isyn, {"isyn": i_last[0]}, ({"isyn": isyn} if record else {})
