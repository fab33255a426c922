"""Tree utilities (api.md §3): rockpool.utilities.tree_utils and jax_tree_utils, plus our extras."""

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rockpool.utilities import jax_tree_utils as jtu
from rockpool.utilities import tree_utils as tu
from rockpool.utilities.tree_utils import (
    branches,
    find,
    flatten,
    get_by_path,
    get_nested,
    make_prototype_tree,
    set_by_path,
    set_matching,
    set_matching_select,
    set_nested,
    tree_equal,
    tree_fill,
    tree_find,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_unflatten,
    tree_update,
    unflatten,
)

keys = st.text("abcxyz_0123", min_size=1, max_size=4)
trees = st.recursive(
    st.dictionaries(keys, st.integers(-5, 5), max_size=3),
    lambda children: st.dictionaries(keys, children | st.integers(-5, 5), max_size=3),
    max_leaves=10,
)

T = {"x": 1, "y": {"p": 2, "q": 3}, "z": 4}
PARAMS = {
    "0_LinearJax": {"weight": np.arange(6.0).reshape(2, 3)},
    "1_RateJax": {"tau": np.full(3, 0.02), "bias": np.zeros(3), "threshold": np.zeros(3)},
    "2_InstantJax": {},
}


# ---------------------------------------------------------------- 3.1 tree_utils
def test_branches_order_prefix_and_empty_subtrees():
    assert list(branches(T)) == [("x",), ("y", "p"), ("y", "q"), ("z",)]
    assert list(branches({"a": {}, "b": [1, 2], "c": None})) == [("b",), ("c",)]  # lists and None are leaves
    assert list(branches({"a": 1}, prefix=["root", 0])) == [("root", 0, "a")]
    with pytest.raises(AttributeError):
        list(branches([1, 2]))


def test_get_nested_walks_any_iterable_of_keys():
    assert get_nested(T, ("y", "q")) == 3 and get_nested(T, ["y"]) == {"p": 2, "q": 3}
    assert get_nested(T, "x") == 1  # a one-character string is one key
    assert get_nested({"a": {"b": 5}}, "ab") == 5  # a longer string: one key per character
    with pytest.raises(KeyError):
        get_nested(T, ("y", "r"))
    with pytest.raises(KeyError):
        get_nested(T, ("x", "deeper"))
    with pytest.raises(IndexError):
        get_nested(T, ())


def test_set_nested_copies_deeply_unless_inplace():
    tree = {"a": {"w": np.zeros(2)}}
    new = set_nested(tree, ("a", "b"), 7)
    assert new == {"a": {"w": new["a"]["w"], "b": 7}} and "b" not in tree["a"]
    new["a"]["w"][0] = 1.0
    assert tree["a"]["w"][0] == 0.0  # no array shared with the input
    assert set_nested(tree, ("a", "w"), 1, inplace=True) is tree and tree["a"]["w"] == 1
    with pytest.raises(KeyError):
        set_nested(tree, ("missing", "b"), 1)


def test_set_matching_sets_every_target_branch():
    full = {"a": {"tau": 1.0, "w": 2.0}, "b": {"tau": 3.0}, "c": {"d": 1}}
    target = {"a": {"tau": False}, "b": {"tau": None}, "c": True, "e": 0}
    out = set_matching(full, target, 0.5)
    assert out == {"a": {"tau": 0.5, "w": 2.0}, "b": {"tau": 0.5}, "c": 0.5, "e": 0.5}
    assert full["c"] == {"d": 1} and full["a"]["tau"] == 1.0  # the input is untouched
    assert set_matching(full, {"a": {"w": 1}}, 9, inplace=True) is full and full["a"]["w"] == 9


def test_set_matching_select_only_truthy_targets():
    target = {"x": True, "y": {"p": False, "q": True}}
    assert set_matching_select(T, target, 0) == {"x": 0, "y": {"p": 2, "q": 0}, "z": 4}
    assert T["x"] == 1
    assert set_matching_select(T, {"x": np.array([1])}, 0)["x"] == 0  # one-element arrays are fine
    with pytest.raises(ValueError):
        set_matching_select(T, {"x": np.array([True, False])}, 0)


