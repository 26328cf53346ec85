"""Tests of the iDM displaced-vertex analysis (issue 16 part 5): DSCB fit, selection, limits, scan."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.integrate import quad

from darkstrahl.analysis.idm_limits import (
    ChannelInput,
    channel_limit,
    combined_limit,
    excluded_interval,
    expected_counts,
)
from darkstrahl.analysis.idm_mass import Dscb, Resolution, fit_dscb, mass_windows, window_at, window_fraction
from darkstrahl.analysis.idm_sample import IdmSample, generator_sample, stand_in_sample
from darkstrahl.analysis.idm_selection import CUTS, IdmSelectionConfig, select
from darkstrahl.errors import CardError, ParameterError
from darkstrahl.gen.idm_model import IdmModel

FIG3 = {"ap_ratio": 3.0, "delta_ratio": 0.4, "alpha_D": 0.1, "eps": 1.5e-3, "theta": 1e-4}
EXACT = IdmSelectionConfig(vertex_sigma_mm=0.0)


def _model(m_hp: float = 1.0, m_chi1: float = 2.5) -> IdmModel:
    return IdmModel.from_ratios(m_chi1, m_hp, **FIG3)


@pytest.fixture(scope="module")
def mu_sample() -> IdmSample:
    return stand_in_sample(_model(), 4000, np.random.default_rng(11), species="mu")


# ---------------------------------------------------------------------------------------------- DSCB
def test_dscb_normalised_and_fit_recovers_parameters():
    """Closed-form normalisation (quadrature), then an unbinned fit of 8000 exact draws recovers the true
    parameters within 4 standard deviations of the fit errors, and -ln L at the fit is below -ln L at the
    truth (the fit is a minimum) by less than 10 (chi2/2 of 6 parameters: ~3)."""
    truth = Dscb(1.0, 0.01, 1.2, 3.0, 1.8, 5.0)
    total, _ = quad(truth.pdf, -50, 50, points=[0.95, 1.0, 1.05], limit=800)
    tail = 2 * (truth.n_l / truth.alpha_l) ** truth.n_l * math.exp(-0.5 * truth.alpha_l**2)  # beyond +-50
    assert total == pytest.approx(1.0, abs=1e-5 + tail * (5000.0) ** (1 - truth.n_l))
    x = truth.sample(8000, np.random.default_rng(5))
    fit = fit_dscb(x)
    for name, err in zip(("mu", "sigma", "alpha_l", "n_l", "alpha_r", "n_r"), fit.errors, strict=True):
        assert abs(getattr(fit.params, name) - getattr(truth, name)) < 4 * err, name
    nll_truth = -np.sum(np.log(truth.pdf(x)))
    assert 0 <= nll_truth - fit.nll < 10


def test_dscb_rejects_bad_parameters():
    with pytest.raises(ParameterError, match="dscb"):
        Dscb(0.0, 0.01, 1.0, 1.0, 1.0, 2.0)  # n = 1: tail not normalisable


def test_window_lattice_and_sidebands():
    """Windows +-2 sigma in steps of sigma/2; f = sideband/window width; pi pi split at 1 GeV."""
    res = Resolution((0.5, 2.5), (0.002, 0.006))
    wins = mass_windows((0.3, 2.8), res)
    c = np.array([w.centre for w in wins])
    assert np.allclose(np.diff(c), 0.5 * res(c[:-1]), rtol=1e-12)
    assert all(w.hi <= 2.8 and w.lo >= 0.3 for w in wins)
    w = window_at(1.5, (0.3, 2.8), res)
    assert w.f == pytest.approx((2.5 - (w.hi - w.lo)) / (w.hi - w.lo))
    w_pi = window_at(0.8, (0.3, 2.8), res, split=1.0)
    assert w_pi.sideband == (0.3, 1.0)
    assert w_pi.f == pytest.approx((0.7 - (w_pi.hi - w_pi.lo)) / (w_pi.hi - w_pi.lo))


# ---------------------------------------------------------------------------------------------- sample
def test_decay_lengths_are_exponential_and_survive_a_round_trip(mu_sample):
    """The fraction of h' with 2 mm <= d_v < 1100 mm equals the mean of exp(-2/d) - exp(-1100/d),
    d = p_T c tau / m (detector/regions.py), within 4 binomial standard deviations; and
    vertices -> u -> vertices."""
    ct = 30.0
    v_hp, v_chi2 = mu_sample.vertices(ct, 5.0)
    dv = np.hypot(v_hp[:, 0], v_hp[:, 1])
    frac = np.mean((dv >= 2.0) & (dv < 1100.0))
    d = np.hypot(mu_sample.p["hp"][:, 1], mu_sample.p["hp"][:, 2]) * ct / mu_sample.m_hp
    expect = np.mean(np.exp(-2.0 / d) - np.exp(-1100.0 / d))
    assert abs(frac - expect) < 4 * math.sqrt(expect * (1 - expect) / len(dv))
    back = IdmSample.from_slots(
        mu_sample.p, mu_sample.species, mu_sample.weight, mu_sample.beams, v_hp, v_chi2, ct, 5.0
    )
    assert np.allclose(back.u_hp, mu_sample.u_hp, rtol=1e-9) and np.allclose(
        back.u_chi2, mu_sample.u_chi2, rtol=1e-9
    )


def test_stand_in_conserves_momentum_and_normalises_to_sigma(mu_sample):
    p = mu_sample.p
    total = p["hp"] + p["chi1"] + p["chi2"]
    assert np.allclose(total, mu_sample.beams.total, atol=1e-9)
    assert np.allclose(p["chi1_d"] + p["e-_d"] + p["e+_d"], p["chi2"], atol=1e-9)
    assert np.allclose(p["x+"] + p["x-"], p["hp"], atol=1e-9)
    assert mu_sample.weight.sum() == pytest.approx(mu_sample.meta["sigma_fb"], rel=1e-12)


def test_generator_sample_reads_the_idm_generator():
    """The matrix-element sample (gen/idm_process.py, Born): momentum conservation in the lab, chi2 ->
    chi1 e+e- daughters, m(x+x-) = m_h', weights summing to the generated sigma, which is within 10 % of the
    narrow-width sigma(A'h') x BR (the three diagrams and the off-shell A' change it by a few %)."""
    from darkstrahl.gen.idm_widths import sigma_hp_chi1chi2_nwa_fb

    model = _model()
    s = generator_sample(model, 3000, np.random.default_rng(4), species="pi", isr=False)
    p = s.p
    assert np.allclose(p["hp"] + p["chi1"] + p["chi2"], s.beams.total, atol=1e-9)
    assert np.allclose(p["chi1_d"] + p["e-_d"] + p["e+_d"], p["chi2"], atol=1e-9)
    m_ee = np.sqrt(np.maximum(_msq(p["e-_d"]), 0))
    assert np.allclose(m_ee, 0.000511, rtol=1e-3)
    assert np.allclose(np.sqrt(_msq(p["x+"] + p["x-"])), model.m_hp, rtol=1e-9)
    assert s.weight.sum() == pytest.approx(s.meta["sigma_fb"], rel=1e-12)
    assert s.meta["sigma_fb"] == pytest.approx(sigma_hp_chi1chi2_nwa_fb(model, s.sqrt_s), rel=0.1)


def _msq(p):
    return p[:, 0] ** 2 - np.sum(p[:, 1:] ** 2, axis=1)


# ---------------------------------------------------------------------------------------------- selection
def _one(sample: IdmSample, i: int, **changes) -> IdmSample:
    p = {k: v[i : i + 1].copy() for k, v in sample.p.items()}
    fields = {
        "p": p,
        "species": sample.species[i : i + 1],
        "u_hp": sample.u_hp[i : i + 1].copy(),
        "u_chi2": sample.u_chi2[i : i + 1].copy(),
        "weight": sample.weight[i : i + 1].copy(),
    }
    fields.update(changes)
    return dataclasses.replace(sample, **fields)


def _first_failed(sample: IdmSample, ct_hp=30.0, ct_chi2=5.0) -> str | None:
    sel = select(sample, ct_hp, ct_chi2, np.random.default_rng(0), EXACT)
    flow = sel.cutflow
    for name in CUTS:
        if flow[name] == 0.0:
            return name
    return None


def test_selection_on_hand_made_events(mu_sample):
    """Events that pass everything, then the same events altered to fail one requirement each."""
    sel = select(mu_sample, 30.0, 5.0, np.random.default_rng(0), EXACT)
    good = np.flatnonzero(sel.passed)[:3]
    short = dataclasses.replace(EXACT, tracking_dv_cm=(0.0, 50.0, 50.1), tracking_eff=(1.0, 1.0, 0.0))
    assert len(good) == 3
    for i in good:
        ev = _one(mu_sample, i)
        assert _first_failed(ev) is None
        # weight = prod of the table efficiency over the four tracks x the probabilities of decaying
        # before 1100 mm (closed forms)
        one = select(ev, 30.0, 5.0, np.random.default_rng(0), EXACT)
        v_hp, v_chi2, prob = ev.forced_vertices(30.0, 5.0, 1100.0)
        eff = (
            EXACT.tracking_efficiency(np.hypot(v_hp[:, 0], v_hp[:, 1])) ** 2
            * EXACT.tracking_efficiency(np.hypot(v_chi2[:, 0], v_chi2[:, 1])) ** 2
        )
        p_hp = 1 - np.exp(-1100.0 * ev.m_hp / (np.hypot(*ev.p["hp"][0, 1:3]) * 30.0))
        p_chi2 = 1 - np.exp(-1100.0 * ev.m_chi2 / (np.hypot(*ev.p["chi2"][0, 1:3]) * 5.0))
        assert prob[0] == pytest.approx(p_hp * p_chi2, rel=1e-12)
        assert one.weight[0] == pytest.approx(ev.weight[0] * eff[0] * prob[0], rel=1e-12)
        # conversion: e- along e+ (same direction, same energy split)
        p = {k: v.copy() for k, v in ev.p.items()}
        p["e-_d"][:, 1:] = p["e+_d"][:, 1:] * (
            np.linalg.norm(p["e-_d"][:, 1:]) / np.linalg.norm(p["e+_d"][:, 1:])
        )
        assert _first_failed(dataclasses.replace(ev, p=p)) == "conversion"
        # h' decaying far out (forced below 110 cm) with a tracking table that is zero beyond 50 cm
        far = select(_one(mu_sample, i, u_hp=np.array([30.0])), 1e4, 5.0, np.random.default_rng(0), short)
        assert far.cutflow["tracking"] == 0.0
        # both vertices within 2 mm of the beam line
        tiny = _one(mu_sample, i, u_hp=np.array([1e-5]), u_chi2=np.array([1e-5]))
        assert _first_failed(tiny) == "displacement"
        # h' flight direction 5 degrees away from p(x+ x-)
        p = {k: v.copy() for k, v in ev.p.items()}
        ang = math.radians(5.0)
        rot = np.array([[math.cos(ang), -math.sin(ang), 0], [math.sin(ang), math.cos(ang), 0], [0, 0, 1]])
        p["hp"][:, 1:] = p["hp"][:, 1:] @ rot.T
        assert _first_failed(dataclasses.replace(ev, p=p)) == "pointing"


def test_mass_vetoes():
    """h' -> pi pi at m_h' = 0.5 GeV sits in the K_S veto, h' -> K K at 1.0 GeV in the phi veto: nothing
    survives them; h' -> mu mu at 0.5 GeV is not vetoed."""
    rng = np.random.default_rng(3)
    pi = select(stand_in_sample(_model(0.5), 600, rng, species="pi"), 30.0, 5.0, rng)
    assert pi.cutflow["pion_accept"] > 0 and pi.cutflow["ks_veto"] == 0.0
    kk = select(stand_in_sample(_model(1.0), 600, rng, species="K"), 30.0, 5.0, rng)
    assert kk.cutflow["lambda_veto"] > 0 and kk.cutflow["phi_veto"] == 0.0
    mu = select(stand_in_sample(_model(0.5), 600, rng, species="mu"), 30.0, 5.0, rng)
    assert mu.cutflow["phi_veto"] == mu.cutflow["muon_accept"] > 0


def test_selection_config_errors():
    with pytest.raises(ParameterError, match="tracking"):
        IdmSelectionConfig(tracking_dv_cm=(0.0, 50.0, 40.0), tracking_eff=(1.0, 0.5, 0.0))
    with pytest.raises(ParameterError, match="ecl_mip"):
        IdmSelectionConfig(ecl_mip={"e": 0.0, "mu": 0.2})


# ---------------------------------------------------------------------------------------------- limits
def test_no_events_gives_2996_over_eff_lumi_through_the_pipeline(mu_sample):
    """No background: expected counts (0, 0), and the 95 % limit is -ln(0.05)/(eff L) = 2.996/(eff L)
    (next_wave.md 2.4 item 9) with eff = selection efficiency x window fraction; the combination of one
    final state with BR = 0.5 is twice that."""
    sel = select(mu_sample, 30.0, 5.0, np.random.default_rng(1))
    fit = fit_dscb(sel.m_xx, sel.weight)
    win = window_at(1.0, (0.2, 3.0), Resolution((1.0,), (fit.params.sigma,)))
    n_obs, n_sb = expected_counts(win, 0.0, (0.2, 3.0))
    assert (n_obs, n_sb) == (0, 0)
    eff = sel.efficiency() * window_fraction(sel.m_xx, sel.weight, win)
    assert 0.9 < window_fraction(sel.m_xx, sel.weight, win) <= 1.0
    ch = ChannelInput("mu", eff, n_obs, n_sb, win.f)
    lumi = 365.0
    assert channel_limit(ch, lumi) == pytest.approx(-math.log(0.05) / (eff * lumi), rel=1e-9)
    assert -math.log(0.05) == pytest.approx(2.996, abs=5e-4)
    assert combined_limit([ch], {"mu": 0.5}, lumi) == pytest.approx(
        2 * -math.log(0.05) / (eff * lumi), rel=1e-6
    )
    assert math.isinf(combined_limit([ch], {"mu": 0.0}, lumi))


def test_expected_counts_and_excluded_interval():
    win = window_at(1.5, (0.2, 3.0), Resolution((1.5,), (0.01,)))
    n_obs, n_sb = expected_counts(win, 280.0, (0.2, 3.0))  # b_win = 280 * 0.04 / 2.8 = 4
    assert n_obs == 4 and n_sb == round(4 * win.f)
    grid = np.geomspace(1e-6, 1e-2, 5)
    lo, hi = excluded_interval(grid, np.array([-1.0, 1.0, 2.0, 1.0, -3.0]))
    assert lo == pytest.approx(math.sqrt(1e-6 * 1e-5)) and hi == pytest.approx(1e-3 * 10**0.25)
    assert excluded_interval(grid, -np.ones(5)) is None


# ---------------------------------------------------------------------------------------------- scan
def test_tiny_scan_end_to_end_and_resume(tmp_path, capsys):
    """darkstrahl scan idm_scan with a one-point grid: tables and plots written; a rerun loads the
    checkpointed tasks and reproduces the tables bit for bit."""
    from darkstrahl.cli import main

    args = [
        "scan",
        "idm_scan",
        "-o",
        str(tmp_path),
        "--workers",
        "1",
        "--set",
        "idm_analysis.m_hp=[1.0]",
        "--set",
        'idm_analysis.species=["mu"]',
        "--set",
        "idm_analysis.ctau_hp_cm=[10.0]",
        "--set",
        "idm_analysis.n_events=1500",
        "--set",
        "idm_analysis.y_m_chi1=[2.5]",
        "--set",
        "idm_analysis.sin_theta_grid=[1e-5, 1e-3, 3]",
        "--set",
        "idm_analysis.eps_grid=[1e-4, 1e-2, 3]",
    ]
    assert main(args) == 0
    names = [
        "idm_resolution.csv",
        "idm_efficiency.csv",
        "idm_limits_sigma_br.csv",
        "idm_limits_sin_theta.csv",
        "idm_limits_y.csv",
        "idm_limit_sigma_br.png",
        "scan.json",
    ]
    first = {n: (tmp_path / n).read_bytes() for n in names}
    assert len(list((tmp_path / "tasks").glob("*.json"))) == 2
    assert main(args) == 0
    for n in names[:5]:
        assert (tmp_path / n).read_bytes() == first[n], n
    assert main([*args, "--set", "idm_analysis.background=[1.0]"]) == 2
    assert "idm_analysis.background: expected 3 values" in capsys.readouterr().err
    from darkstrahl.analysis.idm_run import settings_from_card
    from darkstrahl.runcard import load_card

    with pytest.raises(CardError, match="tracking"):
        settings_from_card(load_card("idm_scan", ["idm_analysis.tracking_eff=[1.0, 2.0]"]))


def test_forced_vertices_equal_plain_vertices_in_expectation(mu_sample):
    """Weighted forced decays (d_v < 1100 mm, weight P) reproduce the plain exponential vertices inside
    1100 mm: the weighted mean of d_v and the weighted fraction below 300 mm agree within 4 MC errors, at a
    long lifetime where most decays are outside."""
    ct = 3000.0
    v_hp, _ = mu_sample.vertices(ct, 5.0)
    dv = np.hypot(v_hp[:, 0], v_hp[:, 1])
    f_hp, _, prob = mu_sample.forced_vertices(ct, 5.0, 1100.0)
    prob_hp = prob / mu_sample.forced_vertices(1e-3, 5.0, 1100.0)[2]  # remove the chi2 factor (= P_chi2)
    df = np.hypot(f_hp[:, 0], f_hp[:, 1])
    assert np.all(df < 1100.0)
    inside = dv < 1100.0
    for f in (lambda d: d < 300.0, lambda d: d / 1100.0):
        plain = f(dv) * inside
        forced = f(df) * prob_hp
        err = math.hypot(plain.std(), forced.std()) / math.sqrt(len(dv))
        assert abs(plain.mean() - forced.mean()) < 4 * err
