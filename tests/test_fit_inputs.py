"""fit checks its inputs before compiling anything, and an exception at any point keeps the run."""

import numpy as np
import pytest

from rockpool.nn.modules import LinearJax, RateJax
from rockpool.parameters import Parameter
from rockpool.training import fit, jax_loss, load_checkpoint
from rockpool.training import loop as fit_module

X, Y = np.ones((2, 5, 3), np.float32), np.zeros((2, 5, 2), np.float32)
NET = LinearJax((3, 2))


@pytest.mark.parametrize(
    "data, kwargs, error, match",
    [
        (None, {}, TypeError, "data is None"),
        (3, {}, TypeError, "iterable of \\(input, target\\) pairs"),
        ("abc", {}, TypeError, "iterable"),
        ([X, Y], {}, ValueError, "item 0 of epoch 0 is a ndarray of shape \\(2, 5, 3\\)"),
        ([(X, Y, Y)], {}, ValueError, "tuple of length 3"),
        ([(X, None)], {}, ValueError, "target of item 0"),
        ([(X, Y)], {"epochs": 2.5}, TypeError, "epochs must be a whole number"),
        ([(X, Y)], {"epochs": "3"}, TypeError, "epochs"),
        ([(X, Y)], {"epochs": -1}, ValueError, "epochs must be >= 0"),
        ([(X, np.zeros((2, 5, 4), np.float32))], {}, ValueError, "targets have 4 channels.*outputs 2"),
        ([(np.ones((2, 5, 7), np.float32), Y)], {}, ValueError, "inputs have shape \\(2, 5, 7\\)"),
        ([(X, Y)], {"bounds": ({"weight": 1.0}, {"weight": 0.0})}, ValueError, "lower > upper"),
        ([(X, Y)], {"bounds": ({"weight": np.nan}, {})}, ValueError, "NaN"),
        ([(X, Y)], {"checkpoint_every": 2.5, "checkpoint": "x.npz"}, TypeError, "checkpoint_every"),
        (lambda: [(X, Y)], {}, TypeError, "data\\(epoch\\).*<lambda>\\(\\) does not take an epoch"),
        ([(X, Y)], {"tbptt_update": "sequence"}, ValueError, "tbptt_update='sequence' needs tbptt=W"),
    ],
)
def test_bad_inputs_are_clear_errors_before_compiling(tmp_path, monkeypatch, data, kwargs, error, match):
    monkeypatch.chdir(tmp_path)
    before = fit_module._train_step._cache_size()
    with pytest.raises(error, match=match):
        fit(NET, jax_loss.mse, data, "adam", **{"epochs": 1, "progress": False, **kwargs})
    assert fit_module._train_step._cache_size() == before  # nothing compiled


def test_loss_that_cannot_combine_output_and_target_is_named():
    def loss(out, target):
        return ((out @ target) ** 2).mean()  # (2,5,2) @ (2,5,2): incompatible

    with pytest.raises(ValueError, match="loss cannot combine the network output"):
        fit(NET, loss, [(X, Y)], "adam", progress=False)


def test_integer_parameters_are_named():
    class IntNet(LinearJax):
        def __init__(self, shape):
            super().__init__(shape)
            self.count = Parameter(np.zeros(2, np.int32))

    with pytest.raises(ValueError, match="'count'.*int32.*Constant"):
        fit(IntNet((3, 2)), jax_loss.mse, [(X, Y)], "adam", progress=False)


def test_exception_at_any_point_keeps_the_last_completed_step(tmp_path):
    net = RateJax(2)
    data = [(np.ones((2, 5, 2), np.float32), np.zeros((2, 5, 2), np.float32))] * 4
    ck = tmp_path / "ck.npz"

    def boom(step, loss, params):
        if step == 6:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:
        fit(net, jax_loss.mse, data, "sgd", epochs=3, lr=1e-2, on_step=boom, checkpoint=ck, family="bias")
    assert info.value.checkpoint == ck and info.value.history.steps == 6
    assert load_checkpoint(ck, net).step == 6
    resumed, hist = fit(net, jax_loss.mse, data, "sgd", epochs=3, lr=1e-2, checkpoint=ck, resume=True, family="bias")
    full, ref = fit(net, jax_loss.mse, data, "sgd", epochs=3, lr=1e-2, family="bias")
    np.testing.assert_array_equal(hist.loss, ref.loss)
    np.testing.assert_array_equal(np.asarray(resumed.bias), np.asarray(full.bias))


def test_a_ctrl_c_that_python_swallows_in_a_gc_callback_still_stops_fit(tmp_path):
    # - A SIGINT that lands while a garbage-collector callback runs (JAX registers one) raises
    #   inside the callback, where Python prints "Exception ignored" and drops it. fit keeps it and
    #   stops at the next step boundary, with the checkpoint of the last completed step.
    import gc
    import sys

    net = LinearJax((2, 2), has_bias=True)
    data = [(np.ones((2, 5, 2), np.float32), np.zeros((2, 5, 2), np.float32))] * 4
    ck = tmp_path / "ck.npz"
    hook_before = sys.unraisablehook

    def interrupt_inside_gc(phase, info):
        gc.callbacks.remove(interrupt_inside_gc)
        raise KeyboardInterrupt

    def press_ctrl_c_during_gc(step, loss, params):
        if step == 5:
            gc.callbacks.append(interrupt_inside_gc)
            gc.collect()  # the KeyboardInterrupt is "ignored" here by Python

    with pytest.raises(KeyboardInterrupt) as info:
        fit(net, jax_loss.mse, data, "sgd", epochs=3, lr=1e-2, on_step=press_ctrl_c_during_gc,
            checkpoint=ck, family="biases")
    assert info.value.history.steps == 5 and load_checkpoint(ck, net).step == 5
    assert sys.unraisablehook is hook_before  # fit put the interpreter's hook back
