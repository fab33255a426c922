"""rockpool.utilities.tree_utils (pure Python) and jax_tree_utils (JAX)."""

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rockpool.utilities import jax_tree_utils as jtu
from rockpool.utilities.tree_utils import (
    find,
    flatten,
    get_by_path,
    make_prototype,
    set_by_path,
    tree_equal,
    tree_fill,
    tree_find,
    tree_leaves,
    tree_map,
    tree_update,
    unflatten,
)

keys = st.text("abcxyz_0123", min_size=1, max_size=4)
trees = st.recursive(
    st.dictionaries(keys, st.integers(-5, 5), max_size=3),
    lambda children: st.dictionaries(keys, children | st.integers(-5, 5), max_size=3),
    max_leaves=10,
)

PARAMS = {
    "0_LinearJax": {"weight": np.arange(6.0).reshape(2, 3)},
    "1_RateJax": {"tau": np.full(3, 0.02), "bias": np.zeros(3), "threshold": np.zeros(3)},
    "2_InstantJax": {},
}


@given(trees)
def test_flatten_unflatten_round_trip(tree):
    pairs = flatten(tree)
    assert unflatten(pairs) == tree
    assert list(unflatten(pairs)) == list(tree)  # key order kept
    assert tree_leaves(tree) == [leaf for _, leaf in pairs if not isinstance(leaf, dict)]
    for path, leaf in pairs:
        assert get_by_path(tree, path) == leaf


@given(trees)
def test_tree_map_keeps_structure(tree):
    doubled = tree_map(lambda x: 2 * x, tree)
    assert [p for p, _ in flatten(doubled)] == [p for p, _ in flatten(tree)]
    assert tree_map(lambda a, b: b - a, tree, doubled) == tree
    assert tree_equal(tree_fill(tree, 0), tree_map(lambda x: 0, tree))


def test_tree_map_on_parameters_and_mismatch():
    scaled = tree_map(lambda x: x * 2, PARAMS)
    assert list(scaled) == list(PARAMS) and scaled["2_InstantJax"] == {}
    np.testing.assert_array_equal(scaled["1_RateJax"]["tau"], np.full(3, 0.04))
    summed = tree_map(lambda a, b: a + b, PARAMS, scaled)
    np.testing.assert_array_equal(summed["0_LinearJax"]["weight"], 3 * PARAMS["0_LinearJax"]["weight"])
    with pytest.raises(ValueError, match="1_RateJax"):
        tree_map(lambda a, b: a, PARAMS, {**PARAMS, "1_RateJax": {"tau": 1}})


def test_flatten_paths_and_empty_subtrees():
    pairs = flatten(PARAMS)
    assert [p for p, _ in pairs] == [
        ("0_LinearJax", "weight"),
        ("1_RateJax", "tau"),
        ("1_RateJax", "bias"),
        ("1_RateJax", "threshold"),
        ("2_InstantJax",),
    ]
    assert tree_equal(unflatten(pairs), PARAMS)
    assert len(tree_leaves(PARAMS)) == 4


def test_get_and_set_by_path():
    assert get_by_path(PARAMS, ("1_RateJax", "tau")) is PARAMS["1_RateJax"]["tau"]
    assert get_by_path(PARAMS, "1_RateJax/tau") is PARAMS["1_RateJax"]["tau"]
    with pytest.raises(KeyError, match="'taus'.*keys there.*'tau'"):
        get_by_path(PARAMS, ("1_RateJax", "taus"))
    new = set_by_path(PARAMS, ("1_RateJax", "tau"), 0.05)
    assert new["1_RateJax"]["tau"] == 0.05 and new is not PARAMS
    assert np.all(PARAMS["1_RateJax"]["tau"] == 0.02)  # the input is untouched
    assert new["0_LinearJax"] is PARAMS["0_LinearJax"]  # untouched branches are shared
    assert set_by_path({}, "a/b", 1) == {"a": {"b": 1}}


