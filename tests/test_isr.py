"""Collinear ISR (gen/isr.py): structure function, per-beam and two-beam sampling, quadrature, Kuraev-Fadin.

Reference numbers from next_wave.md 1.3 item 6, 3.1, 3.2; tolerances are quadrature accuracies (scipy's error
estimates are < 1e-9 relative) or 4 standard deviations of a fixed-seed Monte Carlo mean.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from darkstrahl.errors import ParameterError
from darkstrahl.gen import isr, isr_convolution, isr_sampler
from darkstrahl.gen.constants import ALPHA, GEV2_TO_FB, M_E, M_MU
from darkstrahl.gen.crosssections import sigma_mumu_born_fb, sigma_nwa_fb
from darkstrahl.gen.model import DarkModel

S_BELLE2 = 10.58**2  # GeV^2
BETA = isr.beta_isr(S_BELLE2)
ZETA3 = 1.2020569031595942


def f_plain(omx: float, beta: float) -> float:
    """f(x) typed in from next_wave.md 3.1 with plain math (1 - x -> omx, ln x -> log1p(-omx)), as an
    independent implementation (0 < omx < 1)."""
    x = 1.0 - omx
    c = math.exp(-0.5772156649015329 * beta / 2 + 3 * beta / 8) / math.gamma(1 + beta / 2)
    bracket = (1 + 3 * x * x) / omx * math.log1p(-omx) + 4 * (1 + x) * math.log(omx) + 5 + x
    return c * (beta / 2) * omx ** (beta / 2 - 1) - (beta / 4) * (1 + x) - (beta**2 / 32) * bracket


def mc_pull(values: np.ndarray, expected: float) -> float:
    return (values.mean() - expected) / (values.std() / math.sqrt(values.size))


# ------------------------------------------------------------------------------------------ exponent, Born
def test_beta_at_belle2_and_alpha_schemes() -> None:
    # next_wave.md 3.1: beta = 0.08769 at 10.58 GeV (alpha(0)); G_mu scales it by alpha_Gmu/alpha(0).
    beta = isr.beta_isr(S_BELLE2)
    assert beta == pytest.approx(0.08769, abs=5e-6)
    assert beta == pytest.approx(2 * ALPHA / math.pi * (math.log(S_BELLE2 / M_E**2) - 1), rel=1e-15)
    gmu = isr.beta_isr(S_BELLE2, isr.ISR_ALPHA_SCHEMES["gmu"])
    assert gmu / BETA == pytest.approx(0.007562397 / ALPHA, rel=1e-14)
    assert 0.035 < gmu / BETA - 1 < 0.037  # "changes beta by 3.5 %"
    assert isr.ISR_ALPHA_SCHEMES["alpha0"] == pytest.approx(1 / 137.035999, rel=1e-8)
    np.testing.assert_allclose(
        isr.beta_isr(np.array([S_BELLE2, 4 * S_BELLE2]))[1] - BETA, 4 * ALPHA / math.pi * math.log(2)
    )


def test_mumu_born_cross_section() -> None:
    # next_wave.md 1.3 item 6: 0.775 nb at 10.58 GeV with alpha(0). The closed form gives 0.77593 nb (the spec
    # value is truncated), i.e. 86.85 nb GeV^2 / s; the muon-mass factor beta(1 + 2m^2/s) = 1 - O(m^4/s^2).
    sigma_nb = float(sigma_mumu_born_fb(S_BELLE2)) / 1e6
    assert sigma_nb == pytest.approx(0.775, abs=1.5e-3)
    assert sigma_nb == pytest.approx(4 * math.pi * ALPHA**2 / (3 * S_BELLE2) * GEV2_TO_FB / 1e6, rel=1e-6)
    # the angular integral of dsigma/dOmega, also close to threshold where the mass term matters
    for s in (0.05, 0.2, 4.0, S_BELLE2):
        r = 4 * M_MU**2 / s
        beta = math.sqrt(1 - r)

        def dsdc(c: float, s: float = s, r: float = r, beta: float = beta) -> float:
            return ALPHA**2 * beta / (4 * s) * (1 + c * c + r * (1 - c * c)) * 2 * math.pi

        expected = integrate.quad(dsdc, -1, 1, epsrel=1e-13)[0] * GEV2_TO_FB
        assert float(sigma_mumu_born_fb(s)) == pytest.approx(expected, rel=1e-12)
    assert float(sigma_mumu_born_fb(0.99 * 4 * M_MU**2)) == 0.0


# ----------------------------------------------------------------------------------------- structure function
def test_structure_function_matches_formula_and_is_finite_at_the_ends() -> None:
    omx = np.array([1e-3, 0.05, 0.3, 0.7, 0.95])
    expected = [f_plain(o, BETA) for o in omx]
    np.testing.assert_allclose(isr.isr_structure_function(omx, BETA), expected, rtol=1e-12)
    reduced = isr.isr_structure_function_reduced(omx, BETA)
    np.testing.assert_allclose(reduced, np.array(expected) * omx ** (1 - BETA / 2), rtol=1e-12)
    # omx -> 0: the regular part of the reduced function is exactly 0 at omx = 0, continuous, no NaN/warnings
    tiny = np.array([0.0, 5e-324, 1e-300, 1e-200, 1e-30, 1e-17])
    reg = isr.isr_regular_reduced(tiny, BETA)
    assert reg[0] == 0.0 and np.all(np.isfinite(reg)) and np.all(np.abs(reg[1:]) < 1e-15)
    c = isr.isr_singular_coefficient(BETA)
    assert isr.isr_structure_function_reduced(0.0, BETA) == c * BETA / 2
    # leading behaviour of the raw regular part: -beta/2 - beta^2/16 - (beta^2/4) ln omx
    o = 1e-200
    leading = -BETA / 2 - BETA**2 / 16 - BETA**2 / 4 * math.log(o)
    assert float(isr.isr_regular(o, BETA)) == pytest.approx(leading, rel=1e-14)
    # integrable singularities return +inf, never NaN
    assert np.isposinf(isr.isr_structure_function(0.0, BETA)) and np.isposinf(isr.isr_regular(1.0, BETA))
    assert np.isposinf(isr.isr_regular_reduced(1.0, BETA))


def test_singular_coefficient_expansion() -> None:
    # C = exp(-gamma beta/2 + 3 beta/8)/Gamma(1 + beta/2) = 1 + 3 beta/8 + (9/128 - pi^2/48) beta^2 + ...
    for beta in (1e-3, 1e-2):
        c = isr.isr_singular_coefficient(beta)
        assert c == pytest.approx(
            1 + 3 * beta / 8 + (9 / 128 - math.pi**2 / 48) * beta**2, abs=0.03 * beta**3
        )


def test_structure_function_normalization() -> None:
    # [DER, isr_normalization docstring] int_0^1 f = C - 3 beta/8 + beta^2 (pi^2/48 - 9/128) = 1 + c3 beta^3.
    regular = integrate.quad(
        lambda o: float(isr.isr_regular(o, BETA)), 0, 1, epsabs=0, epsrel=1e-13, limit=200
    )
    quadrature = isr.isr_singular_coefficient(BETA) + regular[0]
    norm = isr.isr_normalization(BETA)
    assert quadrature == pytest.approx(norm, abs=1e-13)
    assert norm == pytest.approx(0.99998826, abs=1e-8)  # 1 - 1.17e-5 at Belle II
    c3 = ZETA3 / 24 - 3 * math.pi**2 / 384 + 27 / 3072  # = -0.0182315
    assert (isr.isr_normalization(1e-3) - 1) / 1e-9 == pytest.approx(c3, rel=2e-3)


# ------------------------------------------------------------------------------------------ per-beam sampling
def test_sample_beam_mean_weight_and_moment() -> None:
    rng = np.random.default_rng(11)
    u = rng.random(1_000_000)
    omx, weight = isr.sample_beam(u, BETA)
    assert abs(mc_pull(weight, isr.isr_normalization(BETA))) < 4  # measured 0.99980 +- 0.00010 (pull -2.0)
    # a restricted range: <w h> = int_{1-omx_max}^1 f h with h = x^3
    omx_max = 0.3
    omx, weight = isr.sample_beam(u, BETA, omx_max)
    assert omx.max() <= omx_max

    def f_int(o: float) -> float:
        return (1 - o) ** 3 * float(isr.isr_regular(o, BETA))

    expected = (
        isr.isr_singular_coefficient(BETA)
        * integrate.quad(lambda t: (1 - t ** (2 / BETA)) ** 3, 0, omx_max ** (BETA / 2), epsrel=1e-13)[0]
        + integrate.quad(f_int, 0, omx_max, epsrel=1e-13, limit=200)[0]
    )
    assert abs(mc_pull(weight * (1 - omx) ** 3, expected)) < 4


def test_sample_beam_edges_have_no_underflow_problem() -> None:
    u = np.array([0.0, 1e-300, 1e-10, 0.5, 1.0])
    omx, weight = isr.sample_beam(u, BETA, 0.5)
    assert omx[0] == 0.0 and omx[1] == 0.0  # u^22.8 underflows to exactly 0: a valid point
    assert omx[2] == pytest.approx(0.5 * math.exp(2 / BETA * math.log(1e-10)), rel=1e-12)  # 1e-228
    assert omx[3] == pytest.approx(0.5 * 0.5 ** (2 / BETA), rel=1e-12) and omx[4] == 0.5
    assert np.all(np.isfinite(weight)) and weight[0] == pytest.approx(
        0.5 ** (BETA / 2) * isr.isr_singular_coefficient(BETA)
    )


# ------------------------------------------------------------------------------------------ two-beam sampler
@pytest.mark.parametrize("rapidity_map", ["power", "uniform"])
def test_channel_maps_have_the_stated_densities(rapidity_map: str) -> None:
    """|d(x1, x2)/d(u1, u2)|^-1 by central differences equals the density of each channel branch."""
    sampler = isr_sampler.IsrSampler(BETA, 0.6, 0.5, 1e-3, rapidity_map)
    h = 1e-6
    for u1, u2 in [(0.3, 0.4), (0.7, 0.9), (0.95, 0.2), (0.5, 0.97)]:
        for side in (0.2, 0.8):

            def jac(mapping, u1=u1, u2=u2, side=side):
                d1 = (np.array(mapping(side, u1 + h, u2)) - np.array(mapping(side, u1 - h, u2))) / (2 * h)
                d2 = (np.array(mapping(side, u1, u2 + h)) - np.array(mapping(side, u1, u2 - h))) / (2 * h)
                return abs(d1[0] * d2[1] - d1[1] * d2[0])

            o1, o2 = sampler.map_channel_b(side, u1, u2)
            branches = 2.0 if rapidity_map == "power" else 1.0  # the soft beam is chosen 50/50
            assert jac(sampler.map_channel_b) == pytest.approx(
                1 / (branches * sampler.density_b(o1, o2)), rel=1e-6
            )
            o1, o2 = sampler.map_channel_a(u1, u2)
            jac_a = jac(lambda _s, a, b: sampler.map_channel_a(a, b))
            assert jac_a == pytest.approx(1 / sampler.density_a(o1, o2), rel=1e-6)


def test_weight_is_f_f_over_density() -> None:
    sampler = isr_sampler.IsrSampler(BETA, 0.5, 0.4)
    omx1 = np.array([1e-6, 0.1, 0.3, 0.45, 1e-12, 0.4])
    omx2 = np.array([0.2, 0.1, 1e-9, 0.05, 1e-12, 0.4])  # the last point has x1 x2 = 0.36 < 0.5
    direct = isr.isr_structure_function(omx1, BETA) * isr.isr_structure_function(omx2, BETA)
    direct = direct / sampler.density(omx1, omx2)
    np.testing.assert_allclose(sampler.weight(omx1, omx2)[:-1], direct[:-1], rtol=1e-12)
    assert sampler.weight(omx1, omx2)[-1] == 0.0 and sampler.density_b(0.4, 0.4) == 0.0


def test_kinematic_helpers_from_omx() -> None:
    omx1, omx2 = np.array([1e-20, 0.2, 0.0]), np.array([3e-20, 0.0, 0.5])
    assert isr.one_minus_tau(omx1, omx2)[0] == pytest.approx(4e-20, rel=1e-15)
    np.testing.assert_allclose(isr.s_hat(omx1, omx2, 100.0), 100 * (1 - omx1) * (1 - omx2), rtol=1e-15)
    np.testing.assert_allclose(isr.rapidity(omx1, omx2), 0.5 * np.log((1 - omx1) / (1 - omx2)), atol=1e-16)
    assert isr.rapidity(omx1, omx2)[0] == pytest.approx(1e-20, rel=1e-12)  # (omx2 - omx1)/2


def _threshold_peak(d: float, tau_min: float):
    return lambda tau: d / (tau - (tau_min - d)) ** 2


def test_two_beam_sampler_reproduces_the_quadrature() -> None:
    """<w g(tau)> = int int f f g over tau >= tau_min, for g = 1 and a threshold peak of width 1e-3."""
    tau_min = 0.8
    u = np.random.default_rng(5).random((200_000, 3))
    peak = _threshold_peak(1e-3, tau_min)
    ref_one = isr_convolution.sigma_isr_structure_function(lambda sh: 1.0, S_BELLE2, tau_min)
    ref_peak = isr_convolution.sigma_isr_structure_function(lambda sh: peak(sh / S_BELLE2), S_BELLE2, tau_min)
    spread = {}
    for rapidity_map, fraction in [("power", 0.5), ("uniform", 0.5), ("power", 0.0)]:
        points = isr_sampler.IsrSampler(BETA, tau_min, fraction, 1e-4, rapidity_map).sample(u)
        tau = 1 - points.one_minus_tau
        assert np.all(points.weight[tau < tau_min] == 0) and np.all(np.isfinite(points.weight))
        assert abs(mc_pull(points.weight, ref_one)) < 4
        values = points.weight * peak(tau)
        assert abs(mc_pull(values, ref_peak)) < 4
        spread[rapidity_map, fraction] = values.std() / ref_peak
    # measured per-event spreads 1.29 (power), 28.5 (uniform), 24.7 (channel A alone)
    assert spread["power", 0.5] < 0.1 * spread["power", 0.0]
    assert spread["uniform", 0.5] > 0.5 * spread["power", 0.0]


@pytest.mark.parametrize("rapidity_map", ["power", "uniform"])
@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.99])
def test_two_beam_sampler_edges_are_finite(rapidity_map: str, fraction: float) -> None:
    edges = [0.0, 1e-300, 1e-12, 0.5, 1 - 1e-16, 1.0]
    grid = np.array(np.meshgrid(edges, edges, edges)).reshape(3, -1).T
    sampler = isr_sampler.IsrSampler(BETA, 0.3, fraction, 1e-4, rapidity_map)
    points = sampler.sample(grid)
    assert np.all(np.isfinite(points.weight)) and np.all(points.weight >= 0)
    for omx in (points.omx1, points.omx2):
        assert np.all((omx >= 0) & (omx <= sampler.omx_max))
    inside = points.weight > 0
    assert np.all(points.x1[inside] * points.x2[inside] >= 0.3 * (1 - 1e-14))
    assert np.all(points.weight[points.channel == 1] > 0)  # channel B never leaves the region


def test_sampler_rejects_bad_input() -> None:
    with pytest.raises(ParameterError, match="isr.beta"):
        isr_sampler.IsrSampler(1.5, 0.5)
    with pytest.raises(ParameterError, match="isr.tau_min"):
        isr_sampler.IsrSampler(BETA, 0.0)
    with pytest.raises(ParameterError, match="isr.threshold_fraction"):
        isr_sampler.IsrSampler(BETA, 0.5, 1.0)
    with pytest.raises(ParameterError, match="isr.rapidity_map"):
        isr_sampler.IsrSampler(BETA, 0.5, rapidity_map="flat")
    with pytest.raises(ParameterError, match="isr.u"):
        isr_sampler.IsrSampler(BETA, 0.5).sample(np.zeros((4, 2)))
    with pytest.raises(ParameterError, match="isr.u"):
        isr.sample_beam([0.5, 1.5], BETA)
    with pytest.raises(ParameterError, match="isr.omx"):
        isr.isr_structure_function([-1e-3], BETA)
    with pytest.raises(ParameterError, match="isr.s"):
        isr.beta_isr(1e-7)


# ------------------------------------------------------------------------------------------ quadrature
def test_convolution_factorises_on_moments() -> None:
    """int int f f tau^n = (int f x^n)^2 when tau_min -> 0: checks the two-beam luminosity D(tau)."""
    c = isr.isr_singular_coefficient(BETA)
    for n in (1, 10, 100):
        singular = c * math.gamma(1 + BETA / 2) * math.gamma(n + 1) / math.gamma(n + 1 + BETA / 2)
        moment = (
            singular
            + integrate.quad(
                lambda o, n=n: (1 - o) ** n * float(isr.isr_regular(o, BETA)), 0, 1, epsrel=1e-13, limit=200
            )[0]
        )
        sigma = isr_convolution.sigma_isr_structure_function(
            lambda sh, n=n: (sh / S_BELLE2) ** n, S_BELLE2, 1e-12
        )
        assert sigma == pytest.approx(moment**2, rel=1e-10)
    # and the full normalisation, int int f f = N(beta)^2 (up to the region tau < 1e-12)
    total = isr_convolution.sigma_isr_structure_function(lambda sh: 1.0, S_BELLE2, 1e-12)
    assert total == pytest.approx(isr.isr_normalization(BETA) ** 2, rel=1e-7)


def test_quadrature_against_independent_two_dimensional_integral() -> None:
    """Threshold peak at tau_min = 0.8: nested adaptive quadrature in t_i = omx_i^(beta/2) of f_plain."""
    tau_min = 0.8
    peak = _threshold_peak(1e-3, tau_min)
    half = BETA / 2

    def reduced(t: float) -> float:  # f(omx) d omx/dt with omx = t^(2/beta)
        omx = t ** (2 / BETA)
        return (
            isr.isr_singular_coefficient(BETA) if omx == 0 else f_plain(omx, BETA) * omx ** (1 - half) / half
        )

    def inner(t1: float) -> float:
        x1 = 1 - t1 ** (2 / BETA)
        top = (1 - tau_min / x1) ** half
        return integrate.quad(
            lambda t2: reduced(t2) * peak(x1 * (1 - t2 ** (2 / BETA))), 0, top, epsrel=1e-8
        )[0]

    brute = integrate.quad(
        lambda t1: reduced(t1) * inner(t1), 0, (1 - tau_min) ** half, epsrel=1e-8, limit=200
    )[0]
    ours = isr_convolution.sigma_isr_structure_function(lambda sh: peak(sh / S_BELLE2), S_BELLE2, tau_min)
    assert ours == pytest.approx(brute, rel=1e-8)  # measured 3e-13
    # beta -> 0: no radiation, sigma -> sigma_hat(s)
    no_radiation = isr_convolution.sigma_isr_structure_function(
        lambda sh: peak(sh / S_BELLE2), S_BELLE2, tau_min, beta=1e-7
    )
    assert no_radiation == pytest.approx(peak(1.0), rel=1e-4)


def test_mumu_kuraev_fadin_and_structure_function() -> None:
    """next_wave.md 3.1: mu mu with s' > 0.01 s, sigma_ISR/sigma_Born = 1.2412 (KF), 1.2341 (per-beam SF)."""

    def born(sh: float) -> float:  # sigma_0 ~ 1/s' (the muon-mass factor is 1 - O(m^4/s'^2))
        return 1.0 / sh

    kf = isr_convolution.sigma_isr_kuraev_fadin(born, S_BELLE2, 0.99) * S_BELLE2
    sf = isr_convolution.sigma_isr_structure_function(born, S_BELLE2, 0.01) * S_BELLE2
    assert round(kf, 4) == 1.2412  # measured 1.241153
    # measured 1.233338 (independent 2-D quadrature agrees to 1e-10); the spec's 1.2341 is 6.5e-4 higher, the
    # size of a 1e6-point Monte Carlo error (1.2e-3), so it is checked at that level only.
    assert sf == pytest.approx(1.2341, rel=1e-3)
    assert 0.004 < kf / sf - 1 < 0.007  # "agree to 0.4-0.7 %": the non-log term (alpha/pi)(pi^2/3 - 1/2)

    def massive(sh: float) -> float:
        return float(sigma_mumu_born_fb(sh))

    ratio = isr_convolution.sigma_isr_kuraev_fadin(massive, S_BELLE2, 0.99) / massive(S_BELLE2)
    assert ratio == pytest.approx(kf, rel=2e-5)


