"""Values checked at the door: parameters and settings at construction, `set_attributes` and plain
assignment (both backends agree); typos; tracers never stored in outside modules; memory estimate.
A property test feeds random bad values of every kind to every module."""

import inspect
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rockpool.nn.modules import (
    LIF,
    ExpSyn,
    ExpSynJax,
    Instant,
    InstantJax,
    LIFJax,
    Linear,
    LinearJax,
    LogSoftmaxJax,
    Rate,
    RateJax,
    RockpoolWarning,
    SoftmaxJax,
)
from rockpool.nn.modules import _memory

TWINS = [(Rate, RateJax), (LIF, LIFJax), (ExpSyn, ExpSynJax)]


@pytest.mark.parametrize("native, jaxcls", TWINS)
@pytest.mark.parametrize("bad", [np.nan, -np.inf])
def test_non_finite_parameters_are_errors_in_both_twins(native, jaxcls, bad):
    name = "bias" if native is not ExpSyn else "tau"
    for cls in (native, jaxcls):
        with pytest.raises(ValueError, match=rf"{cls.__name__}.*'{name}'"):
            cls(2, **{name: bad})
        mod = cls(2)
        with pytest.raises(ValueError, match=rf"{cls.__name__}.*'{name}'"):
            mod.set_attributes({name: np.array([1.0, bad])})
        with pytest.raises(ValueError, match=rf"{cls.__name__}.*'{name}'"):
            setattr(mod, name, bad)
        assert np.all(np.isfinite(np.asarray(getattr(mod, name))))  # nothing changed
        mod(np.zeros((3, 2)))  # and it still works


def test_plus_inf_time_constant_means_no_decay_and_states_may_be_anything():
    for cls in (LIF, LIFJax):
        mod = cls(1, tau_mem=np.inf)
        assert np.isinf(np.asarray(mod.tau_mem)).all()
        with pytest.raises(ValueError, match="threshold"):
            cls(1, threshold=np.inf)
    mod = RateJax(2)
    mod = mod.set_attributes({"x": jnp.array([np.inf, 0.0])})  # states are not parameters
    assert np.isinf(np.asarray(mod.x)[0])


@pytest.mark.parametrize("cls", [Rate, RateJax, LIF, LIFJax, ExpSyn, ExpSynJax])
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(dt=np.array([1e-3, 2e-3])), ValueError, "'dt'.*single number"),
        (dict(dt=np.inf), ValueError, "'dt'.*finite"),
        (dict(dt=1e-3 + 1j), TypeError, "'dt'.*real"),
        (dict(dt="1ms"), TypeError, "'dt'"),
        (dict(dt=None), TypeError, "'dt'"),
        (dict(tau=1j), TypeError, "'tau'.*complex"),
        (dict(tau="fast"), TypeError, "'tau'"),
    ],
)
def test_bad_settings_are_clear_errors_at_construction(cls, kwargs, error, match):
    if "tau" in kwargs and cls in (LIF, LIFJax):
        kwargs = {"tau_mem": kwargs["tau"]}
        match = match.replace("'tau'", "'tau_mem'")
    with pytest.raises(error, match=cls.__name__ + ".*" + match):
        cls(2, **kwargs)


@pytest.mark.parametrize("cls", [Rate, RateJax, LIF, LIFJax])
def test_noise_std_must_be_one_finite_number(cls):
    for bad, match in ((np.inf, "finite"), (np.ones(2), "single number")):
        with pytest.raises(ValueError, match=f"{cls.__name__}.*'noise_std'.*{match}"):
            cls(2, noise_std=bad)
    mod = cls(2)
    with pytest.raises(ValueError, match="'noise_std'.*finite"):
        mod.noise_std = np.inf


@pytest.mark.parametrize("cls", [Rate, RateJax])
def test_custom_activation_of_the_wrong_shape_is_caught_at_construction(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__}.*activation.*shape \(\)"):
        cls(3, activation_func=lambda x, t: (x - t).sum())
    with pytest.raises(ValueError, match=rf"{cls.__name__}.*activation.*fails"):
        cls(3, activation_func=lambda x: x)  # forgot the threshold argument
    mod = cls(3, activation_func=lambda x, t: np.maximum(x - t, 0) if cls is Rate else jnp.maximum(x - t, 0))
    mod(np.ones((4, 3)))


def test_typos_warn_with_the_likely_name():
    for mod in (RateJax(2), Rate(2)):
        with pytest.warns(RockpoolWarning, match="Did you mean 'tau'"):
            mod.tua = 0.1
        with pytest.warns(RockpoolWarning, match="Did you mean 'bias'"):
            mod.bais = 0.1
    with pytest.warns(RockpoolWarning, match=r"'tuas'.*families here are \['bias', 'taus'"):
        assert RateJax(2).parameters("tuas") == {}
    assert RateJax(2).parameters("taus")  # no warning for a family that exists