def test_find():
    assert tree_find(PARAMS, "tau") == [("1_RateJax", "tau")]
    assert find is tree_find
    big = tree_find(PARAMS, lambda x: np.size(x) > 3)
    assert big == [("0_LinearJax", "weight")]
    by_path = tree_find(PARAMS, lambda path, x: path[0].startswith("1_") and np.all(x == 0))
    assert by_path == [("1_RateJax", "bias"), ("1_RateJax", "threshold")]


def test_prototype_equal_update():
    proto = make_prototype(PARAMS)
    assert proto == {"0_LinearJax": {"weight": None}, "1_RateJax": dict.fromkeys(["tau", "bias", "threshold"]), "2_InstantJax": {}}
    assert tree_fill(PARAMS, np.zeros_like)["0_LinearJax"]["weight"].shape == (2, 3)
    assert tree_equal(PARAMS, tree_map(np.copy, PARAMS))
    assert not tree_equal(PARAMS, set_by_path(PARAMS, ("1_RateJax", "tau"), np.full(3, 0.021)))
    assert tree_equal(PARAMS, set_by_path(PARAMS, ("1_RateJax", "tau"), np.full(3, 0.020001)), rtol=1e-3)
    assert not tree_equal(PARAMS, {**PARAMS, "extra": 1})
    assert not tree_equal({"a": np.ones(2)}, {"a": np.ones(3)})
    assert tree_equal({"a": np.array([np.nan])}, {"a": np.array([np.nan])})
    merged = tree_update(PARAMS, {"1_RateJax": {"tau": 1.0}})
    assert merged["1_RateJax"]["tau"] == 1.0 and merged["1_RateJax"]["bias"] is PARAMS["1_RateJax"]["bias"]
    assert np.all(PARAMS["1_RateJax"]["tau"] == 0.02)


def test_tree_utils_does_not_import_jax():
    code = "import sys, rockpool.utilities.tree_utils; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_jax_tree_utils():
    p = jax.tree_util.tree_map(jnp.asarray, PARAMS)
    paths = jtu.tree_map_with_path(lambda path, x: "/".join(path), p)
    assert paths["1_RateJax"]["tau"] == "1_RateJax/tau"
    assert [path for path, _ in jtu.flatten_with_paths(p)][0] == ("0_LinearJax", "weight")
    assert jtu.tree_find(p, "bias") == [("1_RateJax", "bias")]
    z = jtu.tree_zeros_like(p)
    assert all(np.all(np.asarray(x) == 0) for x in jax.tree_util.tree_leaves(z))
    expected = np.sqrt(np.sum(np.arange(6.0) ** 2) + 3 * 0.02**2)
    assert float(jtu.tree_global_norm(p)) == pytest.approx(expected, rel=1e-5)
    assert float(jax.jit(jtu.tree_global_norm)(p)) == pytest.approx(expected, rel=1e-5)
    assert float(jtu.tree_dot(p, p)) == pytest.approx(expected**2, rel=1e-5)
    assert float(jtu.tree_global_norm(jtu.tree_clip_by_global_norm(p, 1.0))) == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(jtu.tree_add(p, p)["0_LinearJax"]["weight"], 2 * np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(jtu.tree_scale(p, 3.0)["1_RateJax"]["tau"], np.full(3, 0.06), rtol=1e-6)
    # - clip into bounds as made by make_bounds, with scalars, arrays and missing entries
    lower = {"0_LinearJax": {"weight": 1.0}, "1_RateJax": {"tau": 0.05}}
    upper = {"0_LinearJax": {"weight": jnp.full((2, 3), 4.0)}}
    clipped = jax.jit(jtu.tree_clip)(p, lower, upper)
    np.testing.assert_allclose(clipped["0_LinearJax"]["weight"], np.clip(np.arange(6.0), 1, 4).reshape(2, 3))
    np.testing.assert_allclose(clipped["1_RateJax"]["tau"], np.full(3, 0.05), rtol=1e-6)
    np.testing.assert_array_equal(clipped["1_RateJax"]["bias"], np.zeros(3))
    assert jtu.bound_at({"a": 1.0}, ("a", "b")) == 1.0 and jtu.bound_at({"a": {}}, ("a", "b"), 7) == 7
