"""Run examples/timeseries_walkthrough.py in a subprocess: it prints every step and saves a figure."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "timeseries_walkthrough.py"


def test_walkthrough_runs_and_saves_a_figure(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "error"}
    proc = subprocess.run([sys.executable, str(EXAMPLE), "--out", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "steps(0.3) = 2.0, steps(times[3]) = 3.0" in out  # exact lookup, no snapping
    assert "clip(0.25, 0.75): [0.25," in out and "raster (counts): [[1, 0, 0], [0, 0, 2]" in out
    assert "a periodic event stream over [0, 3): [0.5, 1.5, 2.5]" in out
    assert "Keys of stored TimeSeries objects:\n['signal', 'spikes']" in out
    import matplotlib.image as mpimg

    img = mpimg.imread(str(tmp_path / "timeseries.png"))
    rgb = img[..., :3].reshape(-1, 3)
    assert img.shape[0] > 300 and np.mean(rgb.min(axis=1) < 0.9) > 0.01  # not a blank canvas
