"""Helpers shared by the tests."""

import numpy as np


def assert_trees_close(a, b, rtol=1e-5, atol=1e-6, path=""):
    """Assert two nested dicts of arrays have the same keys and close values."""
    assert isinstance(a, dict) == isinstance(b, dict), f"structure differs at {path or '<root>'}"
    if isinstance(a, dict):
        assert list(a) == list(b) or set(a) == set(b), f"keys differ at {path}: {list(a)} vs {list(b)}"
        for k in a:
            assert_trees_close(a[k], b[k], rtol, atol, f"{path}.{k}")
    else:
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol, err_msg=path)
