"""Card sections of the detector and the analyses: ``[detector]``, ``[scheduler]``, ``[analysis]`` and the
search sections ``[idm_analysis]``, ``[ahp]`` (assembled in :mod:`darkstrahl.runcard.schema`).
"""

from __future__ import annotations

import dataclasses

from darkstrahl.analysis.executors import KINDS
from darkstrahl.analysis.scan import ScanSettings
from darkstrahl.detector.acceptance import Acceptance
from darkstrahl.detector.belle2 import RESOLUTION_MODES, VERTEX_MODES, Belle2
from darkstrahl.detector.muon_id import MuonIdTable
from darkstrahl.detector.regions import REGIONS
from darkstrahl.detector.trigger import TwoTrackTrigger
from darkstrahl.gen.model import BENCHMARKS

from .keys import (
    Key,
    at_least_two,
    each_positive,
    non_negative,
    non_negative_int,
    positive,
    positive_int,
)

_DET = Belle2()
_MUID = MuonIdTable()
_TRG = TwoTrackTrigger()
_SCAN = {f.name: f.default for f in dataclasses.fields(ScanSettings)}


#: ANALYSIS_SECTIONS: section -> key -> :class:`~darkstrahl.runcard.keys.Key` (default None: "not set").
ANALYSIS_SECTIONS: dict[str, dict[str, Key]] = {
    "detector": {
        "region": Key(
            str,
            "displaced",
            "phi decay region (physics.md 3): prompt 0-2, displaced 2-9, "
            "instrumented 9-1100, invisible > 1100 mm, all; r_in/r_out override",
            choices=tuple(REGIONS),
        ),
        "r_in": Key(float, None, "inner transverse radius of a user-defined region", "mm", non_negative),
        "r_out": Key(float, None, "outer transverse radius of a user-defined region", "mm", positive),
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
            int, _DET.n_copies, "Gaussian copies per event (weight / n_copies)", "", positive_int
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
            non_negative,
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
            float, _TRG.plateau, "two-track trigger plateau efficiency (seed 000: 89 %)", "", non_negative
        ),
        "trigger_theta_min": Key(float, _TRG.theta_min, "two-track trigger: minimum lab polar angle", "deg"),
        "trigger_theta_max": Key(float, _TRG.theta_max, "two-track trigger: maximum lab polar angle", "deg"),
        "trigger_dphi_min": Key(
            float, _TRG.dphi_min, "two-track trigger: minimum azimuthal opening angle", "deg"
        ),
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
            float, 30.0, "seconds to wait for the dask scheduler before the scan gives up", "s", positive
        ),
        "jobs": Key(int, 10, "batch jobs to start (slurm, htcondor)", "", positive_int),
        "queue": Key(str, None, "batch queue / partition (slurm)"),
        "cores": Key(int, 1, "cores per batch job", "", positive_int),
        "processes": Key(int, 1, "dask worker processes per batch job", "", positive_int),
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
        "m_hp": Key(list, (0.5, 1.0, 1.5, 2.0), "scan: h' masses", "GeV", each_positive, item=float),
        "m_chi1": Key(float, 2.5, "scan: m_chi1 of the benchmark family", "GeV", positive),
        "ap_ratio": Key(float, 3.0, "scan: m_A' / m_chi1", "", positive),
        "delta_ratio": Key(float, 0.4, "scan: Delta m / m_chi1", "", positive),
        "alpha_D": Key(float, 0.1, "scan: alpha_D (seed-002 DM coupling)", "", positive),
        "eps": Key(float, 1.5e-3, "scan: kinetic mixing of the samples", "", positive),
        "theta_ref": Key(float, 1e-4, "scan: h'-H mixing angle of the samples", "rad", positive),
        "species": Key(list, ("mu", "pi", "K"), "scan: h' final states", item=str, choices=("mu", "pi", "K")),
        "ctau_hp_cm": Key(
            list, (0.1, 1.0, 10.0, 100.0, 1000.0), "scan: c tau(h') grid", "cm", each_positive, item=float
        ),
        "ctau_ref_cm": Key(float, 10.0, "scan: c tau(h') of the DSCB resolution fit", "cm", positive),
        "luminosities": Key(
            list, (365.0, 50000.0), "scan: luminosities of the limits", "fb^-1", each_positive, item=float
        ),
        "background": Key(
            list,
            (0.0, 8.0, 1.0),
            "scan: background events over the mass range at 365 fb^-1 (mu, pi, K)",
            item=float,
        ),
        "m_range": Key(list, (0.2, 3.0), "scan: m(x+x-) range of the sidebands", "GeV", item=float),
        "pipi_split": Key(float, 1.0, "scan: pi pi sideband split", "GeV", positive),
        "rel_eff_sys": Key(float, 0.04, "scan: relative signal-efficiency uncertainty", "", non_negative),
        "rel_lumi_sys": Key(float, 0.0047, "scan: relative luminosity uncertainty", "", non_negative),
        "sin_theta_grid": Key(
            list, (1e-8, 1e-1, 22.0), "scan: sin(theta) log grid (min, max, points)", item=float
        ),
        "y_m_chi1": Key(
            list, (1.5, 2.5), "scan: m_chi1 values of the y limits", "GeV", each_positive, item=float
        ),
        "y_m_hp": Key(float, 0.5, "scan: m_h' of the y limits", "GeV", positive),
        "y_sin_theta": Key(float, 1e-4, "scan: sin(theta) of the y limits", "", positive),
        "eps_grid": Key(
            list, (1e-5, 1e-2, 13.0), "scan: eps log grid of the y limits (min, max, points)", item=float
        ),
        "n_events": Key(int, 20000, "scan: events per sample and final state", "", at_least_two),
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
            float, 0.5, "vertex resolution per coordinate (placeholder)", "mm", non_negative
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
            positive,
        ),
        "benchmarks": Key(list, ("B1", "B2", "B3"), "scan: benchmarks", item=str, choices=tuple(BENCHMARKS)),
        "channels": Key(list, ("phi", "gamma_phi"), "scan: channels", item=str, choices=("phi", "gamma_phi")),
        "m_Ap_min": Key(float, 1.2, "scan: first m_A'", "GeV", positive),
        "m_Ap_step": Key(float, 0.3, "scan: m_A' step", "GeV", positive),
        "m_Ap_max": Key(
            float, None, "scan: last m_A' (default: the m_phi limit or the kinematic limit)", "GeV", positive
        ),
        "m_phi_max": Key(
            float,
            1.25,
            "scan: largest m_phi of the mass grid (the reference study's range; the phi width tables, and so "
            "model.m_phi, reach 5.13 GeV)",
            "GeV",
            positive,
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
            positive,
        ),
        "eps_for_theta_reach": Key(
            float,
            _SCAN["eps_for_theta_reach"],
            "scan: eps at which the theta region is computed",
            "",
            positive,
        ),
        "theta_min": Key(float, 1e-7, "scan: smallest theta of the theta grid", "rad", positive),
        "theta_max": Key(float, 0.5, "scan: largest theta of the theta grid", "rad", positive),
        "theta_points": Key(int, 40, "scan: points of the logarithmic theta grid", "", at_least_two),
        "n_events": Key(
            int,
            _SCAN["n_events"],
            "scan: generated events per sample (signal and background)",
            "",
            at_least_two,
        ),
        "workers": Key(int, 0, "scan: local worker processes (0: all cores)", "", non_negative_int),
    },
    "ahp": {  # the Belle II A'h' search (next_wave.md 1.2-1.4; darkstrahl.analysis.ahp_scan)
        "m_Ap": Key(
            list, (2.0, 4.0, 6.5, 9.0), "A'h' scan: M_A' values of the grid", "GeV", each_positive, item=float
        ),
        "m_hp": Key(
            list,
            (0.5, 1.5, 2.7),
            "A'h' scan: M_h' values (pairs need M_h' < M_A')",
            "GeV",
            each_positive,
            item=float,
        ),
        "plot_m_hp": Key(
            float, None, "A'h' scan: M_h' of the limit-vs-M_A' plots (default: first m_hp)", "GeV"
        ),
        "n_signal": Key(
            int, 4000, "A'h' scan: signal events per point and sample (no-ISR, ISR)", "", positive_int
        ),
        "n_background": Key(int, 20000, "A'h' scan: events per background sample", "", positive_int),
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
        "spacing": Key(float, 1.1, "window lattice step in units of the semi-axes", "", positive),
        "lattice_extent": Key(
            int, 1, "lattice windows per side around each point (0: none)", "", non_negative_int
        ),
        "c_eta_cuts": Key(
            list,
            (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0),
            "grid of C_eta cuts for Punzi",
            item=float,
        ),
        "punzi_a": Key(float, 1.6448536269514729, "Punzi a (sigmas)", "", positive),
        "cl": Key(
            float, 0.9, "credibility of the upper limits", "", lambda v: None if 0 < v < 1 else "in (0, 1)"
        ),
        "bayes_s_max": Key(float, 100.0, "flat signal prior range of the Bayes factor", "events", positive),
        "systematics": Key(str, "spec", "systematics: the spec's table or none", choices=("spec", "none")),
        "empty_window": Key(
            str,
            "mean",
            "background weight of a window without MC events (Gamma(1, w) prior): the mean or largest "
            "selected background weight, or zero (background-free)",
            choices=("mean", "max", "zero"),
        ),
        "trigger_eff": Key(float, 0.89, "trigger plateau efficiency (weight)", "", positive),
        "muon_id_p_edges": Key(list, (0.0, 1000.0), "muon-ID momentum bin edges", "GeV", item=float),
        "muon_id_eff": Key(list, (1.0,), "muon-ID efficiency per bin and muon", "", item=float),
        "workers": Key(int, 0, "A'h' scan: local worker processes (0: all cores)", "", non_negative_int),
    },
}
