"""Butterworth filter banks (spec robustness §4): spec numbers, batches, errors, NumPy twin = JAX twin."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.signal as ss

from rockpool._warnings import RockpoolWarning
from rockpool.nn.modules import ButterFilter, ButterFilterJax, ButterMelFilter, ButterMelFilterJax

FS = 16000.0
T = np.arange(16000) / FS
TONE = np.sin(2 * np.pi * 1000 * T)[:, None]


@pytest.fixture(scope="module")
def mel16():
    fb = ButterMelFilter((1, 16), fs=FS)
    return fb, fb(TONE)[0]


def test_mel_edges_and_tone_numbers(mel16):
    fb, y = mel16
    lo = np.array([100, 231.239, 384.007, 561.838, 768.840, 1009.802, 1290.292, 1616.797, 1996.865,
                   2439.282, 2954.277, 3553.756, 4251.580, 5063.880, 6009.437, 7110.111])
    np.testing.assert_allclose(fb.frequency - fb.bandwidth / 2, lo, atol=1e-3)
    np.testing.assert_allclose(fb.frequency + fb.bandwidth / 2, lo * 1.125, atol=1e-3)
    want = [9.82233e-05, 5.84520e-04, 2.06275e-03, 7.46696e-03, 5.13491e-02, 3.79889e-01, 2.22867e-02,
            7.29614e-03, 3.58166e-03, 2.11776e-03, 1.40418e-03, 1.01748e-03, 8.02057e-04, 6.94708e-04,
            6.77779e-04, 7.79567e-04]
    np.testing.assert_allclose(y[8000:].mean(0), want, rtol=1e-5)
    assert y.shape == (16000, 16) and y.dtype == np.float64
    assert y[:, 5].max() == pytest.approx(0.41499, abs=1e-5) and y[:, 4].max() == pytest.approx(0.11023, abs=1e-5)
    assert y[1600, 5] == pytest.approx(0.379412, abs=1e-6) and y.sum() == pytest.approx(7705.4308, abs=1e-3)
    # - the exact pipeline: sosfilt(lowpass, |sosfilt(bandpass, x)|)
    edge = fb.frequency[5] - fb.bandwidth[5] / 2
    bp = ss.butter(2, [edge, edge * 1.125], btype="band", output="sos", fs=FS)
    lp = ss.butter(2, 100.0, btype="low", output="sos", fs=FS)
    np.testing.assert_allclose(y[:, 5], ss.sosfilt(lp, np.abs(ss.sosfilt(bp, TONE[:, 0]))), rtol=1e-12)


def test_butter_filter_numbers():
    fb = ButterFilter([500, 1000, 2000], bandwidth=200, fs=FS)
    y = fb(TONE)[0]
    assert fb.cutoff_fs == 400 and fb.shape == (1, 3)
    np.testing.assert_allclose(y[8000:].mean(0), [0.04276, 0.63538, 0.00308], atol=1e-5)
    np.testing.assert_allclose(y.max(0), [0.11179, 0.68041, 0.02067], atol=1e-5)
    noise = np.random.RandomState(0).randn(16000)
    fb2 = ButterFilter([250, 1000, 4000], bandwidth=[100, 200, 800], fs=FS, num_workers=2)
    assert fb2.cutoff_fs == 200
    np.testing.assert_allclose(fb2(noise[:, None])[0].mean(0), [0.093975, 0.131921, 0.251243], atol=1e-6)
    assert ButterFilter([2000, 500, 1000], bandwidth=[100, 300, 50]).cutoff_fs == 350
    imp = np.zeros((10, 1))
    imp[0] = 1
    signed = ButterFilter([1000], 200, fs=FS, use_lowpass=False)(imp)[0][:5, 0]
    np.testing.assert_allclose(signed, [0.00146, 0.005251, 0.008478, 0.008548, 0.00531], atol=1e-6)


def test_batches_one_d_input_flags_and_errors(mel16):
    fb, y = mel16
    short = TONE[:400]
    ys = fb(short)[0]
    batch = np.stack([short, 0.5 * short, np.zeros_like(short)])
    yb = fb(batch)[0]
    assert yb.shape == (3, 400, 16)
    np.testing.assert_allclose(yb[0], ys, rtol=1e-12)  # each element filtered along time (ref bug)
    np.testing.assert_allclose(yb[1], 0.5 * ys, rtol=1e-9, atol=1e-15)
    np.testing.assert_array_equal(yb[2], 0.0)
    np.testing.assert_array_equal(fb(short[:, 0])[0], ys)  # 1-D input is (T, 1)
    with pytest.warns(RockpoolWarning, match="only channel 0 is filtered"):
        np.testing.assert_array_equal(fb(np.concatenate([short, short * 9], 1))[0], ys)  # channel 0 only
    out, state, rec = fb(short, record=True)
    assert state == {} and rec == {}
    norm = ButterMelFilter(16, fs=FS, normalize=True, mean_subtraction=True)(short)[0]
    np.testing.assert_allclose(norm, (ys - ys.mean()) / np.abs(ys).max(), rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="greater than 'bandwidth' / 2"):
        ButterFilter([50], 200)
    with pytest.raises(ValueError, match="lesser than"):
        ButterFilter([8000], 200, fs=FS)
    with pytest.raises(ValueError, match="Got 2 and 3"):
        ButterFilter([500, 1000, 2000], [100, 200])
    with pytest.raises(AssertionError, match="strictly positive"):
        ButterFilter([500], 100, order=0)
    with pytest.raises(ValueError, match=r"shape\[0\]"):
        ButterMelFilter((16,))
    with pytest.raises(NotImplementedError):
        fb.as_graph()


def test_plot_responses():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fb = ButterMelFilter(4, fs=FS, plot=True)
    assert len(fb.figure.axes[0].lines) == 4
    plt.close(fb.figure)


def test_jax_twin_matches_numpy_jit_grad_batches():
    fb = ButterMelFilter(8, fs=FS)
    fj = ButterMelFilterJax(8, fs=FS)
    x = np.stack([TONE[:1500], np.random.RandomState(1).randn(1500, 1) * 0.3])
    yn = fb(x)[0]
    yj = np.asarray(fj(x)[0])
    assert yj.shape == (2, 1500, 8)
    # - float32 coefficients: the tone agrees to 1e-4 of the peak, wide-band noise to 5e-3
    np.testing.assert_allclose(yj[0], yn[0], atol=1e-4 * np.abs(yn[0]).max())
    np.testing.assert_allclose(yj[1], yn[1], atol=5e-3 * np.abs(yn[1]).max())
    np.testing.assert_allclose(jax.jit(lambda m, x: m(x)[0])(fj, x), yj, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(np.asarray(fj(x[1])[0]), yj[1], rtol=1e-6, atol=1e-9)
    g = jax.grad(lambda s: jnp.sum(fj(s)[0][..., 3]))(jnp.asarray(x[0]))
    assert g.shape == (1500, 1) and np.isfinite(np.asarray(g)).all() and np.abs(np.asarray(g)).sum() > 0
    bj = ButterFilterJax([1000], 200, fs=FS, use_lowpass=False, normalize=True)
    bn = ButterFilter([1000], 200, fs=FS, use_lowpass=False, normalize=True)
    np.testing.assert_allclose(np.asarray(bj(TONE[:800])[0]), bn(TONE[:800])[0], atol=1e-4)


def test_filter_bank_misuse_is_explained():
    # - QA pass: empty signals, concrete NaN in the JAX twin, a (1, T) row, a zero bandwidth
    for cls in (ButterFilter, ButterFilterJax):
        fb = cls([500.0, 1000.0], 100.0, fs=8000.0)
        assert np.asarray(fb(np.zeros((1, 0, 1)))[0]).shape == (1, 0, 2)
        with pytest.raises(ValueError, match="NaN or inf"):
            fb(np.full((1, 10, 1), np.nan))
        with pytest.warns(RockpoolWarning, match=r"a \(1, T\) row reads as one time step"):
            assert np.asarray(fb(np.ones((1, 20)))[0]).shape == (1, 2)
    with pytest.raises(ValueError, match="'bandwidth' must be > 0"):
        ButterFilter([500.0], 0.0, fs=8000.0)
