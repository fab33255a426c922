"""LIF / LIFJax options used by NIR import: reset_mode="to_value" (v_reset) and integration="euler"."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rockpool.nn.modules import LIF, LIFJax

RNG = np.random.default_rng(0)
X = RNG.normal(0.3, 1.0, (2, 40, 6))
W_REC = RNG.normal(0, 0.4, (3, 6))
KW = dict(tau_mem=[0.01, 0.02, 0.03], tau_syn=0.005, threshold=0.8, max_spikes_per_dt=1, rng_key=0)
MODES = [
    dict(reset_mode="to_value", v_reset=[-0.2, 0.0, 0.3]),
    dict(integration="euler"),
    dict(integration="euler", reset_mode="to_value", v_reset=0.1, w_rec=W_REC),
]


@pytest.mark.parametrize("mode", MODES)
def test_numpy_and_jax_agree(mode):
    a = LIF((6, 3), **KW, **mode)
    b = LIFJax((6, 3), **KW, **mode)
    oa, _, ra = a(X, record=True)
    ob, _, rb = b(X.astype(np.float32), record=True)
    assert oa.sum() > 10
    np.testing.assert_array_equal(np.asarray(ob), oa)
    np.testing.assert_allclose(np.asarray(rb["vmem"]), ra["vmem"], atol=1e-4)


def test_reset_to_value_and_euler_closed_form():
    lif = LIF(
        1,
        tau_mem=0.02,
        tau_syn=0.01,
        threshold=1.0,
        dt=1e-3,
        reset_mode="to_value",
        v_reset=-0.5,
        integration="euler",
        max_spikes_per_dt=1,
    )
    x = np.zeros((30, 1))
    x[0] = 3.0
    out, _, rec = lif(x, record=True)
    a, b = 1 - 1e-3 / 0.01, 1 - 1e-3 / 0.02
    i, v, ref_v = 0.0, 0.0, []
    for t in range(30):
        i = a * i + x[t, 0]  # the input is added after the decay
        v = b * v + i
        if v >= 1.0:
            v = -0.5
        ref_v.append(v)
    np.testing.assert_allclose(rec["vmem"][0, :, 0], ref_v, rtol=1e-12)
    assert out.sum() >= 1 and np.all(rec["vmem"][0][out[0] > 0] == -0.5)


def test_defaults_unchanged_and_validated():
    d = LIFJax((6, 3), **KW)
    e = LIFJax((6, 3), **KW, reset_mode="subtract", integration="exp")
    np.testing.assert_array_equal(np.asarray(d(X)[0]), np.asarray(e(X)[0]))
    assert d.reset_mode == "subtract" and d.integration == "exp" and "v_reset" not in d.parameters()
    with pytest.raises(ValueError, match="'reset_mode' must be one of"):
        LIF(2, reset_mode="zero")
    with pytest.raises(ValueError, match="'integration' must be one of"):
        LIFJax(2, integration="rk4")
    with pytest.raises(ValueError, match="'v_reset' is only used with reset_mode='to_value'"):
        LIF(2, v_reset=0.0)
    lif = LIF(2)
    with pytest.raises(ValueError, match="needs the 'v_reset' parameter"):
        lif.reset_mode = "to_value"  # caught at assignment, not at the next call
    with pytest.raises(ValueError, match="'reset_mode' must be one of"):
        lif.set_attributes({"reset_mode": float("nan")})
    assert lif.reset_mode == "subtract" and lif(np.ones((3, 2)))[0].shape == (1, 3, 2)


def test_jax_transformations_with_the_new_modes():
    mode = MODES[2]
    lif = LIFJax((6, 3), **KW, **mode)
    x = jnp.asarray(X, jnp.float32)
    eager = lif(x)[0]  # (record=False; record=True is checked against NumPy above)
    np.testing.assert_array_equal(
        np.asarray(jax.jit(lambda m, x: m(x)[0])(lif, x)), np.asarray(eager)
    )
    looped = np.concatenate([np.asarray(lif(x[i : i + 1])[0]) for i in range(2)])
    np.testing.assert_array_equal(looped, np.asarray(eager))  # batched == looped
    leaves, tree = jax.tree_util.tree_flatten(lif)
    again = jax.tree_util.tree_unflatten(tree, leaves)
    assert again.reset_mode == "to_value" and again.integration == "euler"

    params = lif.parameters()

    def loss(p):
        return jnp.sum(lif.set_attributes(p)(x)[0] * jnp.arange(3.0))

    g = jax.grad(loss)(params)
    for k, v in g.items():
        assert np.all(np.isfinite(np.asarray(v))), k
    assert np.abs(np.asarray(g["v_reset"])).sum() > 0 and np.abs(np.asarray(g["w_rec"])).sum() > 0
