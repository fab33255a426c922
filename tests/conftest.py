"""Shared pytest configuration: small hypothesis budgets, CPU-only JAX, deterministic seeds."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "rockpool",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# - CI runs a fixed set of examples (no flaky red builds); local runs explore new ones each time
settings.register_profile("rockpool-ci", parent=settings.get_profile("rockpool"), derandomize=True, print_blob=True)
settings.load_profile("rockpool-ci" if os.environ.get("CI") else "rockpool")


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
