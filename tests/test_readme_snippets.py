"""Every ```python block of README.md runs as written (from a scratch directory).

Blocks run here (fast, a few seconds in all):
- "Quick start" (`Sequential(LinearJax, LIFJax, ...)`): on its own.
- "Training without writing the loop" + "Long sequences": the second continues the first (it reuses
  `net`, `batches`, `fit`, `jax_loss`), so they run in one namespace. The fit block's training result
  is checked in tests/test_fit_readme.py.

Blocks not run here, and where they are covered:
- "Real data: handwritten digits" (60 epochs on 1,347 digits, about 10 s of training on 2 cores):
  tests/test_example_digits.py runs the same network, data and NIR round trip from
  examples/digits.py for 3 epochs.

A new block fails `test_every_block_is_classified` until it is added to one of the lists below.
"""

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"

# - each block is identified by a line it contains
QUICK_START = "net = Sequential(LinearJax((40, 64)), LIFJax(64), LinearJax((64, 4)), LIFJax(4))\nprint(net)"
FIT = "trained, history = fit(net, jax_loss.mse, batches"
LONG = "# continues the fit example above"
NOT_RUN = {"# the core of examples/digits.py": "long training; covered by tests/test_example_digits.py"}


def _blocks() -> list:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def _block(marker: str) -> str:
    (found,) = [b for b in _blocks() if marker in b]
    return found


def _run(code: str, name: str, scope: dict) -> dict:
    exec(compile(code, f"README.md ({name})", "exec"), scope)
    return scope


def test_every_block_is_classified():
    markers = [QUICK_START, FIT, LONG, *NOT_RUN]
    for block in _blocks():
        assert sum(m in block for m in markers) == 1, f"README block not classified here:\n{block[:200]}"


def test_quick_start_block_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scope = _run(_block(QUICK_START), "quick start", {})
    assert scope["spikes"].shape == (2, 100, 4)
    assert "LIFJax" in capsys.readouterr().out


def test_fit_and_long_sequence_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scope = _run(_block(FIT), "fit", {})
    scope = _run(_block(LONG), "long sequences", scope)
    assert scope["history"].steps == 8 and np.all(np.isfinite(scope["history"].loss))
    assert scope["out"].shape == scope["x_long"].shape[:2] + (4,)
    assert isinstance(scope["out"], np.ndarray)


@pytest.mark.parametrize("marker", list(NOT_RUN))
def test_blocks_not_run_here_are_complete_programs(marker):
    # - they at least compile, and import what they use
    code = _block(marker)
    compile(code, "README.md", "exec")
    assert "import" in code
