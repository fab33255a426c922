"""Spike functions and surrogate gradients: forward values and derivatives against closed forms."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rockpool.nn.modules.jax.lif_jax import step_pwl
from rockpool.nn.modules.jax.surrogates import SURROGATES, Surrogate, get_surrogate, spike

W = 0.5  # width used throughout


def test_step_pwl_forward_counts_whole_thresholds():
    x = jnp.array([-1.0, 0.0, 0.99, 1.0, 1.5, 2.0, 3.7, 10.0])
    np.testing.assert_array_equal(np.asarray(step_pwl(x, 1.0)), [0, 0, 0, 1, 1, 2, 3, 10])
    # - threshold 2: floor(x / 2) above threshold
    np.testing.assert_array_equal(np.asarray(step_pwl(x, 2.0)), [0, 0, 0, 0, 0, 1, 1, 5])
    # - the cap
    np.testing.assert_array_equal(np.asarray(step_pwl(x, 1.0, 0.5, 3)), [0, 0, 0, 1, 1, 2, 3, 3])


def test_step_pwl_derivatives():
    gx = jax.vmap(jax.grad(step_pwl), (0, None))
    x = jnp.array([0.0, 0.49, 0.51, 1.0, 3.0])
    # - d/dx = 1/threshold where x >= threshold - window, else 0
    np.testing.assert_allclose(np.asarray(gx(x, 1.0)), [0, 0, 1, 1, 1])
    np.testing.assert_allclose(np.asarray(gx(x * 2, 2.0)), [0, 0, 0, 0.5, 0.5])
    # - d/dthreshold = -x / threshold**2 in the same region
    gth = jax.vmap(jax.grad(step_pwl, argnums=1), (0, None))
    np.testing.assert_allclose(np.asarray(gth(x * 2, 2.0)), [0, 0, 0, -0.5, -1.5])
    # - window: 0.7 is inside a 0.5 window below 1.0, 0.4 is not; a wider window includes it
    assert float(jax.grad(step_pwl)(0.4, 1.0, 0.7)) == 1.0


# name -> (derivative at u = 0, derivative at u = W), computed by hand from the equations
CLOSED_FORM = {
    "fast_sigmoid": (1 / (2 * W), 1 / (2 * W * 4)),
    "sigmoid": (1 / (4 * W), (1 / (1 + math.e**-1)) * (1 - 1 / (1 + math.e**-1)) / W),
    "arctan": (1 / (2 * W), 1 / (2 * W * (1 + (math.pi / 2) ** 2))),
    "triangle": (1 / W, 0.0),
    "boxcar": (1 / (2 * W), 0.0),
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORM))
def test_named_surrogate_forward_and_derivative(name):
    sur = get_surrogate(name)
    f = lambda x, th: spike(x, th, sur, W, 2**16)
    # - forward: the exact spike count, whatever the surrogate
    x = jnp.array([0.2, 0.99, 1.0, 2.5, 7.1])
    np.testing.assert_array_equal(np.asarray(f(x, 1.0)), [0, 0, 1, 2, 7])
    # - derivative w.r.t. x at u = x - threshold = 0 and u = W, against the closed form
    g = jax.grad(f)
    g0, gw = CLOSED_FORM[name]
    np.testing.assert_allclose(float(g(1.0, 1.0)), g0, rtol=1e-5)
    np.testing.assert_allclose(float(g(1.0 + W, 1.0)), gw, rtol=1e-5, atol=1e-7)
    # - symmetric around threshold, threshold derivative is minus the x derivative
    np.testing.assert_allclose(float(g(1.0 - 0.3, 1.0)), float(g(1.0 + 0.3, 1.0)), rtol=1e-5)
    np.testing.assert_allclose(float(jax.grad(f, 1)(1.2, 1.0)), -float(g(1.2, 1.0)), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(CLOSED_FORM))
def test_surrogate_is_derivative_of_its_smooth_step(name):
    sur = SURROGATES[name]
    u = jnp.linspace(-3.0, 3.0, 121) + 1e-3  # avoid the kinks of triangle / boxcar
    auto = jax.vmap(jax.grad(lambda v: sur.smooth(v, W)))(u)
    np.testing.assert_allclose(np.asarray(auto), np.asarray(sur.grad(u, W)), rtol=1e-4, atol=1e-6)
    # - the smooth step rises from ~0 to ~1: each derivative integrates to one spike
    far = jnp.array([-1e4, 1e4])
    np.testing.assert_allclose(np.asarray(sur.smooth(far, W)), [0.0, 1.0], atol=1e-3)


def test_get_surrogate_names_and_errors():
    assert get_surrogate("SuperSpike") is SURROGATES["fast_sigmoid"]
    custom = Surrogate("gauss", lambda u, w: 0.5 * (1 + jax.scipy.special.erf(u / w)),
                       lambda u, w: jnp.exp(-((u / w) ** 2)) / (w * jnp.sqrt(jnp.pi)))
    assert get_surrogate(custom) is custom
    with pytest.raises(ValueError, match="fast_sigmoid"):
        get_surrogate("nope")
    # - a user Surrogate drives the gradient
    f = lambda x: spike(x, 1.0, custom, W, 2**16)
    np.testing.assert_allclose(float(jax.grad(f)(1.0)), 1 / (W * math.sqrt(math.pi)), rtol=1e-5)
