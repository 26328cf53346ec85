"""Analysis observables (physics.md section 4), computed from reconstructed events.

* m_chichi: missing mass, the invariant mass of p(e-) + p(e+) - p(phi) [- p(gamma)] [GeV];
* E_gamma: photon energy in the centre-of-mass frame [GeV];
* Ebar = (s - m_A'^2)/(2 sqrt s),
  E_b = (s - (m_A' + m_phi)^2)/(2 sqrt s) (:mod:`~darkstrahl.gen.kinematic_regimes`);
* v = (E_gamma - Ebar)(m_chichi - m_A') [GeV^2] for an m_A' hypothesis, used as sqrt(|v|) [GeV];
* the regime ratio r and its m_phi boundary (:func:`darkstrahl.gen.kinematic_regimes.regime_ratio`,
  :func:`darkstrahl.gen.kinematic_regimes.regime_boundary_m_phi`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from darkstrahl.gen.kinematic_regimes import e_b, e_bar, regime, regime_boundary_m_phi, regime_ratio

__all__ = ["e_b", "e_bar", "regime", "regime_boundary_m_phi", "regime_ratio", "sqrt_abs_v", "v_variable"]


def v_variable(e_gamma: NDArray, m_chichi: NDArray, m_Ap: float, sqrt_s: float) -> NDArray:
    """v = (E_gamma - Ebar)(m_chichi - m_A') [GeV^2] for the m_A' hypothesis ``m_Ap`` (physics.md 4)."""
    return (np.asarray(e_gamma) - e_bar(sqrt_s, m_Ap)) * (np.asarray(m_chichi) - m_Ap)


def sqrt_abs_v(e_gamma: NDArray, m_chichi: NDArray, m_Ap: float, sqrt_s: float) -> NDArray:
    """sqrt(|v|) [GeV], the gamma-phi channel's analysis variable."""
    return np.sqrt(np.abs(v_variable(e_gamma, m_chichi, m_Ap, sqrt_s)))
