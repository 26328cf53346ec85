"""Closed-form cross sections (physics.md section 2, reference.md 1.2).

Cross sections are returned in fb unless the name says GeV^-2.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .constants import ALPHA, GEV2_TO_FB, M_MU
from .model import DarkModel
from .widths import ap_widths, kallen_open

FloatArray = NDArray[np.float64]


def sigma_ee_to_vh_GeV2(s: ArrayLike, gv2: float, g_hVV: float, m_V: float, m_h: float) -> FloatArray:
    """sigma(e+ e- -> V h) [GeV^-2] through an s-channel V (Higgs-strahlung), massless beams,
    unpolarized, V width neglected in the s-channel propagator (reference.md 1.2):

        sigma = gv2 g_hVV^2 |k| (|k|^2 + 3 m_V^2) / (24 pi sqrt(s) m_V^2 (s - m_V^2)^2)

    ``gv2`` is g_V^2 + g_A^2 of the e e V vertex (for the A': (eps e)^2), ``g_hVV`` the VVh vertex
    i g_hVV g^{mu nu} [GeV], |k| the V momentum in the centre-of-mass frame. Exactly zero below threshold,
    sqrt(s) < m_V + m_h (:func:`~.widths.kallen_open`).
    """
    s = np.asarray(s, dtype=np.float64)
    lam = kallen_open(s, m_V**2, m_h**2)
    open_ = lam > 0.0  # implies s > (m_V + m_h)^2 > m_V^2: the denominators below are safe
    safe_s = np.where(open_, s, (m_V + m_h + 1.0) ** 2)
    k = np.sqrt(lam) / (2.0 * np.sqrt(safe_s))
    value = (
        gv2
        * g_hVV**2
        * k
        * (k * k + 3.0 * m_V**2)
        / (24.0 * math.pi * np.sqrt(safe_s) * m_V**2 * (safe_s - m_V**2) ** 2)
    )
    return np.where(open_, value, 0.0)


def sigma_ap_phi_fb(model: DarkModel, sqrt_s: float) -> float:
    """sigma(e+ e- -> A' phi) [fb] at ``sqrt_s`` [GeV] (physics.md section 2, Batell-Pospelov-Ritz):

    pi alpha alpha' eps^2 q_Phi^2 / (3 s) lambda^(1/2) (lambda + 12 m_A'^2/s) / (1 - m_A'^2/s)^2
    (times cos^2(theta) from the A'A'phi vertex of a Higgs-mixed phi).
    """
    value = sigma_ee_to_vh_GeV2(sqrt_s**2, model.g_e**2, model.g_hVV, model.m_Ap, model.m_phi)
    return float(value) * GEV2_TO_FB


def sigma_nwa_fb(model: DarkModel, sqrt_s: float) -> float:
    """Narrow-width cross section sigma(e+e- -> A' phi) x BR(A' -> chi chibar) [fb] at ``sqrt_s``."""
    return sigma_ap_phi_fb(model, sqrt_s) * ap_widths(model).br("chichi")


def sigma_mumu_born_fb(s: ArrayLike, alpha: float = ALPHA, m_mu: float = M_MU) -> FloatArray:
    """Born sigma(e+ e- -> gamma* -> mu+ mu-) [fb] at ``s`` [GeV^2] with the muon mass ``m_mu`` [GeV],
    massless electrons, fixed ``alpha`` (next_wave.md 1.3 item 6). Integrating
    dsigma/dOmega = (alpha^2 beta/4s)[1 + cos^2 theta + (4 m^2/s) sin^2 theta] over the solid angle gives

        sigma = (4 pi alpha^2/(3 s)) beta (1 + 2 m^2/s),   beta = sqrt(1 - 4 m^2/s),

    zero below threshold; 0.7759 nb at sqrt(s) = 10.58 GeV with alpha(0) (next_wave.md quotes 0.775 nb).
    """
    s = np.asarray(s, dtype=np.float64)
    ratio = np.divide(m_mu**2, s, out=np.full_like(s, np.inf), where=s > 0.0)
    beta = np.sqrt(np.clip(1.0 - 4.0 * ratio, 0.0, None))
    safe_s = np.where(s > 0.0, s, 1.0)
    value = 4.0 * math.pi * alpha**2 / (3.0 * safe_s) * beta * (1.0 + 2.0 * np.where(beta > 0.0, ratio, 0.0))
    return value * GEV2_TO_FB
