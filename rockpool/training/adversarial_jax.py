"""Network-aware adversarial training against parameter mismatch (Buechel et al. 2021, arXiv 2106.05009).

The loss adds to the task loss the damage an adversary can do by moving every parameter within a
relative box ``|theta* - theta| <= mismatch_level * |theta|``:

.. math::

    L = L_\\mathrm{task}(f(X, \\theta + n), y) + \\beta\\, L_\\mathrm{mm}(f(X, \\theta), f(X, \\theta^*))

where :math:`n = \\sigma_f |\\theta| z` is optional forward noise (no gradient) and
:math:`\\theta^*` comes from :func:`pga_attack`: start at :math:`\\theta + \\sigma_0 |\\theta| z`,
then ``attack_steps`` signed-gradient ascent steps of size ``mismatch_level |theta| /
attack_steps`` on :math:`L_\\mathrm{mm}(f(X, \\theta), f(X, t))`. The gradient of the robustness
term flows through :math:`\\theta^* = \\theta + c\\,|\\theta|` (the attack's direction :math:`c`
is constant).

Ours, beyond the reference: ``jax.jit`` works with the float hyperparameters traced (mark only
``attack_steps`` static, or leave it traced too: a ``lax.fori_loop`` is used then); the attack
runs as one ``lax.scan`` and is never differentiated twice; ``project=True`` clips the attack
into the box; ``return_aux=True`` returns the parts of the loss; :func:`make_adversarial_loss`
gives a loss for :func:`~rockpool.training.fit`.

Example:
    >>> import jax, jax.numpy as jnp
    >>> from jax.tree_util import Partial
    >>> from rockpool.nn.modules import LinearJax, InstantJax
    >>> from rockpool.nn.combinators import Sequential
    >>> from rockpool.training import jax_loss as l
    >>> net = Sequential(LinearJax((2, 3)), InstantJax(3, jnp.tanh), LinearJax((3, 1)))
    >>> x, y = jnp.ones((5, 2)), jnp.zeros((5, 1))
    >>> vgf = jax.jit(jax.value_and_grad(adversarial_loss), static_argnames="attack_steps")
    >>> loss, grads = vgf(net.parameters(), net, x, y, Partial(l.mse), Partial(l.mse),
    ...                   jax.random.PRNGKey(0), 0.1, 1e-3, 0.025, 0.25, attack_steps=5)
    >>> bool(jnp.isfinite(loss))
    True
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple

from rockpool._optional import require

require("jax", "jax")  # a missing JAX is an ImportError naming the extra to install

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

__all__ = ["pga_attack", "adversarial_loss", "make_adversarial_loss"]

Tree = Dict[str, Any]


def _evolve(net: Any, tree_def: Any, leaves: List[Any], inputs: Any) -> Any:
    """Reset the state, set the parameters, evolve; return the output."""
    params = jax.tree_util.tree_unflatten(tree_def, leaves)
    return net.reset_state().set_attributes(params)(inputs)[0]


def _noisy_start(params: List[Any], rng_key: Any, std: Any) -> Tuple[List[Any], Any]:
    """Per leaf: ``rng_key, sub = split(rng_key)``; ``std * normal(sub, shape)``."""
    out = []
    for p in params:
        rng_key, sub = jax.random.split(rng_key)
        out.append(std * jax.random.normal(sub, jnp.shape(p), jnp.result_type(p)))
    return out, rng_key


def _attack_direction(params, net, rng_key, inputs, reference, tree_def, mismatch_loss,
                      attack_steps, mismatch_level, initial_std, project):
    """The attack's relative direction ``c`` (no gradient), and the per-step losses / gradients."""
    p = [jax.lax.stop_gradient(jnp.asarray(x)) for x in params]
    ap = [jnp.abs(x) for x in p]
    reference = jax.lax.stop_gradient(reference)
    c0, _ = _noisy_start(p, rng_key, initial_std)

    def attacked(c):
        return [x + ci * a for x, ci, a in zip(p, c, ap, strict=True)]

    vg = jax.value_and_grad(lambda t: mismatch_loss(reference, _evolve(net, tree_def, t, inputs)))

    def step(c):
        loss, g = vg(attacked(c))
        size = mismatch_level / attack_steps
        c = [ci + size * jnp.sign(gi) for ci, gi in zip(c, g, strict=True)]
        if project:
            c = [jnp.clip(ci, -mismatch_level, mismatch_level) for ci in c]
        return c, loss, g

    if isinstance(attack_steps, jax.core.Tracer):
        c = jax.lax.fori_loop(0, attack_steps, lambda _, c: step(c)[0], c0)
        return c, None, None
    if int(attack_steps) == 0:
        return c0, [], []

    def body(c, _):
        c, loss, g = step(c)
        return c, (loss, g)

    c, (losses, grads) = jax.lax.scan(body, c0, None, length=int(attack_steps))
    n = int(attack_steps)
    return c, [losses[k] for k in range(n)], [[g[k] for g in grads] for k in range(n)]