def test_make_prototype_tree():
    proto = make_prototype_tree(T, {"x": 0, "y": {"q": 0}})
    assert proto == {"x": True, "y": {"p": False, "q": True}, "z": False}
    assert all(type(v) is bool for v in tree_flatten(proto)[0])
    # - a target leaf naming a sub-dict selects nothing; empty sub-dicts are kept
    assert make_prototype_tree({"y": {"p": 1}, "e": {}}, {"y": 1}) == {"y": {"p": False}, "e": {}}
    params_taus = {"1_RateJax": {"tau": None}}
    assert list(tree_find(make_prototype_tree(PARAMS, params_taus))) == [("1_RateJax", "tau")]


def test_tree_map_takes_the_tree_first():
    out = tree_map({"a": 1, "b": {"c": 2}, "d": {}, "e": [1, 2]}, lambda v: v * 2)
    assert out == {"a": 2, "b": {"c": 4}, "d": {}, "e": [1, 2, 1, 2]}
    scaled = tree_map(PARAMS, lambda v: v * 2)
    np.testing.assert_array_equal(scaled["1_RateJax"]["tau"], np.full(3, 0.04))
    assert np.all(PARAMS["1_RateJax"]["tau"] == 0.02)
    with pytest.raises(AttributeError):
        tree_map(3, lambda v: v)


def test_tree_flatten_and_unflatten():
    leaves, treedef = tree_flatten({"a": 1, "b": {"c": None, "d": {}}, "e": [3]})
    assert leaves == [1, None, [3]] and treedef == {"a": None, "b": {"c": None, "d": {}}, "e": None}
    acc = ["before"]
    assert tree_flatten({"a": 1}, acc)[0] is acc and acc == ["before", 1]
    given_leaves = [10, 20, 30, 40]
    assert tree_unflatten(treedef, given_leaves) == {"a": 10, "b": {"c": 20, "d": {}}, "e": 30}
    assert given_leaves == [10, 20, 30, 40]  # not modified; the extra leaf is ignored
    with pytest.raises(IndexError):
        tree_unflatten(treedef, [1, 2])


@given(trees)
def test_tree_flatten_round_trip(tree):
    leaves, treedef = tree_flatten(tree)
    assert tree_unflatten(treedef, leaves) == {k: v for k, v in tree.items()}
    assert len(leaves) == len(list(branches(tree)))
    assert [get_nested(tree, b) for b in branches(tree)] == leaves


def test_tree_update_merges_recursively():
    target = {"a": 1, "b": {"c": 2, "d": 3}, "e": {"f": 4}}
    extra = {"b": {"d": 30}, "e": 5, "g": {"h": 6}}
    out = tree_update(target, extra)
    assert out == {"a": 1, "b": {"c": 2, "d": 30}, "e": 5, "g": {"h": 6}}
    assert target["b"]["d"] == 3 and target["e"] == {"f": 4}  # the copy leaves target untouched
    assert out["g"] is extra["g"]  # new sub-trees are inserted by reference
    assert extra == {"b": {"d": 30}, "e": 5, "g": {"h": 6}}
    assert tree_update(target, {"a": 0}, inplace=True) is target and target["a"] == 0
    with pytest.raises(AttributeError, match="'a'"):
        tree_update({"a": 1}, {"a": {"b": 2}})


def test_tree_find_yields_truthy_branches():
    found = tree_find({"x": True, "y": {"p": False, "q": 1}, "z": np.array([1.0]), "n": None})
    assert not isinstance(found, list) and list(found) == [("x",), ("y", "q"), ("z",)]
    with pytest.raises(ValueError):
        list(tree_find({"a": np.ones(2)}))


