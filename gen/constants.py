"""Physical constants and Standard-Model masses used by darkstrahl.

All values are in natural units with energies in GeV (hbar = c = 1), the internal unit
system of the physics code (physics.md, preamble). Conversions to lengths and cross
sections go through :mod:`hepunits` and are collected here so that every factor of
hbar*c has exactly one home.

Masses come from the PDG data of :mod:`particle`, resolved once at import.
"""

from __future__ import annotations

import math

from hepunits import GeV, fb, mm
from hepunits.constants import hbarc, hbarc_sq
from particle import Particle

#: Fine-structure constant in the Thomson limit, alpha = 1/137.036 (reference.md preamble).
ALPHA: float = 1.0 / 137.036
#: Positron charge e = sqrt(4 pi alpha) (dimensionless in natural units).
E_CHARGE: float = math.sqrt(4.0 * math.pi * ALPHA)
#: Fermi constant [GeV^-2] (PDG 2024: 1.1663788(6)e-5 GeV^-2).
G_F: float = 1.1663788e-5
#: Higgs vacuum expectation value v = (sqrt(2) G_F)^(-1/2) [GeV] (= 246.22 GeV).
V_HIGGS: float = 1.0 / math.sqrt(math.sqrt(2.0) * G_F)
#: sin^2(theta_W) in the MS-bar scheme at m_Z (PDG 2024), for the hypercharge eps convention.
SIN2_THETA_W: float = 0.23122
#: cos(theta_W).
COS_THETA_W: float = math.sqrt(1.0 - SIN2_THETA_W)

#: hbar*c [GeV mm]: converts a width in GeV to c*tau in mm via c tau = HBARC_GEV_MM / Gamma.
HBARC_GEV_MM: float = hbarc / (GeV * mm)
#: (hbar c)^2 [GeV^2 fb]: converts a cross section in GeV^-2 to fb (3.893794e11).
GEV2_TO_FB: float = hbarc_sq / (GeV**2 * fb)


def _mass_GeV(pdgid: int) -> float:
    """PDG mass of ``pdgid`` in GeV (from :mod:`particle`, which stores MeV)."""
    mass = Particle.from_pdgid(pdgid).mass
    if mass is None:  # pragma: no cover - PDG data always carries these masses
        raise RuntimeError(f"particle has no mass for PDG id {pdgid}")
    return float(mass) / 1000.0


#: Charged-lepton masses [GeV], keyed by short name.
M_E: float = _mass_GeV(11)
M_MU: float = _mass_GeV(13)
M_TAU: float = _mass_GeV(15)
#: Light-hadron masses [GeV].
M_PI_CHARGED: float = _mass_GeV(211)
M_PI0: float = _mass_GeV(111)
M_K_CHARGED: float = _mass_GeV(321)
M_K0: float = _mass_GeV(311)
#: Z boson mass [GeV] (only used in the Z h cross-check of the Higgs-strahlung formula).
M_Z: float = _mass_GeV(23)

#: Lepton masses by the labels used throughout the package.
LEPTON_MASSES: dict[str, float] = {"e": M_E, "mu": M_MU, "tau": M_TAU}


def width_to_ctau_mm(width_GeV: float) -> float:
    """Proper decay length c*tau [mm] of a particle with total width ``width_GeV`` [GeV]."""
    if width_GeV <= 0.0:
        return math.inf
    return HBARC_GEV_MM / width_GeV
