"""rockpool.debug: input and parameter checks inside compiled code, only when asked for."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rockpool import debug
from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import LinearJax, RateJax

_f = jax.jit(lambda net, x: net(x)[0].sum())


def test_nan_input_inside_jit_is_caught_only_when_asked():
    net = Sequential(LinearJax((2, 3)), RateJax(3))
    x = np.ones((4, 2), np.float32)
    x[1, 0] = np.nan
    _f(net, x)  # default: no check in compiled code, no error
    with pytest.raises(debug.CheckFailed, match="input contains NaN"):
        debug.checked(_f)(net, x)
    assert float(debug.checked(_f)(net, np.ones((4, 2)))) == float(_f(net, np.ones((4, 2))))
    assert not debug.enabled()


def test_negative_time_constant_reached_inside_jit_is_caught():
    net = RateJax(2)

    def loss(p, x):
        return net.set_attributes(p)(x)[0].sum()

    params = {"tau": jnp.array([0.02, -0.01]), "bias": net.bias, "threshold": net.threshold}
    f = jax.jit(loss)
    f(params, jnp.ones((3, 2)))  # silently wrong without checks
    with pytest.raises(debug.CheckFailed, match=r"RateJax.*'tau' must be > 0"):
        debug.checked(f)(params, jnp.ones((3, 2)))


def test_checks_context_manager_with_checkify_directly():
    from jax.experimental import checkify

    net = RateJax(2)
    x = jnp.full((3, 2), jnp.inf)
    with debug.checks():
        assert debug.enabled()
        err, _ = checkify.checkify(jax.jit(lambda n, x: n(x)[0]), errors=checkify.user_checks)(net, x)
    assert "NaN or inf" in err.get()
