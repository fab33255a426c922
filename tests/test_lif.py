"""LIFJax / LIF: construction, states and records, bad input, noise, and gradients."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from rockpool.nn.modules import LIF, LIFJax, RockpoolWarning
from rockpool.nn.modules.jax.lif_jax import step_pwl

BOTH = [LIF, LIFJax]


# ------------------------------------------------------------------------------ construction
@pytest.mark.parametrize("cls", BOTH)
def test_shapes_parameters_states(cls):
    mod = cls(3)
    assert mod.shape == (3, 3) and mod.size_out == 3 and mod.spiking_output
    mod = cls((6, 3), has_rec=True)
    assert mod.n_syn == 2
    p = mod.parameters()
    assert list(p) == ["tau_mem", "tau_syn", "bias", "threshold", "w_rec"]
    assert p["tau_syn"].shape == (3, 2) and p["w_rec"].shape == (3, 6)
    np.testing.assert_allclose(np.asarray(p["tau_mem"]), 0.02)
    np.testing.assert_allclose(np.asarray(p["threshold"]), 1.0)
    assert set(mod.parameters("taus")) == {"tau_mem", "tau_syn"}
    assert list(mod.parameters("thresholds")) == ["threshold"]
    assert list(mod.parameters("weights")) == ["w_rec"]
    assert list(mod.parameters("bias")) == ["bias"]
    s = mod.state()
    assert list(s) == ["spikes", "isyn", "vmem", "rng_key"]
    assert s["isyn"].shape == (3, 2) and s["rng_key"].shape == (2,) and s["rng_key"].dtype == np.uint32
    sim = mod.simulation_parameters()
    assert sim["dt"] == 1e-3 and sim["noise_std"] == 0.0 and sim["max_spikes_per_dt"] == 2**16
    # - a per-neuron tau_syn broadcasts over the synapses
    mod = cls((4, 2), tau_syn=[0.01, 0.03])
    np.testing.assert_allclose(np.asarray(mod.tau_syn), [[0.01, 0.01], [0.03, 0.03]])


@pytest.mark.parametrize("cls", BOTH)
def test_output_state_and_record_shapes(cls):
    mod = cls((4, 2), has_rec=True)
    x = np.random.rand(3, 7, 4)
    out, state, rec = mod(x)
    assert out.shape == (3, 7, 2) and rec == {}
    assert state["isyn"].shape == (2, 2) and state["vmem"].shape == (2,)
    out, state, rec = mod(x[0], record=True)
    assert out.shape == (1, 7, 2)
    assert {k: tuple(v.shape) for k, v in rec.items()} == {
        "irec": (1, 7, 2, 2), "isyn": (1, 7, 2, 2), "vmem": (1, 7, 2), "spikes": (1, 7, 2)
    }


def test_synapse_layout_channel_j_feeds_neuron_j_div_nsyn():
    # - channel 3 = neuron 1, synapse 1 (n_syn = 2)
    mod = LIFJax((4, 2), tau_syn=[[0.01, 0.02], [0.03, 0.04]], threshold=1e6)
    x = np.zeros((5, 4))
    x[0, 3] = 1.0
    _, _, rec = mod(x, record=True)
    isyn = np.asarray(rec["isyn"])[0]
    assert np.count_nonzero(isyn[:, 0]) == 0 and np.count_nonzero(isyn[:, 1, 0]) == 0
    np.testing.assert_allclose(isyn[:, 1, 1], np.exp(-1e-3 * np.arange(1, 6) / 0.04), rtol=1e-6)


@pytest.mark.parametrize("cls", BOTH)
def test_settable_state_is_used(cls):
    mod = cls(2, tau_mem=np.inf)
    mod.vmem = np.array([0.5, 2.2])
    if cls is LIFJax:
        mod = mod.set_attributes({"vmem": jnp.array([0.5, 2.2])})
    out, state, _ = mod(np.zeros((1, 2)))
    np.testing.assert_array_equal(np.asarray(out)[0, 0], [0, 2])
    np.testing.assert_allclose(np.asarray(state["vmem"]), [0.5, 0.2], rtol=1e-6)


def test_jit_equals_eager_and_native_updates_in_place():
    mod = LIFJax((4, 2), has_rec=True, bias=0.2)
    x = np.random.rand(2, 20, 4)
    eager = mod(x)
    jitted = jax.jit(lambda m, x: m(x))(mod, x)
    np.testing.assert_array_equal(np.asarray(eager[0]), np.asarray(jitted[0]))
    np.testing.assert_allclose(np.asarray(eager[1]["vmem"]), np.asarray(jitted[1]["vmem"]))
    native = LIF(2, bias=0.3)
    native(np.zeros((5, 2)))
    assert np.all(np.asarray(native.vmem) > 0)


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("cls", BOTH)
def test_bad_configuration_errors_name_module_and_attribute(cls):
    name = cls.__name__
    with pytest.raises(ValueError, match=f"{name}.*'shape'.*multiple"):
        cls((5, 2))
    with pytest.raises(ValueError, match=f"{name}.*'w_rec'.*\\(2, 4\\)"):
        cls((4, 2), w_rec=np.zeros((4, 2)))
    for attr in ("tau_mem", "tau_syn", "threshold"):
        with pytest.raises(ValueError, match=f"{name}.*'{attr}'.*> 0"):
            cls(2, **{attr: 0.0})
        with pytest.raises(ValueError, match=f"'{attr}'"):
            cls(2, **{attr: -1.0})
    mod = cls(2)
    with pytest.raises(ValueError, match="'threshold'"):
        mod.threshold = np.array([1.0, -1.0])
    with pytest.raises(ValueError, match="input has 3 channels, expected 2"):
        mod(np.zeros((4, 3)))


@pytest.mark.parametrize("cls", BOTH)
def test_dt_longer_than_a_time_constant_warns(cls):
    with pytest.warns(RockpoolWarning, match="tau_syn"):
        cls(2, tau_syn=1e-4)
    mod = cls(2, tau_syn=0.1)
    with pytest.warns(RockpoolWarning, match="tau_mem"):
        mod.dt = 0.05


@pytest.mark.parametrize("cls", BOTH)
def test_bad_spike_input_warns(cls):
    mod = cls(2, spiking_input=True)
    with pytest.warns(RockpoolWarning, match="negative"):
        mod(np.array([[0.0, -1.0]]))
    with pytest.warns(RockpoolWarning, match="non-integer"):
        mod(np.array([[0.5, 1.0]]))
    # - integer counts and bools are fine (warnings are errors in this suite)
    out, _, _ = mod(np.array([[0, 2], [1, 0]]))
    out, _, _ = mod(np.array([[True, False]]))
    assert out.shape == (1, 1, 2)
    # - not checked when the input is continuous
    cls(2)(np.array([[0.5, -1.0]]))


# ------------------------------------------------------------------------------ noise
def test_noise_statistics_and_rng_key():
    sigma, tau_m, dt = 0.5, 0.02, 1e-3
    mod = LIFJax(1, tau_mem=tau_m, noise_std=sigma, threshold=1e6)
    key0 = np.asarray(mod.rng_key)
    _, state, rec = mod(np.zeros((1000, 200, 1)), record=True)
    # - Stationary variance of V = b V + sigma sqrt(dt) xi:  sigma^2 dt / (1 - b^2)
    b = np.exp(-dt / tau_m)
    v = np.asarray(rec["vmem"])[:, 150:, 0]
    np.testing.assert_allclose(v.var(), sigma**2 * dt / (1 - b**2), rtol=0.1)
    assert abs(v.mean()) < 0.01
    # - the key advanced; the same key gives the same noise; reset_state restores it
    assert not np.array_equal(np.asarray(state["rng_key"]), key0)
    o1 = mod(np.zeros((1, 50, 1)), record=True)[2]["vmem"]
    o2 = mod(np.zeros((1, 50, 1)), record=True)[2]["vmem"]
    np.testing.assert_array_equal(np.asarray(o1), np.asarray(o2))
    moved = mod.set_attributes(state)
    o3 = moved(np.zeros((1, 50, 1)), record=True)[2]["vmem"]
    assert not np.allclose(np.asarray(o1), np.asarray(o3))
    np.testing.assert_array_equal(np.asarray(moved.reset_state().rng_key), key0)


# ------------------------------------------------------------------------------ gradients
def test_check_grads_on_subthreshold_dynamics():
    with jax.enable_x64(True):
        lif = LIFJax((4, 2), has_rec=True, tau_syn=0.03, tau_mem=0.04, bias=0.001)
        x = jnp.asarray(np.random.rand(2, 30, 4) * 0.001)

        def f(p, x):
            out, st, _ = lif.set_attributes(p)(x)
            return jnp.sum(st["vmem"] ** 2) + jnp.sum(st["isyn"]) + jnp.sum(out)

        assert float(jnp.max(lif(x, record=True)[2]["vmem"])) < 0.5  # below the surrogate window
        check_grads(f, (lif.parameters(), x), order=1, modes=["rev"], eps=1e-6)


def _loss(mod, x, record, target):
    def loss(params, x):
        out, state, rec = mod.set_attributes(params)(x, record=record)
        # - weight time steps differently so every parameter matters; use the final state too
        w = jnp.linspace(0.5, 1.5, out.shape[1])[None, :, None]
        return jnp.sum((jnp.sum(out * w, 1) - target) ** 2) + jnp.sum(state["vmem"] ** 2)

    return loss


@pytest.mark.parametrize(
    "shape, has_rec, kw",
    [
        (3, False, {}),
        ((6, 3), True, {}),
        (3, True, {"surrogate": "fast_sigmoid", "surrogate_width": 0.3}),
        ((6, 3), False, {"noise_std": 0.2, "surrogate": "arctan"}),
    ],
)
def test_custom_vjp_matches_autodiff_and_all_gradients_nonzero(shape, has_rec, kw):
    rng = np.random.default_rng(3)
    mod = LIFJax(shape, has_rec=has_rec, **kw)
    if has_rec:
        mod = mod.set_attributes({"w_rec": jnp.asarray(rng.normal(0, 0.02, mod.w_rec.shape))})
    x = jnp.asarray((rng.random((2, 40, mod.size_in)) < 0.2) * 0.4)
    target = 2.0
    params = mod.parameters()
    # - record=False: hand-written backward; record=True: autodiff of the lax.scan
    g_fast = jax.jit(jax.grad(_loss(mod, x, False, target), argnums=(0, 1)))(params, x)
    g_auto = jax.jit(jax.grad(_loss(mod, x, True, target), argnums=(0, 1)))(params, x)
    assert float(jnp.sum(mod(x)[0])) > 0
    for k in params:
        a, b = np.asarray(g_fast[0][k]), np.asarray(g_auto[0][k])
        assert np.all(np.isfinite(b)) and np.any(b != 0), k
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=1e-5 * np.abs(b).max(), err_msg=k)
    gi_fast, gi_auto = np.asarray(g_fast[1]), np.asarray(g_auto[1])
    assert np.any(gi_auto != 0)
    np.testing.assert_allclose(gi_fast, gi_auto, rtol=2e-4, atol=1e-5 * np.abs(gi_auto).max())


def test_custom_vjp_tau_mem_gradient_counts_the_initial_membrane_potential():
    # - d/d tau_mem sums gvp_t * v_{t-1}; at t = 0 that is the initial state, which the hand-written
    #   backward adds after its loop: a non-zero initial vmem must give the autodiff gradient
    rng = np.random.default_rng(5)
    mod = LIFJax(3, tau_mem=0.03)
    mod = mod.set_attributes({"vmem": jnp.asarray(rng.uniform(0.2, 0.9, 3))})
    x = jnp.asarray((rng.random((1, 30, 3)) < 0.2) * 0.4)
    params = mod.parameters()
    g_fast = jax.jit(jax.grad(_loss(mod, x, False, 1.0)))(params, x)
    g_auto = jax.jit(jax.grad(_loss(mod, x, True, 1.0)))(params, x)
    for k in params:
        np.testing.assert_allclose(np.asarray(g_fast[k]), np.asarray(g_auto[k]), rtol=2e-4, atol=1e-7, err_msg=k)


def test_surrogate_choice_changes_gradients():
    x = jnp.asarray((np.random.rand(1, 30, 2) < 0.3) * 0.5)
    grads = {}
    for name in ("pwl", "sigmoid", "boxcar"):
        mod = LIFJax(2, surrogate=name, rng_key=jnp.array([0, 1], dtype=jnp.uint32))
        grads[name] = np.asarray(jax.grad(_loss(mod, x, False, 1.0))(mod.parameters(), x)["bias"])
        assert np.all(np.isfinite(grads[name]))
    assert not np.allclose(grads["pwl"], grads["sigmoid"])
    assert not np.allclose(grads["sigmoid"], grads["boxcar"])
    with pytest.raises(ValueError, match="surrogate"):
        LIFJax(2, surrogate="nope")


def test_step_pwl_is_the_spike_function_of_lifjax():
    # - one neuron, no leak, bias drive: the output equals step_pwl applied to the pre-reset V
    mod = LIFJax(1, tau_mem=np.inf, bias=0.7)
    out, _, rec = mod(np.zeros((5, 1)), record=True)
    v_pre = np.asarray(rec["vmem"])[0, :, 0] + np.asarray(out)[0, :, 0]
    np.testing.assert_array_equal(np.asarray(step_pwl(jnp.asarray(v_pre), 1.0)), np.asarray(out)[0, :, 0])


# ------------------------------------------------------------------------------ review R1 regressions
@pytest.mark.parametrize("cls", BOTH)
def test_no_time_steps_leaves_state_unchanged(cls):
    mod = cls((4, 2), has_rec=True)
    mod.vmem = np.array([0.3, 0.4])
    out, new_state, rec = mod(np.zeros((0, 4)), record=True)
    assert out.shape == (1, 0, 2) and rec["isyn"].shape == (1, 0, 2, 2) and rec["vmem"].shape == (1, 0, 2)
    np.testing.assert_allclose(np.asarray(new_state["vmem"]), [0.3, 0.4])
    out, new_state, rec = mod(np.zeros((2, 0, 4)))
    assert out.shape == (2, 0, 2) and rec == {}


@pytest.mark.parametrize("cls", BOTH)
def test_rng_key_from_seed_or_any_jax_key(cls):
    for key in (7, jax.random.PRNGKey(7), jax.random.key(7)):
        mod = cls(2, rng_key=key)
        assert mod.rng_key.shape == (2,) and mod.rng_key.dtype == np.uint32
        np.testing.assert_array_equal(np.asarray(mod.rng_key), np.asarray(jax.random.PRNGKey(7)))
    with pytest.raises(ValueError, match=f"{cls.__name__}: rng_key must be an int seed or a PRNG key"):
        cls(2, rng_key=np.zeros(3))


@pytest.mark.parametrize("cls", BOTH)
def test_max_spikes_per_dt_must_be_a_whole_number(cls):
    for bad in (0, 1.5, np.array([1, 2])):
        with pytest.raises(ValueError, match=f"{cls.__name__}: 'max_spikes_per_dt' must be a whole number >= 1"):
            cls(1, max_spikes_per_dt=bad)
    mod = cls(1, tau_syn=0.002, max_spikes_per_dt=np.int64(3))
    with pytest.raises(ValueError, match="'max_spikes_per_dt' must be a whole number"):
        mod.max_spikes_per_dt = 0
    assert type(mod.max_spikes_per_dt) is int
    out, _, _ = mod(np.array([[50.0], [0.0]]))
    np.testing.assert_array_equal(np.asarray(out)[0, :, 0], [3, 3])


def test_lifjax_numpy_scalar_settings_stay_static():
    mod = LIFJax(2, rng_key=0)
    mod.noise_std = np.float32(0.1)  # used to become a traced leaf and crash the eager call
    mod.dt = np.float64(1e-3)
    assert type(mod.noise_std) is float and type(mod.dt) is float
    assert len(jax.tree_util.tree_leaves(mod)) == len(jax.tree_util.tree_leaves(LIFJax(2)))
    out, _, rec = mod(np.zeros((20, 2)), record=True)
    assert float(jnp.std(rec["vmem"])) > 0


def test_lifjax_surrogate_settings_checked_on_assignment():
    mod = LIFJax(2)
    with pytest.raises(ValueError, match=r"LIFJax: Unknown surrogate 'bogus'"):
        mod.surrogate = "bogus"
    with pytest.raises(ValueError, match=r"LIFJax: 'surrogate_width' must be > 0"):
        mod.set_attributes({"surrogate_width": -1.0})
    assert mod.surrogate == "pwl" and mod.surrogate_width == 0.5


@pytest.mark.parametrize("cls", BOTH)
def test_dt_warning_once_per_time_constant(cls):
    with pytest.warns(RockpoolWarning) as rec:
        cls(2, dt=0.05)
    assert sorted(str(w.message).split(":")[1].split()[0] for w in rec) == ["tau_mem", "tau_syn"]
