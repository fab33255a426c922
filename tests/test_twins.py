"""NumPy/JAX twins share one specification (DESIGN.md decision 6): same constructor arguments,
same registered attributes (names, kinds, families, shapes, order), same errors.

Only construction is exercised here (no compiles); the dynamics of each pair are compared in
test_parity_*.py.
"""

import inspect

import numpy as np
import pytest

from rockpool.nn.modules import LIF, ExpSyn, ExpSynJax, Instant, InstantJax, LIFJax
from rockpool.nn.modules import Linear, LinearJax, Rate, RateJax

# - (NumPy class, JAX class, constructor arguments, JAX-only arguments, JAX-only attributes)
PAIRS = [
    (Rate, RateJax, dict(shape=3, has_rec=True), ("rng_key",), ("rng_key",)),
    (Linear, LinearJax, dict(shape=(3, 2), has_bias=True), (), ()),
    (Instant, InstantJax, dict(shape=3), (), ()),
    (ExpSyn, ExpSynJax, dict(shape=3, tau=[0.01, 0.02, 0.03]), ("rng_key",), ("rng_key",)),
    (
        LIF,
        LIFJax,
        dict(shape=(4, 2), has_rec=True),
        ("surrogate", "surrogate_width"),
        ("surrogate", "surrogate_width"),
    ),
]
IDS = [p[0].__name__ for p in PAIRS]
# - NumPy-only arguments / attributes (ExpSyn's `max_window_length`, as in the reference)
NP_ONLY = {ExpSyn: ("max_window_length",)}


def _registry(mod, skip):
    return [
        (name, a.kind.__name__, a.family, a.shapes)
        for name, a in mod._registry.items()
        if name not in skip
    ]


@pytest.mark.parametrize("np_cls, jax_cls, kwargs, jax_args, jax_attrs", PAIRS, ids=IDS)
def test_twins_take_the_same_arguments(np_cls, jax_cls, kwargs, jax_args, jax_attrs):
    sig_np = {k: v for k, v in inspect.signature(np_cls).parameters.items() if k not in NP_ONLY.get(np_cls, ())}
    sig_jax = {k: v for k, v in inspect.signature(jax_cls).parameters.items() if k not in jax_args}
    assert list(sig_np) == list(sig_jax)
    assert [p.default for p in sig_np.values()] == [p.default for p in sig_jax.values()]


@pytest.mark.parametrize("np_cls, jax_cls, kwargs, jax_args, jax_attrs", PAIRS, ids=IDS)
def test_twins_register_the_same_attributes(np_cls, jax_cls, kwargs, jax_args, jax_attrs):
    np.random.seed(1)
    a = np_cls(**kwargs)
    np.random.seed(1)
    b = jax_cls(**kwargs)
    assert _registry(a, NP_ONLY.get(np_cls, ())) == _registry(b, jax_attrs)
    assert a.shape == b.shape and a.spiking_input == b.spiking_input
    assert a.spiking_output == b.spiking_output
    # - Same initialisation: with the same seed, defaults and random weights agree
    params_np, params_jax = a.parameters(), b.parameters()
    assert list(params_np) == list(params_jax)
    for name, value in params_np.items():
        np.testing.assert_allclose(np.asarray(params_jax[name]), value, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "np_cls, jax_cls, kwargs",
    [
        (Rate, RateJax, dict(shape=(2, 3))),
        (Linear, LinearJax, dict(shape=3)),
        (ExpSyn, ExpSynJax, dict(shape=(2, 3))),
        (LIF, LIFJax, dict(shape=(3, 2))),
        (Rate, RateJax, dict(shape=2, tau=-1.0)),
    ],
)
def test_twins_raise_the_same_errors(np_cls, jax_cls, kwargs):
    with pytest.raises(ValueError) as e_np:
        np_cls(**kwargs)
    with pytest.raises(ValueError) as e_jax:
        jax_cls(**kwargs)
    msg_np, msg_jax = str(e_np.value), str(e_jax.value)
    assert msg_np.startswith(np_cls.__name__) and msg_jax.startswith(jax_cls.__name__)
    assert msg_jax.replace(jax_cls.__name__, np_cls.__name__) == msg_np


def test_jax_twins_hold_jax_arrays_and_native_twins_numpy():
    import jax

    rate_np, rate_jax = Rate(2, tau=0.05), RateJax(2, tau=0.05)
    assert isinstance(rate_np.tau, np.ndarray) and rate_np.tau.dtype == np.float64
    assert isinstance(rate_jax.tau, jax.Array)
    assert rate_jax.rng_key.dtype == np.uint32 and rate_jax.rng_key.shape == (2,)
    assert rate_np.act_fn is not rate_jax.act_fn  # each backend resolves names to its own functions