def pga_attack(
    params_flattened: List[Any], net: Any, rng_key: Any, inputs: Any, net_out_original: Any,
    tree_def_params: Any, mismatch_loss: Callable[[Any, Any], Any], attack_steps: int = 10,
    mismatch_level: float = 0.025, initial_std: float = 1e-3, project: bool = False,
) -> Tuple[List[Any], Dict[str, Any]]:
    """Projected-gradient-ascent attack on the parameters (signed steps in a relative box).

    Args:
        params_flattened: Leaves of the parameter tree (``jax.tree_util.tree_flatten(params)[0]``).
        net: The JAX network.
        rng_key: Key for the random start (split once per leaf, in flatten order).
        inputs: Network input.
        net_out_original: Output at the nominal parameters.
        tree_def_params: Tree definition of the parameters.
        mismatch_loss: ``mismatch_loss(reference_output, attacked_output) -> scalar``.
        attack_steps: Number of ascent steps (a Python int; traced: no per-step record).
        mismatch_level: Relative size of the box.
        initial_std: Relative std of the random start (0: the attack never moves, ``sign(0)=0``).
        project: Clip the attack into the box (ours; the reference does not).

    Returns:
        ``(theta_star, {'grads': [...], 'losses': [...]})``: the attacked leaves (differentiable in
        the nominal parameters) and, per step, the gradient leaves and the loss before the step.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> from rockpool.nn.modules import LinearJax
        >>> net = LinearJax((2, 2), weight=jnp.ones((2, 2)))
        >>> leaves, tdef = jax.tree_util.tree_flatten(net.parameters())
        >>> x = jnp.ones((3, 2))
        >>> mse = lambda a, b: jnp.mean((a - b) ** 2)
        >>> t, info = pga_attack(leaves, net, jax.random.PRNGKey(0), x, net(x)[0], tdef, mse, 4)
        >>> len(info["losses"]), bool(jnp.max(jnp.abs(t[0] - 1)) <= 0.03)
        (4, True)
    """
    params = [jnp.asarray(p) for p in params_flattened]
    c, losses, grads = _attack_direction(
        params, net, rng_key, inputs, net_out_original, tree_def_params, mismatch_loss,
        attack_steps, mismatch_level, initial_std, project,
    )
    theta_star = [p + jax.lax.stop_gradient(ci) * jnp.abs(p) for p, ci in zip(params, c, strict=True)]
    return theta_star, {"grads": grads, "losses": losses}


