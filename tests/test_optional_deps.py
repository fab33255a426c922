"""Optional dependencies load lazily and, when missing, name the extra to install."""

import subprocess
import sys

import pytest

# - A None entry in sys.modules makes `import name` raise ImportError, as if it were not installed
_HIDE = "import sys\nfor m in {mods!r}: sys.modules[m] = None\n"


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_import_rockpool_is_light():
    out = _run("import sys, rockpool, rockpool.nn.modules, rockpool.parameters, rockpool.nn.combinators\n"
               "from rockpool.nn.modules import Rate, Linear, Instant, LIF, ExpSyn\n"
               "print(sorted(m for m in ('jax', 'matplotlib', 'optax', 'nir', 'tqdm') if m in sys.modules))")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "hidden, code, extra",
    [
        (["jax"], "from rockpool.nn.modules import RateJax", "rockpool[jax]"),
        (["jax"], "from rockpool.training import jax_loss", "rockpool[jax]"),
        (["jax"], "from rockpool.training import fit", "rockpool[jax]"),
        (["nir"], "import numpy as np\nfrom rockpool.graph import to_nir\nfrom rockpool.nn.modules import Linear\n"
                  "to_nir(Linear((2, 3)))", "rockpool[nir]"),
        (["matplotlib", "matplotlib.pyplot"], "from rockpool.plotting import plot_loss\nplot_loss([1.0, 0.5])",
         "rockpool[plot]"),
    ],
)
def test_missing_optional_dependency_names_the_extra(hidden, code, extra):
    out = _run(_HIDE.format(mods=hidden) + code)
    assert out.returncode != 0
    assert "ImportError" in out.stderr and f"pip install '{extra}'" in out.stderr, out.stderr


def test_rate_works_without_jax():
    out = _run(_HIDE.format(mods=["jax"]) + "import numpy as np\nfrom rockpool.nn.modules import Rate\n"
               "print(Rate(3)(np.ones((4, 3)))[0].shape)")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(1, 4, 3)"
