"""Test statistic for an expected null result (physics.md section 4).

-2 ln L = 2 [S - B ln(1 + S/B)] for S expected signal and B expected background events; its B -> 0 limit
is 2 S. The expected 95 % CL sensitivity is where it equals 3.84.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

CL95 = 3.84


def minus2lnl(s: ArrayLike, b: ArrayLike) -> NDArray:
    """-2 ln L = 2 [S - B ln(1 + S/B)] (vectorized; 2 S where B = 0; 0 where S = 0)."""
    s = np.asarray(s, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = 2.0 * (s - b * np.log1p(np.where(b > 0, s / np.where(b > 0, b, 1.0), 0.0)))
    return np.where(b > 0, val, 2.0 * s)


def minus2lnl_scalar(s: float, b: float) -> float:
    """Scalar :func:`minus2lnl` without numpy overhead (the window optimizer calls it in loops)."""
    if b <= 0.0:
        return 2.0 * s
    return 2.0 * (s - b * math.log1p(s / b))


def signal_for_sensitivity(b: float, target: float = CL95) -> float:
    """The S that gives -2 ln L = ``target`` at background B (cut and count), by bisection in log S."""
    from scipy.optimize import brentq

    return float(np.exp(brentq(lambda ls: float(minus2lnl(np.exp(ls), b)) - target, -20.0, 20.0, xtol=1e-12)))
