"""Global significance over many windows (analysis/look_elsewhere.py; next_wave.md 1.4): toys against the
exact result for independent and for identical windows, the Sidak bound against both, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import sparse, stats

from darkstrahl.analysis.bayes_limit import Background
from darkstrahl.analysis.look_elsewhere import (
    sidak_bound,
    threshold_counts,
    toy_global_p,
    toy_global_significance,
)
from darkstrahl.errors import ParameterError


def _disjoint(b: list[float], per_window: int) -> tuple[sparse.csr_matrix, np.ndarray]:
    """per_window simulated events of equal weight in each window, no event in two windows."""
    n_win = len(b)
    rows = np.arange(n_win * per_window)
    member = sparse.csr_matrix((np.ones(rows.size, bool), (rows, rows // per_window)), (rows.size, n_win))
    return member, np.repeat(np.asarray(b) / per_window, per_window)


def test_independent_windows_toys_and_sidak_equal_the_exact_value() -> None:
    """Disjoint windows: p_global = 1 - prod_w P(Pois(B_w) < N*_w) exactly; the Sidak bound is that value,
    the toys agree within 4 binomial errors."""
    b = [0.05, 0.3, 1.2, 2.5, 0.8]
    bkgs = [Background.exact(x) for x in b]
    z = 2.5
    counts = threshold_counts(bkgs, z)
    exact = 1.0 - np.prod([stats.poisson.cdf(n - 1, x) for n, x in zip(counts, b, strict=True)])
    bound = sidak_bound(bkgs, z)
    assert bound.p_global == pytest.approx(exact, rel=1e-9)
    member, w = _disjoint(b, 7)
    p, err = toy_global_p(member, w, counts, 40_000, np.random.default_rng(5))
    assert abs(p - exact) < 4 * err, (p, exact, err)
    assert bound.p_local < bound.p_global < len(b) * bound.p_local  # 1 < trials factor < number of windows


def test_identical_windows_have_no_look_elsewhere_effect() -> None:
    """W windows holding the same events: p_global = P(Pois(B) >= N*) = the local p of N* (<= p0), which
    the toys reproduce, while the Sidak bound (independence) overestimates it about W times."""
    n_win, b, z = 6, 1.5, 2.0
    rows = np.repeat(np.arange(20), n_win)
    member = sparse.csr_matrix((np.ones(rows.size, bool), (rows, np.tile(np.arange(n_win), 20))), (20, n_win))
    bkgs = [Background.exact(b)] * n_win
    counts = threshold_counts(bkgs, z)
    exact = stats.poisson.sf(counts[0] - 1, b)
    res = toy_global_significance(member, np.full(20, b / 20), bkgs, z, 40_000, np.random.default_rng(6))
    assert abs(res.p_global - exact) < 4 * res.p_global_err
    assert res.p_global <= res.p_local * (1 + 4 * res.p_global_err / res.p_global)
    assert sidak_bound(bkgs, z).p_global > 4 * exact


def test_overlapping_windows_lie_between_the_bounds() -> None:
    """Events spread over overlapping windows (each event in 1-3 neighbouring windows of a row): the toy
    p_global lies between the largest single-window probability and the Sidak bound."""
    rng = np.random.default_rng(8)
    n_ev, n_win = 400, 12
    first = rng.integers(0, n_win, n_ev)
    span = rng.integers(1, 4, n_ev)
    rows = np.repeat(np.arange(n_ev), span)
    cols = np.minimum(np.repeat(first, span) + np.concatenate([np.arange(k) for k in span]), n_win - 1)
    member = sparse.csr_matrix((np.ones(rows.size, bool), (rows, cols)), (n_ev, n_win))
    w = rng.uniform(0.0, 0.01, n_ev)
    b_w = np.asarray(member.T.astype(float) @ w).ravel()
    bkgs = [Background.exact(x) for x in b_w]
    z = 2.0
    res = toy_global_significance(member, w, bkgs, z, 20_000, np.random.default_rng(9))
    counts = threshold_counts(bkgs, z)
    single = max(stats.poisson.sf(n - 1, x) for n, x in zip(counts, b_w, strict=True))
    assert single - 4 * res.p_global_err < res.p_global < sidak_bound(bkgs, z).p_global + 4 * res.p_global_err
    assert math.isfinite(res.z_global) and res.trials_factor > 1


def test_bad_input_is_refused() -> None:
    member, w = _disjoint([0.1, 0.2], 3)
    rng = np.random.default_rng(1)
    with pytest.raises(ParameterError, match="weights"):
        toy_global_p(member, w[:-1], np.array([2, 2]), 10, rng)
    with pytest.raises(ParameterError, match="weights"):
        toy_global_p(member, -w, np.array([2, 2]), 10, rng)
    with pytest.raises(ParameterError, match="counts"):
        toy_global_p(member, w, np.array([0, 2]), 10, rng)
    with pytest.raises(ParameterError, match="n_toys"):
        toy_global_p(member, w, np.array([2, 2]), 0, rng)


def test_ahp_scan_rows_use_the_windows_cuts_and_the_simulated_background() -> None:
    """ahp_global_significance on a hand-made scan: two overlapping circular windows (helicity cut 0.9)
    and simulated background events inside and outside them; the toys (here exercised, unlike the default
    scan whose windows hold no simulated background) lie between the largest single-window probability and
    the Sidak bound; events with C_eta above the cut or outside both windows do not count."""
    from darkstrahl.analysis.ahp_global import ahp_global_significance
    from darkstrahl.analysis.ahp_scan import AhpScanSettings
    from darkstrahl.detector.beams import Beams

    rng = np.random.default_rng(3)
    n = 3000
    x, y = rng.uniform(-2.0, 4.0, n), rng.uniform(-1.0, 1.0, n)
    c_eta = rng.uniform(0.0, 1.0, n)
    w_fb = np.full(n, 0.01)  # events per fb^-1
    bkg = {"x": x.tolist(), "y": y.tolist(), "c_eta": c_eta.tolist(), "w_fb": w_fb.tolist()}
    lumi = 10.0
    records = []
    for cx in (0.0, 1.0):  # radius 1 (semi-axes 1, 1): the two discs overlap
        inside = ((x - cx) ** 2 + y**2 <= 1.0) & (c_eta < 0.9)
        win = {"lumi_fb": lumi, "c_eta_cut": 0.9, "n_mc": int(inside.sum()), "w_mc": 0.01 * lumi}
        records.append(
            {
                "status": "ok", "centre_x": cx, "centre_y": 0.0, "semi_major": 1.0, "semi_minor": 1.0,
                "angle_deg": 0.0, "rel_bkg_sys": 0.0,
                "windows": [win],
            }
        )  # fmt: skip
    records.append({"status": "no window"})
    settings = AhpScanSettings(Beams(), 10.58, ((1.0, 0.5),), luminosities_fb=(lumi,))
    (row,) = ahp_global_significance(settings, bkg, records, z_local=2.5, n_toys=20_000)
    assert row["n_windows"] == 2 and row["n_windows_with_mc"] == 2
    assert 1.0 < row["windows_per_event_mc"] < 2.0  # the overlap
    b = [r["windows"][0]["n_mc"] * r["windows"][0]["w_mc"] for r in records[:2]]
    bkgs = [Background.from_mc(r["windows"][0]["n_mc"], r["windows"][0]["w_mc"]) for r in records[:2]]
    counts = threshold_counts(bkgs, 2.5)
    single = max(stats.poisson.sf(c - 1, x) for c, x in zip(counts, b, strict=True))
    toys, sidak = row["toys"], row["sidak"]
    assert single - 4 * toys["p_global_err"] < toys["p_global"] < sidak["p_global"] + 4 * toys["p_global_err"]
    assert toys["p_global"] > 1.5 * single  # the second window adds: a look-elsewhere effect is seen
