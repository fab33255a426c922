"""rockpool.transform.mismatch and rockpool.transform.functional (spec robustness §1.1, §1.2, §6)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import LIF, InstantJax, LIFJax, Linear, LinearJax, Rate, RateJax, SoftmaxJax
from rockpool.transform import mismatch_generator
from rockpool.transform.functional import (
    dropout,
    family_prototype,
    mismatch,
    param_seed,
    selection_mask,
    stochastic_round,
)
from rockpool.transform.mismatch import module_registery


def _two_linear():
    return Sequential(LinearJax((3, 4), weight=jnp.ones((3, 4))), LinearJax((4, 2), weight=jnp.ones((4, 2))))


def test_registry_keys_and_dtypes():
    reg = module_registery(LIFJax(4))
    assert set(reg) >= {"tau_mem", "tau_syn", "bias", "threshold", "dt", "noise_std", "max_spikes_per_dt"}
    assert list(reg) == sorted(reg)
    assert "rng_key" not in reg and "vmem" not in reg  # states are left out
    assert all(v.dtype == jnp.float32 for v in jax.tree_util.tree_leaves(reg))
    assert list(module_registery(LinearJax((3, 4)))) == ["weight"]
    assert set(module_registery(LinearJax((3, 4), has_bias=True))) == {"weight", "bias"}
    assert list(module_registery(_two_linear())) == ["0_LinearJax", "1_LinearJax"]
    with pytest.raises(TypeError, match="expect a module"):
        module_registery({"w": np.ones(2)})


def test_reference_draw_check_value_and_sigma():
    net = _two_linear()
    proto = jax.tree_util.tree_map(lambda _: True, module_registery(net))
    new = mismatch_generator(proto)(net, jax.random.PRNGKey(0))
    assert float(new["0_LinearJax"]["weight"][0, 0]) == pytest.approx(0.7557544, abs=1e-6)
    # - the draw follows split(key, L + 1)[i + 1], sigma = percent / rule
    keys = jax.random.split(jax.random.PRNGKey(0), 3)
    z = jax.random.normal(keys[2], (4, 2))
    np.testing.assert_allclose(new["1_LinearJax"]["weight"], 1 + 0.1 * z, rtol=1e-6)
    new2 = mismatch_generator(proto, percent_deviation=0.6, sigma_rule=2.0)(net, jax.random.PRNGKey(0))
    np.testing.assert_allclose(new2["1_LinearJax"]["weight"], 1 + 0.3 * z, rtol=1e-6)
    again = mismatch_generator(proto)(net, jax.random.PRNGKey(0))
    np.testing.assert_array_equal(again["0_LinearJax"]["weight"], new["0_LinearJax"]["weight"])
    other = mismatch_generator(proto)(net, jax.random.PRNGKey(1))
    assert not np.array_equal(other["0_LinearJax"]["weight"], new["0_LinearJax"]["weight"])
    with pytest.raises(ValueError, match="sigma_rule"):
        mismatch_generator(proto, sigma_rule=0)


def test_partial_prototype_zeros_and_unselected_leaves():
    net = Sequential(LinearJax((3, 4)), LIFJax(4))
    gen = mismatch_generator({"1_LIFJax": {"tau_mem": True, "bias": True}})
    new = gen(net, jax.random.PRNGKey(3))
    np.testing.assert_array_equal(new["1_LIFJax"]["bias"], 0.0)  # zeros stay zero
    assert not np.allclose(new["1_LIFJax"]["tau_mem"], 0.02)
    np.testing.assert_array_equal(new["0_LinearJax"]["weight"], net.parameters()["0_LinearJax"]["weight"])
    assert new["1_LIFJax"]["dt"] == 1e-3  # a static Python number comes back unchanged (ours)
    out = net.set_attributes(new)
    assert out.modules()["1_LIFJax"].tau_mem.shape == (4,)
    with pytest.raises(ValueError, match=r"1_LIFJax\.tau_rise"):
        mismatch_generator({"1_LIFJax": {"tau_rise": True}})(net, jax.random.PRNGKey(0))


def test_works_on_rate_instant_softmax_and_native_networks():
    key = jax.random.PRNGKey(0)
    net = Sequential(LinearJax((3, 4)), InstantJax(4, jnp.tanh), RateJax(4), SoftmaxJax((4, 2)))
    proto = jax.tree_util.tree_map(lambda _: True, module_registery(net))
    net.set_attributes(mismatch_generator(proto)(net, key))(np.ones((5, 3)))
    native = Sequential(Linear((3, 4)), Rate(4), LIF(4))
    proto = jax.tree_util.tree_map(lambda _: False, module_registery(native))
    proto["1_Rate"]["tau"] = True
    new = mismatch_generator(proto)(native, key)
    assert not np.allclose(np.asarray(new["1_Rate"]["tau"]), 0.02)


def test_jit_grad_vmap():
    net = Sequential(LinearJax((3, 4)), LIFJax(4))
    gen = mismatch_generator({"0_LinearJax": {"weight": True}, "1_LIFJax": {"tau_mem": True}})
    x = jnp.ones((6, 3))

    def run(n, k):
        return n.reset_state().set_attributes(gen(n, k))(x)[0]

    key = jax.random.PRNGKey(4)
    np.testing.assert_allclose(jax.jit(run)(net, key), run(net, key))
    many = jax.vmap(run, (None, 0))(net, jax.random.split(key, 3))
    assert many.shape == (3, 1, 6, 4)

    def loss(p):
        n = net.set_attributes(p)
        return jnp.sum(n.reset_state().set_attributes(gen(n, key))(x * 3)[0] ** 2) + jnp.sum(gen(n, key)["0_LinearJax"]["weight"])

    g = jax.grad(loss)(net.parameters())
    assert all(np.isfinite(np.asarray(v)).all() for v in jax.tree_util.tree_leaves(g))
    assert np.abs(np.asarray(g["0_LinearJax"]["weight"])).sum() > 0


def test_functional_transforms_are_pure_and_reproducible():
    p = {"a": jnp.ones((50, 40)), "b": {"c": jnp.full((30,), 2.3)}}
    key = jax.random.PRNGKey(0)
    m = mismatch(p, key, 0.2)
    assert 0.15 < float(jnp.std(m["a"])) < 0.25
    np.testing.assert_allclose(jax.jit(mismatch, static_argnums=2)(p, key, 0.2)["a"], m["a"], rtol=1e-6)
    assert mismatch(p, key, 0.0) is p  # switched off: no work at all
    d = dropout(p, key, 0.3, select={"a": True})
    assert 0.25 < float((d["a"] == 0).mean()) < 0.35 and float((d["b"]["c"] == 0).mean()) == 0
    inv = dropout(p, key, 0.5, scale_by_keep=True)
    assert set(np.unique(np.asarray(inv["a"]))) <= {0.0, 2.0}
    q = stochastic_round({"x": jnp.full((20000,), -1.25)}, key)
    assert set(np.unique(np.asarray(q["x"]))) == {-2.0, -1.0}
    assert float(jnp.mean(q["x"] == -2.0)) == pytest.approx(0.25, abs=0.02)
    q2 = stochastic_round({"x": jnp.full((4,), 0.3)}, key, step=0.25)
    assert set(np.unique(np.asarray(q2["x"]))) <= {0.25, 0.5}
    np.testing.assert_array_equal(p["a"], 1.0)  # inputs untouched
    # - gradients: mismatch passes 1 + sigma z, rounding 0 or identity (straight-through)
    g = jax.grad(lambda t: jnp.sum(stochastic_round(t, key)["x"]))({"x": jnp.full(3, 0.4)})
    np.testing.assert_array_equal(g["x"], 0.0)
    g = jax.grad(lambda t: jnp.sum(stochastic_round(t, key, straight_through=True)["x"]))({"x": jnp.full(3, 0.4)})
    np.testing.assert_array_equal(g["x"], 1.0)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        dropout(p, key, 1.0)
    with pytest.raises(ValueError, match="does not have"):
        mismatch(p, key, 0.1, select={"zz": True})
    assert selection_mask(p, lambda path, leaf: path.startswith("b")) == [False, True]
    assert param_seed(p) != param_seed({"a": p["a"] * 2, "b": p["b"]})


def test_family_prototype():
    net = Sequential(LinearJax((2, 3)), LIFJax(3))
    proto = family_prototype(net, "weights")
    assert proto == {"0_LinearJax": {"weight": True},
                     "1_LIFJax": {"bias": False, "tau_mem": False, "tau_syn": False, "threshold": False}}
    with pytest.raises(ValueError, match="available families"):
        family_prototype(net, "weight")


def test_generator_rejects_non_finite_hyperparameters_and_non_keys():
    # - QA pass: NaN percent_deviation gave all-NaN parameters; an int key a raw JAX error
    net = Sequential(LinearJax((2, 3)), RateJax(3), InstantJax(3), SoftmaxJax((3, 2)))
    proto = jax.tree_util.tree_map(lambda _: True, module_registery(net))
    with pytest.raises(ValueError, match="percent_deviation must be finite"):
        mismatch_generator(proto, percent_deviation=float("nan"))
    gen = mismatch_generator(proto, 0.3, 3.0)
    with pytest.raises(TypeError, match="rng_key must be a JAX PRNG key"):
        gen(net, 0)
    new = gen(net, jax.random.key(1))  # typed keys work as well as PRNGKey
    assert bool(jnp.all(jnp.isfinite(new["3_SoftmaxJax"]["linear"]["weight"])))
