"""LIF (NumPy) and LIFJax: closed-form solutions, and the two twins against each other."""

import numpy as np
import pytest

from rockpool.nn.modules import LIF, LIFJax

DT = 1e-3


def _both(shape, **kw):
    return LIF(shape, **kw), LIFJax(shape, **kw)


def test_single_input_spike_gives_exponential_synaptic_current():
    tau_s, tau_m = 0.01, 0.03
    T = 60
    x = np.zeros((T, 1))
    x[0, 0] = 1.0
    k = np.arange(T)
    a, b = np.exp(-DT / tau_s), np.exp(-DT / tau_m)
    isyn_expected = a ** (k + 1)
    # - V_k = sum_j b^(k-j) I_j = a (b^(k+1) - a^(k+1)) / (b - a)
    vmem_expected = a * (b ** (k + 1) - a ** (k + 1)) / (b - a)
    for mod in _both(1, tau_syn=tau_s, tau_mem=tau_m, threshold=1e6):
        out, _, rec = mod(x, record=True)
        np.testing.assert_allclose(np.asarray(rec["isyn"])[0, :, 0, 0], isyn_expected, rtol=1e-5)
        np.testing.assert_allclose(np.asarray(rec["vmem"])[0, :, 0], vmem_expected, rtol=1e-5)
        assert float(np.asarray(out).sum()) == 0.0


def test_constant_drive_charges_along_the_analytic_curve():
    tau_m, c = 0.02, 0.01
    T = 200
    k = np.arange(T)
    b = np.exp(-DT / tau_m)
    expected = c * (1 - b ** (k + 1)) / (1 - b)  # -> c * tau_m / dt = 0.2 for T >> tau_m / dt
    for mod in _both(1, tau_mem=tau_m, bias=c):
        _, _, rec = mod(np.zeros((T, 1)), record=True)
        np.testing.assert_allclose(np.asarray(rec["vmem"])[0, :, 0], expected, rtol=1e-5)
        assert abs(float(np.asarray(rec["vmem"])[0, -1, 0]) - c * (1 / (1 - b))) < 1e-4


@pytest.mark.parametrize("cls", [LIF, LIFJax])
def test_known_drive_gives_spike_count_and_subtractive_reset(cls):
    # - No leak (tau_mem = inf): V integrates the bias exactly
    mod = cls(1, tau_mem=np.inf, bias=0.25)
    out, state, rec = mod(np.zeros((40, 1)), record=True)
    out = np.asarray(out)[0, :, 0]
    assert out.sum() == 10  # one spike every 4 steps
    np.testing.assert_array_equal(np.nonzero(out)[0], np.arange(3, 40, 4))
    np.testing.assert_allclose(np.asarray(rec["vmem"])[0, :4, 0], [0.25, 0.5, 0.75, 0.0])

    # - Several thresholds crossed in one step: 2.5 -> 2 spikes (V=0.5), 3.0 -> 3 spikes (V=0)
    mod = cls(1, tau_mem=np.inf, bias=2.5)
    out, _, rec = mod(np.zeros((6, 1)), record=True)
    np.testing.assert_array_equal(np.asarray(out)[0, :, 0], [2, 3, 2, 3, 2, 3])
    np.testing.assert_allclose(np.asarray(rec["vmem"])[0, :, 0], [0.5, 0, 0.5, 0, 0.5, 0])

    # - max_spikes_per_dt caps the count; the rest of V stays
    mod = cls(1, tau_mem=np.inf, bias=2.5, max_spikes_per_dt=2)
    out, _, rec = mod(np.zeros((4, 1)), record=True)
    np.testing.assert_array_equal(np.asarray(out)[0, :, 0], [2, 2, 2, 2])
    np.testing.assert_allclose(np.asarray(rec["vmem"])[0, :, 0], [0.5, 1.0, 1.5, 2.0])


def _parity(shape, has_rec, B=2, T=1000, seed=0):
    rng = np.random.default_rng(seed)
    n_in, n_out = (shape, shape) if isinstance(shape, int) else shape
    kw = dict(
        tau_mem=rng.uniform(0.01, 0.05, n_out),
        tau_syn=rng.uniform(0.005, 0.03, (n_out, n_in // n_out)),
        bias=rng.uniform(-0.01, 0.02, n_out),
        threshold=rng.uniform(0.8, 1.2, n_out),
    )
    if has_rec:
        kw["w_rec"] = rng.normal(0, 2e-3, (n_out, n_in))  # gain ~ w tau_syn tau_mem / dt^2
    lif, lif_jax = _both(shape, **kw)
    x = (rng.random((B, T, n_in)) < 0.05) * rng.uniform(0.05, 0.3, n_in)
    out_n, state_n, rec_n = lif(x, record=True)
    out_j, state_j, rec_j = lif_jax(x, record=True)
    out_j2, state_j2, _ = lif_jax(x)  # the fast (custom-VJP) path
    assert 50 < np.asarray(out_n).sum() < 0.5 * B * T * n_out  # the neurons spike, sparsely
    np.testing.assert_array_equal(np.asarray(out_j), out_n)
    np.testing.assert_array_equal(np.asarray(out_j2), out_n)
    for key in ("spikes", "isyn", "vmem"):
        np.testing.assert_allclose(np.asarray(state_j[key]), state_n[key], rtol=1e-3, atol=1e-3)
        np.testing.assert_allclose(np.asarray(state_j2[key]), state_n[key], rtol=1e-3, atol=1e-3)
    for key in ("spikes", "isyn", "vmem", "irec"):
        assert rec_n[key].shape == rec_j[key].shape
        np.testing.assert_allclose(np.asarray(rec_j[key]), rec_n[key], rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize(
    "shape, has_rec", [(3, False), (3, True), ((6, 3), False), ((6, 3), True)]
)
def test_numpy_and_jax_twins_agree_over_1000_steps(shape, has_rec):
    _parity(shape, has_rec)
