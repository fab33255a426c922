"""Parameter transformer wrappers (spec robustness §1.3) and training under noise with fit (§6)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import JaxModule, LIFJax, Linear, LinearJax, Module
from rockpool.training import fit, jax_loss
from rockpool.transform.dropout import Dropout, JaxDropout, ModDropout
from rockpool.transform.functional import mismatch
from rockpool.transform.param_transformer import (
    JaxParameterTransformerMixin,
    ParameterTransformerMixin,
    deep_update,
)
from rockpool.transform.quantize import JaxStochasticQuantize, ModStochasticQuantize, StochasticQuantize
from rockpool.transform.training import noisy_loss

X = jnp.ones((2, 5, 4))


@pytest.fixture(scope="module")
def drop():
    return Dropout(LinearJax((4, 3), weight=jnp.ones((4, 3))), families="weights", transform_params=0.5, rng_key=0)


def test_structure_repr_state_and_factories(drop):
    assert isinstance(drop, JaxDropout) and repr(drop) == "JaxDropout(LinearJax 'module' with shape (4, 3))"
    assert drop.shape == (4, 3)
    assert set(drop.parameters()) == {"module"} and set(drop.state()) == {"module", "rng_key"}
    np.testing.assert_array_equal(drop.rng_key, jax.random.split(jax.random.PRNGKey(0))[1])
    assert drop.families == ["weights"] and drop.transform_params == [0.5]
    assert isinstance(Dropout(Linear((2, 2))), ModDropout)
    assert isinstance(StochasticQuantize(LinearJax((2, 2))), JaxStochasticQuantize)
    assert isinstance(StochasticQuantize(Linear((2, 2))), ModStochasticQuantize)
    assert JaxDropout(LinearJax((2, 2)), families=("weights",), transform_params=(0.1,)).families == ("weights",)


def test_evolve_really_applies_the_transform_and_advances_the_key(drop):
    out, state, _ = drop(X)
    plain = X @ jnp.ones((4, 3))
    assert not np.allclose(out, plain)  # ref bug: the transform was silently not applied
    tp = drop.transformed_parameters()
    np.testing.assert_array_equal(tp["module"]["weight"], drop.transformed_parameters()["module"]["weight"])
    np.testing.assert_allclose(out, X @ tp["module"]["weight"], rtol=1e-6)  # evolve uses that draw
    np.testing.assert_array_equal(state["rng_key"], jax.random.split(drop.rng_key)[0])
    out2, _, _ = drop.set_attributes(state)(X)
    assert not np.allclose(out2, out)  # the advanced key draws a new mask
    np.testing.assert_array_equal(drop.module.weight, 1.0)  # stored parameters untransformed


def test_jit_grad_vmap(drop):
    f = jax.jit(lambda m, x: m(x)[0])
    np.testing.assert_allclose(f(drop, X), drop(X)[0], rtol=1e-6)

    def loss(p):
        return jnp.sum(drop.set_attributes(p)(X)[0])

    g = jax.grad(loss)(drop.parameters())["module"]["weight"]
    mask = drop.transformed_parameters()["module"]["weight"] != 0
    np.testing.assert_allclose(g, np.where(mask, 10.0, 0.0))  # gradient of w * mask
    keys = jax.vmap(lambda k: jax.random.split(k)[1])(jax.random.split(jax.random.PRNGKey(2), 3))
    outs = jax.vmap(lambda k: drop.set_attributes({"rng_key": k})(X)[0])(keys)
    assert outs.shape == (3, 2, 5, 3) and not np.allclose(outs[0], outs[1])
    st = JaxDropout(LinearJax((4, 3), weight=jnp.ones((4, 3))), "weights", 0.5, rng_key=0, straight_through=True)
    g = jax.grad(lambda p: jnp.sum(st.set_attributes(p)(X)[0]))(st.parameters())["module"]["weight"]
    np.testing.assert_allclose(g, 10.0)


def test_dropout_off_is_free_and_probability_checks():
    inner = Sequential(LinearJax((4, 3)), LIFJax(3))
    off = JaxDropout(inner, transform_params=0.0, rng_key=1)
    np.testing.assert_array_equal(off(X)[0], inner(X)[0])
    jaxpr = str(jax.make_jaxpr(lambda m: m.evolve(X)[0])(off))
    assert "random_bits" not in jaxpr and "threefry" not in jaxpr  # nothing is drawn
    for bad in (1.0, -0.1, "a"):
        with pytest.raises(ValueError, match=r"\[0, 1\)"):
            JaxDropout(inner, transform_params=bad)
    with pytest.raises(ValueError, match="available families"):
        JaxDropout(inner, families="weight")
    with pytest.raises(ValueError, match="one per family"):
        JaxDropout(inner, families=["weights", "taus"], transform_params=[0.1, 0.2, 0.3])
    with pytest.raises(TypeError, match="JAX modules"):
        JaxDropout(Linear((2, 2)))
    # - default p = 0.5, drop probability in both backends (ours)
    d = JaxDropout(LinearJax((100, 50), weight=jnp.ones((100, 50))), rng_key=2)
    assert 0.45 < float((d.transformed_parameters()["module"]["weight"] == 0).mean()) < 0.55
    nd = ModDropout(Linear((100, 50), weight=np.ones((100, 50))), "weights", 0.1)
    assert 0.07 < float((nd.transformed_parameters()["module"]["weight"] == 0).mean()) < 0.13


def test_native_wrappers_transform_and_restore():
    lin = Linear((3, 200), weight=np.full((3, 200), 2.3))
    q = ModStochasticQuantize(lin, "weights")
    out, state, _ = q(np.ones((1, 3)))
    assert set(np.unique(out)) <= {6.0, 7.0, 8.0, 9.0} and set(state) == {"module"}
    np.testing.assert_array_equal(lin.weight, 2.3)  # restored after evolve
    d = ModDropout(Linear((3, 2), weight=np.ones((3, 2))), transform_params=0.5, scale_by_keep=True)
    assert set(np.unique(d.transformed_parameters()["module"]["weight"])) <= {0.0, 2.0}

    class Scale(ParameterTransformerMixin, Module):
        def _transform(self, p, k):
            return p * k

    s = Scale(Linear((2, 3), weight=np.ones((2, 3))), families="weights", transform_params=2.0)
    np.testing.assert_array_equal(s.transformed_parameters()["module"]["weight"], 2.0)
    np.testing.assert_array_equal(s(np.ones((1, 2)))[0], 4.0)


def test_custom_jax_transformer_and_quantiser():
    class Scale(JaxParameterTransformerMixin, JaxModule):
        def _transform(self, p, k):
            return p * k

    s = Scale(LinearJax((2, 3), weight=jnp.ones((2, 3))), "weights", 3.0, rng_key=0)
    np.testing.assert_array_equal(jax.jit(lambda m: m(jnp.ones((1, 2)))[0])(s), 6.0)
    q = JaxStochasticQuantize(LinearJax((1, 4000), weight=jnp.full((1, 4000), 2.3)), "weights", rng_key=0)
    w = q.transformed_parameters()["module"]["weight"]
    assert set(np.unique(np.asarray(w))) == {2.0, 3.0} and float(w.mean()) == pytest.approx(2.3, abs=0.03)
    g = jax.grad(lambda p: jnp.sum(q.set_attributes(p)(jnp.ones((1, 1)))[0]))(q.parameters())
    np.testing.assert_array_equal(g["module"]["weight"], 0.0)  # no straight-through by default


def test_deep_update():
    src = {"a": {"b": 1, "c": {"d": 2}}, "e": 3}
    out = deep_update(src, {"a": {"c": {"d": 5, "f": 6}}, "g": {"h": 1}})
    assert out is src and src == {"a": {"b": 1, "c": {"d": 5, "f": 6}}, "e": 3, "g": {"h": 1}}


def test_noisy_loss_in_fit_compiles_once_and_resumes_exactly(tmp_path):
    from rockpool.training import loop

    net = LinearJax((3, 2), weight=np.full((3, 2), 0.5))
    rng = np.random.RandomState(0)
    data = [(rng.rand(2, 4, 3), rng.rand(2, 4, 2)) for _ in range(3)]
    loss = noisy_loss(jax_loss.mse, lambda p, k: mismatch(p, k, 0.2), jax.random.PRNGKey(0))
    before = loop._cache_size()
    full, hist = fit(net, loss, data, "adam", epochs=2, lr=1e-2, progress=False)
    assert loop._cache_size() == before + 1
    plain = [float(jax_loss.mse(full.reset_state().set_attributes(full.parameters())(x)[0], y)) for x, y in data]
    assert not np.allclose(hist.loss[-3:], plain)  # the loss saw perturbed parameters
    path = tmp_path / "noise.npz"
    fit(net, loss, data, "adam", epochs=1, lr=1e-2, progress=False, checkpoint=path)
    resumed, hist2 = fit(net, loss, data, "adam", epochs=2, lr=1e-2, progress=False, checkpoint=path, resume=True)
    np.testing.assert_array_equal(hist2.loss, hist.loss)
    np.testing.assert_array_equal(resumed.weight, full.weight)
    # - the wrappers work inside fit too: every step draws anew (the draw follows the parameters)
    wrapped = JaxDropout(net, "weights", 0.2, rng_key=0)
    trained, h = fit(wrapped, jax_loss.mse, data, "adam", epochs=1, lr=1e-2, progress=False)
    assert h.steps == 3 and np.all(np.isfinite(h.loss))


def test_wrappers_reject_non_modules_and_array_scales():
    # - QA pass: an array where a module belongs gave an AttributeError on 'spiking_input'
    for wrap in (Dropout, StochasticQuantize):
        with pytest.raises(TypeError, match="expected a module to wrap"):
            wrap(np.ones(3), "weights")
    with pytest.raises(ValueError, match="'scale' \\(the grid step\\) must be one positive number"):
        StochasticQuantize(LinearJax((3, 4)), "weights", scale=jnp.ones(4))
