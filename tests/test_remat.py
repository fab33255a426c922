"""Bounded-memory BPTT (rematerialised chunks) and truncated BPTT in fit."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from rockpool.nn import streaming
from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import ExpSynJax, LIFJax, LinearJax
from rockpool.training import fit, jax_loss

B, T = 3, 60


def _net():
    np.random.seed(1)
    net = Sequential(LinearJax((3, 8)), LIFJax(8, has_rec=True), LinearJax((8, 2)), ExpSynJax(2))
    return net.set_attributes({"0_LinearJax": {"weight": net[0].weight * 3.0}})


NET = _net()
X = jnp.asarray(np.random.default_rng(0).random((B, T, 3)), jnp.float32)


def _loss(params, net, x, k):
    net = net.reset_state().set_attributes(params)
    if k is None:
        out, st, _ = net(x)
    else:
        with streaming.remat(chunk=k):
            out, st, _ = net(x)
    return jnp.mean(out ** 2) + jnp.mean(out[:, -5:]), st


_vg = jax.jit(jax.value_and_grad(_loss, has_aux=True), static_argnums=3)


@pytest.fixture(scope="module")
def plain():
    return _vg(NET.parameters(), NET, X, None)


def _rel(a, b):
    a = np.concatenate([np.ravel(v) for v in jax.tree_util.tree_leaves(a)])
    b = np.concatenate([np.ravel(v) for v in jax.tree_util.tree_leaves(b)])
    return np.linalg.norm(a - b) / np.linalg.norm(b)


@pytest.mark.parametrize("k", [25])  # does not divide T: full chunks and a shorter last one
def test_remat_gradients_equal_plain_bptt(plain, k):
    (l0, st0), g0 = plain
    (l1, st1), g1 = _vg(NET.parameters(), NET, X, k)
    np.testing.assert_allclose(float(l1), float(l0), rtol=1e-6)
    assert _rel(g1, g0) < 1e-5
    # - the returned state is batch element 0's, as for a plain call (rng keys aside)
    for name in ("spikes", "vmem", "isyn"):
        np.testing.assert_allclose(st1["1_LIFJax"][name], st0["1_LIFJax"][name], rtol=1e-5, atol=1e-6)


def test_evolve_chunked_outputs_state_records_equal_plain():
    out0, st0, rec0 = NET(X, record=True)
    out1, st1, rec1 = streaming.evolve_chunked(NET, X, 25, record=True)
    np.testing.assert_allclose(out1, out0, rtol=1e-5, atol=1e-6)
    flat0 = jax.tree_util.tree_leaves_with_path(rec0)
    flat1 = dict(jax.tree_util.tree_leaves_with_path(rec1))
    assert len(flat0) == len(flat1)
    for path, leaf in flat0:
        np.testing.assert_allclose(flat1[path], leaf, rtol=1e-5, atol=1e-5)
    # - batched state: element b of the chunked state equals evolving element b on its own
    _, st_b, _ = NET(X[2])
    np.testing.assert_allclose(st1["1_LIFJax"]["vmem"][2], st_b["1_LIFJax"]["vmem"], rtol=1e-5, atol=1e-6)
    assert st1["1_LIFJax"]["vmem"].shape == (B, 8)


def test_remat_stores_less():
    """XLA's temporaries of a gradient step: O(T/K + K) instead of O(T)."""
    net = Sequential(LinearJax((16, 32)), LIFJax(32), LinearJax((32, 1)))  # a narrow read-out
    x = jnp.ones((4, 2000, 16))
    f = jax.jit(jax.grad(lambda p, k: _loss(p, net, x, k)[0]), static_argnums=1)
    temp = {k: f.lower(net.parameters(), k).compile().memory_analysis().temp_size_in_bytes for k in (None, 50)}
    assert temp[50] < temp[None] / 8, temp


def test_remat_context_eager_and_errors():
    with streaming.remat(chunk=16):
        out, st, _ = NET(X)
        assert streaming.active_chunk() == 16
    assert streaming.active_chunk() is None
    np.testing.assert_allclose(out, NET(X)[0], rtol=1e-5, atol=1e-6)
    assert st["1_LIFJax"]["vmem"].shape == (8,)
    lin, x2 = LinearJax((3, 2)), X[0]  # a rank-preserving module keeps (T, N)
    with streaming.remat(chunk=16):
        y = lin(x2)[0]
    np.testing.assert_allclose(y, lin(x2)[0], rtol=1e-6)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="chunk must be a positive int"):
            with streaming.remat(chunk=bad):
                pass