def test_a_tracer_is_never_stored_in_a_module_outside_the_trace():
    outside = RateJax(2)

    def bad(p):
        outside.tau = p
        return p.sum()

    with pytest.raises(ValueError, match="set_attributes"):
        jax.jit(bad)(jnp.ones(2))
    assert not isinstance(outside.tau, jax.core.Tracer)

    # - The functional API inside a trace works, on closed-over and traced modules alike
    x = jnp.ones((1, 5, 2))
    g = jax.grad(lambda p: outside.set_attributes(p)(x)[0].sum())(outside.parameters())
    assert set(g) == set(outside.parameters())
    jax.jit(lambda m: m.set_attributes({"tau": m.tau * 2})(x)[0])(outside)


def test_grad_of_a_whole_module_needs_allow_int_and_gives_a_module_shaped_gradient():
    mod = LIFJax(2, noise_std=0.0)  # holds an integer rng key
    x = jnp.ones((1, 5, 2))
    loss = lambda m: m(x)[0].sum()  # noqa: E731
    with pytest.raises(TypeError, match="allow_int"):
        jax.grad(loss)(mod)
    g = jax.grad(loss, allow_int=True)(mod)
    assert isinstance(g, LIFJax) and g.tau_mem.shape == (2,)


def test_memory_estimate_fails_fast_with_advice(monkeypatch):
    monkeypatch.setattr(_memory, "available_bytes", lambda refresh=False: 50 * 2**20)
    mod = LIFJax(64)
    x = np.broadcast_to(np.zeros((1, 1, 64), np.float32), (8, 100_000, 64))  # no memory used
    with pytest.raises(MemoryError, match=r"LIFJax.*MiB.*streaming.*record=False") as info:
        mod(x, record=True)
    assert info.value.needed > info.value.available
    mod(np.zeros((2, 10, 64), np.float32), record=True)  # small calls are unaffected
    with pytest.raises(_memory.OutOfMemoryEstimateError):
        _memory.check_fits(10**9, "X", available=10**6)
    _memory.check_fits(10**3, "X", available=10**6)
    assert _memory.available_bytes(refresh=True) is None or _memory.available_bytes() > 0


# ---------------------------------------------------------------------------------------- property
MODULES = {
    "Rate": (Rate, 3), "RateJax": (RateJax, 3), "LIF": (LIF, 3), "LIFJax": (LIFJax, 3),
    "ExpSyn": (ExpSyn, 3), "ExpSynJax": (ExpSynJax, 3), "Linear": (Linear, (3, 2)),
    "LinearJax": (LinearJax, (3, 2)), "Instant": (Instant, 3), "InstantJax": (InstantJax, 3),
    "SoftmaxJax": (SoftmaxJax, (3, 2)), "LogSoftmaxJax": (LogSoftmaxJax, (3, 2)),
}
BAD = st.sampled_from([
    np.nan, np.inf, -np.inf, 1 + 2j, "text", [1, "a"], {"a": 1}, object(), np.array([np.nan] * 3),
    np.ones(7), np.ones((3, 3, 3)), np.array(["x", "y", "z"]), -1.0, 0.0, 1e30, True, (),
    np.array([1 + 1j] * 3),
])


def _targets(cls, shape):
    mod = cls(shape)
    names = [n for n in mod._registry if n not in ("rng_key",)]
    init_args = set(inspect.signature(cls.__init__).parameters) - {"self", "shape"}
    return mod, names, sorted(init_args)


def _works(mod, n_in):
    out, state, _ = mod(np.ones((2, 4, n_in)))
    return np.all(np.isfinite(np.asarray(out)))


@settings(max_examples=40)
@given(name=st.sampled_from(sorted(MODULES)), bad=BAD, pick=st.integers(0, 10**6), where=st.booleans())
def test_bad_values_give_a_named_error_or_a_working_module(name, bad, pick, where):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RockpoolWarning)  # e.g. dt = 1e30 > tau: warns, works
        _bad_value_case(name, bad, pick, where)


def _bad_value_case(name, bad, pick, where):
    cls, shape = MODULES[name]
    mod, attrs, args = _targets(cls, shape)
    n_in = mod.size_in
    if where and args:  # the constructor
        arg = args[pick % len(args)]
        try:
            made = cls(shape, **{arg: bad})
        except (ValueError, TypeError) as e:
            assert cls.__name__ in str(e), str(e)
            return
        made(np.ones((2, 4, n_in)))  # no error: it must work (non-finite output allowed: 1e30)
        return
    attr = attrs[pick % len(attrs)]
    before = jax.tree_util.tree_map(np.asarray, mod.parameters())
    try:
        new = mod.set_attributes({attr: bad})
    except (ValueError, TypeError) as e:
        assert cls.__name__ in str(e) and attr in str(e), str(e)
        after = jax.tree_util.tree_map(np.asarray, mod.parameters())
        jax.tree_util.tree_map(np.testing.assert_array_equal, before, after)  # nothing changed
        assert _works(mod, n_in)  # and the module still works
        return
    new(np.ones((2, 4, n_in)))


@pytest.mark.parametrize("cls, shape", [(RateJax, 0), (LIF, 0), (LinearJax, (0, 3)), (Linear, (3, 0)), (SoftmaxJax, (3, 0)), (InstantJax, 0)])
def test_zero_size_modules_are_clear_errors(cls, shape):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: shape .* has a size of 0"):
        cls(shape)
