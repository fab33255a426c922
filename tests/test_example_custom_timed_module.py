"""Run examples/custom_timed_module.py (a TimedModule subclass with timed children) and check what it prints."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "custom_timed_module.py"


def test_custom_timed_module_example():
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), "--periods", "6"], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "dt = 0.002 s (children: 0.001 s and 0.002 s)" in out  # the least common multiple
    assert "trainable parameters: ['gain', 'neurons', 'synapses']" in out
    periods = re.findall(r"period (\d): t = ([\d.]+)\.\.([\d.]+) s, (\d+) spikes, mean output \[([^\]]+)\]", out)
    assert [int(p[0]) for p in periods] == list(range(6))
    # - the periodic input keeps evolving: one 20 ms period per call, back to back
    assert [(float(a), float(b)) for _, a, b, _, _ in periods] == [(0.02 * k, 0.02 * (k + 1)) for k in range(6)]
    means = np.array([[float(v) for v in p[4].split()] for p in periods])
    assert np.all(means[:, 0] == 0)  # no drive, no spikes
    assert np.all(means[:, 2] > means[:, 1]) and np.all(means[:, 1] > 0)  # more drive, higher rate
    # - the state is carried over (set_attributes(new_state)): the response builds up, then settles
    assert means[1, 1] > means[0, 1] and abs(means[5, 1] - means[4, 1]) < 0.05 * means[5, 1]
    assert "clock: parent t = 0.120 s, neurons t = 0.120 s, synapses t = 0.120 s" in out
    assert "after reset_all: t = 0.000 s, vmem = [0.0, 0.0, 0.0]" in out
