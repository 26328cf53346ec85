"""Analysis (issue 6): variables, binnings, likelihood, the window optimizer on hand-made histograms, the
reach solver on a closed-form case, the two-sided theta region, and reweighting a point."""

from __future__ import annotations

import math

import numpy as np
import pytest

from darkstrahl.analysis.binning import mchichi_bin_width, mchichi_edges, sqrt_v_edges
from darkstrahl.analysis.likelihood import CL95, minus2lnl, signal_for_sensitivity
from darkstrahl.analysis.reach import eps_reach, theta_region
from darkstrahl.analysis.variables import sqrt_abs_v, v_variable
from darkstrahl.analysis.window import grow_cut, grow_window
from darkstrahl.detector.resolution import ecl_relative_resolution
from darkstrahl.gen.kinematic_regimes import e_bar


def test_v_variable() -> None:
    m, rs = 4.5, 10.58
    eb = e_bar(rs, m)
    assert v_variable(eb, 7.0, m, rs) == pytest.approx(0.0, abs=1e-15)  # first A' on shell
    assert v_variable(2.0, m, m, rs) == 0.0  # second A' on shell
    assert v_variable(eb + 0.5, m - 0.2, m, rs) == pytest.approx(-0.1)
    assert sqrt_abs_v(eb + 0.5, m - 0.2, m, rs) == pytest.approx(math.sqrt(0.1))


def test_sqrt_v_binning_rule() -> None:
    e = sqrt_v_edges(3.7)
    assert e[0] == 0.0 and e[1] == 0.01
    rel = (e[2:] - e[1:-1]) / ((e[2:] + e[1:-1]) / 2)
    np.testing.assert_allclose(rel, 0.30, rtol=1e-12)
    assert e[-2] <= 3.7 < e[-1]  # enough bins, not more


def test_mchichi_binning_rule() -> None:
    e = mchichi_edges(4.5, 3.0, 9.8)
    width = 4.5 * ecl_relative_resolution(4.5)
    assert mchichi_bin_width(4.5) == pytest.approx(width)
    np.testing.assert_allclose(np.diff(e), width, rtol=1e-9)
    k = np.searchsorted(e, 4.5) - 1
    assert 0.5 * (e[k] + e[k + 1]) == pytest.approx(4.5)  # central bin centred on m_A'
    assert e[0] <= 3.0 and e[-1] >= 9.8


def test_likelihood_limits() -> None:
    assert minus2lnl(0.0, 5.0) == 0.0
    assert minus2lnl(3.0, 0.0) == 6.0  # B -> 0 limit 2 S
    assert minus2lnl(3.0, 1e-12) == pytest.approx(6.0, rel=1e-9)
    # large B: S^2 / B
    assert minus2lnl(10.0, 1e6) == pytest.approx(100 / 1e6, rel=1e-4)
    assert minus2lnl(3.0, 2.0) == pytest.approx(2 * (3 - 2 * math.log(2.5)))
    assert signal_for_sensitivity(0.0) == pytest.approx(1.92, rel=1e-9)
    assert float(minus2lnl(signal_for_sensitivity(50.0), 50.0)) == pytest.approx(CL95, rel=1e-9)


def test_window_hand_made_optimum() -> None:
    # a peak in bins 3-5 on a flat background: the best window is bins 3..5 (computed by brute force)
    s = np.array([0.0, 0.1, 0.5, 4.0, 8.0, 3.0, 0.4, 0.1, 0.0])
    b = np.full(9, 1.0)
    w = grow_window(s, b, start=4)
    best = max(
        ((lo, hi) for lo in range(9) for hi in range(lo, 9) if lo <= 4 <= hi),
        key=lambda lh: float(minus2lnl(s[lh[0] : lh[1] + 1].sum(), b[lh[0] : lh[1] + 1].sum())),
    )
    assert (w.lo, w.hi) == best == (3, 5)
    assert w.s == pytest.approx(15.0) and w.b == pytest.approx(3.0)
    assert w.value == pytest.approx(float(minus2lnl(15.0, 3.0)))


def test_window_grows_the_better_side_first() -> None:
    s = np.array([0.0, 2.0, 5.0, 1.0, 0.0])
    b = np.array([1.0, 1.0, 1.0, 1.0, 1.0])
    w = grow_window(s, b, start=2)
    # from bin 2 the lower side (S + 2) beats the upper side (S + 1); then the upper side still helps
    assert (w.lo, w.hi) == (1, 3)
    # with no background every signal bin is taken
    w0 = grow_window(s, np.zeros(5), start=2)
    assert (w0.lo, w0.hi) == (1, 3) and w0.value == pytest.approx(16.0)


def test_one_sided_cut_hand_made() -> None:
    s = np.array([2.0, 3.0, 1.0, 0.2, 0.1])
    b = np.array([0.1, 0.2, 0.5, 3.0, 9.0])
    w = grow_cut(s, b)
    vals = [float(minus2lnl(s[: k + 1].sum(), b[: k + 1].sum())) for k in range(5)]
    assert w.hi == int(np.argmax(vals)) == 2
    assert w.lo == 0


def test_eps_reach_closed_form() -> None:
    """B = 0 in the window: -2 ln L = 2 S, S = S0 (eps/eps0)^2, so eps_reach = eps0 sqrt(1.92 / S0)."""
    s0, eps0 = 30.0, 1e-4
    reach = eps_reach(lambda e: float(minus2lnl(s0 * (e / eps0) ** 2, 0.0)))
    assert reach == pytest.approx(eps0 * math.sqrt(1.92 / s0), rel=1e-8)
    # large B: S^2/B = 3.84 -> S = sqrt(3.84 B) (to O(S/B))
    b = 1e8
    reach = eps_reach(lambda e: float(minus2lnl(s0 * (e / eps0) ** 2, b)))
    assert reach == pytest.approx(eps0 * math.sqrt(math.sqrt(3.84 * b) / s0), rel=1e-3)


def test_two_sided_theta_region() -> None:
    """A yield with the shape of P(2-9 mm) in c tau ~ 1/theta^2: excluded between two edges."""

    def statistic(theta: float) -> float:
        d = 26.5 * (1e-4 / theta) ** 2  # mm
        p = math.exp(-2 / d) - math.exp(-9 / d)
        return float(minus2lnl(200.0 * p, 0.0))

    grid = np.logspace(-7, -1, 30)
    region = theta_region(statistic, grid)
    assert len(region.edges) == 1
    assert statistic(region.lo) == pytest.approx(CL95, rel=1e-5)  # XTOL = 1e-6 in log10 theta
    assert statistic(region.hi) == pytest.approx(CL95, rel=1e-5)
    assert region.lo < 1e-4 < region.hi
    assert statistic(math.sqrt(region.lo * region.hi)) > CL95
    assert statistic(region.lo * 0.9) < CL95 and statistic(region.hi * 1.1) < CL95
    # nothing excluded
    assert theta_region(lambda t: 0.0, grid).edges == ()
