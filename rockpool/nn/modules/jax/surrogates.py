"""Spike functions with surrogate gradients, for training spiking neurons with JAX.

A spiking neuron emits ``floor(x / threshold)`` events per time step once its membrane potential
``x`` reaches ``threshold`` (capped at ``max_spikes_per_dt``), and none below. That step function has
a zero derivative almost everywhere, so training replaces its derivative by a *surrogate*: the
forward value stays the exact spike count, the backward pass uses a smooth bump around threshold.

Surrogates available by name (``u = x - threshold``, ``w`` the width, all in units of ``x``):

=================  =========================================  ==========================================
name               smooth step :math:`\\sigma(u)`             derivative :math:`\\sigma'(u)`
=================  =========================================  ==========================================
``"pwl"``          (default) see :func:`step_pwl`             ``1/threshold`` where ``x >= threshold - w``
``"fast_sigmoid"`` ``1/2 + (u/w) / (2 (1 + |u|/w))``          ``1 / (2 w (1 + |u|/w)^2)``  (SuperSpike)
``"sigmoid"``      ``1 / (1 + exp(-u/w))``                    ``sigma(u/w) (1 - sigma(u/w)) / w``
``"arctan"``       ``1/2 + arctan(pi u / (2 w)) / pi``        ``1 / (2 w (1 + (pi u / (2 w))^2))``
``"triangle"``     piecewise quadratic                        ``max(0, 1 - |u|/w) / w``
``"boxcar"``       ``clip((u + w) / (2 w), 0, 1)``            ``1/(2 w)`` where ``|u| < w``
=================  =========================================  ==========================================

Every smooth step rises from 0 to 1, so each derivative integrates to one spike. For the ``(x -
threshold)`` family the derivative with respect to the threshold is ``-sigma'(u)``. For ``"pwl"`` the
count is treated as ``x / threshold`` inside the window, so ``d/dx = 1/threshold`` and
``d/dthreshold = -x / threshold**2``.

Example:
    >>> import jax, jax.numpy as jnp
    >>> from rockpool.nn.modules.jax.surrogates import spike, get_surrogate
    >>> float(spike(jnp.asarray(2.5), 1.0, get_surrogate("fast_sigmoid"), 0.5, 2**16))
    2.0
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Tuple, Union

import jax
import jax.numpy as jnp

__all__ = [
    "Surrogate",
    "SURROGATES",
    "get_surrogate",
    "spike",
    "step_pwl",
    "spike_count",
    "surrogate_derivatives",
]

Array = Any


@dataclass(frozen=True)
class Surrogate:
    """A named surrogate: a smooth step ``smooth(u, w)`` and its derivative ``grad(u, w)``.

    ``u = x - threshold``; ``w`` is the width (``surrogate_width`` on a module). Both functions take
    and return JAX arrays. A frozen dataclass, so it is hashable and can be static jit data. Build
    your own with ``Surrogate("mine", smooth_fn, grad_fn)`` and pass it as ``surrogate=`` to a module.
    """

    name: str
    smooth: Callable[[Array, Array], Array]
    grad: Callable[[Array, Array], Array]


def _fs_smooth(u, w):
    z = u / w
    return 0.5 + 0.5 * z / (1.0 + jnp.abs(z))


def _fs_grad(u, w):
    return 0.5 / (w * (1.0 + jnp.abs(u) / w) ** 2)


def _sig_smooth(u, w):
    return jax.nn.sigmoid(u / w)


def _sig_grad(u, w):
    s = jax.nn.sigmoid(u / w)
    return s * (1.0 - s) / w


def _atan_smooth(u, w):
    return 0.5 + jnp.arctan(jnp.pi * u / (2.0 * w)) / jnp.pi


def _atan_grad(u, w):
    return 0.5 / (w * (1.0 + (jnp.pi * u / (2.0 * w)) ** 2))


def _tri_smooth(u, w):
    z = jnp.clip(u / w, -1.0, 1.0)
    return jnp.where(z < 0, 0.5 * (1.0 + z) ** 2, 1.0 - 0.5 * (1.0 - z) ** 2)


def _tri_grad(u, w):
    return jnp.maximum(0.0, 1.0 - jnp.abs(u) / w) / w


def _box_smooth(u, w):
    return jnp.clip((u + w) / (2.0 * w), 0.0, 1.0)


def _box_grad(u, w):
    return jnp.where(jnp.abs(u) < w, 0.5 / w, 0.0)


def _pwl_smooth(u, w):
    # - In units of the threshold-relative count: rises linearly from threshold - w (documentation
    #   and plotting only; the pwl derivative is handled specially because it scales with 1/threshold)
    return jnp.maximum(u + w, 0.0)


def _pwl_grad(u, w):
    return jnp.where(u >= -w, 1.0, 0.0)


PWL = Surrogate("pwl", _pwl_smooth, _pwl_grad)

SURROGATES = {
    "pwl": PWL,
    "fast_sigmoid": Surrogate("fast_sigmoid", _fs_smooth, _fs_grad),
    "sigmoid": Surrogate("sigmoid", _sig_smooth, _sig_grad),
    "arctan": Surrogate("arctan", _atan_smooth, _atan_grad),
    "triangle": Surrogate("triangle", _tri_smooth, _tri_grad),
    "boxcar": Surrogate("boxcar", _box_smooth, _box_grad),
}
_ALIASES = {"superspike": "fast_sigmoid", "step_pwl": "pwl", "atan": "arctan", "rectangle": "boxcar"}


def get_surrogate(surrogate: Union[str, Surrogate]) -> Surrogate:
    """Look up a surrogate by (case-insensitive) name, or return a :class:`Surrogate` unchanged.

    Raises:
        ValueError: for an unknown name, listing the accepted names.
    """
    if isinstance(surrogate, Surrogate):
        return surrogate
    if isinstance(surrogate, str):
        key = surrogate.lower()
        key = _ALIASES.get(key, key)
        if key in SURROGATES:
            return SURROGATES[key]
    raise ValueError(
        f"Unknown surrogate {surrogate!r}; use one of {sorted(SURROGATES)} or a Surrogate(name, smooth, grad)."
    )


def spike_count(x: Array, threshold: Array, max_spikes_per_dt: Any = 2**16) -> Array:
    """The exact forward spike count: ``min(floor(x / threshold), max_spikes_per_dt)`` where
    ``x >= threshold``, else 0."""
    n = jnp.minimum(jnp.floor(x / threshold), max_spikes_per_dt)
    return jnp.where(x >= threshold, n, jnp.zeros_like(n))


def surrogate_derivatives(
    sur: Surrogate, x: Array, threshold: Array, width: Any
) -> Tuple[Array, Array]:
    """``(d count / dx, d count / dthreshold)`` of the surrogate at ``x``."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    if sur is PWL:
        inside = (x >= threshold - width).astype(x.dtype)
        return inside / threshold, -inside * x / (threshold * threshold)
    g = jnp.asarray(sur.grad(x - threshold, width), dtype=x.dtype)
    return g, -g


