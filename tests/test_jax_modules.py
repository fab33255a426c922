"""JAX modules of issue 3: RateJax, LinearJax, InstantJax, ExpSynJax, SoftmaxJax, LogSoftmaxJax.

Generic properties (jit == eager, gradients, batch == loop, pytree round trip, functional calls,
x64, debug_nans, tracer leaks, input errors) run over every module; model-specific behaviour
follows. Shapes are tiny and shared to keep compiles few.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rockpool.nn.modules import (
    ExpSynJax,
    InstantJax,
    JaxModule,
    LinearJax,
    LogSoftmaxJax,
    Rate,
    RateEulerJax,
    RateJax,
    RockpoolWarning,
    SoftmaxJax,
)
from rockpool.parameters import Constant, Parameter

T, B = 8, 2

# - name -> (factory, input width); factories build fresh modules (numpy RNG is seeded per test)
FACTORIES = {
    "rate": (lambda: RateJax(3, bias=0.1), 3),
    "rate_rec": (lambda: RateJax(3, has_rec=True, activation_func="tanh", bias=0.1), 3),
    "rate_noise": (lambda: RateJax(3, noise_std=0.5, rng_key=1), 3),
    "linear": (lambda: LinearJax((3, 2), has_bias=True), 3),
    "instant": (lambda: InstantJax(3, jnp.tanh), 3),
    "expsyn": (lambda: ExpSynJax(3, tau=[0.01, 0.02, 0.05]), 3),
    "softmax": (lambda: SoftmaxJax((3, 2)), 3),
    "logsoftmax": (lambda: LogSoftmaxJax((3, 2)), 3),
}
DETERMINISTIC = [k for k in FACTORIES if k != "rate_noise"]


def _make(name):
    factory, n_in = FACTORIES[name]
    x = np.random.rand(B, T, n_in).astype(np.float32) + 0.5
    return factory(), x


def _leaves_equal(a, b):
    la, lb = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    return len(la) == len(lb) and all(
        np.shape(u) == np.shape(v) and np.array_equal(np.asarray(u), np.asarray(v)) for u, v in zip(la, lb, strict=True)
    )


# ---------------------------------------------------------------------------------- generic
@pytest.mark.parametrize("name", list(FACTORIES))
def test_jit_equals_eager(name):
    mod, x = _make(name)
    out, state, rec = mod(x)
    out_j, state_j, rec_j = jax.jit(lambda m, i: m(i))(mod, x)
    np.testing.assert_allclose(np.asarray(out_j), np.asarray(out), rtol=1e-6, atol=1e-6)
    assert jax.tree_util.tree_structure(state_j) == jax.tree_util.tree_structure(state)
    for u, v in zip(jax.tree_util.tree_leaves(state_j), jax.tree_util.tree_leaves(state), strict=True):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-6, atol=1e-6)
    assert rec == {} and rec_j == {}
    assert isinstance(out, jax.Array) and out.dtype == jnp.float32


@pytest.mark.parametrize("name", list(FACTORIES))
def test_grad_finite_and_nonzero_for_every_parameter(name):
    mod, x = _make(name)
    c = jnp.asarray(np.random.randn(mod.size_out), jnp.float32)

    def loss(params, m, i):
        m = m.reset_state().set_attributes(params)
        out, _, _ = m(i)
        return jnp.sum(out * c)

    params = mod.parameters()
    grads = jax.jit(jax.grad(loss))(params, mod, x)
    assert jax.tree_util.tree_structure(grads) == jax.tree_util.tree_structure(params)
    leaves = jax.tree_util.tree_leaves_with_path(grads)
    if name == "instant":
        assert leaves == []  # nothing to train
    for path, g in leaves:
        g = np.asarray(g)
        assert np.all(np.isfinite(g)), f"{name}: non-finite gradient at {path}"
        assert np.any(g != 0), f"{name}: zero gradient at {path}"


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_batched_equals_looped(name):
    mod, x = _make(name)
    out, state, _ = mod(x)
    for b in range(B):
        out_b, state_b, _ = mod(x[b])
        out_b = np.asarray(out_b)
        if out_b.ndim == 3:
            out_b = out_b[0]
        np.testing.assert_allclose(np.asarray(out[b]), out_b, rtol=1e-5, atol=1e-6)
        if b == 0:  # new_state holds batch element 0
            for u, v in zip(jax.tree_util.tree_leaves(state), jax.tree_util.tree_leaves(state_b), strict=True):
                np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(FACTORIES))
def test_pytree_round_trip_gives_identical_module(name):
    mod, x = _make(name)
    leaves, treedef = jax.tree_util.tree_flatten(mod)
    mod2 = jax.tree_util.tree_unflatten(treedef, leaves)
    assert type(mod2) is type(mod) and mod2 is not mod
    assert mod2.shape == mod.shape and repr(mod2) == repr(mod)
    assert _leaves_equal(mod2.parameters(), mod.parameters())
    assert _leaves_equal(mod2.state(), mod.state())
    sp, sp2 = mod.simulation_parameters(), mod2.simulation_parameters()
    assert jax.tree_util.tree_structure(sp) == jax.tree_util.tree_structure(sp2)
    assert all(
        (u is v) or np.array_equal(np.asarray(u), np.asarray(v))
        for u, v in zip(jax.tree_util.tree_leaves(sp), jax.tree_util.tree_leaves(sp2), strict=True)
    )
    assert jax.tree_util.tree_structure(mod2) == treedef
    np.testing.assert_array_equal(np.asarray(mod2(x)[0]), np.asarray(mod(x)[0]))


@pytest.mark.parametrize("name", list(FACTORIES))
def test_functional_calls_leave_original_untouched(name):
    mod, x = _make(name)
    params0, state0 = mod.parameters(), mod.state()
    _, new_state, _ = mod(x)
    scaled = jax.tree_util.tree_map(lambda p: p * 2.0 + 0.1, params0)
    mod2 = mod.set_attributes(new_state).set_attributes(scaled)
    assert mod2 is not mod
    assert _leaves_equal(mod2.parameters(), scaled)
    assert _leaves_equal(mod.parameters(), params0) and _leaves_equal(mod.state(), state0)
    mod3 = mod2.reset_state()
    mod4 = mod3.reset_parameters()
    assert _leaves_equal(mod2.parameters(), scaled)  # reset_* did not touch mod2
    assert _leaves_equal(mod3.state(), state0) and _leaves_equal(mod4.parameters(), params0)
    assert _leaves_equal(mod.parameters(), params0) and _leaves_equal(mod.state(), state0)


@pytest.mark.parametrize("name", ["rate_rec", "linear", "expsyn", "softmax"])
def test_x64_gives_float64_results(name):
    mod32, x = _make(name)
    out32 = np.asarray(mod32(x)[0])
    with jax.enable_x64(True):
        mod = jax.tree_util.tree_unflatten(
            jax.tree_util.tree_structure(mod32),
            [jnp.asarray(np.asarray(v), jnp.float64) if jnp.issubdtype(v.dtype, jnp.floating) else v
             for v in jax.tree_util.tree_leaves(mod32)],
        )
        out, state, _ = mod(x.astype(np.float64))
        assert out.dtype == jnp.float64
        assert all(v.dtype in (jnp.float64, jnp.uint32) for v in jax.tree_util.tree_leaves(state))
        fresh = FACTORIES[name][0]()
        assert all(
            v.dtype == jnp.float64 for v in jax.tree_util.tree_leaves(fresh.parameters())
        )
        assert fresh(x)[0].dtype == jnp.float64
    np.testing.assert_allclose(np.asarray(out), out32, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["rate_rec", "logsoftmax"])
def test_debug_nans_and_tracer_leaks_are_clean(name):
    mod, x = _make(name)
    with jax.debug_nans(True), jax.checking_leaks():
        out, _, rec = mod(x, record=True)
        g = jax.grad(lambda p: jnp.sum(mod.set_attributes(p)(x)[0]))(mod.parameters())
    assert np.all(np.isfinite(np.asarray(out)))
    assert all(np.all(np.isfinite(np.asarray(v))) for v in jax.tree_util.tree_leaves(g))


@pytest.mark.parametrize("name", list(FACTORIES))
def test_wrong_width_or_rank_names_the_module(name):
    mod, x = _make(name)
    label = type(mod).__name__
    with pytest.raises(ValueError, match=f"{label}.*4 channels, expected 3"):
        mod(np.ones((T, 4)))
    with pytest.raises(ValueError, match=f"{label}.*4 dimensions"):
        mod(np.ones((1, 2, T, 3)))
    with pytest.raises(ValueError, match=f"{label}.*must be numeric"):
        mod(np.array([["a", "b", "c"]]))
    with pytest.raises(ValueError, match=f"{label}.*NaN"):
        mod(np.full((T, 3), np.nan))
    # - a width-1 input broadcasts to every channel
    np.testing.assert_allclose(np.asarray(mod(np.ones((T, 1)))[0]), np.asarray(mod(np.ones((T, 3)))[0]))


def test_set_attributes_errors_name_the_path():
    mod = SoftmaxJax((3, 2))
    with pytest.raises(ValueError, match=r"unknown key 'smooth\.tauu'.*tau"):
        mod.set_attributes({"smooth": {"tauu": 1.0}})
    with pytest.raises(ValueError, match=r"weight must be of shape \(3, 2\) \(got \(2, 3\)\)"):
        mod.set_attributes({"linear": {"weight": np.ones((2, 3))}})
    with pytest.raises(ValueError, match=r"linear\.weight' is an attribute but the new value is a dict"):
        mod.set_attributes({"linear": {"weight": {"a": 1}}})
    with pytest.raises(ValueError, match="LinearJax 'linear'.*expects a dict at 'linear'"):
        mod.set_attributes({"linear": np.ones(3)})
    with pytest.raises(ValueError, match="ExpSynJax 'smooth'.*'tau' must be > 0"):
        mod.set_attributes({"smooth": {"tau": -1.0}})
    rate = RateJax(3)
    with pytest.raises(ValueError, match=r"RateJax.*The new value assigned to tau must be of shape \(3,\) \(got \(4,\)\)"):
        rate.set_attributes({"tau": np.ones(4)})
    np.testing.assert_allclose(np.asarray(mod.smooth.tau), 0.1)  # unchanged after failures


def test_jax_module_rejects_native_submodule():
    class Holder(JaxModule):
        def __init__(self):
            super().__init__(3)
            self.neurons = Rate(3)

        def evolve(self, x, record=False):
            return x, {}, {}

    with pytest.raises(ValueError, match="'neurons' is a Rate, which is not a JaxModule"):
        Holder()


# ---------------------------------------------------------------------------------- RateJax
def test_rate_jax_defaults_and_registry():
    assert RateEulerJax is RateJax
    mod = RateJax(3)
    assert mod.shape == (3,) and str(mod) == "RateJax  with shape (3,)"
    assert list(mod.parameters()) == ["tau", "bias", "threshold"]
    assert list(mod.state()) == ["rng_key", "x"]
    assert list(mod.simulation_parameters()) == ["dt", "noise_std", "act_fn"]
    np.testing.assert_allclose(np.asarray(mod.tau), 0.02)
    assert mod.tau.dtype == jnp.float32
    assert mod.rng_key.dtype == jnp.uint32 and mod.rng_key.shape == (2,)
    assert mod.dt == 1e-3 and mod.noise_std == 0.0 and not mod.has_rec
    assert mod.parameters("taus") == {"tau": mod.tau}
    assert list(mod.parameters("bias")) == ["bias"] and list(mod.parameters("thresholds")) == ["threshold"]
    rec = RateJax(4, has_rec=True)
    assert rec.has_rec and rec.w_rec.shape == (4, 4) and list(rec.parameters("weights")) == ["w_rec"]
    assert RateJax(tau=np.full(5, 0.05)).shape == (5,)
    # - seeds come from NumPy's global generator: reproducible
    np.random.seed(3)
    k1 = RateJax(2).rng_key
    np.random.seed(3)
    np.testing.assert_array_equal(np.asarray(RateJax(2).rng_key), np.asarray(k1))


def test_rate_jax_activations_and_errors():
    x = jnp.linspace(-2, 2, 5)
    for name, expect in [
        ("relu", np.maximum(np.asarray(x) - 0.5, 0)),
        ("R", np.maximum(np.asarray(x) - 0.5, 0)),
        ("sigmoid", (np.tanh(np.asarray(x) - 0.5) + 1) / 2),
        ("sig", (np.tanh(np.asarray(x) - 0.5) + 1) / 2),
        ("S", (np.tanh(np.asarray(x) - 0.5) + 1) / 2),
        ("Tanh", np.tanh(np.asarray(x) - 0.5)),
        ("t", np.tanh(np.asarray(x) - 0.5)),
    ]:
        mod = RateJax(5, activation_func=name, threshold=0.5)
        np.testing.assert_allclose(np.asarray(mod.act_fn(x, mod.threshold)), expect, rtol=1e-6, atol=1e-6)
    custom = lambda v, th: v * 2 - th  # noqa: E731
    assert RateJax(2, activation_func=custom).act_fn is custom
    with pytest.raises(ValueError, match="unknown activation_func 'softplus'.*relu.*sigmoid.*tanh"):
        RateJax(2, activation_func="softplus")
    with pytest.raises(ValueError, match="shape must be an int N"):
        RateJax((2, 3))


def test_rate_jax_tau_checks():
    with pytest.raises(ValueError, match="RateJax.*'tau' must be > 0"):
        RateJax(3, tau=0.0)
    with pytest.raises(ValueError, match="RateJax.*'tau' must be > 0"):
        RateJax(3, tau=[0.02, -0.01, 0.02])
    mod = RateJax(3)
    with pytest.raises(ValueError, match="'tau' must be > 0"):
        mod.tau = np.zeros(3)
    with pytest.raises(ValueError, match="'tau' must be > 0"):
        mod.set_attributes({"tau": -np.ones(3)})
    np.testing.assert_allclose(np.asarray(mod.tau), 0.02)
    with pytest.warns(RockpoolWarning, match="tau .* shorter than 10 \\* dt"):
        RateJax(3, tau=0.005)


def test_rate_jax_euler_closed_form_and_records():
    # - constant input i, relu, threshold 0: x_t = i * (1 - (1 - dt/tau)^t)
    mod = RateJax(2, tau=[0.02, 0.05])
    i = np.array([0.5, 2.0])
    out, state, rec = mod(np.tile(i, (50, 1)), record=True)
    t = np.arange(1, 51)[:, None]
    expect = i * (1 - (1 - 1e-3 / np.array([0.02, 0.05])) ** t)
    np.testing.assert_allclose(np.asarray(out[0]), expect, rtol=2e-5, atol=1e-6)
    assert sorted(rec) == ["rec_input", "x"] and rec["x"].shape == (1, 50, 2)
    np.testing.assert_allclose(np.asarray(rec["x"][0]), expect, rtol=2e-5, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(rec["rec_input"]), 0.0)
    np.testing.assert_allclose(np.asarray(state["x"]), expect[-1], rtol=2e-5)
    # - the state carries over: continuing from new_state equals one long evolution
    mod2 = mod.set_attributes(state)
    out2, _, _ = mod2(np.tile(i, (50, 1)))
    out_long, _, _ = mod(np.tile(i, (100, 1)))
    np.testing.assert_allclose(np.asarray(out2[0]), np.asarray(out_long[0, 50:]), rtol=1e-5)


def test_rate_jax_rng_key_and_noise():
    mod = RateJax(4, noise_std=0.2, rng_key=7)
    key0 = np.asarray(mod.rng_key)
    np.testing.assert_array_equal(key0, np.asarray(jax.random.PRNGKey(7)))
    np.testing.assert_array_equal(np.asarray(RateJax(2, rng_key=jax.random.key(7)).rng_key), key0)
    with pytest.raises(ValueError, match="rng_key must be an int seed or a PRNG key"):
        RateJax(2, rng_key=np.zeros(3))
    x = np.zeros((T, 4))
    out1, s1, _ = mod(x, record=True)
    assert not np.array_equal(np.asarray(s1["rng_key"]), key0)  # advances
    mod1 = mod.set_attributes(s1)
    out2, s2, _ = mod1(x)
    assert not np.array_equal(np.asarray(s2["rng_key"]), np.asarray(s1["rng_key"]))
    assert not np.allclose(np.asarray(out1), np.asarray(out2))  # fresh noise each evolve
    np.testing.assert_array_equal(np.asarray(mod1.reset_state().rng_key), key0)  # restored
    np.testing.assert_array_equal(np.asarray(mod(x)[0]), np.asarray(out1))  # same key, same noise
    # - without noise: the key still advances, but the output is deterministic and noise-free
    quiet = RateJax(4, rng_key=7)
    q_out, q_state, _ = quiet(x)
    np.testing.assert_array_equal(np.asarray(q_out), 0.0)
    assert not np.array_equal(np.asarray(q_state["rng_key"]), key0)
    assert np.any(np.asarray(out1) != 0.0)


def test_rate_jax_noise_std_after_one_second():
    # - no leak (tau >> 1 s), no input: x diffuses with std noise_std after 1 s (1000 steps)
    mod = RateJax(50, tau=1e4, noise_std=0.3, rng_key=0, activation_func=lambda v, th: v)
    out, _, _ = mod(np.zeros((8, 1000, 50)))
    std_1s = float(np.std(np.asarray(out[:, -1])))
    assert abs(std_1s - 0.3) < 0.03
    std_half = float(np.std(np.asarray(out[:, 249])))  # sqrt(0.25) * 0.3
    assert abs(std_half - 0.15) < 0.02


def test_rate_jax_jitted_module_has_no_hidden_recurrence():
    mod = RateJax(3)
    x = np.random.rand(T, 3)
    leaves, treedef = jax.tree_util.tree_flatten(mod)
    assert len(leaves) == 5  # tau, bias, threshold, rng_key, x: no w_rec appears under jit
    out_jit = jax.jit(lambda m: m(x)[0])(mod)
    np.testing.assert_array_equal(np.asarray(out_jit), np.asarray(mod(x)[0]))


# ---------------------------------------------------------------------------------- LinearJax / InstantJax
def test_linear_jax_maths_shapes_and_init():
    w = np.random.randn(3, 2)
    b = np.random.randn(2)
    lin = LinearJax((3, 2), weight=w, bias=b)
    assert lin.has_bias and str(lin) == "LinearJax  with shape (3, 2)"
    x = np.random.rand(T, 3)
    out, state, rec = lin(x)
    assert out.shape == (T, 2) and state == {} and rec == {}  # keeps the input's rank
    np.testing.assert_allclose(np.asarray(out), x @ w + b, rtol=1e-5, atol=1e-5)
    assert lin(np.stack([x, x]))[0].shape == (2, T, 2)
    assert lin(x > 0.5)[0].dtype == jnp.float32  # bool spikes are cast
    assert LinearJax(weight=w).shape == (3, 2)
    big = LinearJax((600, 40), has_bias=True)
    assert list(big.parameters("weights")) == ["weight"] and list(big.parameters("biases")) == ["bias"]
    wl, bl = np.sqrt(6 / 600), np.sqrt(1 / 40)
    assert np.abs(np.asarray(big.weight)).max() <= wl and np.abs(np.asarray(big.weight)).max() > 0.9 * wl
    assert np.abs(np.asarray(big.bias)).max() <= bl and np.abs(np.asarray(big.bias)).max() > 0.5 * bl
    assert "bias" not in LinearJax((3, 2)).parameters()
    for bad in (3, (3,), (2, 3, 4), None):
        with pytest.raises(ValueError, match="LinearJax: shape must be a 2-tuple"):
            LinearJax(bad)


def test_instant_jax():
    inst = InstantJax(3, jnp.tanh)
    x = np.random.randn(T, 3)
    out, state, rec = inst(x)
    np.testing.assert_allclose(np.asarray(out)[0], np.tanh(x), rtol=1e-6, atol=1e-6)
    assert out.shape == (1, T, 3) and state == {} and rec == {}  # (B, T, N) like the neurons
    assert inst.simulation_parameters() == {"function": jnp.tanh}
    ident = InstantJax(3)
    np.testing.assert_allclose(np.asarray(ident(x)[0])[0], x, rtol=1e-6)
    with pytest.raises(ValueError, match="must be callable"):
        InstantJax(3, function=3.0)


# ---------------------------------------------------------------------------------- ExpSynJax
def test_exp_syn_jax_closed_form_single_spike():
    tau = np.array([0.01, 0.02, 0.05])
    syn = ExpSynJax(3, tau=tau)
    spikes = np.zeros((30, 3), bool)
    spikes[0] = True
    out, state, rec = syn(spikes, record=True)
    k = np.arange(30)[:, None]
    expect = np.exp(-(k + 1) * 1e-3 / tau)
    np.testing.assert_allclose(np.asarray(out[0]), expect, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(rec["isyn"][0]), expect, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(state["isyn"]), expect[-1], rtol=1e-5)
    # - superposition of two spikes, integer input
    two = np.zeros((30, 3), int)
    two[0], two[10] = 1, 2
    out2, _, _ = syn(two)
    expect2 = expect + 2 * np.where(k >= 10, np.exp(-(k - 9) * 1e-3 / tau), 0.0)
    np.testing.assert_allclose(np.asarray(out2[0]), expect2, rtol=1e-5)


def test_exp_syn_jax_tau_forms_and_checks():
    assert ExpSynJax(3).tau.shape == (3,)
    np.testing.assert_allclose(np.asarray(ExpSynJax(3).tau), 0.01)
    assert list(ExpSynJax(3).parameters("taus")) == ["tau"]
    assert ExpSynJax(tau=[0.01, 0.02]).shape == (2,)
    const = ExpSynJax(2, tau=Constant(0.03))
    assert const.parameters() == {} and "tau" in const.simulation_parameters()
    np.testing.assert_allclose(np.asarray(const.tau), 0.03)
    assert list(ExpSynJax(2).state()) == ["isyn", "rng_key"]
    with pytest.raises(ValueError, match="ExpSynJax.*'tau' must be > 0"):
        ExpSynJax(2, tau=0.0)
    with pytest.warns(RockpoolWarning, match="ExpSynJax.*shorter than 1 \\* dt"):
        ExpSynJax(2, tau=5e-4)
    with pytest.raises(ValueError, match="ExpSynJax: give `shape`"):
        ExpSynJax()


class _Wrapper(JaxModule):
    """A user module with weights and an ExpSynJax submodule (a LIF-like building block)."""

    def __init__(self, shape):
        super().__init__(shape)
        self.w = Parameter(shape=self.shape, init_func=lambda s: np.ones(s) * 0.5, family="weights")
        self.syn = ExpSynJax(self.shape[-1])

    def evolve(self, x, record=False):
        y, s, r = self.syn(x @ self.w, record=record)
        return y, {"syn": s}, ({"syn": r} if record else {})


def test_exp_syn_jax_as_submodule():
    net = _Wrapper((2, 3))
    assert str(net) == "_Wrapper  with shape (2, 3) {\n    ExpSynJax 'syn' with shape (3,)\n}"
    out, state, rec = net(np.ones((T, 2)), record=True)
    assert out.shape == (1, T, 3) and list(state) == ["syn"] and rec["syn"]["isyn"].shape == (1, T, 3)
    net2 = net.set_attributes(state)
    np.testing.assert_allclose(np.asarray(net2.syn.isyn), np.asarray(out[0, -1]))
    np.testing.assert_array_equal(np.asarray(net.syn.isyn), 0.0)


# ---------------------------------------------------------------------------------- tutorial networks
def test_tutorial_networks_print_as_the_page():
    from rockpool.nn.combinators import Sequential

    net = Sequential(LinearJax((2000, 8)), InstantJax(8, jnp.tanh), LinearJax((8, 2)))
    assert str(net) == (
        "JaxSequential  with shape (2000, 2) {\n"
        "    LinearJax '0_LinearJax' with shape (2000, 8)\n"
        "    InstantJax '1_InstantJax' with shape (8,)\n"
        "    LinearJax '2_LinearJax' with shape (8, 2)\n"
        "}"
    )
    stateful = Sequential(
        LinearJax((2000, 200)), RateJax(200, activation_func="tanh"), LinearJax((200, 2))
    )
    assert str(stateful).splitlines()[2] == "    RateJax '1_RateJax' with shape (200,)"
    assert jax.tree_util.tree_map(lambda p: p.shape, stateful.parameters()) == {
        "0_LinearJax": {"weight": (2000, 200)},
        "1_RateJax": {"tau": (200,), "bias": (200,), "threshold": (200,)},
        "2_LinearJax": {"weight": (200, 2)},
    }


# ---------------------------------------------------------------------------------- linear recurrence kernel
@pytest.mark.parametrize("decay_input", [False, True])
def test_linear_recurrence_matches_scan_autodiff(decay_input):
    from rockpool.nn.modules.jax.exp_syn_jax import linear_recurrence

    def reference(d, u, x0):
        def step(s, ut):
            s = d * (s + ut) if decay_input else d * s + ut
            return s, s

        return jnp.swapaxes(jax.lax.scan(step, x0, jnp.swapaxes(u, 0, 1))[1], 0, 1)

    rng = np.random.default_rng(1)
    d = jnp.asarray(rng.uniform(-0.5, 1.0, 3), jnp.float32)  # negative factors too (unstable Euler)
    u = jnp.asarray(rng.standard_normal((2, T, 3)), jnp.float32)
    x0 = jnp.asarray(rng.standard_normal((2, 3)), jnp.float32)
    c = jnp.asarray(rng.standard_normal((2, T, 3)), jnp.float32)
    np.testing.assert_allclose(
        np.asarray(linear_recurrence(d, u, x0, decay_input)), np.asarray(reference(d, u, x0)), rtol=1e-6, atol=1e-6
    )
    loss = lambda f: lambda *a: jnp.sum(jnp.sin(f(*a)) * c)  # noqa: E731
    g = jax.grad(loss(lambda *a: linear_recurrence(*a, decay_input)), argnums=(0, 1, 2))(d, u, x0)
    g_ref = jax.grad(loss(reference), argnums=(0, 1, 2))(d, u, x0)
    for a, b in zip(g, g_ref, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    # - no time steps: empty output, zero gradients
    empty = jnp.zeros((2, 0, 3))
    assert linear_recurrence(d, empty, x0, decay_input).shape == (2, 0, 3)
    np.testing.assert_array_equal(
        np.asarray(jax.grad(lambda d: jnp.sum(linear_recurrence(d, empty, x0, decay_input)))(d)), 0.0
    )


@pytest.mark.parametrize("act_name", ["relu", "tanh"])
def test_recurrent_rate_kernel_matches_scan_autodiff(act_name):
    """The hand-written backward pass of the recurrent RateJax loop equals autodiff of a plain scan,
    for every input (decay, alpha, w_rec, threshold, drive, x0), with cotangents on x and rec_input."""
    from rockpool.nn.modules.jax.rate_jax import _rec_loop, get_activation

    act = get_activation(act_name)

    def reference(decay, alpha, w, th, u, x0, act):
        def step(x, ut):
            r = act(x, th) @ w
            x = decay * x + ut + alpha * r
            return x, (x, r)

        _, (xs, rs) = jax.lax.scan(step, x0, jnp.swapaxes(u, 0, 1))
        return jnp.swapaxes(xs, 0, 1), jnp.swapaxes(rs, 0, 1)

    rng = np.random.default_rng(2)
    n = 4
    args = [
        jnp.asarray(v, jnp.float32)
        for v in (
            rng.uniform(0.8, 0.99, n), rng.uniform(0.01, 0.2, n), rng.standard_normal((n, n)),
            rng.uniform(-0.3, 0.3, n), rng.standard_normal((B, T, n)), rng.standard_normal((B, n)),
        )
    ]
    c1, c2 = (jnp.asarray(rng.standard_normal((B, T, n)), jnp.float32) for _ in range(2))

    def loss(f):
        def inner(*a):
            xs, rs = f(*a, act)
            return jnp.sum(jnp.sin(xs) * c1) + jnp.sum(rs * c2)

        return inner

    for u, v in zip(_rec_loop(*args, act), reference(*args, act), strict=True):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-5, atol=1e-6)
    g = jax.grad(loss(_rec_loop), argnums=tuple(range(6)))(*args)
    g_ref = jax.grad(loss(reference), argnums=tuple(range(6)))(*args)
    for u, v in zip(g, g_ref, strict=True):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------------------ review R1 regressions
def test_rate_jax_settings_by_name_and_typed_checks():
    mod = RateJax(2, rng_key=0)
    new = mod.set_attributes({"act_fn": "tanh", "dt": np.float64(1e-4)})
    assert new.act_fn(jnp.zeros(1), 0.0)[0] == 0.0 and type(new.dt) is float
    assert mod.act_fn(jnp.ones(1), 0.0)[0] == 1.0  # the original is untouched
    with pytest.raises(ValueError, match=r"RateJax: 'rng_key' holds integers \(uint32\) but the new value is float32"):
        mod.set_attributes({"rng_key": np.array([1.5, 2.5])})
    with pytest.raises(ValueError, match=r"RateJax: cannot assign a value of dtype complex64 to 'tau'"):
        mod.set_attributes({"tau": np.ones(2) * 1j})
    with pytest.raises(ValueError, match=r"RateJax: 'noise_std' must be >= 0"):
        mod.noise_std = -1.0
    with pytest.raises(ValueError, match=r"RateJax: input has batch size 0"):
        mod(np.ones((0, 3, 2)))
    mod.rng_key = jax.random.key(3)  # a typed key is stored as its raw data
    assert mod.rng_key.dtype == jnp.uint32 and mod(np.ones((3, 2)))[0].shape == (1, 3, 2)


def test_partial_set_attributes_shares_no_submodule_with_the_original():
    from rockpool.nn.combinators import Sequential

    net = Sequential(LinearJax((2, 3)), RateJax(3))
    new = net.set_attributes({"0_LinearJax": {"weight": np.zeros((2, 3))}})
    new[1].tau = 0.5  # plain assignment on the copy's untouched submodule
    np.testing.assert_allclose(np.asarray(net[1].tau), 0.02)
    assert new[1] is not net[1] and float(new[1].tau[0]) == 0.5


def test_traced_record_flag_means_record():
    mod = RateJax(2)
    out, _, rec = jax.jit(mod)(np.ones((3, 2)), record=True)  # `record` is traced: full record
    assert list(rec) == ["rec_input", "x"]
    np.testing.assert_allclose(out, mod(np.ones((3, 2)))[0], rtol=1e-6)
    _, _, rec = jax.jit(mod, static_argnames="record")(np.ones((3, 2)), record=False)
    assert rec == {}
