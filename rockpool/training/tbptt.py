"""Long sequences in :func:`~rockpool.training.fit`: rematerialised BPTT and truncated BPTT.

``fit(..., remat=K)``: the network evolves in chunks of ``K`` steps whose internals are recomputed
in the backward pass (:func:`rockpool.nn.streaming.remat`), so a step stores about ``T / K`` states
and one chunk instead of all ``T`` steps. Gradients and losses are those of plain BPTT.

``fit(..., tbptt=W)``: each ``(B, T, N)`` batch is cut into ``T / W`` windows of ``W`` steps. The
state is carried from window to window (per batch element; it starts from the network's reset
state at each batch), and gradients stop at window boundaries. ``tbptt_update="window"`` applies
one optimiser update per window (all windows of a batch run in one compiled call);
``"sequence"`` averages the windows' gradients and applies one update per batch. The loss
recorded for a batch is the mean of its windows' losses. A target with the input's ``(B, T)``
leading axes is cut into windows too; any other target (e.g. class labels ``(B,)``) is given
whole to every window. ``remat=K`` combines with ``tbptt=W`` (chunks inside each window).

Both need the ``loss(output, target)`` form for TBPTT (the state is carried by ``fit``, so the loss
must not evolve the network itself); ``remat`` works with both loss forms.

Example:
    >>> import numpy as np
    >>> from rockpool.nn.modules import LinearJax, LIFJax
    >>> from rockpool.nn.combinators import Sequential
    >>> from rockpool.training import fit, jax_loss
    >>> net = Sequential(LinearJax((2, 4)), LIFJax(4))
    >>> data = [(np.random.rand(2, 60, 2), np.zeros((2, 60, 4)))] * 2
    >>> _, h = fit(net, jax_loss.mse, data, "adam", tbptt=20, remat=10, progress=False)
    >>> h.steps    # one loss per batch (the mean over its 3 windows)
    2
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rockpool.nn import streaming
from rockpool.training import _step as _loop

__all__ = ["LongConfig", "long_config", "train_step"]

UPDATES = ("window", "sequence")


@dataclass(frozen=True)
class LongConfig:
    """Static configuration of a long-sequence training step (part of the jit cache key)."""

    base: Any  # the loop's _Config
    remat: Optional[int]
    window: Optional[int]
    update: str


def long_config(base: Any, remat: Any, tbptt: Any, tbptt_update: str) -> LongConfig:
    """Validate ``fit``'s ``remat`` / ``tbptt`` / ``tbptt_update`` options."""
    for name, v in (("remat", remat), ("tbptt", tbptt)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1):
            raise ValueError(f"fit: {name} must be a positive number of time steps (or None); got {v!r}.")
    remat, tbptt = (None if v is None else int(v) for v in (remat, tbptt))
    if tbptt_update not in UPDATES:
        raise ValueError(f"fit: tbptt_update must be 'window' or 'sequence'; got {tbptt_update!r}.")
    if tbptt is None and tbptt_update != "window":
        raise ValueError(
            f"fit: tbptt_update={tbptt_update!r} needs tbptt=W (the window length in time steps); "
            f"without tbptt, fit trains with full BPTT and one update per batch."
        )
    if tbptt is not None and base.form != "output":
        raise ValueError(
            "fit: tbptt=... carries the network state from window to window itself, so the loss must "
            "have the form loss(output, target) (not loss(params, net, inputs, target), which evolves "
            "the network on its own)."
        )
    return LongConfig(base, remat, tbptt, tbptt_update)


def _update(cfg: Any, params, opt_state, failed, count, value, grads, bounds):
    """The optimiser update with the loop's sticky non-finite guard (see ``_step._step``)."""
    total = value
    for g in jax.tree_util.tree_leaves(grads):
        total = total + jnp.sum(g)
    failed = failed | ~jnp.isfinite(total)
    grads = jax.tree_util.tree_map(lambda g: jnp.where(failed, jnp.zeros_like(g), g), grads)
    new_params, new_state = cfg.opt.apply(count, grads, opt_state, params)
    if cfg.bounded:
        new_params = _loop._clip(new_params, *bounds)
    new_params = jax.tree_util.tree_map(lambda new, old: jnp.where(failed, old, new), new_params, params)
    return new_params, new_state, failed, count + 1


