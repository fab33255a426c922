"""Device mismatch: :func:`mismatch_generator` and :func:`module_registery` (sic, the documented name).

Analogue neuromorphic chips realise every nominal parameter with a fixed random error. To train or
evaluate a network under that *mismatch*, draw a perturbed copy of the parameters and evaluate::

    proto = jax.tree_util.tree_map(lambda _: False, module_registery(net))
    proto["0_LinearJax"]["weight"] = True            # perturb these leaves
    regenerate = mismatch_generator(proto, percent_deviation=0.3, sigma_rule=3.0)
    net_mm = net.set_attributes(regenerate(net, jax.random.PRNGKey(0)))

A selected leaf ``x`` becomes ``x * (1 + sigma * z)`` with ``z ~ N(0, 1)`` elementwise and
``sigma = percent_deviation / sigma_rule`` (with the defaults 0.1: about 99.7 % of the perturbed
values stay within +-30 % of nominal). The draw follows the reference library's key schedule
exactly: with ``L`` registry leaves in flatten order (sorted keys), leaf ``i`` uses
``jax.random.split(rng_key, L + 1)[i + 1]``.

Differences from the reference (ours): non-numeric simulation parameters (activation functions,
surrogate names) are left out of the registry, so networks with ``RateJax`` / ``InstantJax`` /
``SoftmaxJax`` / native ``Rate`` / ``Instant`` modules work; a prototype may be partial (absent
leaves are not perturbed) and one with unknown paths is a ``ValueError`` naming them;
``sigma_rule=0`` is a ``ValueError``; unselected simulation parameters held as Python numbers
(``dt``) come back unchanged, so the result can be applied inside ``jax.jit`` without turning
static settings into traced values.
"""

from __future__ import annotations

from typing import Any, Callable, Dict

import jax
import jax.numpy as jnp
import numpy as np

from rockpool.transform.functional import _proto_paths, _prototype_leaves

__all__ = ["mismatch_generator", "module_registery"]

Tree = Dict[str, Any]


def _numeric(value: Any) -> bool:
    """Real numbers (Python, NumPy or JAX; arrays of them); not functions, names or PRNG keys."""
    if isinstance(value, (bool, int, float, np.number)):
        return True
    dtype = getattr(value, "dtype", None)
    if dtype is None or not hasattr(value, "shape"):
        return False
    try:
        return np.dtype(dtype).kind in "biuf"
    except TypeError:  # e.g. a typed PRNG key dtype
        return False


def _raw_registry(module: Any) -> Tree:
    if not hasattr(module, "_get_attribute_registry"):
        raise TypeError(
            f"module_registery / mismatch_generator expect a module (e.g. a JaxModule or a "
            f"Sequential), got a {type(module).__name__}. Pass the network itself, not its "
            f"parameters()."
        )
    attrs, subs = module._get_attribute_registry()
    out: Tree = {}
    for name, (kind, _family) in attrs.items():
        if kind not in ("Parameter", "SimulationParameter"):
            continue
        value = getattr(module, name)
        if _numeric(value):
            out[name] = value
    for name, sub in subs.items():
        out[name] = _raw_registry(sub)
    return {k: out[k] for k in sorted(out)}


def module_registery(module: Any) -> Tree:
    """Nested dict of a module tree's numeric Parameters and SimulationParameters, as float32 arrays.

    Submodules appear under their names (``'0_LinearJax'``); keys are sorted; States are left out;
    non-numeric simulation parameters (functions, names) are left out (ours).

    Args:
        module: A module (JAX, native or a combinator).

    Example:
        >>> from rockpool.nn.modules import LinearJax
        >>> reg = module_registery(LinearJax((3, 4)))
        >>> list(reg), reg["weight"].dtype
        (['weight'], dtype('float32'))
    """
    return jax.tree_util.tree_map(lambda v: jnp.asarray(v, jnp.float32), _raw_registry(module))


