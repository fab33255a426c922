r"""LIF neurons solved as ODEs by forward Euler (:class:`LIFODEJax`).

Same constructor, parameters, families, states, records and synapse layout as
:class:`~rockpool.nn.modules.LIFJax`; only the dynamics differ: inputs are *currents* integrated
with a factor ``dt / tau`` rather than charge jumps. Per time step of length :math:`dt`:

.. math::

    I_{syn} &\leftarrow I_{syn} + \frac{dt}{\tau_{syn}} \big(-I_{syn} + S_{in}(t) + S(t-1) W_{rec}\big) \\
    V &\leftarrow V + \frac{dt}{\tau_{mem}} \big(-V + \textstyle\sum_{syn} I_{syn} + b + \eta(t)\big) \\
    S(t) &= \min\big(\lfloor V / \vartheta \rfloor, S_{max}\big) \text{ where } V \geq \vartheta,
    \qquad V \leftarrow V - S(t)\,\vartheta

(``I_syn`` is updated before ``V`` in the same step; the noise :math:`\eta` has per-step std
``noise_std * sqrt(dt)`` and sits inside the bracket). One input spike gives :math:`I_{syn} =
dt / \tau_{syn}` (0.05 with the defaults) where ``LIFJax`` gives :math:`e^{-dt/\tau_{syn}}`.
Gradients use the same surrogate as ``LIFJax``.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

import jax
import jax.numpy as jnp
from jax import lax

from rockpool.nn.modules.jax.jax_module import _float_dtype, maybe_positive
from rockpool.nn.modules.jax.lif_jax import LIFJax
from rockpool.nn.modules.jax.surrogates import get_surrogate, spike

__all__ = ["LIFODEJax"]

Array = Any


class LIFODEJax(LIFJax):
    """Leaky integrate-and-fire neurons, forward-Euler ODE solution (JAX backend).

    See the module docstring for the equations; arguments, attributes and records as
    :class:`~rockpool.nn.modules.LIFJax`.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import LIFODEJax
        >>> lif = LIFODEJax(1)
        >>> x = np.zeros((3, 1)); x[0] = 1
        >>> _, _, rec = lif(x, record=True)
        >>> round(float(rec["isyn"][0, 0, 0, 0]), 4)
        0.05
    """

    def evolve(self, input_data: Array, record: bool = False) -> Tuple[Array, Dict, Dict]:
        """Evolve over ``(T, Nin)`` or ``(B, T, Nin)`` input; ``(spikes (B, T, Nout), new_state, record)``."""
        fd = _float_dtype()
        n_out, n_syn = self.shape[-1], self.n_syn
        data, (s0, i0, v0) = self._auto_batch(jnp.asarray(input_data, dtype=fd), (self.spikes, self.isyn, self.vmem))
        B, T = data.shape[:2]
        x = data.reshape(B, T, n_out, n_syn)
        k_syn = self.dt / self.tau_syn  # (Nout, n_syn)
        k_mem = self.dt / self.tau_mem
        key, sub = jax.random.split(self.rng_key)
        if maybe_positive(self.noise_std):
            noise = jax.random.normal(sub, (B, T, n_out), fd) * (self.noise_std * jnp.sqrt(jnp.asarray(self.dt, fd)))
        else:
            noise = jnp.zeros((B, T, n_out), fd)
        w_rec = self.w_rec if self.has_rec else None
        sur = get_surrogate(self.surrogate)
        th = self.threshold

        def body(carry, xs):
            i, v, s = carry
            x_t, n_t = xs
            drive = x_t
            if w_rec is not None:
                rec = (s @ w_rec).reshape(i.shape)
                drive = drive + rec
            else:
                rec = jnp.zeros_like(i)
            i = i + k_syn * (-i + drive)
            v = v + k_mem * (-v + jnp.sum(i, axis=-1) + self.bias + n_t)
            s = spike(v, th, sur, self.surrogate_width, self.max_spikes_per_dt)
            v = v - s * th
            return (i, v, s), ((s, i, v, rec) if record else s)

        xs = (jnp.swapaxes(x, 0, 1), jnp.swapaxes(noise, 0, 1))
        init = (i0.astype(fd), v0.astype(fd), s0.astype(fd))
        (i, v, s), ys = lax.scan(body, init, xs)
        new_state = {"spikes": s[0], "isyn": i[0], "vmem": v[0], "rng_key": key}
        if not record:
            return jnp.swapaxes(ys, 0, 1), new_state, {}
        sp, isyn, vmem, irec = (jnp.swapaxes(y, 0, 1) for y in ys)
        return sp, new_state, {"irec": irec, "isyn": isyn, "vmem": vmem, "spikes": sp}
