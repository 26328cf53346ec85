"""Card sections of event generation: ``[model]``, ``[process]``, ``[beams]``, ``[run]``, ``[output]``
(assembled in :mod:`darkstrahl.runcard.schema`; defaults and choices imported from the modules that own them).
"""

from __future__ import annotations

import dataclasses

from darkstrahl.detector.beams import PRESETS
from darkstrahl.detector.regions import REGIONS
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

from .keys import (
    Key,
    angle,
    at_least_two,
    fraction,
    non_negative,
    non_negative_int,
    polarization,
    positive,
    positive_int,
)

_RUN = RunSettings()
_CUTS = GenerationCuts()
_MODEL = {f.name: f.default for f in dataclasses.fields(DarkModel)}
_BKG = {f.name: f.default for f in dataclasses.fields(BackgroundProcess)}
_MATCH = RadiativeMatching()
_EPA = EPASettings()


def _registered_process(v: str) -> str | None:
    """Process names are those of the registry at validation time (plugins may add some)."""
    return None if v in PROCESSES else f"must be one of {sorted(PROCESSES)}"


#: GENERATION_SECTIONS: section -> key -> :class:`~darkstrahl.runcard.keys.Key` (default None: "not set").
GENERATION_SECTIONS: dict[str, dict[str, Key]] = {
    "model": {
        "benchmark": Key(
            str,
            None,
            "mass benchmark (physics.md 1): m_chi, m_phi follow from m_Ap",
            choices=tuple(BENCHMARKS),
        ),
        "m_Ap": Key(float, None, "dark photon mass", "GeV", positive),
        "m_chi": Key(float, None, "dark matter (Dirac chi) mass; only without a benchmark", "GeV", positive),
        "m_phi": Key(float, None, "dark Higgs mass; only without a benchmark", "GeV", positive),
        "g_chi": Key(float, _MODEL["g_chi"], "A' chi chibar coupling g_chi = q_chi g'", "", positive),
        "eps": Key(float, _MODEL["eps"], "kinetic mixing", "", positive),
        "theta": Key(float, _MODEL["theta"], "Higgs mixing angle", "rad", positive),
        "q_Phi": Key(
            float,
            _MODEL["q_Phi"],
            "U(1)' charge of the dark Higgs field (2 reproduces the inelastic-DM reference study)",
            "",
            positive,
        ),
        "q_chi": Key(float, _MODEL["q_chi"], "U(1)' charge of chi", "", positive),
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
            positive,
        ),
        "alpha_D": Key(
            float,
            0.1,
            "alpha_D = g_D^2/(4 pi): ap_hp_mumu, the A' coupling to the dark Higgs (seed 000); "
            "idm, the U(1)' gauge coupling (gen/idm_model.py)",
            "",
            positive,
        ),
        "narrow_resonances": Key(
            str,
            "flag",
            "ap_hp_mumu: m_Ap near J/psi, psi(2S), Upsilon(1S-3S) (not in the DarkCast R): "
            "warn, refuse or ignore",
            choices=("flag", "refuse", "ignore"),
        ),
        "resonance_window": Key(
            float, 0.05, "ap_hp_mumu: half-width of the narrow-resonance flag window", "GeV", positive
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
        "m_chi1": Key(float, None, "idm: lighter Majorana state chi1", "GeV", positive),
        "delta_m": Key(float, None, "idm: splitting m_chi2 - m_chi1", "GeV", positive),
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
            float, _CUTS.e_min, "photon generation cut: minimum energy in the CM frame", "GeV", positive
        ),
        "theta_gamma_min": Key(
            float,
            _CUTS.theta_min,
            "photon generation cut: minimum polar angle in the CM frame",
            "deg",
            angle,
        ),
        "theta_gamma_max": Key(
            float,
            _CUTS.theta_max,
            "photon generation cut: maximum polar angle in the CM frame",
            "deg",
            angle,
        ),
        "ap_width": Key(
            float,
            None,
            "override of the A' width in both propagators (default: the "
            "model's total width; e.g. Gamma(A' -> chi chibar) to compare with a generator "
            "that sets only that width)",
            "GeV",
            positive,
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
            positive,
        ),
        "ratio_gamma": Key(
            float,
            _BKG["ratio_gamma"],
            "backgrounds: gamma-phi to phi background ratio (sigma(ee -> 3 gamma) / sigma(ee -> 2 gamma))",
            "",
            positive,
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
            positive,
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
            non_negative,
        ),
        "tau_spin_correlations": Key(bool, True, "tautau: Born spin correlation of the tau pair"),
        "epa_theta_max": Key(
            float,
            _EPA.theta_max_deg,
            "twophoton_mumu: anti-tag, scattered e+- below this angle (CM)",
            "deg",
            angle,
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
        "e_her": Key(float, None, "e- (HER) energy, overrides the preset", "GeV", positive),
        "e_ler": Key(float, None, "e+ (LER) energy, overrides the preset", "GeV", positive),
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
            float, 0.0, "longitudinal polarization of the e- beam (+1: right-handed)", "", polarization
        ),
    },
    "run": {
        "sqrt_s": Key(
            float,
            None,
            "centre-of-mass energy of the generation (default: the beams' sqrt(s); "
            "10.58 with the 7/4 GeV beams reproduces the reference study's choice)",
            "GeV",
            positive,
        ),
        "seed": Key(
            int, 12345, "seed of numpy.random.Generator (same seed, same events)", "", non_negative_int
        ),
        "n_events": Key(int, 10000, "number of events to generate", "", positive_int),
        "n_points": Key(int, _RUN.n_points, "phase-space points for the cross section", "", at_least_two),
        "n_pilot": Key(
            int, _RUN.n_pilot, "pilot points that fix the maximum weight for unweighting", "", at_least_two
        ),
        "max_overweight": Key(
            float,
            _RUN.max_overweight,
            "fraction of sigma allowed above w_max (events above it carry weight w/w_max)",
            "",
            fraction,
        ),
        "chunk_size": Key(int, _RUN.chunk_size, "events per batch in memory", "", at_least_two),
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
}
