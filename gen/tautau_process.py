"""The generated SM background e+e- -> tau+ tau- -> mu+ mu- + 4 nu (issue 14 part 2b; next_wave.md 1.3
item 6a) as a :class:`~darkstrahl.gen.process.MultichannelProcess`, so that
:class:`~darkstrahl.gen.isr_process.IsrProcess` adds collinear ISR.

Hard process: the Born e+e- -> gamma* -> tau+ tau- with the tau mass (HELAS |M|^2 of
:func:`~darkstrahl.gen.sm_mumu.born_msq`, dsigma/dOmega = (alpha^2 b/4s)[1 + c^2 + (1 - b^2) sin^2]) on the
2 -> 2 phase space of :func:`~darkstrahl.gen.mumu_process.lepton_pair_phase_space`, times
BR(tau -> mu nu nubar)^2 (:func:`~darkstrahl.gen.sm_tau.tau_to_mu_branching_ratio`): the integrand is
dsigma(tau tau -> mu mu 4 nu)/dPhi_2 [fb], so sigma is the rate of the dimuon final state.

Decays (:meth:`TauTauProcess.decay`, modes "all"/"charged"; "none" keeps the taus): both taus to
mu nu nubar with the V-A matrix element of :mod:`darkstrahl.gen.sm_tau`, in the tau-pair CM frame (reached
from the event frame by the pure boost of the pair momentum; with ISR the pair frame is the hard CM frame
and the e- beam stays along +z), with the Born spin correlation C_ij(c, s_hat) (``spin_correlations``) or
independent isotropic decays, then boosted back. FSR off the muons and radiative tau decays are not
included (the photon-inclusive rate is unchanged at O(alpha) by the KLN theorem for the tau decay; the
O(alpha) ISR is in the structure function).

Event record: e- e+ tau- tau+ (4 slots); after decays tau- -> mu- nubar_mu nu_tau and tau+ -> mu+ nu_mu
nubar_tau are appended (slots 4-6, 7-9, mothers the taus, neutrinos invisible), taus status 2.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

from .constants import GEV2_TO_FB, M_MU, M_TAU
from .events import EventBatch
from .kinematics import beam_s, boost_many
from .layout import Layout, Row, Slot, primary_rows
from .mumu_process import LPRUP_SM, lepton_pair_phase_space
from .phasespace import PhaseSpace
from .process import ProcessRequest
from .sm_mumu import born_msq
from .sm_tau import decay_tau_pair, tau_to_mu_branching_ratio

#: Daughters of tau- and tau+ in the order of :func:`~darkstrahl.gen.sm_tau.decay_tau_pair` (name, PDG, mass
#: [GeV], visible).
_DAUGHTERS = (
    (("mu-", 13, M_MU, True), ("nubar_mu", -14, 0.0, False), ("nu_tau", 16, 0.0, False)),
    (("mu+", -13, M_MU, True), ("nu_mu", 14, 0.0, False), ("nubar_tau", -16, 0.0, False)),
)


@dataclass(frozen=True)
class TauTauProcess:
    """e+e- -> tau+ tau- -> mu+ mu- 4 nu at ``sqrt_s`` [GeV] (module docstring); ``m_min`` [GeV]: lower cut on
    the tau-pair mass sqrt(s_hat) (with ISR; the threshold 2 m_tau if lower)."""

    name: str = "tautau"
    sqrt_s: float = 10.58
    spin_correlations: bool = True
    m_min: float = 0.0
    sampling = "multichannel"

    def __post_init__(self) -> None:
        if not self.sqrt_s > max(2.0 * M_TAU, self.m_min):
            raise ParameterError("run.sqrt_s", "must exceed 2 m_tau and process.m_ll_min", self.sqrt_s)

    @cached_property
    def br2(self) -> float:
        """BR(tau -> mu nu nubar)^2 (tree-level width over the PDG total width)."""
        return tau_to_mu_branching_ratio() ** 2

    @cached_property
    def layout(self) -> Layout:
        slots = (
            Slot("e-", 11, 0.0, incoming=True),
            Slot("e+", -11, 0.0, incoming=True),
            Slot("tau-", 15, M_TAU),
            Slot("tau+", -15, M_TAU),
        )
        return Layout(self.name, "dimuon", slots, primary_rows(slots), lprup=LPRUP_SM["tautau"])

    @cached_property
    def decayed_layout(self) -> Layout:
        """The record with the six decay products appended (module docstring)."""
        base = self.layout
        slots, rows = list(base.slots), list(base.rows)
        for tau, daughters in zip((2, 3), _DAUGHTERS, strict=True):
            line = base.row_of_slot(tau) + 1
            for name, pdg, mass, visible in daughters:
                rows.append(Row((len(slots),), (line, line)))
                slots.append(Slot(name, pdg, mass, mother=tau, visible=visible))
        return replace(base, slots=tuple(slots), rows=tuple(rows))

    @cached_property
    def phase_space(self) -> PhaseSpace:
        return lepton_pair_phase_space(self.sqrt_s, M_TAU, self.m_min)

    def integrand(self, p: NDArray) -> NDArray:
        """dsigma(tau tau -> mu mu 4 nu)/dPhi_2 [fb] = |M_Born|^2 BR^2 / (2 s) (hbar c)^2."""
        s = beam_s(p)
        return born_msq(np.ascontiguousarray(p), M_TAU) * self.br2 * GEV2_TO_FB / (2.0 * s)

    def integrand_and_helicity(self, p: NDArray, r: NDArray) -> tuple[NDArray, NDArray]:
        return self.integrand(p), np.zeros(p.shape[0], dtype=np.int64)

    def helicities(self, codes: NDArray) -> NDArray:
        return np.zeros((codes.shape[0], len(self.layout)), dtype=np.int8)

    def summary(self) -> dict[str, Any]:
        return {"br_tau_to_mu": tau_to_mu_branching_ratio(), "spin_correlations": self.spin_correlations}

    def decay(self, batch: EventBatch, rng: np.random.Generator, mode: str) -> EventBatch:
        """Both taus to mu nu nubar (module docstring); ``mode`` "none" leaves the taus undecayed."""
        if mode == "none":
            return batch
        n = len(batch)
        taus = batch.momenta[:, 2:4]
        frame = np.ascontiguousarray(taus.sum(axis=1))
        rs = np.sqrt(np.maximum(frame[:, 0] ** 2 - np.sum(frame[:, 1:] ** 2, axis=1), 0.0))
        inverse = frame * np.array([1.0, -1.0, -1.0, -1.0])
        t_cm = boost_many(np.ascontiguousarray(taus[:, 0]), inverse)
        direction = t_cm[:, 1:] / np.linalg.norm(t_cm[:, 1:], axis=1, keepdims=True)
        pair = decay_tau_pair(rng, direction, rs, self.spin_correlations)
        products = np.stack(
            [boost_many(np.ascontiguousarray(pair[:, j]), frame) for j in range(2, 8)], axis=1
        )
        layout = self.decayed_layout
        status = np.concatenate([batch.status, np.ones((n, 6), dtype=np.int8)], axis=1)
        status[:, 2:4] = 2
        pdg = np.tile(np.array(layout.pdg, dtype=batch.pdg.dtype), (n, 1))
        return replace(
            batch,
            layout=replace(layout, extra=batch.layout.extra),
            momenta=np.concatenate([batch.momenta, products], axis=1),
            pdg=pdg,
            status=status,
            helicities=np.concatenate([batch.helicities, np.zeros((n, 6), dtype=np.int8)], axis=1),
        )


def build_tautau(request: ProcessRequest) -> TauTauProcess:
    """The tau tau background of a run card (``[process]`` keys tau_spin_correlations, m_ll_min)."""
    pr = request.section("process")
    return TauTauProcess(
        request.name,
        request.sqrt_s,
        spin_correlations=pr.get("tau_spin_correlations", True),
        m_min=pr.get("m_ll_min", 0.0),
    )
