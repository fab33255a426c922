"""Run examples/low_level_api.py (seed page 001) in a subprocess and check what it prints."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "low_level_api.py"


@pytest.fixture(scope="module")
def run():
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "COLUMNS": "120"}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, env=env, timeout=120
    )
    return proc


def between(text, start, end):
    i = text.index(start) + len(start)
    return text[i : text.index(end, i)]


def test_example_runs_cleanly(run):
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr


def test_example_reprs(run):
    lines = run.stdout.splitlines()
    assert lines[0] == "Rate  with shape (4,)"
    assert lines[1] == "Rate  with shape (4,)"
    assert "ffwd_net  with shape (4, 6) {\n    RateJax 'neurons' with shape (6,)\n}\n" in run.stdout


def test_example_evolution_and_record(run):
    assert "Output shape: (1, 5, 4)" in run.stdout.splitlines()
    record = between(run.stdout, "Parameters:", "ffwd_net")
    assert re.search(r"'rec_input': array\(\[\[\[0\., 0\., 0\., 0\.\]", record)
    assert "'x': array([[[" in record
    assert record.index("'rec_input'") < record.index("'x'")


def test_example_queries(run):
    out = run.stdout
    params = between(out, "Parameters:", "State:").split("ffwd_net")[-1]
    for key in (
        "'w_ffwd': array(",
        "'neurons':",
        "'tau': Array([0.02, 0.02, 0.02, 0.02, 0.02, 0.02], dtype=float32)",
        "'bias'",
        "'threshold'",
    ):
        assert key in params
    state = between(out, "State:", "Module time constants:")
    assert re.search(r"'rng_key': Array\(\[\s*\d+,\s+\d+\], dtype=uint32\)", state)
    assert state.index("'rng_key'") < state.index(
        "'x': Array([0., 0., 0., 0., 0., 0.], dtype=float32)"
    )
    taus = between(out, "Module time constants:", "Module weights:")
    assert (
        taus.strip()
        == "{'neurons': {'tau': Array([0.02, 0.02, 0.02, 0.02, 0.02, 0.02], dtype=float32)}}"
    )
    weights = between(out, "Module weights:", ".w_ffwd:")
    assert "'w_ffwd'" in weights and "'neurons'" not in weights and "'tau'" not in weights
    assert "DeviceArray" not in out


def test_example_direct_access_and_fixed_evolve(run):
    lines = run.stdout.splitlines()
    assert ".w_ffwd: [[0. 0. 0. 0. 0. 0.]" in lines
    assert ".neurons.tau: [0.02 0.02 0.02 0.02 0.02 0.02]" in lines
    assert "Network output shape: (1, 5, 6)" in lines
    tail = run.stdout[run.stdout.index("Network record keys:") :]
    assert "['weighted_input', 'neurons']" in tail and "['rec_input', 'x']" in tail
    assert "['x', 'rng_key']" in tail  # new_state keeps evolve's order, as on the functional API page
