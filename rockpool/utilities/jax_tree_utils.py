"""JAX versions of the tree helpers, built on :mod:`jax.tree_util` (so they trace under ``jit`` / ``grad``).

Paths are tuples of plain keys (``("1_RateJax", "tau")``), as in
:mod:`rockpool.utilities.tree_utils`. These functions follow JAX's conventions: dict keys come
out sorted, and ``None`` and empty dicts are empty sub-trees, not leaves.

Example:
    >>> import jax.numpy as jnp
    >>> from rockpool.utilities.jax_tree_utils import tree_global_norm
    >>> float(tree_global_norm({"a": jnp.array([3.0]), "b": {"c": jnp.array([4.0])}}))
    5.0
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, List, Tuple, Union

from rockpool._optional import require

require("jax", "jax")  # a missing JAX is an ImportError naming the extra to install

import jax
import jax.numpy as jnp
from jax.tree_util import DictKey, FlattenedIndexKey, GetAttrKey, SequenceKey

from rockpool.utilities.tree_utils import get_by_path, is_leaf

__all__ = [
    "tree_map",
    "tree_map_with_path",
    "flatten_with_paths",
    "unflatten_paths",
    "tree_find",
    "tree_fill",
    "tree_zeros_like",
    "tree_ones_like",
    "tree_add",
    "tree_scale",
    "tree_dot",
    "tree_global_norm",
    "tree_clip",
    "tree_clip_by_global_norm",
    "bound_at",
    "get_by_path",
]

Path = Tuple[Hashable, ...]

tree_map = jax.tree_util.tree_map


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


def unflatten_paths(pairs) -> dict:
    """Nested dicts from ``(path, leaf)`` pairs (see :func:`rockpool.utilities.tree_utils.unflatten`)."""
    from rockpool.utilities.tree_utils import unflatten

    return unflatten(pairs)


def tree_find(tree: Any, match: Union[str, Callable[[Any], bool]]) -> List[Path]:
    """Paths of leaves stored under key ``match`` (a str) or for which ``match(leaf)`` is true."""
    if isinstance(match, str):
        return [p for p, _ in flatten_with_paths(tree) if p and p[-1] == match]
    return [p for p, x in flatten_with_paths(tree) if bool(match(x))]


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

