"""LIFODEJax and the deprecated ExpSmoothJax (spec robustness §5.1, §5.2)."""

import importlib
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rockpool.nn.modules import ExpSynJax, LIFJax, LIFODEJax


def _euler(x, tau_mem, tau_syn, bias, th=1.0, dt=1e-3):
    i = v = 0.0
    out = []
    for xt in x:
        i += dt / tau_syn * (-i + xt)
        v += dt / tau_mem * (-v + i + bias)
        s = np.floor(v / th) if v >= th else 0.0
        v -= s * th
        out.append(s)
    return np.array(out)


def test_lif_ode_closed_form_and_spec_numbers():
    x = np.zeros((3, 1))
    x[0] = 1
    _, _, rec = LIFODEJax(1)(x, record=True)
    assert float(rec["isyn"][0, 0, 0, 0]) == pytest.approx(0.05)
    _, _, rec_lif = LIFJax(1)(x, record=True)
    assert float(rec_lif["isyn"][0, 0, 0, 0]) == pytest.approx(np.exp(-0.05), rel=1e-6)
    const = np.full((200, 1), 3.0)
    ode = LIFODEJax(1, bias=2.0, tau_mem=0.01, tau_syn=0.02)
    assert float(ode(const)[0].sum()) == 84
    assert float(LIFJax(1, bias=2.0, tau_mem=0.01, tau_syn=0.02)(const)[0].sum()) == 10952
    rng = np.random.RandomState(0)
    drive = rng.rand(300) * 40
    out = LIFODEJax(1, bias=0.5, tau_mem=0.015, tau_syn=0.01)(drive[:, None])[0][0, :, 0]
    np.testing.assert_array_equal(out, _euler(drive, 0.015, 0.01, 0.5))


def test_lif_ode_api_jit_grad_batch():
    mod = LIFODEJax((4, 2), has_rec=True, rng_key=0)
    assert set(mod.parameters()) == {"tau_mem", "tau_syn", "bias", "threshold", "w_rec"}
    assert set(mod.state()) == {"spikes", "isyn", "vmem", "rng_key"}
    x = np.random.RandomState(1).rand(3, 20, 4) * 30
    out, state, rec = mod(x, record=True)
    assert out.shape == (3, 20, 2) and set(rec) == {"irec", "isyn", "vmem", "spikes"}
    assert rec["isyn"].shape == (3, 20, 2, 2)
    np.testing.assert_array_equal(jax.jit(lambda m, x: m(x)[0])(mod, x), out)
    for b in range(3):
        np.testing.assert_array_equal(mod(x[b])[0][0], out[b])
    g = jax.grad(lambda p: jnp.sum(mod.set_attributes(p)(x)[0]))(mod.parameters())
    leaves = jax.tree_util.tree_leaves(g)
    assert all(np.isfinite(np.asarray(v)).all() for v in leaves) and any(np.abs(np.asarray(v)).sum() > 0 for v in leaves)
    noisy = LIFODEJax(2, noise_std=0.5, rng_key=3)
    assert not np.allclose(noisy(np.ones((30, 2)), record=True)[2]["vmem"], LIFODEJax(2)(np.ones((30, 2)), record=True)[2]["vmem"])
    import rockpool.nn.modules.jax as jax_pkg

    assert jax_pkg.LIFODEJax is LIFODEJax


def test_exp_smooth_warns_and_matches_spec():
    sys.modules.pop("rockpool.nn.modules.jax.exp_smooth_jax", None)
    with pytest.warns(UserWarning, match="ExpSmoothJax is deprecated. Use ExpSynJax instead"):
        mod = importlib.import_module("rockpool.nn.modules.jax.exp_smooth_jax")
    ExpSmoothJax = mod.ExpSmoothJax
    sm = ExpSmoothJax(2)
    assert sm.shape == (2,) and sm.tau.shape == () and ExpSmoothJax((3, 4)).shape == (4,)
    pulse = np.zeros((4, 2))
    pulse[0] = 1
    y, state, rec = sm(pulse, record=True)
    np.testing.assert_allclose(y[0, :, 0], np.exp(-0.01 * np.arange(4)), rtol=1e-6)
    syn = ExpSynJax(2, tau=0.1)(pulse)[0]
    np.testing.assert_allclose(syn, y * np.exp(-0.01), rtol=1e-6)  # one factor apart
    assert rec["activation"].shape == (1, 4, 2)
    batched = ExpSmoothJax(2, tau=[0.1, 0.05], activation_fun=jnp.tanh)(np.ones((3, 5, 2)))[0]
    assert batched.shape == (3, 5, 2) and float(batched.max()) < 1  # (B, T, N) works (ref failed)
    g = jax.grad(lambda t: jnp.sum(sm.set_attributes({"tau": t})(pulse)[0]))(jnp.asarray(0.1))
    assert np.isfinite(float(g)) and float(g) > 0
