"""Data-parallel fit over 4 simulated CPU devices equals the single-device run (float32 tolerance)."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent

_SCRIPT = textwrap.dedent(
    """
    import json
    import jax, numpy as np
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import LIFJax, LinearJax, RateJax
    from rockpool.training import fit, jax_loss, shard_batch, data_parallel_mesh

    assert len(jax.devices()) == 4, jax.devices()
    np.random.seed(0)
    net = Sequential(LinearJax((6, 8)), RateJax(8, tau=0.1, activation_func="tanh"), LinearJax((8, 2)))
    rng = np.random.default_rng(0)
    data = [(rng.normal(size=(8, 12, 6)), rng.normal(size=(8, 12, 2))) for _ in range(3)]
    single, h1 = fit(net, jax_loss.mse, data, "adam", epochs=2, lr=1e-2, progress=False)
    multi, h4 = fit(net, jax_loss.mse, data, "adam", epochs=2, lr=1e-2, progress=False, devices=4)
    diffs = [float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
             for a, b in zip(jax.tree_util.tree_leaves(single.parameters()),
                             jax.tree_util.tree_leaves(multi.parameters()))]
    w = multi[0].weight
    x = shard_batch(data[0][0], data_parallel_mesh(4))
    try:
        fit(net, jax_loss.mse, [(np.ones((6, 12, 6)), np.ones((6, 12, 2)))], devices=4, progress=False)
        err = ""
    except ValueError as e:
        err = str(e)
    print("RESULT " + json.dumps({
        "loss1": h1.loss.tolist(), "loss4": h4.loss.tolist(), "param_diffs": diffs,
        "weight_devices": len(w.sharding.device_set), "replicated": w.sharding.is_fully_replicated,
        "x_shard_shape": list(x.addressable_shards[0].data.shape), "err": err,
    }))
    """
)


def test_data_parallel_matches_single_device():
    env = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        "XLA_FLAGS": "--xla_force_host_platform_device_count=4",
        "PYTHONPATH": str(REPO),
    }
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RESULT "))
    r = json.loads(line[len("RESULT "):])
    np.testing.assert_allclose(r["loss4"], r["loss1"], rtol=1e-5, atol=1e-6)
    assert len(r["loss1"]) == 6 and r["loss1"][3] < r["loss1"][0]  # same batch, one epoch later
    assert max(r["param_diffs"]) < 1e-5
    # - Parameters replicated on all 4 devices; each device holds a quarter of the batch
    assert r["weight_devices"] == 4 and r["replicated"]
    assert r["x_shard_shape"] == [2, 12, 6]
    assert "multiple of 4" in r["err"] and "(got 6)" in r["err"]
