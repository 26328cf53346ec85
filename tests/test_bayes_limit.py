"""Flat-prior Bayesian limits, significance, Bayes factor and expected bands (next_wave.md 1.4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import gammaincc
from scipy.stats import nbinom, norm, poisson

from darkstrahl.analysis.bayes_limit import (
    BAND_PROBABILITIES,
    Background,
    bayes_factor,
    expected_limits,
    helene_upper_limit,
    local_significance,
    nuisance_nodes,
    signal_upper_limit,
    upper_limit,
)
from darkstrahl.analysis.quadrature import correlated_relative_nodes, gamma_nodes
from darkstrahl.errors import ParameterError

# next_wave.md 1.4 reference table: (N, B, s_up 90 %, s_up 95 %)
TABLE = [
    (0, 0.0, 2.303, 2.996),
    (0, 0.5, 2.303, 2.996),
    (0, 2.0, 2.303, 2.996),
    (0, 10.0, 2.303, 2.996),
    (1, 0.0, 3.890, 4.744),
    (1, 0.5, 3.508, 4.358),
    (1, 2.0, 2.995, 3.816),
    (2, 0.0, 5.322, 6.296),
    (2, 0.5, 4.843, 5.816),
    (2, 2.0, 3.877, 4.824),
    (3, 0.0, 6.681, 7.754),
    (3, 0.5, 6.184, 7.256),
    (3, 2.0, 4.926, 5.983),
]


@pytest.mark.parametrize(("n", "b", "s90", "s95"), TABLE)
def test_reference_table(n, b, s90, s95):
    """Helene limits to the printed digits (next_wave.md 1.4), both through the closed form and the
    quadrature engine with one node (signal_upper_limit with a vanishing but non-zero systematic)."""
    assert round(helene_upper_limit(n, b, 0.90), 3) == s90
    assert round(helene_upper_limit(n, b, 0.95), 3) == s95
    assert abs(signal_upper_limit(n, b, 1e-9, cl=0.95) - s95) < 5e-4


def test_helene_solves_defining_equation():
    """Closed form (inverse incomplete gamma) against Brent on the explicit finite sums of next_wave.md
    1.4."""

    def ratio(s, n, b):
        k = np.arange(n + 1)
        fact = np.cumprod(np.concatenate(([1.0], k[1:])))
        return math.exp(-s) * np.sum((s + b) ** k / fact) / np.sum(b**k / fact)

    for n, b, cl in [(5, 3.7, 0.9), (12, 0.3, 0.95), (40, 35.0, 0.9)]:
        root = brentq(lambda s, n=n, b=b, cl=cl: ratio(s, n, b) - (1 - cl), 0, 200, xtol=1e-13)
        assert helene_upper_limit(n, b, cl) == pytest.approx(root, rel=1e-9)


def test_helene_vectorized_and_underflow():
    n = np.arange(4)[:, None]
    b = np.array([0.0, 0.5, 2.0])[None, :]
    grid = helene_upper_limit(n, b)
    assert grid.shape == (4, 3)
    assert grid[2, 1] == helene_upper_limit(2, 0.5)
    # Q(N + 1, B) underflows for B = 1000: log-space root against direct quadrature of the posterior
    # p(s) ∝ e^-s (1 + s/B)^N (independent of the incomplete gamma functions).
    for n_obs, bb in [(0, 800.0), (3, 1000.0)]:
        post = lambda s, n_obs=n_obs, bb=bb: math.exp(-s + n_obs * math.log1p(s / bb))  # noqa: E731
        norm_ = quad(post, 0, np.inf)[0]
        ref = brentq(
            lambda x, post=post, norm_=norm_: quad(post, 0, x)[0] / norm_ - 0.9, 0.0, 50.0, xtol=1e-12
        )
        assert gammaincc(n_obs + 1, bb) < 1e-280
        assert helene_upper_limit(n_obs, bb) == pytest.approx(ref, rel=1e-8)


def test_n0_gives_2303_over_eff_lumi():
    """N = 0: the posterior ∝ e^{-eps L sigma} whatever the background, so sigma_UL = ln 10 / (eps L) exactly,
    also with MC statistics and a background systematic (issue target, next_wave.md 1.3 item 8)."""
    eff, lumi = 0.37, 8.34
    target = math.log(10.0) / (eff * lumi)
    assert upper_limit(0, eff, lumi, None, 5.0) == pytest.approx(target, rel=1e-12)
    assert upper_limit(0, eff, lumi, 12, 0.3, 0.0, 0.1, 0.0) == pytest.approx(target, rel=1e-10)
    assert round(target * eff * lumi, 3) == 2.303


def test_reduces_to_helene():
    """Systematics -> 0 and N_MC -> inf at fixed N_MC w = B: the full limit -> Helene / (eps L). The
    deviation must shrink with the uncertainties (first order in rel^2 and 1/N_MC)."""
    eff, lumi, n_obs, b = 0.42, 8.34, 4, 2.5
    helene = helene_upper_limit(n_obs, b) / (eff * lumi)
    devs = []
    for scale in (1e-1, 1e-2, 1e-3):
        n_mc = round(1.0 / scale**2)
        ul = upper_limit(n_obs, eff, lumi, n_mc, b / n_mc, scale, scale, 0.5)
        devs.append(abs(ul / helene - 1.0))
    assert devs[0] > devs[1] > devs[2]
    assert devs[2] < 1e-5
    assert devs[0] > 1e-3  # the smearing does matter at 10 %


def test_quadrature_against_monte_carlo():
    """Gauss-Hermite x gamma quadrature against a Monte Carlo average over the nuisances (correlated truncated
    Gaussians from a Cholesky factor, B' ~ Gamma(N_MC + 1, w)); the sigma integral is the same closed form.
    Tolerance: 4 x the batch-mean standard error of the Monte Carlo limit."""
    n_obs, n_mc, w, re, rb, corr = 6, 8, 0.45, 0.12, 0.15, 0.6
    ref = signal_upper_limit(n_obs, Background.from_mc(n_mc, w, rb), re, corr)
    rng = np.random.default_rng(7)
    uls = []
    for _ in range(12):
        z = rng.standard_normal((2, 12000))
        se = 1 + re * z[0]
        sb = 1 + rb * (corr * z[0] + math.sqrt(1 - corr**2) * z[1])
        ok = (se > 0) & (sb > 0)
        b = rng.gamma(n_mc + 1, w, size=ok.sum()) * sb[ok]
        a = se[ok]

        def cdf_tail(s, a=a, b=b):
            v = gammaincc(n_obs + 1, b) / a
            return np.sum(gammaincc(n_obs + 1, a * s + b) / a) / np.sum(v) - 0.1

        uls.append(brentq(cdf_tail, 0.0, 100.0, xtol=1e-10))
    err = np.std(uls, ddof=1) / math.sqrt(len(uls))
    assert abs(np.mean(uls) - ref) < 4 * err + 1e-9
    assert err / ref < 2e-3  # the check is sharp


def test_sigma_integral_closed_form():
    """∫_0^S Pois(N | a sigma + b) dsigma = [Q(N+1, b) - Q(N+1, aS + b)] / a (module docstring)."""
    n, a, b, s = 4, 1.7, 2.2, 3.1
    num = quad(lambda x: poisson.pmf(n, a * x + b), 0, s, epsabs=1e-14)[0]
    assert num == pytest.approx((gammaincc(n + 1, b) - gammaincc(n + 1, a * s + b)) / a, rel=1e-10)


def test_node_convergence():
    """Default node counts against about twice the nodes: agree to 1e-6 (quadrature accuracy)."""
    for args in [
        (200, Background.from_mc(20, 10.0, 0.13), 0.11, 0.5),
        (5, Background.from_mc(0, 2.0, 0.1), 0.05, -0.3),
    ]:
        ref = signal_upper_limit(*args, n_hermite=56, n_gamma=96)
        assert signal_upper_limit(*args) == pytest.approx(ref, rel=1e-6)


def test_gamma_nodes_moments():
    for shape, scale in [(1.0, 0.3), (13.0, 0.1), (1e9 + 1, 2e-9)]:
        x, w = gamma_nodes(shape, scale, 24)
        assert np.sum(w * x) == pytest.approx(shape * scale, rel=1e-12)
        assert np.sum(w * x * x) == pytest.approx(shape * (shape + 1) * scale**2, rel=1e-12)


def test_correlated_nodes_covariance():
    s1, s2, w = correlated_relative_nodes(0.05, 0.08, -0.7, 16)
    assert np.sum(w * (s1 - 1) * (s2 - 1)) == pytest.approx(-0.7 * 0.05 * 0.08, rel=1e-9)
    assert np.sum(w * (s2 - 1) ** 2) == pytest.approx(0.08**2, rel=1e-9)


def test_monotonicity():
    """Limits rise with N and fall with B (Helene and the full model); systematics widen the posterior."""
    n = np.arange(0, 15)
    assert np.all(np.diff(helene_upper_limit(n, 3.0)) > 0)
    b = np.linspace(0, 20, 41)
    assert np.all(np.diff(helene_upper_limit(5, b)) < 0)
    full_n = [signal_upper_limit(k, Background.from_mc(10, 0.3, 0.1), 0.05, 0.3) for k in range(8)]
    assert np.all(np.diff(full_n) > 0)
    full_b = [signal_upper_limit(4, Background.from_mc(10, w, 0.1), 0.05, 0.3) for w in (0.05, 0.1, 0.2, 0.4)]
    assert np.all(np.diff(full_b) < 0)
    assert signal_upper_limit(5, Background.exact(3.0, 0.2)) > helene_upper_limit(5, 3.0)


def test_local_significance():
    s = local_significance(7, 1.5)
    assert s.p == pytest.approx(poisson.sf(6, 1.5), rel=1e-12)
    assert s.z == pytest.approx(norm.isf(s.p), rel=1e-12)
    # MC statistics only: B' ~ Gamma(N_MC + 1, w) makes n negative binomial, an exact check of the gamma rule.
    s_mc = local_significance(9, Background.from_mc(6, 0.4))
    assert s_mc.p == pytest.approx(nbinom.sf(8, 7, 1 / 1.4), rel=1e-9)
    assert local_significance(0, 2.0).p == 1.0
    assert local_significance(9, Background.exact(2.8, 0.2)).p > local_significance(9, 2.8).p


def test_bayes_factor():
    n, b, s_max = 6, 1.8, 15.0
    num = quad(lambda s: poisson.pmf(n, s + b), 0, s_max)[0] / s_max
    assert bayes_factor(n, b, s_max) == pytest.approx(num / poisson.pmf(n, b), rel=1e-9)
    assert bayes_factor(n, b, 1e-7) == pytest.approx(1.0, abs=1e-5)
    assert bayes_factor(1, 0.0, 10.0) == math.inf
    assert bayes_factor(0, 0.0, 10.0) == pytest.approx((1 - math.exp(-10)) / 10, rel=1e-12)


def test_expected_limits():
    """B = 0: every pseudo-experiment has n = 0, the bands collapse to 2.303 (/(eps L)). B = 2: the
    n-quantiles are the Poisson quantiles and the limits the Helene limits at those n."""
    e = expected_limits(0.0)
    assert all(round(v, 3) == 2.303 for v in (e.minus2, e.minus1, e.median, e.plus1, e.plus2))
    e = expected_limits(0.0, eff=0.4, lumi_fb=8.34)
    assert e.median == pytest.approx(math.log(10) / (0.4 * 8.34), rel=1e-12)
    e = expected_limits(2.0)
    nq = tuple(int(poisson.ppf(q, 2.0)) for q in BAND_PROBABILITIES)
    assert e.n_quantiles == nq == (0, 1, 2, 3, 5)
    assert e.median == pytest.approx(helene_upper_limit(2, 2.0), rel=1e-12)
    assert e.minus2 <= e.minus1 <= e.median <= e.plus1 <= e.plus2
    bkg = Background.from_mc(5, 0.6)
    em = expected_limits(bkg)
    assert em.n_quantiles == tuple(int(nbinom.ppf(q, 6, 1 / 1.6)) for q in BAND_PROBABILITIES)
    assert em.plus2 == pytest.approx(signal_upper_limit(em.n_quantiles[-1], bkg), rel=1e-12)
    en = expected_limits(bkg, marginalise=False)  # Poisson(N_MC w = 3.0)
    assert en.n_quantiles == tuple(int(poisson.ppf(q, 3.0)) for q in BAND_PROBABILITIES)


def test_nuisance_nodes_shapes():
    a, b, w = nuisance_nodes(Background.from_mc(3, 0.5, 0.1), 0.05, 0.2, 8, 6)
    assert a.shape == b.shape == w.shape == (64 * 6,)
    assert np.sum(w * b) == pytest.approx(4 * 0.5, rel=1e-9)  # E[(1 + delta_b) B'] = (N_MC + 1) w


@pytest.mark.parametrize(
    "call",
    [
        lambda: helene_upper_limit(-1, 1.0),
        lambda: helene_upper_limit(1.5, 1.0),
        lambda: helene_upper_limit(1, -0.1),
        lambda: helene_upper_limit(1, 1.0, 1.0),
        lambda: upper_limit(1, 0.0, 8.34, None, 1.0),
        lambda: upper_limit(1, 0.5, 8.34, None, 1.0, rel_eff_sys=0.3),
        lambda: upper_limit(1, 0.5, 8.34, -1, 1.0),
        lambda: upper_limit(1, 0.5, 8.34, 3, 1.0, 0.1, 0.1, 1.5),
        lambda: bayes_factor(1, 1.0, 0.0),
    ],
)
def test_bad_input(call):
    with pytest.raises(ParameterError):
        call()
