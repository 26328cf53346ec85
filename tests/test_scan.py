"""Scan tasks and the scan command (issue 6): one sample serves every theta (reweighting equals
regeneration), yields are consistent, and `darkstrahl scan` writes every file."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from darkstrahl.analysis.scan import (
    EFFICIENCY_COLUMNS,
    PointKey,
    ScanSettings,
    build_point,
    mass_points,
    run_point,
)
from darkstrahl.cli import main
from darkstrahl.detector.belle2 import Belle2
from darkstrahl.gen.sampler import SamplerSettings
from darkstrahl.gen.signal_process import GenerationCuts

SMALL = SamplerSettings(n_iterations=3, n_per_iteration=5000)


def settings(theta: float = 1.27e-4, **kw: object) -> ScanSettings:
    return ScanSettings(
        couplings={"g_chi": 1.0, "eps": 1e-4, "theta": theta, "q_Phi": 2.0},
        sqrt_s=10.58,
        detector=Belle2(n_copies=10),
        cuts=GenerationCuts(),
        n_events=4000,
        sampler=SMALL,
        theta_grid=tuple(np.logspace(-7, -0.5, 20)),
        **kw,
    )


def test_mass_points() -> None:
    assert mass_points("B1", 1.2, 0.3, 1.25, 10.58)[-1] == pytest.approx(7.5)
    assert len(mass_points("B1", 1.2, 0.3, 1.25, 10.58)) == 22
    b3 = mass_points("B3", 1.2, 0.3, 1.25, 10.58)
    assert b3[-1] * (1 + 1 / 8) < 10.58 and (b3[-1] + 0.3) * (1 + 1 / 8) >= 10.58  # kinematic limit


@pytest.mark.parametrize("channel", ["phi", "gamma_phi"])
def test_reweighting_equals_regeneration(channel: str) -> None:
    """The same seed at another theta generates the same events (theta only scales the rate by cos^2), so
    the histograms reweighted from theta_0 must equal those of the sample generated at theta."""
    key = PointKey("B1", 4.5, channel)
    a = run_point(key, settings(theta=1.27e-4))
    b = run_point(key, settings(theta=3e-4))
    np.testing.assert_allclose(a.edges, b.edges)

    # the analysis of (a), evaluated at theta = 3e-4 and at its own theta. Reweighting neglects only the
    # cos^2(theta) in Gamma(A' -> chi chibar phi), which moves the A' width by 1.5 % x 8e-8 ~ 1e-9 here.
    point, _, _ = build_point(key, settings(theta=1.27e-4))
    np.testing.assert_allclose(point.signal_hist(1e-4, 3e-4), b.signal_hist, rtol=1e-7, atol=1e-300)
    np.testing.assert_allclose(point.signal_hist(1e-4, 1.27e-4), a.signal_hist, rtol=1e-9, atol=1e-300)


def test_point_yields_and_reach_are_consistent() -> None:
    res = run_point(PointKey("B1", 4.5, "phi"), settings())
    row = res.rows[0]
    # sig_before = L x sigma x <P(2-9 mm)>: between the selected S and the sigma x L upper bound
    assert row["sel_sig"] <= row["sig_before"] <= res.sigma_fb * 1e4
    assert row["sig_before"] == pytest.approx(res.signal_hist.sum(), rel=1e-9)
    # the eps reach puts -2 ln L at 3.84: S scales as eps^2 and the N_b = 1 window is nearly background free
    reach = res.eps_reach[1.0]
    assert 1e-6 < reach < 1e-4
    lo, hi, n = res.theta_region[1.0]
    assert n == 1 and lo < 1.27e-4 < hi  # the reference point itself is excluded (-2 ln L ~ 55)
    assert row["minus2lnL"] > 3.84
    # larger background: weaker reach
    assert res.eps_reach[1e4] > reach


def test_scan_command_writes_everything(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = [
        "scan",
        "reference_study",
        "-o",
        str(out),
        "--workers",
        "1",
        "--set",
        'analysis.benchmarks=["B1"]',
        "--set",
        "analysis.m_Ap_min=4.5",
        "--set",
        "analysis.m_Ap_max=4.8",
        "--set",
        "analysis.n_events=3000",
        "--set",
        "analysis.theta_points=12",
        "--set",
        "detector.n_copies=5",
    ]
    assert main(args) == 0
    assert "scan: 4 tasks" in capsys.readouterr().out
    with open(out / "efficiency_table.csv") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == EFFICIENCY_COLUMNS
    assert len(rows) == 1 + 2 * 2 * 2  # (m_Ap 4.5, 4.8) x (phi, gamma_phi) x (N_b 1, 1e4)
    phi_rows = [r for r in rows[1:] if r[1] == "phi"]
    assert phi_rows[0][9] == "" and phi_rows[0][7] != ""  # vmax empty for phi, window set
    gamma_rows = [r for r in rows[1:] if r[1] == "gamma_phi"]
    assert gamma_rows[0][7] == "" and gamma_rows[0][9] != ""
    for name in (
        "reach_eps.csv",
        "reach_theta.csv",
        "scan.json",
        "cross_sections.png",
        "cross_sections.pdf",
        "dalitz.png",
        "regime_map.png",
        "distributions.png",
        "reach_eps.png",
        "reach_theta.png",
        "reach_ratio.png",
    ):
        assert (out / name).stat().st_size > 0, name
    record = json.loads((out / "scan.json").read_text())
    assert record["n_events_per_sample"] == 3000 and record["seed"] == 20240521
    assert math.isfinite(record["wall_time_s"])
