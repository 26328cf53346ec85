"""Dark Higgs-strahlung signal processes: particles, couplings, integrand, phase space (physics.md 2).

A :class:`SignalProcess` joins a :class:`~darkstrahl.gen.model.DarkModel`, the beam energy and the
generation cuts to the matrix elements of :mod:`darkstrahl.gen.amplitudes` and the phase space of
:mod:`darkstrahl.gen.phasespace`; it implements :class:`~darkstrahl.gen.process.MultichannelProcess`. Its
integrand is dsigma/dPhi in fb:

    dsigma = |M|^2 / (2 s) dPhi   (massless beams, flux 2 s),  converted with (hbar c)^2.

Event record (:func:`dark_higgs_layout`, 1-based LHE mother lines in brackets):

* ``phi``:       e- [0 0], e+ [0 0], phi [1 2], A' [1 2] (status 2: the chi chibar pair), chi [4 4],
                 chibar [4 4]
* ``gamma_phi``: e-, e+, gamma [1 2], A' [1 2] (status 2: P' = phi chi chibar), phi [4 4], A' [4 4]
                 (status 2: chi chibar), chi [6 6], chibar [6 6]

Both A' of gamma_phi can be on shell; the s-channel A' of ``phi`` is far off shell at sqrt(s) and is not
written. phi is long-lived with the lifetime rule of :func:`darkstrahl.gen.lifetimes.phi_lifetime`; its
decay products are appended by :func:`darkstrahl.gen.decays.decay_phi`. PDG ids of the dark sector (PDG
Monte Carlo numbering): 52 chi, 54 phi, 55 A'.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

from .amplitudes import helicities_from_codes, matrix_element_squared, matrix_element_squared_and_helicity
from .constants import ALPHA, E_CHARGE, GEV2_TO_FB
from .decays import decay_phi
from .events import EventBatch
from .kinematics import beam_s
from .layout import Dependence, Layout, LongLived, Row, Slot, resonance_pair_rows
from .lifetimes import phi_lifetime
from .model import DarkModel
from .phasespace import PhaseSpace, gamma_phi_phase_space, phi_phase_space
from .process import ProcessRequest
from .widths import ap_widths

#: PDG Monte Carlo numbers used for the dark sector (PDG MC numbering scheme, section 'dark matter'):
#: 52 = chi (spin-1/2 DM), 54 = phi (spin-0 mediator), 55 = A' (spin-1 mediator).
PDG_CHI, PDG_PHI, PDG_AP = 52, 54, 55

#: Coupling schemes of the explicit photon of gamma_phi: alpha(0) (default) or alpha(m_Z) = 1/127.9, the value
#: of MadGraph's default parameter card (docs/validation.md section 5: it accounts for 7 % of the gamma-phi
#: difference to the reference study).
PHOTON_ALPHA_SCHEMES: dict[str, float] = {"alpha0": ALPHA, "alpha_mz": 1.0 / 127.9}

#: The LHE process ids (LPRUP) of the signal channels and of the flat backgrounds that imitate them.
LPRUP = {"phi": 1, "gamma_phi": 2, "bkg_phi": 3, "bkg_gamma_phi": 4}


def dark_higgs_layout(
    process: str, channel: str, model: DarkModel, intermediates: bool = True, displaced: bool = True
) -> Layout:
    """The event record of the ``channel`` ("phi" or "gamma_phi") signature (module docstring).

    ``intermediates``: write the A' resonance lines (signal); ``displaced``: phi's vertex follows from its
    lifetime (False: a flat background whose phi stands for a pair assumed inside the decay region)."""
    beams = (Slot("e-", 11, 0.0, incoming=True), Slot("e+", -11, 0.0, incoming=True))
    dark = (
        Slot("phi", PDG_PHI, model.m_phi),
        Slot("chi", PDG_CHI, model.m_chi, visible=False),
        Slot("chibar", -PDG_CHI, model.m_chi, visible=False),
    )
    photon = (Slot("gamma", 22, 0.0),) if channel == "gamma_phi" else ()
    slots = beams + photon + dark
    i_phi = len(beams) + len(photon)
    if not intermediates:
        rows = tuple(Row((j,), (0, 0) if j < 2 else (1, 2)) for j in range(len(slots)))
    elif channel == "phi":
        rows = resonance_pair_rows(PDG_AP)
    else:
        rows = (
            Row((0,), (0, 0)),
            Row((1,), (0, 0)),
            Row((2,), (1, 2)),
            Row((3, 4, 5), (1, 2), PDG_AP),
            Row((3,), (4, 4)),
            Row((4, 5), (4, 4), PDG_AP),
            Row((4,), (6, 6)),
            Row((5,), (6, 6)),
        )
    return Layout(
        process=process,
        signature=channel,
        slots=slots,
        rows=rows,
        long_lived=(LongLived(i_phi, phi_lifetime(model), displaced=displaced),),
        rate=(Dependence("eps", (("square", 1.0),)), Dependence("theta", (("cos2", 1.0),)))
        if displaced
        else (),
        couplings=(("eps", model.eps), ("theta", model.theta)),
        lprup=LPRUP[process],
    )


@dataclass(frozen=True)
class GenerationCuts:
    """Photon generation cuts in the centre-of-mass frame (physics.md 2): E >= e_min [GeV],
    theta_min <= theta <= theta_max [deg]."""

    e_min: float = 0.25
    theta_min: float = 22.0
    theta_max: float = 158.0

    def __post_init__(self) -> None:
        if not self.e_min > 0:
            raise ParameterError(
                "process.e_gamma_min", "must be > 0 GeV (the soft photon is divergent)", self.e_min
            )
        if not 0.0 < self.theta_min < self.theta_max < 180.0:
            raise ParameterError(
                "process.theta_gamma_min/max",
                "need 0 < theta_gamma_min < theta_gamma_max < 180 deg (collinear divergence)",
                (self.theta_min, self.theta_max),
            )

    @classmethod
    def from_section(cls, pr: Mapping[str, Any]) -> GenerationCuts:
        """The cuts of a card's ``[process]`` section (defaults for missing keys)."""
        d = cls()
        return cls(
            pr.get("e_gamma_min", d.e_min),
            pr.get("theta_gamma_min", d.theta_min),
            pr.get("theta_gamma_max", d.theta_max),
        )


