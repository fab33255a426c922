"""Pure parameter-tree transforms: mismatch, dropout, stochastic rounding (ours).

Each function takes a parameter tree (nested dicts of arrays, as from ``net.parameters()``), an
explicit PRNG key and settings, and returns a **new** tree of the same structure; nothing is ever
mutated. They work under ``jax.jit``, ``jax.grad`` and ``jax.vmap`` (over keys for Monte-Carlo
mismatch, or over anything else).

**Key schedule.** Leaf ``i`` (in JAX flatten order, i.e. sorted dict keys) draws from
``jax.random.fold_in(key, i)``, so leaves are independent and a leaf's draw does not depend on
which other leaves are selected. The same key gives bitwise the same result, eagerly and under
``jit``. (:func:`~rockpool.transform.mismatch_generator` keeps the reference library's own
schedule instead; see there.)

**Selection** (``select``): ``None`` selects every leaf; a tree of booleans (a *prototype*, may be
partial: absent leaves are not selected; extra paths are an error); or a callable
``select(path, leaf) -> bool`` where ``path`` is the ``"."``-joined key path (e.g.
``"0_LinearJax.weight"``). :func:`family_prototype` builds a prototype from parameter families.

Example:
    >>> import jax, jax.numpy as jnp
    >>> from rockpool.transform.functional import mismatch
    >>> p = {"w": jnp.ones(3), "tau": jnp.full(3, 0.02)}
    >>> q = mismatch(p, jax.random.PRNGKey(0), 0.1, select={"w": True})
    >>> bool(jnp.all(q["tau"] == p["tau"])), bool(jnp.any(q["w"] != 1.0))
    (True, True)
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import jax
import jax.numpy as jnp

__all__ = [
    "mismatch",
    "dropout",
    "stochastic_round",
    "family_prototype",
    "selection_mask",
    "param_seed",
    "leaf_key",
]

Tree = Dict[str, Any]
Select = Optional[Union[Tree, Callable[[str, Any], bool]]]


def _path_str(path: Sequence[Any]) -> str:
    parts = []
    for k in path:
        parts.append(str(getattr(k, "key", getattr(k, "name", getattr(k, "idx", k)))))
    return ".".join(parts)


def _proto_paths(proto: Any, prefix: str = "") -> Dict[str, Any]:
    if isinstance(proto, dict):
        out: Dict[str, Any] = {}
        for k, v in proto.items():
            out.update(_proto_paths(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: proto}


def selection_mask(tree: Tree, select: Select, what: str = "select") -> List[bool]:
    """Which leaves of ``tree`` (in flatten order) ``select`` chooses, as a list of bools.

    Raises:
        ValueError: a prototype names paths that ``tree`` does not have (they are listed, with
            the available paths).

    Example:
        >>> import numpy as np
        >>> selection_mask({"a": np.ones(2), "b": {"c": np.ones(1)}}, {"b": {"c": True}})
        [False, True]
    """
    flat, _ = jax.tree_util.tree_flatten_with_path(tree)
    paths = [_path_str(p) for p, _ in flat]
    if select is None:
        return [True] * len(paths)
    if callable(select) and not isinstance(select, dict):
        return [bool(select(p, leaf)) for p, (_, leaf) in zip(paths, flat, strict=True)]
    proto = _prototype_leaves(
        select, paths, what,
        expected="None, a prototype tree of booleans, or a callable (path, leaf) -> bool",
        owner="tree", listing="Available paths",
    )
    return [bool(proto.get(p, False)) for p in paths]


def _prototype_leaves(
    proto: Any, paths: Sequence[str], what: str, expected: str, owner: str, listing: str
) -> Dict[str, Any]:
    """The leaves of the prototype ``proto`` by dotted path, after checking that it is a nested
    dict naming only some of ``paths`` (else a ``ValueError`` from ``what``, saying what was
    ``expected`` and listing the paths of the ``owner``)."""
    if not isinstance(proto, dict):
        raise ValueError(f"{what}: expected {expected}; got a {type(proto).__name__}.")
    leaves = _proto_paths(proto)
    extra = sorted(set(leaves) - set(paths))
    if extra:
        raise ValueError(
            f"{what}: the prototype names paths that the {owner} does not have: {extra}. "
            f"{listing}: {list(paths)}."
        )
    return leaves


def family_prototype(net: Any, families: Union[str, Sequence[str]]) -> Tree:
    """A prototype selecting the parameters of ``net`` in ``families`` (for ``select=``).

    Raises:
        ValueError: a family has no parameters in ``net`` (the available families are listed).

    Example:
        >>> from rockpool.nn.modules import LinearJax
        >>> family_prototype(LinearJax((2, 3)), "weights")
        {'weight': True}
    """
    fams = [families] if isinstance(families, str) else list(families)
    known = available_families(net)
    for f in fams:
        if f not in known:  # checked first: querying an unknown family would (rightly) warn
            raise ValueError(
                f"{net.full_name.strip()}: no parameters of family {f!r}; available families: "
                f"{known}."
            )
    chosen = set(_proto_paths(net.parameters(fams)))
    paths = _proto_paths(net.parameters())
    out: Tree = {}
    for p in paths:
        node = out
        keys = p.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = p in chosen
    return out


def available_families(net: Any) -> List[str]:
    """Sorted family names of the parameters of ``net`` and its submodules."""
    fams = set()

    def walk(m: Any) -> None:
        for _name, (kind, fam) in m._get_attribute_registry()[0].items():
            if kind == "Parameter" and fam is not None:
                fams.add(fam)
        for sub in m.modules().values():
            walk(sub)

    walk(net)
    return sorted(fams)


def leaf_key(key: Any, index: int) -> jax.Array:
    """The key of leaf ``index``: ``jax.random.fold_in(key, index)``."""
    return jax.random.fold_in(key, index)


def _map_selected(tree: Tree, select: Select, fn: Callable[[Any, Any], Any], what: str) -> Tree:
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    mask = selection_mask(tree, select, what)
    key_leaves = [fn(leaf, i) if m else leaf for i, (leaf, m) in enumerate(zip(leaves, mask, strict=True))]
    return jax.tree_util.tree_unflatten(treedef, key_leaves)


def _key(key: Any) -> jax.Array:
    if hasattr(key, "dtype") and jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        return key
    return jnp.asarray(key, jnp.uint32)


def mismatch(params: Tree, key: Any, rel_std: Any, select: Select = None) -> Tree:
    r"""Relative Gaussian mismatch: :math:`p \leftarrow p\,(1 + \sigma z)`, :math:`z \sim N(0, 1)`.

    Args:
        params: Parameter tree.
        key: PRNG key.
        rel_std: Relative standard deviation :math:`\sigma` (may be traced). A concrete 0 returns
            ``params`` unchanged at no cost.
        select: Which leaves to perturb (see the module docstring).

    Gradients flow to the nominal parameters (``d/dp = 1 + sigma z``).

    Example:
        >>> import jax, jax.numpy as jnp
        >>> q = mismatch({"w": jnp.zeros(2)}, jax.random.PRNGKey(1), 0.3)
        >>> q["w"].tolist()  # zeros stay zero
        [0.0, 0.0]
    """
    if isinstance(rel_std, (int, float)) and rel_std == 0:
        return params
    key = _key(key)

    def fn(leaf: Any, i: int) -> Any:
        leaf = jnp.asarray(leaf)
        z = jax.random.normal(leaf_key(key, i), leaf.shape, leaf.dtype)
        return leaf * (1 + rel_std * z)

    return _map_selected(params, select, fn, "mismatch")


def dropout(
    params: Tree, key: Any, p: Any = 0.5, select: Select = None, scale_by_keep: bool = False,
    straight_through: bool = False,
) -> Tree:
    r"""Parameter dropout: each selected element becomes 0 with probability ``p``.

    ``q = p_elem * Bernoulli(1 - p)`` (divided by ``1 - p`` with ``scale_by_keep``).

    Args:
        params: Parameter tree.
        key: PRNG key.
        p: Drop probability in ``[0, 1)`` (may be traced; a concrete 0 is a no-op at no cost).
        select: Which leaves (see the module docstring).
        scale_by_keep: Inverted dropout (keep the expected value).
        straight_through: Identity gradient (the mask is ignored in the backward pass).

    Raises:
        ValueError: a concrete ``p`` outside ``[0, 1)``.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> q = dropout({"w": jnp.ones(1000)}, jax.random.PRNGKey(0), 0.25)
        >>> 0.2 < float(1 - q["w"].mean()) < 0.3
        True
    """
    if isinstance(p, (int, float)):
        if not 0 <= p < 1:
            raise ValueError(f"dropout: the drop probability p must be in [0, 1) (got {p}).")
        if p == 0:
            return params
    key = _key(key)
    fn = lambda leaf, i: dropout_leaf(leaf, leaf_key(key, i), p, scale_by_keep, straight_through)
    return _map_selected(params, select, fn, "dropout")


def dropout_leaf(leaf: Any, key: Any, p: Any, scale_by_keep: bool = False,
                 straight_through: bool = False) -> jax.Array:
    """Dropout of one array with one key (see :func:`dropout`)."""
    leaf = jnp.asarray(leaf)
    keep = jax.random.bernoulli(key, 1 - p, leaf.shape)
    q = jnp.where(keep, leaf / (1 - p) if scale_by_keep else leaf, jnp.zeros_like(leaf))
    return leaf + jax.lax.stop_gradient(q - leaf) if straight_through else q


def round_leaf(leaf: Any, key: Any, step: Any = 1.0, straight_through: bool = False) -> jax.Array:
    """Stochastic rounding of one array with one key (see :func:`stochastic_round`)."""
    leaf = jnp.asarray(leaf)
    x = leaf / step
    lo = jnp.floor(x)
    q = (lo + jax.random.bernoulli(key, x - lo).astype(leaf.dtype)) * step
    return leaf + jax.lax.stop_gradient(q - leaf) if straight_through else q


def stochastic_round(
    params: Tree, key: Any, step: Any = 1.0, select: Select = None, straight_through: bool = False
) -> Tree:
    r"""Unbiased stochastic rounding to the grid ``step * k``.

    ``q = step * (floor(x / step) + Bernoulli(x / step - floor(x / step)))``, so ``E[q] = x``
    (2.3 becomes 2 with probability 0.7, 3 with 0.3). Without ``straight_through`` the gradient is
    zero (as in the reference); with it, the identity.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> q = stochastic_round({"w": jnp.full(4000, 2.3)}, jax.random.PRNGKey(0))
        >>> sorted(set(q["w"].tolist())), round(float(q["w"].mean()), 1)
        ([2.0, 3.0], 2.3)
    """
    key = _key(key)
    fn = lambda leaf, i: round_leaf(leaf, leaf_key(key, i), step, straight_through)
    return _map_selected(params, select, fn, "stochastic_round")


def param_seed(params: Tree) -> jax.Array:
    """A uint32 derived from the *values* of ``params`` (no gradient), to vary draws per step.

    Used where no step counter exists (inside :func:`~rockpool.training.fit`'s compiled step, the
    network state is reset every step): ``fold_in(key, param_seed(params))`` gives a fresh,
    reproducible draw whenever the parameters change (every optimiser step), and the same draw
    for the same parameters (so a resumed run repeats an uninterrupted one exactly).

    Example:
        >>> import jax.numpy as jnp
        >>> int(param_seed({"w": jnp.ones(2)})) == int(param_seed({"w": jnp.ones(2)}))
        True
    """
    total = jnp.zeros((), jnp.float32)
    for i, leaf in enumerate(jax.tree_util.tree_leaves(params)):
        leaf = jnp.asarray(jax.lax.stop_gradient(leaf))
        if jnp.issubdtype(leaf.dtype, jnp.inexact) and leaf.size:
            # - a position-weighted sum, so swapping values between leaves changes the seed
            total = total + jnp.sum(leaf.astype(jnp.float32)) * (1.0 + 0.618034 * i)
    return jax.lax.bitcast_convert_type(total, jnp.uint32)
