"""Sensitivity reach (physics.md section 4).

* eps reach at fixed theta: the signal scales as eps^2 with unchanged kinematics, so -2 ln L(eps) (window
  re-optimized at every eps) rises monotonically; the reach solves -2 ln L = 3.84 (Brent's method in log eps).
* theta region at fixed eps: -2 ln L(theta) on a logarithmic grid; every crossing of 3.84 is bracketed by
  two grid points and refined with Brent's method in log theta (tolerance :data:`XTOL`). The excluded
  region is bounded on both sides (a short-lived phi decays before r_in, a long-lived one after r_out).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .likelihood import CL95

#: Root-finding tolerance in log10 of eps or theta (2.3e-6 relative in eps or theta).
XTOL = 1e-6


def eps_reach(
    statistic: Callable[[float], float], eps_lo: float = 1e-9, eps_hi: float = 1.0, target: float = CL95
) -> float:
    """eps with statistic(eps) = target (statistic increasing in eps); inf if even eps_hi is not enough."""
    f_lo = statistic(eps_lo) - target
    f_hi = statistic(eps_hi) - target
    if f_hi < 0:
        return math.inf
    if f_lo > 0:
        return eps_lo
    return float(
        10
        ** brentq(
            lambda le: statistic(10**le) - target,
            math.log10(eps_lo),
            math.log10(eps_hi),
            xtol=XTOL,
        )
    )


@dataclass(frozen=True)
class ThetaRegion:
    """Excluded theta interval(s): ``edges`` = [(lo, hi), ...] in rad; empty if nothing is excluded."""

    edges: tuple[tuple[float, float], ...]

    @property
    def lo(self) -> float:
        """Lower edge of the excluded region (NaN if none)."""
        return self.edges[0][0] if self.edges else math.nan

    @property
    def hi(self) -> float:
        """Upper edge of the excluded region (NaN if none)."""
        return self.edges[-1][1] if self.edges else math.nan


def theta_region(statistic: Callable[[float], float], grid: np.ndarray, target: float = CL95) -> ThetaRegion:
    """Intervals of theta where statistic(theta) >= target: crossings bracketed on ``grid`` (rad, increasing)
    and refined in log theta. Open ends at the grid boundary are reported at the boundary."""
    vals = np.array([statistic(t) for t in grid]) - target
    above = vals >= 0
    edges = []
    start = grid[0] if above[0] else None
    for i in range(len(grid) - 1):
        if above[i] == above[i + 1]:
            continue
        root = 10 ** brentq(
            lambda lt: statistic(10**lt) - target,
            math.log10(grid[i]),
            math.log10(grid[i + 1]),
            xtol=XTOL,
        )
        if above[i + 1]:
            start = root
        else:
            edges.append((float(start), float(root)))
            start = None
    if start is not None:
        edges.append((float(start), float(grid[-1])))
    return ThetaRegion(tuple(edges))
