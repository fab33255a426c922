"""api.md §5 (module call conventions and odds), numbered behaviours: input shapes (5.1), Linear
without bias (5.2), records under jax.jit and Residual (5.3), ExpSyn noise and key (5.4), native
Rate with short time constants (5.5), missing-backend shims (5.6); plus the seed-page Softmax
details of behaviour.md."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rockpool.nn.combinators import FFwdStack, ModResidual, Residual, Sequential
from rockpool.nn.modules import (
    LIF,
    ExpSyn,
    ExpSynJax,
    Instant,
    InstantJax,
    JaxModule,
    LIFJax,
    Linear,
    LinearJax,
    LogSoftmaxJax,
    Module,
    Rate,
    RateJax,
    RockpoolWarning,
    SoftmaxJax,
)
from rockpool.parameters import Parameter

N, T = 3, 4


# ---------------------------------------------------------------------------- 5.1 user modules
class NumpyDot(Module):
    """A user module whose evolve does np.dot(input, w): it must see its input unchanged."""

    def __init__(self, shape):
        super().__init__(shape)
        self.w = Parameter(np.arange(np.prod(self.shape), dtype=float).reshape(self.shape))
        self.seen = []

    def evolve(self, input_data, record=False):
        self.seen.append(input_data)
        return np.dot(input_data, self.w), {}, {}


class JaxEcho(JaxModule):
    def __init__(self, shape=(2,)):
        super().__init__(shape)
        self.seen = []

    def evolve(self, input_data, record=False):
        self.seen.append(type(input_data))
        return jnp.sum(jnp.asarray(input_data)), {}, {}


@pytest.mark.parametrize("x", [4, [1.0, 2.0], np.ones(5), np.ones((2, 5)), np.ones((1, 1, 1, 2))])
def test_user_module_receives_input_unchanged(x):
    mod = NumpyDot((2, 2)) if np.ndim(x) == 0 or np.shape(x)[-1] == 2 else NumpyDot((5, 2))
    out, state, rec = mod(x)
    assert mod.seen[-1] is x
    np.testing.assert_allclose(out, np.dot(x, mod.w))


def test_user_jax_module_receives_input_unchanged():
    mod = JaxEcho()
    assert float(mod(4)[0]) == 4.0 and mod.seen[-1] is int  # not converted, not rejected
    assert float(mod([1.0, 2.0, 3.0])[0]) == 6.0 and mod.seen[-1] is list
    assert float(mod(np.ones((1, 2, 3, 4, 5)))[0]) == 120.0  # any rank


# ---------------------------------------------------------------------------- 5.1 Linear
@pytest.mark.parametrize("cls", [Linear, LinearJax])
def test_linear_follows_matmul_rules(cls):
    w = np.arange(6.0).reshape(2, 3)
    lin = cls((2, 3), weight=w)
    np.testing.assert_allclose(lin(2.0)[0], 2.0 * w)  # scalar: x * weight, (Nin, Nout)
    assert lin(np.ones(2))[0].shape == (3,)
    assert lin(np.ones((T, 2)))[0].shape == (T, 3)
    assert lin(np.ones((2, T, 2)))[0].shape == (2, T, 3)
    np.testing.assert_allclose(lin([[1.0, 2.0]])[0], np.array([[1.0, 2.0]]) @ w)  # lists
    with pytest.raises(ValueError, match=f"{cls.__name__}: input has 4 channels, expected 2"):
        lin(np.ones((T, 4)))
    with pytest.raises(ValueError, match="4 dimensions"):
        lin(np.ones((1, 1, T, 2)))
    with pytest.raises(ValueError, match="numeric"):
        lin([["a", "b"]])


# ---------------------------------------------------------------------------- 5.1 neuron modules
NEURONS = {
    "Rate": lambda: Rate(N, tau=0.05),
    "RateJax": lambda: RateJax(N, tau=0.05),
    "LIF": lambda: LIF(N, threshold=0.5, spiking_input=False),
    "LIFJax": lambda: LIFJax(N, threshold=0.5, spiking_input=False),
    "ExpSyn": lambda: ExpSyn(N),
    "ExpSynJax": lambda: ExpSynJax(N),
    "Instant": lambda: Instant(N, np.tanh),
    "InstantJax": lambda: InstantJax(N, jnp.tanh),
}


@pytest.mark.parametrize("name", list(NEURONS))
def test_neuron_inputs_are_made_batch_time_channels(name):
    make = NEURONS[name]
    ramp = np.array([0.2, 0.5, 1.0])  # length == N: still time, broadcast to every channel
    full = np.repeat(ramp[:, None], N, axis=1)
    ref = np.asarray(make()(full)[0])
    assert ref.shape == (1, N, N)
    for x in (ramp, ramp[:, None], ramp.tolist(), full.tolist(), full[None]):
        out = np.asarray(make()(x)[0])
        assert out.shape == (1, N, N), (name, np.shape(x))
        np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-7)
    scalar = np.asarray(make()(0.5)[0])  # a scalar: one step, every channel
    assert scalar.shape == (1, 1, N)
    np.testing.assert_allclose(scalar, np.asarray(make()(np.full((1, N), 0.5))[0]), rtol=1e-6)
    with pytest.raises(ValueError, match=f"{name}: input has 2 channels, expected {N}"):
        make()(np.ones((T, 2)))
    with pytest.raises(ValueError, match="4 dimensions"):
        make()(np.ones((1, 1, T, N)))
    with pytest.raises(ValueError, match="numeric"):
        make()(np.array([["x"] * N]))


def test_direct_evolve_and_auto_batch_apply_the_same_rules():
    mod = Rate(N)
    out, _, _ = mod.evolve(np.ones(T))
    assert out.shape == (1, T, N)
    data, (x,) = mod._auto_batch(np.ones((T, 1)), (mod.x,))
    assert data.shape == (1, T, N) and x.shape == (1, N)
    with pytest.raises(ValueError, match="Rate: input has 2 channels"):
        mod._auto_batch(np.ones((T, 2)))


@pytest.fixture(scope="module")
def chain():
    np.random.seed(2)
    return Sequential(LinearJax((30, 8)), LIFJax(8), LinearJax((8, 1)))


def test_sequential_with_a_scalar_input(chain):
    out, _, _ = chain(1.0)
    assert out.shape == (1, 30, 1)  # the scalar scales the (30, 8) weights: 30 time steps

    def loss(params, x, target):
        return jnp.sum((chain.set_attributes(params)(x)[0] - target) ** 2)

    with jax.checking_leaks():
        grads = jax.jit(jax.grad(loss))(chain.parameters(), 1.0, 0.5)
    assert all(np.all(np.isfinite(np.asarray(g))) for g in jax.tree_util.tree_leaves(grads))
    with pytest.raises(ValueError, match="JaxSequential: input has 5 channels, expected 30"):
        chain(np.ones((T, 5)))


# ---------------------------------------------------------------------------- 5.2 Linear without bias
@pytest.mark.parametrize("cls", [Linear, LinearJax])
def test_linear_without_bias(cls):
    lin = cls((2, 3))
    assert lin.bias == 0 and isinstance(lin.bias, int) and not lin.has_bias
    assert list(lin.parameters()) == ["weight"]
    out, state, rec = lin(np.ones((T, 2)))
    assert state == {} and rec == {}
    same = lin.set_attributes({})
    assert (same is lin) == (cls is Linear) and type(same) is cls
    lin.bias = 1.0  # a plain attribute, not a parameter
    assert lin.bias == 1.0 and list(lin.parameters()) == ["weight"]
    assert cls((2, 3)).as_graph().biases is None
    for bad in (10, (10,), (10, 10, 10)):
        with pytest.raises(ValueError, match="2-tuple"):
            cls(bad)
    custom = cls((2, 3), has_bias=True, weight_init_func=np.ones, bias_init_func=np.zeros)
    np.testing.assert_array_equal(np.asarray(custom.weight), np.ones((2, 3)))
    np.testing.assert_array_equal(np.asarray(custom.bias), np.zeros(3))


def test_linear_jax_without_bias_under_jit():
    lin = LinearJax((2, 3))
    out = jax.jit(lambda m, x: m(x)[0])(lin, jnp.ones((T, 2)))
    np.testing.assert_allclose(out, np.ones((T, 2)) @ np.asarray(lin.weight), rtol=1e-6)


# ---------------------------------------------------------------------------- 5.3 records under jit, Residual
def _jax_modules():
    np.random.seed(3)
    return {
        "JaxResidual": Residual(LinearJax((N, N)), LIFJax(N)),
        "JaxSequential": Sequential(LinearJax((N, N)), RateJax(N)),
        "JaxFFwdStack": FFwdStack(RateJax(N), LIFJax(N)),
        "RateJax": RateJax(N, has_rec=True),
        "LIFJax": LIFJax(N),
        "ExpSynJax": ExpSynJax(N),
        "SoftmaxJax": SoftmaxJax((N, 2)),
    }


@pytest.mark.parametrize("name", list(_jax_modules()))
def test_jit_with_traced_record_equals_eager(name):
    mod = _jax_modules()[name]
    x = np.random.rand(T, N) > 0.5 if name == "LIFJax" else np.random.rand(T, N)
    out, state, rec = jax.jit(mod)(x, record=True)
    out_e, state_e, rec_e = mod(x, record=True)
    np.testing.assert_allclose(out, out_e, rtol=1e-5, atol=1e-6)
    assert jax.tree_util.tree_structure(rec) == jax.tree_util.tree_structure(rec_e)
    for a, b in zip(jax.tree_util.tree_leaves(rec), jax.tree_util.tree_leaves(rec_e), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_residual_factory_record_repr_and_gradients():
    np.random.seed(4)
    res = Residual(LinearJax((4, 4)), LIFJax(4))
    assert type(res).__name__ == "JaxResidual" and type(Residual(Linear((4, 4)))) is ModResidual
    assert repr(res).splitlines()[0] == "JaxResidual  with shape (4, 4) {"
    with pytest.raises(ValueError):
        Residual(LinearJax((4, 3)))
    x = np.random.rand(T, 4)
    out, _, rec = res(x, record=True)
    assert rec["0_LinearJax_output"].shape == (T, 4) and rec["1_LIFJax_output"].shape == (1, T, 4)
    np.testing.assert_allclose(out, np.asarray(rec["1_LIFJax_output"]) + x, rtol=1e-6)
    assert set(rec) >= {"0_LinearJax", "1_LIFJax"}

    def loss(params):
        return jnp.sum(res.set_attributes(params)(x)[0] ** 2)

    grads = jax.grad(loss)(res.parameters())
    for path, g in jax.tree_util.tree_leaves_with_path(grads):
        assert np.any(np.asarray(g) != 0), jax.tree_util.keystr(path)


# ---------------------------------------------------------------------------- 5.4 ExpSyn noise and key
@pytest.mark.parametrize("dt, expected", [(1e-3, 0.0316), (1e-2, 0.1)])
def test_expsyn_noise_step_std(dt, expected):
    x = np.zeros((4, 400, 8))
    out, state, rec = ExpSynJax(8, tau=100.0, noise_std=1.0, dt=dt, rng_key=1)(x)
    steps = np.diff(np.asarray(out), axis=1)
    assert abs(steps.std() / expected - 1) < 0.06 and rec == {}
    np.random.seed(5)
    out_np, _, _ = ExpSyn(8, tau=100.0, noise_std=1.0, dt=dt)(x)
    assert abs(np.diff(out_np, axis=1).std() / expected - 1) < 0.06


def test_expsyn_key_and_twin():
    a = ExpSynJax((N,), noise_std=0.5, rng_key=7)
    b = ExpSynJax(N, noise_std=0.5, rng_key=7)
    x = np.random.rand(T, N)
    out_a, state_a, _ = a(x)
    np.testing.assert_array_equal(out_a, b(x)[0])  # same key, same run
    assert set(state_a) == {"isyn", "rng_key"} and a.shape == (N,)
    moved = a.set_attributes(state_a)
    assert not np.array_equal(moved(x)[0], out_a)  # the key advanced
    np.testing.assert_array_equal(moved.reset_state().rng_key, a.rng_key)
    quiet = ExpSynJax(N, tau=0.02)
    _, qstate, _ = quiet(x)
    np.testing.assert_array_equal(qstate["rng_key"], quiet.rng_key)  # nothing random without noise
    np.testing.assert_allclose(quiet(x)[0], ExpSyn(N, tau=0.02)(x)[0], rtol=1e-5, atol=1e-6)
    assert ExpSyn(N).max_window_length == 1e6 and ExpSyn(N).noise_std == 0.0


# ---------------------------------------------------------------------------- 5.5 native Rate, short tau
def test_native_rate_clips_short_tau_with_a_warning():
    with pytest.warns(RockpoolWarning, match=r"Rate: tau .*integrates with max\(tau, 10 s\)"):
        mod = Rate(5, dt=1)
    out, _, _ = mod(np.ones((4, 5)))
    np.testing.assert_allclose(out[0, :, 0], [0.1, 0.19, 0.271, 0.3439], rtol=1e-12)
    np.testing.assert_array_equal(mod.tau, 0.02)  # stored tau unchanged
    with pytest.warns(RockpoolWarning, match="integrates with max"):
        mod.tau = np.array([0.02, 20.0, 20.0, 20.0, 20.0])  # per neuron
    mod = mod.reset_state()
    out, _, _ = mod(np.ones((2, 5)))
    np.testing.assert_allclose(out[0, :, 1], [0.05, 0.0975], rtol=1e-12)  # 20 s: not clipped
    with pytest.warns(RockpoolWarning, match="unstable"):
        RateJax(5, dt=1)  # the JAX twin does not clip


def test_native_rate_with_long_tau_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Rate(2, tau=0.05, dt=1e-3)


# ---------------------------------------------------------------------------- seed pages: Softmax
@pytest.mark.parametrize("cls", [SoftmaxJax, LogSoftmaxJax])
def test_softmax_smoothing_tau_is_scalar_and_readout_inits_like_linear(cls):
    np.random.seed(11)
    mod = cls((4, 3))
    np.random.seed(11)
    plain = LinearJax((4, 3), has_bias=True)
    np.testing.assert_array_equal(mod.linear.weight, plain.weight)
    np.testing.assert_array_equal(mod.linear.bias, plain.bias)
    taus = mod.parameters("taus")
    assert taus["smooth"]["tau"].shape == () and float(taus["smooth"]["tau"]) == pytest.approx(0.1)
    assert cls((4, 3), tau=[0.1, 0.2, 0.3]).smooth.tau.shape == (3,)
    assert mod(np.ones(T))[0].shape == (1, T, 3)  # 1-D input is time, broadcast to every channel


# ---------------------------------------------------------------------------- 5.6 missing backends
def test_backend_management(capsys):
    from rockpool.utilities.backend_management import (
        backend_available,
        check_backend,
        list_backends,
        missing_backend_error,
        missing_backend_shim,
    )

    assert backend_available("numpy", "jax") and not backend_available("numpy", "no_such_backend")
    list_backends()
    printed = capsys.readouterr().out
    for name in ("numpy", "numba", "jax", "torch", "sinabs", "sinabs-exodus", "brian", "cuda", "samna"):
        assert f"'{name}'" in printed
    assert check_backend("numpy") and not check_backend("no_such_backend", throw_exception=False)
    with pytest.raises(ModuleNotFoundError, match="no_such_backend"):
        check_backend("no_such_backend")
    with pytest.raises(ModuleNotFoundError, match="Missing the `mybackend` backend. `Thing` objects"):
        missing_backend_error("Thing", "mybackend")
    Shim = missing_backend_shim("Thing", "mybackend")
    assert Shim.__name__ == "Thing"


@pytest.mark.parametrize("name", ["TorchModule", "LIFTorch", "LIFSinabs", "LIFExodus", "LIFSlayer"])
def test_shims_import_subclass_and_fail_on_use(name):
    import rockpool.nn.modules as mods

    shim = getattr(mods, name)

    class Mine(shim):
        pass

    assert not isinstance(object(), shim) and not isinstance(Module, shim)
    for use in (shim, Mine):
        with pytest.raises(ModuleNotFoundError, match=f"`{name}`"):
            use()
    with pytest.raises(ModuleNotFoundError, match="Missing the"):
        shim.some_class_attribute  # noqa: B018


def test_combinator_shims_and_empty_sequential():
    from rockpool.nn.combinators import ModSequential, TorchModule, TorchResidual
    from rockpool.nn.combinators.ffwd_stack import TorchFFwdStack
    from rockpool.nn.combinators.sequential import TorchSequential

    for shim in (TorchModule, TorchResidual, TorchFFwdStack):
        with pytest.raises(ModuleNotFoundError, match="torch"):
            shim()
    with pytest.raises(ImportError, match="torch"):
        TorchSequential(Linear((2, 2)))
    empty = Sequential()
    assert type(empty) is ModSequential and empty.shape == (0, 0)


# ---------------------------------------------------------------------------- properties (NumPy: no compiles)
@given(
    steps=st.integers(1, 5),
    n=st.integers(1, 4),
    values=st.lists(st.floats(-2, 2), min_size=5, max_size=5),
)
def test_native_broadcast_rules_property(steps, n, values):
    ramp = np.asarray(values[:steps])
    full = np.repeat(ramp[:, None], n, axis=1)
    for make in (lambda: Rate(n, tau=0.05), lambda: ExpSyn(n), lambda: Instant(n, np.tanh)):
        ref = make()(full)[0]
        assert ref.shape == (1, steps, n)
        for x in (ramp, ramp[:, None], ramp.tolist()):
            np.testing.assert_array_equal(make()(x)[0], ref)
    w = np.asarray(values[:n])[:, None] * np.ones((n, 2))
    lin = Linear((n, 2), weight=w)
    x = np.resize(np.asarray(values), (steps, n))
    for rank_input in (x[0], x, x[None]):  # (Nin,), (T, Nin), (B, T, Nin): the rank is kept
        out = lin(rank_input)[0]
        assert out.shape == rank_input.shape[:-1] + (2,)
        np.testing.assert_allclose(out, rank_input @ w)
    np.testing.assert_allclose(lin(values[0])[0], values[0] * w)


def test_user_module_returning_a_childs_flat_state_runs():
    """api.md 2.3: a user module whose evolve returns its child's flat state (``return self.r(x)``)
    runs, directly and timed; the child's own state is what evolves."""
    from rockpool.nn.modules import Module, Rate

    class U(Module):
        def __init__(self):
            super().__init__(shape=(2, 2))
            self.r = Rate(2)

        def evolve(self, x, record=False):
            return self.r(x, record=record)

    u = U()
    out, state, _ = u(np.ones((1, 5, 2)))
    assert set(state) == {"x"} and out.shape == (1, 5, 2)
    np.testing.assert_allclose(u.r.x, state["x"])  # the child applied its own new state
    out2, _, _ = u.timed(dt=1e-3)(num_timesteps=3)
    assert out2.samples.shape == (3, 2)
