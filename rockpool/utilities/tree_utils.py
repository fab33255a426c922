"""Helpers for nested-dict trees, as returned by ``parameters()``, ``state()`` and friends.

Pure Python / NumPy (no JAX import). A *tree* is a ``dict`` (any ``Mapping``); every value that is
not a dict is a *leaf* (arrays, scalars, lists, tuples and ``None`` included). A *branch* is the
tuple of keys from the root to a leaf. Order is dict order everywhere.

The documented API (``__all__``): :func:`branches`, :func:`get_nested`, :func:`set_nested`,
:func:`set_matching`, :func:`set_matching_select`, :func:`make_prototype_tree`, :func:`tree_map`
(tree first, function second), :func:`tree_flatten`, :func:`tree_unflatten`,
:func:`tree_update`, :func:`tree_find`. Functions that change a tree take ``inplace=False``:
by default they modify and return a deep copy (no arrays shared with the input); with
``inplace=True`` they modify and return the input.

Extra helpers of ours (not in ``__all__``, same conventions): :func:`is_leaf`, :func:`flatten` /
:func:`unflatten` (``(branch, leaf)`` pairs, empty sub-dicts kept), :func:`tree_leaves`,
:func:`get_by_path` / :func:`set_by_path` (``"a/b"`` paths, errors naming the keys there),
:func:`find` (branches by key name or predicate), :func:`tree_fill`, :func:`tree_equal`.

Example:
    >>> from rockpool.utilities.tree_utils import make_prototype_tree, tree_find, tree_map
    >>> params = {"lin": {"weight": 2.0}, "rate": {"tau": 0.02, "bias": 0.0}}
    >>> tree_map(params, lambda x: x * 10)["rate"]["tau"]
    0.2
    >>> list(tree_find(make_prototype_tree(params, {"rate": {"tau": 0}})))
    [('rate', 'tau')]
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Callable, Dict, Generator, Hashable, Iterable, List, Optional, Tuple, Union

import numpy as np

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
]

Tree = Dict[Hashable, Any]
Leaf = Any
Branch = Tuple[Hashable, ...]
Path = Branch


def is_leaf(node: Any) -> bool:
    """A leaf is anything that is not a ``Mapping``."""
    return not isinstance(node, Mapping)


def _copy_or_self(tree: Tree, inplace: bool) -> Tree:
    return tree if inplace else copy.deepcopy(tree)


# ---------------------------------------------------------------------- the documented API
def branches(tree: Tree, prefix: Optional[Iterable[Hashable]] = None) -> Generator[Branch, None, None]:
    """Every branch (tuple of keys from the root to a leaf), depth first in dict order.

    Empty sub-dicts contribute nothing.

    Args:
        tree: The tree (a dict; anything else is an ``AttributeError``).
        prefix: Keys prepended to every branch.

    Example:
        >>> list(branches({"x": 1, "y": {"p": 2, "q": 3}, "z": 4}))
        [('x',), ('y', 'p'), ('y', 'q'), ('z',)]
    """
    head = tuple(prefix) if prefix is not None else ()
    for k, v in tree.items():
        if is_leaf(v):
            yield head + (k,)
        else:
            yield from branches(v, head + (k,))


def get_nested(tree: Tree, branch: Iterable[Hashable]) -> Any:
    """The node (leaf or sub-dict) reached by walking the keys of ``branch``.

    A string branch is walked character by character (``"a"`` is the branch ``("a",)``).

    Raises:
        KeyError: A key is missing.
        IndexError: ``branch`` is empty.

    Example:
        >>> get_nested({"a": {"b": 1}}, ("a", "b")), get_nested({"a": {"b": 1}}, "a")
        (1, {'b': 1})
    """
    keys = list(branch)
    if not keys:
        raise IndexError("get_nested: the branch is empty; give at least one key.")
    node: Any = tree
    for i, k in enumerate(keys):
        if is_leaf(node):
            where = "/".join(map(str, keys[:i]))
            raise KeyError(f"get_nested: no key {k!r} below the leaf at '{where}'.")
        node = node[k]
    return node


def set_nested(tree: Tree, branch: Iterable[Hashable], value: Any, inplace: bool = False) -> Tree:
    """Set the leaf (or sub-dict) at ``branch`` to ``value``; return the tree.

    The last key is created if missing; a missing intermediate key is a ``KeyError``. Without
    ``inplace`` a deep copy is modified (the input is untouched, no arrays are shared).

    Example:
        >>> t = {"a": {"b": 1}}
        >>> set_nested(t, ("a", "c"), 2), t
        ({'a': {'b': 1, 'c': 2}}, {'a': {'b': 1}})
    """
    keys = list(branch)
    if not keys:
        raise IndexError("set_nested: the branch is empty; give at least one key.")
    out = _copy_or_self(tree, inplace)
    node: Any = out
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value
    return out


def set_matching(full_tree: Tree, target_tree: Tree, value: Any, inplace: bool = False) -> Tree:
    """Set every branch of ``target_tree`` (whatever its leaf) to ``value`` in ``full_tree``.

    A target leaf naming a sub-dict of ``full_tree`` replaces the whole sub-dict. Copy /
    ``inplace`` as :func:`set_nested`.

    Example:
        >>> full = {"a": {"tau": 1.0, "w": 2.0}, "b": {"tau": 3.0}}
        >>> set_matching(full, {"a": {"tau": None}, "b": {"tau": None}}, 0.5)
        {'a': {'tau': 0.5, 'w': 2.0}, 'b': {'tau': 0.5}}
    """
    out = _copy_or_self(full_tree, inplace)
    for b in branches(target_tree):
        set_nested(out, b, value, inplace=True)
    return out


def set_matching_select(full_tree: Tree, target_tree: Tree, value: Any, inplace: bool = False) -> Tree:
    """As :func:`set_matching`, but only the branches whose target leaf is truthy.

    Raises:
        ValueError: A target leaf is an array of several elements (its truth is ambiguous).

    Example:
        >>> set_matching_select({"x": 1, "y": {"p": 2, "q": 3}}, {"x": True, "y": {"p": False, "q": True}}, 0)
        {'x': 0, 'y': {'p': 2, 'q': 0}}
    """
    out = _copy_or_self(full_tree, inplace)
    for b in branches(target_tree):
        if bool(get_nested(target_tree, b)):
            set_nested(out, b, value, inplace=True)
    return out


def make_prototype_tree(full_tree: Tree, target_tree: Tree) -> Tree:
    """A tree shaped like ``full_tree`` with ``bool`` leaves: ``True`` where the leaf branch is also a
    leaf branch of ``target_tree``. Empty sub-dicts are kept.

    Example:
        >>> make_prototype_tree({"x": 1, "y": {"p": 2, "q": 3}, "z": 4}, {"x": 0, "y": {"q": 0}})
        {'x': True, 'y': {'p': False, 'q': True}, 'z': False}
    """

    def rec(full: Mapping, target: Any) -> Tree:
        out: Tree = {}
        for k, v in full.items():
            sub = target.get(k, None) if isinstance(target, Mapping) else None
            has = isinstance(target, Mapping) and k in target
            if is_leaf(v):
                out[k] = bool(has and is_leaf(sub))
            else:
                out[k] = rec(v, sub if isinstance(sub, Mapping) else None)
        return out

    return rec(full_tree, target_tree)


def tree_map(tree: Tree, f: Callable[[Any], Any]) -> Tree:
    """A new tree with every leaf replaced by ``f(leaf)`` (tree first, function second).

    Empty sub-dicts are kept; the input is not modified.

    Example:
        >>> tree_map({"a": 1, "b": {"c": 2}, "d": {}}, lambda x: x + 1)
        {'a': 2, 'b': {'c': 3}, 'd': {}}
    """
    return {k: f(v) if is_leaf(v) else tree_map(v, f) for k, v in tree.items()}


def tree_flatten(tree: Tree, leaves: Optional[List[Any]] = None) -> Tuple[List[Any], Tree]:
    """``(leaves, treedef)``: the leaves in branch order, and the tree with every leaf ``None``.

    Empty sub-dicts are kept in ``treedef``. Not the ``jax.tree_util`` format.

    Args:
        tree: The tree.
        leaves: A list to append the leaves to (a new one by default); it is returned.

    Example:
        >>> tree_flatten({"a": 1, "b": {"c": 2, "d": {}}})
        ([1, 2], {'a': None, 'b': {'c': None, 'd': {}}})
    """
    out = [] if leaves is None else leaves
    treedef: Tree = {}
    for k, v in tree.items():
        if is_leaf(v):
            out.append(v)
            treedef[k] = None
        else:
            treedef[k] = tree_flatten(v, out)[1]
    return out, treedef


def tree_unflatten(treedef: Tree, leaves: List[Any], leaves_tail: Optional[List[Any]] = None) -> Tree:
    """Fill the ``None`` slots of ``treedef`` with ``leaves``, in branch order.

    Args:
        treedef: As returned by :func:`tree_flatten` (other leaves are kept as they are).
        leaves: The leaves (not modified); extra leaves are ignored.
        leaves_tail: The leaves still to place (used by the recursion; leave it ``None``).

    Raises:
        IndexError: Fewer leaves than slots.

    Example:
        >>> tree_unflatten({"a": None, "b": {"c": None}}, [1, 2])
        {'a': 1, 'b': {'c': 2}}
    """
    tail = list(leaves) if leaves_tail is None else leaves_tail

    def rec(node: Mapping) -> Tree:
        out: Tree = {}
        for k, v in node.items():
            if v is None:
                if not tail:
                    raise IndexError(
                        f"tree_unflatten: not enough leaves ({len(leaves)}) for the slots of the treedef."
                    )
                out[k] = tail.pop(0)
            elif is_leaf(v):
                out[k] = v
            else:
                out[k] = rec(v)
        return out

    return rec(treedef)


def tree_update(target: Tree, additional: Tree, inplace: bool = False) -> Tree:
    """Merge ``additional`` into ``target`` recursively; return the result.

    Sub-dicts present in both are merged; any other value of ``additional`` replaces or is inserted
    (a leaf replaces a sub-dict). ``additional`` is not modified; its new sub-trees are inserted by
    reference. Copy / ``inplace`` as :func:`set_nested`.

    Raises:
        AttributeError: A sub-dict of ``additional`` meets a leaf of ``target``.

    Example:
        >>> tree_update({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"d": 30}, "e": 5})
        {'a': 1, 'b': {'c': 2, 'd': 30}, 'e': 5}
    """
    out = _copy_or_self(target, inplace)

    def rec(node: Any, extra: Mapping, branch: Branch) -> None:
        if is_leaf(node):
            where = "/".join(map(str, branch))
            raise AttributeError(
                f"tree_update: '{where}' is a leaf ({type(node).__name__}) in the target but a sub-dict "
                f"in `additional`; the structures do not match there."
            )
        for k, v in extra.items():
            if not is_leaf(v) and k in node:
                rec(node[k], v, branch + (k,))
            else:
                node[k] = v

    rec(out, additional, ())
    return out


def tree_find(tree: Tree) -> Generator[Branch, None, None]:
    """The branches whose leaf is truthy (``bool(leaf)``), in branch order.

    Typical use: ``list(tree_find(make_prototype_tree(params, subset)))``.

    Raises:
        ValueError: A leaf is an array of several elements.

    Example:
        >>> list(tree_find({"x": True, "y": {"p": False, "q": 1}}))
        [('x',), ('y', 'q')]
    """
    for b in branches(tree):
        if bool(get_nested(tree, b)):
            yield b


# ---------------------------------------------------------------------- extras of ours
def _mismatch(path: Path, what: str) -> ValueError:
    where = "/".join(map(str, path)) or "<root>"
    return ValueError(f"tree structures differ at '{where}': {what}.")


def flatten(tree: Tree) -> List[Tuple[Path, Leaf]]:
    """Every leaf with its branch, depth first; empty sub-dicts appear as ``(branch, {})``.

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
    """Nested dicts from ``(branch, leaf)`` pairs (the inverse of :func:`flatten`).

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
        node[path[-1]] = dict(leaf) if isinstance(leaf, Mapping) else leaf
    return root


def tree_leaves(tree: Tree) -> List[Leaf]:
    """All leaves in branch order (empty sub-dicts contribute nothing)."""
    return tree_flatten(tree)[0]


def _as_path(path: Union[Path, str]) -> Path:
    if isinstance(path, str):
        return tuple(path.split("/")) if path else ()
    return tuple(path)


def get_by_path(tree: Tree, path: Union[Path, str]) -> Any:
    """The node at ``path`` (a tuple of keys, or ``"a/b"``).

    Raises:
        KeyError: Naming the first missing key and the keys available there.
    """
    path = _as_path(path)
    node: Any = tree
    for i, k in enumerate(path):
        if is_leaf(node) or k not in node:
            have = [] if is_leaf(node) else list(node)
            raise KeyError(f"no key {k!r} at '{'/'.join(map(str, path[:i])) or '<root>'}'; keys there: {have}")
        node = node[k]
    return node


def set_by_path(tree: Tree, path: Union[Path, str], value: Any) -> Tree:
    """A new tree with the node at ``path`` replaced by ``value``, creating missing dicts.

    Only the dicts along ``path`` are copied; every other node is shared with the input.

    Example:
        >>> t = {"rate": {"tau": 0.02}}
        >>> set_by_path(t, ("rate", "tau"), 0.05), t
        ({'rate': {'tau': 0.05}}, {'rate': {'tau': 0.02}})
    """
    path = _as_path(path)
    if not path:
        return value

    def rec(node: Any, i: int) -> Tree:
        new = dict(node) if not is_leaf(node) else {}
        k = path[i]
        new[k] = value if i == len(path) - 1 else rec(new.get(k, {}), i + 1)
        return new

    return rec(tree, 0)


def find(tree: Tree, match: Union[str, Callable[..., bool]]) -> List[Path]:
    """Branches of the leaves stored under key ``match`` (a str), or for which the predicate holds
    (``match(leaf)``, or ``match(branch, leaf)`` for a two-argument predicate).

    Example:
        >>> t = {"0_Lin": {"weight": 1}, "1_Rate": {"tau": 0.02, "weight": 2}}
        >>> find(t, "weight"), find(t, lambda x: x > 1)
        ([('0_Lin', 'weight'), ('1_Rate', 'weight')], [('1_Rate', 'weight')])
    """
    pairs = [(p, leaf) for p, leaf in flatten(tree) if is_leaf(leaf)]
    if isinstance(match, str):
        return [p for p, _ in pairs if p and p[-1] == match]
    import inspect

    try:
        n_args = len(inspect.signature(match).parameters)
    except (TypeError, ValueError):
        n_args = 1
    if n_args >= 2:
        return [p for p, leaf in pairs if bool(match(p, leaf))]
    return [p for p, leaf in pairs if bool(match(leaf))]


def tree_fill(tree: Tree, value: Any = None) -> Tree:
    """Same structure, every leaf replaced by ``value`` (or ``value(leaf)`` if callable).

    Example:
        >>> tree_fill({"a": 1, "b": {"c": 2}}, 0.0)
        {'a': 0.0, 'b': {'c': 0.0}}
    """
    return tree_map(tree, value if callable(value) else (lambda _: value))


def _leaf_equal(a: Any, b: Any, rtol: float, atol: float) -> bool:
    numbers = (int, float, complex)
    if hasattr(a, "shape") or hasattr(b, "shape") or (isinstance(a, numbers) and isinstance(b, numbers)):
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
    """True if ``a`` and ``b`` have the same keys everywhere and equal leaves (arrays by shape and
    values, exactly or within ``np.allclose`` tolerances; NaNs in the same places are equal).

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
