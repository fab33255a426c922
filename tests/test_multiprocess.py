"""Data-parallel fit in two processes (jax.distributed on CPU, loopback only) equals one process."""

import json
import os
import socket
import subprocess
import sys
import textwrap

import jax
import numpy as np

from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import LIFJax, LinearJax
from rockpool.training import fit, jax_loss

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# - The multi-host recipe, as each process runs it (README "Several hosts")
WORKER = textwrap.dedent(
    """
    import json, sys
    import jax
    pid, port, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    jax.config.update("jax_cpu_collectives_implementation", "gloo")  # CPU collectives
    jax.distributed.initialize(coordinator_address=f"127.0.0.1:{port}", num_processes=2,
                               process_id=pid, initialization_timeout=40)
    import numpy as np
    from test_multiprocess import make_data, make_net
    from rockpool.training import fit, jax_loss
    # - each process iterates over its own share of every global batch
    local = [(x[2 * pid:2 * pid + 2], y[2 * pid:2 * pid + 2]) for x, y in make_data()]
    trained, hist = fit(make_net(), jax_loss.mse, local, "adam", epochs=2, lr=1e-2, family="weights",
                        devices="all", progress=False)
    if jax.process_index() == 0:
        w = {k: np.asarray(v["weight"]).tolist() for k, v in jax.device_get(trained.parameters()).items()
             if "weight" in v}
        json.dump({"loss": hist.loss.tolist(), "weights": w, "n_devices": len(jax.devices())}, open(out, "w"))
    """
)


def make_net():
    np.random.seed(3)
    return Sequential(LinearJax((3, 6)), LIFJax(6), LinearJax((6, 2)))


def make_data():
    rng = np.random.default_rng(0)
    return [(rng.random((4, 20, 3)).astype(np.float32), rng.random((4, 20, 2)).astype(np.float32))
            for _ in range(3)]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_equal_one(tmp_path):
    worker = tmp_path / "worker.py"
    worker.write_text(WORKER)
    out = tmp_path / "result.json"
    env = {**os.environ, "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "tests")])}
    env.pop("XLA_FLAGS", None)  # one CPU device per process
    port = str(_free_port())
    procs = [
        subprocess.Popen([sys.executable, str(worker), str(i), port, str(out)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for i in range(2)
    ]
    logs = []
    try:
        for p in procs:
            logs.append(p.communicate(timeout=120)[0])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert all(p.returncode == 0 for p in procs), "\n".join(logs)[-3000:]
    got = json.loads(out.read_text())
    assert got["n_devices"] == 2

    trained, hist = fit(make_net(), jax_loss.mse, make_data(), "adam", epochs=2, lr=1e-2,
                        family="weights", progress=False)
    np.testing.assert_allclose(got["loss"], hist.loss, rtol=1e-5)
    ref = jax.device_get(trained.parameters("weights"))
    for name, w in got["weights"].items():
        np.testing.assert_allclose(np.asarray(w), np.asarray(ref[name]["weight"]), rtol=1e-5, atol=1e-6)
