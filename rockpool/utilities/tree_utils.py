"""Helpers for nested-dict trees, as returned by ``parameters()``, ``state()`` and friends.

Pure Python / NumPy (no JAX import). A *tree* is a ``dict`` (any ``Mapping``) whose values are
trees or *leaves* (anything else: arrays, scalars, callables). A *path* is a tuple of keys from the
root to a node, e.g. ``("1_RateJax", "tau")``. Key order is preserved everywhere.

An empty sub-dict (a submodule without parameters) is kept as it is by :func:`tree_map`,
:func:`tree_fill` and :func:`tree_equal`, and :func:`flatten` reports it as a ``(path, {})``
entry, so ``unflatten(flatten(t)) == t`` holds exactly.

Example:
    >>> from rockpool.utilities.tree_utils import flatten, get_by_path, tree_map
    >>> t = {"lin": {"weight": 2.0}, "rate": {"tau": 0.02, "bias": 0.0}}
    >>> flatten(t)
    [(('lin', 'weight'), 2.0), (('rate', 'tau'), 0.02), (('rate', 'bias'), 0.0)]
    >>> get_by_path(tree_map(lambda x: x * 10, t), ("rate", "tau"))
    0.2
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Dict, Hashable, Iterable, List, Tuple, Union

import numpy as np

__all__ = [
    "Tree",
    "Leaf",
    "Path",
    "is_leaf",
    "tree_map",
    "flatten",
    "unflatten",
    "tree_leaves",
    "get_by_path",
    "set_by_path",
    "tree_find",
    "find",
    "make_prototype",
    "tree_fill",
    "tree_equal",
    "tree_update",
]

Tree = Dict[Hashable, Any]
Leaf = Any
Path = Tuple[Hashable, ...]


def is_leaf(node: Any) -> bool:
    """A leaf is anything that is not a ``Mapping``."""
    return not isinstance(node, Mapping)


def _mismatch(path: Path, what: str) -> ValueError:
    where = "/".join(map(str, path)) or "<root>"
    return ValueError(f"tree structures differ at '{where}': {what}.")


def tree_map(f: Callable[..., Any], tree: Tree, *rest: Tree) -> Tree:
    """Apply ``f(leaf, *other_leaves)`` to every leaf; return a new tree of the same structure.

    Args:
        f: Called once per leaf, with the matching leaves of ``rest`` as extra arguments.
        tree: The tree to map over (its structure is the output's).
        *rest: Trees with the same structure (same keys at every node).

    Raises:
        ValueError: If a tree in ``rest`` has different keys than ``tree`` somewhere.

    Example:
        >>> tree_map(lambda a, b: a + b, {"x": 1, "s": {"y": 2}}, {"x": 10, "s": {"y": 20}})
        {'x': 11, 's': {'y': 22}}
    """

    def rec(node: Any, others: tuple, path: Path) -> Any:
        if is_leaf(node):
            return f(node, *others)
        for o in others:
            if is_leaf(o) or set(o) != set(node):
                got = "a leaf" if is_leaf(o) else sorted(map(str, o))
                raise _mismatch(path, f"expected keys {sorted(map(str, node))}, got {got}")
        return {k: rec(v, tuple(o[k] for o in others), path + (k,)) for k, v in node.items()}

    return rec(tree, rest, ())


def flatten(tree: Tree) -> List[Tuple[Path, Leaf]]:
    """List every leaf with its path, depth first in key order.

    Empty sub-dicts appear as ``(path, {})`` so that :func:`unflatten` restores them.

    Example:
        >>> flatten({"a": 1, "b": {"c": 2}, "d": {}})
        [(('a',), 1), (('b', 'c'), 2), (('d',), {})]
    """
    out: List[Tuple[Path, Leaf]] = []

    def rec(node: Any, path: Path) -> None:
        if is_leaf(node):
            out.append((path, node))
        elif not node and path:
            out.append((path, {}))
        else:
            for k, v in node.items():
                rec(v, path + (k,))

    rec(tree, ())
    return out


def unflatten(pairs: Iterable[Tuple[Path, Leaf]]) -> Tree:
    """Build a nested dict from ``(path, leaf)`` pairs (the inverse of :func:`flatten`).

    Example:
        >>> unflatten([(("a",), 1), (("b", "c"), 2)])
        {'a': 1, 'b': {'c': 2}}
    """
    root: Tree = {}
    for path, leaf in pairs:
        path = tuple(path)
        if not path:
            raise ValueError("unflatten: a leaf needs a non-empty path.")
        node = root
        for i, k in enumerate(path[:-1]):
            node = node.setdefault(k, {})
            if is_leaf(node):
                raise _mismatch(path[: i + 1], "a leaf was given where a sub-tree is needed")
        if isinstance(leaf, Mapping):
            leaf = dict(leaf)
        node[path[-1]] = leaf
    return root


def tree_leaves(tree: Tree) -> List[Leaf]:
    """All leaves in order (empty sub-dicts contribute nothing)."""
    return [leaf for _, leaf in flatten(tree) if is_leaf(leaf)]


def get_by_path(tree: Tree, path: Union[Path, str]) -> Any:
    """Return the node (sub-tree or leaf) at ``path``.

    Args:
        tree: The tree.
        path: A tuple of keys, or a ``"/"``-separated string (``"1_RateJax/tau"``).

    Raises:
        KeyError: Naming the first key that is missing and the keys available there.
    """
    if isinstance(path, str):
        path = tuple(path.split("/")) if path else ()
    node: Any = tree
    for i, k in enumerate(path):
        if is_leaf(node) or k not in node:
            have = [] if is_leaf(node) else list(node)
            raise KeyError(f"no key {k!r} at '{'/'.join(map(str, path[:i])) or '<root>'}'; keys there: {have}")
        node = node[k]
    return node


def set_by_path(tree: Tree, path: Union[Path, str], value: Any) -> Tree:
    """Return a new tree with the node at ``path`` replaced by ``value``.

    Missing intermediate dicts are created. Only the dicts along ``path`` are copied; the input
    tree and every other node are left untouched (and shared).

    Example:
        >>> t = {"rate": {"tau": 0.02}}
        >>> set_by_path(t, ("rate", "tau"), 0.05), t
        ({'rate': {'tau': 0.05}}, {'rate': {'tau': 0.02}})
    """
    if isinstance(path, str):
        path = tuple(path.split("/")) if path else ()
    if not path:
        return value

    def rec(node: Any, i: int) -> Tree:
        new = dict(node) if not is_leaf(node) else {}
        k = path[i]
        new[k] = value if i == len(path) - 1 else rec(new.get(k, {}), i + 1)
        return new

    return rec(tree, 0)


def tree_find(tree: Tree, match: Union[str, Callable[..., bool]]) -> List[Path]:
    """Paths of the leaves that match.

    Args:
        tree: The tree to search.
        match: A key name (matches leaves stored under that key) or a predicate. A predicate
            taking one argument is called as ``match(leaf)``; one taking two as ``match(path, leaf)``.

    Example:
        >>> t = {"0_Lin": {"weight": 1}, "1_Rate": {"tau": 0.02, "weight": 2}}
        >>> tree_find(t, "weight")
        [('0_Lin', 'weight'), ('1_Rate', 'weight')]
        >>> tree_find(t, lambda x: x > 1)
        [('1_Rate', 'weight')]
    """
    if isinstance(match, str):
        name = match
        return [p for p, leaf in flatten(tree) if is_leaf(leaf) and p and p[-1] == name]
    import inspect

    try:
        n_args = len(inspect.signature(match).parameters)
    except (TypeError, ValueError):
        n_args = 1
    test = (lambda p, leaf: match(p, leaf)) if n_args >= 2 else (lambda p, leaf: match(leaf))
    return [p for p, leaf in flatten(tree) if is_leaf(leaf) and bool(test(p, leaf))]


find = tree_find


def tree_fill(tree: Tree, value: Any = None) -> Tree:
    """A tree with the same structure, every leaf replaced by ``value`` (or ``value(leaf)`` if callable).

    Example:
        >>> tree_fill({"a": 1, "b": {"c": 2}}, 0.0)
        {'a': 0.0, 'b': {'c': 0.0}}
    """
    if callable(value):
        return tree_map(value, tree)
    return tree_map(lambda _: value, tree)


def make_prototype(tree: Tree, value: Any = None) -> Tree:
    """Alias of :func:`tree_fill`: a same-structure tree filled with ``value`` (default ``None``)."""
    return tree_fill(tree, value)


def tree_update(tree: Mapping, other: Mapping) -> Tree:
    """Return ``tree`` with the leaves present in ``other`` replaced (a recursive, non-mutating merge).

    Example:
        >>> tree_update({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"d": 30}})
        {'a': 1, 'b': {'c': 2, 'd': 30}}
    """
    out = dict(tree)
    for k, v in other.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = tree_update(out[k], v)
        else:
            out[k] = v
    return out


def _leaf_equal(a: Any, b: Any, rtol: float, atol: float) -> bool:
    if (hasattr(a, "shape") or hasattr(b, "shape")) or isinstance(a, (int, float, complex)) and isinstance(
        b, (int, float, complex)
    ):
        try:
            a_arr, b_arr = np.asarray(a), np.asarray(b)
        except Exception:
            return a is b
        if a_arr.shape != b_arr.shape:
            return False
        if a_arr.dtype.kind in "biufc" and b_arr.dtype.kind in "biufc":
            if rtol == 0 and atol == 0:
                return bool(np.array_equal(a_arr, b_arr, equal_nan=a_arr.dtype.kind in "fc"))
            return bool(np.allclose(a_arr, b_arr, rtol=rtol, atol=atol, equal_nan=True))
        return bool(np.array_equal(a_arr, b_arr))
    try:
        return bool(a == b)
    except Exception:
        return a is b


def tree_equal(a: Any, b: Any, rtol: float = 0.0, atol: float = 0.0) -> bool:
    """True if ``a`` and ``b`` have the same structure (same keys) and equal leaves.

    Array leaves compare by shape and values (exactly by default, or with ``np.allclose``
    tolerances); NaNs in the same places count as equal. Key order is not compared.

    Example:
        >>> import numpy as np
        >>> tree_equal({"w": np.ones(2)}, {"w": np.ones(2)}), tree_equal({"w": 1}, {"v": 1})
        (True, False)
    """
    if is_leaf(a) or is_leaf(b):
        if is_leaf(a) != is_leaf(b):
            return False
        return _leaf_equal(a, b, rtol, atol)
    if set(a) != set(b):
        return False
    return all(tree_equal(a[k], b[k], rtol, atol) for k in a)
