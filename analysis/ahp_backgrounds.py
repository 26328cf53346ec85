"""SM background samples of the A'h' search as :class:`~darkstrahl.analysis.ahp_selection.DimuonEvents`
(next_wave.md 1.3 item 6a), from the generators of :mod:`darkstrahl.gen.sm_mumu`, :mod:`darkstrahl.gen.sm_tau`
and :mod:`darkstrahl.gen.sm_twophoton`, weighted in fb per event (sum = the sample's cross section):

* ``mumu_gamma``: e+e- -> mu+ mu- gamma in the matrix-element region of the ISR matching (photon energy
  > omega_min, > theta_c from both beams; :class:`~darkstrahl.gen.sm_mumu_matching.MuMuGammaPhaseSpace`, exact
  O(alpha) |M|^2 with ISR, FSR and interference). The photon becomes an ECL cluster if it is inside an ECL
  region (not a gap) above the acceptance threshold; otherwise it escapes. The non-radiative and
  collinear-ISR parts are not included: their dimuon is back to back in the transverse plane up to the
  resolution and fails cut 8 (pT* > 0.1 GeV; pT resolution ~ 0.3 % of 5 GeV = 15 MeV).
* ``tautau``: e+e- -> tau+ tau- -> mu+ mu- + 4 nu with spin correlations (Born x BR^2).
* ``eemumu``: two-photon e+e- -> e+e- mu+mu- in the equivalent-photon approximation, electrons untagged
  (outside the anti-tag cone), muons with |cos theta*| < 0.95 in the CM frame (a generation cut far
  outside the 37-120 deg lab acceptance only where the boost allows; documented as a cut).

These are not the Belle II Geant4-level backgrounds (next_wave.md 1.3 item 6: a reproduction can only give
the expected-sensitivity band).
"""

from __future__ import annotations

import numpy as np

from darkstrahl.detector.acceptance import Acceptance
from darkstrahl.detector.beams import Beams, transform
from darkstrahl.errors import ParameterError
from darkstrahl.gen.constants import GEV2_TO_FB
from darkstrahl.gen.sm_mumu import mumugamma_msq
from darkstrahl.gen.sm_mumu_matching import MuMuGammaPhaseSpace, RadiativeMatching
from darkstrahl.gen.sm_tau import MU_M, MU_P, sample_tau_pair
from darkstrahl.gen.sm_twophoton import EPASettings, sample_epa

from .ahp_selection import DimuonEvents

#: Background samples known to :func:`background_events`.
SAMPLES = ("mumu_gamma", "tautau", "eemumu")


def _mumu_gamma(rng: np.random.Generator, n: int, sqrt_s: float) -> tuple[np.ndarray, ...]:
    ps = MuMuGammaPhaseSpace(sqrt_s, RadiativeMatching())
    p, w = ps.generate(rng.random((n, 6)))
    f = mumugamma_msq(p, ps.m_mu) * w / (2.0 * sqrt_s**2) * GEV2_TO_FB / n
    return p[:, 2], p[:, 3], p[:, 4:5], f


def _tautau(rng: np.random.Generator, n: int, sqrt_s: float) -> tuple[np.ndarray, ...]:
    t = sample_tau_pair(rng, n, sqrt_s)
    return t.momenta[:, MU_M], t.momenta[:, MU_P], None, np.full(n, t.sigma_fb / n)


def _eemumu(rng: np.random.Generator, n: int, sqrt_s: float) -> tuple[np.ndarray, ...]:
    e = sample_epa(rng, n, EPASettings(sqrt_s=sqrt_s, cos_max=0.95))
    keep = e.weights > 0
    return e.momenta[keep, 2], e.momenta[keep, 3], None, e.weights[keep] / n


def background_events(
    name: str, n: int, rng: np.random.Generator, beams: Beams, sqrt_s: float, smear: bool = True
) -> DimuonEvents:
    """The background sample ``name`` (:data:`SAMPLES`) with n generated events in the per-object detector
    mode (lab frame of ``beams``, tracks and photons smeared when ``smear``); weights in fb per event."""
    makers = {"mumu_gamma": _mumu_gamma, "tautau": _tautau, "eemumu": _eemumu}
    if name not in makers:
        raise ParameterError("ahp.backgrounds", f"must be one of {SAMPLES}", name)
    if n < 1:
        raise ParameterError("ahp.n_background", "must be >= 1", n)
    mm, mp, photons, w = makers[name](rng, n, sqrt_s)
    if photons is not None:
        lab = transform(photons, beams.cm_to_lab())
        seen = Acceptance().photon_accepted(lab)
        photons = np.where(seen[..., None], photons, 0.0)
    ev = DimuonEvents.from_cm(mm, mp, w, beams, rng if smear else None, photons)
    ev.info["sample"] = name
    return ev
