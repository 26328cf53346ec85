"""The event record of a process: which particle sits in which slot, and how the record is written.

Every :class:`~darkstrahl.gen.events.EventBatch` carries a :class:`Layout`. Generators fill its slots,
decays append slots (:meth:`Layout.with_daughters`), the event-file writers take the LHE/HepMC rows from it
(:attr:`Layout.rows`, intermediate resonances included), and the detector reads which slots are incoming,
visible, invisible or long-lived (with the lifetime rule :class:`Lifetime`). Nothing outside a process
module knows a process's particle order.

Slots are the second axis of the (n, k, 4) momentum arrays. Rows are the lines of one LHE event: a row
holds one slot, or the four-momentum sum of several slots for an intermediate resonance (status 2).
Mother line numbers of rows are 1-based, as in the LHE standard (0 0 for the beams).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from .constants import HBARC_GEV_MM

#: Coupling dependences a width or a cross section may have: name -> f(value).
SCALINGS: dict[str, Callable[[float], float]] = {
    "square": lambda v: v * v,
    "sin2": lambda v: math.sin(v) ** 2,
    "cos2": lambda v: math.cos(v) ** 2,
}


@dataclass(frozen=True)
class Dependence:
    """A positive quantity that depends on one coupling as sum_i c_i f_i(value), f_i in :data:`SCALINGS`
    (e.g. the phi width Gamma(theta) = sin^2(theta) Gamma_SM(1) + cos^2(theta) Gamma_dark(1), in GeV)."""

    parameter: str
    terms: tuple[tuple[str, float], ...]

    def __call__(self, value: float) -> float:
        return sum(c * SCALINGS[kind](value) for kind, c in self.terms if c != 0.0)


@dataclass(frozen=True)
class Lifetime:
    """The lifetime rule of a long-lived particle: c tau [mm] at the generated coupling ``value`` and the
    width's dependence on that coupling, c tau(v) = c tau(value) Gamma(value) / Gamma(v).

    Used by the detector (decay regions, reweighting) and by the analysis alike (one rule)."""

    ctau0_mm: float
    value: float
    width: Dependence

    @property
    def parameter(self) -> str:
        """The coupling the lifetime depends on (e.g. ``"theta"``)."""
        return self.width.parameter

    def ctau_mm(self, value: float | None = None) -> float:
        """c tau [mm] at coupling ``value`` (default: the generated one, returned exactly)."""
        if value is None:
            return self.ctau0_mm
        return self.ctau0_mm * (self.width(self.value) / self.width(value))

    @classmethod
    def from_width(cls, width: Dependence, value: float) -> Lifetime:
        """The lifetime of a particle of width ``width(value)`` [GeV]: c tau = hbar c / Gamma."""
        return cls(HBARC_GEV_MM / width(value), value, width)


@dataclass(frozen=True)
class Slot:
    """One particle slot of the record.

    ``pdg`` is the PDG id (0: per event, e.g. decay products of several modes); ``mass`` [GeV] is the mass
    written to event files (NaN: by |PDG id| from ``mass_table``); ``mother`` is the slot index of the mother
    (-1: beams and primary products); ``visible`` says whether the detector can see it (or its decay
    products)."""

    name: str
    pdg: int
    mass: float
    mother: int = -1
    visible: bool = True
    incoming: bool = False
    mass_table: tuple[tuple[int, float], ...] = ()

    def mass_of(self, pdg: int) -> float:
        """The mass [GeV] written for this slot when it holds PDG id ``pdg``."""
        if not math.isnan(self.mass):
            return self.mass
        return dict(self.mass_table).get(abs(pdg), 0.0)


@dataclass(frozen=True)
class Row:
    """One line of the LHE/HepMC record: the slots summed into it (one slot: that particle; several: an
    intermediate resonance of id ``pdg`` with status 2) and its two 1-based mother lines."""

    slots: tuple[int, ...]
    mothers: tuple[int, int]
    pdg: int = 0

    @property
    def intermediate(self) -> bool:
        return len(self.slots) > 1


def resonance_pair_rows(pdg: int) -> tuple[Row, ...]:
    """The record of e-(0) e+(1) -> X(2) R, R(pdg) -> a(3) b(4): the beams, X, the intermediate resonance R
    (status 2, mothers the beams) and its two daughters (mother line 4). The A' -> chi chibar of phi, the
    A' -> mu mu of A'h' and the on-shell A' -> chi1 chi2 of iDM all have it."""
    return (
        Row((0,), (0, 0)),
        Row((1,), (0, 0)),
        Row((2,), (1, 2)),
        Row((3, 4), (1, 2), pdg),
        Row((3,), (4, 4)),
        Row((4,), (4, 4)),
    )


@dataclass(frozen=True)
class LongLived:
    """A long-lived slot. ``displaced``: its decay position follows from its lifetime (signal); False when
    the sample stands for a vertex assumed inside the region (flat backgrounds: no displacement weight)."""

    slot: int
    lifetime: Lifetime
    displaced: bool = True


@dataclass(frozen=True)
class Layout:
    """The event record of one process (module docstring).

    ``signature`` names what the event looks like in the detector (signal and its backgrounds share it);
    ``rate`` lists the coupling dependences of the cross section (reweighting: sigma(couplings) / sigma_0 is
    the product of d(new)/d(generated)); ``couplings`` the generated values; ``lprup`` the LHE process id.
    """

    process: str
    signature: str
    slots: tuple[Slot, ...]
    rows: tuple[Row, ...]
    long_lived: tuple[LongLived, ...] = ()
    rate: tuple[Dependence, ...] = ()
    couplings: tuple[tuple[str, float], ...] = ()
    lprup: int = 1
    extra: Mapping[str, object] = field(default_factory=dict)

    # ------------------------------------------------------------------ queries
    def __len__(self) -> int:
        return len(self.slots)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.slots)

    @property
    def pdg(self) -> tuple[int, ...]:
        return tuple(s.pdg for s in self.slots)

    @property
    def mothers(self) -> tuple[int, ...]:
        return tuple(s.mother for s in self.slots)

    def index(self, name: str) -> int:
        """Slot index of the particle called ``name``."""
        return self.names.index(name)

    @property
    def incoming(self) -> tuple[int, ...]:
        return tuple(j for j, s in enumerate(self.slots) if s.incoming)

    def primary(self, visible: bool) -> tuple[int, ...]:
        """Outgoing primary slots (no mother) that are visible (or invisible)."""
        return tuple(
            j for j, s in enumerate(self.slots) if not s.incoming and s.mother < 0 and s.visible == visible
        )

    def daughters(self, slot: int) -> tuple[int, ...]:
        return tuple(j for j, s in enumerate(self.slots) if s.mother == slot)

    def long_lived_at(self, slot: int) -> LongLived:
        return next(ll for ll in self.long_lived if ll.slot == slot)

    def coupling(self, name: str) -> float:
        return dict(self.couplings)[name]

    def rate_factor(self, **couplings: float) -> float:
        """sigma(couplings) / sigma(generated couplings) (couplings not given keep their value)."""
        gen = dict(self.couplings)
        factor = 1.0
        for dep in self.rate:
            new = couplings.get(dep.parameter, gen[dep.parameter])
            factor *= dep(new) / dep(gen[dep.parameter])
        return factor

    def row_of_slot(self, slot: int) -> int:
        """0-based row index of the row that holds ``slot`` alone."""
        return next(r for r, row in enumerate(self.rows) if row.slots == (slot,))

    # ------------------------------------------------------------------ changes
    def with_daughters(
        self, parent: int, names: tuple[str, ...], mass_table: tuple[tuple[int, float], ...]
    ) -> Layout:
        """The layout with decay-product slots of ``parent`` appended (PDG ids and masses per event, from
        ``mass_table``), one row each with the parent's row as mother."""
        line = self.row_of_slot(parent) + 1
        start = len(self.slots)
        new = tuple(
            Slot(name, 0, math.nan, mother=parent, visible=self.slots[parent].visible, mass_table=mass_table)
            for name in names
        )
        rows = tuple(Row((start + i,), (line, line)) for i in range(len(names)))
        return replace(self, slots=self.slots + new, rows=self.rows + rows)


def primary_rows(slots: tuple[Slot, ...]) -> tuple[Row, ...]:
    """The plain record: the beams, then every outgoing slot as a row with the beams as mothers."""
    return tuple(Row((j,), (0, 0) if s.incoming else (1, 2)) for j, s in enumerate(slots) if s.mother < 0)
