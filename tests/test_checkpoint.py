"""Checkpoints: bit-exact round trips, mismatch errors, atomic writes (SIGKILL mid-write), resume."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import numpy as np
import optax
import pytest

from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import LIFJax, LinearJax, Rate, RateJax
from rockpool.training import (
    CheckpointMismatchError,
    fit,
    jax_loss,
    load_checkpoint,
    load_module,
    read_metadata,
    save_checkpoint,
)

REPO = Path(__file__).resolve().parent.parent


def _net(hidden=6, seed=0):
    np.random.seed(seed)
    return Sequential(LinearJax((5, hidden)), LIFJax(hidden), LinearJax((hidden, 2)))


def _leaves_equal(a, b):
    la, lb = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb, strict=True):
        assert np.asarray(x).dtype == np.asarray(y).dtype
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_round_trip_is_bit_exact_with_optimizer_state(tmp_path):
    net = _net()
    # - Change parameters and state away from what a fresh module holds
    params = jax.tree_util.tree_map(lambda p: p * 1.37 + 0.01, net.parameters())
    net = net.set_attributes(params)
    _, state, _ = net(np.random.rand(1, 20, 5) * 3)
    net = net.set_attributes(state)
    tx = optax.adam(1e-2)
    opt_state = tx.init(net.parameters())
    _, opt_state = tx.update(net.parameters(), opt_state, net.parameters())

    path = save_checkpoint(tmp_path / "ck.npz", net, opt_state, step=42, extra={"note": "x"})
    fresh = _net(seed=1)
    ck = load_checkpoint(path, fresh, tx.init(fresh.parameters()))
    _leaves_equal(ck.net.parameters(), net.parameters())
    _leaves_equal(ck.net.state(), net.state())
    _leaves_equal(ck.opt_state, opt_state)
    assert ck.step == 42 and ck.extra == {"note": "x"}
    # - Functional: the module passed in is untouched
    assert not np.array_equal(np.asarray(fresh[0].weight), np.asarray(net[0].weight))
    # - And the loaded network computes exactly what the saved one does
    x = np.random.rand(2, 15, 5)
    np.testing.assert_array_equal(np.asarray(ck.net(x)[0]), np.asarray(net(x)[0]))


def test_layout_is_readable_without_rockpool(tmp_path):
    net = Sequential(LinearJax((3, 4)), RateJax(4, dt=1.5e-3))
    save_checkpoint(tmp_path / "ck.npz", net, step=3)
    with np.load(tmp_path / "ck.npz") as z:
        meta = json.loads(str(z["__rockpool__"]))
        np.testing.assert_array_equal(z["module/0_LinearJax/weight"], np.asarray(net[0].weight))
    assert meta["format"] == "rockpool-checkpoint" and meta["step"] == 3
    assert [m["class"] for m in meta["modules"]] == ["JaxSequential", "LinearJax", "RateJax"]
    dt = next(a for a in meta["attributes"] if a["path"] == "1_RateJax/dt")
    assert dt == {"path": "1_RateJax/dt", "kind": "SimulationParameter", "family": None, "stored": "json", "value": 1.5e-3}
    assert read_metadata(tmp_path / "ck.npz")["step"] == 3


def test_simulation_parameters_restored_and_numpy_modules(tmp_path):
    saved = RateJax(3, dt=2e-3, tau=0.05)
    save_checkpoint(tmp_path / "r.npz", saved)
    loaded = load_module(tmp_path / "r.npz", RateJax(3))
    assert loaded.dt == 2e-3 and np.allclose(loaded.tau, 0.05)
    # - NumPy backend: loaded in place, float64 kept exactly
    mod = Rate(4)
    mod.tau = np.linspace(0.02, 0.05, 4)
    save_checkpoint(tmp_path / "n.npz", mod)
    other = Rate(4)
    out = load_module(tmp_path / "n.npz", other)
    assert out is other and out.tau.dtype == np.float64
    np.testing.assert_array_equal(out.tau, mod.tau)


@pytest.mark.parametrize(
    "other, where",
    [
        (lambda: _net(hidden=7), "0_LinearJax"),
        (lambda: Sequential(LinearJax((5, 6)), RateJax(6), LinearJax((6, 2))), "1_"),
        (lambda: Sequential(LinearJax((5, 6)), LIFJax(6), LinearJax((6, 2)), LinearJax((2, 2))), "3_LinearJax"),
        (lambda: Sequential(LinearJax((5, 6)), LIFJax(6, has_rec=True), LinearJax((6, 2))), "1_LIFJax/w_rec"),
    ],
)
def test_mismatch_names_first_differing_path(tmp_path, other, where):
    save_checkpoint(tmp_path / "ck.npz", _net())
    with pytest.raises(CheckpointMismatchError, match=f"at '{where}"):
        load_checkpoint(tmp_path / "ck.npz", other())


def test_optimizer_template_mismatch_and_missing_files(tmp_path):
    net = _net()
    save_checkpoint(tmp_path / "ck.npz", net, optax.adam(1e-3).init(net.parameters()))
    with pytest.raises(CheckpointMismatchError, match="ScaleByAdamState.*TraceState"):
        load_checkpoint(tmp_path / "ck.npz", net, optax.sgd(1e-3, momentum=0.9).init(net.parameters()))
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_checkpoint(tmp_path / "nope.npz", net)
    np.savez(tmp_path / "plain.npz", a=np.ones(3))
    with pytest.raises(ValueError, match="not a rockpool checkpoint"):
        load_checkpoint(tmp_path / "plain.npz", net)
    with pytest.raises(ValueError, match="JSON-able"):
        save_checkpoint(tmp_path / "ck.npz", net, extra={"bad": object()})
    # - The failed save left the earlier checkpoint in place
    assert load_checkpoint(tmp_path / "ck.npz", net).opt_state is not None


_WRITER = textwrap.dedent(
    """
    import os, sys, time
    import numpy as np
    from rockpool.nn.modules import LinearJax
    from rockpool.training import save_checkpoint
    path = sys.argv[1]
    net = LinearJax((300, 300))
    save_checkpoint(path, net.set_attributes({"weight": np.full((300, 300), 1.0)}), step=1)
    def stall(fd):  # the new archive is fully written but not yet moved into place
        print("WRITING", flush=True)
        time.sleep(60)
    os.fsync = stall
    save_checkpoint(path, net.set_attributes({"weight": np.full((300, 300), 2.0)}), step=2)
    print("DONE", flush=True)
    """
)


def test_crash_mid_write_keeps_previous_checkpoint(tmp_path):
    path = tmp_path / "ck.npz"
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout.readline().strip() == "WRITING"
        leftovers = list(tmp_path.glob(".ck.npz.*.tmp"))
        assert leftovers and leftovers[0].stat().st_size > 300 * 300 * 4  # new data was written...
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    # - ... but the checkpoint is still the old one, complete and loadable
    ck = load_checkpoint(path, LinearJax((300, 300)))
    assert ck.step == 1
    np.testing.assert_array_equal(np.asarray(ck.net.weight), np.ones((300, 300), np.float32))


def _tutorial_parts():
    np.random.seed(3)
    net = Sequential(LinearJax((8, 6)), RateJax(6, activation_func="tanh"), LinearJax((6, 2)))
    rng = np.random.default_rng(0)
    data = [(rng.normal(size=(2, 12, 8)), rng.normal(size=(2, 12, 2))) for _ in range(4)]
    return net, data


def test_resume_equals_uninterrupted_run(tmp_path):
    net, data = _tutorial_parts()
    lower, upper = jax_loss.make_bounds(net.parameters())
    lower["1_RateJax"]["tau"] = 5e-3
    kw = dict(epochs=3, lr=1e-2, progress=False, bounds=(lower, upper))
    full, hist_full = fit(net, jax_loss.mse, data, "adam", **kw)

    path = tmp_path / "run.npz"
    seen = {}

    def crash(step, loss, params):
        if step == 4:
            seen["periodic"] = read_metadata(path)["step"]  # written every 4 steps, before on_step
        if step == 7:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut") as info:
        fit(net, jax_loss.mse, data, "adam", **kw,
            checkpoint=path, checkpoint_every=4, on_step=crash)
    assert seen["periodic"] == 4
    assert info.value.checkpoint == path and len(info.value.history.loss) == 7
    assert read_metadata(path)["step"] == 7
    resumed, hist = fit(net, jax_loss.mse, data, "adam", **kw,
                        checkpoint=path, resume=True)
    np.testing.assert_array_equal(hist.loss, hist_full.loss)
    np.testing.assert_array_equal(hist.epoch, hist_full.epoch)
    _leaves_equal(resumed.parameters(), full.parameters())
    # - Resuming a finished run does nothing more; more epochs continue from it
    again, hist2 = fit(net, jax_loss.mse, data, "adam", **kw,
                       checkpoint=path, resume=True)
    assert hist2.steps == 12
    _leaves_equal(again.parameters(), full.parameters())


def test_non_finite_simulation_parameter_round_trips_and_file_is_not_private(tmp_path):
    # regression: max_spikes_per_dt=inf made save_checkpoint fail (blaming `extra`), and the
    # checkpoint got mkstemp's 0600 permissions instead of a normal file's
    path = tmp_path / "inf.npz"
    save_checkpoint(path, LIFJax(2, max_spikes_per_dt=float("inf")))
    meta = json.loads(str(np.load(path)["__rockpool__"]))
    entry = next(a for a in meta["attributes"] if a["path"] == "max_spikes_per_dt")
    assert entry["stored"] == "float" and entry["value"] == "inf"
    assert load_checkpoint(path, LIFJax(2)).net.max_spikes_per_dt == float("inf")
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(ValueError, match="`extra` must be a JSON-able"):
        save_checkpoint(path, LIFJax(2), extra={"x": float("nan")})
