"""Reconstructed objects for lepton analyses (issue 14 part 3): tracks with muon identification, the
two-track trigger, ECL clusters and the nominal initial state, all in the lab frame, from any event batch.

Everything is read from the batch's layout (no process is named here):

* tracks: final-state slots (not incoming, no daughters in the layout) whose per-event PDG id is charged
  (e, mu, pi, K; the K_S counts as one object here) and that are visible, in slot order; lab momenta smeared
  with :func:`darkstrahl.detector.resolution.smear_track` (p_T resolution 0.1 % p_T (+) 0.3 %,
  next_wave.md 1.2) inside the CDC acceptance (``present`` False outside it);
* muon identification per track (:class:`~darkstrahl.detector.muon_id.MuonIdTable`, sampled; its efficiency
  as well, for weighting) for |PDG id| = 13, and no identification for other species (no fake rate modelled);
* the trigger (:class:`~darkstrahl.detector.trigger.TwoTrackTrigger`) on the reconstructed tracks;
* ECL clusters (:func:`~darkstrahl.detector.ecl.ecl_clusters`) of the final-state photon slots;
* the nominal initial state (sum of the nominal beams) in the lab, for recoil masses
  (:func:`darkstrahl.analysis.variables.recoil_mass_squared`): ISR photons count as missing.

Shapes: n events, kt track slots, kg photon slots; four-vectors (E, px, py, pz) in GeV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from darkstrahl.gen.events import EventBatch
from darkstrahl.gen.kinematics import cm_beams

from .acceptance import Acceptance
from .beams import transform
from .ecl import EclClusters, ecl_clusters
from .muon_id import MuonIdTable
from .resolution import smear_track
from .trigger import TwoTrackTrigger

CHARGED_IDS = (11, 13, 211, 321)
_MASSES = {11: 0.000510999, 13: 0.1056584, 211: 0.1395704, 321: 0.493677}


@dataclass(frozen=True)
class EventObjects:
    """Lab-frame objects of n events (module docstring)."""

    tracks: NDArray  #: (n, kt, 4) smeared lab momenta [GeV] (true ones where ``present`` is False)
    track_pdg: NDArray  #: (n, kt) PDG ids
    present: NDArray  #: (n, kt) the track exists and is inside the CDC acceptance
    muon_id: NDArray  #: (n, kt) identified as a muon (sampled)
    muon_id_efficiency: NDArray  #: (n, kt) its probability
    trigger_fired: NDArray  #: (n,) geometric trigger condition on the reconstructed tracks
    trigger_efficiency: NDArray  #: (n,) plateau where fired, else 0
    clusters: EclClusters
    initial: NDArray  #: (4,) or (n, 4) nominal initial state in the lab [GeV]
    track_slots: tuple[int, ...]
    weights: NDArray  #: (n,) event weights of the batch

    def track(self, slot_name: str, names: tuple[str, ...]) -> NDArray:
        """The (n, 4) track of the layout slot ``slot_name`` (``names``: the layout's slot names)."""
        return self.tracks[:, self.track_slots.index(names.index(slot_name))]


def event_objects(
    batch: EventBatch,
    lab: NDArray,
    cm_to_lab: NDArray,
    rng: np.random.Generator,
    acceptance: Acceptance,
    muon_id: MuonIdTable,
    trigger: TwoTrackTrigger,
) -> EventObjects:
    """The objects of ``batch`` with true lab momenta ``lab`` (n, k, 4) and its CM -> lab matrix (module
    docstring); ``rng`` draws the smearing and the identification."""
    layout = batch.layout
    n = len(batch)
    final = [
        j for j, s in enumerate(layout.slots) if not s.incoming and not layout.daughters(j) and s.visible
    ]
    ids = np.abs(batch.pdg[:, final]) if final else np.zeros((n, 0), dtype=np.int32)
    charged = np.isin(ids, CHARGED_IDS)
    track_cols = [c for c in range(len(final)) if np.any(charged[:, c])]
    track_slots = tuple(final[c] for c in track_cols)
    tracks = lab[:, list(track_slots)].copy()
    tpdg = batch.pdg[:, list(track_slots)]
    present = charged[:, track_cols] & acceptance.track_accepted(tracks)
    for c in range(len(track_slots)):
        sel = present[:, c]
        if np.any(sel):
            masses = np.vectorize(lambda i: _MASSES.get(int(i), 0.0))(np.abs(tpdg[sel, c]))
            tracks[sel, c] = smear_track(tracks[sel, c], masses, rng)
    eff = np.where(present & (np.abs(tpdg) == 13), muon_id(tracks), 0.0)
    mu_id = rng.random(eff.shape) < eff
    fired = trigger.geometric(tracks, present)
    photon_cols = [c for c in range(len(final)) if np.any(ids[:, c] == 22)]
    photon_slots = tuple(final[c] for c in photon_cols)
    clusters = ecl_clusters(
        lab[:, list(photon_slots)], acceptance, rng, photon_slots, ids[:, photon_cols] == 22
    )
    initial = transform(cm_beams(batch.sqrt_s, n if cm_to_lab.ndim == 3 else 1), cm_to_lab).sum(axis=1)
    return EventObjects(
        tracks=tracks,
        track_pdg=tpdg,
        present=present,
        muon_id=mu_id,
        muon_id_efficiency=eff,
        trigger_fired=fired,
        trigger_efficiency=np.where(fired, trigger.plateau, 0.0),
        clusters=clusters,
        initial=initial[0] if cm_to_lab.ndim == 2 else initial,
        track_slots=track_slots,
        weights=batch.weights,
    )
