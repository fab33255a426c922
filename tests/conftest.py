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
settings.load_profile("rockpool")


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