def adversarial_loss(
    parameters: Tree, net: Any, inputs: Any, target: Any, task_loss: Callable[[Any, Any], Any],
    mismatch_loss: Callable[[Any, Any], Any], rng_key: Any, noisy_forward_std: float = 0.0,
    initial_std: float = 1e-3, mismatch_level: float = 0.025, beta_robustness: float = 0.25,
    attack_steps: int = 10, project: bool = False, return_aux: bool = False,
) -> Any:
    """Task loss plus ``beta_robustness`` times the damage of a :func:`pga_attack`.

    Args:
        parameters: Parameter tree (may be a subset of ``net.parameters()``).
        net: The JAX network.
        inputs: ``(T, N)`` or ``(B, T, N)`` input.
        target: Target for ``task_loss``.
        task_loss: ``task_loss(output, target) -> scalar``.
        mismatch_loss: ``mismatch_loss(nominal_output, attacked_output) -> scalar``.
        rng_key: Key (split once per leaf for the forward noise, then used by the attack).
        noisy_forward_std: Relative std of the forward noise on the task term (no gradient).
        initial_std: Relative std of the attack's random start.
        mismatch_level: Relative size of the attack box.
        beta_robustness: Weight of the robustness term.
        attack_steps: Number of attack steps.
        project: Clip the attack into the box (ours).
        return_aux: Return ``(loss, {'task', 'robustness', 'theta_star', 'attack_losses'})``
            (for ``jax.value_and_grad(..., has_aux=True)``).

    Returns:
        The scalar loss (or ``(loss, aux)``).
    """
    leaves, tree_def = jax.tree_util.tree_flatten(parameters)
    leaves = [jnp.asarray(p) for p in leaves]
    noise, rng_key = _noisy_start(leaves, rng_key, noisy_forward_std)
    noisy = [p + jax.lax.stop_gradient(n * jnp.abs(p)) for p, n in zip(leaves, noise, strict=True)]
    task = task_loss(_evolve(net, tree_def, noisy, inputs), target)
    y_nom = _evolve(net, tree_def, leaves, inputs)
    theta_star, info = pga_attack(
        leaves, net, rng_key, inputs, y_nom, tree_def, mismatch_loss, attack_steps, mismatch_level,
        initial_std, project,
    )
    robustness = mismatch_loss(y_nom, _evolve(net, tree_def, theta_star, inputs))
    loss = task + beta_robustness * robustness
    if not return_aux:
        return loss
    aux = {
        "task": task,
        "robustness": robustness,
        "theta_star": jax.tree_util.tree_unflatten(tree_def, theta_star),
        "attack_losses": None if info["losses"] is None else jnp.stack(info["losses"]) if info["losses"] else jnp.zeros((0,)),
    }
    return loss, aux


def make_adversarial_loss(
    task_loss: Callable[[Any, Any], Any], rng_key: Any,
    mismatch_loss: Callable[[Any, Any], Any] = None, **hyper: Any,  # type: ignore[assignment]
) -> Callable[[Tree, Any, Any, Any], Any]:
    """An adversarial ``loss(params, net, inputs, target)`` for :func:`~rockpool.training.fit`.

    The key of each step is :func:`~rockpool.transform.training.step_key` of ``rng_key`` and the
    parameters (fresh every step, reproducible, resumable); the step compiles once.

    Args:
        task_loss: ``task_loss(output, target)``.
        rng_key: Base key.
        mismatch_loss: Default: the mean squared difference of the outputs.
        **hyper: Keyword arguments of :func:`adversarial_loss` (``noisy_forward_std``,
            ``initial_std``, ``mismatch_level``, ``beta_robustness``, ``attack_steps``,
            ``project``).

    Example:
        >>> import jax, numpy as np
        >>> from rockpool.nn.modules import LinearJax
        >>> from rockpool.training import fit, jax_loss
        >>> loss = make_adversarial_loss(jax_loss.mse, jax.random.PRNGKey(0), attack_steps=3)
        >>> data = [(np.ones((2, 5, 2)), np.zeros((2, 5, 1)))] * 2
        >>> trained, hist = fit(LinearJax((2, 1)), loss, data, "adam", epochs=1, lr=1e-2)
        >>> hist.steps
        2
    """
    from rockpool.transform.training import step_key

    allowed = {"noisy_forward_std", "initial_std", "mismatch_level", "beta_robustness",
               "attack_steps", "project"}
    unknown = sorted(set(hyper) - allowed)
    if unknown:
        raise TypeError(f"make_adversarial_loss: unknown settings {unknown}; allowed: {sorted(allowed)}.")
    if mismatch_loss is None:
        mismatch_loss = lambda a, b: jnp.mean(jnp.square(a - b))

    def adversarial_fit_loss(params: Tree, net: Any, inputs: Any, target: Any) -> Any:
        key = step_key(rng_key, params)
        return adversarial_loss(params, net, inputs, target, task_loss, mismatch_loss, key, **hyper)

    return adversarial_fit_loss
