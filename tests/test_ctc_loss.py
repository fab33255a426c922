"""rockpool.training.ctc_loss (spec robustness §3): check values, brute force, optax, jit, grad, errors."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from scipy.special import log_softmax

from rockpool.training.ctc_loss import ctc_loss_batch, ctc_loss_jax, ctc_loss_numpy, ctc_loss_torch

LP = log_softmax(np.random.RandomState(0).randn(5, 3), axis=1)
CHECK = {(1,): 2.5187826, (1, 2): 1.3763584, (2, 2): 2.5324143, (1, 1, 2): 3.8042322}
JIT = jax.jit(ctc_loss_jax)  # seq_length traced


def _brute(label, lp, S):
    total = 0.0
    for path in itertools.product(range(lp.shape[1]), repeat=S):
        merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
        if [k for k in merged if k != 0] == list(label):
            total += np.exp(sum(lp[t, k] for t, k in enumerate(path)))
    return -np.log(total)


def test_check_values_numpy_jax_jit():
    for label, want in CHECK.items():
        assert ctc_loss_numpy(list(label), LP, 5) == pytest.approx(want, rel=1e-6)
    labels = jnp.array([[1, 0, 0], [1, 2, 0], [2, 2, 0], [1, 1, 2]])
    batch = ctc_loss_batch(jnp.stack([LP] * 4), labels, None, jnp.array([1, 2, 2, 3]))
    np.testing.assert_allclose(batch, list(CHECK.values()), rtol=1e-5)
    assert float(ctc_loss_jax(np.array([1, 2]), LP, 5)) == pytest.approx(CHECK[(1, 2)], rel=1e-5)
    assert float(JIT(jnp.array([1, 2]), LP, 5)) == pytest.approx(CHECK[(1, 2)], rel=1e-5)
    # - empty label: -sum log p(blank); shorter sequences; unnormalised scores used as given
    assert ctc_loss_numpy([], LP, 5) == pytest.approx(-LP[:, 0].sum())
    assert float(ctc_loss_jax(np.array([], int), LP, 4)) == pytest.approx(-LP[:4, 0].sum(), rel=1e-5)
    raw = np.random.RandomState(1).randn(5, 3)
    for label in [(1, 2), (2, 1), (1, 1)]:
        for S in (3, 4):
            want = _brute(label, raw, S)
            assert ctc_loss_numpy(list(label), raw, S) == pytest.approx(want, rel=1e-9)
            assert float(JIT(jnp.array(label), raw, S)) == pytest.approx(want, rel=1e-5)  # one compile


def test_impossible_labels_give_big_num():
    assert ctc_loss_numpy([2, 2], LP, 2) == pytest.approx(1e10, rel=1e-6)
    assert float(ctc_loss_jax(np.array([1, 2]), LP, 1, big_num=1e3)) == pytest.approx(1e3, rel=1e-2)
    assert float(JIT(jnp.array([2, 2]), LP, 3)) < 10  # [2, 0, 2] fits in 3 frames
    assert float(JIT(jnp.array([2, 2]), LP, 2)) == pytest.approx(1e10)


def test_errors_teach():
    for fn in (ctc_loss_numpy, ctc_loss_jax):
        with pytest.raises(ValueError, match="seq_length"):
            fn(np.array([1]), LP, 6)
        with pytest.raises(ValueError, match=r"1\.\.2"):
            fn(np.array([3]), LP, 5)
        with pytest.raises(ValueError, match=r"1\.\.2"):
            fn(np.array([0, 1]), LP, 5)
        with pytest.raises(ValueError, match=r"\(T, C\)"):
            fn(np.array([1]), LP[None], 5)
    with pytest.raises(ImportError, match="Torch backend not available"):
        ctc_loss_torch()


def test_grad_matches_finite_differences_and_vmap():
    label = jnp.array([1, 2])
    g = jax.grad(lambda lp: JIT(label, lp, 5))(jnp.asarray(LP))
    d = np.random.RandomState(2).randn(*LP.shape)
    fd = (ctc_loss_numpy([1, 2], LP + 1e-5 * d, 5) - ctc_loss_numpy([1, 2], LP - 1e-5 * d, 5)) / 2e-5
    assert float(jnp.sum(g * d)) == pytest.approx(fd, rel=1e-3)
    labels = jnp.array([[1, 2], [2, 2]])
    lps = jnp.stack([LP, LP])
    out = jax.vmap(ctc_loss_jax, (0, 0, None))(labels, lps, 5)
    np.testing.assert_allclose(out, [CHECK[(1, 2)], CHECK[(2, 2)]], rtol=1e-5)


def test_batched_with_padding_agrees_with_optax():
    rng = np.random.RandomState(3)
    logits = jnp.asarray(rng.randn(3, 6, 4))
    lp = jax.nn.log_softmax(logits)
    labels = jnp.array([[1, 2, 3], [2, 2, 0], [3, 0, 0]])
    lab_len, in_len = jnp.array([3, 2, 1]), jnp.array([6, 5, 4])
    f = ctc_loss_batch  # eager calls run one cached compiled core
    ours = f(lp, labels, in_len, lab_len)
    t_pad = (jnp.arange(6)[None] >= in_len[:, None]).astype(jnp.float32)
    l_pad = (jnp.arange(3)[None] >= lab_len[:, None]).astype(jnp.float32)
    ref = optax.ctc_loss(logits, t_pad, jnp.where(l_pad > 0, 1, labels), l_pad, blank_id=0)
    np.testing.assert_allclose(ours, ref, rtol=1e-5)
    for b in range(3):
        single = ctc_loss_numpy(np.asarray(labels[b, : int(lab_len[b])]), np.asarray(lp[b]), int(in_len[b]))
        assert float(ours[b]) == pytest.approx(single, rel=1e-5)
    assert float(f(lp, labels, in_len, lab_len, reduction="mean")) == pytest.approx(float(ours.mean()), rel=1e-6)
    assert float(f(lp, labels, in_len, lab_len, reduction="sum")) == pytest.approx(float(ours.sum()), rel=1e-6)


@pytest.mark.parametrize("args, kwargs, match", [
    ((np.array([[1], [2]]),), {}, r"labels must be \(B, L\) = \(1, L\)"),
    ((np.array([[1]]),), {"input_lengths": [5]}, r"input_lengths must lie in 0..T = 0..4"),
    ((np.array([[1]]),), {"input_lengths": [-1]}, "input_lengths must lie"),
    ((np.array([[1]]),), {"input_lengths": [4, 4]}, r"input_lengths must be \(1,\)"),
    ((np.array([[1]]),), {"label_lengths": [2]}, r"label_lengths must lie in 0..L = 0..1"),
    ((np.array([[3]]),), {}, r"label ids \(within label_lengths\) must be in 1..2"),
    ((np.array([[0, 1]]),), {}, "must be in 1..2"),
])
def test_batch_misuse_is_a_clear_error(args, kwargs, match):
    # - QA pass: these used to give silent losses (clamped lengths, a negative loss, labels reshaped)
    lp = np.log(np.full((1, 4, 3), 1 / 3))
    with pytest.raises(ValueError, match=match):
        ctc_loss_batch(lp, *args, **kwargs)


def test_edge_cases_empty_label_no_frames_whole_lengths():
    lp = np.log(np.full((4, 3), 1 / 3))
    assert ctc_loss_numpy([], lp, 4) == pytest.approx(4 * np.log(3))
    assert float(ctc_loss_batch(lp[None], np.array([[1, 2]]), label_lengths=[0])[0]) == pytest.approx(4 * np.log(3))
    assert float(ctc_loss_jax([1], np.zeros((0, 3)), 0)) == pytest.approx(1e10)  # no frames, a label
    assert float(ctc_loss_jax([], np.zeros((0, 3)), 0)) == 0.0
    with pytest.raises(ValueError, match="seq_length must be a whole number"):
        ctc_loss_numpy([1], lp, 2.5)
    with pytest.raises(ValueError, match="log_prob contains NaN"):
        ctc_loss_numpy([1], np.full((4, 3), np.nan), 4)
