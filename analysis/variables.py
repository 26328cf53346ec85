"""Analysis observables (physics.md section 4), computed from reconstructed events.

* m_chichi: missing mass, the invariant mass of p(e-) + p(e+) - p(phi) [- p(gamma)] [GeV];
* E_gamma: photon energy in the centre-of-mass frame [GeV];
* Ebar = (s - m_A'^2)/(2 sqrt s),
  E_b = (s - (m_A' + m_phi)^2)/(2 sqrt s) (:mod:`~darkstrahl.gen.kinematic_regimes`);
* v = (E_gamma - Ebar)(m_chichi - m_A') [GeV^2] for an m_A' hypothesis, used as sqrt(|v|) [GeV];
* the regime ratio r and its m_phi boundary (:func:`darkstrahl.gen.kinematic_regimes.regime_ratio`,
  :func:`darkstrahl.gen.kinematic_regimes.regime_boundary_m_phi`).

A'h' search (next_wave.md 1.2 "Variables"), from four-momenta (n, 4) in any one frame, with the nominal
initial state P (4,) or (n, 4) in that frame (CM: (sqrt s, 0, 0, 0); lab: the sum of the nominal beams,
:func:`nominal_initial_state`), so that ISR photons count as missing:

* M_mumu^2 = (p_mu+ + p_mu-)^2 and M_recoil^2 = (P - p_mu+ - p_mu-)^2 = s - 2 sqrt(s) E*_mumu + M_mumu^2
  [GeV^2] (may be negative after smearing or ISR: the squared form is the search variable);
* cos(eta): eta is the angle, in the dimuon rest frame, between the direction of the CM system (the
  3-momentum of P boosted into that frame) and the mu-; frame independent by construction.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from darkstrahl.gen.kinematic_regimes import e_b, e_bar, regime, regime_boundary_m_phi, regime_ratio
from darkstrahl.gen.kinematics import boost_many, invariant_mass_squared

__all__ = [
    "dimuon_mass_squared",
    "e_b",
    "e_bar",
    "helicity_cos",
    "nominal_initial_state",
    "recoil_mass_squared",
    "regime",
    "regime_boundary_m_phi",
    "regime_ratio",
    "sqrt_abs_v",
    "v_variable",
]


def v_variable(e_gamma: NDArray, m_chichi: NDArray, m_Ap: float, sqrt_s: float) -> NDArray:
    """v = (E_gamma - Ebar)(m_chichi - m_A') [GeV^2] for the m_A' hypothesis ``m_Ap`` (physics.md 4)."""
    return (np.asarray(e_gamma) - e_bar(sqrt_s, m_Ap)) * (np.asarray(m_chichi) - m_Ap)


def sqrt_abs_v(e_gamma: NDArray, m_chichi: NDArray, m_Ap: float, sqrt_s: float) -> NDArray:
    """sqrt(|v|) [GeV], the gamma-phi channel's analysis variable."""
    return np.sqrt(np.abs(v_variable(e_gamma, m_chichi, m_Ap, sqrt_s)))


def nominal_initial_state(sqrt_s: float, cm_to_lab: NDArray | None = None) -> NDArray:
    """Four-momentum [GeV] of the nominal e+e- initial state: (sqrt s, 0, 0, 0) in the CM frame, or, with the
    CM -> lab matrix (4, 4) or (n, 4, 4) of :attr:`darkstrahl.detector.reconstructed.Reconstructed.cm_to_lab`,
    in the lab ((4,) or (n, 4))."""
    p = np.array([sqrt_s, 0.0, 0.0, 0.0])
    if cm_to_lab is None:
        return p
    return np.einsum("...ij,j->...i", np.asarray(cm_to_lab), p)


def dimuon_mass_squared(p_mu_minus: NDArray, p_mu_plus: NDArray) -> NDArray:
    """M_mumu^2 = (p_mu- + p_mu+)^2 [GeV^2] of four-momenta (n, 4)."""
    return invariant_mass_squared(np.asarray(p_mu_minus) + np.asarray(p_mu_plus))


def recoil_mass_squared(p_mu_minus: NDArray, p_mu_plus: NDArray, initial: NDArray) -> NDArray:
    """M_recoil^2 = (P - p_mu- - p_mu+)^2 [GeV^2] against the nominal initial state P (module docstring)."""
    return invariant_mass_squared(np.asarray(initial) - np.asarray(p_mu_minus) - np.asarray(p_mu_plus))


def helicity_cos(p_mu_minus: NDArray, p_mu_plus: NDArray, initial: NDArray) -> NDArray:
    """cos(eta) of the mu- (module docstring): four-momenta (n, 4) and P (4,) or (n, 4) in one frame."""
    pm = np.ascontiguousarray(p_mu_minus, dtype=np.float64)
    q = pm + np.asarray(p_mu_plus)
    into_rest = q * np.array([1.0, -1.0, -1.0, -1.0])  # boost_into with -Q: into the dimuon rest frame
    big_p = np.ascontiguousarray(np.broadcast_to(initial, pm.shape), dtype=np.float64)
    mu = boost_many(pm, into_rest)[:, 1:]
    cm = boost_many(big_p, into_rest)[:, 1:]
    return np.einsum("ij,ij->i", mu, cm) / (np.linalg.norm(mu, axis=1) * np.linalg.norm(cm, axis=1))