def test_all_names_and_no_jax_import():
    assert tu.__all__ == [
        "branches", "get_nested", "set_nested", "set_matching", "set_matching_select",
        "make_prototype_tree", "tree_map", "tree_flatten", "tree_unflatten", "tree_update", "tree_find",
    ]  # fmt: skip
    code = "import sys, rockpool.utilities.tree_utils; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- 3.2 jax_tree_utils
def test_jax_tree_utils_reexports_the_same_objects():
    for name in tu.__all__:
        assert getattr(jtu, name) is getattr(tu, name), name
    assert set(jtu.__all__) == set(tu.__all__) | {
        "tree_map_select", "tree_map_select_with_rng", "tree_map_reduce_select", "tree_map_with_rng",
    }  # fmt: skip


@pytest.fixture(scope="module")
def float_tree():
    return {"x": 1.0, "y": {"p": 2.0, "q": 3.0}, "z": 4.0}


def test_tree_map_select(float_tree):
    proto = make_prototype_tree(float_tree, {"x": 0, "y": {"q": 0}})
    out = jtu.tree_map_select(float_tree, proto, lambda v: v * 10)
    assert jax.tree_util.tree_map(float, out) == {"x": 10.0, "y": {"p": 2.0, "q": 30.0}, "z": 4.0}
    assert all(isinstance(v, jax.Array) for v in jax.tree_util.tree_leaves(out))
    jitted = jax.jit(lambda t: jtu.tree_map_select(t, proto, lambda v: v * 10))(float_tree)
    assert jax.tree_util.tree_map(float, jitted) == jax.tree_util.tree_map(float, out)
    with pytest.raises(TypeError):
        jtu.tree_map_select({"a": jnp.ones(2)}, {"a": True}, lambda v: v[:1])  # shape must be kept


def test_tree_map_select_with_rng():
    tree = {"a": jnp.zeros(4), "b": jnp.zeros(4), "c": jnp.zeros(4)}
    out = jtu.tree_map_select_with_rng(
        tree, {"a": True, "b": False, "c": True}, lambda x, k: x + jax.random.normal(k, x.shape), jax.random.PRNGKey(3)
    )
    assert not jnp.any(out["b"]) and jnp.all(out["a"] != 0) and not jnp.allclose(out["a"], out["c"])


def test_tree_map_reduce_select(float_tree):
    proto = {"x": True, "y": {"p": False, "q": True}, "z": False}

    def nanmax2(a, b):
        return jnp.nanmax(jnp.array([a, b]))

    assert float(jtu.tree_map_reduce_select(float_tree, proto, jnp.nanmax, nanmax2)) == 3.0
    assert float(jtu.tree_map_reduce_select(float_tree, proto, lambda v: v, lambda a, b: a + b, null=0.0)) == 4.0
    order = jtu.tree_map_reduce_select(float_tree, proto, lambda v: v, lambda a, b: a * 10 + b, null=0.0)
    assert float(order) == 1030.0  # folded left to right in leaf order: x, y/p, y/q, z


def test_tree_map_with_rng_splits_one_key_per_leaf():
    key = jax.random.PRNGKey(0)
    tree = {"b": jnp.zeros(2), "a": jnp.zeros(2), "n": None}
    out = jtu.tree_map_with_rng(tree, lambda x, k: jax.random.uniform(k, x.shape), key)
    keys = jax.random.split(key, 3)
    np.testing.assert_array_equal(out["a"], jax.random.uniform(keys[1], (2,)))  # sorted keys: a first
    np.testing.assert_array_equal(out["b"], jax.random.uniform(keys[2], (2,)))
    assert out["n"] is None
    lists = jtu.tree_map_with_rng([jnp.zeros(1), jnp.ones(1)], lambda x, k, r: x + r, key, [1.0, 2.0])
    assert [float(v[0]) for v in lists] == [1.0, 3.0]
    jitted = jax.jit(lambda t, k: jtu.tree_map_with_rng(t, lambda x, kk: x + jax.random.normal(kk, x.shape), k))
    assert jitted({"a": jnp.zeros(2)}, key)["a"].shape == (2,)


