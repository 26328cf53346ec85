"""Kinematic landmarks of e+e- -> gamma phi chi chibar (physics.md section 2, 'Kinematic structure').

* Ebar = (s - m_A'^2) / (2 sqrt s): photon energy at which the first A' is on shell;
* E_b  = (s - (m_A' + m_phi)^2) / (2 sqrt s): the largest photon energy on the branch where the
  second A' (m_chichi = m_A') is on shell;
* r: ratio of the hard (E_gamma = Ebar) to the soft (E_gamma = E_0) matrix element; soft r < 1,
  bimodal 1 <= r <= 4, hard r > 4. physics.md gives the boundary m_phi(r); :func:`regime_ratio` is its
  inverse, r = T / [(s + m_A'^2 - 2 (m_phi + m_A')^2)^2 - (s - m_A'^2)^2] with
  T = 8 E_0 sqrt(s) (2 E_0 sqrt(s) + m_A'^2 - s).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

REGIME_EDGES = (1.0, 4.0)


def e_bar(sqrt_s: float, m_Ap: ArrayLike) -> NDArray:
    """Ebar [GeV]: photon energy that puts the first A' on shell."""
    return (sqrt_s**2 - np.square(m_Ap)) / (2.0 * sqrt_s)


def e_b(sqrt_s: float, m_Ap: ArrayLike, m_phi: ArrayLike) -> NDArray:
    """E_b [GeV]: upper photon energy of the branch with the second A' on shell."""
    return (sqrt_s**2 - np.square(np.add(m_Ap, m_phi))) / (2.0 * sqrt_s)


def regime_ratio(sqrt_s: float, m_Ap: ArrayLike, m_phi: ArrayLike, e0: float = 0.25) -> NDArray:
    """r = |M(hard)|^2 / |M(soft)|^2, the inverse of physics.md's boundary formula."""
    s = sqrt_s**2
    m2 = np.square(m_Ap)
    t = 8.0 * e0 * sqrt_s * (2.0 * e0 * sqrt_s + m2 - s)
    den = (s + m2 - 2.0 * np.square(np.add(m_phi, m_Ap))) ** 2 - (s - m2) ** 2
    return t / den


def regime_boundary_m_phi(sqrt_s: float, m_Ap: ArrayLike, r: float, e0: float = 0.25) -> NDArray:
    """m_phi [GeV] at which the regime ratio equals ``r`` (physics.md section 2):
    m_phi = (1/sqrt 2) [s + m_A'^2 - sqrt(8 E_0 sqrt s (2 E_0 sqrt s + m_A'^2 - s)/r + (s - m_A'^2)^2)]^(1/2)
            - m_A'.
    """
    s = sqrt_s**2
    m2 = np.square(m_Ap)
    inner = 8.0 * e0 * sqrt_s * (2.0 * e0 * sqrt_s + m2 - s) / r + (s - m2) ** 2
    return np.sqrt(np.clip(s + m2 - np.sqrt(inner), 0.0, None)) / np.sqrt(2.0) - np.asarray(m_Ap)


def regime(r: ArrayLike) -> NDArray:
    """'soft' (r < 1), 'bimodal' (1 <= r <= 4) or 'hard' (r > 4)."""
    r = np.asarray(r)
    return np.where(r < REGIME_EDGES[0], "soft", np.where(r <= REGIME_EDGES[1], "bimodal", "hard"))
