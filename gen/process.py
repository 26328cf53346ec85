"""The process abstraction: what every generator consumes.

A process is a typed object with a name, the generation energy, its event record
(:class:`~darkstrahl.gen.layout.Layout`: particles, PDG ids, masses, mothers, visible/invisible and
long-lived slots with their lifetime rule, LHE rows with intermediate resonances), its decays, and one of
two ways to make weighted phase-space points:

* :class:`MultichannelProcess` (``sampling = "multichannel"``): a matrix element as the integrand
  dsigma/dPhi [fb] and phase-space channels (:class:`~darkstrahl.gen.phasespace.PhaseSpace`), integrated
  and sampled by :class:`~darkstrahl.gen.generator.EventGenerator`;
* :class:`FlatProcess` (``sampling = "flat"``): RAMBO points with a constant matrix element normalized to a
  given cross section, by :class:`~darkstrahl.gen.flat_background.FlatGenerator`.

Processes are built from a run card through :mod:`darkstrahl.gen.registry` (one line per process); the
builder receives a :class:`ProcessRequest`, the card's plain values, so that ``gen`` knows nothing of the
card machinery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from .events import EventBatch
from .layout import Layout
from .phasespace import PhaseSpace

Sampling = Literal["multichannel", "flat"]


@dataclass(frozen=True)
class ProcessRequest:
    """What a run card asks for: the process name, the generation energy [GeV] and every validated card
    section as plain values (``sections["model"]["m_Ap"]``, ...)."""

    name: str
    sqrt_s: float
    sections: Mapping[str, Mapping[str, Any]]

    def section(self, name: str) -> Mapping[str, Any]:
        return self.sections.get(name, {})


@runtime_checkable
class Process(Protocol):
    """What every process provides (module docstring)."""

    name: str
    sqrt_s: float

    @property
    def sampling(self) -> Sampling: ...

    @property
    def layout(self) -> Layout:
        """The event record of freshly generated events (before decays)."""
        ...

    def decay(self, batch: EventBatch, rng: np.random.Generator, mode: str) -> EventBatch:
        """Decay the unstable final-state slots (``mode``: ``"all"``, ``"charged"`` or ``"none"``)."""
        ...

    def summary(self) -> dict[str, Any]:
        """Process-specific numbers for ``darkstrahl xsec --json`` (widths, couplings, ...)."""
        ...


@runtime_checkable
class MultichannelProcess(Process, Protocol):
    """A process with a matrix element and multichannel phase space."""

    @property
    def phase_space(self) -> PhaseSpace: ...

    def integrand(self, p: NDArray) -> NDArray:
        """dsigma/dPhi [fb] at momenta ``p`` (n, k, 4)."""
        ...

    def integrand_and_helicity(self, p: NDArray, r: NDArray) -> tuple[NDArray, NDArray]:
        """:meth:`integrand` and a helicity configuration code per event drawn with the uniforms ``r``."""
        ...

    def helicities(self, codes: NDArray) -> NDArray:
        """Per-slot helicities (n, k) int8 from the codes of :meth:`integrand_and_helicity`."""
        ...

    # Optional: ``s_hat_resonances``, a tuple of (mass, width) [GeV] of s-channel resonances in the hard
    # process's s_hat, for which :class:`~darkstrahl.gen.isr_process.IsrProcess` adds a Breit-Wigner ISR
    # channel.


@runtime_checkable
class FlatProcess(Process, Protocol):
    """A process of flat (RAMBO) phase space normalized to a cross section."""

    @property
    def sigma_fb(self) -> float: ...

    def phase_space_points(self, rng: np.random.Generator, n: int) -> tuple[NDArray, NDArray]:
        """n points: momenta (n, k, 4) with the beams first, and phase-space weights (cuts applied)."""
        ...


def no_decay(batch: EventBatch, rng: np.random.Generator, mode: str) -> EventBatch:
    """The decay step of a process without unstable final-state particles."""
    return batch
