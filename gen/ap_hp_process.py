"""The seed-000 signal e+e- -> A'* -> A' h' -> mu+ mu- h' with the full 2 -> 3 tree-level matrix element
(next_wave.md 1.1; issue 14 part 1).

Matrix element. It is the dark Higgs-strahlung amplitude of :mod:`darkstrahl.gen.amplitudes` (process
``"phi"``) with the chi current replaced by the muon current (next_wave.md 0 item 1):

    M = C [vbar(p2) g^mu u(p1)] [ubar(q1) g_mu v(q2)] / (D(s) D(Q^2)),   C = g_e g_hVV g_mu,

g_e = g_mu = eps_em e, g_hVV = 2 q_Phi g_D m_A' (:class:`~darkstrahl.gen.ap_hp_model.ApHpModel`),
D(x) = x - m_A'^2 + i m_A' Gamma_A', Q = q1 + q2 and the muon mass kept exactly; the same numba kernel is
called with m_chi -> m_mu (no copy). Spin correlations between production and decay are therefore exact
(the A' is mostly longitudinal at low mass, next_wave.md 1.1).

Phase space (the map, its Jacobian, shapes; :func:`darkstrahl.gen.phasespace.phi_phase_space` with
m_phi -> m_h', m_chi -> m_mu): u (n, 5) uniform ->
Q^2 = m_mumu^2 by the Breit-Wigner map of :func:`darkstrahl.gen.phasespace.bw_map` over
[4 m_mu^2, (sqrt(s) - m_h')^2] (Jacobian (y_hi - y_lo)((Q^2 - m^2)^2 + m^2 Gamma^2)/(m Gamma), which absorbs
the 1/|D(Q^2)|^2 of the tiny-width A', Gamma/m ~ eps^2), then the h' direction in the CM frame and the mu-
direction in the dimuon rest frame (4 pi each); momenta (n, 5, 4) [GeV]:
0 e-, 1 e+, 2 h', 3 mu-, 4 mu+; integrand dsigma/dPhi_3 = |M|^2/(2s) [fb].

Event record (:func:`ap_hp_layout`, 1-based LHE mother lines in brackets): e- [0 0], e+ [0 0], h' [1 2],
A' [1 2] (status 2: the mu+ mu- pair, PDG 55), mu- [4 4], mu+ [4 4]. Slot names "e-", "e+", "hp", "mu-",
"mu+"; the A' is the row summing the slots of ``layout.extra["composites"]["Ap"]`` = (mu-, mu+). h' is stable
and invisible with the dark-Higgs PDG id 54 (written as ``output.pdg_phi`` of the card). ISR and the beam
energy spread wrap this process through :class:`darkstrahl.gen.isr_process.IsrProcess` (card ``beams.isr``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

from .amplitudes import helicities_from_codes, matrix_element_squared, matrix_element_squared_and_helicity
from .ap_hp_model import ApHpModel
from .constants import GEV2_TO_FB, M_MU
from .events import EventBatch
from .kinematics import beam_s
from .layout import Dependence, Layout, Slot, resonance_pair_rows
from .phasespace import PhaseSpace, phi_phase_space
from .process import ProcessRequest, no_decay
from .signal_process import PDG_AP, PDG_PHI

#: LHE process id (LPRUP) of e+e- -> A' h' -> mu mu h'.
LPRUP_AP_HP_MUMU = 14
#: The amplitude kernel reused (amplitudes.py process "phi": same particle order e-, e+, scalar, f, fbar).
_KERNEL = "phi"


def ap_hp_layout(model: ApHpModel, process: str = "ap_hp_mumu") -> Layout:
    """The event record of e+e- -> A' h' -> mu+ mu- h' (module docstring)."""
    slots = (
        Slot("e-", 11, 0.0, incoming=True),
        Slot("e+", -11, 0.0, incoming=True),
        Slot("hp", PDG_PHI, model.m_hp, visible=False),
        Slot("mu-", 13, M_MU),
        Slot("mu+", -13, M_MU),
    )
    rows = resonance_pair_rows(PDG_AP)
    return Layout(
        process=process,
        signature="mumu_invisible",
        slots=slots,
        rows=rows,
        # sigma x BR ∝ eps^2 (Gamma_A' ∝ eps^2 leaves BR unchanged), for Layout.rate_factor reweighting
        rate=(Dependence("eps", (("square", 1.0),)),),
        couplings=(("eps", model.eps), ("alpha_D", model.alpha_D)),
        lprup=LPRUP_AP_HP_MUMU,
        extra={"composites": {"Ap": (3, 4)}},
    )


