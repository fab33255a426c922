"""The training loop `fit`: equals the tutorial's hand-written loop, compiles once, fails clearly."""

import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.example_libraries import optimizers

from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import LinearJax, RateJax
from rockpool.training import (
    BatchShapeError,
    NonFiniteLossError,
    TrainingError,
    fit,
    jax_loss,
    load_checkpoint,
    make_optimizer,
)

fit_module = sys.modules["rockpool.training.loop"]


def _net(seed=0, n_in=12):
    np.random.seed(seed)
    return Sequential(LinearJax((n_in, 8)), RateJax(8, tau=0.1, activation_func="tanh"), LinearJax((8, 2)))


class SinMapping:
    """The training tutorial's random sin-mapping task (small)."""

    def __init__(self, num_classes=3, T=20, n_in=12, n_out=2, seed=0):
        rng = np.random.default_rng(seed)
        self.inputs = rng.normal(size=(num_classes, T, n_in)) + 1.0
        phase = rng.random((num_classes, 1, n_out)) * 2 * np.pi
        omega = rng.random((num_classes, 1, n_out)) * T / 50
        t = np.arange(T)[:, None] / T
        self.targets = np.sin(2 * np.pi * omega * t + phase)

    def __len__(self):
        return len(self.inputs)

    def __getitem__(self, i):
        return self.inputs[i], self.targets[i]


def _tutorial_loss(lower, upper):
    def loss_mse_reg_bounds(parameters, net, inputs, target):
        net = net.reset_state()
        net = net.set_attributes(parameters)
        output, _, _ = net(inputs)
        mse = jax_loss.mse(output, target)
        reg = jax_loss.l2sqr_norm(parameters) * 1e-1
        bounds = jax_loss.bounds_cost(parameters, lower, upper) * 1e3
        return mse + reg + bounds

    return loss_mse_reg_bounds


def test_fit_equals_handwritten_tutorial_loop():
    net, ds = _net(), SinMapping()
    lower, upper = jax_loss.make_bounds(net.parameters())
    lower["1_RateJax"]["tau"] = 10e-3
    loss = _tutorial_loss(lower, upper)

    # - The tutorial's loop, with its intended optimiser lines
    init_fun, update_fun, get_params = optimizers.adam(1e-2)
    opt_state = init_fun(net.parameters())
    loss_vgf = jax.jit(jax.value_and_grad(loss))
    update_fun = jax.jit(update_fun)
    loss_t, i = [], 0
    for _ in range(4):
        for sample in ds:
            params = get_params(opt_state)
            loss_val, grads = loss_vgf(params, net, sample[0], sample[1])
            opt_state = update_fun(i, grads, opt_state)
            i += 1
            loss_t.append(loss_val)

    trained, hist = fit(net, loss, ds, optimizers.adam(1e-2), epochs=4, progress=False)
    np.testing.assert_allclose(hist.loss, np.array(loss_t), rtol=2e-5, atol=1e-6)
    for a, b in zip(jax.tree_util.tree_leaves(trained.parameters()),
                    jax.tree_util.tree_leaves(get_params(opt_state)), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-5, atol=1e-6)
    assert hist.loss[-3:].mean() < hist.loss[:3].mean()
    assert hist.epochs_completed == 4 and hist.epoch.tolist() == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3
    # - The input module is untouched
    np.testing.assert_array_equal(np.asarray(net[0].weight), np.asarray(_net()[0].weight))


def test_simple_loss_form_equals_handwritten_optax_loop():
    net = _net()
    rng = np.random.default_rng(1)
    data = [(rng.normal(size=(3, 10, 12)), rng.normal(size=(3, 10, 2))) for _ in range(3)]
    tx = optax.sgd(0.005, momentum=0.9)

    @jax.jit
    def step(params, state, x, y):
        def f(p):
            out, _, _ = net.reset_state().set_attributes(p)(x)
            return jnp.mean((out - y) ** 2)

        value, grads = jax.value_and_grad(f)(params)
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state, value

    params, state, losses = net.parameters(), tx.init(net.parameters()), []
    for _ in range(2):
        for x, y in data:
            params, state, value = step(params, state, x, y)
            losses.append(value)
    trained, hist = fit(net, jax_loss.mse, data, tx, epochs=2, progress=False)
    np.testing.assert_allclose(hist.loss, np.array(losses), rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(trained[2].weight), np.asarray(params["2_LinearJax"]["weight"]), rtol=2e-5, atol=1e-6)


