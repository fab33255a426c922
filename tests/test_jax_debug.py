"""rockpool.training.jax_debug (api.md §5.7, spec robustness §5.3)."""

import jax
import numpy as np
import pytest

from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import LIFJax, LinearJax
from rockpool.training import jax_loss
from rockpool.training.jax_debug import debug_evolution, debug_optimisation, flatten


def test_flatten():
    assert list(flatten({"a": 1, "b": {"c": [2, 3]}}).items()) == [("a_0", 1), ("b_c_0_0", 2), ("b_c_1_0", 3)]
    assert list(flatten({"w": np.ones((2, 2))})) == ["w_0_0_0", "w_0_1_0", "w_1_0_0", "w_1_1_0"]
    assert list(flatten({"a": 1, "b": {"c": 2}, "e": {}})) == ["a_0", "b_c_0"]
    assert list(flatten({"tau": np.ones(2)}, sep=".")) == ["tau.0.0", "tau.1.0"]
    assert flatten({"s": {1, 2}})["s_0"] == {1, 2}
    with pytest.raises(ValueError):
        flatten({"r": [[1, 2], [3]]})


@pytest.fixture(scope="module")
def net():
    return Sequential(LinearJax((2, 3)), LIFJax(3))


def _loss(p, net, x, y):
    return jax_loss.mse(net.reset_state().set_attributes(p)(x)[0], y)


def test_debug_evolution(net):
    x = np.ones((4, 2))
    assert debug_evolution(net, net.state(), net.parameters(), x) is None
    assert debug_evolution(net, net.state(), net.parameters(), np.ones((2, 4, 2))) is None
    p = net.parameters()
    p["1_LIFJax"]["bias"] = np.array([0.0, np.nan, 0.0])
    st = net.state()
    st["1_LIFJax"]["vmem"] = np.array([np.nan, 0.0, 0.0])
    with pytest.raises(ValueError) as info:
        debug_evolution(net, st, p, x)
    msg = str(info.value)
    assert "Network parameter 1_LIFJax_bias_1_0 contains NaNs" in msg
    assert "Pre-evolve network state 1_LIFJax_vmem_0_0 contains NaNs" in msg
    assert "Post-evolve network state 1_LIFJax_vmem_1_0 contains NaNs" in msg
    w = net.parameters()
    w["0_LinearJax"]["weight"] = np.full((2, 3), np.nan)
    with pytest.raises(ValueError, match=r"Network output contained NaNs \(first at time step 0\)"):
        debug_evolution(Sequential(LinearJax((2, 3))), {"0_LinearJax": {}}, {"0_LinearJax": w["0_LinearJax"]}, x)


def test_debug_optimisation_reports_instead_of_crashing(net):
    vgf = jax.value_and_grad(_loss)
    x, y = np.ones((4, 2)), np.zeros((4, 3))
    assert debug_optimisation(net, net.parameters(), x, y, vgf) is None
    p = net.parameters()
    p["1_LIFJax"]["bias"] = np.array([0.0, np.nan, 0.0])
    with pytest.raises(ValueError) as info:
        debug_optimisation(net, p, x, y, vgf)
    msg = str(info.value)
    assert "Network parameter 1_LIFJax_bias_1_0 contains NaNs" in msg and "Gradient of parameter" in msg
    y_bad = y.copy()
    y_bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="Target contains NaNs[\\s\\S]*Loss is NaN"):
        debug_optimisation(net, net.parameters(), x, y_bad, vgf)
    x_bad = x.copy()
    x_bad[3, 0] = np.nan
    with pytest.raises(ValueError, match=r"Input contains NaNs \(first at time step 3\)"):
        debug_optimisation(net, net.parameters(), x_bad, y, vgf)
