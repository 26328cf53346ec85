"""Binnings of the analysis variables (physics.md section 4).

* sqrt(|v|): edges e_0 = 0, e_1 = 0.01 GeV, then (e_{i+1} - e_i) / ((e_{i+1} + e_i)/2) = 0.30, i.e.
  e_{i+1} = e_i (1 + 0.15) / (1 - 0.15), with as many bins as needed to contain every event.
* m_chichi (darkstrahl's rule): uniform bins of width Delta = sigma_m(m_A') = m_A' x (ECL relative resolution
  at m_A'), the reference resolution at the hypothesis, with the central bin centred on m_A' (edges
  m_A' + (k - 1/2) Delta), extended to contain every event. One bin per resolution keeps the window growth of
  :mod:`darkstrahl.analysis.window` at the scale on which the signal peak changes.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from darkstrahl.detector.resolution import ecl_relative_resolution

SQRT_V_FIRST_EDGE = 0.01  # GeV
SQRT_V_RELATIVE_WIDTH = 0.30


def sqrt_v_edges(max_value: float) -> NDArray:
    """Edges [GeV] of the sqrt(|v|) binning up to the first edge above ``max_value``."""
    ratio = (1 + SQRT_V_RELATIVE_WIDTH / 2) / (1 - SQRT_V_RELATIVE_WIDTH / 2)
    edges = [0.0, SQRT_V_FIRST_EDGE]
    while edges[-1] <= max_value:
        edges.append(edges[-1] * ratio)
    return np.array(edges)


def mchichi_bin_width(m_Ap: float) -> float:
    """Delta = m_A' x sigma_E/E(m_A') [GeV] (ECL formula of physics.md section 3)."""
    return float(m_Ap * ecl_relative_resolution(m_Ap))


def mchichi_edges(m_Ap: float, lo: float, hi: float) -> NDArray:
    """Edges [GeV] of width :func:`mchichi_bin_width` centred on m_A', covering [lo, hi]."""
    delta = mchichi_bin_width(m_Ap)
    k_lo = math.floor((lo - m_Ap) / delta - 0.5)
    k_hi = math.ceil((hi - m_Ap) / delta + 0.5)
    return m_Ap + (np.arange(k_lo, k_hi + 1) - 0.5) * delta
