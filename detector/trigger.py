"""Two-track trigger emulation of the Belle II A'h' search (issue 14 part 3; next_wave.md 1.2 "Trigger").

The trigger fires when at least one pair of charged tracks has both polar angles in
``theta_min`` < theta < ``theta_max`` (37-120 deg, lab frame) and an azimuthal opening angle
Delta phi > ``dphi_min`` (90 deg); Delta phi in [0, 180] deg. Above that geometric condition its efficiency
is the plateau ``plateau`` (89 %, measured by the seed in mu mu (gamma) for Delta phi > 90 deg; card key
``[detector] trigger_efficiency``). The Bhabha veto of the seed (ECL energy pattern) is not emulated: it
does not act on mu mu final states.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

from .acceptance import polar_angle_deg


@dataclass(frozen=True)
class TwoTrackTrigger:
    """Angles in degrees (lab), ``plateau`` in [0, 1] (module docstring)."""

    theta_min: float = 37.0
    theta_max: float = 120.0
    dphi_min: float = 90.0
    plateau: float = 0.89

    def __post_init__(self) -> None:
        if not 0.0 <= self.theta_min < self.theta_max <= 180.0:
            raise ParameterError(
                "detector.trigger_theta",
                "need 0 <= theta_min < theta_max <= 180 deg",
                (self.theta_min, self.theta_max),
            )
        if not 0.0 <= self.dphi_min < 180.0:
            raise ParameterError("detector.trigger_dphi_min", "must lie in [0, 180) deg", self.dphi_min)
        if not 0.0 <= self.plateau <= 1.0:
            raise ParameterError("detector.trigger_efficiency", "must lie in [0, 1]", self.plateau)

    def geometric(self, tracks: NDArray, present: NDArray | None = None) -> NDArray:
        """Whether some pair of the tracks (n, k, 4) [GeV, lab] (``present`` (n, k): which exist) passes the
        angular condition; (n,) bool."""
        tracks = np.asarray(tracks)
        n, k = tracks.shape[:2]
        present = np.ones((n, k), dtype=bool) if present is None else np.asarray(present, dtype=bool)
        theta = polar_angle_deg(tracks)
        inside = present & (theta > self.theta_min) & (theta < self.theta_max)
        phi = np.degrees(np.arctan2(tracks[..., 2], tracks[..., 1]))
        fired = np.zeros(n, dtype=bool)
        for a, b in combinations(range(k), 2):
            dphi = np.abs(phi[:, a] - phi[:, b]) % 360.0
            dphi = np.minimum(dphi, 360.0 - dphi)
            fired |= inside[:, a] & inside[:, b] & (dphi > self.dphi_min)
        return fired

    def efficiency(self, tracks: NDArray, present: NDArray | None = None) -> NDArray:
        """Trigger efficiency per event (n,): the plateau where :meth:`geometric` holds, else 0."""
        return np.where(self.geometric(tracks, present), self.plateau, 0.0)
