"""The run-card schema: every section and key with its type, default, unit, documentation and rule.

Choices and defaults are imported from the modules that own them (process names from the process
registry, regions and resolution modes from the detector, executor kinds from the analysis, run numbers
from :class:`~darkstrahl.gen.event_stream.RunSettings`), never written twice.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from darkstrahl.analysis.executors import KINDS
from darkstrahl.analysis.scan import ScanSettings
from darkstrahl.detector.acceptance import Acceptance
from darkstrahl.detector.beams import PRESETS
from darkstrahl.detector.belle2 import RESOLUTION_MODES, VERTEX_MODES, Belle2
from darkstrahl.detector.muon_id import MuonIdTable
from darkstrahl.detector.regions import REGIONS
from darkstrahl.detector.trigger import TwoTrackTrigger
from darkstrahl.errors import CardError
from darkstrahl.gen.event_stream import RunSettings
from darkstrahl.gen.eventfiles.formats import FORMATS, FRAMES
from darkstrahl.gen.flat_background import BackgroundProcess
from darkstrahl.gen.idm_model import PRESETS as IDM_PRESETS
from darkstrahl.gen.isr import ISR_ALPHA_SCHEMES
from darkstrahl.gen.isr_process import IsrSettings
from darkstrahl.gen.model import BENCHMARKS, DarkModel
from darkstrahl.gen.registry import PROCESSES
from darkstrahl.gen.signal_process import PDG_AP, PDG_CHI, PDG_PHI, PHOTON_ALPHA_SCHEMES, GenerationCuts
from darkstrahl.gen.sm_mumu_matching import RadiativeMatching
from darkstrahl.gen.sm_twophoton import EPASettings
from darkstrahl.gen.width_tables import DEFAULT_PHI_WIDTHS, PHI_WIDTH_PRESCRIPTIONS

_RUN = RunSettings()
_CUTS = GenerationCuts()
_MODEL = {f.name: f.default for f in dataclasses.fields(DarkModel)}
_BKG = {f.name: f.default for f in dataclasses.fields(BackgroundProcess)}
_DET = Belle2()
_MUID = MuonIdTable()
_TRG = TwoTrackTrigger()
_SCAN = {f.name: f.default for f in dataclasses.fields(ScanSettings)}
_MATCH = RadiativeMatching()
_EPA = EPASettings()


def _registered_process(v: str) -> str | None:
    """Process names are those of the registry at validation time (plugins may add some)."""
    return None if v in PROCESSES else f"must be one of {sorted(PROCESSES)}"


def _positive(v: float) -> str | None:
    return None if v > 0 and math.isfinite(v) else "must be finite and > 0"


def _non_negative_int(v: int) -> str | None:
    return None if v >= 0 else "must be >= 0"


def _positive_int(v: int) -> str | None:
    return None if v > 0 else "must be > 0"


def _non_negative(v: float) -> str | None:
    return None if v >= 0 and math.isfinite(v) else "must be finite and >= 0"


def _at_least_two(v: int) -> str | None:
    return None if v >= 2 else "must be >= 2"


def _angle(v: float) -> str | None:
    return None if 0.0 < v < 180.0 else "must lie strictly between 0 and 180 deg"


def _polarization(v: float) -> str | None:
    return None if -1.0 <= v <= 1.0 else "must lie in [-1, 1]"


def _fraction(v: float) -> str | None:
    return None if 0.0 <= v < 0.5 else "must lie in [0, 0.5)"


@dataclass(frozen=True)
class Key:
    """One card key: its type, default, unit, documentation and rule."""

    type: type
    default: Any
    doc: str
    unit: str = ""
    check: Callable[[Any], str | None] | None = None
    choices: tuple[Any, ...] | None = None
    item: type | None = None  #: element type when ``type`` is list (the value becomes a tuple)
    min_items: int = 1  #: fewest elements of a list

    def validate(self, where: str, value: Any) -> Any:
        """Return ``value`` converted to the key's type, or raise :class:`CardError`."""
        if self.type is list:
            if not isinstance(value, list) or len(value) < self.min_items:
                what = "a non-empty list" if self.min_items else "a list"
                raise CardError(f"{where}: expected {what}, got {type(value).__name__} {value!r}")
            assert self.item is not None
            value = tuple(self._scalar(f"{where}[{i}]", v, self.item) for i, v in enumerate(value))
        else:
            value = self._scalar(where, value, self.type)
        if self.check is not None:
            rule = self.check(value)
            if rule:
                raise CardError(f"{where}: {rule} (got {value!r})")
        return value

    def _scalar(self, where: str, value: Any, typ: type) -> Any:
        if typ is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise CardError(f"{where}: expected a number, got {type(value).__name__} {value!r}")
            value = float(value)
        elif typ is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise CardError(f"{where}: expected an integer, got {type(value).__name__} {value!r}")
        elif not isinstance(value, typ):
            raise CardError(f"{where}: expected {typ.__name__}, got {type(value).__name__} {value!r}")
        if self.choices is not None and value not in self.choices:
            raise CardError(f"{where}: must be one of {list(self.choices)}, got {value!r}")
        return value


