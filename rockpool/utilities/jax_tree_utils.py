"""Tree helpers for JAX: the :mod:`~rockpool.utilities.tree_utils` API plus selective and random maps.

Re-exports every function of :mod:`rockpool.utilities.tree_utils` (the same objects: ``branches``,
``get_nested``, ``set_nested``, ``set_matching``, ``set_matching_select``, ``make_prototype_tree``,
``tree_map``, ``tree_flatten``, ``tree_unflatten``, ``tree_update``, ``tree_find``) and adds
:func:`tree_map_select`, :func:`tree_map_select_with_rng`, :func:`tree_map_reduce_select` and
:func:`tree_map_with_rng`, which follow JAX's pytree conventions (dict keys sorted, ``None`` an
empty sub-tree) and work under ``jax.jit``.

Extras of ours (not in ``__all__``): ``tree_map_with_path`` / ``flatten_with_paths`` (plain tuple
paths), ``tree_zeros_like``, ``tree_ones_like``, ``tree_add``, ``tree_scale``, ``tree_dot``,
``tree_global_norm``, ``tree_clip``, ``tree_clip_by_global_norm``, ``bound_at``, ``tree_fill``.

Example:
    >>> import jax.numpy as jnp
    >>> from rockpool.utilities.jax_tree_utils import make_prototype_tree, tree_map_select
    >>> params = {"tau": jnp.array([0.02, 0.03]), "w": jnp.ones(2)}
    >>> tree_map_select(params, make_prototype_tree(params, {"w": 0}), lambda w: 2 * w)["w"].tolist()
    [2.0, 2.0]
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Hashable, List, Tuple

from rockpool._optional import require

require("jax", "jax")  # a missing JAX is an ImportError naming the extra to install

import jax
import jax.numpy as jnp
from jax.tree_util import DictKey, FlattenedIndexKey, GetAttrKey, SequenceKey

from rockpool.utilities.tree_utils import (
    branches,
    get_by_path,
    get_nested,
    is_leaf,
    make_prototype_tree,
    set_matching,
    set_matching_select,
    set_nested,
    tree_find,
    tree_flatten,
    tree_map,
    tree_unflatten,
    tree_update,
)

__all__ = [
    "branches",
    "get_nested",
    "set_nested",
    "set_matching",
    "set_matching_select",
    "make_prototype_tree",
    "tree_map",
    "tree_flatten",
    "tree_unflatten",
    "tree_update",
    "tree_find",
    "tree_map_select",
    "tree_map_select_with_rng",
    "tree_map_reduce_select",
    "tree_map_with_rng",
]

Path = Tuple[Hashable, ...]
_EXTRAS = (get_by_path,)  # re-exported for callers of the older API


def _identity(x: Any) -> Any:
    return x


def _leaf_keys(tree: Any, rng_key: Any) -> Any:
    """A pytree shaped like ``tree`` holding one fresh key per leaf: ``split(rng_key, n + 1)[i + 1]``."""
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    keys = jax.random.split(rng_key, len(leaves) + 1)
    return jax.tree_util.tree_unflatten(treedef, [keys[i + 1] for i in range(len(leaves))])


def tree_map_select(tree: Any, prototype_tree: Any, map_fun: Callable[[Any], Any]) -> Any:
    """Apply ``map_fun`` to the leaves whose prototype leaf is ``True``; keep the others.

    Selection uses ``jax.lax.cond``, so ``map_fun`` must keep each leaf's shape and dtype (else a
    JAX ``TypeError``); every returned leaf is a JAX array. Works under ``jax.jit``.

    Args:
        tree: A pytree of arrays.
        prototype_tree: The same structure with ``bool`` leaves (see :func:`make_prototype_tree`).
        map_fun: ``leaf -> new leaf``.

    Example:
        >>> tree = {"x": 1.0, "y": {"p": 2.0, "q": 3.0}}
        >>> out = tree_map_select(tree, {"x": True, "y": {"p": False, "q": True}}, lambda v: v * 10)
        >>> float(out["x"]), float(out["y"]["p"]), float(out["y"]["q"])
        (10.0, 2.0, 30.0)
    """
    return jax.tree_util.tree_map(
        lambda leaf, sel: jax.lax.cond(sel, map_fun, _identity, leaf), tree, prototype_tree
    )


def tree_map_select_with_rng(
    tree: Any, prototype_tree: Any, map_fun: Callable[[Any, Any], Any], rng_key: Any
) -> Any:
    """As :func:`tree_map_select`, with ``map_fun(leaf, key)`` and a fresh key per leaf (split from
    ``rng_key`` as in :func:`tree_map_with_rng`).

    Example:
        >>> import jax
        >>> tree = {"a": jnp.zeros(3), "b": jnp.zeros(3)}
        >>> noisy = tree_map_select_with_rng(tree, {"a": True, "b": False},
        ...                                  lambda x, k: x + jax.random.normal(k, x.shape), jax.random.PRNGKey(0))
        >>> bool(jnp.all(noisy["a"] != 0)), bool(jnp.all(noisy["b"] == 0))
        (True, True)
    """
    keys = _leaf_keys(tree, rng_key)
    return jax.tree_util.tree_map(
        lambda leaf, sel, key: jax.lax.cond(sel, map_fun, lambda x, _: x, leaf, key), tree, prototype_tree, keys
    )


def tree_map_reduce_select(
    tree: Any,
    protoype_tree: Any,
    map_fun: Callable[[Any], Any],
    reduce_fun: Callable[[Any, Any], Any],
    null: Any = jnp.nan,
) -> Any:
    """Map the selected leaves with ``map_fun`` (the others become ``null``) and fold the results left
    to right in JAX leaf order with ``functools.reduce(reduce_fun, values)``.

    ``null`` must have the structure, shape and dtype of ``map_fun``'s output (``lax.cond``). The
    parameter name ``protoype_tree`` is spelled as in the reference API.

    Example:
        >>> tree = {"x": 1.0, "y": {"p": 2.0, "q": 3.0}, "z": 4.0}
        >>> proto = {"x": True, "y": {"p": False, "q": True}, "z": False}
        >>> float(tree_map_reduce_select(tree, proto, jnp.nanmax, lambda a, b: jnp.nanmax(jnp.array([a, b]))))
        3.0
        >>> float(tree_map_reduce_select(tree, proto, lambda v: v, lambda a, b: a + b, null=0.0))
        4.0
    """
    leaves = jax.tree_util.tree_leaves(tree)
    selected = jax.tree_util.tree_structure(tree).flatten_up_to(protoype_tree)  # type: ignore[attr-defined]
    values = [
        jax.lax.cond(sel, map_fun, lambda _: null, leaf) for leaf, sel in zip(leaves, selected, strict=True)
    ]
    return functools.reduce(reduce_fun, values)


def tree_map_with_rng(tree: Any, map_fun: Callable[..., Any], rng_key: Any, *rest: Any) -> Any:
    """``jax.tree_util.tree_map(map_fun, tree, *rest)`` with ``map_fun(leaf, key, *rest_leaves)``.

    ``rng_key`` is split into ``num_leaves + 1`` keys; key ``i + 1`` goes to leaf ``i`` (JAX leaf
    order: dict keys sorted; ``None`` is an empty sub-tree and stays ``None``). Works under ``jit``.

    Example:
        >>> import jax
        >>> out = tree_map_with_rng({"a": jnp.zeros(2), "b": jnp.zeros(2)},
        ...                         lambda x, k: x + jax.random.uniform(k, x.shape), jax.random.PRNGKey(1))
        >>> bool(jnp.all(out["a"] != out["b"]))
        True
    """
    return jax.tree_util.tree_map(map_fun, tree, _leaf_keys(tree, rng_key), *rest)


# ---------------------------------------------------------------------- extras of ours
def _plain_key(k: Any) -> Hashable:
    if isinstance(k, DictKey):
        return k.key
    if isinstance(k, SequenceKey):
        return k.idx
    if isinstance(k, GetAttrKey):
        return k.name
    if isinstance(k, FlattenedIndexKey):
        return k.key
    return k


def _plain_path(path: tuple) -> Path:
    return tuple(_plain_key(k) for k in path)


def tree_map_with_path(f: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """Like :func:`jax.tree_util.tree_map_with_path`, but ``f`` gets a plain tuple path.

    Example:
        >>> tree_map_with_path(lambda p, x: "/".join(p), {"a": {"b": 1}})
        {'a': {'b': 'a/b'}}
    """
    return jax.tree_util.tree_map_with_path(lambda p, *xs: f(_plain_path(p), *xs), tree, *rest)


def flatten_with_paths(tree: Any) -> List[Tuple[Path, Any]]:
    """``[(path, leaf), ...]`` for every leaf, in JAX's (sorted-key) order."""
    leaves, _ = jax.tree_util.tree_flatten_with_path(tree)
    return [(_plain_path(p), x) for p, x in leaves]


