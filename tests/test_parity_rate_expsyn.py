"""Native (NumPy, float64) and JAX (float32) twins agree: Rate vs RateJax, ExpSyn vs ExpSynJax,
Linear/Instant vs LinearJax/InstantJax."""

import jax.numpy as jnp
import numpy as np
import pytest

from rockpool.nn.modules import (
    ExpSyn,
    ExpSynJax,
    Instant,
    InstantJax,
    Linear,
    LinearJax,
    Rate,
    RateJax,
)

T = 1000


def _close(a, b, rtol=1e-4, atol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_rate_feedforward_parity_over_1000_steps(activation):
    n = 4
    kw = dict(tau=[0.02, 0.03, 0.05, 0.1], bias=[0.0, 0.1, -0.1, 0.2], threshold=[0.0, 0.1, 0.0, -0.1])
    nat, jx = Rate(n, activation_func=activation, **kw), RateJax(n, activation_func=activation, **kw)
    x = np.random.randn(2, T, n)
    out_n, state_n, rec_n = nat(x, record=True)
    out_j, state_j, rec_j = jx(x, record=True)
    assert out_j.dtype == jnp.float32 and out_n.dtype == np.float64
    _close(out_j, out_n)
    _close(state_j["x"], state_n["x"])
    assert sorted(rec_j) == sorted(rec_n) == ["rec_input", "x"]
    for k in rec_n:
        assert rec_j[k].shape == rec_n[k].shape == (2, T, n)
        _close(rec_j[k], rec_n[k])


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_rate_recurrent_parity_over_1000_steps(activation):
    n = 5
    w_rec = np.random.randn(n, n) / np.sqrt(n)
    kw = dict(w_rec=w_rec, tau=0.02, bias=0.05, activation_func=activation)
    nat, jx = Rate(n, **kw), RateJax(n, **kw)
    assert nat.has_rec and jx.has_rec
    x = np.random.rand(2, T, n)
    out_n, state_n, rec_n = nat(x, record=True)
    out_j, state_j, rec_j = jx(x, record=True)
    _close(out_j, out_n)
    _close(state_j["x"], state_n["x"])
    _close(rec_j["rec_input"], rec_n["rec_input"])
    _close(rec_j["x"], rec_n["x"])
    assert np.abs(rec_n["rec_input"]).max() > 0.01  # the recurrence really acts


def test_rate_twins_share_structure():
    nat, jx = Rate(3, has_rec=True), RateJax(3, has_rec=True)
    assert list(nat.parameters()) == list(jx.parameters())
    assert list(nat.simulation_parameters()) == list(jx.simulation_parameters())
    assert set(jx.state()) == set(nat.state()) | {"rng_key"}
    for name in ("tau", "bias", "threshold"):
        _close(getattr(jx, name), getattr(nat, name))
    # - parameters move between twins with set_attributes
    jx2 = jx.set_attributes(nat.parameters())
    _close(jx2.w_rec, nat.w_rec)


def test_rate_noise_statistics_match_native_convention():
    # - same convention: per step x gains noise_std * sqrt(dt) * N(0, 1); no leak (huge tau)
    ident = lambda v, th: v  # noqa: E731
    nat = Rate(25, tau=1e4, noise_std=0.4, activation_func=ident)
    jx = RateJax(25, tau=1e4, noise_std=0.4, activation_func=ident, rng_key=3)
    x = np.zeros((40, T, 25))  # 1000 samples: the std estimate is within ~2 %
    std_n = np.std(nat(x)[0][:, -1])
    std_j = float(np.std(np.asarray(jx(x)[0][:, -1])))
    assert abs(std_n - 0.4) < 0.04 and abs(std_j - 0.4) < 0.04


def test_exp_syn_parity_over_1000_steps_with_spikes():
    tau = [0.005, 0.01, 0.05]
    nat, jx = ExpSyn(3, tau=tau), ExpSynJax(3, tau=tau)
    spikes = np.random.rand(2, T, 3) < 0.05
    out_n, state_n, rec_n = nat(spikes, record=True)
    out_j, state_j, rec_j = jx(spikes, record=True)
    assert out_n.shape == out_j.shape == (2, T, 3)
    _close(out_j, out_n)
    _close(state_j["isyn"], state_n["isyn"])
    _close(rec_j["isyn"], rec_n["isyn"])
    # - the native twin keeps its state; the JAX one hands it back
    _close(nat.isyn, state_n["isyn"])
    out_n2, _, _ = nat(spikes[0])
    out_j2, _, _ = jx.set_attributes(state_j)(spikes[0])
    _close(out_j2, out_n2)


def test_exp_syn_native_closed_form_and_checks():
    syn = ExpSyn(2, tau=[0.01, 0.03])
    spikes = np.zeros((20, 2), bool)
    spikes[0] = True
    out, _, _ = syn(spikes)
    k = np.arange(20)[:, None]
    np.testing.assert_allclose(out[0], np.exp(-(k + 1) * 1e-3 / np.array([0.01, 0.03])), rtol=1e-12)
    assert out.dtype == np.float64 and str(syn) == "ExpSyn  with shape (2,)"
    with pytest.raises(ValueError, match="ExpSyn.*'tau' must be > 0"):
        ExpSyn(2, tau=-0.01)
    with pytest.raises(ValueError, match="ExpSyn.*4 channels, expected 2"):
        syn(np.ones((5, 4)))


def test_linear_and_instant_parity():
    w, b = np.random.randn(3, 4), np.random.randn(4)
    x = np.random.randn(2, 6, 3)
    _close(LinearJax((3, 4), weight=w, bias=b)(x)[0], Linear((3, 4), weight=w, bias=b)(x)[0], 1e-5)
    _close(InstantJax(3, jnp.tanh)(x)[0], Instant(3, np.tanh)(x)[0], 1e-5)
    assert list(LinearJax((3, 4), has_bias=True).parameters()) == list(
        Linear((3, 4), has_bias=True).parameters()
    )


# - Property tests: one compile each (shapes fixed), random values
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

_taus = arrays(np.float64, 3, elements=st.floats(0.011, 1.0))
_vals = arrays(np.float64, 3, elements=st.floats(-1.0, 1.0))
_inputs = arrays(np.float64, (2, 16, 3), elements=st.floats(-2.0, 2.0))


@given(tau=_taus, bias=_vals, threshold=_vals, x=_inputs, act=st.sampled_from(["relu", "sigmoid", "tanh"]))
def test_property_rate_twins_agree(tau, bias, threshold, x, act):
    kw = dict(tau=tau, bias=bias, threshold=threshold, activation_func=act)
    out_n, state_n, _ = Rate(3, **kw)(x)
    out_j, state_j, _ = RateJax(3, **kw)(x)
    _close(out_j, out_n, rtol=1e-4, atol=1e-5)
    _close(state_j["x"], state_n["x"], rtol=1e-4, atol=1e-5)


@given(tau=arrays(np.float64, 3, elements=st.floats(1.1e-3, 1.0)), spikes=arrays(np.int8, (2, 16, 3), elements=st.integers(0, 3)))
def test_property_exp_syn_twins_agree(tau, spikes):
    out_n, state_n, _ = ExpSyn(3, tau=tau)(spikes)
    out_j, state_j, _ = ExpSynJax(3, tau=tau)(spikes)
    _close(out_j, out_n, rtol=1e-5, atol=1e-5)
    _close(state_j["isyn"], state_n["isyn"], rtol=1e-5, atol=1e-5)
