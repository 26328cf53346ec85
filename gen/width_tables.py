"""Tabulated widths shipped in ``gen/data`` and their interpolation.

Two kinds of tables (provenance and licences in ``gen/data/README.md``):

* hadronic partial widths of the Higgs-mixed scalar phi at sin(theta) = 1 (physics.md section 1,
  reference.md 3.2), selectable by name through :data:`PHI_WIDTH_PRESCRIPTIONS`;
* the dark photon hadronic width at eps = 1 from DarkCast (reference.md 2.2).

Interpolation rule (:class:`LogTable`): on an interval whose two nodes are both positive, log(width)
is interpolated linearly in the mass; on an interval that touches a zero node (a threshold; values
below 1e-9 of the table maximum count as zero), the width itself is interpolated linearly, so
the result is continuous and vanishes below threshold. The nodes are reproduced (to rounding).
The 1 MeV node spacing of the default table resolves the f0(980) and K K threshold structure
around 1 GeV; the glitch nodes named in PROVENANCE.md are not in the shipped table, so no
interval spans them with their values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import numpy as np
from numpy.typing import ArrayLike, NDArray

from darkstrahl.errors import ParameterError

from .constants import HBARC_GEV_MM, M_K_CHARGED, M_PI_CHARGED

FloatArray = NDArray[np.float64]


def _read_csv(name: str) -> tuple[list[str], FloatArray]:
    """Columns and data of ``gen/data/<name>`` ('#' lines are provenance comments)."""
    text = resources.files(f"{__package__}.data").joinpath(name).read_text()
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    columns = lines[0].split(",")
    data = np.array([[float(v) for v in ln.split(",")] for ln in lines[1:]], dtype=np.float64)
    return columns, data


@dataclass(frozen=True)
class LogTable:
    """Piecewise log-linear interpolation of a non-negative function of the mass.

    Attributes
    ----------
    m:
        Strictly increasing mass nodes [GeV].
    values:
        Non-negative values at the nodes (a width in GeV, or a dimensionless ratio).
    name:
        Label used in error messages.
    """

    m: FloatArray
    values: FloatArray
    name: str

    @property
    def floor(self) -> float:
        """Values at or below 1e-9 of the table maximum count as zero for the choice of rule
        (a node a fraction of an MeV above a threshold holds ~1e-26 GeV in the EventCalc table;
        interpolating its logarithm would put the whole threshold rise into a near step)."""
        return 1e-9 * float(np.max(self.values)) if self.values.size else 0.0

    def __post_init__(self) -> None:
        if np.any(np.diff(self.m) <= 0):
            raise ValueError(f"table {self.name}: mass nodes must increase strictly")
        if np.any(self.values < 0):
            raise ValueError(f"table {self.name}: values must be non-negative")

    @property
    def m_range(self) -> tuple[float, float]:
        """(first node, last node) [GeV]."""
        return float(self.m[0]), float(self.m[-1])

    def __call__(self, m: ArrayLike) -> FloatArray:
        """Interpolated value at mass ``m`` [GeV] (scalar or array); outside the nodes is an error."""
        mm = np.asarray(m, dtype=np.float64)
        lo, hi = self.m_range
        if np.any((mm < lo) | (mm > hi)) or np.any(np.isnan(mm)):
            raise ParameterError(
                "m_phi" if "phi" in self.name else "mass",
                f"outside the range {lo} <= m <= {hi} GeV of table {self.name}",
                float(np.min(mm)) if mm.size else mm,
            )
        i = np.clip(np.searchsorted(self.m, mm, side="right") - 1, 0, len(self.m) - 2)
        m0, m1 = self.m[i], self.m[i + 1]
        y0, y1 = self.values[i], self.values[i + 1]
        t = (mm - m0) / (m1 - m0)
        positive = (y0 > self.floor) & (y1 > self.floor)
        with np.errstate(divide="ignore", invalid="ignore"):
            logy = np.log(np.where(positive, y0, 1.0)) * (1 - t) + np.log(np.where(positive, y1, 1.0)) * t
        return np.where(positive, np.exp(logy), y0 * (1 - t) + y1 * t)


# ---------------------------------------------------------------------------------- phi tables
#: Hadronic channels a phi width prescription provides (sin(theta) = 1 partial widths in GeV):
#: pi pi and K K include the neutral modes; "fourpi" is 2pi+2pi- plus pi+pi-2pi0; "partons" is
#: g g + s sbar + c cbar + b bbar (the perturbative description the tables switch to at 2 GeV).
PHI_HADRON_CHANNELS: tuple[str, ...] = ("pipi", "KK", "fourpi", "partons")


@dataclass(frozen=True)
class PhiHadronTable:
    """A named phi hadronic width prescription: one :class:`LogTable` per channel it provides."""

    name: str
    description: str
    tables: dict[str, LogTable]

    @property
    def m_range(self) -> tuple[float, float]:
        """Mass range [GeV] in which every channel of the prescription is tabulated."""
        lo = max(t.m_range[0] for t in self.tables.values())
        hi = min(t.m_range[1] for t in self.tables.values())
        return lo, hi

    def widths_sin1(self, m_phi: ArrayLike) -> dict[str, FloatArray]:
        """Hadronic partial widths [GeV] at sin(theta) = 1 for every channel of
        :data:`PHI_HADRON_CHANNELS` (zero for channels the prescription does not contain)."""
        mm = np.asarray(m_phi, dtype=np.float64)
        lo, hi = self.m_range
        if np.any((mm < lo) | (mm > hi)) or np.any(np.isnan(mm)):
            raise ParameterError(
                "m_phi",
                f"outside the range {lo} <= m_phi <= {hi} GeV of the phi width prescription {self.name!r}",
                mm.tolist(),
            )
        return {
            ch: (self.tables[ch](mm) if ch in self.tables else np.zeros_like(mm))
            for ch in PHI_HADRON_CHANNELS
        }


def _eventcalc() -> PhiHadronTable:
    cols, data = _read_csv("phi_widths_eventcalc.csv")
    c = {name: data[:, k] for k, name in enumerate(cols)}
    m = c["m_GeV"]
    sums = {
        "pipi": c["Gamma_pipm_GeV"] + c["Gamma_pi0pi0_GeV"],
        "KK": c["Gamma_KpKm_GeV"] + c["Gamma_K0K0bar_GeV"],
        "fourpi": c["Gamma_4pi_GeV"],
        "partons": c["Gamma_gg_GeV"] + c["Gamma_ss_GeV"] + c["Gamma_cc_GeV"] + c["Gamma_bb_GeV"],
    }
    return PhiHadronTable(
        name="winkler_eventcalc",
        description="EventCalc (1904.10447 with Winkler 1809.01876 pi pi and K K; 4 pi; partons above 2 GeV)",
        tables={k: LogTable(m, v, f"phi {k} (EventCalc)") for k, v in sums.items()},
    )


def _winkler_digitised() -> PhiHadronTable:
    tables = {}
    for ch, thr in (("pipi", 2 * M_PI_CHARGED), ("KK", 2 * M_K_CHARGED)):
        _, data = _read_csv(f"winkler_{ch}.csv")
        # Anchor the width at zero on the physical threshold (charged-meson pair) so that the
        # table starts continuously from zero; the digitised curve begins just above it.
        m = np.concatenate([[0.02, thr], data[:, 0]])
        g = np.concatenate([[0.0, 0.0], data[:, 1]])
        tables[ch] = LogTable(m, g, f"phi {ch} (Winkler digitised)")
    return PhiHadronTable(
        name="winkler_digitised",
        description="Winkler 1809.01876 pi pi and K K digitised by scalar_portal (no 4 pi; up to 2 GeV)",
        tables=tables,
    )


#: Registry of phi hadronic width prescriptions, by name. The default is the Winkler-based
#: EventCalc table. Add a prescription by adding a loader here; callers only use the name.
PHI_WIDTH_PRESCRIPTIONS: dict[str, Callable[[], PhiHadronTable]] = {
    "winkler_eventcalc": _eventcalc,
    "winkler_digitised": _winkler_digitised,
}
DEFAULT_PHI_WIDTHS = "winkler_eventcalc"


@functools.cache
def phi_hadron_table(name: str = DEFAULT_PHI_WIDTHS) -> PhiHadronTable:
    """The phi hadronic width prescription ``name`` (loaded once, then cached)."""
    if name not in PHI_WIDTH_PRESCRIPTIONS:
        raise ParameterError("phi_widths", f"must be one of {sorted(PHI_WIDTH_PRESCRIPTIONS)}", name)
    return PHI_WIDTH_PRESCRIPTIONS[name]()


# ---------------------------------------------------------------------------------- A' tables
@functools.cache
def darkcast_hadron_width_eps1() -> LogTable:
    """Gamma(A' -> hadrons) at eps = 1 [GeV] from DarkCast (reference.md 2.2), 0.01-9.98 GeV.

    Built on the DarkCast nodes as (1 - BR_ee - BR_mumu - BR_tautau) * hbar c / c tau; the DarkCast
    leptonic widths agree with the closed form to 0.07 % (reference.md 2.1), so subtracting them
    leaves the hadronic (vector-meson-dominance) part.
    """
    _, data = _read_csv("darkphoton_darkcast.csv")
    m, ctau_m, br_ee, br_mm, br_tt = data.T
    hadronic_br = np.clip(1.0 - br_ee - br_mm - br_tt, 0.0, None)
    # Below the pi0 gamma threshold the BRs sum to 1 up to rounding: clip that rounding to zero.
    hadronic_br[hadronic_br < 1e-4] = 0.0
    return LogTable(m, hadronic_br * HBARC_GEV_MM / (ctau_m * 1e3), "A' hadrons (DarkCast)")
