"""The bf16 precision policy: bfloat16 weight products with float32 accumulation, off by default."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import LIFJax, LinearJax
from rockpool.nn.modules.jax.precision import get_precision, matmul, set_precision
from rockpool.training import fit, jax_loss

np.random.seed(5)
NET = Sequential(LinearJax((20, 16)), LIFJax(16), LinearJax((16, 4)))
NET16 = set_precision(NET, "bf16")
X = jnp.asarray(np.random.default_rng(0).random((2, 30, 20)) < 0.3, jnp.float32)  # spikes


def test_policy_is_static_and_leaves_original_untouched():
    assert get_precision(NET) == "float32" and get_precision(NET16) == "bf16"
    assert all(get_precision(m) == "bf16" for m in NET16.modules().values())
    assert all(get_precision(m) == "float32" for m in NET.modules().values())
    # - survives the functional API and a jit round trip; parameters stay float32
    again = NET16.reset_state().set_attributes(NET16.parameters())
    assert get_precision(again[0]) == "bf16"
    assert get_precision(jax.jit(lambda n: n)(NET16)[0]) == "bf16"
    assert NET16[0].weight.dtype == jnp.float32
    assert get_precision(set_precision(NET16, None)[0]) == "float32"
    with pytest.raises(ValueError, match="unknown precision policy"):
        set_precision(NET, "fp8")


def test_spikes_times_bf16_weights_are_exact():
    w = jnp.asarray(np.random.default_rng(1).normal(size=(20, 16)), jnp.float32)
    w = w.astype(jnp.bfloat16).astype(jnp.float32)  # representable in bf16
    np.testing.assert_allclose(matmul(X, w, "bf16"), X @ w, rtol=1e-6, atol=1e-6)
    assert matmul(X, w, "bf16").dtype == jnp.float32


def test_bf16_outputs_and_gradients_close_to_float32():
    def loss(p, net):
        out, _, _ = net.set_attributes(p)(X)
        return jnp.mean(out ** 2)

    f = jax.jit(jax.value_and_grad(loss))
    (l32, g32), (l16, g16) = f(NET.parameters(), NET), f(NET16.parameters(), NET16)
    np.testing.assert_allclose(float(l16), float(l32), rtol=0.05)
    a, b = g16["2_LinearJax"]["weight"], g32["2_LinearJax"]["weight"]
    assert np.linalg.norm(a - b) <= 0.1 * np.linalg.norm(b)
    # - the default path is the plain float32 product
    np.testing.assert_array_equal(NET[0](X)[0], X @ NET[0].weight)


def test_fit_keeps_the_policy():
    data = [(np.asarray(X), np.zeros((2, 30, 4), np.float32))] * 2
    trained, hist = fit(NET16, jax_loss.mse, data, "adam", lr=1e-3, family="weights", progress=False)
    assert get_precision(trained[0]) == "bf16" and np.isfinite(hist.loss).all()


def test_set_precision_on_a_numpy_module_is_a_clear_error():
    from rockpool.nn.modules import Linear

    with pytest.raises(TypeError, match="not a JAX module"):
        set_precision(Sequential(Linear((2, 2))), "bf16")
