"""The README's `fit` snippet runs as written (on its own spiking network) and trains."""

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parent.parent / "README.md"


def _fit_snippet() -> str:
    text = README.read_text()
    section = text[text.index("## Training without writing the loop"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_fit_snippet_runs_and_keeps_time_constants_positive(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(_fit_snippet(), "README.md (fit snippet)", "exec"), scope)
    history, trained = scope["history"], scope["trained"]
    assert np.all(np.isfinite(history.loss)) and history.loss[-1] < history.loss[0]
    for layer in ("1_LIFJax", "3_LIFJax"):
        assert float(np.min(trained.parameters()[layer]["tau_mem"])) > 0
    assert (tmp_path / "run.npz").exists()
    assert "loss" in capsys.readouterr().out
