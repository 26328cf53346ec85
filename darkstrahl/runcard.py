"""Run cards: TOML files with a fixed, documented schema.

A card has sections (``[model]``, ``[process]``, ``[beams]``, ``[run]``, ``[detector]``, ``[output]``,
``[analysis]``); every key has a type, a default, a unit and a rule (:data:`SCHEMA`). Unknown sections or
keys, wrong types and values that break a rule are errors naming the key (and the closest valid key).
Built-in cards ship as package data in ``darkstrahl.cards`` and are addressed by name (``b1``) or path.

Overrides use dotted keys, ``section.key=value``, with the value parsed as a TOML value
(``--set model.m_Ap=3.0 --set model.benchmark=B2``).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from darkstrahl.analysis.checkpoint import card_hash
from darkstrahl.analysis.executors import SchedulerConfig
from darkstrahl.analysis.scan import PointKey, ScanSettings, mass_points
from darkstrahl.detector.acceptance import Acceptance
from darkstrahl.detector.beams import Beams
from darkstrahl.detector.belle2 import Belle2
from darkstrahl.detector.regions import region
from darkstrahl.errors import CardError
from darkstrahl.gen.background import BackgroundProcess
from darkstrahl.gen.generator import RunSettings
from darkstrahl.gen.model import BENCHMARKS, DarkModel
from darkstrahl.gen.process import GenerationCuts, SignalProcess
from darkstrahl.gen.width_tables import DEFAULT_PHI_WIDTHS, PHI_WIDTH_PRESCRIPTIONS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


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
        "g_chi": Key(float, 1.0, "A' chi chibar coupling g_chi = q_chi g'", "", _positive),
        "eps": Key(float, 1e-4, "kinetic mixing", "", _positive),
        "theta": Key(float, 1e-4, "Higgs mixing angle", "rad", _positive),
        "q_Phi": Key(
            float,
            1.0,
            "U(1)' charge of the dark Higgs field (2 reproduces the inelastic-DM reference study)",
            "",
            _positive,
        ),
        "q_chi": Key(float, 1.0, "U(1)' charge of chi", "", _positive),
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
    },
    "process": {
        "name": Key(
            str,
            "phi",
            "process: signal e+e- -> phi chi chibar ('phi') or gamma phi chi chibar ('gamma_phi'), or the "
            "flat phase-space backgrounds 'bkg_phi' (2 -> 3) and 'bkg_gamma_phi' (2 -> 4)",
            choices=("phi", "gamma_phi", "bkg_phi", "bkg_gamma_phi"),
        ),
        "e_gamma_min": Key(
            float, 0.25, "photon generation cut: minimum energy in the CM frame", "GeV", _positive
        ),
        "theta_gamma_min": Key(
            float, 22.0, "photon generation cut: minimum polar angle in the CM frame", "deg", _angle
        ),
        "theta_gamma_max": Key(
            float, 158.0, "photon generation cut: maximum polar angle in the CM frame", "deg", _angle
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
        "n_b": Key(
            float,
            1.0,
            "backgrounds: expected events in the phi channel for analysis.luminosity",
            "",
            _positive,
        ),
        "ratio_gamma": Key(
            float,
            0.22,
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
    },
    "beams": {
        "preset": Key(
            str,
            "SuperKEKB",
            "beam preset: energies and crossing angles (basf2 beamparameters.py)",
            choices=("SuperKEKB", "Y4S"),
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
        "n_points": Key(int, 1_000_000, "phase-space points for the cross section", "", _at_least_two),
        "n_pilot": Key(
            int, 200_000, "pilot points that fix the maximum weight for unweighting", "", _at_least_two
        ),
        "max_overweight": Key(
            float,
            1e-4,
            "fraction of sigma allowed above w_max (events above it carry weight w/w_max)",
            "",
            _fraction,
        ),
        "chunk_size": Key(int, 100_000, "events per batch in memory", "", _at_least_two),
    },
    "detector": {
        "region": Key(
            str,
            "displaced",
            "phi decay region (physics.md 3): prompt 0-2, displaced 2-9, "
            "instrumented 9-1100, invisible > 1100 mm, all; r_in/r_out override",
            choices=("prompt", "displaced", "instrumented", "invisible", "all"),
        ),
        "r_in": Key(float, None, "inner transverse radius of a user-defined region", "mm", _non_negative),
        "r_out": Key(float, None, "outer transverse radius of a user-defined region", "mm", _positive),
        "vertex_mode": Key(
            str,
            "weight",
            "'weight': every event weighted by P(region); 'sample': the vertex "
            "drawn inside the region, P as weight",
            choices=("weight", "sample"),
        ),
        "resolution": Key(
            str,
            "reference",
            "'reference': E_gamma and m_chichi smeared directly (ECL formula); "
            "'objects': visible particles smeared, missing momentum reconstructed; 'none'",
            choices=("reference", "objects", "none"),
        ),
        "n_copies": Key(int, 100, "Gaussian copies per event (weight / n_copies)", "", _positive_int),
        "apply_acceptance": Key(
            bool,
            False,
            "multiply weights by the lab acceptance flags (CDC tracks, ECL photon regions, photon threshold)",
        ),
        "photon_e_min": Key(
            float, 0.1, "lab photon energy threshold of the acceptance", "GeV", _non_negative
        ),
    },
    "output": {
        "format": Key(
            str, "lhe", "event file format (a path ending in .gz gzips LHE)", choices=("lhe", "hepmc3")
        ),
        "frame": Key(
            str,
            "cm",
            "centre-of-mass frame (e- along +z) or the Belle II lab frame of [beams]",
            choices=("cm", "lab"),
        ),
        "path": Key(str, None, "output file (the -o option overrides it)"),
        "weighted": Key(bool, False, "write weighted events (weights in pb) instead of unweighted ones"),
        "force_region": Key(
            str,
            "none",
            "sample the phi decay vertex inside this region and multiply the "
            "event weight by its probability (for full simulation)",
            choices=("none", "prompt", "displaced", "instrumented", "invisible", "all"),
        ),
        "pdg_chi": Key(int, 52, "PDG id written for chi (PDG MC numbering: 52)"),
        "pdg_phi": Key(int, 54, "PDG id written for phi (PDG MC numbering: 54)"),
        "pdg_Ap": Key(int, 55, "PDG id written for A' (PDG MC numbering: 55)"),
    },
    "scheduler": {
        "kind": Key(
            str,
            "local",
            "where scan tasks run: local processes, a dask scheduler, or a dask-jobqueue "
            "cluster on SLURM or HTCondor",
            choices=("local", "dask", "slurm", "htcondor"),
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
    "analysis": {
        "luminosity": Key(
            float, 10.0, "integrated luminosity (normalizes the backgrounds)", "ab^-1", _positive
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
            (1.0, 1e4),
            "scan: expected background events N_b in the phi channel",
            "",
            item=float,
            check=lambda v: None if all(x > 0 for x in v) else "every N_b must be > 0",
        ),
        "theta_for_eps_reach": Key(
            float, 1.27e-4, "scan: theta at which the eps reach is computed", "rad", _positive
        ),
        "eps_for_theta_reach": Key(
            float, 1e-4, "scan: eps at which the theta region is computed", "", _positive
        ),
        "theta_min": Key(float, 1e-7, "scan: smallest theta of the theta grid", "rad", _positive),
        "theta_max": Key(float, 0.5, "scan: largest theta of the theta grid", "rad", _positive),
        "theta_points": Key(int, 40, "scan: points of the logarithmic theta grid", "", _at_least_two),
        "n_events": Key(
            int, 100_000, "scan: generated events per sample (signal and background)", "", _at_least_two
        ),
        "workers": Key(int, 0, "scan: local worker processes (0: all cores)", "", _non_negative_int),
    },
}


def _closest(name: str, options: Iterable[str]) -> str:
    match = difflib.get_close_matches(name, list(options), n=1, cutoff=0.5)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _check_key(section: str, key: str) -> Key:
    if section not in SCHEMA:
        raise CardError(
            f"unknown card section [{section}]{_closest(section, SCHEMA)}; valid sections: {sorted(SCHEMA)}"
        )
    keys = SCHEMA[section]
    if key not in keys:
        raise CardError(
            f"unknown key {section}.{key}{_closest(key, keys)}; valid keys of [{section}]: {sorted(keys)}"
        )
    return keys[key]


@dataclass(frozen=True)
class Card:
    """A validated run card: every key of :data:`SCHEMA` has a value (None = not set).

    ``source`` is the card's name or path, ``text`` its TOML text and ``overrides`` the
    ``section.key=value`` strings applied on top (all three are written into event headers).
    """

    values: Mapping[str, Mapping[str, Any]]
    source: str = "<dict>"
    text: str = ""
    overrides: tuple[str, ...] = field(default_factory=tuple)

    def __getitem__(self, section: str) -> Mapping[str, Any]:
        return self.values[section]

    def model(self) -> DarkModel:
        """The :class:`~darkstrahl.gen.model.DarkModel` of the ``[model]`` section."""
        m = dict(self.values["model"])
        if m["m_Ap"] is None:
            raise CardError("model.m_Ap: must be set (the dark photon mass in GeV)")
        couplings = {
            k: m[k]
            for k in ("g_chi", "eps", "theta", "q_Phi", "q_chi", "eps_convention", "phi_widths", "general")
        }
        if m["benchmark"] is not None:
            for k in ("m_chi", "m_phi"):
                if m[k] is not None:
                    raise CardError(
                        f"model.{k}: must not be set together with model.benchmark "
                        f"(the benchmark {m['benchmark']} fixes it)"
                    )
            return DarkModel.from_benchmark(m["benchmark"], m["m_Ap"], **couplings)
        for k in ("m_chi", "m_phi"):
            if m[k] is None:
                raise CardError(f"model.{k}: must be set when model.benchmark is not")
        return DarkModel(m_Ap=m["m_Ap"], m_chi=m["m_chi"], m_phi=m["m_phi"], **couplings)

    def process(self) -> SignalProcess | BackgroundProcess:
        """The signal or background process of ``[process]``, ``[beams]``, ``[run]`` and ``[analysis]``."""
        pr = self.values["process"]
        cuts = self._cuts()
        if pr["name"].startswith("bkg_"):
            return BackgroundProcess(
                pr["name"],
                self.model(),
                sqrt_s=self.sqrt_s(),
                n_b=pr["n_b"],
                luminosity_ab=self.values["analysis"]["luminosity"],
                ratio_gamma=pr["ratio_gamma"],
                cuts=cuts,
            )
        return SignalProcess(
            pr["name"],
            self.model(),
            sqrt_s=self.sqrt_s(),
            pol_em=self.values["beams"]["pol_em"],
            cuts=cuts,
            ap_width=pr["ap_width"],
        )

    def beams(self) -> Beams:
        """The :class:`~darkstrahl.detector.beams.Beams` of ``[beams]`` (preset, then explicit overrides)."""
        b = self.values["beams"]
        beams = Beams.preset(b["preset"], with_spread=b["energy_spread"])
        over = {k: b[k] for k in ("e_her", "e_ler", "angle_her", "angle_ler") if b[k] is not None}
        return dataclasses.replace(beams, **over) if over else beams

    def sqrt_s(self) -> float:
        """Generation energy [GeV]: ``run.sqrt_s`` or the beams' sqrt(s)."""
        value = self.values["run"]["sqrt_s"]
        return self.beams().sqrt_s if value is None else value

    def detector(self) -> Belle2:
        """The :class:`~darkstrahl.detector.belle2.Belle2` model of ``[detector]`` and ``[beams]``."""
        d = self.values["detector"]
        reg = region(d["region"], d["r_in"], d["r_out"])
        return Belle2(
            beams=self.beams(),
            region=reg,
            vertex_mode=d["vertex_mode"],
            resolution=d["resolution"],
            n_copies=d["n_copies"],
            acceptance=Acceptance(photon_e_min=d["photon_e_min"]),
            apply_acceptance=d["apply_acceptance"],
        )

    def scan_settings(self) -> ScanSettings:
        """The scan settings of the card (:class:`~darkstrahl.analysis.scan.ScanSettings`); the reference
        eps and theta of the efficiency table are those of ``[model]``."""
        a = self.values["analysis"]
        m = self.values["model"]
        pr = self.values["process"]
        couplings = {
            k: m[k]
            for k in ("g_chi", "eps", "theta", "q_Phi", "q_chi", "eps_convention", "phi_widths", "general")
        }
        if not a["theta_min"] < a["theta_max"] < math.pi / 2:
            raise CardError("analysis.theta_min/theta_max: need theta_min < theta_max < pi/2")
        return ScanSettings(
            couplings=couplings,
            sqrt_s=self.sqrt_s(),
            detector=self.detector(),
            cuts=self._cuts(),
            luminosity_ab=a["luminosity"],
            n_events=a["n_events"],
            n_b=a["n_b"],
            ratio_gamma=pr["ratio_gamma"],
            theta_for_eps_reach=a["theta_for_eps_reach"],
            eps_for_theta_reach=a["eps_for_theta_reach"],
            theta_grid=tuple(
                np.logspace(math.log10(a["theta_min"]), math.log10(a["theta_max"]), a["theta_points"])
            ),
            seed=self.values["run"]["seed"],
        )

    def scan_keys(self) -> list[PointKey]:
        """Every (benchmark, m_A', channel) of ``[analysis]``."""
        a = self.values["analysis"]
        keys = []
        for bench in a["benchmarks"]:
            for m in mass_points(
                bench, a["m_Ap_min"], a["m_Ap_step"], a["m_phi_max"], self.sqrt_s(), a["m_Ap_max"]
            ):
                keys += [PointKey(bench, m, ch) for ch in a["channels"]]
        if not keys:
            raise CardError("analysis: the m_A' range of the card contains no mass point")
        return keys

    def scheduler(self, address: str | None = None, workers: int | None = None) -> SchedulerConfig:
        """The :class:`~darkstrahl.analysis.executors.SchedulerConfig` of ``[scheduler]`` (``address``
        selects a dask scheduler; ``workers`` sets the local pool size, default ``analysis.workers``)."""
        sc = self.values["scheduler"]
        kind = "dask" if address else sc["kind"]
        return SchedulerConfig(
            kind=kind,
            workers=self.values["analysis"]["workers"] if workers is None else workers,
            address=address or sc["address"],
            jobs=sc["jobs"],
            queue=sc["queue"],
            cores=sc["cores"],
            processes=sc["processes"],
            memory=sc["memory"],
            walltime=sc["walltime"],
            extra_directives=tuple(d for d in sc["extra_directives"] if d),
            local_directory=sc["local_directory"],
        )

    def scan_hash(self) -> str:
        """Hash of what determines a scan's results (not where it runs, not [output])."""
        from darkstrahl import __version__

        values = {k: dict(v) for k, v in self.values.items() if k not in ("scheduler", "output")}
        values["analysis"].pop("workers", None)
        return card_hash(values, __version__)

    def run_settings(self) -> RunSettings:
        """The :class:`~darkstrahl.gen.generator.RunSettings` of ``[run]`` and ``[process] phi_decay``."""
        r = self.values["run"]
        return RunSettings(
            n_points=r["n_points"],
            n_pilot=r["n_pilot"],
            max_overweight=r["max_overweight"],
            chunk_size=r["chunk_size"],
            phi_decay=self._phi_decay(),
        )

    def _cuts(self) -> GenerationCuts:
        pr = self.values["process"]
        return GenerationCuts(pr["e_gamma_min"], pr["theta_gamma_min"], pr["theta_gamma_max"])

    def _phi_decay(self) -> str:
        pr = self.values["process"]
        if pr["phi_decay"] is not None:
            return pr["phi_decay"]
        return "none" if pr["name"].startswith("bkg_") else "all"

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """Plain nested dictionary of every value (for JSON output)."""
        return {s: dict(v) for s, v in self.values.items()}