# ---------------------------------------------------------------- extras of ours
@given(trees)
def test_flatten_unflatten_extras_round_trip(tree):
    pairs = flatten(tree)
    assert unflatten(pairs) == tree and list(unflatten(pairs)) == list(tree)
    assert tree_leaves(tree) == [leaf for _, leaf in pairs if not isinstance(leaf, dict)]
    for path, leaf in pairs:
        assert get_by_path(tree, path) == leaf


def test_path_helpers_find_fill_equal():
    assert get_by_path(PARAMS, "1_RateJax/tau") is PARAMS["1_RateJax"]["tau"]
    with pytest.raises(KeyError, match="'taus'.*keys there.*'tau'"):
        get_by_path(PARAMS, ("1_RateJax", "taus"))
    new = set_by_path(PARAMS, ("1_RateJax", "tau"), 0.05)
    assert new["1_RateJax"]["tau"] == 0.05 and new["0_LinearJax"] is PARAMS["0_LinearJax"]
    assert find(PARAMS, "tau") == [("1_RateJax", "tau")]
    assert find(PARAMS, lambda x: np.size(x) > 3) == [("0_LinearJax", "weight")]
    assert find(PARAMS, lambda p, x: p[0].startswith("1_") and np.all(x == 0)) == [
        ("1_RateJax", "bias"),
        ("1_RateJax", "threshold"),
    ]
    assert tree_fill(PARAMS, np.zeros_like)["0_LinearJax"]["weight"].shape == (2, 3)
    assert tree_equal(PARAMS, tree_map(PARAMS, np.copy))
    assert not tree_equal(PARAMS, set_by_path(PARAMS, ("1_RateJax", "tau"), np.full(3, 0.021)))
    assert tree_equal(PARAMS, set_by_path(PARAMS, ("1_RateJax", "tau"), np.full(3, 0.020001)), rtol=1e-3)
    assert tree_equal({"a": np.array([np.nan])}, {"a": np.array([np.nan])})


def test_jax_extras():
    p = jax.tree_util.tree_map(jnp.asarray, PARAMS)
    assert jtu.tree_map_with_path(lambda path, x: "/".join(path), p)["1_RateJax"]["tau"] == "1_RateJax/tau"
    assert [path for path, _ in jtu.flatten_with_paths(p)][0] == ("0_LinearJax", "weight")
    expected = np.sqrt(np.sum(np.arange(6.0) ** 2) + 3 * 0.02**2)
    assert float(jax.jit(jtu.tree_global_norm)(p)) == pytest.approx(expected, rel=1e-5)
    assert float(jtu.tree_dot(p, p)) == pytest.approx(expected**2, rel=1e-5)
    assert float(jtu.tree_global_norm(jtu.tree_clip_by_global_norm(p, 1.0))) == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(jtu.tree_add(p, p)["0_LinearJax"]["weight"], 2 * np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(jtu.tree_scale(p, 3.0)["1_RateJax"]["tau"], np.full(3, 0.06), rtol=1e-6)
    assert all(not np.any(x) for x in jax.tree_util.tree_leaves(jtu.tree_zeros_like(p)))
    lower = {"0_LinearJax": {"weight": 1.0}, "1_RateJax": {"tau": 0.05}}
    upper = {"0_LinearJax": {"weight": jnp.full((2, 3), 4.0)}}
    clipped = jax.jit(jtu.tree_clip)(p, lower, upper)
    np.testing.assert_allclose(clipped["0_LinearJax"]["weight"], np.clip(np.arange(6.0), 1, 4).reshape(2, 3))
    np.testing.assert_allclose(clipped["1_RateJax"]["tau"], np.full(3, 0.05), rtol=1e-6)
    assert jtu.bound_at({"a": 1.0}, ("a", "b")) == 1.0 and jtu.bound_at({"a": {}}, ("a", "b"), 7) == 7
