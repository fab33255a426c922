"""examples/digits.py: a short training on the full digits data set, NIR round trip, the figure."""

import importlib.util
import os

import pytest

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "examples", "digits.py")


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("digits_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_three_epochs_on_all_digits_reach_80_percent_and_survive_nir(example, tmp_path, capsys):
    # - the full network and data (1347 training / 450 test digits), 3 of the 60 epochs
    result = example.main(epochs=3, seed=0, out=str(tmp_path))
    assert result["steps"] == 3 * 21
    assert result["accuracy"] >= 0.80, result["curve"]
    assert result["accuracy_nir"] == result["accuracy"]
    assert len(result["curve"]["test"]) == 4 and result["curve"]["test"][0] < 0.3
    for name in ("digits_result.png", "digits_checkpoint.npz", "digits.nir"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert "NIR round trip" in capsys.readouterr().out