def test_noisy_neurons_draw_independent_noise_per_batch_element():
    lif = LIFJax(4, noise_std=0.5, rng_key=3)
    x = jnp.zeros((2, 40, 4))
    _, _, rec = streaming.evolve_chunked(lif, x, 10, record=True)
    assert not np.allclose(rec["vmem"][0], rec["vmem"][1])


# ---------------------------------------------------------------------------------------- fit
DATA = [(np.random.default_rng(i).random((2, 40, 3)).astype(np.float32),
         np.random.default_rng(10 + i).random((2, 40, 2)).astype(np.float32)) for i in range(2)]
FNET = Sequential(LinearJax((3, 6)), LIFJax(6), LinearJax((6, 2)))


def _fit(**kw):
    return fit(FNET, jax_loss.mse, DATA, "sgd", epochs=2, lr=1e-3, family="weights", progress=False, **kw)


@pytest.fixture(scope="module")
def fit_plain():
    return _fit()


def test_fit_remat_equals_plain(fit_plain):
    trained, hist = _fit(remat=15)
    np.testing.assert_allclose(hist.loss, fit_plain[1].loss, rtol=1e-5)
    assert _rel(trained.parameters("weights"), fit_plain[0].parameters("weights")) < 1e-5
    # - a NumPy integer is a number of steps too (the same compiled step)
    np.testing.assert_array_equal(_fit(remat=np.int64(15))[1].loss, hist.loss)


def test_fit_tbptt_one_window_equals_plain(fit_plain):
    for update in ("window", "sequence"):
        _, hist = _fit(tbptt=40, tbptt_update=update)
        np.testing.assert_allclose(hist.loss, fit_plain[1].loss, rtol=1e-5)


def _hand_tbptt(window, per_window, remat=None):
    """Hand-written truncated BPTT with the functional API (SGD, lr 1e-3)."""
    params = FNET.parameters("weights")
    losses = []

    def wloss(p, st, x, y):
        out, st, _ = streaming.evolve_chunked(FNET.set_attributes(p), x, window, remat=False, state=st)
        return jax_loss.mse(out, y), st

    vg = jax.jit(jax.value_and_grad(wloss, has_aux=True))
    for _ in range(2):
        for x, y in DATA:
            st = streaming.batch_state(FNET.reset_state(), 2)
            vals, gsum = [], jax.tree_util.tree_map(jnp.zeros_like, params)
            for w in range(0, 40, window):
                (v, st), g = vg(params, st, x[:, w:w + window], y[:, w:w + window])
                st = jax.lax.stop_gradient(st)
                vals.append(float(v))
                if per_window:
                    params = jax.tree_util.tree_map(lambda p, g: p - 1e-3 * g, params, g)
                else:
                    gsum = jax.tree_util.tree_map(jnp.add, gsum, g)
            if not per_window:
                params = jax.tree_util.tree_map(lambda p, g: p - 1e-3 * g / (40 // window), params, gsum)
            losses.append(np.mean(vals))
    return params, np.asarray(losses)


@pytest.mark.parametrize("update", ["window", "sequence"])
def test_fit_tbptt_matches_hand_written(update):
    trained, hist = _fit(tbptt=10, tbptt_update=update, remat=5 if update == "sequence" else None)
    params, losses = _hand_tbptt(10, update == "window")
    np.testing.assert_allclose(hist.loss, losses, rtol=1e-4)
    assert hist.steps == 4
    assert _rel(trained.parameters("weights"), params) < 1e-4


def test_fit_tbptt_errors():
    with pytest.raises(ValueError, match="not a multiple of the window"):
        _fit(tbptt=7)
    with pytest.raises(ValueError, match="loss\\(output, target\\)"):
        fit(FNET, lambda p, net, x, y: 0.0, DATA, tbptt=10, progress=False)
    with pytest.raises(ValueError, match="tbptt_update"):
        _fit(tbptt=10, tbptt_update="batch")
    with pytest.raises(ValueError, match="remat must be a positive"):
        _fit(remat=0)
    # - tbptt_update without tbptt was silently ignored (full BPTT): now an error
    with pytest.raises(ValueError, match="tbptt_update='sequence' needs tbptt=W"):
        _fit(tbptt_update="sequence")
    with pytest.raises(ValueError, match="tbptt_update must be 'window' or 'sequence'"):
        _fit(tbptt_update="windows")


def test_fit_remat_with_params_form_loss():
    def loss(params, net, x, y):
        out, _, _ = net.reset_state().set_attributes(params)(x)
        return optax.l2_loss(out, y).mean()

    a = fit(FNET, loss, DATA, "sgd", lr=1e-3, family="weights", progress=False)[1]
    b = fit(FNET, loss, DATA, "sgd", lr=1e-3, family="weights", progress=False, remat=8)[1]
    np.testing.assert_allclose(b.loss, a.loss, rtol=1e-5)
