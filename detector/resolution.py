"""Detector resolutions (physics.md section 3; reference.md 7.3) and the two smearing modes.

* ECL energy: sigma_E / E = 0.066 %/(E/GeV) (+) 0.81 %/(E/GeV)^(1/4) (+) 1.34 % (in quadrature).
* Tracks: sigma(p_T)/p_T = 0.1 % p_T[GeV] (+) 0.3 %; angular resolution 1 mrad in theta and phi
  (documented choice: the CDC+VXD resolution of high-momentum tracks is well below that).
* Photons in ``objects`` mode: the ECL energy resolution and 5 mrad in theta and phi (documented choice:
  ~6 mm cluster position at the 1.25 m ECL radius).
* Neutral hadrons (K_L) in ``objects`` mode: sigma_E / E = 20 %, 10 mrad (documented, crude).

Modes: ``reference`` smears E_gamma (CM) and m_chichi directly with the ECL formula, each event replaced by
N Gaussian copies carrying weight / N (the reference study's method); ``objects`` smears every visible
particle in the lab and reconstructs the missing four-momentum from the known initial state.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

ECL_A, ECL_B, ECL_C = 0.066e-2, 0.81e-2, 1.34e-2
TRACK_A, TRACK_B = 0.1e-2, 0.3e-2
TRACK_ANGLE, PHOTON_ANGLE, NEUTRAL_HADRON_ANGLE = 1e-3, 5e-3, 10e-3
NEUTRAL_HADRON_E = 0.20


def ecl_relative_resolution(e: NDArray) -> NDArray:
    """sigma_E / E of the ECL at energy e [GeV]."""
    e = np.asarray(e, dtype=np.float64)
    return np.sqrt((ECL_A / e) ** 2 + (ECL_B / e**0.25) ** 2 + ECL_C**2)


def track_relative_resolution(pt: NDArray) -> NDArray:
    """sigma(p_T) / p_T of a charged track of transverse momentum pt [GeV]."""
    pt = np.asarray(pt, dtype=np.float64)
    return np.hypot(TRACK_A * pt, TRACK_B)


def smear_positive(x: NDArray, rel_sigma: NDArray, rng: np.random.Generator) -> NDArray:
    """x (1 + rel_sigma N(0, 1)), redrawn where the result would be <= 0."""
    out = x * (1.0 + rel_sigma * rng.standard_normal(np.shape(x)))
    bad = out <= 0
    while np.any(bad):
        out[bad] = x[bad] * (1.0 + rel_sigma[bad] * rng.standard_normal(int(bad.sum())))
        bad = out <= 0
    return out


def smear_direction(p: NDArray, sigma: NDArray | float, rng: np.random.Generator) -> NDArray:
    """Three-momenta p (n, 3) with polar and azimuthal angles smeared by ``sigma`` [rad], |p| kept."""
    pabs = np.linalg.norm(p, axis=1)
    theta = np.arccos(np.clip(p[:, 2] / np.where(pabs > 0, pabs, 1.0), -1, 1))
    phi = np.arctan2(p[:, 1], p[:, 0])
    theta = np.abs(theta + sigma * rng.standard_normal(len(p)))
    theta = np.where(theta > np.pi, 2 * np.pi - theta, theta)
    phi = phi + sigma * rng.standard_normal(len(p))
    st = np.sin(theta)
    return pabs[:, None] * np.column_stack([st * np.cos(phi), st * np.sin(phi), np.cos(theta)])


def smear_track(p: NDArray, m: NDArray, rng: np.random.Generator) -> NDArray:
    """Smeared lab four-momenta (n, 4) of charged tracks of mass m (n,) [GeV]: p_T and angles."""
    pt = np.hypot(p[:, 1], p[:, 2])
    pt_s = smear_positive(pt, track_relative_resolution(pt), rng)
    v = smear_direction(p[:, 1:], TRACK_ANGLE, rng)
    v *= (pt_s / np.where(pt > 0, pt, 1.0))[:, None]
    return np.column_stack([np.sqrt(m**2 + np.sum(v * v, axis=1)), v])


def smear_calorimetric(
    p: NDArray, m: NDArray, rel: NDArray, angle: float, rng: np.random.Generator
) -> NDArray:
    """Smeared lab four-momenta (n, 4) of a calorimeter object: energy with relative resolution ``rel``,
    angles with ``angle`` [rad], mass m kept (|p| from the smeared energy)."""
    e_s = np.maximum(smear_positive(p[:, 0], rel, rng), m * (1 + 1e-12))
    v = smear_direction(p[:, 1:], angle, rng)
    pabs = np.sqrt(np.maximum(e_s**2 - m**2, 0.0))
    v *= (pabs / np.maximum(np.linalg.norm(v, axis=1), 1e-300))[:, None]
    return np.column_stack([e_s, v])


def smear_photon(p: NDArray, rng: np.random.Generator) -> NDArray:
    """Smeared lab four-momenta of photons (ECL energy resolution, 5 mrad angles)."""
    return smear_calorimetric(p, np.zeros(len(p)), ecl_relative_resolution(p[:, 0]), PHOTON_ANGLE, rng)
