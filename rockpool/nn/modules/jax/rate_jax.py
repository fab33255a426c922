"""JAX rate neurons (:class:`RateJax`, alias :data:`RateEulerJax`), twin of :class:`~rockpool.nn.modules.Rate`."""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, Optional, Tuple, Union

import jax
import jax.numpy as jnp

from rockpool.nn.modules.jax.exp_syn_jax import linear_recurrence
from rockpool.nn.modules.jax.jax_module import JaxModule, _float_dtype, maybe_positive, new_rng_key
from rockpool.nn.modules.native.rate import _RateBase, activation_table
from rockpool.nn.modules.native.rate import get_activation as _resolve_activation
from rockpool.parameters import State

__all__ = ["RateJax", "RateEulerJax", "relu", "sigmoid", "tanh", "get_activation"]

Array = Any


# - Activations are module-level functions, so identically configured modules share one
#   compiled evolve (the function is part of the static pytree data).
def relu(x: Array, threshold: Array) -> Array:
    """Rectified linear activation ``(x - threshold) * (x - threshold > 0)``."""
    y = x - threshold
    return y * (y > 0)


def sigmoid(x: Array, threshold: Array) -> Array:
    """Sigmoid activation ``(tanh(x - threshold) + 1) / 2``."""
    return (jnp.tanh(x - threshold) + 1) / 2


def tanh(x: Array, threshold: Array) -> Array:
    """Hyperbolic tangent activation ``tanh(x - threshold)``."""
    return jnp.tanh(x - threshold)


_ACTIVATIONS = activation_table(relu, sigmoid, tanh)


def get_activation(activation_func: Union[str, Callable], owner: str = "RateJax") -> Callable:
    """Resolve an activation given as a callable ``f(x, threshold)`` or a case-insensitive name.

    Names resolve to the JAX activations of this file (``relu``, ``sigmoid``, ``tanh``); the
    accepted names are those of :func:`rockpool.nn.modules.native.rate.get_activation`.

    Raises:
        ValueError: for an unknown name (the message names ``owner`` and lists the accepted names).
    """
    return _resolve_activation(activation_func, owner, _ACTIVATIONS)


# - The recurrent Euler loop, with a hand-written backward pass. The forward loop reads and writes
#   the (B, T, N) block in place (no transposes) and also stores the recurrent input of each step,
#   which is both the `rec_input` record and the residual the backward pass needs for d/d alpha.
#   Plain autodiff of such an in-place loop is ~10x slower than autodiff of a time-major scan; the
#   hand-written adjoint below runs one reverse loop (one (B, N) x (N, N) product per step) and
#   computes the weight gradient as one product over all B * T rows afterwards.
#
#   Forward:  r_t = H(x_{t-1}) W,   x_t = d x_{t-1} + u_t + a r_t        (x_{-1} = x0)
#   Adjoint:  rho_t = rbar_t + a lam_t,
#             lam_t = xbar_t + d lam_{t+1} + dH/dx(x_t)^T (rho_{t+1} W^T)
#             ubar = lam, x0bar = d lam_0 + dH/dx(x0)^T (rho_0 W^T),
#             Wbar = sum_t H(x_{t-1})^T rho_t, abar = sum lam_t r_t, dbar = sum lam_t x_{t-1},
#             thbar = sum_t dH/dth(x_{t-1})^T (rho_t W^T).
def _rec_forward(decay, alpha, w_rec, th, drive, x0, act):
    def body(t, carry):
        x, xs, rs = carry
        r = act(x, th) @ w_rec
        x = decay * x + jax.lax.dynamic_index_in_dim(drive, t, 1, keepdims=False) + alpha * r
        xs = jax.lax.dynamic_update_index_in_dim(xs, x, t, 1)
        return x, xs, jax.lax.dynamic_update_index_in_dim(rs, r, t, 1)

    if drive.shape[1] == 0:
        return jnp.zeros_like(drive), jnp.zeros_like(drive)
    _, xs, rs = jax.lax.fori_loop(0, drive.shape[1], body, (x0, jnp.zeros_like(drive), jnp.zeros_like(drive)))
    return xs, rs


