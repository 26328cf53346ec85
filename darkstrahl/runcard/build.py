"""From a validated run card to the objects it describes: model, process, beams, detector, run and scan
settings, scheduler. Each function takes a :class:`~.load.Card` and raises
:class:`~darkstrahl.errors.CardError` or :class:`~darkstrahl.errors.ParameterError` naming the key when the
values do not fit together."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from darkstrahl.analysis.checkpoint import card_hash
from darkstrahl.analysis.executors import SchedulerConfig
from darkstrahl.analysis.scan import PointKey, ScanSettings, mass_points
from darkstrahl.detector.acceptance import Acceptance
from darkstrahl.detector.beams import Beams
from darkstrahl.detector.belle2 import Belle2
from darkstrahl.detector.regions import region
from darkstrahl.errors import CardError
from darkstrahl.gen.event_stream import RunSettings
from darkstrahl.gen.idm_model import IdmModel
from darkstrahl.gen.idm_process import idm_model_from_section
from darkstrahl.gen.isr_process import IsrProcess, IsrSettings
from darkstrahl.gen.model import COUPLING_KEYS, DarkModel
from darkstrahl.gen.process import Process, ProcessRequest
from darkstrahl.gen.registry import build_process
from darkstrahl.gen.signal_process import PDG_AP, PDG_CHI, PDG_PHI, GenerationCuts

from .load import Card

#: Processes whose unstable particles are not decayed unless the card asks (flat backgrounds).
UNDECAYED_BY_DEFAULT = ("bkg_phi", "bkg_gamma_phi")


def model(card: Card) -> DarkModel | IdmModel:
    """The :class:`~darkstrahl.gen.model.DarkModel` of the ``[model]`` section, or the
    :class:`~darkstrahl.gen.idm_model.IdmModel` when ``model.kind = "idm"``."""
    if card["model"]["kind"] == "idm":
        return idm_model_from_section(card["model"])
    return DarkModel.from_section(card["model"])


def beams(card: Card) -> Beams:
    """The :class:`~darkstrahl.detector.beams.Beams` of ``[beams]`` (preset, then explicit overrides)."""
    b = card["beams"]
    result = Beams.preset(b["preset"], with_spread=b["energy_spread"])
    over = {k: b[k] for k in ("e_her", "e_ler", "angle_her", "angle_ler") if b[k] is not None}
    return dataclasses.replace(result, **over) if over else result


def sqrt_s(card: Card) -> float:
    """Generation energy [GeV]: ``run.sqrt_s`` or the beams' sqrt(s)."""
    value = card["run"]["sqrt_s"]
    return beams(card).sqrt_s if value is None else value


def beam_effects(card: Card, isr: bool | None = None) -> IsrSettings:
    """ISR (``beams.isr``, ``isr_alpha``) and the beam-energy spread sampled in the hard process
    (``beams.energy_spread``: the preset's sigma_E/E of both beams)."""
    b = card["beams"]
    bm = beams(card)
    spread = (bm.spread_her / bm.e_her, bm.spread_ler / bm.e_ler)
    return IsrSettings(enabled=b["isr"] if isr is None else isr, alpha=b["isr_alpha"], spread=spread)


def process(card: Card, isr: bool | None = None) -> Process:
    """The process named by ``process.name`` (through :mod:`darkstrahl.gen.registry`), convoluted with
    initial-state radiation (``beams.isr`` or ``isr``) and the beam-energy spread
    (``beams.energy_spread``)."""
    hard = build_process(ProcessRequest(card["process"]["name"], sqrt_s(card), card.values))
    effects = beam_effects(card, isr)
    if not effects.active:
        return hard
    if hard.sampling != "multichannel":
        raise CardError(
            f"beams.isr / beams.energy_spread: the flat phase-space process {hard.name!r} has neither "
            "(set them to false)"
        )
    return IsrProcess(hard, effects)  # type: ignore[arg-type]


def cuts(card: Card) -> GenerationCuts:
    return GenerationCuts.from_section(card["process"])


def decays(card: Card) -> str:
    """``process.phi_decay``, defaulting to ``all`` (signal) or ``none`` (flat backgrounds)."""
    pr = card["process"]
    if pr["phi_decay"] is not None:
        return pr["phi_decay"]
    return "none" if pr["name"] in UNDECAYED_BY_DEFAULT else "all"


