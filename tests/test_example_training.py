"""The training tutorial (examples/jax_training.py) runs as a script and its losses fall."""

import json
import os
import subprocess
import sys

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "jax_training.py")

MLP_REPR = """JaxSequential  with shape (2000, 2) {
    LinearJax '0_LinearJax' with shape (2000, 8)
    InstantJax '1_InstantJax' with shape (8,)
    LinearJax '2_LinearJax' with shape (8, 2)
}"""

STATEFUL_REPR = """JaxSequential  with shape (2000, 2) {
    LinearJax '0_LinearJax' with shape (2000, 200)
    RateJax '1_RateJax' with shape (200,)
    LinearJax '2_LinearJax' with shape (200, 2)
}"""


def _run(tmp_path, *extra):
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "COLUMNS": "80"}
    proc = subprocess.run(
        [sys.executable, SCRIPT, "--epochs", "5", "--out", str(tmp_path), *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(tmp_path / "losses.json") as f:
        return proc.stdout, json.load(f)


def _check_losses(result):
    for case in ("mlp", "stateful"):
        r = result[case]
        assert r["n"] == 5 * 3
        # - mean over the last epoch (each class once) is clearly below the first epoch's
        assert r["last_mean"] < 0.9 * r["first_mean"], (case, r)


def test_tutorial_script(tmp_path):
    out, result = _run(tmp_path)
    assert result["optimiser"] == "jax.example_libraries"
    _check_losses(result)
    # - the page's printed output
    assert MLP_REPR in out and STATEFUL_REPR in out
    assert "'1_RateJax': {'bias': -inf, 'tau': -inf, 'threshold': -inf}" in out
    assert "'1_RateJax': {'bias': -inf, 'tau': 0.01, 'threshold': -inf}" in out
    assert "'2_LinearJax': {'weight': inf}" in out
    # - the time-constant bound holds (it starts at 20 ms and may only approach 10 ms)
    assert result["min_tau"] >= 9.9e-3
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == sorted(
        ["dataset.png", "mlp_loss.png", "mlp_class_0.png", "mlp_class_1.png", "mlp_class_2.png",
         "mlp_weight_0.png", "mlp_weight_2.png", "stateful_loss.png", "stateful_taus.png"]
    )
    assert all((tmp_path / p).stat().st_size > 1000 for p in pngs)


def test_tutorial_script_optax(tmp_path):
    _, result = _run(tmp_path, "--optax")
    assert result["optimiser"] == "optax"
    _check_losses(result)
