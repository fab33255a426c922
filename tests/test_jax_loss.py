"""rockpool.training.jax_loss: errors, regularisers, bounds, softmax."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rockpool.training import jax_loss as l

floats = st.floats(-10, 10, allow_nan=False, width=32)


def test_mse_sse_broadcast():
    out = np.random.rand(1, 5, 2)
    target = np.random.rand(5, 2)
    assert float(l.mse(out, target)) == pytest.approx(np.mean((out[0] - target) ** 2), rel=1e-5)
    assert float(l.sse(out, target)) == pytest.approx(np.sum((out[0] - target) ** 2), rel=1e-5)
    assert float(l.mse(jnp.ones(3), 3.0)) == pytest.approx(4.0)
    g = jax.grad(l.mse)(jnp.array([1.0, 2.0]), jnp.array([0.0, 0.0]))
    np.testing.assert_allclose(g, [1.0, 2.0])


def test_l2sqr_norm_is_mean_of_leaf_means():
    params = {"a": {"w": jnp.array([[1.0, 3.0]])}, "b": {"tau": jnp.array([2.0])}, "c": {}}
    # - leaf means of squares: (1 + 9) / 2 = 5 and 4; their mean 4.5
    assert float(l.l2sqr_norm(params)) == pytest.approx(4.5)
    assert float(l.l2sqr_norm({})) == 0.0
    g = jax.grad(l.l2sqr_norm)(params)
    np.testing.assert_allclose(g["a"]["w"], [[0.5, 1.5]])  # d/dw (mean(w^2) / 2) = w / 2
    np.testing.assert_allclose(g["b"]["tau"], [2.0])


def test_l0_norm_approx_counts_non_zeros():
    params = {"w": jnp.array([0.0, 0.0, 1.0, -2.0]), "v": {"x": jnp.array([[0.5, 0.0]])}}
    assert float(l.l0_norm_approx(params)) == pytest.approx(3.0, abs=1e-3)
    assert float(l.l0_norm_approx(params, sigma=1.0)) < 2.5  # a large sigma is smoother
    g = jax.grad(l.l0_norm_approx)(params)
    assert np.all(np.isfinite(np.asarray(g["w"]))) and float(g["w"][0]) == 0.0


def test_make_bounds_mirrors_params():
    params = {"1_RateJax": {"tau": jnp.ones(3), "bias": jnp.zeros(3), "threshold": jnp.zeros(3)}, "0_Lin": {"weight": jnp.ones((2, 2))}}
    lower, upper = l.make_bounds(params)
    assert type(lower) is dict and type(lower["1_RateJax"]) is dict
    assert list(lower) == ["0_Lin", "1_RateJax"] and list(lower["1_RateJax"]) == ["bias", "tau", "threshold"]
    assert repr(lower) == "{'0_Lin': {'weight': -inf}, '1_RateJax': {'bias': -inf, 'tau': -inf, 'threshold': -inf}}"
    assert repr(upper) == "{'0_Lin': {'weight': inf}, '1_RateJax': {'bias': inf, 'tau': inf, 'threshold': inf}}"
    assert float(l.bounds_cost(params, lower, upper)) == 0.0


def test_bounds_cost_values():
    params = {"rate": {"tau": jnp.array([0.005, 0.02, 0.0]), "bias": jnp.array([1.0, 3.0])}}
    lower, upper = l.make_bounds(params)
    lower["rate"]["tau"] = 10e-3
    upper["rate"]["bias"] = jnp.array([2.0, 2.0])
    expected = math.exp(0.005) + math.exp(0.01) + math.exp(1.0)
    assert float(l.bounds_cost(params, lower, upper)) == pytest.approx(expected, rel=1e-5)
    # - a scalar at a sub-tree bounds everything below; missing entries mean no bound
    assert float(l.bounds_cost(params, {"rate": 0.5})) == pytest.approx(
        math.exp(0.495) + math.exp(0.48) + math.exp(0.5), rel=1e-5
    )
    assert float(l.bounds_cost(params, {}, None)) == 0.0


def test_bounds_cost_gradients_finite_with_infinite_bounds():
    params = {"a": jnp.array([-1.0, 0.0, 2.0]), "b": jnp.array([[5.0]])}
    lower, upper = l.make_bounds(params)
    lower["a"] = 0.0
    upper["b"] = jnp.array([[1e3]])  # a traced-looking (array) bound that is not violated
    with jax.debug_nans(True):
        value, g = jax.jit(jax.value_and_grad(l.bounds_cost))(params, lower, upper)
        g2 = jax.grad(l.bounds_cost)(params, l.make_bounds(params)[0], l.make_bounds(params)[1])
    assert float(value) == pytest.approx(math.e, rel=1e-5)
    np.testing.assert_allclose(g["a"], [-math.e, 0.0, 0.0], rtol=1e-5)
    np.testing.assert_allclose(g["b"], [[0.0]])
    assert all(np.all(np.asarray(x) == 0) for x in jax.tree_util.tree_leaves(g2))
    # - all-infinite bounds given as arrays (not skipped at trace time) are also NaN-free
    inf_lower = {"a": jnp.full(3, -jnp.inf), "b": jnp.full((1, 1), -jnp.inf)}
    inf_upper = {"a": jnp.full(3, jnp.inf), "b": jnp.full((1, 1), jnp.inf)}
    with jax.debug_nans(True):
        v, g3 = jax.jit(jax.value_and_grad(l.bounds_cost))(params, inf_lower, inf_upper)
    assert float(v) == 0.0 and all(np.all(np.asarray(x) == 0) for x in jax.tree_util.tree_leaves(g3))
    # - a huge violation stays finite
    v, g4 = jax.value_and_grad(l.bounds_cost)({"a": jnp.array([-1e4])}, {"a": 0.0})
    assert np.isfinite(float(v)) and np.all(np.isfinite(np.asarray(g4["a"])))


@given(x=arrays(np.float32, 6, elements=floats), lo=floats, width=st.floats(0, 5, width=32))
def test_bounds_cost_each_violator_costs_at_least_one(x, lo, width):
    hi = lo + width
    cost = float(l.bounds_cost({"p": x}, {"p": lo}, {"p": hi}))
    n_violators = int(np.sum((x < np.float32(lo)) | (x > np.float32(hi))))
    assert cost >= n_violators * (1 - 1e-6)
    if n_violators == 0:
        assert cost == 0.0


def test_softmax_and_logsoftmax():
    x = jnp.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 0.0]])
    s = l.softmax(x)
    np.testing.assert_allclose(np.sum(s, axis=-1), [1.0, 1.0], rtol=1e-6)
    np.testing.assert_allclose(s, jax.nn.softmax(x, axis=-1), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(l.logsoftmax(x), jax.nn.log_softmax(x, axis=-1), rtol=1e-6, atol=1e-6)
    assert np.all(np.isfinite(np.asarray(l.logsoftmax(x))))
    # - temperature: softmax(x, T) == softmax(x / T); high T flattens
    np.testing.assert_allclose(l.softmax(x, temperature=2.0), jax.nn.softmax(x / 2.0, axis=-1), rtol=1e-6)
    assert float(jnp.max(l.softmax(x[0], temperature=100.0))) < 0.35
    np.testing.assert_allclose(l.logsoftmax(x[0], 0.5), jnp.log(l.softmax(x[0], 0.5)), rtol=1e-5)
    # - over the last axis of a (B, T, N) array
    y = jnp.asarray(np.random.randn(2, 3, 4))
    np.testing.assert_allclose(jnp.sum(l.softmax(y), axis=-1), np.ones((2, 3)), rtol=1e-6)
    g = jax.grad(lambda z: l.logsoftmax(z)[0, 0])(x)
    assert np.all(np.isfinite(np.asarray(g)))


def test_loss_on_network_parameters():
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import LinearJax, RateJax

    net = Sequential(LinearJax((3, 4)), RateJax(4, activation_func="tanh"), LinearJax((4, 2)))
    lower, upper = l.make_bounds(net.parameters())
    assert set(lower["1_RateJax"]) == set(net.parameters()["1_RateJax"])
    lower["1_RateJax"]["tau"] = 10e-3
    bad = net.parameters()
    bad["1_RateJax"]["tau"] = jnp.full(4, 5e-3)

    def loss(p):
        return l.l2sqr_norm(p) + l.bounds_cost(p, lower, upper)

    g = jax.jit(jax.grad(loss))(bad)
    assert np.all(np.asarray(g["1_RateJax"]["tau"]) < 0)  # gradient pushes tau up, towards its bound
    assert float(l.bounds_cost(net.parameters(), lower, upper)) == 0.0


def test_bounds_with_unknown_keys_are_errors_not_silently_ignored():
    params = {"rate": {"tau": jnp.array([0.005, 0.02])}}
    with pytest.raises(ValueError, match=r"lower_bounds names 'rate\.tua', which is not in the parameter tree"):
        l.bounds_cost(params, {"rate": {"tua": 0.01}}, None)
    with pytest.raises(ValueError, match=r"upper_bounds names 'rat'"):
        l.bounds_cost(params, None, {"rat": 0.01})
    assert float(l.bounds_cost(params, {"rate": 0.01}, None)) > 1.0  # a scalar over a sub-tree is fine


def test_softmax_temperature_must_be_positive():
    for fn in (l.softmax, l.logsoftmax):
        with pytest.raises(ValueError, match=r"temperature must be > 0 \(got 0\.0\)"):
            fn(jnp.ones(2), 0.0)
