"""Training under parameter noise with :func:`~rockpool.training.fit`: :func:`noisy_loss`.

``fit`` compiles one step and resets the network state at every step, so a transform that needs
fresh randomness at every step cannot keep a key in the state. :func:`noisy_loss` instead draws
its key as ``fold_in(rng_key, param_seed(params))``: the parameters change at every optimiser
step, so every step gets a fresh draw; the draw is a pure function of the parameters, so a run
resumed from a checkpoint repeats an uninterrupted run exactly, and the step compiles once.

Example:
    >>> import jax, numpy as np
    >>> from rockpool.nn.modules import LinearJax
    >>> from rockpool.training import fit, jax_loss
    >>> from rockpool.transform.functional import mismatch
    >>> loss = noisy_loss(jax_loss.mse, lambda p, k: mismatch(p, k, 0.1), jax.random.PRNGKey(0))
    >>> data = [(np.ones((4, 10, 2)), np.zeros((4, 10, 1)))] * 3
    >>> trained, hist = fit(LinearJax((2, 1)), loss, data, "adam", epochs=2, lr=1e-2)
    >>> hist.steps
    6
"""

from __future__ import annotations

from typing import Any, Callable, Dict

import jax
import jax.numpy as jnp

from rockpool.transform.functional import param_seed

__all__ = ["noisy_loss", "step_key"]

Tree = Dict[str, Any]


def step_key(rng_key: Any, params: Tree) -> jax.Array:
    """``fold_in(rng_key, param_seed(params))``: a key that changes whenever the parameters do.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> k = jax.random.PRNGKey(0)
        >>> bool((step_key(k, {"w": jnp.ones(2)}) != step_key(k, {"w": jnp.zeros(2)})).any())
        True
    """
    return jax.random.fold_in(jnp.asarray(rng_key, jnp.uint32), param_seed(params))


def noisy_loss(loss: Callable[[Any, Any], Any], transform: Callable[[Tree, Any], Tree],
               rng_key: Any) -> Callable[[Tree, Any, Any, Any], Any]:
    """Wrap ``loss(output, target)`` so that the network is evaluated with transformed parameters.

    Args:
        loss: ``loss(output, target) -> scalar``.
        transform: ``transform(params, key) -> params`` (e.g. ``lambda p, k: mismatch(p, k, 0.2)``
            or ``lambda p, k: dropout(p, k, 0.1)`` from :mod:`rockpool.transform.functional`).
            Gradients flow through it to the nominal parameters.
        rng_key: Base key; each step uses :func:`step_key` of it.

    Returns:
        ``loss(params, net, inputs, target)``, the training tutorial's form, accepted by ``fit``
        and by hand-written loops.
    """

    def parameter_noise_loss(params: Tree, net: Any, inputs: Any, target: Any) -> Any:
        noisy = transform(params, step_key(rng_key, params))
        output, _, _ = net.reset_state().set_attributes(noisy)(inputs)
        return loss(output, target)

    return parameter_noise_loss