@functools.partial(jax.custom_vjp, nondiff_argnums=(6,))
def _rec_loop(decay, alpha, w_rec, th, drive, x0, act):
    return _rec_forward(decay, alpha, w_rec, th, drive, x0, act)


def _rec_loop_fwd(decay, alpha, w_rec, th, drive, x0, act):
    xs, rs = _rec_forward(decay, alpha, w_rec, th, drive, x0, act)
    return (xs, rs), (decay, alpha, w_rec, th, x0, xs, rs)


def _rec_loop_bwd(act, res, g):
    decay, alpha, w_rec, th, x0, xs, rs = res
    g_x, g_r = g
    steps = xs.shape[1]
    w_t = w_rec.T

    def act_vjp(x, ct):
        return jax.vjp(act, x, th)[1](ct)

    def body(i, carry):
        lam_next, rho_next, g_th, lams = carry
        t = steps - 1 - i
        x_t = jax.lax.dynamic_index_in_dim(xs, t, 1, keepdims=False)
        gx_h, gth_h = act_vjp(x_t, rho_next @ w_t)
        lam = jax.lax.dynamic_index_in_dim(g_x, t, 1, keepdims=False) + decay * lam_next + gx_h
        rho = jax.lax.dynamic_index_in_dim(g_r, t, 1, keepdims=False) + alpha * lam
        return lam, rho, g_th + gth_h, jax.lax.dynamic_update_index_in_dim(lams, lam, t, 1)

    zero = jnp.zeros_like(x0)
    if steps == 0:
        return (jnp.zeros_like(decay), jnp.zeros_like(alpha), jnp.zeros_like(w_rec), jnp.zeros_like(th),
                jnp.zeros_like(xs), zero)
    lam0, rho0, g_th, lam = jax.lax.fori_loop(
        0, steps, body, (zero, zero, jnp.zeros_like(th), jnp.zeros_like(xs))
    )
    gx0_h, gth_h = act_vjp(x0, rho0 @ w_t)
    g_x0 = decay * lam0 + gx0_h
    g_th = g_th + gth_h

    x_prev = jnp.concatenate([x0[:, None, :], xs[:, :-1]], axis=1)
    rho = g_r + alpha * lam
    g_w = jnp.einsum("btn,btm->nm", act(x_prev, th), rho)
    g_alpha = jnp.sum(lam * rs, axis=(0, 1))
    g_decay = jnp.sum(lam * x_prev, axis=(0, 1))
    return g_decay, g_alpha, g_w, g_th, lam, g_x0


_rec_loop.defvjp(_rec_loop_fwd, _rec_loop_bwd)