#: The card schema: section -> key -> :class:`Key`. Default None means "not set".
SCHEMA: dict[str, dict[str, Key]] = {
    "model": {
        "benchmark": Key(
            str,
            None,
            "mass benchmark (physics.md 1): m_chi, m_phi follow from m_Ap",
            choices=tuple(BENCHMARKS),
        ),
        "m_Ap": Key(float, None, "dark photon mass", "GeV", _positive),
        "m_chi": Key(float, None, "dark matter (Dirac chi) mass; only without a benchmark", "GeV", _positive),
        "m_phi": Key(float, None, "dark Higgs mass; only without a benchmark", "GeV", _positive),
        "g_chi": Key(float, _MODEL["g_chi"], "A' chi chibar coupling g_chi = q_chi g'", "", _positive),
        "eps": Key(float, _MODEL["eps"], "kinetic mixing", "", _positive),
        "theta": Key(float, _MODEL["theta"], "Higgs mixing angle", "rad", _positive),
        "q_Phi": Key(
            float,
            _MODEL["q_Phi"],
            "U(1)' charge of the dark Higgs field (2 reproduces the inelastic-DM reference study)",
            "",
            _positive,
        ),
        "q_chi": Key(float, _MODEL["q_chi"], "U(1)' charge of chi", "", _positive),
        "eps_convention": Key(
            str,
            "photon",
            "eps multiplies the EM current ('photon') or hypercharge ('hypercharge': extra cos(theta_W))",
            choices=("photon", "hypercharge"),
        ),
        "phi_widths": Key(
            str, DEFAULT_PHI_WIDTHS, "phi hadronic width prescription", choices=tuple(PHI_WIDTH_PRESCRIPTIONS)
        ),
        "general": Key(
            bool,
            False,
            "allow a point outside the benchmark hierarchy (m_Ap > 2 m_chi + m_phi, m_phi < m_chi), "
            "Gamma_A'/m_A' > 0.5 and 0.1 < eps < 1 (runcard/guards.py)",
        ),
        # process ap_hp_mumu (next_wave.md 1.1, gen/ap_hp_model.py); q_Phi and eps above apply to it too
        "m_hp": Key(
            float,
            None,
            "ap_hp_mumu: invisible dark Higgs h' mass (< m_Ap); idm: dark Higgs mass m_h'",
            "GeV",
            _positive,
        ),
        "alpha_D": Key(
            float,
            0.1,
            "alpha_D = g_D^2/(4 pi): ap_hp_mumu, the A' coupling to the dark Higgs (seed 000); "
            "idm, the U(1)' gauge coupling (gen/idm_model.py)",
            "",
            _positive,
        ),
        "narrow_resonances": Key(
            str,
            "flag",
            "ap_hp_mumu: m_Ap near J/psi, psi(2S), Upsilon(1S-3S) (not in the DarkCast R): "
            "warn, refuse or ignore",
            choices=("flag", "refuse", "ignore"),
        ),
        "resonance_window": Key(
            float, 0.05, "ap_hp_mumu: half-width of the narrow-resonance flag window", "GeV", _positive
        ),
        "three_body_width": Key(
            bool,
            False,
            "ap_hp_mumu: include Gamma(A' -> h' A'* -> h' + SM) in the A' width (the seed neglects it)",
        ),
        # dark Higgs + inelastic DM point (next_wave.md 2.1; process 'idm'); also uses m_Ap, eps, theta,
        # eps_convention, phi_widths (h' widths), general and, with preset = 'none', q_Phi and q_chi
        "kind": Key(
            str,
            "dark_higgs",
            "model family: 'dark_higgs' (Dirac chi, physics.md) or 'idm' (h' + Majorana chi1, chi2)",
            choices=("dark_higgs", "idm"),
        ),
        "preset": Key(
            str,
            None,
            "idm charges (default iDM-Duerr: q_Phi = 2, q_chi = 1); 'none': q_Phi, q_chi from the card",
            choices=(*IDM_PRESETS, "none"),
        ),
        "m_chi1": Key(float, None, "idm: lighter Majorana state chi1", "GeV", _positive),
        "delta_m": Key(float, None, "idm: splitting m_chi2 - m_chi1", "GeV", _positive),
    },
    "process": {
        "name": Key(
            str,
            "phi",
            "process: signal e+e- -> phi chi chibar ('phi') or gamma phi chi chibar ('gamma_phi'), or the "
            "flat phase-space backgrounds 'bkg_phi' (2 -> 3) and 'bkg_gamma_phi' (2 -> 4)",
            check=_registered_process,
        ),
        "e_gamma_min": Key(
            float, _CUTS.e_min, "photon generation cut: minimum energy in the CM frame", "GeV", _positive
        ),
        "theta_gamma_min": Key(
            float,
            _CUTS.theta_min,
            "photon generation cut: minimum polar angle in the CM frame",
            "deg",
            _angle,
        ),
        "theta_gamma_max": Key(
            float,
            _CUTS.theta_max,
            "photon generation cut: maximum polar angle in the CM frame",
            "deg",
            _angle,
        ),
        "ap_width": Key(
            float,
            None,
            "override of the A' width in both propagators (default: the "
            "model's total width; e.g. Gamma(A' -> chi chibar) to compare with a generator "
            "that sets only that width)",
            "GeV",
            _positive,
        ),
        "ap_width_free": Key(
            bool,
            False,
            "allow process.ap_width below 0.1 x the physical A' width (runcard/guards.py)",
        ),
        "photon_alpha": Key(
            str,
            "alpha0",
            "coupling of the explicit photon of gamma_phi: alpha(0) ('alpha0') or alpha(m_Z) = 1/127.9 "
            "('alpha_mz', MadGraph's default parameter card)",
            choices=tuple(PHOTON_ALPHA_SCHEMES),
        ),
        "radiative_return": Key(
            bool,
            False,
            "ap_hp_mumu with ISR: also generate the return to the s-channel A' pole with A' -> h' mu mu "
            "(M_mumu < M_A' - M_h'); off: only the on-shell A'h' region",
        ),
        "n_b": Key(
            float,
            _BKG["n_b"],
            "backgrounds: expected events in the phi channel for analysis.luminosity",
            "",
            _positive,
        ),
        "ratio_gamma": Key(
            float,
            _BKG["ratio_gamma"],
            "backgrounds: gamma-phi to phi background ratio (sigma(ee -> 3 gamma) / sigma(ee -> 2 gamma))",
            "",
            _positive,
        ),
        "phi_decay": Key(
            str,
            None,
            "phi decays: all modes by their BRs, only charged pairs (weight x BR), or none "
            "(default: 'all' for the signal, 'none' for the backgrounds)",
            choices=("all", "charged", "none"),
        ),
        # SM backgrounds mumu, tautau, twophoton_mumu (gen/mumu_process.py, tautau_process.py,
        # twophoton_process.py)
        "radiative": Key(
            bool, True, "mumu: Born x soft-virtual plus the exact hard-photon ME (false: Born only)"
        ),
        "omega_min": Key(
            float,
            _MATCH.omega_min,
            "mumu: photon energy above which the matrix element describes it",
            "GeV",
            _positive,
        ),
        "theta_c": Key(
            float,
            _MATCH.theta_c_deg,
            "mumu: cones around the beams left to the structure function",
            "deg",
            lambda v: None if 0.0 < v < 90.0 else "must lie strictly between 0 and 90 deg",
        ),
        "m_ll_min": Key(
            float,
            0.0,
            "mumu, twophoton_mumu: lower cut on m_mumu; tautau: on the tau-pair mass sqrt(s_hat)",
            "GeV",
            _non_negative,
        ),
        "tau_spin_correlations": Key(bool, True, "tautau: Born spin correlation of the tau pair"),
        "epa_theta_max": Key(
            float,
            _EPA.theta_max_deg,
            "twophoton_mumu: anti-tag, scattered e+- below this angle (CM)",
            "deg",
            _angle,
        ),
        "theta_mu_min": Key(
            float,
            0.0,
            "twophoton_mumu: both muons within [theta_mu_min, 180 - theta_mu_min] (CM)",
            "deg",
            lambda v: None if 0.0 <= v < 90.0 else "must lie in [0, 90) deg",
        ),
        "epa_q2_cap": Key(bool, _EPA.cap_q2_at_w2, "twophoton_mumu: photon virtuality below W^2 = m_mumu^2"),
        "higgsstrahlung_only": Key(
            bool, False, "idm: only the Higgs-strahlung diagram (no h' emission from the DM line)"
        ),
    },
    "beams": {
        "preset": Key(
            str,
            "SuperKEKB",
            "beam preset: energies and crossing angles (basf2 beamparameters.py)",
            choices=tuple(PRESETS),
        ),
        "e_her": Key(float, None, "e- (HER) energy, overrides the preset", "GeV", _positive),
        "e_ler": Key(float, None, "e+ (LER) energy, overrides the preset", "GeV", _positive),
        "angle_her": Key(float, None, "e- crossing angle about y, overrides the preset", "rad"),
        "angle_ler": Key(
            float, None, "e+ crossing angle about y (negative: pi - |angle|), overrides the preset", "rad"
        ),
        "energy_spread": Key(
            bool,
            False,
            "Gaussian beam-energy spreads of SuperKEKB (5.13 / 2.375 MeV) in "
            "the centre-of-mass to lab transform, per event",
        ),
        "isr": Key(
            bool,
            False,
            "collinear initial-state radiation on both beams (leading-log structure function with O(beta^2) "
            "terms, next_wave.md 3); the built-in physics cards switch it on",
        ),
        "isr_alpha": Key(
            str,
            IsrSettings().alpha,
            "alpha in the ISR exponent beta: alpha(0) ('alpha0') or MadGraph's G_mu value ('gmu')",
            choices=tuple(ISR_ALPHA_SCHEMES),
        ),
        "pol_em": Key(
            float, 0.0, "longitudinal polarization of the e- beam (+1: right-handed)", "", _polarization
        ),
    },
    "run": {
        "sqrt_s": Key(
            float,
            None,
            "centre-of-mass energy of the generation (default: the beams' sqrt(s); "
            "10.58 with the 7/4 GeV beams reproduces the reference study's choice)",
            "GeV",
            _positive,
        ),
        "seed": Key(
            int, 12345, "seed of numpy.random.Generator (same seed, same events)", "", _non_negative_int
        ),
        "n_events": Key(int, 10000, "number of events to generate", "", _positive_int),
        "n_points": Key(int, _RUN.n_points, "phase-space points for the cross section", "", _at_least_two),
        "n_pilot": Key(
            int, _RUN.n_pilot, "pilot points that fix the maximum weight for unweighting", "", _at_least_two
        ),
        "max_overweight": Key(
            float,
            _RUN.max_overweight,
            "fraction of sigma allowed above w_max (events above it carry weight w/w_max)",
            "",
            _fraction,
        ),
        "chunk_size": Key(int, _RUN.chunk_size, "events per batch in memory", "", _at_least_two),
    },
    "detector": {
        "region": Key(
            str,
            "displaced",
            "phi decay region (physics.md 3): prompt 0-2, displaced 2-9, "
            "instrumented 9-1100, invisible > 1100 mm, all; r_in/r_out override",
            choices=tuple(REGIONS),
        ),
        "r_in": Key(float, None, "inner transverse radius of a user-defined region", "mm", _non_negative),
        "r_out": Key(float, None, "outer transverse radius of a user-defined region", "mm", _positive),
        "vertex_mode": Key(
            str,
            _DET.vertex_mode,
            "'weight': every event weighted by P(region); 'sample': the vertex "
            "drawn inside the region, P as weight",
            choices=VERTEX_MODES,
        ),
        "resolution": Key(
            str,
            _DET.resolution,
            "'reference': E_gamma and m_chichi smeared directly (ECL formula); "
            "'objects': visible particles smeared, missing momentum reconstructed; 'none'",
            choices=RESOLUTION_MODES,
        ),
        "n_copies": Key(
            int, _DET.n_copies, "Gaussian copies per event (weight / n_copies)", "", _positive_int
        ),
        "apply_acceptance": Key(
            bool,
            False,
            "multiply weights by the lab acceptance flags (CDC tracks, ECL photon regions, photon threshold)",
        ),
        "photon_e_min": Key(
            float,
            Acceptance().photon_e_min,
            "lab photon energy threshold of the acceptance",
            "GeV",
            _non_negative,
        ),
        # lepton objects (detector/objects.py; issue 14): muon identification table and two-track trigger
        "muid_p_edges": Key(
            list, _MUID.p_edges, "muon ID table: lower lab-momentum edges of its bins", "GeV", item=float
        ),
        "muid_efficiency": Key(
            list,
            _MUID.efficiency,
            "muon ID efficiency per bin (default: an assumption, detector/muon_id.py)",
            item=float,
        ),
        "trigger_efficiency": Key(
            float, _TRG.plateau, "two-track trigger plateau efficiency (seed 000: 89 %)", "", _non_negative
        ),
        "trigger_theta_min": Key(float, _TRG.theta_min, "two-track trigger: minimum lab polar angle", "deg"),
        "trigger_theta_max": Key(float, _TRG.theta_max, "two-track trigger: maximum lab polar angle", "deg"),
        "trigger_dphi_min": Key(
            float, _TRG.dphi_min, "two-track trigger: minimum azimuthal opening angle", "deg"
        ),
    },
    "output": {
        "format": Key(str, FORMATS[0], "event file format (a path ending in .gz gzips LHE)", choices=FORMATS),
        "frame": Key(
            str,
            "cm",
            "centre-of-mass frame (e- along +z) or the Belle II lab frame of [beams]",
            choices=FRAMES,
        ),
        "path": Key(str, None, "output file (the -o option overrides it)"),
        "weighted": Key(bool, False, "write weighted events (weights in pb) instead of unweighted ones"),
        "force_region": Key(
            str,
            "none",
            "sample the phi decay vertex inside this region and multiply the "
            "event weight by its probability (for full simulation)",
            choices=("none", *REGIONS),
        ),
        "pdg_chi": Key(int, PDG_CHI, "PDG id written for chi (PDG MC numbering: 52)"),
        "pdg_phi": Key(
            int, PDG_PHI, "PDG id written for phi, and for h' of ap_hp_mumu (PDG MC numbering: 54)"
        ),
        "pdg_Ap": Key(int, PDG_AP, "PDG id written for A' (PDG MC numbering: 55)"),
    },
    "scheduler": {
        "kind": Key(
            str,
            "local",
            "where scan tasks run: local processes, a dask scheduler, or a dask-jobqueue "
            "cluster on SLURM or HTCondor",
            choices=KINDS,
        ),
        "address": Key(str, None, "dask scheduler address (kind = dask), e.g. tcp://host:8786"),
        "connect_timeout": Key(
            float, 30.0, "seconds to wait for the dask scheduler before the scan gives up", "s", _positive
        ),
        "jobs": Key(int, 10, "batch jobs to start (slurm, htcondor)", "", _positive_int),
        "queue": Key(str, None, "batch queue / partition (slurm)"),
        "cores": Key(int, 1, "cores per batch job", "", _positive_int),
        "processes": Key(int, 1, "dask worker processes per batch job", "", _positive_int),
        "memory": Key(str, "4GB", "memory per batch job"),
        "walltime": Key(str, "01:00:00", "wall time per batch job (HH:MM:SS)"),
        "extra_directives": Key(
            list, (), "extra lines for the job script header, e.g. ['--account=belle']", item=str, min_items=0
        ),
        "local_directory": Key(str, None, "scratch directory of the workers on the batch nodes"),
    },
    # iDM displaced-vertex analysis (issue 16 part 5): darkstrahl.analysis.idm_scan / idm_card
    "idm_analysis": {
        "sample": Key(
            str,
            "generator",
            "scan: signal sample: the matrix-element generator or the kinematic stand-in",
            choices=("generator", "stand_in"),
        ),
        "isr": Key(bool, True, "scan: collinear ISR in the generated signal (sample = generator)"),
        "m_hp": Key(list, (0.5, 1.0, 1.5, 2.0), "scan: h' masses", "GeV", item=float),
        "m_chi1": Key(float, 2.5, "scan: m_chi1 of the benchmark family", "GeV", _positive),
        "ap_ratio": Key(float, 3.0, "scan: m_A' / m_chi1", "", _positive),
        "delta_ratio": Key(float, 0.4, "scan: Delta m / m_chi1", "", _positive),
        "alpha_D": Key(float, 0.1, "scan: alpha_D (seed-002 DM coupling)", "", _positive),
        "eps": Key(float, 1.5e-3, "scan: kinetic mixing of the samples", "", _positive),
        "theta_ref": Key(float, 1e-4, "scan: h'-H mixing angle of the samples", "rad", _positive),
        "species": Key(list, ("mu", "pi", "K"), "scan: h' final states", item=str, choices=("mu", "pi", "K")),
        "ctau_hp_cm": Key(list, (0.1, 1.0, 10.0, 100.0, 1000.0), "scan: c tau(h') grid", "cm", item=float),
        "ctau_ref_cm": Key(float, 10.0, "scan: c tau(h') of the DSCB resolution fit", "cm", _positive),
        "luminosities": Key(list, (365.0, 50000.0), "scan: luminosities of the limits", "fb^-1", item=float),
        "background": Key(
            list,
            (0.0, 8.0, 1.0),
            "scan: background events over the mass range at 365 fb^-1 (mu, pi, K)",
            item=float,
        ),
        "m_range": Key(list, (0.2, 3.0), "scan: m(x+x-) range of the sidebands", "GeV", item=float),
        "pipi_split": Key(float, 1.0, "scan: pi pi sideband split", "GeV", _positive),
        "rel_eff_sys": Key(float, 0.04, "scan: relative signal-efficiency uncertainty", "", _non_negative),
        "rel_lumi_sys": Key(float, 0.0047, "scan: relative luminosity uncertainty", "", _non_negative),
        "sin_theta_grid": Key(
            list, (1e-8, 1e-1, 22.0), "scan: sin(theta) log grid (min, max, points)", item=float
        ),
        "y_m_chi1": Key(list, (1.5, 2.5), "scan: m_chi1 values of the y limits", "GeV", item=float),
        "y_m_hp": Key(float, 0.5, "scan: m_h' of the y limits", "GeV", _positive),
        "y_sin_theta": Key(float, 1e-4, "scan: sin(theta) of the y limits", "", _positive),
        "eps_grid": Key(
            list, (1e-5, 1e-2, 13.0), "scan: eps log grid of the y limits (min, max, points)", item=float
        ),
        "n_events": Key(int, 20000, "scan: events per sample and final state", "", _at_least_two),
        "tracking_dv_cm": Key(
            list,
            (0.0, 60.0, 80.0, 90.0, 100.0, 110.0),
            "displaced-tracking table: d_v nodes",
            "cm",
            item=float,
        ),
        "tracking_eff": Key(
            list,
            (1.0, 1.0, 0.8, 0.6, 0.3, 0.0),
            "displaced-tracking table: per-track efficiency (placeholder, next_wave.md 2.4 item 5)",
            item=float,
        ),
        "ecl_mip": Key(list, (0.0, 0.2, 0.2, 0.2), "ECL deposit: MIP part (e, mu, pi, K)", "GeV", item=float),
        "ecl_fraction": Key(
            list, (1.0, 0.0, 0.3, 0.3), "ECL deposit: fraction of E (e, mu, pi, K)", item=float
        ),
        "vertex_sigma_mm": Key(
            float, 0.5, "vertex resolution per coordinate (placeholder)", "mm", _non_negative
        ),
    },
    "analysis": {
        "kind": Key(
            str,
            "reference",
            "what 'darkstrahl scan' runs: the reference study (phi chi chibar), the A'h' search ([ahp]) "
            "or the iDM displaced-vertex analysis ([idm_analysis])",
            choices=("reference", "ahp", "idm"),
        ),
        "luminosity": Key(
            float,
            _SCAN["luminosity_ab"],
            "integrated luminosity (normalizes the backgrounds)",
            "ab^-1",
            _positive,
        ),
        "benchmarks": Key(list, ("B1", "B2", "B3"), "scan: benchmarks", item=str, choices=tuple(BENCHMARKS)),
        "channels": Key(list, ("phi", "gamma_phi"), "scan: channels", item=str, choices=("phi", "gamma_phi")),
        "m_Ap_min": Key(float, 1.2, "scan: first m_A'", "GeV", _positive),
        "m_Ap_step": Key(float, 0.3, "scan: m_A' step", "GeV", _positive),
        "m_Ap_max": Key(
            float, None, "scan: last m_A' (default: the m_phi limit or the kinematic limit)", "GeV", _positive
        ),
        "m_phi_max": Key(
            float,
            1.25,
            "scan: largest m_phi of the mass grid (the reference study's range; the phi width tables, and so "
            "model.m_phi, reach 5.13 GeV)",
            "GeV",
            _positive,
        ),
        "n_b": Key(
            list,
            _SCAN["n_b"],
            "scan: expected background events N_b in the phi channel",
            "",
            item=float,
            check=lambda v: None if all(x > 0 for x in v) else "every N_b must be > 0",
        ),
        "theta_for_eps_reach": Key(
            float,
            _SCAN["theta_for_eps_reach"],
            "scan: theta at which the eps reach is computed",
            "rad",
            _positive,
        ),
        "eps_for_theta_reach": Key(
            float,
            _SCAN["eps_for_theta_reach"],
            "scan: eps at which the theta region is computed",
            "",
            _positive,
        ),
        "theta_min": Key(float, 1e-7, "scan: smallest theta of the theta grid", "rad", _positive),
        "theta_max": Key(float, 0.5, "scan: largest theta of the theta grid", "rad", _positive),
        "theta_points": Key(int, 40, "scan: points of the logarithmic theta grid", "", _at_least_two),
        "n_events": Key(
            int,
            _SCAN["n_events"],
            "scan: generated events per sample (signal and background)",
            "",
            _at_least_two,
        ),
        "workers": Key(int, 0, "scan: local worker processes (0: all cores)", "", _non_negative_int),
    },
    "ahp": {  # the Belle II A'h' search (next_wave.md 1.2-1.4; darkstrahl.analysis.ahp_scan)
        "m_Ap": Key(list, (2.0, 4.0, 6.5, 9.0), "A'h' scan: M_A' values of the grid", "GeV", item=float),
        "m_hp": Key(
            list, (0.5, 1.5, 2.7), "A'h' scan: M_h' values (pairs need M_h' < M_A')", "GeV", item=float
        ),
        "plot_m_hp": Key(
            float, None, "A'h' scan: M_h' of the limit-vs-M_A' plots (default: first m_hp)", "GeV"
        ),
        "n_signal": Key(
            int, 4000, "A'h' scan: signal events per point and sample (no-ISR, ISR)", "", _positive_int
        ),
        "n_background": Key(int, 20000, "A'h' scan: events per background sample", "", _positive_int),
        "backgrounds": Key(
            list,
            ("mumu_gamma", "tautau", "eemumu"),
            "A'h' scan: SM background samples",
            item=str,
            choices=("mumu_gamma", "tautau", "eemumu"),
        ),
        "signal_source": Key(
            str,
            "generator",
            "A'h' signal: the registered generator 'ap_hp_mumu' (full spin correlation) or the synthetic "
            "narrow-width stand-in (no azimuthal spin correlation: not for numbers)",
            choices=("synthetic", "generator"),
        ),
        "luminosities": Key(
            list,
            (8.34, 50000.0),
            "A'h' scan: integrated luminosities of the limits",
            "fb^-1",
            item=float,
            check=lambda v: None if all(x > 0 for x in v) else "every luminosity must be > 0",
        ),
        "window_rule": Key(
            str,
            "content",
            "2-sigma window of the double Gaussian (ellipse.py rules)",
            choices=("content", "mixture", "core"),
        ),
        "spacing": Key(float, 1.1, "window lattice step in units of the semi-axes", "", _positive),
        "lattice_extent": Key(
            int, 1, "lattice windows per side around each point (0: none)", "", _non_negative_int
        ),
        "c_eta_cuts": Key(
            list,
            (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0),
            "grid of C_eta cuts for Punzi",
            item=float,
        ),
        "punzi_a": Key(float, 1.6448536269514729, "Punzi a (sigmas)", "", _positive),
        "cl": Key(
            float, 0.9, "credibility of the upper limits", "", lambda v: None if 0 < v < 1 else "in (0, 1)"
        ),
        "bayes_s_max": Key(float, 100.0, "flat signal prior range of the Bayes factor", "events", _positive),
        "systematics": Key(str, "spec", "systematics: the spec's table or none", choices=("spec", "none")),
        "empty_window": Key(
            str,
            "mean",
            "background weight of a window without MC events (Gamma(1, w) prior): the mean or largest "
            "selected background weight, or zero (background-free)",
            choices=("mean", "max", "zero"),
        ),
        "trigger_eff": Key(float, 0.89, "trigger plateau efficiency (weight)", "", _positive),
        "muon_id_p_edges": Key(list, (0.0, 1000.0), "muon-ID momentum bin edges", "GeV", item=float),
        "muon_id_eff": Key(list, (1.0,), "muon-ID efficiency per bin and muon", "", item=float),
        "workers": Key(int, 0, "A'h' scan: local worker processes (0: all cores)", "", _non_negative_int),
    },
}


def explain() -> str:
    """Human-readable reference of every card key (``darkstrahl cards --explain``)."""
    lines = []
    for section, keys in SCHEMA.items():
        lines.append(f"[{section}]")
        for name, key in keys.items():
            unit = f" [{key.unit}]" if key.unit else ""
            choices = f" one of {list(key.choices)};" if key.choices else ""
            lines.append(f"  {name} ({key.type.__name__}{unit}, default {key.default!r}):{choices} {key.doc}")
        lines.append("")
    return "\n".join(lines)
