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
from darkstrahl.detector.regions import REGIONS
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
from darkstrahl.gen.width_tables import DEFAULT_PHI_WIDTHS, PHI_WIDTH_PRESCRIPTIONS

_RUN = RunSettings()
_CUTS = GenerationCuts()
_MODEL = {f.name: f.default for f in dataclasses.fields(DarkModel)}
_BKG = {f.name: f.default for f in dataclasses.fields(BackgroundProcess)}
_DET = Belle2()
_SCAN = {f.name: f.default for f in dataclasses.fields(ScanSettings)}


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
            "allow a point outside the benchmark hierarchy (m_Ap > 2 m_chi + m_phi, m_phi < m_chi)",
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
        "m_hp": Key(float, None, "idm: dark Higgs mass m_h'", "GeV", _positive),
        "m_chi1": Key(float, None, "idm: lighter Majorana state chi1", "GeV", _positive),
        "delta_m": Key(float, None, "idm: splitting m_chi2 - m_chi1", "GeV", _positive),
        "alpha_D": Key(float, None, "idm: U(1)' gauge coupling g_D^2/(4 pi)", "", _positive),
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
        "photon_alpha": Key(
            str,
            "alpha0",
            "coupling of the explicit photon of gamma_phi: alpha(0) ('alpha0') or alpha(m_Z) = 1/127.9 "
            "('alpha_mz', MadGraph's default parameter card)",
            choices=tuple(PHOTON_ALPHA_SCHEMES),
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
        "pdg_phi": Key(int, PDG_PHI, "PDG id written for phi (PDG MC numbering: 54)"),
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
        "run": Key(bool, False, "scan: run the iDM displaced-vertex analysis instead of the phi scan"),
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
        "m_phi_max": Key(float, 1.25, "scan: largest m_phi (the width tables' validity)", "GeV", _positive),
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
