"""Tests of the A'h' analysis (issue 15): selection variables and cut flow, window construction on a known
Gaussian, the Punzi helicity cut on a hand-made case, limits and their conversion, and an end-to-end scan
through the command line on tiny samples."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from darkstrahl.analysis.ahp_scan import lattice_neighbours
from darkstrahl.analysis.ahp_search import (
    REL_BR_SYS,
    SearchSample,
    Systematics,
    analyse_window,
    background_estimate,
    coupling_limits,
    discovery_count,
    fit_window,
    spec_systematics,
)
from darkstrahl.analysis.ahp_selection import AhpCuts, DimuonEvents, dimuon_variables, select
from darkstrahl.analysis.ahp_signal import sigma_unit_fb, synthetic_signal
from darkstrahl.analysis.bayes_limit import Background, local_significance, signal_upper_limit
from darkstrahl.analysis.ellipse import CONTAINMENT_2SIGMA, EllipseWindow
from darkstrahl.cli import main
from darkstrahl.detector.beams import Beams
from darkstrahl.errors import ParameterError
from darkstrahl.gen.ap_hp_model import longitudinal_fraction

BEAMS = Beams()


def _truth(m_ap: float, m_hp: float, n: int, seed: int) -> DimuonEvents:
    rng = np.random.default_rng(seed)
    mm, mp, w = synthetic_signal(m_ap, m_hp, n, rng, BEAMS.sqrt_s, isr=False)
    return DimuonEvents.from_cm(mm, mp, w, BEAMS, None)


# ------------------------------------------------------------------------------------------- selection
def test_truth_level_masses_and_helicity_distribution() -> None:
    """No ISR, no smearing: M_mumu^2 = M_A'^2 and M_rec^2 = M_h'^2 exactly (nominal beams), and
    <cos^2 eta> = 0.4 - 0.2 f_L (next_wave.md 1.1; the mixture of (3/8)(1 + c^2) and (3/4)(1 - c^2))."""
    m_ap, m_hp, n = 1.65, 0.5, 4000
    ev = _truth(m_ap, m_hp, n, 1)
    v = dimuon_variables(ev.mu_minus, ev.mu_plus, BEAMS)
    np.testing.assert_allclose(v["m_mumu2"], m_ap**2, rtol=1e-9)
    np.testing.assert_allclose(v["m_rec2"], m_hp**2, rtol=0, atol=1e-7 * BEAMS.sqrt_s**2)
    f_l = float(longitudinal_fraction(m_ap, m_hp, BEAMS.sqrt_s))
    assert f_l == pytest.approx(0.84, abs=0.01)  # the spec's value at (1.65, 0.5) GeV
    c2 = v["cos_eta"] ** 2
    # 4 standard errors of the mean of cos^2 (sd <= 0.3)
    assert c2.mean() == pytest.approx(0.4 - 0.2 * f_l, abs=4 * c2.std() / math.sqrt(n))
    assert abs(c2.mean() - 1 / 3) > 8 * c2.std() / math.sqrt(n)  # not the unpolarised value


def test_cut_flow_counts_each_failing_cut_once() -> None:
    """Copies of one passing event, each broken for exactly one of cuts 1, 2, 3, 4, 6, 7: every step of the
    cut flow removes exactly one copy; the input errors name the parameter."""
    ev = _truth(6.5, 2.7, 400, 2)
    sel = select(ev, BEAMS)
    i = int(np.flatnonzero(sel.mask)[0])
    k = 7
    mm, mp = np.repeat(ev.mu_minus[i : i + 1], k, 0), np.repeat(ev.mu_plus[i : i + 1], k, 0)
    impact = np.zeros((k, 2, 2))
    impact[1, 0, 0] = 0.6  # cut 1: |d0| > 0.5 cm
    muon_id = np.ones((k, 2), bool)
    muon_id[2, 1] = False  # cut 2
    trigger = np.ones(k, bool)
    trigger[3] = False  # cut 3
    ecl = np.zeros((k, 2))
    ecl[4, 0] = 2.0  # cut 4: > 1.5 GeV
    p_rec = BEAMS.total - mm[0] - mp[0]
    away = -p_rec[1:] / np.linalg.norm(p_rec[1:])
    along = p_rec[1:] / np.linalg.norm(p_rec[1:])
    photons = np.zeros((k, 1, 4))
    photons[5, 0] = [0.5, *(0.5 * away)]  # cut 6: 0.5 GeV > 0.4 GeV
    photons[6, 0] = [0.2, *(0.2 * along)]  # cut 7: 0.2 GeV within 15 deg of the recoil
    bad = DimuonEvents(mm, mp, np.ones(k), photons, ecl, impact, muon_id, trigger)
    table = select(bad, BEAMS).table()
    counts = [r["n_mc"] for r in table]
    assert counts == [7, 6, 5, 4, 3, 3, 2, 1, 1]
    with pytest.raises(ParameterError, match="events.ecl_mu"):
        DimuonEvents(mm, mp, np.ones(k), ecl_mu=np.zeros((k, 3)))
    with pytest.raises(ParameterError, match="ahp.trigger_eff"):
        AhpCuts(trigger_eff=1.5)


def test_muon_id_and_trigger_weights() -> None:
    """Per-bin muon-ID efficiencies multiply the weight per muon, the trigger plateau once per event."""
    ev = _truth(4.0, 1.0, 300, 3)
    cuts = AhpCuts(trigger_eff=0.89, muon_id_edges=(0.0, 1000.0), muon_id_eff=(0.9,))
    sel = select(ev, BEAMS, cuts)
    np.testing.assert_allclose(sel.weights, ev.weights * 0.81 * 0.89)


# ------------------------------------------------------------------------------------------- windows
def test_window_of_a_known_gaussian() -> None:
    """A single correlated 2-D Gaussian (rho = -0.9, widths of the M^2 resolutions): the "content" window is
    the 2-sigma ellipse of its covariance (tolerance 10 %: sampling error of a covariance from 4000 points
    ~ sqrt(2/4000) = 2.2 % per element, plus the double-Gaussian fit's freedom) and contains 1 - e^-2 of
    fresh points from the true density (binomial error 0.54 %, tolerance 4 sigma)."""
    rng = np.random.default_rng(4)
    sx, sy, rho = 0.3, 0.05, -0.9
    cov = np.array([[sx * sx, rho * sx * sy], [rho * sx * sy, sy * sy]])
    mean = np.array([7.29, 42.25])
    pts = rng.multivariate_normal(mean, cov, size=4000)
    fit, win = fit_window(pts[:, 0], pts[:, 1])
    err = np.sqrt(np.diag(cov) / 4000)  # standard errors of the mean
    assert np.all(np.abs(np.asarray(win.centre) - mean) < 4 * err)
    np.testing.assert_allclose(np.diag(win.cov), np.diag(cov), rtol=0.10)
    assert win.cov[0, 1] / math.sqrt(win.cov[0, 0] * win.cov[1, 1]) == pytest.approx(rho, abs=0.01)
    assert fit.content(win) == pytest.approx(CONTAINMENT_2SIGMA, abs=1e-6)
    fresh = rng.multivariate_normal(mean, cov, size=8000)
    frac = win.contains(fresh[:, 0], fresh[:, 1]).mean()
    assert frac == pytest.approx(CONTAINMENT_2SIGMA, abs=4 * math.sqrt(0.865 * 0.135 / 8000) + 0.02)


def test_lattice_neighbours_and_background_model() -> None:
    """Lattice step 1.1 semi-axes along the principal axes: the 4 edge neighbours sit at Mahalanobis
    distance^2 (1.1 a)^2 / (a/2)^2 = 4.84 of the window, the 4 corners at 9.68. Background MC model: equal
    weights give N_MC = N and w exactly; unequal weights keep sum w; an empty window uses w_empty."""
    cov = np.array([[0.09, -0.0135], [-0.0135, 0.0025]])
    win = EllipseWindow((7.3, 42.25), cov)
    c = lattice_neighbours(win, 1.1, 1)
    d2 = np.sort(win.distance2(c[:, 0], c[:, 1]))
    np.testing.assert_allclose(d2, [4.84] * 4 + [9.68] * 4, rtol=1e-9)
    b = background_estimate(np.full(25, 0.4), 3.0, 0.02)
    assert (b.n_mc, b.w, b.rel_sys) == (25, pytest.approx(0.4), 0.02)
    b = background_estimate(np.array([1.0, 3.0]), 3.0, 0.0)
    assert b.b == pytest.approx(4.0) and b.n_mc == 2  # n_eff = 16/10 -> 2
    b = background_estimate(np.array([]), 3.0, 0.0)
    assert (b.n_mc, b.w) == (0, 3.0)


# ------------------------------------------------------------------------------------------- Punzi, limits
def _square_window() -> EllipseWindow:
    return EllipseWindow((0.0, 0.0), np.eye(2))


def test_punzi_choice_on_a_hand_made_case() -> None:
    """Signal uniform in C_eta (1000 events on a regular grid), background 100 events at C_eta in [0.9, 1):
    FOM(c) = c / (a/2) rises up to c = 0.9 (B = 0), then falls to 0.95 / (a/2 + sqrt(50)): the cut is 0.9
    with efficiency 0.9 exactly and no background; the N = 0 limit is then 2.303 events (no systematics)."""
    c_sig = (np.arange(1000) + 0.5) / 1000
    sig = SearchSample(np.zeros(1000), np.zeros(1000), c_sig, np.full(1000, 0.01))
    c_bkg = 0.9 + (np.arange(100) + 0.5) / 1000
    bkg = SearchSample(np.zeros(100), np.zeros(100), c_bkg, np.ones(100))
    res = analyse_window(_square_window(), sig, bkg, 10.0, Systematics(0, 0, 0), w_empty=1.0)
    assert res.c_eta_cut == 0.9
    assert res.eff == pytest.approx(0.9, abs=1e-12)
    assert res.b == 0 and res.n_mc == 0
    # Gamma(1, w = 1) prior on B: the N = 0 flat-prior limit is still exactly -ln(0.1) (B' cancels)
    assert res.s_up_zero == pytest.approx(-math.log(0.1), rel=1e-6)
    zero = analyse_window(_square_window(), sig, bkg, 10.0, Systematics(0, 0, 0), w_empty=0.0)
    assert zero.s_up_expected == pytest.approx((2.302585,) * 5, rel=1e-6)
    lim = coupling_limits(zero, 8.34, 20.0, 25.0)
    s_sel = 0.9 * 10.0  # fb at unit coupling
    # the coupling limit carries the 4 % BR uncertainty: a slightly larger s_up than 2.303
    s_up_br = signal_upper_limit(0, 0.0, REL_BR_SYS)
    assert 2.302585 < s_up_br < 2.302585 * 1.01
    assert lim.eps2_alpha_d[0] == pytest.approx(s_up_br / (8.34 * s_sel), rel=1e-6)
    assert lim.sigma_born[0] == pytest.approx(2.302585 / (8.34 * s_sel / 20.0), rel=1e-6)
    assert lim.sigma_isr[0] == pytest.approx(2.302585 / (8.34 * s_sel / 25.0), rel=1e-6)


def test_spec_systematics_and_discovery_count() -> None:
    """The table of next_wave.md 1.2: below 9 GeV 2.2 % (background) and 5.4 % (signal with the 4 % BR);
    the smallest count with Z >= 3.5 over a known B = 2 is the Poisson quantile (checked by brute force)."""
    s = spec_systematics(5.0)
    assert s.rel_bkg == pytest.approx(0.022, abs=0.0005)
    assert s.with_br().rel_sig == pytest.approx(0.054, abs=0.0006)
    bkg = Background.exact(2.0)
    n = discovery_count(bkg)
    assert local_significance(n, bkg).z >= 3.5 > local_significance(n - 1, bkg).z


def test_unit_rate_reference() -> None:
    """sigma(eps^2 alpha_D = 1) x BR at M_A' = 9.7 GeV, M_h' -> 0 is 2.56e8 fb (next_wave.md 1.1)."""
    assert sigma_unit_fb(9.7, 0.01, 10.58, isr=False) == pytest.approx(2.56e8, rel=0.005)


# ------------------------------------------------------------------------------------------- end to end
def test_cli_scan_end_to_end_and_resume(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The built-in card through ``darkstrahl scan`` on tiny samples: tables and plots are written, the
    window contains ~86 % of the no-ISR signal, and a rerun reuses every task file unchanged."""
    args = [
        "scan", "ahp_scan", "-o", str(tmp_path), "--workers", "1",
        "--set", "ahp.m_Ap=[6.5]", "--set", "ahp.m_hp=[2.7]", "--set", "ahp.n_signal=1200",
        "--set", "ahp.n_background=1500", "--set", "ahp.luminosities=[8.34]", "--set", "ahp.lattice_extent=0",
        "--set", "ahp.plot_m_hp=2.7",
    ]  # fmt: skip
    assert main(args) == 0
    with open(tmp_path / "ahp_windows.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1
    # binomial error of the fraction inside with ~ 600 selected events: 1.4 %; 5 sigma
    assert float(rows[0]["frac_in_window_noisr"]) == pytest.approx(CONTAINMENT_2SIGMA, abs=0.07)
    assert 0 < float(rows[0]["eff"]) < 1 and float(rows[0]["eps2_alpha_d"]) > 0
    for name in ("ahp_cutflow.csv", "ahp_background_composition.csv", "ahp_sigma_ul.png", "scan.json"):
        assert (tmp_path / name).exists()
    # one window: no look-elsewhere effect; the discrete count puts the local p at or below 1 - Phi(3.5)
    (le,) = json.loads((tmp_path / "scan.json").read_text())["look_elsewhere"]
    assert le["n_windows"] == 1 and 0 < le["sidak"]["trials_factor"] <= 1
    tasks = sorted((tmp_path / "tasks").iterdir())
    before = {p.name: p.read_bytes() for p in tasks}
    stamps = {p.name: p.stat().st_mtime_ns for p in tasks}
    assert main(args) == 0
    after = sorted((tmp_path / "tasks").iterdir())
    assert {p.name: p.read_bytes() for p in after} == before
    assert {p.name: p.stat().st_mtime_ns for p in after} == stamps
    assert "ahp scan: 1 points" in capsys.readouterr().out


def test_grid_points_keep_only_the_searched_region() -> None:
    """M_h' < M_A' (invisible h') and M_A' + M_h' < sqrt(s); nothing left is an error naming the keys."""
    from darkstrahl.analysis.ahp_scan import grid_points

    pts = grid_points((2.0, 6.0, 10.0), (0.5, 2.0, 4.0), 10.58)
    assert pts == [(2.0, 0.5), (6.0, 0.5), (6.0, 2.0), (6.0, 4.0), (10.0, 0.5)]
    with pytest.raises(ParameterError, match="ahp.m_Ap/m_hp"):
        grid_points((2.0,), (3.0,), 10.58)


def test_background_samples_carry_their_cross_sections() -> None:
    """tau tau: weights sum to sigma_Born(tau tau) x BR(tau -> mu nu nu)^2 (23.29 pb, validation.md 13.2);
    mu mu gamma: the weights are >= 0 with a finite sum; the two-photon sample keeps only events with
    weight > 0. Unknown names and n < 1 are refused."""
    from darkstrahl.analysis.ahp_backgrounds import background_events
    from darkstrahl.gen.constants import ALPHA, GEV2_TO_FB, M_TAU
    from darkstrahl.gen.sm_tau import tau_to_mu_branching_ratio

    rng = np.random.default_rng(5)
    tau = background_events("tautau", 2000, rng, BEAMS, 10.58, smear=False)
    s, b = 10.58**2, math.sqrt(1.0 - 4.0 * M_TAU**2 / 10.58**2)
    born = 4.0 * math.pi * ALPHA**2 / (3.0 * s) * b * (3.0 - b * b) / 2.0 * GEV2_TO_FB  # QED Born [fb]
    assert tau.weights.sum() == pytest.approx(born * tau_to_mu_branching_ratio() ** 2, rel=1e-10)
    assert tau.weights.sum() == pytest.approx(23.29e3, rel=2e-3)  # docs/validation.md 13.2
    mmg = background_events("mumu_gamma", 2000, rng, BEAMS, 10.58, smear=False)
    assert np.all(mmg.weights >= 0) and 0 < mmg.weights.sum() < np.inf
    eemm = background_events("eemumu", 2000, rng, BEAMS, 10.58, smear=False)
    assert np.all(eemm.weights > 0)
    with pytest.raises(ParameterError, match="ahp.backgrounds"):
        background_events("bhabha", 10, rng, BEAMS, 10.58)
    with pytest.raises(ParameterError, match="ahp.n_background"):
        background_events("tautau", 0, rng, BEAMS, 10.58)
