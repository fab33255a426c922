"""SoftmaxJax / LogSoftmaxJax / WeightedSmoothBase: structure, maths, errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rockpool.nn.modules import (
    ExpSyn,
    ExpSynJax,
    LinearJax,
    LogSoftmaxJax,
    SoftmaxJax,
    WeightedSmoothBase,
)

T = 12


def _reference(x, w, b, tau, dt=1e-3):
    """linear -> ExpSyn (native, float64) -> softmax over channels, by hand."""
    y = x @ w + (b if b is not None else 0.0)
    s, _, _ = ExpSyn(w.shape[1], tau=tau, dt=dt)(y)
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True), s


def test_softmax_structure_and_defaults():
    mod = SoftmaxJax((3, 2))
    assert str(mod) == (
        "SoftmaxJax  with shape (3, 2) {\n"
        "    LinearJax 'linear' with shape (3, 2)\n"
        "    ExpSynJax 'smooth' with shape (2,)\n"
        "}"
    )
    assert isinstance(mod, WeightedSmoothBase) and isinstance(LogSoftmaxJax((3, 2)), WeightedSmoothBase)
    assert isinstance(mod.linear, LinearJax) and isinstance(mod.smooth, ExpSynJax)
    assert mod.linear.has_bias and list(mod.modules()) == ["linear", "smooth"]
    assert mod.size_in == 3 and mod.size_out == 2
    np.testing.assert_allclose(np.asarray(mod.smooth.tau), 0.1)
    assert mod.smooth.dt == 1e-3 and callable(mod.activation_fn)
    assert list(mod.parameters()) == ["linear", "smooth"]
    assert list(mod.parameters()["linear"]) == ["weight", "bias"]
    assert mod.state() == {"linear": {}, "smooth": {"isyn": mod.smooth.isyn, "rng_key": mod.smooth.rng_key}}
    assert "activation_fn" in mod.simulation_parameters()
    lim = np.sqrt(2 / 3)
    assert np.abs(np.asarray(mod.linear.weight)).max() <= lim
    assert "bias" not in SoftmaxJax((3, 2), has_bias=False).linear.parameters()


def test_shape_inference_and_errors():
    w = np.random.randn(4, 3)
    mod = SoftmaxJax(weight=w)
    assert mod.shape == (4, 3)
    np.testing.assert_allclose(np.asarray(mod.linear.weight), w, rtol=1e-6)
    with pytest.raises(ValueError, match="SoftmaxJax: give `shape=\\(Nin, Nout\\)` or a concrete `weight`"):
        SoftmaxJax()
    with pytest.raises(ValueError, match="LogSoftmaxJax: give `shape"):
        LogSoftmaxJax()
    with pytest.raises(ValueError, match="SoftmaxJax: shape must be a 2-tuple"):
        SoftmaxJax(3)
    with pytest.raises(ValueError, match="SoftmaxJax.*3 channels, expected 4"):
        mod(np.ones((T, 3)))
    with pytest.raises(ValueError, match="SoftmaxJax.*'tau' must be > 0|ExpSynJax.*'tau' must be > 0"):
        SoftmaxJax((2, 2), tau=-0.1)


def test_softmax_maths_per_batch_and_time_step():
    w, b = np.random.randn(3, 4), np.random.randn(4) * 0.1
    mod = SoftmaxJax(weight=w, bias=b, tau=0.05)
    x = (np.random.rand(2, T, 3) < 0.3)  # boolean spikes
    out, state, rec = mod(x, record=True)
    assert out.shape == (2, T, 4) and out.dtype == jnp.float32
    ref, smooth = _reference(x.astype(float), w, b, 0.05)
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-4, atol=1e-6)
    # - normalised over channels at every (batch, time step), not over the whole array
    np.testing.assert_allclose(np.asarray(out.sum(-1)), 1.0, rtol=1e-5)
    assert abs(float(out.sum()) - 2 * T) < 1e-3
    np.testing.assert_allclose(np.asarray(state["smooth"]["isyn"]), smooth[0, -1], rtol=1e-4, atol=1e-6)
    assert sorted(rec) == ["linear", "linear_output", "smooth", "smooth_output"]
    np.testing.assert_allclose(np.asarray(rec["smooth_output"]), smooth, rtol=1e-4, atol=1e-6)
    # - log-softmax with the same weights is the log of the softmax
    log_mod = LogSoftmaxJax(weight=w, bias=b, tau=0.05)
    log_out, _, _ = log_mod(x)
    np.testing.assert_allclose(np.asarray(log_out), np.log(ref), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(jnp.exp(log_out).sum(-1)), 1.0, rtol=1e-5)


def test_log_softmax_is_stable_for_large_inputs():
    mod = LogSoftmaxJax(weight=np.array([[1e3, -1e3]]), has_bias=False, tau=0.1)
    out, _, _ = mod(np.ones((T, 1)))
    assert np.all(np.isfinite(np.asarray(out)))
    assert float(out[0, -1, 0]) == pytest.approx(0.0, abs=1e-6)


def test_weighted_smooth_base_custom_activation_and_training():
    mod = WeightedSmoothBase((3, 2), activation_fun=jnp.tanh, has_bias=False)
    ident = WeightedSmoothBase((3, 2), weight=mod.linear.weight, has_bias=False)
    x = np.random.rand(T, 3)
    np.testing.assert_allclose(
        np.asarray(mod(x)[0]), np.tanh(np.asarray(ident(x)[0])), rtol=1e-5, atol=1e-6
    )
    # - cross-entropy training step: gradients reach the weights, bias and tau
    sm = LogSoftmaxJax((3, 2))
    target = jax.nn.one_hot(np.array([0, 1] * (T // 2)), 2)

    def loss(p):
        out, _, _ = sm.set_attributes(p)(x)
        return -jnp.mean(jnp.sum(out[0] * target, -1))

    loss = jax.jit(loss)
    l0, g = jax.jit(jax.value_and_grad(loss))(sm.parameters())
    for leaf in jax.tree_util.tree_leaves(g):
        assert np.all(np.isfinite(np.asarray(leaf))) and np.any(np.asarray(leaf) != 0)
    p2 = jax.tree_util.tree_map(lambda p, d: p - 0.01 * d, sm.parameters(), g)
    assert loss(p2) < l0


def test_bias_with_has_bias_false_is_an_error():
    with pytest.raises(ValueError, match=r"SoftmaxJax: a `bias` was given with has_bias=False"):
        SoftmaxJax((3, 2), bias=np.ones(2), has_bias=False)
    with pytest.raises(ValueError, match=r"SoftmaxJax: shape must be a whole number >= 0"):
        SoftmaxJax((3.5, 2))
