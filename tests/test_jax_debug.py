"""api.md §5.7 rockpool.training.jax_debug: flatten's keys, NaN reports of debug_evolution and
debug_optimisation."""

from collections import OrderedDict

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rockpool.nn.modules import JaxModule, LinearJax, RateJax
from rockpool.parameters import Parameter
from rockpool.training.jax_debug import debug_evolution, debug_optimisation, flatten


def test_flatten_keys_and_values():
    flat = flatten({"a": 1, "b": {"c": 2}})
    assert isinstance(flat, OrderedDict) and list(flat.items()) == [("a_0", 1), ("b_c_0", 2)]
    flat = flatten({"tau": jnp.array([0.5, jnp.nan]), "empty": {}, "w": [[1, 2]]}, sep=".")
    assert list(flat) == ["tau.0.0", "tau.1.0", "w.0.0.0", "w.0.1.0"]
    assert [bool(np.isnan(v)) for v in flat.values()] == [False, True, False, False]
    with pytest.raises(ValueError, match="ragged"):
        flatten({"x": [[1, 2], [3]]})


def _loss(params, mod, x, y):
    return jnp.mean((mod.set_attributes(params)(x)[0] - y) ** 2)


def test_debug_evolution_names_nan_parameters_and_passes_clean_ones():
    net = RateJax(2)
    x = jnp.ones((5, 2))
    assert debug_evolution(net, net.state(), net.parameters(), x) is None
    bad = dict(net.parameters(), tau=jnp.array([jnp.nan, 0.02]))
    with pytest.raises(ValueError, match="Network parameter tau_0_0 contains NaNs"):
        debug_evolution(net, net.state(), bad, x)
    bad_state = dict(net.state(), x=jnp.array([0.0, jnp.nan]))
    with pytest.raises(ValueError, match="Network state x_1_0 contains NaNs"):
        debug_evolution(net, bad_state, net.parameters(), x)


class _SqrtNet(JaxModule):
    """Output sqrt(w * x): NaN from the first negative input on."""

    def __init__(self):
        super().__init__(shape=(1, 1))
        self.w = Parameter(jnp.ones((1,)))

    def evolve(self, x, record=False):
        return jnp.sqrt(self.w * x), {}, {}


def test_debug_evolution_reports_first_nan_time_step():
    net = _SqrtNet()
    x = jnp.array([[1.0], [0.5], [-1.0], [2.0]])
    with pytest.raises(ValueError, match=r"Network output output_2_0_0 contains NaNs.*first NaN at time step 2"):
        debug_evolution(net, net.state(), net.parameters(), x)


def test_debug_optimisation_calls_vgf_and_names_nan_gradients():
    net = LinearJax((2, 1))
    vgf = jax.value_and_grad(_loss)
    x, y = jnp.ones((4, 2)), jnp.zeros((4, 1))
    assert debug_optimisation(net, net.parameters(), x, y, vgf) is None
    bad = {"weight": net.weight.at[0, 0].set(jnp.nan)}
    with pytest.raises(ValueError, match=r"Network loss loss_0 contains NaNs.*weight_0_0_0.*Network parameter"):
        debug_optimisation(net, bad, x, y, vgf)
    calls = []
    debug_optimisation(net, net.parameters(), x, y, lambda *a: calls.append(a) or (0.0, {"w": 1.0}))
    assert calls[0][1] is net and calls[0][2] is x and calls[0][3] is y