class RateJax(_RateBase, JaxModule):
    r"""Leaky rate neurons, simulated with forward Euler (JAX backend).

    Exactly the equations, noise convention, activations, attributes and records of the NumPy twin
    :class:`~rockpool.nn.modules.Rate` (see ``_RateBase``)::

        dx = -x + i(t) + H(x) @ W_rec + bias + n(t);   x += dx * dt / tau;   out = H(x)

    i.e. :math:`\tau \dot{x} = -x + i(t) + W_{rec}^T H(x) + b + \eta(t)`. Noise (``noise_std``,
    the standard deviation after one second: each step adds ``noise_std * sqrt(dt) * N(0, 1)`` to
    ``x``) is drawn from the ``rng_key`` state, which is split on every evolve (the advanced key
    is returned in ``new_state``; ``reset_state()`` restores the initial key). Nothing random is
    computed when ``noise_std == 0``. The output is float32 (float64 with ``jax_enable_x64``).

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import RateJax
        >>> mod = RateJax(3)
        >>> out, new_state, rec = mod(np.ones((10, 3)))
        >>> out.shape
        (1, 10, 3)
        >>> mod = mod.set_attributes(new_state)
    """

    _activations = _ACTIVATIONS

    def __init__(
        self,
        shape: Optional[Union[int, Tuple[int, ...]]] = None,
        tau: Any = None,
        bias: Any = None,
        threshold: Any = None,
        w_rec: Any = None,
        has_rec: bool = False,
        activation_func: Union[str, Callable] = "relu",
        noise_std: float = 0.0,
        dt: float = 1e-3,
        rng_key: Any = None,
        spiking_input: bool = False,
        spiking_output: bool = False,
    ):
        """
        Args:
            shape, tau, bias, threshold, w_rec, has_rec, activation_func, noise_std, dt,
                spiking_input, spiking_output: As for :class:`~rockpool.nn.modules.Rate`.
            rng_key: Initial PRNG key (uint32 ``(2,)``) or an int seed; default: a seed drawn
                from NumPy's global generator.
        """
        self._init_rate(
            shape, tau, bias, threshold, w_rec, has_rec, activation_func, noise_std, dt,
            spiking_input, spiking_output, rng_key,
        )

    def _init_rng(self, rng_key: Any) -> None:
        # - rng_key before x, so that state() lists it first (as the functional API page shows)
        self.rng_key = State(new_rng_key(type(self).__name__, rng_key))

    def evolve(
        self, input_data: Array, record: bool = False
    ) -> Tuple[Array, Dict[str, Array], Dict[str, Array]]:
        """Evolve over ``(T, N)`` or ``(B, T, N)`` input; return ``(output, new_state, record)``.

        Args:
            input_data: Input currents, ``(T, N)`` or ``(B, T, N)``.
            record: If ``True``, also return ``rec_input`` and ``x``, each ``(B, T, N)``.
        """
        fd = _float_dtype()
        data, (x0,) = self._auto_batch(jnp.asarray(input_data, dtype=fd), (self.x,))
        act, th = self.act_fn, self.threshold
        alpha = self.dt / self.tau

        # - Everything that does not depend on the state is computed on the whole block:
        #   x(t) = (1 - alpha) x(t-1) + drive(t) [+ alpha * rec(t)]
        # - (Block operations on the (B * T, N) view: their gradients reduce over one leading axis,
        #   which XLA's CPU backend does fast; with B = 1 a reduction over the middle axis of a
        #   (1, T, N) block took about as long as the whole time loop)
        B, T, N = data.shape
        drive = ((data.reshape(B * T, N) + self.bias) * alpha).reshape(B, T, N)
        key, subkey = jax.random.split(self.rng_key)
        if maybe_positive(self.noise_std):
            noise_scale = self.noise_std * jnp.sqrt(jnp.asarray(self.dt, fd))
            drive = drive + noise_scale * jax.random.normal(subkey, data.shape, fd)
        decay = 1.0 - alpha
        x0 = x0.astype(fd)

        if self.has_rec:
            # - Non-linear recurrence: an in-place loop with a hand-written backward pass (above)
            n = x0.shape[-1]
            xs, rs = _rec_loop(
                jnp.broadcast_to(decay, (n,)), jnp.broadcast_to(alpha, (n,)), self.w_rec, th, drive, x0, act
            )
        else:
            # - Linear leaky recurrence, solved in place on the (B, T, N) block (see exp_syn_jax)
            xs = linear_recurrence(jnp.broadcast_to(decay, x0.shape[-1:]), drive, x0)
        x_last = xs[:, -1] if xs.shape[1] else x0
        output = act(xs.reshape(B * T, -1), th).reshape(xs.shape)  # once, outside the loop

        rec: Dict[str, Array] = {}
        if record:
            rec_input = rs if self.has_rec else jnp.zeros_like(xs)
            rec = {"rec_input": rec_input, "x": xs}

        return output, {"x": x_last[0], "rng_key": key}, rec


RateEulerJax = RateJax
"""Alias of :class:`RateJax` (the forward-Euler rate module)."""