def _windows(x: Any, y: Any, w: int) -> Tuple[Any, Any, bool]:
    """``x`` as ``(n, B, w, ...)`` windows; ``y`` too when it has ``x``'s ``(B, T)`` axes."""
    if x.ndim != 3:
        raise ValueError(f"fit(tbptt=...): inputs must be batched (B, T, N); got shape {tuple(x.shape)}.")
    B, T = x.shape[:2]
    if T % w:
        raise ValueError(
            f"fit(tbptt={w}): the sequence length T={T} is not a multiple of the window {w}; choose a "
            f"window that divides T (e.g. {max(d for d in range(1, w + 1) if T % d == 0)}) or pad the data."
        )
    n = T // w
    cut = lambda a: jnp.moveaxis(a.reshape((B, n, w) + a.shape[2:]), 1, 0)
    y = jnp.asarray(y)
    timed = y.ndim >= 2 and y.shape[:2] == (B, T)
    return cut(x), (cut(y) if timed else y), timed


def _step(lc: LongConfig, params, opt_state, failed, count, net_leaves, x, y, bounds):
    cfg = lc.base
    net = jax.tree_util.tree_unflatten(cfg.net_def, net_leaves)
    if lc.window is None:  # remat only: plain BPTT over the whole sequence, chunks recomputed
        def objective(p):
            with streaming.remat(lc.remat):
                if cfg.form == "params":
                    return _loop._scalar_loss(cfg.loss(p, net, x, y))
                out, _, _ = net.reset_state().set_attributes(p)(x)
                return _loop._scalar_loss(cfg.loss(out, y))

        value, grads = jax.value_and_grad(objective)(params)
        return (*_update(cfg, params, opt_state, failed, count, value, grads, bounds), value)

    x = jnp.asarray(x)
    if x.ndim == 2:
        x, y = x[None], jnp.asarray(y)[None] if jnp.ndim(y) >= 2 else y
    xw, yw, timed = _windows(x, y, lc.window)
    base = net.reset_state()
    state0 = streaming.batch_state(base, x.shape[0])

    def window_loss(p, state, xi, yi):
        k = lc.remat or lc.window
        out, new_state, _ = streaming.evolve_chunked(
            base.set_attributes(p), xi, k, remat=lc.remat is not None, state=state
        )
        return _loop._scalar_loss(cfg.loss(out, yi)), jax.lax.stop_gradient(new_state)

    vg = jax.value_and_grad(window_loss, has_aux=True)
    target = (lambda i: yw[i]) if timed else (lambda i: yw)
    n = xw.shape[0]
    if lc.update == "window":
        def body(carry, i):
            p, o, f, c, st = carry
            (value, st), g = vg(p, st, xw[i], target(i))
            p, o, f, c = _update(cfg, p, o, f, c, value, g, bounds)
            return (p, o, f, c, st), value

        (params, opt_state, failed, count, _), values = lax.scan(
            body, (params, opt_state, failed, count, state0), jnp.arange(n)
        )
        return params, opt_state, failed, count, jnp.mean(values)

    def acc(carry, i):
        st, gsum = carry
        (value, st), g = vg(params, st, xw[i], target(i))
        return (st, jax.tree_util.tree_map(jnp.add, gsum, g)), value

    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    (_, gsum), values = lax.scan(acc, (state0, zeros), jnp.arange(n))
    grads = jax.tree_util.tree_map(lambda g: g / n, gsum)
    value = jnp.mean(values)
    return (*_update(cfg, params, opt_state, failed, count, value, grads, bounds), value)


train_step = jax.jit(_step, static_argnums=0, donate_argnums=(1, 2))
