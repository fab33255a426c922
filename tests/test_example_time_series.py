"""Run examples/time_series.py in a subprocess and check the PNGs it saves."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "time_series.py"


def test_example_saves_nontrivial_plots(tmp_path):
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), "--out", str(tmp_path), "--duration", "0.4"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "evolved to t = 0.400 s" in proc.stdout
    n_out = int(proc.stdout.split("output spikes: ")[1].split()[0])
    assert n_out > 0  # the network responds to its input
    import matplotlib.image as mpimg

    for name in ("raster.png", "vmem.png"):
        path = tmp_path / name
        assert path.exists() and path.stat().st_size > 5000
        img = mpimg.imread(str(path))
        assert img.shape[0] > 200 and img.shape[1] > 400
        # - Not a blank canvas: many distinct colours and a fair share of non-white pixels
        rgb = img[..., :3].reshape(-1, 3)
        assert len(np.unique((rgb * 255).astype(np.uint8), axis=0)) > 20
        assert np.mean(rgb.min(axis=1) < 0.9) > 0.02
