"""The process e+ e- -> h' chi1 chi2 of the dark Higgs + inelastic DM model (next_wave.md 2.2, 2.4 items 3-5).

An :class:`IdmProcess` joins an :class:`~darkstrahl.gen.idm_model.IdmModel`, the beam energy and the diagram
choice to the matrix element of :mod:`darkstrahl.gen.idm_amplitude` (Higgs-strahlung and the two diagrams
with h' emitted from the DM line; ``diagrams = "a"`` for Higgs-strahlung only) and the two-channel phase
space of :mod:`darkstrahl.gen.idm_phasespace`; it implements
:class:`~darkstrahl.gen.process.MultichannelProcess` (ISR through
:class:`~darkstrahl.gen.isr_process.IsrProcess`).
Integrand (massless beams, flux 2 s):

    dsigma/dPhi_3 = <|M|^2> / (2 s) [GeV^-4] x (hbar c)^2  ->  fb.

Event record (:func:`idm_layout`; 1-based LHE mother lines in brackets; slot names are stable):

    e- [0 0], e+ [0 0], hp [1 2], Ap [1 2] (status 2: the chi1 chi2 system; only when the A' can be on
    shell, m_chi1 + m_chi2 < m_A' < sqrt s - m_h'), chi1 [4 4], chi2 [4 4] (without the Ap row: [1 2])
    after the decays (:mod:`darkstrahl.gen.idm_decays`): x+, x- [3 3] (h' -> x+ x-), then
    chi1_d, e-_d, e+_d [row of chi2] (chi2 -> chi1 l- l+, l = e or mu per event)

Two long-lived slots (next_wave.md 2.4 item 5): h' with c tau ~ 1/sin^2(theta) and chi2 with c tau ~ 1/eps^2
(:func:`darkstrahl.gen.lifetimes.hp_lifetime`, :func:`~darkstrahl.gen.lifetimes.chi2_lifetime`); the rate
scales as eps^2 cos^2(theta) (every diagram carries one eps e and one cos(theta) from g_hVV or k; the O(eps^2)
change of BR(A' -> chi1 chi2) is neglected), so
:meth:`darkstrahl.detector.reconstructed.Reconstructed.reweighted` moves both lifetimes and the rate
without regeneration. PDG ids: 54 h', 55 A', 52 chi1, 1000052 chi2.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import CardError, ParameterError

from .constants import GEV2_TO_FB
from .events import EventBatch
from .idm_amplitude import DIAGRAMS, ee_hp_chi1chi2_msq
from .idm_chi2_widths import ctau_chi2_mm
from .idm_decays import PDG_CHI1, PDG_CHI2, decay_chi2, decay_hp
from .idm_model import PRESETS, IdmModel
from .idm_phasespace import hp_chi1chi2_phase_space
from .idm_widths import ctau_hp_mm, idm_ap_widths
from .kinematics import beam_s
from .layout import Dependence, Layout, LongLived, Row, Slot, resonance_pair_rows
from .lifetimes import chi2_lifetime, hp_lifetime
from .phasespace import PhaseSpace
from .process import ProcessRequest

PDG_HP, PDG_AP = 54, 55
LPRUP_IDM = 5
#: Card keys of ``[model]`` that an iDM point needs, and those of the dark-Higgs model it must not set.
IDM_REQUIRED = ("m_hp", "m_Ap", "m_chi1", "delta_m", "alpha_D", "eps", "theta")
DARK_HIGGS_ONLY = ("benchmark", "m_chi", "m_phi")


def idm_layout(model: IdmModel, process: str = "idm", sqrt_s: float = 10.58) -> Layout:
    """The event record of e+e- -> h' chi1 chi2 before decays (module docstring). The A' row (status 2,
    the chi1 chi2 system) is written when the A' can be on shell, m_chi1 + m_chi2 < m_A' < sqrt_s - m_h';
    otherwise chi1 and chi2 hang on the beams like h'. ``extra["Ap_row"]`` is its 0-based row (or None)."""
    on_shell = model.m_chi1 + model.m_chi2 < model.m_Ap < sqrt_s - model.m_hp
    slots = (
        Slot("e-", 11, 0.0, incoming=True),
        Slot("e+", -11, 0.0, incoming=True),
        Slot("hp", PDG_HP, model.m_hp),
        Slot("chi1", PDG_CHI1, model.m_chi1, visible=False),
        Slot("chi2", PDG_CHI2, model.m_chi2),
    )
    if on_shell:
        rows = resonance_pair_rows(PDG_AP)
    else:
        rows = tuple(Row((j,), (0, 0) if j < 2 else (1, 2)) for j in range(5))
    return Layout(
        process=process,
        signature="idm",
        slots=slots,
        rows=rows,
        long_lived=(LongLived(2, hp_lifetime(model)), LongLived(4, chi2_lifetime(model))),
        rate=(Dependence("eps", (("square", 1.0),)), Dependence("theta", (("cos2", 1.0),))),
        couplings=(("eps", model.eps), ("theta", model.theta)),
        lprup=LPRUP_IDM,
        extra={"Ap_row": 3 if on_shell else None},
    )


