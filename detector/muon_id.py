"""Muon identification efficiency of Belle II as a card table (issue 14 part 3; next_wave.md 1.2 item 2).

The seed (next_wave.md 1.2, selection item 2) identifies muons "KLM-based above p = 0.7 GeV, CDC+ECL below"
but publishes no efficiency. The table is therefore a card input (``[detector] muid_p_edges``,
``muid_efficiency``): efficiency eps_i for lab momenta p in [edge_i, edge_{i+1}) [GeV], the last bin open
upwards, zero below the first edge. Default (:data:`DEFAULT_P_EDGES`, :data:`DEFAULT_EFFICIENCY`) is an
ASSUMPTION, not a measurement: 0.50 below 0.7 GeV (no KLM: CDC dE/dx + ECL only), 0.80 on the KLM turn-on
0.7-1.0 GeV, 0.90 above 1 GeV (the plateau of a KLM-based selection at a ~few-% pion fake rate). Replace it by
the Belle II performance table (momentum and polar angle) of the data set when available; the efficiency is
applied per track, independently, either as a weight (product over the muons) or sampled with the detector's
random stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

DEFAULT_P_EDGES: tuple[float, ...] = (0.0, 0.7, 1.0)  #: GeV (lab momentum)
DEFAULT_EFFICIENCY: tuple[float, ...] = (0.50, 0.80, 0.90)  #: per bin (assumption, module docstring)


@dataclass(frozen=True)
class MuonIdTable:
    """Per-track muon identification efficiency vs lab momentum (module docstring). ``p_edges`` [GeV]
    increasing, one efficiency in [0, 1] per edge (bin [edge_i, edge_{i+1}), last bin open)."""

    p_edges: tuple[float, ...] = DEFAULT_P_EDGES
    efficiency: tuple[float, ...] = DEFAULT_EFFICIENCY

    def __post_init__(self) -> None:
        edges = np.asarray(self.p_edges, dtype=np.float64)
        if edges.ndim != 1 or edges.size < 1 or np.any(np.diff(edges) <= 0) or edges[0] < 0:
            raise ParameterError(
                "detector.muid_p_edges", "must be non-negative and strictly increasing", self.p_edges
            )
        if len(self.efficiency) != edges.size:
            raise ParameterError(
                "detector.muid_efficiency",
                "needs one value per momentum edge (detector.muid_p_edges)",
                self.efficiency,
            )
        if not all(0.0 <= e <= 1.0 for e in self.efficiency):
            raise ParameterError("detector.muid_efficiency", "values must lie in [0, 1]", self.efficiency)

    def __call__(self, p_lab: NDArray) -> NDArray:
        """Efficiency of tracks with lab four-momenta ``p_lab`` (..., 4) [GeV]."""
        p = np.linalg.norm(np.asarray(p_lab)[..., 1:], axis=-1)
        i = np.searchsorted(np.asarray(self.p_edges), p, side="right") - 1
        eff = np.asarray(self.efficiency)[np.clip(i, 0, None)]
        return np.where(i >= 0, eff, 0.0)

    def identified(self, p_lab: NDArray, rng: np.random.Generator) -> NDArray:
        """Sampled identification flags (..., ) of tracks ``p_lab`` (..., 4)."""
        eff = self(p_lab)
        return rng.random(eff.shape) < eff
