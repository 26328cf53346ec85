"""Shared fixtures of the darkstrahl test suite."""

from __future__ import annotations

import pytest

from darkstrahl.gen.model import DarkModel


@pytest.fixture
def b1_6() -> DarkModel:
    """Benchmark B1 at m_A' = 6 GeV, eps = theta = 1e-4 (issue 2's reference point)."""
    return DarkModel.from_benchmark("B1", 6.0, eps=1e-4, theta=1e-4)