@dataclass(frozen=True)
class IdmProcess:
    """e+ e- -> h' chi1 chi2 at ``sqrt_s`` [GeV] with ``diagrams`` "abc" (all), "a" (Higgs-strahlung) or any
    other subset (diagnostics);
    ``ap_width`` overrides the A' width in every propagator [GeV] (default: the model's total width)."""

    model: IdmModel
    sqrt_s: float = 10.58
    diagrams: str = "abc"
    ap_width: float | None = None
    name: str = "idm"
    sampling = "multichannel"

    def __post_init__(self) -> None:
        if not self.diagrams or set(self.diagrams) - set("abc"):
            raise ParameterError(
                "diagrams", "must be a non-empty subset of 'abc' (card: higgsstrahlung_only)", self.diagrams
            )
        m = self.model
        if not self.sqrt_s > m.m_hp + m.m_chi1 + m.m_chi2:
            raise ParameterError(
                "run.sqrt_s", "must exceed m_hp + m_chi1 + m_chi2 (the threshold)", self.sqrt_s
            )
        if self.ap_width is not None and not self.ap_width > 0:
            raise ParameterError("process.ap_width", "must be > 0 GeV", self.ap_width)

    @cached_property
    def width_Ap(self) -> float:
        """A' width in every propagator [GeV]."""
        return self.ap_width if self.ap_width is not None else idm_ap_widths(self.model).total

    @cached_property
    def layout(self) -> Layout:
        return idm_layout(self.model, self.name, self.sqrt_s)

    @property
    def s_hat_resonances(self) -> tuple[tuple[float, float], ...]:
        """s-channel resonances (mass, width) [GeV] in the hard s_hat: the A'* (ISR reaches its pole, the
        radiative return followed by A' -> chi1 chi2 h'; :mod:`darkstrahl.gen.isr_tau_maps`)."""
        return ((self.model.m_Ap, self.width_Ap),)

    @cached_property
    def phase_space(self) -> PhaseSpace:
        m = self.model
        return hp_chi1chi2_phase_space(self.sqrt_s, m.m_Ap, self.width_Ap, m.m_hp, m.m_chi1, m.m_chi2)

    def msq(self, p: NDArray) -> NDArray:
        """Beam-averaged |M|^2 (n,) at momenta ``p`` (n, 5, 4) [GeV] (:mod:`darkstrahl.gen.idm_amplitude`)."""
        m = self.model
        return ee_hp_chi1chi2_msq(
            p,
            m_Ap=m.m_Ap,
            m1=m.m_chi1,
            m2=m.m_chi2,
            g_e=m.g_e,
            g_chi=m.g_chi,
            g_hVV=m.g_hVV,
            k_hp=m.k_hp,
            gamma_Ap=self.width_Ap,
            diagrams=self.diagrams,
        )

    def integrand(self, p: NDArray) -> NDArray:
        """dsigma/dPhi [fb] = <|M|^2>/(2 s) (hbar c)^2."""
        return self.msq(p) * (GEV2_TO_FB / (2.0 * beam_s(p)))

    def integrand_and_helicity(self, p: NDArray, r: NDArray) -> tuple[NDArray, NDArray]:
        """:meth:`integrand` and helicity code 0 (spins are summed in the trace: no helicities recorded)."""
        return self.integrand(p), np.zeros(p.shape[0], dtype=np.int8)

    def helicities(self, codes: NDArray) -> NDArray:
        """All helicities 0 (summed, not recorded: LHE SPINUP 9)."""
        return np.zeros((codes.shape[0], len(self.layout)), dtype=np.int8)

    def decay(self, batch: EventBatch, rng: np.random.Generator, mode: str) -> EventBatch:
        """h' -> x+ x-, then chi2 -> chi1 l- l+ (``mode`` "all", "charged" or "none")."""
        if mode == "none":
            return batch
        charged = mode == "charged"
        return decay_chi2(decay_hp(batch, self.model, rng, charged), self.model, rng, charged)

    def summary(self) -> dict[str, Any]:
        return {
            "width_Ap_GeV": self.width_Ap,
            "ctau_hp_mm": ctau_hp_mm(self.model),
            "ctau_chi2_mm": ctau_chi2_mm(self.model),
            "diagrams": self.diagrams,
        }


