"""ECL clusters of photons for the photon vetoes of the A'h' search (issue 14 part 3; next_wave.md 1.2 items
5-7).

A photon of the event record makes a cluster when it hits an ECL region (not a gap) with a lab energy above
the cluster threshold (:meth:`darkstrahl.detector.acceptance.Acceptance.photon_accepted`, 0.1 GeV as the
seed's photon definition). Cluster energies and directions are smeared with the ECL resolution of
:func:`darkstrahl.detector.resolution.smear_photon` (reference.md 7). The collinear ISR photons of
:mod:`darkstrahl.gen.isr_process` are not slots of the record (HepMC3 writes them along the beams): they
escape down the beam pipe, outside the ECL (12.4-155.1 deg), and never make a cluster; an explicit photon
slot (FSR, a radiative background) is treated like any photon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .acceptance import Acceptance
from .resolution import smear_photon


@dataclass(frozen=True)
class EclClusters:
    """Clusters of the photon slots: ``momenta`` (n, k, 4) [GeV, lab, smeared; zero where not detected],
    ``detected`` (n, k) bool, ``slots`` the layout slots they come from."""

    momenta: NDArray
    detected: NDArray
    slots: tuple[int, ...]

    @property
    def total_energy(self) -> NDArray:
        """Summed energy of the detected clusters per event (n,) [GeV]."""
        return np.sum(np.where(self.detected, self.momenta[..., 0], 0.0), axis=-1)

    @property
    def count(self) -> NDArray:
        """Number of clusters per event (n,)."""
        return np.sum(self.detected, axis=-1)


def ecl_clusters(
    photons_lab: NDArray,
    acceptance: Acceptance,
    rng: np.random.Generator | None,
    slots: tuple[int, ...] = (),
    present: NDArray | None = None,
) -> EclClusters:
    """Clusters of the photons ``photons_lab`` (n, k, 4) [GeV, lab] (``present`` (n, k): which exist); no
    smearing when ``rng`` is None. Acceptance is decided on the true photon, as the ECL geometry is."""
    photons_lab = np.asarray(photons_lab, dtype=np.float64)
    n, k = photons_lab.shape[:2]
    detected = acceptance.photon_accepted(photons_lab)
    if present is not None:
        detected &= np.asarray(present, dtype=bool)
    out = np.where(detected[..., None], photons_lab, 0.0)
    if rng is not None and k:
        flat = out.reshape(n * k, 4)
        mask = detected.reshape(n * k)
        flat[mask] = smear_photon(flat[mask], rng)
        out = flat.reshape(n, k, 4)
    return EclClusters(out, detected, slots)
