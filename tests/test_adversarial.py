"""rockpool.training.adversarial_jax (spec robustness §2): check values, jit, grad, fit."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.tree_util import Partial

from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import InstantJax, LIFJax, LinearJax
from rockpool.training import fit
from rockpool.training import jax_loss as l
from rockpool.training.adversarial_jax import adversarial_loss, make_adversarial_loss, pga_attack

KEY = jax.random.PRNGKey(0)
ADV = jax.jit(adversarial_loss, static_argnames="attack_steps")
VGF = jax.jit(jax.value_and_grad(adversarial_loss), static_argnames="attack_steps")


@pytest.fixture(scope="module")
def case():
    w1 = jnp.linspace(-1, 1, 20, dtype=jnp.float32).reshape(5, 4)
    w2 = jnp.linspace(-0.5, 0.5, 8, dtype=jnp.float32).reshape(4, 2)
    net = Sequential(LinearJax((5, 4), weight=w1), InstantJax(4, jnp.tanh), LinearJax((4, 2), weight=w2))
    tt = jnp.arange(10)[:, None]
    x = jnp.sin(0.3 * tt * jnp.arange(1, 6))
    y = jnp.cos(0.2 * tt * jnp.array([1, 2]))
    return net, x, y


def test_check_values(case):
    net, x, y = case
    p = net.parameters()
    assert float(l.mse(net(x)[0], y)) == pytest.approx(0.3857001, rel=1e-6)
    for hyper, want in [((0.0, 1e-3, 0.025, 0.25, 10), 0.3859144), ((0.1, 1e-3, 0.025, 0.25, 10), 0.3720504),
                        ((0.0, 0.01, 0.2, 1.0, 5), 0.4371483)]:
        *floats, steps = hyper
        got = ADV(p, net, x, y, Partial(l.mse), Partial(l.mse), KEY, *floats, attack_steps=steps)
        assert float(got) == pytest.approx(want, rel=2e-6)


def test_pga_attack_records_and_box(case):
    net, x, y = case
    leaves, tdef = jax.tree_util.tree_flatten(net.parameters())
    t, info = pga_attack(leaves, net, KEY, x, net(x)[0], tdef, l.mse)
    assert len(info["losses"]) == len(info["grads"]) == 10 and len(info["grads"][0]) == len(leaves)
    assert float(info["losses"][0]) == pytest.approx(6.32e-7, rel=0.01)
    assert float(info["losses"][-1]) == pytest.approx(6.95e-4, rel=0.01)
    assert np.all(np.diff([float(v) for v in info["losses"]]) > 0)  # the attack ascends
    rel = max(float(jnp.max(jnp.abs((a - b) / b))) for a, b in zip(t, leaves, strict=False))
    assert rel == pytest.approx(0.02744, abs=1e-4)
    tp, _ = pga_attack(leaves, net, KEY, x, net(x)[0], tdef, l.mse, project=True)
    assert max(float(jnp.max(jnp.abs((a - b) / b))) for a, b in zip(tp, leaves, strict=False)) <= 0.025 + 1e-6
    t0, info0 = pga_attack(leaves, net, KEY, x, net(x)[0], tdef, l.mse, attack_steps=0)
    assert info0 == {"grads": [], "losses": []} and not np.allclose(t0[0], leaves[0])
    ts, _ = pga_attack(leaves, net, KEY, x, net(x)[0], tdef, l.mse, initial_std=0.0)
    np.testing.assert_array_equal(ts[0], leaves[0])  # sign(0) = 0: never moves


def test_jit_with_traced_hyperparameters_and_grads(case):
    net, x, y = case
    p = net.parameters()
    args = (p, net, x, y, Partial(l.mse), Partial(l.mse), KEY, 0.1, 1e-3, 0.025, 0.25)
    v, g = VGF(*args, attack_steps=10)
    assert float(v) == pytest.approx(0.3720504, rel=2e-6)
    v_all, g_all = jax.jit(jax.value_and_grad(adversarial_loss))(*args, 10)  # attack_steps traced too
    assert float(v_all) == pytest.approx(float(v), rel=1e-5)
    for a, b in zip(jax.tree_util.tree_leaves(g_all), jax.tree_util.tree_leaves(g), strict=False):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-7)
    # - gradient check against finite differences along one direction (the noise is fixed by the key)
    f = lambda s: ADV({**p, "0_LinearJax": {"weight": p["0_LinearJax"]["weight"] * s}}, *args[1:], attack_steps=10)
    fd = (float(f(1.0 + 1e-2)) - float(f(1.0 - 1e-2))) / 2e-2
    an = float(jnp.sum(g["0_LinearJax"]["weight"] * p["0_LinearJax"]["weight"]))
    assert an == pytest.approx(fd, rel=0.05, abs=1e-4)
    loss, aux = adversarial_loss(*args, 10, return_aux=True)
    assert float(aux["task"] + 0.25 * aux["robustness"]) == pytest.approx(float(loss), rel=1e-6)
    assert aux["attack_losses"].shape == (10,) and set(aux["theta_star"]) == set(p)


def test_subset_of_parameters_batched_lif_and_fit(case, tmp_path):
    lif = Sequential(LinearJax((3, 4)), LIFJax(4), LinearJax((4, 2)))
    x = (np.random.RandomState(0).rand(2, 8, 3) < 0.5) * 2.0
    sub = {"0_LinearJax": lif.parameters()["0_LinearJax"]}
    v, g = VGF(sub, lif, x, np.zeros((2, 8, 2)), Partial(l.mse), Partial(l.mse), KEY, attack_steps=2)
    assert np.isfinite(float(v)) and set(g) == {"0_LinearJax"}
    assert np.abs(np.asarray(g["0_LinearJax"]["weight"])).sum() > 0
    net, x, y = case
    loss = make_adversarial_loss(l.mse, KEY, attack_steps=2, beta_robustness=0.5)
    data = [(x, y)] * 2
    full, hist = fit(net, loss, data, "adam", epochs=2, lr=1e-2, progress=False)
    path = tmp_path / "adv.npz"
    fit(net, loss, data, "adam", epochs=1, lr=1e-2, progress=False, checkpoint=path)
    _, hist2 = fit(net, loss, data, "adam", epochs=2, lr=1e-2, progress=False, checkpoint=path, resume=True)
    np.testing.assert_array_equal(hist2.loss, hist.loss)
    with pytest.raises(TypeError, match="unknown settings"):
        make_adversarial_loss(l.mse, KEY, attack_step=3)
