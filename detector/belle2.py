"""The fast Belle II model: one entry point, :meth:`Belle2.simulate` (physics.md section 3).

``simulate(batch, rng)`` takes a centre-of-mass :class:`~darkstrahl.gen.events.EventBatch` of any process and
returns a :class:`~darkstrahl.detector.reconstructed.Reconstructed` record: lab-frame momenta with the
per-event CM -> lab transform, the decay vertex of every long-lived slot of the batch's layout and its region
probability, the analysis observables (E_gamma in the centre-of-mass frame, m_chichi) after the chosen
resolution mode, acceptance flags, and weights; the truth stays alongside. Everything the detector needs
to know about the event (incoming, visible, invisible and long-lived slots, masses, lifetimes) comes from
the layout.

Weights: event weight x the region factor of every long-lived slot (P(region) for method ``weight``; with
method ``sample`` the vertex is drawn inside the region and P is the weight) x 1/N per Gaussian copy
(N = ``n_copies``) x the acceptance flag when ``apply_acceptance``. A long-lived stand-in of a flat
background (``displaced = False``) has no displacement weight; its vertex is drawn inside the region. The
analysis observables are (physics.md 4): m_chichi = invariant mass of the initial state minus the visible
primary particles, E_gamma = the visible photon's energy in the centre-of-mass frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError
from darkstrahl.gen.events import EventBatch
from darkstrahl.gen.kinematics import cm_beams, invariant_mass_squared
from darkstrahl.gen.layout import Layout

from .acceptance import Acceptance
from .beams import Beams, transform
from .muon_id import MuonIdTable
from .objects import EventObjects, event_objects
from .reconstructed import Reconstructed
from .regions import (
    C_MM_PER_NS,
    REGIONS,
    Region,
    decay_probability,
    decay_vertex,
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
    smear_track,
)
from .trigger import TwoTrackTrigger

RESOLUTION_MODES = ("reference", "objects", "none")
VERTEX_MODES = ("weight", "sample")
_CHARGED = (11, 13, 211, 321, 310)  # K_S counts as its two tracks
_PHOTON_LIKE = (22, 111)


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
    muon_id: MuonIdTable = field(default_factory=MuonIdTable)
    trigger: TwoTrackTrigger = field(default_factory=TwoTrackTrigger)

    def __post_init__(self) -> None:
        if self.resolution not in RESOLUTION_MODES:
            raise ParameterError("detector.resolution", f"must be one of {RESOLUTION_MODES}", self.resolution)
        if self.vertex_mode not in VERTEX_MODES:
            raise ParameterError("detector.vertex_mode", f"must be one of {VERTEX_MODES}", self.vertex_mode)
        if self.n_copies < 1:
            raise ParameterError("detector.n_copies", "must be >= 1", self.n_copies)

    def transforms(self, batch: EventBatch, rng: np.random.Generator | None = None) -> NDArray:
        """The CM -> lab Lorentz matrices of ``batch``: (n, 4, 4) with the energy spread, else (4, 4)."""
        if batch.frame != "cm":
            raise ParameterError("frame", "simulate() takes centre-of-mass events", batch.frame)
        if (self.beams.spread_her > 0 or self.beams.spread_ler > 0) and rng is not None:
            return self.beams.cm_to_lab_per_event(rng, len(batch))
        return self.beams.cm_to_lab()

    def to_lab(self, batch: EventBatch, rng: np.random.Generator | None = None) -> NDArray:
        """Lab momenta (n, k, 4) of a centre-of-mass batch (per-event transforms with energy spread)."""
        return transform(batch.momenta, self.transforms(batch, rng))

    def simulate(self, batch: EventBatch, rng: np.random.Generator, vertices: bool = True) -> Reconstructed:
        """Lab frame, decay vertices and region weights, acceptance and resolution for ``batch``.

        ``vertices = False`` (the scans: they need the decay lengths and region weights, not the vertices)
        skips the vertex positions (``vertices_lab`` is NaN) and their random numbers; the transverse radii
        of ``vertex_mode = "sample"`` that the theta reweighting uses are still drawn."""
        n = len(batch)
        layout = batch.layout
        lam = self.transforms(batch, rng)
        lab = transform(batch.momenta, lam)
        m_true, e_true = missing_mass_and_photon_energy(layout, batch.momenta, batch.sqrt_s)
        n_ll = len(layout.long_lived)
        vertex_lab = np.full((n, n_ll, 4), 0.0 if vertices else np.nan)
        d = np.zeros((n, n_ll))
        prob = np.ones((n, n_ll))
        region_weight = np.ones(n)
        r_t = np.full((n, n_ll), np.nan)
        for c, ll in enumerate(layout.long_lived):
            slot = layout.slots[ll.slot]
            p = lab[:, ll.slot]
            d[:, c] = transverse_decay_length(np.hypot(p[:, 1], p[:, 2]), slot.mass, ll.lifetime.ctau_mm())
            sampled = not ll.displaced or self.vertex_mode == "sample"
            if sampled and (vertices or ll.displaced):
                r_t[:, c] = sample_transverse_radius(d[:, c], self.region, rng)
            if vertices:
                if sampled:
                    v = decay_vertex(p, slot.mass, r_t[:, c])
                else:
                    ct = batch.ct_mm[:, c]
                    ct = np.where(np.isnan(ct), -ll.lifetime.ctau_mm() * np.log1p(-rng.random(n)), ct)
                    v = vertex_from_proper_length(p, slot.mass, ct)
                vertex_lab[:, c] = np.column_stack([v[:, :3], v[:, 3] * C_MM_PER_NS])
            if ll.displaced:
                prob[:, c] = decay_probability(d[:, c], self.region)
                region_weight = region_weight * prob[:, c]
        rec = Reconstructed(
            layout=layout,
            lab_momenta=lab,
            cm_to_lab=lam,
            m_chichi_true=m_true,
            e_gamma_true=e_true,
            vertices_lab=vertex_lab,
            d_mm=d,
            region_probability=prob,
            region_weight=region_weight,
            accepted=self._accepted(batch, lab),
            event_weight=batch.weights.copy(),
            region=self.region,
            resolution=self.resolution,
            r_t=None if np.all(np.isnan(r_t)) else r_t,
            n_copies=self.n_copies if self.resolution != "none" else 1,
            apply_acceptance=self.apply_acceptance,
            couplings=layout.couplings,
            _rng=rng,
        )
        if self.resolution == "objects":
            event = np.repeat(np.arange(n), self.n_copies)
            rec._copies = (event, *self._objects(batch, lab, lam, event, rng))
        return rec

    def objects(self, batch: EventBatch, rng: np.random.Generator) -> EventObjects:
        """Lab tracks with muon identification, the two-track trigger, ECL clusters and the nominal initial
        state of ``batch`` (:mod:`darkstrahl.detector.objects`), read from its layout."""
        lam = self.transforms(batch, rng)
        return event_objects(
            batch, transform(batch.momenta, lam), lam, rng, self.acceptance, self.muon_id, self.trigger
        )

    # ------------------------------------------------------------------ internals
    def _accepted(self, batch: EventBatch, lab: NDArray) -> NDArray:
        """Visible photons in the ECL and the decay products of visible long-lived particles accepted:
        charged in the CDC, photon-like in the ECL (an undecayed particle or K_L pairs count as accepted)."""
        layout = batch.layout
        ok = np.ones(len(batch), dtype=bool)
        for j in layout.primary(visible=True):
            if layout.slots[j].pdg == 22:
                ok &= self.acceptance.photon_accepted(lab[:, j])
            for k in layout.daughters(j):
                ids = np.abs(batch.pdg[:, k])
                trk = np.isin(ids, _CHARGED)
                pho = np.isin(ids, _PHOTON_LIKE)
                ok &= np.where(
                    trk,
                    self.acceptance.track_accepted(lab[:, k]),
                    np.where(pho, self.acceptance.photon_accepted(lab[:, k]), True),
                )
        return ok

    def _objects(
        self, batch: EventBatch, lab: NDArray, lam: NDArray, event: NDArray, rng: np.random.Generator
    ) -> tuple[NDArray, NDArray]:
        """Smear the visible particles of every copy in the lab, then m_chichi = |P_initial - visible|
        and E_gamma from the smeared photon boosted back to the centre-of-mass frame."""
        layout = batch.layout
        n_copy = len(event)
        p_lab = lab[event]
        visible = np.zeros((n_copy, 4))
        e_rec = np.full(n_copy, np.nan)
        # the photon last, as the reference record was drawn
        for j in sorted(layout.primary(visible=True), key=lambda s: layout.slots[s].pdg == 22):
            slot = layout.slots[j]
            if slot.pdg == 22:
                gam = smear_photon(p_lab[:, j], rng)
                visible += gam
                back = np.linalg.inv(lam)[event] if lam.ndim == 3 else np.linalg.inv(lam)
                e_rec = transform(gam[:, None, :], back)[:, 0, 0]
                continue
            daughters = layout.daughters(j)
            decayed = np.zeros(n_copy, dtype=bool)
            if daughters:
                decayed = np.all([batch.pdg[event, k] != 0 for k in daughters], axis=0)
            if np.any(decayed):
                for k in daughters:
                    ids = batch.pdg[event[decayed], k]
                    masses = _masses(layout, k, ids)
                    visible[decayed] += self._smear_by_type(p_lab[decayed, k], np.abs(ids), masses, rng)
            undecayed = ~decayed
            if np.any(undecayed):  # the undecayed particle as one track-like object
                m = np.sqrt(np.maximum(invariant_mass_squared(p_lab[undecayed, j]), 0.0))
                visible[undecayed] += smear_track(p_lab[undecayed, j], m, rng)
        # the known initial state: the nominal beams (with ISR the event's incoming e+e- carry less energy)
        nominal = transform(cm_beams(batch.sqrt_s, len(batch)), lam)
        initial = nominal[event].sum(axis=1)
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


def _masses(layout: Layout, slot: int, ids: NDArray) -> NDArray:
    """Masses [GeV] of the particles with PDG ids ``ids`` in ``slot``."""
    uniq, inverse = np.unique(ids, return_inverse=True)
    return np.array([layout.slots[slot].mass_of(int(u)) for u in uniq])[inverse]


def missing_mass_and_photon_energy(layout: Layout, p: NDArray, sqrt_s: float) -> tuple[NDArray, NDArray]:
    """Truth observables in the centre-of-mass frame: the missing mass [GeV] of the nominal initial state
    (beams of total energy sqrt_s, as an experiment knows it; ISR photons escape and count as missing) minus
    the visible primaries, and the energy [GeV] of the visible photon (NaN when the layout has none)."""
    visible = layout.primary(visible=True)
    miss = cm_beams(sqrt_s, p.shape[0]).sum(axis=1) - p[:, list(visible)].sum(axis=1)
    m = np.sqrt(np.maximum(invariant_mass_squared(miss), 0.0))
    photons = [j for j in visible if layout.slots[j].pdg == 22]
    e = p[:, photons[0], 0].copy() if len(photons) == 1 else np.full(p.shape[0], np.nan)
    return m, e
