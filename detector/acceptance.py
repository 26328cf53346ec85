"""Lab-frame acceptance of Belle II (reference.md 7.2; basf2 AcceptanceVariables.cc and
ECLCluster::getDetectorRegion). Polar angles are measured from the lab z axis, in degrees.

Default (:class:`Acceptance`): charged tracks need 17 < theta < 150 deg (CDC); photons need to hit an ECL
region, forward 12.4-31.4, barrel 32.2-128.7 or backward 130.7-155.1 deg (the gaps 31.4-32.2 and
128.7-130.7 deg are not accepted), and a lab energy above ``photon_e_min`` = 0.1 GeV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: ECL region codes as in basf2 (1 forward, 2 barrel, 3 backward, 11 and 13 gaps, 0 outside).
ECL_FORWARD, ECL_BARREL, ECL_BACKWARD, ECL_GAP_FWD, ECL_GAP_BWD, ECL_OUTSIDE = 1, 2, 3, 11, 13, 0


@dataclass(frozen=True)
class Acceptance:
    """Acceptance configuration (angles in degrees, energies in GeV)."""

    cdc: tuple[float, float] = (17.0, 150.0)
    ecl_forward: tuple[float, float] = (12.4, 31.4)
    ecl_barrel: tuple[float, float] = (32.2, 128.7)
    ecl_backward: tuple[float, float] = (130.7, 155.1)
    photon_e_min: float = 0.1

    def track_accepted(self, p: NDArray) -> NDArray:
        """Charged track inside the CDC acceptance, for lab momenta p (..., 4)."""
        th = polar_angle_deg(p)
        return (th > self.cdc[0]) & (th < self.cdc[1])

    def ecl_region(self, p: NDArray) -> NDArray:
        """ECL region code of lab momenta p (..., 4) (see module constants)."""
        th = polar_angle_deg(p)
        out = np.full(th.shape, ECL_OUTSIDE, dtype=np.int8)
        for code, (lo, hi) in (
            (ECL_FORWARD, self.ecl_forward),
            (ECL_BARREL, self.ecl_barrel),
            (ECL_BACKWARD, self.ecl_backward),
        ):
            out[(th > lo) & (th < hi)] = code
        out[(th >= self.ecl_forward[1]) & (th <= self.ecl_barrel[0])] = ECL_GAP_FWD
        out[(th >= self.ecl_barrel[1]) & (th <= self.ecl_backward[0])] = ECL_GAP_BWD
        return out

    def photon_accepted(self, p: NDArray) -> NDArray:
        """Photon in an ECL region (not a gap) with lab energy above ``photon_e_min``."""
        region = self.ecl_region(p)
        return np.isin(region, (ECL_FORWARD, ECL_BARREL, ECL_BACKWARD)) & (p[..., 0] > self.photon_e_min)


def polar_angle_deg(p: NDArray) -> NDArray:
    """Polar angle from the z axis [deg] of four-momenta p (..., 4)."""
    return np.degrees(np.arctan2(np.hypot(p[..., 1], p[..., 2]), p[..., 3]))
