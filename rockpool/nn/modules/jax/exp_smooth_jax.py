r"""(Deprecated) Exponential smoothing with an output function: :class:`ExpSmoothJax`.

Importing this module warns: ``The module ExpSmoothJax is deprecated. Use ExpSynJax instead.``
Per time step, per channel:

.. math:: a(t) = e^{-dt/\tau}\, a(t-1) + x(t), \qquad y(t) = f(a(t))

The input is added unscaled and is not decayed in its own step (a unit pulse gives 1, then
0.99005, ... with the defaults), whereas :class:`~rockpool.nn.modules.ExpSynJax` decays it in the
same step (first value :math:`e^{-dt/\tau}`): with the identity output function the two differ by
one factor :math:`e^{-dt/\tau}`. Ours: ``(B, T, N)`` input works (the reference accepted only
``(T, N)``).
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, Tuple, Union

import jax.numpy as jnp
import numpy as np

from rockpool.nn.modules.jax.exp_syn_jax import linear_recurrence
from rockpool.nn.modules.jax.jax_module import JaxModule, _float_dtype
from rockpool.nn.modules.module import shape_tuple
from rockpool.parameters import Parameter, SimulationParameter, State

__all__ = ["ExpSmoothJax"]

warnings.warn("The module ExpSmoothJax is deprecated. Use ExpSynJax instead.", UserWarning, stacklevel=2)


def _identity(x: Any) -> Any:
    return x


class ExpSmoothJax(JaxModule):
    """Exponential smoothing with an arbitrary output function (deprecated; use ``ExpSynJax``).

    Args:
        shape: ``N`` or a tuple whose last entry is ``N`` (the module's shape is ``(N,)``).
        tau: Time constant in seconds (Parameter, family ``"taus"``): a scalar (default 0.1) or
            one per channel.
        dt: Time step in seconds.
        activation_fun: Output function :math:`f` (default identity).

    Attributes:
        activation: ``(N,)`` state :math:`a`.

    Records: ``activation`` ``(B, T, N)``.

    Example (illustrative; importing the module warns)::

        smooth = ExpSmoothJax(2, tau=0.1)
        y, state, rec = smooth(np.ones((10, 2)), record=True)
    """

    _positive_attributes = ("tau",)
    _time_constants = ("tau",)

    def __init__(self, shape: Union[int, Tuple[int, ...]], tau: Any = 0.1, dt: float = 1e-3,
                 activation_fun: Callable[[Any], Any] = _identity):
        n = shape_tuple(type(self).__name__, shape)[-1]
        super().__init__(shape=(n,))
        self.dt = SimulationParameter(float(dt))
        tau_shape = np.shape(getattr(tau, "value", tau))
        self.tau = Parameter(tau, "taus", shape=[tau_shape, (n,)] if tau_shape != (n,) else (n,))
        self.activation = State(shape=(n,), init_func=np.zeros)
        self.activation_fun = SimulationParameter(activation_fun)

    def evolve(self, input_data: Any, record: bool = False) -> Tuple[Any, Dict, Dict]:
        """Evolve over ``(T, N)`` or ``(B, T, N)``; ``(activation_fun(a), new_state, record)``."""
        fd = _float_dtype()
        data, (a0,) = self._auto_batch(jnp.asarray(input_data, fd), (self.activation,))
        n = self.shape[-1]
        decay = jnp.broadcast_to(jnp.exp(-self.dt / self.tau), (n,))
        a = linear_recurrence(decay, data, a0.astype(fd), False)
        last = a[0, -1] if a.shape[1] else a0[0]
        return self.activation_fun(a), {"activation": last}, ({"activation": a} if record else {})
