"""Event batches: structure-of-arrays containers for generated events.

An :class:`EventBatch` holds n events of one process; its :class:`~darkstrahl.gen.layout.Layout` says which
particle sits in which slot (k slots) and how the record is written:

* ``momenta`` (n, k, 4) float64 [GeV], (E, px, py, pz), centre-of-mass frame unless ``frame == "lab"``;
* ``pdg`` (n, k) int32 PDG ids (0 marks an empty slot, e.g. the daughters of an undecayed phi);
* ``status`` (n, k) int8 in the Les Houches sense: -1 incoming, 1 final, 2 decayed intermediate;
* ``helicities`` (n, k) int8 (+-1; 0 where not meaningful: scalars, summed or unknown);
* ``weights`` (n,) float64: event weights (1 for unweighted events, w / w_max for overweight ones,
  fb for weighted events);
* ``ct_mm`` (n, L) float64: the proper decay length c t drawn for each of the L long-lived slots of the
  layout [mm] (NaN: not drawn);
* ``decay_mode`` (n, L) int8: index of the decay mode of each long-lived slot in its decay table
  (-1: not decayed).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .layout import Layout

#: The per-event arrays of a batch (first axis n).
PER_EVENT = ("momenta", "pdg", "status", "helicities", "weights", "ct_mm", "decay_mode")


@dataclass
class EventBatch:
    """A batch of events of one process (see module docstring for the arrays and units)."""

    layout: Layout
    momenta: NDArray[np.float64]
    pdg: NDArray[np.int32]
    status: NDArray[np.int8]
    helicities: NDArray[np.int8]
    weights: NDArray[np.float64]
    ct_mm: NDArray[np.float64]
    decay_mode: NDArray[np.int8]
    sqrt_s: float
    frame: str = "cm"
    weighted: bool = False
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_momenta(
        cls,
        layout: Layout,
        momenta: NDArray,
        weights: NDArray,
        helicities: NDArray,
        sqrt_s: float,
        weighted: bool = False,
        info: dict[str, Any] | None = None,
    ) -> EventBatch:
        """A batch of freshly generated events: PDG ids from the layout, beams incoming, the rest final."""
        n = momenta.shape[0]
        status = np.ones((n, len(layout)), dtype=np.int8)
        status[:, list(layout.incoming)] = -1
        n_ll = len(layout.long_lived)
        return cls(
            layout=layout,
            momenta=momenta,
            pdg=np.tile(np.array(layout.pdg, dtype=np.int32), (n, 1)),
            status=status,
            helicities=helicities,
            weights=weights.astype(np.float64),
            ct_mm=np.full((n, n_ll), np.nan),
            decay_mode=np.full((n, n_ll), -1, dtype=np.int8),
            sqrt_s=sqrt_s,
            weighted=weighted,
            info=info or {},
        )

    def __len__(self) -> int:
        return int(self.weights.shape[0])

    @property
    def process(self) -> str:
        """Name of the process (from the layout)."""
        return self.layout.process

    @property
    def n_particles(self) -> int:
        return int(self.momenta.shape[1])

    def select(self, index: NDArray) -> EventBatch:
        """The events at ``index`` (a boolean mask or integer indices)."""
        return replace(self, **{name: getattr(self, name)[index] for name in PER_EVENT})

    @staticmethod
    def concatenate(batches: list[EventBatch]) -> EventBatch:
        """One batch from several batches of the same process and layout."""
        first = batches[0]
        return replace(
            first, **{name: np.concatenate([getattr(b, name) for b in batches]) for name in PER_EVENT}
        )

    def momenta_vector(self) -> Any:
        """The momenta as a :mod:`vector` array of Lorentz vectors, shape (n, k) (for user analysis)."""
        import vector

        p = self.momenta
        return vector.array({"E": p[..., 0], "px": p[..., 1], "py": p[..., 2], "pz": p[..., 3]})