@dataclass(frozen=True)
class SignalProcess:
    """e+ e- -> phi chi chibar (``"phi"``) or gamma phi chi chibar (``"gamma_phi"``) at ``sqrt_s`` [GeV].

    ``ap_width`` overrides the A' width in both propagators [GeV] (default: the model's total width);
    ``pol_em`` is the longitudinal polarization of the e- beam in [-1, 1].
    """

    name: str
    model: DarkModel
    sqrt_s: float = 10.58
    pol_em: float = 0.0
    cuts: GenerationCuts = field(default_factory=GenerationCuts)
    ap_width: float | None = None
    photon_alpha: str = "alpha0"
    sampling = "multichannel"

    def __post_init__(self) -> None:
        if self.name not in ("phi", "gamma_phi"):
            raise ParameterError("process.name", "must be 'phi' or 'gamma_phi'", self.name)
        if not -1.0 <= self.pol_em <= 1.0:
            raise ParameterError("beams.pol_em", "must lie in [-1, 1]", self.pol_em)
        if not self.sqrt_s > self.model.m_phi + 2 * self.model.m_chi:
            raise ParameterError(
                "run.sqrt_s", "must exceed m_phi + 2 m_chi (the process threshold)", self.sqrt_s
            )
        if self.photon_alpha not in PHOTON_ALPHA_SCHEMES:
            raise ParameterError(
                "process.photon_alpha", f"must be one of {sorted(PHOTON_ALPHA_SCHEMES)}", self.photon_alpha
            )
        if self.ap_width is not None and not self.ap_width > 0:
            raise ParameterError("process.ap_width", "must be > 0 GeV", self.ap_width)

    @cached_property
    def width_Ap(self) -> float:
        """A' width in both propagators [GeV]."""
        return self.ap_width if self.ap_width is not None else ap_widths(self.model).total

    @property
    def coupling(self) -> float:
        """Product of the vertex couplings: g_e g_hVV g_chi [GeV] (times e for the photon)."""
        c = self.model.g_e * self.model.g_hVV * self.model.g_chi
        if self.name != "gamma_phi":
            return c
        if self.photon_alpha == "alpha0":
            return c * E_CHARGE  # exactly as before the scheme choice existed
        return c * math.sqrt(4.0 * math.pi * PHOTON_ALPHA_SCHEMES[self.photon_alpha])

    @cached_property
    def layout(self) -> Layout:
        return dark_higgs_layout(self.name, self.name, self.model)

    def decay(self, batch: EventBatch, rng: np.random.Generator, mode: str) -> EventBatch:
        """phi decays by its branching fractions (``mode`` "all", "charged" or "none")."""
        return batch if mode == "none" else decay_phi(batch, self.model, rng, mode == "charged")

    def helicities(self, codes: np.ndarray) -> np.ndarray:
        return helicities_from_codes(self.name, codes, len(self.layout))

    def summary(self) -> dict[str, Any]:
        return {"width_Ap_GeV": self.width_Ap}

    @property
    def s_hat_resonances(self) -> tuple[tuple[float, float], ...]:
        """s-channel resonances (mass, width) [GeV] in the hard s_hat: the A'* of ``phi`` (ISR reaches its
        pole when the final A' is off shell; :mod:`darkstrahl.gen.isr_tau_maps`). ``gamma_phi`` has none:
        its s channel is the photon."""
        return ((self.model.m_Ap, self.width_Ap),) if self.name == "phi" else ()

    @cached_property
    def phase_space(self) -> PhaseSpace:
        m = self.model
        if self.name == "phi":
            return phi_phase_space(self.sqrt_s, m.m_Ap, self.width_Ap, m.m_phi, m.m_chi)
        c = self.cuts
        return gamma_phi_phase_space(
            self.sqrt_s, m.m_Ap, self.width_Ap, m.m_phi, m.m_chi, c.e_min, c.theta_min, c.theta_max
        )

    def msq(self, p: NDArray) -> NDArray:
        """Spin-averaged |M|^2 at momenta ``p`` (n, particles, 4)."""
        m = self.model
        return matrix_element_squared(
            self.name, p, m.m_chi, m.m_Ap, self.width_Ap, self.coupling, self.pol_em
        )

    def integrand(self, p: NDArray) -> NDArray:
        """dsigma/dPhi [fb] = |M|^2 / (2 s) * (hbar c)^2."""
        return self.msq(p) * (GEV2_TO_FB / (2.0 * beam_s(p)))

    def integrand_and_helicity(self, p: NDArray, r: NDArray) -> tuple[NDArray, NDArray]:
        """:meth:`integrand` and, from the uniforms ``r``, a helicity configuration code per event."""
        m = self.model
        msq, code = matrix_element_squared_and_helicity(
            self.name, p, m.m_chi, m.m_Ap, self.width_Ap, self.coupling, self.pol_em, r
        )
        return msq * (GEV2_TO_FB / (2.0 * beam_s(p))), code


def build_signal(request: ProcessRequest) -> SignalProcess:
    """The signal process of a run card (``[model]``, ``[process]``, ``[beams]``)."""
    pr = request.section("process")
    return SignalProcess(
        request.name,
        DarkModel.from_section(request.section("model")),
        sqrt_s=request.sqrt_s,
        pol_em=request.section("beams").get("pol_em", 0.0),
        cuts=GenerationCuts.from_section(pr),
        ap_width=pr.get("ap_width"),
        photon_alpha=pr.get("photon_alpha") or "alpha0",
    )
