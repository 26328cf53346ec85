"""The fast Belle II model: one entry point, :meth:`Belle2.simulate` (physics.md section 3).

``simulate(batch, model, rng)`` takes a centre-of-mass :class:`~darkstrahl.gen.events.EventBatch` (signal or
background) and returns a :class:`Reconstructed` record: lab-frame momenta, the phi decay vertex and its
region probability, the analysis observables (E_gamma in the centre-of-mass frame, m_chichi) after the
chosen resolution mode, acceptance flags, and weights; the truth stays alongside.

Weights: event weight x P(region) (method ``weight``, or method ``sample`` with the vertex drawn inside the
region) x 1/N per Gaussian copy (N = ``n_copies``) x the acceptance flag when ``apply_acceptance``.
The analysis observables are (physics.md 4): m_chichi = invariant mass of p(e-) + p(e+) - p(phi) [- p(gamma)],
E_gamma = photon energy in the centre-of-mass frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError
from darkstrahl.gen.decays import DAUGHTER_MASS_TABLE, DECAY_MODES
from darkstrahl.gen.events import EventBatch
from darkstrahl.gen.kinematics import invariant_mass_squared
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.widths import phi_widths

from .acceptance import Acceptance
from .beams import Beams, transform
from .regions import (
    REGIONS,
    Region,
    decay_probability,
    decay_vertex,
    reweight_factor,
    sample_transverse_radius,
    transverse_decay_length,
    vertex_from_proper_length,
)
from .resolution import (
    NEUTRAL_HADRON_ANGLE,
    NEUTRAL_HADRON_E,
    ecl_relative_resolution,
    smear_calorimetric,
    smear_photon,
    smear_positive,
    smear_track,
)

RESOLUTION_MODES = ("reference", "objects", "none")
VERTEX_MODES = ("weight", "sample")
_CHARGED = (11, 13, 211, 321, 310)  # K_S counts as its two tracks
_PHOTON_LIKE = (22, 111)


@dataclass
class Reconstructed:
    """Reconstructed events (structure of arrays). Per-copy arrays have length N = n_events x n_copies and
    ``event`` maps each copy to its event; per-event arrays have length n_events."""

    channel: str  # "phi" or "gamma_phi"
    event: NDArray[np.int64]  # (N,) event index of each copy
    weight: NDArray[np.float64]  # (N,) full weight (event weight x region x 1/N [x acceptance])
    m_chichi: NDArray[np.float64]  # (N,) [GeV] after resolution
    e_gamma: NDArray[np.float64]  # (N,) [GeV], CM frame, after resolution (NaN for the phi channel)
    # per event
    lab_momenta: NDArray[np.float64]  # (n, k, 4) [GeV], truth in the lab
    m_chichi_true: NDArray[np.float64]  # (n,) [GeV]
    e_gamma_true: NDArray[np.float64]  # (n,) [GeV], CM frame
    phi_vertex: NDArray[np.float64]  # (n, 4): x, y, z [mm], t [ns] in the lab
    d_mm: NDArray[np.float64]  # (n,) mean transverse decay distance p_T c tau / m [mm]
    region_probability: NDArray[np.float64]  # (n,) P(region)
    region_weight: NDArray[np.float64]  # (n,) the region factor in the weight (P, or its sampled equivalent)
    accepted: NDArray[np.bool_]  # (n,) lab acceptance flags
    event_weight: NDArray[np.float64]  # (n,) generator weight (fb per event for weighted samples)
    region: Region = field(default_factory=lambda: REGIONS["displaced"])
    r_t: NDArray[np.float64] | None = None  # (n,) sampled transverse radius (vertex mode "sample")
    n_copies: int = 1
    theta: float = math.nan
    apply_acceptance: bool = False
    background: bool = False  # flat-phase-space background: no displacement weight, theta-independent

    def __len__(self) -> int:
        return int(self.weight.shape[0])

    def reweighted(self, model: DarkModel) -> Reconstructed:
        """The same events for another theta (or any change of c tau and the cos^2 theta of the rate):
        region weights re-computed from the stored kinematics, nothing regenerated."""
        if self.background:
            return replace(self, theta=model.theta)
        ctau_new = phi_widths(model).ctau_mm
        ctau_old = phi_widths(model.with_theta(self.theta)).ctau_mm
        d_new = self.d_mm * (ctau_new / ctau_old)
        factor = reweight_factor(self.d_mm, d_new, self.region, self.r_t)
        factor = factor * (math.cos(model.theta) / math.cos(self.theta)) ** 2
        rw = self.region_weight * factor
        return replace(
            self,
            weight=self.weight * factor[self.event],
            d_mm=d_new,
            region_probability=decay_probability(d_new, self.region),
            region_weight=rw,
            theta=model.theta,
        )


@dataclass(frozen=True)
class Belle2:
    """Fast Belle II configuration (card section ``[detector]`` and ``[beams]``)."""

    beams: Beams = field(default_factory=Beams)
    region: Region = field(default_factory=lambda: REGIONS["displaced"])
    vertex_mode: str = "weight"
    resolution: str = "reference"
    n_copies: int = 100
    acceptance: Acceptance = field(default_factory=Acceptance)
    apply_acceptance: bool = False

    def __post_init__(self) -> None:
        if self.resolution not in RESOLUTION_MODES:
            raise ParameterError("detector.resolution", f"must be one of {RESOLUTION_MODES}", self.resolution)
        if self.vertex_mode not in VERTEX_MODES:
            raise ParameterError("detector.vertex_mode", f"must be one of {VERTEX_MODES}", self.vertex_mode)
        if self.n_copies < 1:
            raise ParameterError("detector.n_copies", "must be >= 1", self.n_copies)

    def to_lab(self, batch: EventBatch, rng: np.random.Generator | None = None) -> NDArray:
        """Lab momenta (n, k, 4) of a centre-of-mass batch (per-event transforms with energy spread)."""
        if batch.frame != "cm":
            raise ParameterError("frame", "simulate() takes centre-of-mass events", batch.frame)
        if (self.beams.spread_her > 0 or self.beams.spread_ler > 0) and rng is not None:
            return transform(batch.momenta, self.beams.cm_to_lab_per_event(rng, len(batch)))
        return transform(batch.momenta, self.beams.cm_to_lab())

    def simulate(self, batch: EventBatch, model: DarkModel, rng: np.random.Generator) -> Reconstructed:
        """Lab frame, phi vertex and region weight, acceptance and resolution for ``batch``."""
        n = len(batch)
        lab = self.to_lab(batch, rng)
        ip = batch.phi_index
        channel = "gamma_phi" if 22 in batch.pdg[0] else "phi"
        p = batch.momenta
        # truth observables (centre-of-mass frame)
        beams_cm = p[:, 0] + p[:, 1]
        visible = p[:, ip] + (p[:, 2] if channel == "gamma_phi" else 0.0)
        m_true = np.sqrt(np.maximum(invariant_mass_squared(beams_cm - visible), 0.0))
        e_true = p[:, 2, 0] if channel == "gamma_phi" else np.full(n, np.nan)
        # phi decay position and region
        ctau = phi_widths(model).ctau_mm
        phi_lab = lab[:, ip]
        pt = np.hypot(phi_lab[:, 1], phi_lab[:, 2])
        d = transverse_decay_length(pt, model.m_phi, ctau)
        prob = decay_probability(d, self.region)
        r_t = None
        background = batch.process.startswith("bkg_")
        if background:
            # physics.md: the background's phi stands for a displaced pair assumed inside the region:
            # no displacement weight; its vertex is drawn inside the region for a realistic record
            prob = np.ones(n)
            r_t = sample_transverse_radius(d, self.region, rng)
            vertex = decay_vertex(phi_lab, model.m_phi, r_t)
        elif self.vertex_mode == "sample":
            r_t = sample_transverse_radius(d, self.region, rng)
            vertex = decay_vertex(phi_lab, model.m_phi, r_t)
        else:
            ct = batch.phi_ctau_mm
            ct = np.where(np.isnan(ct), -ctau * np.log1p(-rng.random(n)), ct)
            vertex = vertex_from_proper_length(phi_lab, model.m_phi, ct)
        accepted = self._accepted(batch, lab, channel)
        # resolution
        k = self.n_copies if self.resolution != "none" else 1
        event = np.repeat(np.arange(n), k)
        if self.resolution == "reference":
            m_rec = smear_positive(m_true[event], ecl_relative_resolution(m_true[event]), rng)
            e_rec = (
                smear_positive(e_true[event], ecl_relative_resolution(e_true[event]), rng)
                if channel == "gamma_phi"
                else np.full(n * k, np.nan)
            )
        elif self.resolution == "objects":
            m_rec, e_rec = self._objects(batch, lab, channel, event, rng)
        else:
            m_rec, e_rec = m_true[event], e_true[event]
        base = batch.weights * prob
        if self.apply_acceptance:
            base = base * accepted
        return Reconstructed(
            channel=channel,
            event=event,
            weight=base[event] / k,
            m_chichi=m_rec,
            e_gamma=e_rec,
            lab_momenta=lab,
            m_chichi_true=m_true,
            e_gamma_true=e_true,
            phi_vertex=vertex,
            d_mm=d,
            region_probability=prob,
            region_weight=prob.copy(),
            accepted=accepted,
            background=background,
            event_weight=batch.weights.copy(),
            region=self.region,
            r_t=r_t,
            n_copies=k,
            theta=model.theta,
            apply_acceptance=self.apply_acceptance,
        )

    # ------------------------------------------------------------------ internals
    def _accepted(self, batch: EventBatch, lab: NDArray, channel: str) -> NDArray:
        """Photon in the ECL (gamma_phi) and both phi daughters accepted: charged in the CDC, photon-like
        in the ECL (an undecayed phi or K_L pairs count as accepted only through the photon)."""
        ok = np.ones(len(batch), dtype=bool)
        if channel == "gamma_phi":
            ok &= self.acceptance.photon_accepted(lab[:, 2])
        if _has_daughters(batch):
            for j in (-2, -1):
                ids = np.abs(batch.pdg[:, j])
                trk = np.isin(ids, _CHARGED)
                pho = np.isin(ids, _PHOTON_LIKE)
                ok &= np.where(
                    trk,
                    self.acceptance.track_accepted(lab[:, j]),
                    np.where(pho, self.acceptance.photon_accepted(lab[:, j]), True),
                )
        return ok

    def _objects(
        self, batch: EventBatch, lab: NDArray, channel: str, event: NDArray, rng: np.random.Generator
    ) -> tuple[NDArray, NDArray]:
        """Smear the visible particles of every copy in the lab, then m_chichi = |P_initial - visible|
        and E_gamma from the smeared photon boosted back to the centre-of-mass frame."""
        n_copy = len(event)
        ip = batch.phi_index
        p_lab = lab[event]
        visible = np.zeros((n_copy, 4))
        mode = batch.decay_mode[event]
        decayed = (mode >= 0) & (mode != DECAY_MODES.index("other")) & _has_daughters(batch)
        # phi daughters, or the undecayed phi as one track-like object
        if np.any(decayed):
            masses = DAUGHTER_MASS_TABLE[mode[decayed]]
            for j in (-2, -1):
                ids = np.abs(batch.pdg[event[decayed], j])
                visible[decayed] += self._smear_by_type(p_lab[decayed, j], ids, masses, rng)
        undecayed = ~decayed
        if np.any(undecayed):
            m_phi = np.sqrt(np.maximum(invariant_mass_squared(p_lab[undecayed, ip]), 0.0))
            visible[undecayed] += smear_track(p_lab[undecayed, ip], m_phi, rng)
        e_rec = np.full(n_copy, np.nan)
        if channel == "gamma_phi":
            gam = smear_photon(p_lab[:, 2], rng)
            visible += gam
            e_rec = transform(gam[:, None, :], self.beams.lab_to_cm())[:, 0, 0]
        initial = p_lab[:, 0] + p_lab[:, 1]  # the known initial state (the beams of the event)
        m2 = invariant_mass_squared(initial - visible)
        return np.sign(m2) * np.sqrt(np.abs(m2)), e_rec

    @staticmethod
    def _smear_by_type(p: NDArray, ids: NDArray, masses: NDArray, rng: np.random.Generator) -> NDArray:
        out = p.copy()
        trk = np.isin(ids, _CHARGED)
        pho = np.isin(ids, _PHOTON_LIKE)
        kl = ids == 130
        if np.any(trk):
            out[trk] = smear_track(p[trk], masses[trk], rng)
        if np.any(pho):
            out[pho] = smear_calorimetric(p[pho], masses[pho], ecl_relative_resolution(p[pho, 0]), 5e-3, rng)
        if np.any(kl):
            out[kl] = smear_calorimetric(
                p[kl], masses[kl], np.full(int(kl.sum()), NEUTRAL_HADRON_E), NEUTRAL_HADRON_ANGLE, rng
            )
        return out


def _has_daughters(batch: EventBatch) -> bool:
    """Whether the batch layout carries the two phi daughters (phi_index + 5 particles)."""
    return batch.n_particles == batch.phi_index + 5