def run_settings(card: Card) -> RunSettings:
    """The :class:`~darkstrahl.gen.event_stream.RunSettings` of ``[run]`` and ``[process] phi_decay``."""
    r = card["run"]
    return RunSettings(
        n_points=r["n_points"],
        n_pilot=r["n_pilot"],
        max_overweight=r["max_overweight"],
        chunk_size=r["chunk_size"],
        decays=decays(card),
    )


def pdg_map(card: Card) -> dict[int, int]:
    """PDG ids written to event files for the dark sector (``[output] pdg_*``), |id| -> id."""
    out = card["output"]
    return {PDG_CHI: out["pdg_chi"], PDG_PHI: out["pdg_phi"], PDG_AP: out["pdg_Ap"]}


def detector(card: Card) -> Belle2:
    """The :class:`~darkstrahl.detector.belle2.Belle2` model of ``[detector]`` and ``[beams]``. The
    beam-energy spread is sampled in the hard process (:func:`beam_effects`), so the detector's CM -> lab
    transform is the nominal one (no second, independent spread)."""
    d = card["detector"]
    return Belle2(
        beams=dataclasses.replace(beams(card), spread_her=0.0, spread_ler=0.0),
        region=region(d["region"], d["r_in"], d["r_out"]),
        vertex_mode=d["vertex_mode"],
        resolution=d["resolution"],
        n_copies=d["n_copies"],
        acceptance=Acceptance(photon_e_min=d["photon_e_min"]),
        apply_acceptance=d["apply_acceptance"],
    )


def scan_settings(card: Card) -> ScanSettings:
    """The scan settings of the card (:class:`~darkstrahl.analysis.scan.ScanSettings`); the reference
    eps and theta of the efficiency table are those of ``[model]``."""
    a = card["analysis"]
    m = card["model"]
    if not a["theta_min"] < a["theta_max"] < math.pi / 2:
        raise CardError("analysis.theta_min/theta_max: need theta_min < theta_max < pi/2")
    return ScanSettings(
        couplings={k: m[k] for k in COUPLING_KEYS},
        sqrt_s=sqrt_s(card),
        detector=detector(card),
        cuts=cuts(card),
        luminosity_ab=a["luminosity"],
        n_events=a["n_events"],
        n_b=a["n_b"],
        ratio_gamma=card["process"]["ratio_gamma"],
        theta_for_eps_reach=a["theta_for_eps_reach"],
        eps_for_theta_reach=a["eps_for_theta_reach"],
        theta_grid=tuple(
            np.logspace(math.log10(a["theta_min"]), math.log10(a["theta_max"]), a["theta_points"])
        ),
        seed=card["run"]["seed"],
        isr=beam_effects(card),
    )


def scan_keys(card: Card) -> list[PointKey]:
    """Every (benchmark, m_A', channel) of ``[analysis]``."""
    a = card["analysis"]
    keys = []
    for bench in a["benchmarks"]:
        for m in mass_points(
            bench, a["m_Ap_min"], a["m_Ap_step"], a["m_phi_max"], sqrt_s(card), a["m_Ap_max"]
        ):
            keys += [PointKey(bench, m, ch) for ch in a["channels"]]
    if not keys:
        raise CardError("analysis: the m_A' range of the card contains no mass point")
    return keys


def scheduler(card: Card, address: str | None = None, workers: int | None = None) -> SchedulerConfig:
    """The :class:`~darkstrahl.analysis.executors.SchedulerConfig` of ``[scheduler]`` (``address``
    selects a dask scheduler; ``workers`` sets the local pool size, default ``analysis.workers``)."""
    sc = card["scheduler"]
    return SchedulerConfig(
        kind="dask" if address else sc["kind"],
        workers=card["analysis"]["workers"] if workers is None else workers,
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


def scan_hash(card: Card) -> str:
    """Hash of what determines a scan's results (not where it runs, not [output])."""
    from darkstrahl import __version__

    values = {k: dict(v) for k, v in card.values.items() if k not in ("scheduler", "output")}
    values["analysis"].pop("workers", None)
    return card_hash(values, __version__)