def test_compiles_once_for_same_shaped_batches():
    net, ds = _net(), SinMapping()
    traces = []

    def counting_loss(output, target):
        traces.append(1)
        return jax_loss.mse(output, target)

    before = fit_module._train_step._cache_size()
    _, hist = fit(net, counting_loss, ds, "adam", epochs=5, progress=False)
    assert hist.steps == 15
    assert len(traces) == 2  # the shape check before compiling (eval_shape) and the step
    assert fit_module._train_step._cache_size() == before + 1
    # - A second call with the same loss and optimiser name reuses the compiled step (only the
    #   shape check may trace the loss again, where eval_shape is not cached)
    fit(net, counting_loss, ds, "adam", epochs=1, progress=False)
    assert len(traces) in (2, 3) and fit_module._train_step._cache_size() == before + 1


def test_loss_form_detection_and_errors():
    net, ds = _net(), SinMapping()
    with pytest.raises(ValueError, match=r"loss\(params, net, inputs, target\)"):
        fit(net, lambda out: out.sum(), ds, progress=False)
    # - Explicit form for a loss whose signature cannot tell
    _, hist = fit(net, lambda *a: jax_loss.mse(*a), ds, loss_form="output", progress=False)
    assert hist.steps == 3 and np.all(np.isfinite(hist.loss))
    with pytest.raises(ValueError, match="scalar"):
        fit(net, lambda out, y: (out - y) ** 2, ds, progress=False)


def test_optimiser_names_and_errors():
    assert make_optimizer("adam", 1e-3) is make_optimizer("adam", 1e-3)
    with pytest.raises(ValueError, match="Did you mean 'adam'"):
        make_optimizer("Adamm")
    with pytest.raises(ValueError, match="only applies to an optimiser given by name"):
        fit(_net(), jax_loss.mse, SinMapping(), optax.adam(1e-3), lr=1e-2)
    net, ds = _net(), SinMapping()
    _, h_sgd = fit(net, jax_loss.mse, ds, "sgd", epochs=2, lr=0.01, progress=False)
    _, h_adam = fit(net, jax_loss.mse, ds, "adam", epochs=2, lr=0.001, progress=False)
    assert h_sgd.loss[0] == h_adam.loss[0] and h_sgd.loss[-1] != h_adam.loss[-1]


def test_bounds_clip_parameters_and_family_filter():
    net, ds = _net(), SinMapping()
    lower, upper = jax_loss.make_bounds(net.parameters())
    lower["1_RateJax"]["tau"] = 0.015
    upper["2_LinearJax"]["weight"] = 0.05

    def push_tau_down(params, net, x, y):
        out, _, _ = net.reset_state().set_attributes(params)(x)
        return jax_loss.mse(out, y) + jnp.sum(params["1_RateJax"]["tau"]) * 10

    trained, _ = fit(net, push_tau_down, ds, "sgd", epochs=3, lr=0.1, bounds=(lower, upper), progress=False)
    np.testing.assert_allclose(np.asarray(trained[1].tau), 0.015, rtol=1e-6)
    assert float(np.max(trained[2].weight)) <= np.float32(0.05)
    # - Only the weights train; the time constants stay put
    trained, _ = fit(net, jax_loss.mse, ds, "sgd", epochs=2, lr=0.1, family="weights", progress=False)
    np.testing.assert_array_equal(np.asarray(trained[1].tau), np.asarray(net[1].tau))
    assert not np.array_equal(np.asarray(trained[0].weight), np.asarray(net[0].weight))
    with pytest.raises(ValueError, match="'1_RateJax.tauu'"):
        fit(net, jax_loss.mse, ds, bounds=({"1_RateJax": {"tauu": 0.1}}, None), progress=False)
    # - Without bounds, a time constant driven negative is a clear error that keeps the result
    with pytest.raises(TrainingError, match="tau") as info:
        fit(net, push_tau_down, ds, "sgd", epochs=3, lr=0.1, progress=False)
    assert float(np.min(info.value.net[1].tau)) < 0 and info.value.history.steps == 9


def test_batch_shape_change_is_a_clear_error_and_keeps_training():
    net = _net()
    rng = np.random.default_rng(0)
    data = [(rng.normal(size=(4, 10, 12)), rng.normal(size=(4, 10, 2))) for _ in range(3)]
    data.append((rng.normal(size=(3, 10, 12)), rng.normal(size=(3, 10, 2))))
    with pytest.raises(BatchShapeError, match=r"batch 3 of epoch 0 .*\(3, 10, 12\).*\(4, 10, 12\)") as info:
        fit(net, jax_loss.mse, data, epochs=2, lr=1e-2, progress=False)
    err = info.value
    assert isinstance(err, ValueError) and err.history.steps == 3
    expected, _ = fit(net, jax_loss.mse, data[:3], epochs=1, lr=1e-2, progress=False)
    np.testing.assert_array_equal(np.asarray(err.net[0].weight), np.asarray(expected[0].weight))