def validate(
    raw: Mapping[str, Any], source: str = "<dict>", text: str = "", overrides: tuple[str, ...] = ()
) -> Card:
    """Check a parsed card against :data:`SCHEMA`, fill defaults, and return a :class:`Card`."""
    values = {s: {k: key.default for k, key in keys.items()} for s, keys in SCHEMA.items()}
    for section, content in raw.items():
        if section not in SCHEMA:
            _check_key(section, "")  # raises: unknown section, with the closest one
        if not isinstance(content, Mapping):
            raise CardError(f"[{section}] must be a table of keys, got {content!r}")
        for key, value in content.items():
            spec = _check_key(section, key)
            values[section][key] = spec.validate(f"{section}.{key}", value)
    return Card(values=values, source=source, text=text, overrides=overrides)


def parse_override(item: str) -> tuple[str, str, Any]:
    """Split ``section.key=value`` into its parts; the value is parsed as TOML (else a string)."""
    if "=" not in item:
        raise CardError(f"override {item!r}: expected section.key=value")
    lhs, rhs = item.split("=", 1)
    if lhs.count(".") != 1:
        raise CardError(f"override {item!r}: expected section.key=value (one dot)")
    section, key = (p.strip() for p in lhs.split("."))
    spec = _check_key(section, key)
    try:
        value = tomllib.loads(f"v = {rhs.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = rhs.strip()
    if spec.type is str and not isinstance(value, str):
        value = rhs.strip()  # e.g. a wall time 02:00:00, which TOML reads as a time of day
    return section, key, value


def builtin_cards() -> dict[str, str]:
    """Built-in cards: name -> first comment line (their description)."""
    out = {}
    for entry in sorted(resources.files("darkstrahl.cards").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            first = entry.read_text().splitlines()[0] if entry.read_text() else ""
            out[entry.name[:-5]] = first.lstrip("# ").strip()
    return out


def read_card_text(name_or_path: str | Path) -> tuple[str, str]:
    """(source label, TOML text) of a card file or a built-in card name."""
    path = Path(name_or_path)
    if path.is_file():
        return str(path), path.read_text()
    name = str(name_or_path).lower().removesuffix(".toml")
    entry = resources.files("darkstrahl.cards").joinpath(f"{name}.toml")
    if entry.is_file():
        return f"builtin:{name}", entry.read_text()
    raise CardError(
        f"card {str(name_or_path)!r} is neither a file nor a built-in card "
        f"(built-in: {', '.join(builtin_cards())})"
    )


def load_card(name_or_path: str | Path, overrides: Iterable[str] = ()) -> Card:
    """Read, parse and validate a card, then apply ``section.key=value`` overrides."""
    source, text = read_card_text(name_or_path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CardError(f"{source}: not valid TOML: {exc}") from None
    overrides = tuple(overrides)
    for item in overrides:
        section, key, value = parse_override(item)
        raw.setdefault(section, {})[key] = value
    return validate(raw, source=source, text=text, overrides=overrides)


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
