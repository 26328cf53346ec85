"""Seed-002 sideband model, eqs. A1-A4 and B1-B4 (next_wave.md 2.3)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.stats import nbinom, norm, poisson

from darkstrahl.analysis.bayes_limit import helene_upper_limit
from darkstrahl.analysis.sideband import (
    FinalState,
    combine_p_values,
    combined_likelihood,
    combined_significance,
    combined_upper_limit,
    sideband_likelihood,
    sideband_marginal,
    sideband_p0,
    sideband_significance,
    sideband_upper_limit,
)
from darkstrahl.errors import ParameterError


def _brute_marginal(n, n_sb, f):
    """A2 at delta = 0 by direct numerical integration over mu."""
    g = lambda mu: poisson.pmf(n, mu / f) * poisson.pmf(n_sb, mu)  # noqa: E731
    return quad(g, 0, np.inf, epsabs=1e-15, epsrel=1e-11, limit=200)[0]


def _truncated_x_average(fn, delta):
    """E_x[fn(1 + x delta)] for x ~ N(0, 1) truncated at 1 + x delta > 0, by adaptive quadrature."""
    x0 = -1.0 / delta
    return quad(lambda x: norm.pdf(x) * fn(1 + x * delta), x0, 12, epsabs=1e-15, epsrel=1e-11)[0] / norm.sf(
        x0
    )


@pytest.mark.parametrize(("n", "n_sb", "f"), [(0, 0, 1.0), (3, 7, 4.0), (12, 40, 3.5), (1, 2, 0.3)])
def test_marginal_closed_form_vs_integration(n, n_sb, f):
    """The flat-mu integral of A1 is the negative binomial NB(n; N_SB + 1, 1/(1 + c)) [DER]."""
    assert sideband_marginal(n, n_sb, f) == pytest.approx(_brute_marginal(n, n_sb, f), rel=1e-8)


@pytest.mark.parametrize("delta", [0.1, 0.2])
def test_marginal_x_quadrature(delta):
    """Gauss-Hermite over the pi pi nuisance x against adaptive quadrature of the (verified) closed form.
    Absolute tolerance 2 Phi(-1/delta): the node-wise truncation misplaces at most the truncated mass
    (3e-7 at delta = 0.2), on top of a 1e-9 quadrature error."""
    n, n_sb, f = np.arange(9), 9, 2.0
    ref = [_truncated_x_average(lambda sc, k=k: nbinom.pmf(k, n_sb + 1, 1 / (1 + sc / f)), delta) for k in n]
    tol = 2 * norm.cdf(-1 / delta) + 1e-9
    assert np.max(np.abs(sideband_marginal(n, n_sb, f, delta) - ref)) < tol


def test_marginal_normalised():
    n = np.arange(400)
    assert sideband_marginal(n, 10, 5.0).sum() == pytest.approx(1.0, abs=1e-12)
    assert sideband_marginal(n, 3, 0.5, 0.3).sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(("n_obs", "n_sb", "f", "delta"), [(3, 7, 4.0, 0.0), (9, 20, 5.0, 0.25)])
def test_p0_against_toys(n_obs, n_sb, f, delta):
    """A3 against a toy Monte Carlo of the marginal model: mu from its flat-prior sideband posterior
    Gamma(N_SB + 1, 1), x ~ N(0, 1) truncated at 1 + x delta > 0, n ~ Pois(mu (1 + x delta) / f).
    Tolerance: 4 binomial standard errors."""
    rng = np.random.default_rng(2024)
    n_toys = 400_000
    mu = rng.gamma(n_sb + 1, 1.0, n_toys)
    x = rng.standard_normal(n_toys)
    scale = 1 + x * delta
    keep = scale > 0
    n = rng.poisson(mu[keep] * scale[keep] / f)
    p_hat = np.mean(n >= n_obs)
    p0 = sideband_p0(n_obs, n_sb, f, delta)
    assert abs(p_hat - p0) < 4 * math.sqrt(p0 * (1 - p0) / keep.sum())
    sig = sideband_significance(n_obs, n_sb, f, delta)
    assert sig.p == p0 and sig.z == pytest.approx(norm.isf(p0), rel=1e-12)


def test_p0_monotone_and_delta():
    p = [sideband_p0(k, 10, 5.0) for k in range(1, 10)]
    assert np.all(np.diff(p) < 0)
    # the background-model uncertainty widens the predictive distribution: larger tail probability
    assert sideband_p0(8, 10, 5.0, 0.3) > sideband_p0(8, 10, 5.0)
    assert sideband_p0(0, 10, 5.0) == 1.0


def test_combine_p_values():
    assert combine_p_values([0.01, 0.2]).p == pytest.approx(0.002, rel=1e-14)
    assert combine_p_values([0.01, 0.2]).z == pytest.approx(norm.isf(0.002), rel=1e-12)
    # with one final state both methods return the p-value itself (chi2_2 survival = e^{-x/2})
    assert combine_p_values([0.037], "fisher").p == pytest.approx(0.037, rel=1e-12)
    assert combine_p_values([0.037]).p == pytest.approx(0.037, rel=1e-14)
    assert combine_p_values([0.01, 0.2], "fisher").p > combine_p_values([0.01, 0.2]).p
    with pytest.raises(ParameterError):
        combine_p_values([0.0, 0.5])
    states = [FinalState(3, 7, 4.0, 0.2), FinalState(9, 20, 5.0, 0.1, delta=0.25)]
    comb = combined_significance(states)
    assert comb.p == pytest.approx(sideband_p0(3, 7, 4.0) * sideband_p0(9, 20, 5.0, 0.25), rel=1e-14)


def test_b4_no_events_gives_2996():
    """N_obs = 0: L(sigma) ∝ e^{-eps L sigma}, so sigma_up = -ln 0.05 / (eps L) = 2.996 / (eps L) at 95 %
    whatever the sideband (issue target)."""
    eff, lumi = 0.21, 365.0
    for n_sb, f, delta in [(0, 1.0, 0.0), (25, 3.0, 0.0), (7, 0.5, 0.3)]:
        ul = sideband_upper_limit(0, n_sb, f, eff, lumi, delta)
        assert ul == pytest.approx(-math.log(0.05) / (eff * lumi), rel=1e-12)
    assert round(-math.log(0.05), 3) == 2.996


@pytest.mark.parametrize(("n_obs", "n_sb", "f"), [(3, 5, 2.0), (5, 12, 3.0), (0, 4, 1.0)])
def test_b3_closed_form_vs_integration(n_obs, n_sb, f):
    """B3 with the mu integral done numerically against the binomial-expansion closed form (no nuisances)."""
    eff, lumi = 0.2, 10.0
    for sigma in (0.0, 0.7, 2.5):
        s = sigma * eff * lumi
        g = lambda mu, s=s: poisson.pmf(n_obs, s + mu / f) * poisson.pmf(n_sb, mu)  # noqa: E731
        ref = quad(g, 0, np.inf, epsabs=1e-15, epsrel=1e-11, limit=200)[0]
        assert sideband_likelihood(sigma, n_obs, n_sb, f, eff, lumi) == pytest.approx(ref, rel=1e-8)


def test_b3_nuisance_quadrature():
    """Gauss-Hermite over x (background model) and y (efficiency) against adaptive quadrature of the closed
    form sum_k NB(k; N_SB + 1, 1/(1 + c)) Pois(N - k | a sigma) (verified in the test above); relative
    tolerance 1e-6 (truncated mass Phi(-5) = 3e-7 for x, Phi(-10) for y)."""
    n_obs, n_sb, f, eff, lumi, delta, r_e = 5, 12, 3.0, 0.2, 10.0, 0.2, 0.1
    k = np.arange(n_obs + 1)

    def closed(sigma, x_scale, y_scale):
        nb = nbinom.pmf(k, n_sb + 1, 1 / (1 + x_scale / f))
        return float(np.dot(nb, poisson.pmf(n_obs - k, sigma * eff * y_scale * lumi)))

    for sigma in (0.3, 1.5):
        over_x = _truncated_x_average(lambda sc, sigma=sigma: closed(sigma, sc, 1.0), delta)
        assert sideband_likelihood(sigma, n_obs, n_sb, f, eff, lumi, delta) == pytest.approx(over_x, rel=1e-6)
        over_y = _truncated_x_average(lambda sc, sigma=sigma: closed(sigma, 1.0, sc), r_e)
        got = sideband_likelihood(sigma, n_obs, n_sb, f, eff, lumi, 0.0, r_e)
        assert got == pytest.approx(over_y, rel=1e-6)


def test_b4_exact_sigma_integral_vs_numerical():
    """B4 limit from the closed-form sigma integral against a numerical integral of L(sigma)
    (200-point Gauss-Legendre on [0, s], exact to machine precision for this smooth integrand)."""
    args = (4, 6, 2.5, 0.2, 40.0, 0.1, 0.04, 0.005)
    ul = sideband_upper_limit(*args)
    x, w = np.polynomial.legendre.leggauss(200)

    def integral(s):
        return 0.5 * s * float(np.dot(w, sideband_likelihood(0.5 * s * (x + 1), *args)))

    total = integral(15.0)
    assert sideband_likelihood(15.0, *args) < 1e-12 * total
    ref = brentq(lambda s: integral(s) / total - 0.95, 0.1, 10.0, xtol=1e-13)
    assert ul == pytest.approx(ref, rel=1e-8)


def test_large_sideband_limit_is_helene():
    """N_SB -> inf at fixed N_SB / f = B: the sideband posterior of the background collapses and B4 becomes
    the 95 % Helene limit with known B = 2 (next_wave.md 1.4 table: N = 3, B = 2 -> 5.983)."""
    eff, lumi = 0.5, 2.0
    ul = sideband_upper_limit(3, 10**7, 5 * 10**6, eff, lumi) * eff * lumi
    assert ul == pytest.approx(helene_upper_limit(3, 2.0, 0.95), rel=1e-3)
    assert round(helene_upper_limit(3, 2.0, 0.95), 3) == 5.983


def test_monotonicity_and_systematics():
    uls = [sideband_upper_limit(k, 8, 4.0, 0.2, 10.0) for k in range(6)]
    assert np.all(np.diff(uls) > 0)
    # more background (larger sideband count at fixed f) lowers the limit at fixed N_obs
    uls_b = [sideband_upper_limit(4, m, 4.0, 0.2, 10.0) for m in (0, 4, 8, 16)]
    assert np.all(np.diff(uls_b) < 0)
    assert sideband_upper_limit(4, 8, 4.0, 0.2, 10.0, 0.0, 0.1) > uls[4]


def test_combined_upper_limit():
    st = FinalState(4, 5, 3.0, 0.2, 1.0, 0.2, 0.04)
    assert combined_upper_limit([st], 365.0, 0.0047) == pytest.approx(
        sideband_upper_limit(4, 5, 3.0, 0.2, 365.0, 0.2, 0.04, 0.0047), rel=1e-8
    )
    # no events anywhere: L = exp(-sigma L sum_j BR_j eps_j) -> 2.996 / (L sum_j BR_j eps_j)
    states = [
        FinalState(0, 5, 3.0, 0.2, 0.5),
        FinalState(0, 9, 2.0, 0.1, 0.3),
        FinalState(0, 0, 1.0, 0.3, 0.2),
    ]
    a_tot = 365.0 * (0.5 * 0.2 + 0.3 * 0.1 + 0.2 * 0.3)
    assert combined_upper_limit(states, 365.0) == pytest.approx(-math.log(0.05) / a_tot, rel=1e-9)
    # without a common nuisance the product likelihood is the product of the B3 likelihoods at sigma BR_j
    states = [FinalState(2, 5, 3.0, 0.2, 0.6, 0.1, 0.04), FinalState(1, 9, 2.0, 0.1, 0.4)]
    sig = np.array([0.01, 0.05, 0.2])
    prod = sideband_likelihood(sig * 0.6, 2, 5, 3.0, 0.2, 365.0, 0.1, 0.04) * sideband_likelihood(
        sig * 0.4, 1, 9, 2.0, 0.1, 365.0
    )
    assert combined_likelihood(sig, states, 365.0) == pytest.approx(prod, rel=1e-10)


@pytest.mark.parametrize(
    "call",
    [
        lambda: sideband_marginal(1, 3, 0.0),
        lambda: sideband_p0(1, -1, 2.0),
        lambda: sideband_p0(1, 3, 2.0, -0.1),
        lambda: sideband_upper_limit(1, 3, 2.0, 0.2, 10.0, rel_eff_sys=0.5),
        lambda: FinalState(1, 3, 2.0, 0.2, br=0.0),
        lambda: combined_upper_limit([], 10.0),
        lambda: combine_p_values([0.1], "stouffer"),
    ],
)
def test_bad_input(call):
    with pytest.raises(ParameterError):
        call()