@partial(jax.custom_jvp, nondiff_argnums=(2,))
def spike(x: Array, threshold: Array, sur: Surrogate, width: Any = 0.5, max_spikes_per_dt: Any = 2**16) -> Array:
    """Spike count with the surrogate gradient ``sur`` (a :class:`Surrogate`, static).

    Args:
        x: Membrane potentials.
        threshold: Firing threshold(s), broadcast against ``x``.
        sur: The surrogate (see :func:`get_surrogate`).
        width: Surrogate width (the window for ``"pwl"``).
        max_spikes_per_dt: Cap on the count per step.
    """
    return spike_count(x, threshold, max_spikes_per_dt)


@spike.defjvp
def _spike_jvp(sur, primals, tangents):
    x, threshold, width, max_spikes = primals
    x_dot, th_dot = tangents[0], tangents[1]
    out = spike_count(x, threshold, max_spikes)
    dx, dth = surrogate_derivatives(sur, x, threshold, width)
    tangent = dx * x_dot + dth * th_dot
    return out, jnp.broadcast_to(tangent, out.shape).astype(out.dtype)


def step_pwl(x: Array, threshold: Array, window: Any = 0.5, max_spikes_per_dt: Any = 2**16) -> Array:
    """Multi-spike step with a piecewise-linear surrogate gradient (the LIF default).

    Forward: ``floor(x / threshold)`` where ``x >= threshold`` (at most ``max_spikes_per_dt``), else 0.
    Derivative w.r.t. ``x``: ``1 / threshold`` where ``x >= threshold - window``, zero below;
    w.r.t. ``threshold``: ``-x / threshold**2`` in the same region.

    Example:
        >>> import jax
        >>> float(step_pwl(2.7, 1.0)), float(jax.grad(step_pwl)(0.7, 1.0))
        (2.0, 1.0)
    """
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    return spike(x, jnp.asarray(threshold, x.dtype), PWL, window, max_spikes_per_dt)
