"""Event batches: structure-of-arrays containers for generated events.

An :class:`EventBatch` holds n events of one process with a fixed particle layout:

* ``momenta`` (n, k, 4) float64 [GeV], (E, px, py, pz), centre-of-mass frame unless ``frame == "lab"``;
* ``pdg`` (n, k) int32 PDG ids (0 marks an empty slot, e.g. the daughters of an undecayed phi);
* ``status`` (n, k) int8 in the Les Houches sense: -1 incoming, 1 final, 2 decayed intermediate;
* ``mothers`` (k,) int8: index of each particle's mother (-1 for beams and primary products);
* ``helicities`` (n, k) int8 (+-1; 0 where not meaningful: scalars, summed or unknown);
* ``weights`` (n,) float64: event weights (1 for unweighted events, w / w_max for overweight ones,
  fb for weighted events);
* ``phi_ctau_mm`` (n,) float64: the proper decay length c t of phi drawn from its c tau [mm];
* ``decay_mode`` (n,) int8: index into :data:`darkstrahl.gen.decays.DECAY_MODES` (-1: not decayed).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass
class EventBatch:
    """A batch of events of one process (see module docstring for the arrays and units)."""

    process: str
    momenta: NDArray[np.float64]
    pdg: NDArray[np.int32]
    status: NDArray[np.int8]
    mothers: NDArray[np.int8]
    helicities: NDArray[np.int8]
    weights: NDArray[np.float64]
    phi_ctau_mm: NDArray[np.float64]
    decay_mode: NDArray[np.int8]
    phi_index: int
    sqrt_s: float
    frame: str = "cm"
    weighted: bool = False
    info: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_particles(self) -> int:
        return int(self.momenta.shape[1])

    def select(self, index: NDArray) -> EventBatch:
        """The events at ``index`` (a boolean mask or integer indices)."""
        return replace(
            self,
            momenta=self.momenta[index],
            pdg=self.pdg[index],
            status=self.status[index],
            helicities=self.helicities[index],
            weights=self.weights[index],
            phi_ctau_mm=self.phi_ctau_mm[index],
            decay_mode=self.decay_mode[index],
        )

    @staticmethod
    def concatenate(batches: list[EventBatch]) -> EventBatch:
        """One batch from several batches of the same process and layout."""
        first = batches[0]
        cat = {
            name: np.concatenate([getattr(b, name) for b in batches])
            for name in ("momenta", "pdg", "status", "helicities", "weights", "phi_ctau_mm", "decay_mode")
        }
        return replace(first, **cat)

    def momenta_vector(self) -> Any:
        """The momenta as a :mod:`vector` array of Lorentz vectors, shape (n, k) (for user analysis)."""
        import vector

        p = self.momenta
        return vector.array({"E": p[..., 0], "px": p[..., 1], "py": p[..., 2], "pz": p[..., 3]})
