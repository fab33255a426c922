"""Run examples/functional_api.py and examples/softmax.py as scripts and check what they print."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(name: str) -> str:
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "COLUMNS": "120"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    return proc.stdout


def test_functional_api_example():
    out = _run("functional_api.py")
    # - output of a (1, 10, 3) evolution, then a state dict with both states
    assert out.startswith("output: [[[")
    assert "new_state:" in out and "'x': Array([" in out and "dtype=uint32" in out
    # - the module itself did not change during evolution
    assert re.search(r"\[0\. 0\. 0\.\]  !=  \[", out)
    eq = re.search(r"^\[([0-9. ]+)\]  ==  \[([0-9. ]+)\]$", out, re.M)
    assert eq and eq.group(1) == eq.group(2)
    assert "[0.008 0.008 0.008]  ==  [0.008 0.008 0.008]" in out
    assert "[0.024 0.024 0.024]  ==  [0.024 0.024 0.024]" in out
    assert "after reset: [0. 0. 0.] [0.02 0.02 0.02]" in out
    state_block = out.split("mod.state:")[1]
    assert state_block.index("rng_key") < state_block.index("'x'")


def test_softmax_example():
    out = _run("softmax.py")
    assert "SoftmaxJax  with shape (9, 3) {\n    LinearJax 'linear' with shape (9, 3)\n" in out
    assert "LogSoftmaxJax  with shape (9, 3) {" in out
    assert "output shape: (2, 200, 3)" in out
    assert "probabilities sum to 1 at every step: True" in out
    assert "log-softmax == log(softmax): True" in out
    assert "predicted class per trial: [0, 2]" in out
    sums = re.search(r"per-step sums: min ([0-9.]+), max ([0-9.]+)", out)
    assert sums and abs(float(sums.group(1)) - 1) < 1e-5 and abs(float(sums.group(2)) - 1) < 1e-5
