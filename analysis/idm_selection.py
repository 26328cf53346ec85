"""The Belle II displaced-vertex selection of seed 002 (next_wave.md 2.3 "Offline selection", "Trigger and ECL
energy"; 2.4 items 5-6) on an :class:`~darkstrahl.analysis.idm_sample.IdmSample`, with its cut flow.

Reconstruction (object level, lab frame; angles in degrees, lengths in mm, energies in GeV):

* vertices: both decays forced inside d_v < ``dv_max_mm`` (1100 mm) with the probability as a weight
  (:meth:`~darkstrahl.analysis.idm_sample.IdmSample.forced_vertices`), so efficiencies at long lifetimes
  carry no extra MC noise; the vertex smearing then moves them;
* tracks: the four charged daughters x+, x- (h' vertex) and e+, e- (chi2 vertex), smeared with
  detector/resolution.smear_track; vertices smeared by a Gaussian of ``vertex_sigma_mm`` per coordinate
  (card parameter; placeholder, not a Belle II number);
* displaced tracking (">= 20 hits"): every track carries the efficiency eps_trk(d_v) of its vertex's
  transverse distance, linearly interpolated in the card table (``tracking_dv_cm``, ``tracking_eff``; 0
  beyond the last node). Provenance of the default: next_wave.md 2.4 item 5 (no public Belle II curve; the
  >= 20 hits requirement implies a steep loss for vertices beyond ~80-100 cm given the CDC outer radius of
  about 113 cm [MEM]) - a placeholder shape, not a Belle II number. It enters as the event weight
  prod_tracks eps_trk (no random rejection, so no extra MC noise), together with the CDC acceptance
  17 < theta < 150 deg (detector/acceptance.py);
* ECL deposits per species (card tables ``ecl_mip`` and ``ecl_fraction``): deposit = min(E, mip + fraction E)
  for a track that reaches the ECL: polar angle inside an ECL region (detector/acceptance.py, straight
  line) and p_T > 0.3 B R_ECL / 2 = 0.281 GeV (B = 1.5 T, R_ECL = 1.25 m: lower-p_T tracks curl up
  inside). Defaults: electrons deposit E (fraction 1), muons a MIP of 0.2 GeV [MEM, next_wave.md 2.3],
  pions and kaons 0.2 GeV + 30 % of E (placeholder, not a Belle II number). Extra photons of the sample
  deposit their energy if accepted (detector/acceptance.photon_accepted);
* theta_ext: polar angle, seen from the IP, of the point where the straight track line from its vertex
  meets the KLM inner cylinder R_KLM = 2.0 m (next_wave.md 2.4 item 6: a straight line is adequate to ~1 deg
  at p > 1 GeV [MEM]).

Cuts, in the order of the cut flow (values from the spec table, all card parameters):

    tracking        4 tracks in the CDC, weight prod eps_trk(d_v)
    trigger         ECL energy sum in 22 < theta < 128 deg > 1.0 GeV
    ecl_offline     the same sum > 1.5 GeV
    conversion      opening angle of each pair > 0.1 rad
    displacement    at least one d_v >= 2 mm, both d_v < 1100 mm
    pointing        angle(p(x+x-), vertex_h') < 3.1 deg
    electron_id     E/p > 0.6 for e+ and e-
    muon_accept     (mu) >= 1 h' track with 37 < theta_ext < 122 deg
    pion_accept     (pi) all four tracks 18 < theta_ext < 155 deg
    ks_veto         (pi) reject 0.467 < M(pi+pi-) < 0.529 GeV
    lambda_veto     (pi) reject 1.06 < M(p pi) < 1.15 GeV, either track as the proton
    phi_veto        (K) reject 0.977 < M(K+K-) < 1.061 GeV
    missing_energy  E_miss (CM) > 0.4 GeV
    missing_theta   23 < theta_miss < 149 deg (lab)
    m_ee            M(e+e-) < 2.5 GeV
    extra_energy    unmatched ECL energy E_extra < 1.0 GeV (no other tracks: none are generated)
    cosmics         opening angle of the h' tracks < 3.0 rad

Not emulated (no signal effect in this model, stated): the neutral-hadron (KLM) veto, since the signal has no
KLM deposits; multiple candidates (each event has exactly one truth-matched candidate).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from darkstrahl.detector.acceptance import ECL_OUTSIDE, Acceptance, polar_angle_deg
from darkstrahl.detector.beams import transform
from darkstrahl.detector.resolution import smear_track
from darkstrahl.errors import ParameterError
from darkstrahl.gen.constants import M_E, M_PI_CHARGED

from .idm_sample import SPECIES, IdmSample

M_PROTON = 0.93827208816  # PDG 2024 [GeV]
B_FIELD_T, R_ECL_M, R_KLM_M = 1.5, 1.25, 2.0
#: p_T [GeV] below which a track curls up before the ECL: 2 r_curv < R_ECL, r_curv = p_T / (0.3 B).
PT_REACH_ECL = 0.299792458 * B_FIELD_T * R_ECL_M / 2.0
TRACK_SLOTS = ("x+", "x-", "e+_d", "e-_d")
#: Cut names in cut-flow order (module docstring).
CUTS = (
    "tracking",
    "trigger",
    "ecl_offline",
    "conversion",
    "displacement",
    "pointing",
    "electron_id",
    "muon_accept",
    "pion_accept",
    "ks_veto",
    "lambda_veto",
    "phi_veto",
    "missing_energy",
    "missing_theta",
    "m_ee",
    "extra_energy",
    "cosmics",
)


def _table_check(name: str, x: tuple[float, ...], y: tuple[float, ...]) -> None:
    if len(x) != len(y) or len(x) < 2:
        raise ParameterError(name, "needs two tables of equal length >= 2", (x, y))
    if np.any(np.diff(x) <= 0) or x[0] < 0:
        raise ParameterError(name, "distance nodes must be >= 0 and strictly increasing", x)
    if not all(0.0 <= v <= 1.0 for v in y):
        raise ParameterError(name, "efficiencies must lie in [0, 1]", y)


@dataclass(frozen=True)
class IdmSelectionConfig:
    """Selection parameters (module docstring; next_wave.md 2.3). Angles deg, masses/energies GeV, d_v in
    the tracking table cm (as in the spec), vertex resolution mm."""

    tracking_dv_cm: tuple[float, ...] = (0.0, 60.0, 80.0, 90.0, 100.0, 110.0)
    tracking_eff: tuple[float, ...] = (1.0, 1.0, 0.8, 0.6, 0.3, 0.0)
    tracking_provenance: str = (
        "placeholder (next_wave.md 2.4 item 5: no public Belle II curve; steep loss beyond 80-100 cm "
        "from the "
        ">= 20 hits requirement and the 113 cm CDC radius [MEM]); not a Belle II number"
    )
    ecl_mip: dict[str, float] = field(default_factory=lambda: {"e": 0.0, "mu": 0.2, "pi": 0.2, "K": 0.2})
    ecl_fraction: dict[str, float] = field(default_factory=lambda: {"e": 1.0, "mu": 0.0, "pi": 0.3, "K": 0.3})
    vertex_sigma_mm: float = 0.5
    cdc_deg: tuple[float, float] = (17.0, 150.0)
    trigger_theta_deg: tuple[float, float] = (22.0, 128.0)
    trigger_e: float = 1.0
    offline_e: float = 1.5
    min_opening_rad: float = 0.1
    max_pointing_deg: float = 3.1
    dv_min_mm: float = 2.0
    dv_max_mm: float = 1100.0
    e_over_p_min: float = 0.6
    muon_theta_ext_deg: tuple[float, float] = (37.0, 122.0)
    pion_theta_ext_deg: tuple[float, float] = (18.0, 155.0)
    ks_veto: tuple[float, float] = (0.467, 0.529)
    lambda_veto: tuple[float, float] = (1.06, 1.15)
    phi_veto: tuple[float, float] = (0.977, 1.061)
    e_miss_min: float = 0.4
    theta_miss_deg: tuple[float, float] = (23.0, 149.0)
    m_ee_max: float = 2.5
    e_extra_max: float = 1.0
    max_hp_opening_rad: float = 3.0

    def __post_init__(self) -> None:
        _table_check("idm_analysis.tracking", self.tracking_dv_cm, self.tracking_eff)
        for table in ("ecl_mip", "ecl_fraction"):
            t = getattr(self, table)
            if set(t) != {"e", *SPECIES}:
                raise ParameterError(
                    f"idm_analysis.{table}", f"needs the species {sorted({'e', *SPECIES})}", t
                )
            if any(not (np.isfinite(v) and v >= 0) for v in t.values()):
                raise ParameterError(f"idm_analysis.{table}", "entries must be finite and >= 0", t)
        if not self.vertex_sigma_mm >= 0:
            raise ParameterError("idm_analysis.vertex_sigma_mm", "must be >= 0 mm", self.vertex_sigma_mm)

    def tracking_efficiency(self, dv_mm: NDArray) -> NDArray:
        """Per-track efficiency eps_trk(d_v) for transverse vertex distances d_v [mm] (linear
        interpolation of the card table in cm, 0 beyond its last node)."""
        return np.interp(np.asarray(dv_mm) / 10.0, self.tracking_dv_cm, self.tracking_eff, right=0.0)


@dataclass(frozen=True)
class IdmSelected:
    """Result of :func:`select`: per event (n,) the smeared m(x+x-) [GeV], the selection weight
    (sample weight x tracking efficiency, zero if rejected) [fb], the species, and the cumulative cut flow
    (cut name -> weighted sum [fb] after that cut, starting with ``generated``)."""

    m_xx: NDArray
    weight: NDArray
    species: NDArray
    cutflow: dict[str, float]
    passed: NDArray
    generated_weight: NDArray

    def efficiency(self, species: str | None = None) -> float:
        """Selected fraction of the generated weight (of one h' final state if ``species`` is given)."""
        mask = np.ones(len(self.weight), bool) if species is None else self.species == species
        tot = float(self.generated_weight[mask].sum())
        if tot <= 0:
            raise ParameterError("species", "no generated events of this species", species)
        return float(self.weight[mask].sum() / tot)


def _mass(p: NDArray) -> NDArray:
    return np.sqrt(np.maximum(p[..., 0] ** 2 - np.sum(p[..., 1:] ** 2, axis=-1), 0.0))


def _angle(a: NDArray, b: NDArray) -> NDArray:
    """Angle [rad] between three-vectors (n, 3)."""
    c = np.sum(a * b, axis=1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-300)
    return np.arccos(np.clip(c, -1.0, 1.0))


def _within(x: NDArray, lim: tuple[float, float]) -> NDArray:
    return (x > lim[0]) & (x < lim[1])


def theta_ext_deg(vertex_mm: NDArray, p: NDArray, r_mm: float = 1000 * R_KLM_M) -> NDArray:
    """Polar angle [deg] from the IP of the point where the straight line vertex + t p_vec (t > 0) meets the
    cylinder r_T = r_mm (module docstring). vertex (n, 3) [mm], p (n, 4) [GeV]. Vertices outside the cylinder
    give the vertex's own angle."""
    v, d = vertex_mm[:, :2], p[:, 1:3]
    a = np.sum(d * d, axis=1)
    b = 2 * np.sum(v * d, axis=1)
    c = np.sum(v * v, axis=1) - r_mm**2
    t = (-b + np.sqrt(np.maximum(b * b - 4 * a * c, 0.0))) / (2 * np.maximum(a, 1e-300))
    point = vertex_mm + np.maximum(t, 0.0)[:, None] * p[:, 1:]
    return np.degrees(np.arctan2(np.hypot(point[:, 0], point[:, 1]), point[:, 2]))


def _ecl_deposit(p: NDArray, kind: NDArray, cfg: IdmSelectionConfig, acc: Acceptance) -> NDArray:
    """ECL energy [GeV] of tracks p (n, 4) of species ``kind`` (n,) (module docstring)."""
    mip = _lookup(cfg.ecl_mip, kind)
    frac = _lookup(cfg.ecl_fraction, kind)
    reach = (acc.ecl_region(p) != ECL_OUTSIDE) & (np.hypot(p[:, 1], p[:, 2]) > PT_REACH_ECL)
    return np.where(reach, np.minimum(p[:, 0], mip + frac * p[:, 0]), 0.0)


def _lookup(table: dict[str, float], kind: NDArray) -> NDArray:
    out = np.zeros(len(kind))
    for key, val in table.items():
        out[kind == key] = val
    return out


def select(
    sample: IdmSample,
    ctau_hp_mm: float,
    ctau_chi2_mm: float,
    rng: np.random.Generator,
    cfg: IdmSelectionConfig | None = None,
    acceptance: Acceptance | None = None,
) -> IdmSelected:
    """Apply the selection (module docstring) to ``sample`` with vertices for the proper decay lengths
    c tau_h', c tau_chi2 [mm]; ``rng`` drives the track and vertex smearing."""
    cfg = cfg or IdmSelectionConfig()
    acc = acceptance or Acceptance(cdc=cfg.cdc_deg)
    n = len(sample)
    spec = sample.species
    v_hp, v_chi2, p_region = sample.forced_vertices(ctau_hp_mm, ctau_chi2_mm, cfg.dv_max_mm)
    v_hp = v_hp + cfg.vertex_sigma_mm * rng.standard_normal((n, 3))
    v_chi2 = v_chi2 + cfg.vertex_sigma_mm * rng.standard_normal((n, 3))
    m_x = _lookup({k: v[1] for k, v in SPECIES.items()}, spec)
    tracks = {}
    for slot in TRACK_SLOTS:
        mass = m_x if slot in ("x+", "x-") else np.full(n, M_E)
        tracks[slot] = smear_track(sample.p[slot], mass, rng)
    xp, xm, ep, em = (tracks[s] for s in TRACK_SLOTS)
    dv_hp, dv_chi2 = np.hypot(v_hp[:, 0], v_hp[:, 1]), np.hypot(v_chi2[:, 0], v_chi2[:, 1])

    # tracking: acceptance and the displaced-tracking weight
    in_cdc = np.all([acc.track_accepted(sample.p[s]) for s in TRACK_SLOTS], axis=0)
    w_trk = cfg.tracking_efficiency(dv_hp) ** 2 * cfg.tracking_efficiency(dv_chi2) ** 2
    weight = sample.weight * w_trk * p_region
    # ECL energy
    kinds = {"x+": spec, "x-": spec, "e+_d": np.full(n, "e"), "e-_d": np.full(n, "e")}
    deposits = {s: _ecl_deposit(sample.p[s], kinds[s], cfg, acc) for s in TRACK_SLOTS}
    trig_sum = sum(
        np.where(_within(polar_angle_deg(sample.p[s]), cfg.trigger_theta_deg), deposits[s], 0.0)
        for s in TRACK_SLOTS
    )
    e_extra = np.zeros(n)
    if sample.extra is not None and sample.extra.shape[1] > 0:
        ok = acc.photon_accepted(sample.extra)
        e_extra = np.sum(np.where(ok, sample.extra[..., 0], 0.0), axis=1)
        in_trig = _within(polar_angle_deg(sample.extra), cfg.trigger_theta_deg) & ok
        trig_sum = trig_sum + np.sum(np.where(in_trig, sample.extra[..., 0], 0.0), axis=1)
    # kinematics
    hp_reco = xp + xm
    m_xx = _mass(hp_reco)
    visible = xp + xm + ep + em
    to_cm = sample.beams.lab_to_cm()
    e_vis_cm = transform(visible[:, None, :], to_cm)[:, 0, 0]
    if sample.extra is not None and sample.extra.shape[1] > 0:
        seen = acc.photon_accepted(sample.extra)[..., None] * sample.extra
        e_vis_cm = e_vis_cm + np.sum(transform(seen, to_cm)[..., 0], axis=1)
        visible = visible + np.sum(seen, axis=1)
    p_miss = sample.beams.total[None, :] - visible
    is_mu, is_pi, is_k = spec == "mu", spec == "pi", spec == "K"
    th_ext = {s: theta_ext_deg(v_hp if s in ("x+", "x-") else v_chi2, tracks[s]) for s in TRACK_SLOTS}
    e_over_p = {s: deposits[s] / np.linalg.norm(tracks[s][:, 1:], axis=1) for s in ("e+_d", "e-_d")}
    m_pipi = _mass(xp + xm)  # the h' pair under its own mass hypothesis

    def with_mass(p: NDArray, m: float) -> NDArray:
        return np.column_stack([np.sqrt(m * m + np.sum(p[:, 1:] ** 2, axis=1)), p[:, 1:]])

    m_ppi = np.minimum(
        _mass(with_mass(xp, M_PROTON) + with_mass(xm, M_PI_CHARGED)),
        _mass(with_mass(xm, M_PROTON) + with_mass(xp, M_PI_CHARGED)),
    )
    cuts = {
        "tracking": in_cdc & (w_trk > 0),
        "trigger": trig_sum > cfg.trigger_e,
        "ecl_offline": trig_sum > cfg.offline_e,
        "conversion": (_angle(xp[:, 1:], xm[:, 1:]) > cfg.min_opening_rad)
        & (_angle(ep[:, 1:], em[:, 1:]) > cfg.min_opening_rad),
        "displacement": ((dv_hp >= cfg.dv_min_mm) | (dv_chi2 >= cfg.dv_min_mm))
        & (dv_hp < cfg.dv_max_mm)
        & (dv_chi2 < cfg.dv_max_mm),
        "pointing": np.degrees(_angle(hp_reco[:, 1:], v_hp)) < cfg.max_pointing_deg,
        "electron_id": (e_over_p["e+_d"] > cfg.e_over_p_min) & (e_over_p["e-_d"] > cfg.e_over_p_min),
        "muon_accept": ~is_mu
        | _within(th_ext["x+"], cfg.muon_theta_ext_deg)
        | _within(th_ext["x-"], cfg.muon_theta_ext_deg),
        "pion_accept": ~is_pi
        | np.all([_within(th_ext[s], cfg.pion_theta_ext_deg) for s in TRACK_SLOTS], axis=0),
        "ks_veto": ~(is_pi & _within(m_pipi, cfg.ks_veto)),
        "lambda_veto": ~(is_pi & _within(m_ppi, cfg.lambda_veto)),
        "phi_veto": ~(is_k & _within(m_xx, cfg.phi_veto)),
        "missing_energy": sample.sqrt_s - e_vis_cm > cfg.e_miss_min,
        "missing_theta": _within(polar_angle_deg(p_miss), cfg.theta_miss_deg),
        "m_ee": _mass(ep + em) < cfg.m_ee_max,
        "extra_energy": e_extra < cfg.e_extra_max,
        "cosmics": _angle(xp[:, 1:], xm[:, 1:]) < cfg.max_hp_opening_rad,
    }
    assert tuple(cuts) == CUTS
    passed = np.ones(n, dtype=bool)
    flow = {"generated": float(sample.weight.sum())}
    for name in CUTS:
        passed &= cuts[name]
        flow[name] = float(np.sum(weight[passed]))
    flow["selected"] = flow[CUTS[-1]]
    return IdmSelected(
        m_xx=m_xx,
        weight=np.where(passed, weight, 0.0),
        species=spec,
        cutflow=flow,
        passed=passed,
        generated_weight=sample.weight,
    )


def cutflow_table(sel: IdmSelected) -> str:
    """Text table of the cumulative cut flow: weight [fb] and efficiency relative to generated."""
    gen = sel.cutflow["generated"]
    lines = [f"{'cut':16s} {'sigma x eff [fb]':>18s} {'efficiency':>11s}"]
    for name, val in sel.cutflow.items():
        lines.append(f"{name:16s} {val:18.6g} {val / gen if gen else 0.0:11.4f}")
    return "\n".join(lines)