def test_kuraev_fadin_radiator_pieces() -> None:
    z = np.array([1e-8, 0.1, 0.5, 0.9])
    f = isr_convolution.kuraev_fadin_radiator(z, S_BELLE2)
    beta, a = BETA, ALPHA / math.pi
    for zi, fi in zip(z, f, strict=True):
        k = 1 + 0.75 * beta + a * (math.pi**2 / 3 - 0.5) + beta**2 * (9 / 32 - math.pi**2 / 12)
        bracket = 4 * (2 - zi) * math.log(1 / zi) - (1 + 3 * (1 - zi) ** 2) / zi * math.log(1 - zi) - 6 + zi
        assert fi == pytest.approx(
            beta * zi ** (beta - 1) * k - beta * (1 - zi / 2) + beta**2 / 8 * bracket, rel=1e-12
        )
    assert np.isposinf(isr_convolution.kuraev_fadin_radiator(0.0, S_BELLE2))


def test_ap_phi_isr_ratio_b1() -> None:
    """B1, sqrt(s) = 10.58 GeV: KF and SF agree to 0.4-0.7 % (next_wave.md 3.1; 3.3 quotes no numbers)."""
    measured = {}
    for m_Ap in (1.2, 6.0, 9.0):
        model = DarkModel.from_benchmark("B1", m_Ap=m_Ap)

        def sigma_hat(sh: float, model: DarkModel = model) -> float:
            return sigma_nwa_fb(model, math.sqrt(sh))

        tau_min = (model.m_Ap + model.m_phi) ** 2 / S_BELLE2
        born = sigma_hat(S_BELLE2)
        sf = isr_convolution.sigma_isr_structure_function(sigma_hat, S_BELLE2, tau_min) / born
        kf = isr_convolution.sigma_isr_kuraev_fadin(sigma_hat, S_BELLE2, 1 - tau_min) / born
        assert 0.004 < kf / sf - 1 < 0.007
        gmu = isr_convolution.sigma_isr_structure_function(
            sigma_hat, S_BELLE2, tau_min, alpha=isr.ISR_ALPHA_SCHEMES["gmu"]
        )
        # the G_mu exponent changes the ISR correction by about 3.5 % of itself (next_wave.md 3.1)
        assert 1.02 < (gmu / born - 1) / (sf - 1) < 1.05
        measured[m_Ap] = sf
    # ISR lowers sigma near threshold (m_A' = 9 GeV: tau_min = 0.985), raises it far away (radiative return)
    assert measured[1.2] > measured[6.0] > 1 > measured[9.0]
