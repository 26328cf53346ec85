"""Offline selection of the Belle II A'h' search (next_wave.md 1.2 "Offline selection", cuts 1-8; cut 9, the
per-window |cos eta| cut, is in :mod:`darkstrahl.analysis.ahp_search`), vectorized, with a cut-flow table.

Input (structure of arrays, any generator with two muons): :class:`DimuonEvents` holds, for n events,

* ``mu_minus``, ``mu_plus``: lab four-momenta (n, 4) [GeV] (E, px, py, pz) of the reconstructed muons;
* ``photons``: lab four-momenta (n, k, 4) [GeV] of the ECL clusters not matched to tracks (rows of zeros
  are "no cluster"; k may be 0);
* ``weights``: (n,) event weights (fb per event for cross-section-weighted samples, or events);
* the detector quantities the fast detector model does not provide yet, as arrays with documented
  defaults: ``ecl_mu`` (n, 2) ECL energy matched to (mu-, mu+) [GeV] (default 0: no FSR photon merged with
  a muon; the minimum-ionising deposit ~0.2 GeV is far below the 1.5 GeV cut), ``impact`` (n, 2, 2)
  transverse and longitudinal impact parameters |d0|, |z0| [cm] (default 0: prompt tracks),
  ``muon_id`` (n, 2) bool (default True), ``trigger`` (n,) bool (default True), ``n_tracks`` (n,) number of
  good tracks (default 2).

Efficiencies that are known only as numbers enter as weights (next_wave.md 1.3 item 4): the muon
identification efficiency per momentum bin (:class:`AhpCuts` ``muon_id_edges``/``muon_id_eff``, default 1)
multiplies the weight for both muons at cut 2, and the trigger plateau (0.89 [S000], ``trigger_eff``)
multiplies it at cut 3, whose angular part equals the trigger condition.

Variables (next_wave.md 1.2 "Variables"; nominal beams, never ISR-reduced ones, 1.3 item 3), computed with
:mod:`darkstrahl.analysis.variables` (issue 14):

    M_mumu^2 = (p_mu+ + p_mu-)^2,   M_recoil^2 = (P_beams - p_mu+ - p_mu-)^2,
    cos eta  = cos of the angle, in the dimuon rest frame, between the mu- and the direction of the CM
               system (= minus the dimuon direction in the CM frame); C_eta = |cos eta|,
    pT*      = transverse momentum of the dimuon in the CM frame (z* along the e- beam),

P_beams = :attr:`darkstrahl.detector.beams.Beams.total` (lab, GeV). Angles are lab polar angles in degrees.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from darkstrahl.detector.acceptance import polar_angle_deg
from darkstrahl.detector.beams import Beams, transform
from darkstrahl.detector.resolution import smear_photon, smear_track
from darkstrahl.errors import ParameterError
from darkstrahl.files import atomic_output
from darkstrahl.gen.constants import M_MU

from .variables import dimuon_mass_squared, helicity_cos, recoil_mass_squared

#: Names of the cut-flow steps (next_wave.md 1.2 table, cuts 1-8), in order.
CUT_NAMES = (
    "generated",
    "1 impact parameters",
    "2 two muons (+ID)",
    "3 muon angles, dphi (+trigger)",
    "4 ECL energy at muons",
    "5 recoil direction",
    "6 photon energy",
    "7 photon-recoil angle",
    "8 dimuon pT (CM)",
)


@dataclass(frozen=True)
class AhpCuts:
    """The cut values of next_wave.md 1.2 (defaults = the published ones [S000])."""

    d0_max_cm: float = 0.5
    z0_max_cm: float = 2.0
    theta_mu_deg: tuple[float, float] = (37.0, 120.0)
    dphi_min_deg: float = 90.0
    ecl_mu_max: float = 1.5  # GeV
    theta_rec_deg: tuple[float, float] = (32.0, 125.0)
    photon_e_min: float = 0.1  # GeV, ECL cluster threshold of a "photon"
    photon_esum_max: float = 0.4  # GeV
    photon_recoil_deg: float = 15.0
    pt_cm_min: float = 0.1  # GeV
    trigger_eff: float = 1.0  # plateau efficiency (0.89 [S000]) applied as a weight at cut 3
    muon_id_edges: tuple[float, ...] = (0.0, math.inf)  # lab momentum bin edges [GeV]
    muon_id_eff: tuple[float, ...] = (1.0,)  # efficiency per bin and muon

    def __post_init__(self) -> None:
        for name in ("d0_max_cm", "z0_max_cm", "ecl_mu_max", "photon_e_min", "photon_esum_max", "pt_cm_min"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise ParameterError(f"ahp.{name}", "must be finite and >= 0", v)
        for name in ("theta_mu_deg", "theta_rec_deg"):
            lo, hi = getattr(self, name)
            if not 0.0 <= lo < hi <= 180.0:
                raise ParameterError(f"ahp.{name}", "needs 0 <= lo < hi <= 180 deg", (lo, hi))
        if not 0.0 < self.trigger_eff <= 1.0:
            raise ParameterError("ahp.trigger_eff", "must lie in (0, 1]", self.trigger_eff)
        edges, eff = np.asarray(self.muon_id_edges), np.asarray(self.muon_id_eff)
        if edges.size != eff.size + 1 or np.any(np.diff(edges) <= 0) or np.any((eff < 0) | (eff > 1)):
            raise ParameterError(
                "ahp.muon_id_eff", "needs increasing edges, one efficiency in [0, 1] per bin", (edges, eff)
            )

    def muon_id_weight(self, p: NDArray) -> NDArray:
        """Identification efficiency of muons of lab momentum |p| [GeV] (any shape); 0 outside the bins."""
        edges = np.asarray(self.muon_id_edges)
        i = np.searchsorted(edges, p, side="right") - 1
        ok = (i >= 0) & (i < len(self.muon_id_eff))
        return np.where(ok, np.asarray(self.muon_id_eff)[np.clip(i, 0, len(self.muon_id_eff) - 1)], 0.0)


@dataclass
class DimuonEvents:
    """Reconstructed two-muon events in the lab (module docstring for shapes, units and defaults)."""

    mu_minus: NDArray
    mu_plus: NDArray
    weights: NDArray
    photons: NDArray | None = None
    ecl_mu: NDArray | None = None
    impact: NDArray | None = None
    muon_id: NDArray | None = None
    trigger: NDArray | None = None
    n_tracks: NDArray | None = None
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.weights)
        self.mu_minus = np.asarray(self.mu_minus, dtype=np.float64)
        self.mu_plus = np.asarray(self.mu_plus, dtype=np.float64)
        self.weights = np.asarray(self.weights, dtype=np.float64)
        if self.mu_minus.shape != (n, 4) or self.mu_plus.shape != (n, 4):
            raise ParameterError("events.mu", "muon momenta must have shape (n, 4)", self.mu_minus.shape)
        defaults = {
            "photons": np.zeros((n, 0, 4)),
            "ecl_mu": np.zeros((n, 2)),
            "impact": np.zeros((n, 2, 2)),
            "muon_id": np.ones((n, 2), dtype=bool),
            "trigger": np.ones(n, dtype=bool),
            "n_tracks": np.full(n, 2),
        }
        shapes = {"photons": None, "ecl_mu": (n, 2), "impact": (n, 2, 2), "muon_id": (n, 2)}
        shapes |= {"trigger": (n,), "n_tracks": (n,)}
        for name, default in defaults.items():
            v = getattr(self, name)
            v = default if v is None else np.asarray(v)
            want = shapes[name]
            if (want is not None and v.shape != want) or (name == "photons" and v.shape[::2] != (n, 4)):
                raise ParameterError(f"events.{name}", f"has shape {v.shape}, expected {want or (n, 'k', 4)}")
            setattr(self, name, v)

    def __len__(self) -> int:
        return len(self.weights)

    @classmethod
    def from_cm(
        cls,
        mu_minus: NDArray,
        mu_plus: NDArray,
        weights: NDArray,
        beams: Beams,
        rng: np.random.Generator | None,
        photons: NDArray | None = None,
        **detector: NDArray,
    ) -> DimuonEvents:
        """Per-object detector mode: CM four-momenta (n, 4) of the muons and (n, k, 4) of photons are moved
        to the lab with the nominal CM -> lab transform of ``beams`` and smeared object by object
        (:func:`~darkstrahl.detector.resolution.smear_track`: pT 0.1 % pT ⊕ 0.3 %, 1 mrad; photons with
        :func:`~darkstrahl.detector.resolution.smear_photon`); ``rng=None`` skips the smearing (truth level).
        Further detector arrays (``ecl_mu``, ...) pass through."""
        lam = beams.cm_to_lab()
        mm, mp = transform(np.asarray(mu_minus, float), lam), transform(np.asarray(mu_plus, float), lam)
        ph = None if photons is None else transform(np.asarray(photons, float), lam)
        if rng is not None:
            m = np.full(len(mm), M_MU)
            mm, mp = smear_track(mm, m, rng), smear_track(mp, m, rng)
            if ph is not None and ph.shape[1]:
                flat = ph.reshape(-1, 4)
                real = flat[:, 0] > 0
                flat[real] = smear_photon(flat[real], rng)
                ph = flat.reshape(ph.shape)
        return cls(mm, mp, weights, ph, **detector)


# ------------------------------------------------------------------------------------------- variables
def _angle_deg(a: NDArray, b: NDArray) -> NDArray:
    na, nb = np.linalg.norm(a, axis=-1), np.linalg.norm(b, axis=-1)
    c = np.sum(a * b, axis=-1) / np.maximum(na * nb, 1e-300)
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


def dimuon_variables(mu_minus: NDArray, mu_plus: NDArray, beams: Beams) -> dict[str, NDArray]:
    """The search variables (module docstring) of lab muon pairs (n, 4) [GeV]: ``m_mumu2``, ``m_rec2``
    [GeV^2], ``cos_eta`` (signed), ``c_eta`` = |cos eta|, ``pt_cm`` [GeV], ``p_rec`` (n, 4) lab recoil."""
    q = mu_minus + mu_plus
    p_rec = beams.total[None, :] - q
    q_cm = transform(q, beams.lab_to_cm())
    cos_eta = helicity_cos(mu_minus, mu_plus, beams.total)
    return {
        "m_mumu2": dimuon_mass_squared(mu_minus, mu_plus),
        "m_rec2": recoil_mass_squared(mu_minus, mu_plus, beams.total),
        "cos_eta": cos_eta,
        "c_eta": np.abs(cos_eta),
        "pt_cm": np.hypot(q_cm[:, 1], q_cm[:, 2]),
        "p_rec": p_rec,
    }


# ------------------------------------------------------------------------------------------- selection
@dataclass
class Selection:
    """Result of :func:`select`: cumulative masks per step (:data:`CUT_NAMES`), the weights after the
    efficiency factors, and the search variables of every event."""

    steps: list[tuple[str, NDArray]]
    base_weights: NDArray  # input weights
    id_weights: NDArray  # x muon-ID efficiencies
    trigger_eff: float
    variables: dict[str, NDArray]

    @property
    def weights(self) -> NDArray:
        """Event weights with the muon-ID and trigger efficiency factors."""
        return self.id_weights * self.trigger_eff

    @property
    def mask(self) -> NDArray:
        """Events passing cuts 1-8."""
        return self.steps[-1][1]

    def table(self) -> list[dict[str, float | int | str]]:
        """Cut flow: per step the raw count, the weighted sum and the cumulative and step efficiencies
        (weighted, relative to "generated"). Weights after cut 2 include the muon-ID and (after cut 3)
        trigger efficiency factors."""
        rows, total, prev = [], float(self.base_weights.sum()), None
        for i, (name, m) in enumerate(self.steps):
            w = self.base_weights if i < 2 else (self.weights if i >= 3 else self.id_weights)
            s = float(w[m].sum())
            rows.append(
                {
                    "cut": name,
                    "n_mc": int(m.sum()),
                    "sum_w": s,
                    "eff_cumulative": s / total if total > 0 else float("nan"),
                    "eff_step": s / prev if prev else float("nan"),
                }
            )
            prev = s
        return rows


def select(events: DimuonEvents, beams: Beams, cuts: AhpCuts | None = None) -> Selection:
    """Apply cuts 1-8 of next_wave.md 1.2 to ``events`` (vectorized); see the module docstring for the
    detector inputs and the efficiency weights."""
    c = cuts or AhpCuts()
    ev = events
    v = dimuon_variables(ev.mu_minus, ev.mu_plus, beams)
    n = len(ev)
    steps: list[tuple[str, NDArray]] = [(CUT_NAMES[0], np.ones(n, dtype=bool))]

    def add(i: int, cond: NDArray) -> None:
        steps.append((CUT_NAMES[i], steps[-1][1] & cond))

    add(1, np.all((ev.impact[..., 0] < c.d0_max_cm) & (ev.impact[..., 1] < c.z0_max_cm), axis=1))
    add(2, (ev.n_tracks == 2) & np.all(ev.muon_id, axis=1))
    th_m, th_p = polar_angle_deg(ev.mu_minus), polar_angle_deg(ev.mu_plus)
    lo, hi = c.theta_mu_deg
    dphi = _angle_deg(ev.mu_minus[:, 1:3], ev.mu_plus[:, 1:3])  # azimuthal opening angle in [0, 180]
    add(3, (th_m > lo) & (th_m < hi) & (th_p > lo) & (th_p < hi) & (dphi > c.dphi_min_deg) & ev.trigger)
    add(4, np.all(ev.ecl_mu < c.ecl_mu_max, axis=1))
    th_rec = polar_angle_deg(v["p_rec"])
    add(5, (th_rec > c.theta_rec_deg[0]) & (th_rec < c.theta_rec_deg[1]))
    e_ph = ev.photons[..., 0]
    is_ph = e_ph > c.photon_e_min
    add(6, np.sum(np.where(is_ph, e_ph, 0.0), axis=1) < c.photon_esum_max)
    if ev.photons.shape[1]:
        ang = _angle_deg(ev.photons[..., 1:], v["p_rec"][:, None, 1:])
        near = np.any(is_ph & (ang < c.photon_recoil_deg), axis=1)
    else:
        near = np.zeros(n, dtype=bool)
    add(7, ~near)
    add(8, v["pt_cm"] > c.pt_cm_min)
    p_abs = np.linalg.norm(np.stack([ev.mu_minus[:, 1:], ev.mu_plus[:, 1:]], axis=1), axis=2)
    w_id = ev.weights * np.prod(c.muon_id_weight(p_abs), axis=1)
    v["theta_rec"] = th_rec
    v["dphi"] = dphi
    return Selection(steps, ev.weights, w_id, c.trigger_eff, v)


# ------------------------------------------------------------------------------------------- output
CUTFLOW_COLUMNS = ("sample", "cut", "n_mc", "sum_w", "eff_cumulative", "eff_step")


def cutflow_rows(selections: dict[str, Selection]) -> list[dict[str, object]]:
    """Cut-flow rows of several samples (columns :data:`CUTFLOW_COLUMNS`)."""
    return [{"sample": name, **row} for name, sel in selections.items() for row in sel.table()]


def format_cutflow(selections: dict[str, Selection]) -> str:
    """The cut-flow table as aligned text (one block per sample)."""
    lines = []
    for name, sel in selections.items():
        lines.append(f"{name}:")
        lines.append(f"  {'cut':32s} {'n_mc':>9s} {'sum_w':>12s} {'eff':>9s} {'step':>7s}")
        for r in sel.table():
            lines.append(
                f"  {r['cut']:32s} {r['n_mc']:9d} {r['sum_w']:12.5g} {r['eff_cumulative']:9.4f} "
                f"{r['eff_step']:7.4f}"
            )
    return "\n".join(lines)


def write_cutflow_csv(path: str | Path, selections: dict[str, Selection]) -> Path:
    """Write the cut flow of every sample to ``path`` atomically (columns :data:`CUTFLOW_COLUMNS`)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CUTFLOW_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(cutflow_rows(selections))
    with atomic_output(path, force=True) as fh:
        fh.write(buf.getvalue())
    return Path(path)