@dataclass(frozen=True)
class ApHpProcess:
    """e+e- -> A'* -> A' h' -> mu+ mu- h' at ``sqrt_s`` [GeV] (module docstring); ``pol_em`` is the
    longitudinal polarization of the e- beam in [-1, 1].

    ``radiative_return`` (with ISR only): also generate the region below the on-shell A'h' threshold where ISR
    returns s_hat to the s-channel A' pole and the A' decays A' -> h' A'* -> h' mu mu (M_mumu < M_A' - M_h',
    a continuum, not the signal peak; same matrix element). Off (default): the ISR threshold is the on-shell
    one (:meth:`phase_space`) and that part is not generated."""

    model: ApHpModel
    sqrt_s: float = 10.58
    pol_em: float = 0.0
    name: str = "ap_hp_mumu"
    radiative_return: bool = False
    sampling = "multichannel"

    def __post_init__(self) -> None:
        if not -1.0 <= self.pol_em <= 1.0:
            raise ParameterError("beams.pol_em", "must lie in [-1, 1]", self.pol_em)
        if not self.sqrt_s > self.model.m_Ap + self.model.m_hp:
            raise ParameterError("run.sqrt_s", "must exceed m_Ap + m_hp (the A'h' threshold)", self.sqrt_s)

    @property
    def width_Ap(self) -> float:
        """Total A' width [GeV] in both propagators."""
        return self.model.width_Ap

    @property
    def coupling(self) -> float:
        """C = g_e g_hVV g_mu [GeV]."""
        return self.model.g_e**2 * self.model.g_hVV

    @cached_property
    def layout(self) -> Layout:
        return ap_hp_layout(self.model, self.name)

    def decay(self, batch: EventBatch, rng: np.random.Generator, mode: str) -> EventBatch:
        """h' is stable; the muons are final."""
        return no_decay(batch, rng, mode)

    def helicities(self, codes: NDArray) -> NDArray:
        return helicities_from_codes(_KERNEL, codes, len(self.layout))

    def summary(self) -> dict[str, Any]:
        return self.model.summary(self.sqrt_s)

    @cached_property
    def phase_space(self) -> PhaseSpace:
        """:func:`~darkstrahl.gen.phasespace.phi_phase_space` (module docstring) with the threshold that ISR
        samples against (:class:`~darkstrahl.gen.isr_process.IsrProcess`: tau_min and its threshold
        channels) raised from m_h' + 2 m_mu to the on-shell threshold m_h' + m_A' - 100 Gamma_A': below it
        the A' is off shell by more than 100 widths everywhere except a sliver, a part of the rate of
        relative size O(Gamma/m) ~ 1e-8 that is dropped; above it the rate rises steeply
        (1/(s_hat - m_A'^2)^2 of the s-channel A'*), which the threshold channels sample."""
        m = self.model
        ps = phi_phase_space(self.sqrt_s, m.m_Ap, self.width_Ap, m.m_hp, M_MU)
        if self.radiative_return:
            return ps
        return replace(ps, threshold=m.m_hp + max(2.0 * M_MU, m.m_Ap - 100.0 * self.width_Ap))

    @property
    def s_hat_resonances(self) -> tuple[tuple[float, float], ...]:
        """The s-channel A'* (mass, width) [GeV] for the ISR resonance channel of
        :class:`~darkstrahl.gen.isr_process.IsrProcess`, with ``radiative_return`` only (it lies below the
        on-shell threshold otherwise)."""
        return ((self.model.m_Ap, self.width_Ap),) if self.radiative_return else ()

    def msq(self, p: NDArray) -> NDArray:
        """Spin-summed, beam-averaged |M|^2 (dimensionless) at momenta ``p`` (n, 5, 4)."""
        return matrix_element_squared(
            _KERNEL, p, M_MU, self.model.m_Ap, self.width_Ap, self.coupling, self.pol_em
        )

    def integrand(self, p: NDArray) -> NDArray:
        """dsigma/dPhi_3 [fb] = |M|^2/(2 s) (hbar c)^2."""
        return self.msq(p) * (GEV2_TO_FB / (2.0 * beam_s(p)))

    def integrand_and_helicity(self, p: NDArray, r: NDArray) -> tuple[NDArray, NDArray]:
        """:meth:`integrand` and a helicity configuration code per event drawn with the uniforms ``r``."""
        msq, code = matrix_element_squared_and_helicity(
            _KERNEL, p, M_MU, self.model.m_Ap, self.width_Ap, self.coupling, self.pol_em, r
        )
        return msq * (GEV2_TO_FB / (2.0 * beam_s(p))), code


def build_ap_hp(request: ProcessRequest) -> ApHpProcess:
    """The A'h' process of a run card (``[model]`` keys of :data:`~darkstrahl.gen.ap_hp_model.MODEL_KEYS`,
    ``[beams] pol_em``)."""
    return ApHpProcess(
        ApHpModel.from_section(request.section("model")),
        sqrt_s=request.sqrt_s,
        pol_em=request.section("beams").get("pol_em", 0.0),
        name=request.name,
        radiative_return=bool(request.section("process").get("radiative_return") or False),
    )