def tree_fill(tree: Any, value: Any) -> Any:
    """Same structure, every leaf replaced by ``value``."""
    return jax.tree_util.tree_map(lambda _: value, tree)


def tree_zeros_like(tree: Any) -> Any:
    """Same structure, every leaf replaced by zeros of its shape and dtype."""
    return jax.tree_util.tree_map(jnp.zeros_like, tree)


def tree_ones_like(tree: Any) -> Any:
    """Same structure, every leaf replaced by ones of its shape and dtype."""
    return jax.tree_util.tree_map(jnp.ones_like, tree)


def tree_add(a: Any, b: Any) -> Any:
    """Leaf-wise ``a + b``."""
    return jax.tree_util.tree_map(jnp.add, a, b)


def tree_scale(tree: Any, scale: Any) -> Any:
    """Every leaf multiplied by ``scale``."""
    return jax.tree_util.tree_map(lambda x: x * scale, tree)


def tree_dot(a: Any, b: Any) -> jax.Array:
    """:math:`\\sum_{leaves} \\sum_i a_i b_i`."""
    parts = [jnp.sum(x * y) for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True)]
    return sum(parts, jnp.zeros(()))


def tree_global_norm(tree: Any) -> jax.Array:
    """The L2 norm of all leaves together, :math:`\\sqrt{\\sum_{leaves} \\sum_i x_i^2}`."""
    parts = [jnp.sum(jnp.square(x)) for x in jax.tree_util.tree_leaves(tree)]
    return jnp.sqrt(sum(parts, jnp.zeros(())))