def test_nan_loss_stops_keeps_last_good_parameters_and_checkpoints(tmp_path):
    net = _net()
    rng = np.random.default_rng(0)
    data = [(rng.normal(size=(2, 10, 12)), rng.normal(size=(2, 10, 2))) for _ in range(4)]
    data[2][1][0, 0, 0] = 1e6  # a marker the loss turns into NaN

    def loss(output, target):
        return jax_loss.mse(output, target) + jnp.where(target[0, 0, 0] > 1e5, jnp.nan, 0.0)

    path = tmp_path / "nan.npz"
    with pytest.raises(NonFiniteLossError, match=r"at step 2 \(epoch 0, batch 2\)") as info:
        fit(net, loss, data, epochs=3, lr=1e-2, checkpoint=path, progress=False)
    err = info.value
    assert err.step == 2 and err.history.steps == 2 and err.checkpoint == path
    good, hist = fit(net, loss, data[:2], epochs=1, lr=1e-2, progress=False)
    np.testing.assert_array_equal(np.asarray(err.net[0].weight), np.asarray(good[0].weight))
    np.testing.assert_array_equal(err.history.loss, hist.loss)
    ck = load_checkpoint(path, _net())
    np.testing.assert_array_equal(np.asarray(ck.net[0].weight), np.asarray(good[0].weight))
    assert ck.step == 2


def test_callbacks_stop_and_data_forms(capsys):
    net, ds = _net(), SinMapping()
    seen = []

    def on_step(step, loss, params):
        seen.append((step, loss))
        return step == 5

    _, hist = fit(net, jax_loss.mse, ds, epochs=4, on_step=on_step, progress=False)
    assert [s for s, _ in seen] == [1, 2, 3, 4, 5] and hist.stopped == "on_step"
    np.testing.assert_array_equal([v for _, v in seen], hist.loss)

    epochs_seen = []
    _, hist = fit(net, jax_loss.mse, ds, epochs=5, progress=False,
                  on_epoch=lambda e, h, n: epochs_seen.append((e, h.steps, n[1].tau.shape)) or e == 1)
    assert epochs_seen == [(0, 3, (8,)), (1, 6, (8,))] and hist.epochs_completed == 2
    assert len(hist.epoch_loss) == 2

    # - A function of the epoch supplies the data (e.g. reshuffled); a generator is one-shot
    order = []
    fit(net, jax_loss.mse, lambda e: (order.append(e), [ds[e % 3]])[1], epochs=3, progress=False)
    assert order == [0, 1, 2]
    with pytest.raises(ValueError, match="one-shot iterator"):
        fit(net, jax_loss.mse, (ds[i] for i in range(3)), epochs=2)
    with pytest.raises(ValueError, match="no batches"):
        fit(net, jax_loss.mse, [], progress=False)
    with pytest.raises(ValueError, match=r"\(input, target\) pair"):
        fit(net, jax_loss.mse, [np.ones((10, 12))], progress=False)

    # - Progress bar on request, showing the loss
    fit(net, jax_loss.mse, ds, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "6/6" in err and "loss=" in err


def test_nan_gradient_with_finite_loss_is_caught():
    net = _net()
    rng = np.random.default_rng(0)
    data = [(rng.normal(size=(2, 10, 12)), rng.normal(size=(2, 10, 2))) for _ in range(3)]
    data[1][1][0, 0, 0] = 1e6

    def loss(params, net, x, y):
        out, _, _ = net.reset_state().set_attributes(params)(x)
        # - On the marked batch, sqrt at 0: a finite value with an infinite slope -> NaN gradient
        flag = (y[0, 0, 0] > 1e5).astype(jnp.float32)
        kink = jnp.sqrt((1.0 - flag) + 0.0 * jnp.sum(params["0_LinearJax"]["weight"]))
        return jax_loss.mse(out, y) + kink

    with pytest.raises(NonFiniteLossError, match=r"at step 1 \(epoch 0, batch 1\)") as info:
        fit(net, loss, data, epochs=2, lr=1e-2, progress=False)
    good, _ = fit(net, loss, data[:1], epochs=1, lr=1e-2, progress=False)
    np.testing.assert_array_equal(np.asarray(info.value.net[0].weight), np.asarray(good[0].weight))
    assert np.isfinite(float(str(info.value).split("(loss ")[1].split(")")[0]))
