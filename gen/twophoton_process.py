"""The generated SM background e+e- -> e+e- mu+ mu- in the equivalent-photon approximation (issue 14 part 2c;
next_wave.md 1.3 item 6a), as a :class:`~darkstrahl.gen.process.FlatProcess`: the process supplies its own
weighted points (:func:`~darkstrahl.gen.sm_twophoton.sample_epa`: photon fluxes x Breit-Wheeler, weights in
fb) and its cross section (the deterministic quadrature :func:`~darkstrahl.gen.sm_twophoton.epa_sigma_fb`);
:class:`~darkstrahl.gen.flat_background.FlatGenerator` normalizes the weights to that cross section and
unweights them, exactly as for the RAMBO backgrounds (whose weights are the phase-space weights).

Event record: e- e+ (beams), e-' e+' (the scattered electrons, along their beams with (1 - x) E: the EPA
neglects their transverse momenta, |p_T| <~ sqrt(Q^2_max); outside the acceptance by the anti-tag
theta < ``theta_max_deg``), mu- mu+.

Initial-state radiation is not applied (card ``beams.isr = false``): the EPA photon flux is itself the
leading-log collinear emission off the beams, with its own virtuality range; an additional structure
function would count the beam's collinear photon emission twice in the log-enhanced region where the
photon couples to the muon pair, and the O(alpha) effect of the remaining soft ISR on this rate
(beta ln(1/Delta) for the hard mu mu system, a few per cent) is below the accuracy of the EPA itself
(non-leading terms in ln(Q^2_max/Q^2_min), the neglected longitudinal photons and the bremsstrahlung and
annihilation diagrams; Budnev et al. 1975 sec. 6 quote O(10 %)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .events import EventBatch
from .kinematics import cm_beams
from .layout import Layout, Slot, primary_rows
from .mumu_process import LPRUP_SM
from .process import ProcessRequest, no_decay
from .sm_twophoton import EPASettings, epa_sigma_fb, sample_epa


@dataclass(frozen=True)
class TwoPhotonMuMuProcess:
    """e+e- -> e+e- mu+ mu- (EPA) within ``settings`` (anti-tag angle, mu mu mass cut, muon polar-angle cut,
    Q^2 cap; :class:`~darkstrahl.gen.sm_twophoton.EPASettings`)."""

    name: str = "twophoton_mumu"
    settings: EPASettings = field(default_factory=EPASettings)
    sampling = "flat"

    @property
    def sqrt_s(self) -> float:
        return self.settings.sqrt_s

    @cached_property
    def sigma_fb(self) -> float:
        """sigma(e+e- -> e+e- mu+ mu-) [fb] in the EPA within the settings (quadrature, relative accuracy
        1e-4: tests/test_sm_kernels.py)."""
        return epa_sigma_fb(self.settings)

    @cached_property
    def layout(self) -> Layout:
        slots = (
            Slot("e-", 11, 0.0, incoming=True),
            Slot("e+", -11, 0.0, incoming=True),
            Slot("e-'", 11, 0.0),
            Slot("e+'", -11, 0.0),
            Slot("mu-", 13, self.settings.m_mu),
            Slot("mu+", -13, self.settings.m_mu),
        )
        return Layout(self.name, "dimuon", slots, primary_rows(slots), lprup=LPRUP_SM["twophoton_mumu"])

    def decay(self, batch: EventBatch, rng: np.random.Generator, mode: str) -> EventBatch:
        return no_decay(batch, rng, mode)

    def summary(self) -> dict[str, Any]:
        s = self.settings
        return {
            "epa_theta_max_deg": s.theta_max_deg,
            "m_ll_min_GeV": s.w_min,
            "theta_mu_min_deg": math.degrees(math.acos(s.cos_max)),
            "epa_q2_cap": s.cap_q2_at_w2,
        }

    def phase_space_points(self, rng: np.random.Generator, n: int) -> tuple[NDArray, NDArray]:
        """n weighted EPA points: momenta (n, 6, 4) [GeV] with the beams first, weights [fb] (mean sigma)."""
        smp = sample_epa(rng, n, self.settings)
        return np.concatenate([cm_beams(self.sqrt_s, n), smp.momenta], axis=1), smp.weights


def build_twophoton(request: ProcessRequest) -> TwoPhotonMuMuProcess:
    """The two-photon background of a run card (``[process]`` keys epa_theta_max, m_ll_min, theta_mu_min,
    epa_q2_cap)."""
    pr = request.section("process")
    theta_mu = pr.get("theta_mu_min", 0.0)
    settings = EPASettings(
        sqrt_s=request.sqrt_s,
        theta_max_deg=pr.get("epa_theta_max", 17.0),
        w_min=max(pr.get("m_ll_min", 0.0), 2.0 * EPASettings.m_mu),
        cos_max=math.cos(math.radians(theta_mu)),
        cap_q2_at_w2=pr.get("epa_q2_cap", True),
    )
    return TwoPhotonMuMuProcess(request.name, settings)