def _prototype_mask(proto: Any, reg: Tree) -> list:
    reg_paths = list(_proto_paths(reg))
    given = _prototype_leaves(
        proto, reg_paths, "mismatch_generator",
        expected="a nested dict of booleans shaped like module_registery(net)",
        owner="network", listing="Network paths (from module_registery(net))",
    )
    return [bool(np.any(np.asarray(given.get(p, False)))) for p in reg_paths]


def mismatch_generator(
    prototype: Tree, percent_deviation: float = 0.3, sigma_rule: float = 3.0
) -> Callable[[Any, Any], Tree]:
    """Make a function that draws mismatched parameters for a network.

    Args:
        prototype: Nested dict shaped like ``module_registery(net)`` with boolean leaves (``True``:
            perturb). Absent leaves count as ``False`` (ours).
        percent_deviation: Relative deviation covered by ``sigma_rule`` standard deviations.
        sigma_rule: Number of standard deviations in ``percent_deviation``.

    Returns:
        ``regenerate_mismatch(mod, rng_key) -> dict`` over all registry leaves (selected leaves
        perturbed, float32), to pass to ``mod.set_attributes``. Works under ``jax.jit``,
        ``jax.grad`` (gradients flow to the nominal values) and ``jax.vmap`` over keys.

    Raises:
        ValueError: ``sigma_rule == 0``; a prototype with paths the network lacks (when called).

    Example:
        >>> import jax, jax.numpy as jnp
        >>> from rockpool.nn.modules import LinearJax
        >>> from rockpool.nn.combinators import Sequential
        >>> net = Sequential(LinearJax((3, 4), weight=jnp.ones((3, 4))),
        ...                  LinearJax((4, 2), weight=jnp.ones((4, 2))))
        >>> proto = jax.tree_util.tree_map(lambda _: True, module_registery(net))
        >>> new = mismatch_generator(proto)(net, jax.random.PRNGKey(0))
        >>> round(float(new["0_LinearJax"]["weight"][0, 0]), 6)
        0.755754
        >>> net = net.set_attributes(new)
    """
    if sigma_rule == 0:
        raise ValueError(
            "mismatch_generator: sigma_rule must be non-zero (it divides percent_deviation to give "
            "the relative standard deviation); the default is 3.0."
        )
    for name, value in (("percent_deviation", percent_deviation), ("sigma_rule", sigma_rule)):
        try:
            concrete = np.asarray(value, dtype=float)
        except (TypeError, ValueError, jax.errors.ConcretizationTypeError):
            continue  # a traced value: checked by nobody, as in any jitted computation
        if not np.all(np.isfinite(concrete)):
            raise ValueError(f"mismatch_generator: {name} must be finite (got {value!r}).")
    sigma = percent_deviation / sigma_rule

    def regenerate_mismatch(mod: Any, rng_key: Any) -> Tree:
        if not hasattr(rng_key, "dtype") or not (
                jnp.issubdtype(rng_key.dtype, jax.dtypes.prng_key) or np.shape(rng_key) == (2,)):
            raise TypeError(
                f"mismatch_generator: rng_key must be a JAX PRNG key, e.g. jax.random.PRNGKey(0) or "
                f"jax.random.key(0) (got {type(rng_key).__name__} {rng_key!r:.40})."
            )
        raw = _raw_registry(mod)
        mask = _prototype_mask(prototype, raw)
        leaves, treedef = jax.tree_util.tree_flatten(raw)
        keys = jax.random.split(rng_key, len(leaves) + 1)
        out = []
        for i, (leaf, sel) in enumerate(zip(leaves, mask, strict=True)):
            if not sel:
                static = isinstance(leaf, (bool, int, float, np.number))
                out.append(leaf if static else jnp.asarray(leaf, jnp.float32))
                continue
            x = jnp.asarray(leaf, jnp.float32)
            out.append(x * (1 + sigma * jax.random.normal(keys[i + 1], x.shape)))
        return jax.tree_util.tree_unflatten(treedef, out)

    return regenerate_mismatch