def idm_model_from_section(m: Mapping[str, Any]) -> IdmModel:
    """The iDM point of a card's ``[model]`` section (``kind = "idm"``): m_hp, m_Ap, m_chi1, delta_m,
    alpha_D, eps, theta, the charges from ``preset`` (default "iDM-Duerr", which fixes q_Phi = 2 and
    q_chi = 1) or, with ``preset = "none"``, from q_Phi and q_chi; eps_convention, phi_widths (the h'
    width prescription) and general. Rule violations (hierarchy, charges, ranges) are
    :class:`~darkstrahl.errors.CardError` naming the key."""
    if m.get("kind") != "idm":
        raise CardError(f"model.kind: must be 'idm' for the iDM process (got {m.get('kind')!r})")
    for key in DARK_HIGGS_ONLY:
        if m.get(key) is not None:
            raise CardError(f"model.{key}: belongs to the dark-Higgs model; not allowed with kind = 'idm'")
    for key in IDM_REQUIRED:
        if m.get(key) is None:
            raise CardError(f"model.{key}: must be set for kind = 'idm'")
    params: dict[str, Any] = {k: m[k] for k in IDM_REQUIRED}
    params.update(
        eps_convention=m.get("eps_convention") or "photon",
        general=bool(m.get("general", False)),
    )
    if m.get("phi_widths") is not None:
        params["hp_widths"] = m["phi_widths"]
    preset = m.get("preset") or "iDM-Duerr"
    try:
        if preset != "none":
            fixed = PRESETS.get(preset, {})
            for key, value in fixed.items():
                if m.get(key) is not None and m[key] not in (1.0, value):
                    raise CardError(f"model.{key}: fixed to {value:g} by model.preset = {preset!r}")
            return IdmModel.from_preset(preset, **params)
        return IdmModel(q_Phi=m.get("q_Phi", 2.0), q_chi=m.get("q_chi", 1.0), **params)
    except ParameterError as exc:
        raise CardError(f"model.{exc.parameter}: {exc.rule} (got {exc.value!r})") from None


def build_idm(request: ProcessRequest) -> IdmProcess:
    """The iDM process of a run card (``[model] kind = "idm"``; ``[process] higgsstrahlung_only``,
    ``ap_width``)."""
    pr = request.section("process")
    hs = bool(pr.get("higgsstrahlung_only", False))
    return IdmProcess(
        idm_model_from_section(request.section("model")),
        sqrt_s=request.sqrt_s,
        diagrams=DIAGRAMS["higgsstrahlung" if hs else "all"],
        ap_width=pr.get("ap_width"),
        name=request.name,
    )
