"""JAX leaky integrate-and-fire neurons (:class:`LIFJax`), twin of :class:`~rockpool.nn.modules.LIF`.

Performance notes (see ``spec/performance.md`` in the project's shared notes): the time loop carries only what
changes from step to step. Input weighting happens outside (in a preceding ``LinearJax``); noise is
drawn once for the whole ``(B, T, N)`` block, and only when ``noise_std > 0``; the recurrent product
is only issued when ``has_rec``; records are only stored when asked. The loop indexes the
``(B, T, ...)`` arrays in place (no transposes). Under differentiation a hand-written backward pass
(:func:`jax.custom_vjp`) runs one reverse loop that keeps only the pre-reset membrane potential and
the synaptic current as residuals, and computes every parameter gradient that does not have to be
inside the loop (``tau_syn``, ``tau_mem``, ``bias``, ``w_rec``) as block reductions / one batched
matmul after it. With ``record=True`` the plain autodiff of a ``lax.scan`` is used instead; both
paths give the same gradients (tested).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Dict, Optional, Tuple, Union

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rockpool.nn.modules.jax.jax_module import JaxModule, _float_dtype, maybe_positive, new_rng_key
from rockpool.nn.modules.jax.surrogates import (
    Surrogate,
    get_surrogate,
    spike,
    spike_count,
    step_pwl,
    surrogate_derivatives,
)
from rockpool.nn.modules.native.lif import INTEGRATIONS, _LIFBase, check_mode, decays, lif_shape
from rockpool.parameters import SimulationParameter, State

__all__ = ["LIFJax", "step_pwl", "lif_shape"]

Array = Any


# ---------------------------------------------------------------------------------------------- kernels
def _step_core(i, v, s, x_t, n_t, a, b, bias, th, w_rec, spk):
    """One LIF step on batched arrays: i (B,N,S), v (B,N), s (B,N), x_t (B,N,S), n_t (B,N) or None."""
    if w_rec is not None:
        r = (s @ w_rec).reshape(i.shape)
        i = (i + x_t + r) * a
    else:
        r = None
        i = (i + x_t) * a
    vp = v * b + (jnp.sum(i, axis=-1) if i.ndim == 3 else i) + bias
    if n_t is not None:
        vp = vp + n_t
    s_new = spk(vp)
    v = vp - s_new * th
    return i, v, s_new, vp, r


def _step_general(i, v, s, x_t, n_t, a, b, bias, th, w_rec, spk, euler, v_reset):
    """One step with the non-default options: ``euler`` (input added after the decay) and / or a
    reset to ``v_reset`` (``None``: subtractive). Only traced when one of them is asked for."""
    r = (s @ w_rec).reshape(i.shape) if w_rec is not None else None
    inp = x_t if r is None else x_t + r
    i = i * a + inp if euler else (i + inp) * a
    vp = v * b + (jnp.sum(i, axis=-1) if i.ndim == 3 else i) + bias
    if n_t is not None:
        vp = vp + n_t
    s_new = spk(vp)
    if v_reset is None:
        v = vp - s_new * th
    else:
        # - h: 1 where the neuron spiked (any count). The value is v_reset where h = 1; the
        #   spike's surrogate gradient enters as in the subtractive reset (-threshold per spike),
        #   which keeps the backward pass as stable as the default's (a factor (v_reset - vp)
        #   there grows without bound for strongly driven neurons).
        h = s_new / lax.stop_gradient(jnp.maximum(s_new, 1.0))
        hs = lax.stop_gradient(h)
        v = vp + hs * (v_reset - vp) - (h - hs) * th
    return i, v, s_new, vp, r


def lif_scan(
    x, noise, i0, v0, s0, a, b, bias, th, w_rec, sur, width, max_spikes, record, euler=False, v_reset=None
):
    """Reference evolution with ``lax.scan`` (time-major); differentiated by plain autodiff.

    Shapes: ``x`` (B, T, N, S); ``noise`` (B, T, N) or ``None``; ``i0`` (B, N, S); ``v0``, ``s0``
    (B, N). ``euler`` / ``v_reset`` select the non-default update order and reset (see
    ``_step_general``). Returns ``spikes (B, T, N), (i, v, s) final, record dict (or {})``.
    """
    spk = lambda vp: spike(vp, th, sur, width, max_spikes)
    xs = (jnp.swapaxes(x, 0, 1), None if noise is None else jnp.swapaxes(noise, 0, 1))
    general = euler or v_reset is not None

    def body(carry, xt):
        i, v, s = carry
        x_t, n_t = xt
        if general:
            i, v, s, vp, r = _step_general(
                i, v, s, x_t, n_t, a, b, bias, th, w_rec, spk, euler, v_reset
            )
        else:
            i, v, s, vp, r = _step_core(i, v, s, x_t, n_t, a, b, bias, th, w_rec, spk)
        out = (s, i, v, r) if record else s
        return (i, v, s), out

    (i, v, s), ys = lax.scan(body, (i0, v0, s0), xs)
    if not record:
        return jnp.swapaxes(ys, 0, 1), (i, v, s), {}
    sp, isyn, vmem, irec = (None if y is None else jnp.swapaxes(y, 0, 1) for y in ys)
    if irec is None:
        irec = jnp.zeros_like(isyn)
    return sp, (i, v, s), {"irec": irec, "isyn": isyn, "vmem": vmem, "spikes": sp}


def _idx(arr, t):
    return lax.dynamic_index_in_dim(arr, t, axis=1, keepdims=False)


def _put(buf, val, t):
    return lax.dynamic_update_index_in_dim(buf, val, t, axis=1)


@lru_cache(maxsize=None)
def _make_lif_vjp(sur: Surrogate, width: float, max_spikes: Any, has_rec: bool, has_noise: bool):
    """Build the custom-VJP LIF evolution for one static configuration.

    Signature of the returned function:
    ``f(a, b, bias, th, w_rec, x, noise, i0, v0, s0) -> (spikes, i_T, v_T, s_T)`` with batch-major
    arrays (``w_rec`` / ``noise`` are ``None`` when absent).
    """

    def forward(a, b, bias, th, w_rec, x, noise, i0, v0, s0, keep):
        B, T = x.shape[:2]
        spk = lambda vp: spike_count(vp, th, max_spikes)
        dtype = v0.dtype
        bufs = [jnp.zeros((B, T) + v0.shape[1:], dtype)]
        if keep:
            bufs += [jnp.zeros((B, T) + v0.shape[1:], dtype), jnp.zeros(x.shape, dtype)]

        def body(t, carry):
            i, v, s, bufs = carry
            n_t = _idx(noise, t) if has_noise else None
            i, v, s, vp, _ = _step_core(i, v, s, _idx(x, t), n_t, a, b, bias, th, w_rec, spk)
            new = [_put(bufs[0], s, t)]
            if keep:
                new += [_put(bufs[1], vp, t), _put(bufs[2], i, t)]
            return i, v, s, new

        i, v, s, bufs = lax.fori_loop(0, T, body, (i0, v0, s0, bufs))
        return (bufs[0], i, v, s), bufs[1:]

    @jax.custom_vjp
    def lif(a, b, bias, th, w_rec, x, noise, i0, v0, s0):
        return forward(a, b, bias, th, w_rec, x, noise, i0, v0, s0, False)[0]

    def lif_fwd(a, b, bias, th, w_rec, x, noise, i0, v0, s0):
        out, (vp_all, i_all) = forward(a, b, bias, th, w_rec, x, noise, i0, v0, s0, True)
        return out, (a, b, th, w_rec, v0, s0, out[0], vp_all, i_all)

    def lif_bwd(res, cts):
        a, b, th, w_rec, v0, s0, sp_all, vp_all, i_all = res
        g_sp, g_iT, g_vT, g_sT = cts
        B, T, N = sp_all.shape
        multi = i_all.ndim == 4  # several synapses per neuron: (B, T, N, S)
        dtype = vp_all.dtype

        # - Parameter gradients that need a per-step product are accumulated elementwise in (B, N)
        #   carries and reduced over the batch once after the loop: no reductions inside the loop,
        #   and no time-shifted copy of the whole block for tau_mem (sum_t gvp_t * v_{t-1})
        def body(k, carry):
            t = T - 1 - k
            gi, gv, gsr, gth, gb, gbias, gvp_next, gx_buf, gvp_buf = carry
            vp = _idx(vp_all, t)
            s = spike_count(vp, th, max_spikes)
            dx, dth = surrogate_derivatives(sur, vp, th, width)
            # - vp_next = v * b + ...  with  v = vp - s * th
            gb = gb + gvp_next * (vp - s * th)
            gs = _idx(g_sp, t) + gsr - gv * th
            gth = gth - gv * s + gs * dth
            # - s = spike(vp)
            gvp = gv + gs * dx
            gbias = gbias + gvp
            # - vp = v_prev * b + sum_syn(i) + bias (+ noise);  i = (i_prev + x + r) * a
            git = gi + (gvp[..., None] if multi else gvp)
            gx = git * a
            gsr = (gx.reshape(B, -1) @ w_rec.T) if has_rec else jnp.zeros_like(gsr)
            if has_noise:
                gvp_buf = _put(gvp_buf, gvp, t)
            return gx, gvp * b, gsr, gth, gb, gbias, gvp, _put(gx_buf, gx, t), gvp_buf

        zero = jnp.zeros((B, N), dtype)
        init = (
            g_iT.astype(dtype),
            g_vT.astype(dtype),
            g_sT.astype(dtype),
            zero,
            zero,
            zero,
            zero,
            jnp.zeros(i_all.shape, dtype),
            jnp.zeros((B, T, N), dtype) if has_noise else None,
        )
        gi0, gv0, gs0, gth, gb, gbias, gvp0, gx, gvp = lax.fori_loop(0, T, body, init)

        # - Everything that needs no loop: one reduction / matmul over the whole block
        g_b = jnp.sum(gb + gvp0 * v0, axis=0)
        gth = jnp.sum(gth, axis=0)
        g_a = jnp.sum(gx * i_all, axis=(0, 1)) / (a * a)
        g_bias = jnp.sum(gbias, axis=0)
        if has_rec:
            s_prev = jnp.concatenate([s0[:, None], sp_all[:, :-1]], axis=1)
            g_w = s_prev.reshape(B * T, N).T @ gx.reshape(B * T, -1)
        else:
            g_w, gs0 = None, jnp.zeros_like(gs0)
        g_noise = gvp if has_noise else None
        return g_a, g_b, g_bias, gth, g_w, gx, g_noise, gi0, gv0, gs0

    lif.defvjp(lif_fwd, lif_bwd)
    return lif


def lif_evolve(
    x, noise, i0, v0, s0, a, b, bias, th, w_rec, sur, width, max_spikes, record, euler=False, v_reset=None
):
    """Evolve batched LIF neurons; the custom-VJP kernel unless a record or a non-default option
    (``euler``, ``v_reset``) is asked for.

    Same arguments and results as :func:`lif_scan`, except that ``x`` may also be ``(B, T, N)``
    (one synapse per neuron) when ``record`` is ``False`` and the options are the defaults.
    """
    if x.shape[1] == 0:  # no time steps: nothing happens
        sp = jnp.zeros(x.shape[:2] + v0.shape[1:], v0.dtype)
        isyn = jnp.zeros(x.shape[:2] + i0.shape[1:], i0.dtype)
        rec = {"irec": isyn, "isyn": isyn, "vmem": sp, "spikes": sp} if record else {}
        return sp, (i0, v0, s0), rec
    if record or euler or v_reset is not None:
        if x.ndim == 3:
            x = x[..., None]
        return lif_scan(
            x, noise, i0, v0, s0, a, b, bias, th, w_rec, sur, width, max_spikes, record, euler, v_reset
        )
    f = _make_lif_vjp(sur, float(width), max_spikes, w_rec is not None, noise is not None)
    if x.ndim == 3:
        # - One synapse per neuron: the loop works on (B, N) arrays, with no synapse axis
        sp, i, v, s = f(a[:, 0], b, bias, th, w_rec, x, noise, i0[..., 0], v0, s0)
        return sp, (i[..., None], v, s), {}
    sp, i, v, s = f(a, b, bias, th, w_rec, x, noise, i0, v0, s0)
    return sp, (i, v, s), {}


# ---------------------------------------------------------------------------------------------- module
class LIFJax(_LIFBase, JaxModule):
    r"""Leaky integrate-and-fire spiking neurons with exponential synapses (JAX backend).

    The model, its equations, synapse layout, attributes and records are those of the NumPy twin
    :class:`~rockpool.nn.modules.LIF` (see ``_LIFBase``): ``Nout`` neurons with ``n_syn = Nin //
    Nout`` synapses each; ``I_syn += S_in + S(t-1) W_rec; I_syn *= exp(-dt/tau_syn); V *=
    exp(-dt/tau_mem); V += sum_k I_syn + bias + noise``; ``S = min(floor(V / threshold),
    max_spikes_per_dt)`` where ``V >= threshold``; ``V -= S * threshold``. Noise is drawn from the
    ``rng_key`` state (a JAX PRNG key) only when ``noise_std > 0``.

    **Surrogate gradients.** The spike count has a surrogate derivative (``surrogate=``, default
    ``"pwl"``: :func:`step_pwl` with window ``surrogate_width`` = 0.5); others are
    ``"fast_sigmoid"``, ``"sigmoid"``, ``"arctan"``, ``"triangle"``, ``"boxcar"`` or a
    :class:`~rockpool.nn.modules.jax.surrogates.Surrogate` (see that module for the equations).
    ``surrogate`` and ``surrogate_width`` are SimulationParameters.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import LIFJax
        >>> lif = LIFJax(2)
        >>> out, state, rec = lif(np.full((10, 2), 0.5), record=True)
        >>> out.shape, rec["vmem"].shape
        ((1, 10, 2), (1, 10, 2))
    """

    _positive_attributes = _LIFBase._positive_attributes + ("surrogate_width",)

    def __init__(
        self,
        shape: Union[int, Tuple[int, ...]],
        tau_mem: Any = None,
        tau_syn: Any = None,
        bias: Any = None,
        threshold: Any = None,
        has_rec: bool = False,
        w_rec: Any = None,
        weight_init_func: Optional[Callable[[Tuple[int, ...]], Any]] = None,
        noise_std: float = 0.0,
        dt: float = 1e-3,
        max_spikes_per_dt: Any = 2**16,
        surrogate: Union[str, Surrogate] = "pwl",
        surrogate_width: float = 0.5,
        spiking_input: bool = False,
        spiking_output: bool = True,
        rng_key: Any = None,
        reset_mode: str = "subtract",
        v_reset: Any = None,
        integration: str = "exp",
    ):
        """
        Args:
            shape: ``N`` (``(N, N)``) or ``(Nin, Nout)`` with ``Nin`` a multiple of ``Nout``.
            tau_mem: Membrane time constants, s (scalar or ``(Nout,)``); default 0.02.
            tau_syn: Synaptic time constants, s (scalar, ``(Nout,)`` or ``(Nout, n_syn)``); default 0.02.
            bias: Bias current (scalar or ``(Nout,)``); default 0.
            threshold: Thresholds (scalar or ``(Nout,)``); default 1.
            has_rec: Add trainable recurrent weights ``w_rec``.
            w_rec: Concrete ``(Nout, Nin)`` recurrent weights (implies ``has_rec``).
            weight_init_func: ``f(shape)`` for ``w_rec``; default uniform in ``+-0.1/sqrt(Nout)`` (one unit spike charges V by about tau_syn/dt, so recurrent weights start small).
            noise_std: Membrane noise std after one second (0: no noise, nothing drawn).
            dt: Time step, s.
            max_spikes_per_dt: Most spikes a neuron emits in one step.
            surrogate: Surrogate gradient name or :class:`Surrogate`.
            surrogate_width: Window of ``"pwl"`` / width of the other surrogates.
            spiking_input: Whether inputs are spike counts (checked: warns on negative or
                non-integer values).
            spiking_output: Whether the output is spiking (default ``True``).
            rng_key: Initial JAX PRNG key (default: drawn from NumPy's global RNG).
            reset_mode: ``"subtract"`` (default: ``V -= S * threshold``) or ``"to_value"``
                (``V = v_reset`` after a spike; the reset of NIR, snnTorch and Norse neurons). Its
                surrogate gradient is that of the subtractive reset (``-threshold`` per spike);
                ``v_reset`` gets the gradient of the neurons that spiked.
            v_reset: Reset potential for ``reset_mode="to_value"`` (scalar or ``(Nout,)``;
                default 0; a trainable Parameter).
            integration: ``"exp"`` (default: ``I = (I + x) exp(-dt/tau_syn)``, ``V = exp(-dt/tau_mem)
                V + I``) or ``"euler"`` (``I = (1 - dt/tau_syn) I + x``, ``V = (1 - dt/tau_mem) V +
                I``: the forward-Euler convention of snnTorch, Norse and Spyx).
        """

        def register_surrogate() -> None:
            get_surrogate(surrogate)  # validate early
            if not surrogate_width > 0:
                raise ValueError(
                    f"{type(self).__name__}: 'surrogate_width' must be > 0 (got {surrogate_width})."
                )
            self.surrogate = SimulationParameter(surrogate)
            self.surrogate_width = SimulationParameter(float(surrogate_width))

        self._init_lif(
            shape, tau_mem, tau_syn, bias, threshold, has_rec, w_rec, weight_init_func, noise_std,
            dt, max_spikes_per_dt, spiking_input, spiking_output, rng_key, register_surrogate,
            reset_mode, v_reset, integration,
        )

    def _init_rng(self, rng_key: Any) -> None:
        if rng_key is None:
            rng_key = np.random.randint(0, 2**31 - 1)
        self.rng_key = State(new_rng_key(type(self).__name__, rng_key))

    def _convert_static(self, name: str, value: Any) -> Any:
        if name == "surrogate":  # validate `lif.surrogate = ...` now, not at the next call
            try:
                get_surrogate(value)
            except ValueError as e:
                raise ValueError(f"{self._label}: {e}") from None
        return super()._convert_static(name, value)

    def evolve(self, input_data: Array, record: bool = False) -> Tuple[Array, Dict, Dict]:
        """Evolve over ``(T, Nin)`` or ``(B, T, Nin)`` input.

        Args:
            input_data: Synaptic input (spikes or currents).
            record: If ``True``, also return ``irec``, ``isyn``, ``vmem``, ``spikes``.

        Returns:
            ``(spikes (B, T, Nout), new_state, record)``; ``new_state`` holds batch element 0.
        """
        fd = _float_dtype()
        n_out, n_syn = self.shape[-1], self.n_syn
        data, (s0, i0, v0) = self._auto_batch(
            jnp.asarray(input_data, dtype=fd), (self.spikes, self.isyn, self.vmem)
        )
        B, T = data.shape[:2]
        # - (B, T, Nin) -> (B, T, Nout, n_syn); the fast path keeps (B, T, N) when n_syn == 1
        x = data.reshape(B, T, n_out, n_syn) if (record or n_syn > 1) else data

        integ = check_mode(self._label, "integration", self.integration, INTEGRATIONS)
        a, b = decays(self.dt, self.tau_syn, self.tau_mem, integ, jnp)
        v_reset = self._reset_target()
        # - The key advances on every evolve; noise is drawn only when there is noise
        key, sub = jax.random.split(self.rng_key)
        noise = None
        if maybe_positive(self.noise_std):
            noise = jax.random.normal(sub, (B, T, n_out), fd) * (self.noise_std * jnp.sqrt(jnp.asarray(self.dt, fd)))
        w_rec = self.w_rec if self.has_rec else None

        sp, (i, v, s), rec = lif_evolve(
            x, noise, i0.astype(fd), v0.astype(fd), s0.astype(fd), a, b, self.bias, self.threshold,
            w_rec, get_surrogate(self.surrogate), self.surrogate_width, self.max_spikes_per_dt,
            bool(record), integ == "euler", v_reset,
        )
        new_state = {"spikes": s[0], "isyn": i[0], "vmem": v[0], "rng_key": key}
        return sp, new_state, rec