def bound_at(bounds: Any, path: Path, default: Any = None) -> Any:
    """The bound that applies at ``path``: the node there, or the nearest leaf above it.

    A scalar at ``bounds["1_RateJax"]`` bounds every parameter of that submodule; a missing
    path (or ``None``) returns ``default``.
    """
    node = bounds
    for k in path:
        if node is None:
            return default
        if is_leaf(node):
            return node  # a leaf above the path bounds the whole sub-tree
        if k not in node:
            return default
        node = node[k]
    return default if node is None or not is_leaf(node) else node


def tree_clip(tree: Any, lower: Any = None, upper: Any = None) -> Any:
    """Clip every leaf into ``[lower, upper]``, taken from trees mirroring ``tree`` (as from ``make_bounds``).

    Bounds may be scalars or arrays broadcastable to the leaf; missing entries mean "no bound".

    Example:
        >>> tree_clip({"tau": jnp.array([0.001, 0.05])}, {"tau": 0.01}, {"tau": 0.02})["tau"].tolist()
        [0.009999999776482582, 0.019999999552965164]
    """

    def clip(path: Path, x: Any) -> Any:
        lo = bound_at(lower, path) if lower is not None else None
        hi = bound_at(upper, path) if upper is not None else None
        if lo is not None:
            x = jnp.maximum(x, jnp.asarray(lo, dtype=jnp.result_type(x)))
        if hi is not None:
            x = jnp.minimum(x, jnp.asarray(hi, dtype=jnp.result_type(x)))
        return x

    return tree_map_with_path(clip, tree)


def tree_clip_by_global_norm(tree: Any, max_norm: float) -> Any:
    """Scale the whole tree down so that its :func:`tree_global_norm` is at most ``max_norm``."""
    norm = tree_global_norm(tree)
    scale = jnp.minimum(1.0, max_norm / jnp.maximum(norm, jnp.finfo(norm.dtype).tiny))
    return jax.tree_util.tree_map(lambda x: x * scale.astype(jnp.result_type(x)), tree)

