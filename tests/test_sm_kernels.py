"""SM background kernels (next_wave.md 1.3 item 6; issue 14 part 2): e+e- -> mu mu (gamma) Born, Z, the
exact O(alpha) radiative |M|^2 and its matching pieces (gen/sm_mumu.py); tau -> mu nu nu and the tau-pair
spin correlation (gen/sm_tau.py); the two-photon EPA (gen/sm_twophoton.py). Closed forms and limits; Monte
Carlo tolerances are stated where used."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.integrate import quad

from darkstrahl.errors import ParameterError
from darkstrahl.gen import sm_mumu as mm
from darkstrahl.gen import sm_mumu_matching as mt
from darkstrahl.gen import sm_tau as st
from darkstrahl.gen import sm_twophoton as tp
from darkstrahl.gen.constants import ALPHA, G_F, GEV2_TO_FB, M_MU, M_TAU
from darkstrahl.gen.kinematics import boost_many

RS = 10.58


def _born_points(rng: np.random.Generator, n: int, m: float = M_MU) -> np.ndarray:
    e = RS / 2
    pm = math.sqrt(e * e - m * m)
    c, phi = rng.uniform(-1, 1, n), rng.uniform(0, 2 * math.pi, n)
    s = np.sqrt(1 - c * c)
    p = np.zeros((n, 4, 4))
    p[:, 0] = [e, 0, 0, e]
    p[:, 1] = [e, 0, 0, -e]
    p[:, 2, 0] = p[:, 3, 0] = e
    p[:, 2, 1:] = pm * np.column_stack([s * np.cos(phi), s * np.sin(phi), c])
    p[:, 3, 1:] = -p[:, 2, 1:]
    return p


# ----------------------------------------------------------------------------- mu mu Born
def test_born_sigma_is_the_spec_value_and_the_closed_form() -> None:
    sigma_nb = mm.born_sigma(RS) * GEV2_TO_FB / 1e6
    assert sigma_nb == pytest.approx(0.7759, abs=5e-5)  # next_wave.md 1.3 item 6, alpha(0)
    b = math.sqrt(1 - 4 * M_MU**2 / RS**2)
    closed = 4 * math.pi * ALPHA**2 / (3 * RS**2) * b * (3 - b * b) / 2
    assert mm.born_sigma(RS) == pytest.approx(closed, rel=1e-13)


def test_born_angular_distribution_and_helas_helicity_sum() -> None:
    rng = np.random.default_rng(1)
    p = _born_points(rng, 50)
    c = p[:, 2, 3] / np.linalg.norm(p[:, 2, 1:], axis=1)
    b = math.sqrt(1 - 4 * M_MU**2 / RS**2)
    shape = 1 + c * c + (1 - b * b) * (1 - c * c)
    np.testing.assert_allclose(
        mm.born_dsigma_dcos(c, RS), 2 * math.pi * ALPHA**2 * b / (4 * RS**2) * shape, rtol=1e-13
    )
    # dsigma/dcos = |M|^2 |p| / (16 pi^2 sqrt s) 2 pi / (2 s): HELAS vs the closed form, with and without Z
    flux = b / (16 * math.pi**2) * 2 * math.pi / (2 * RS**2) / 2
    for z in (False, True):
        np.testing.assert_allclose(
            mm.born_msq(p, M_MU, z) * flux, mm.born_dsigma_dcos(c, RS, M_MU, z), rtol=1e-10
        )


def test_z_exchange_effect_and_forward_backward_asymmetry() -> None:
    assert mm.forward_backward_asymmetry(RS, z_exchange=False) == pytest.approx(0.0, abs=1e-15)
    afb = mm.forward_backward_asymmetry(RS)
    # massless, first order in chi = s/((s - M_Z^2) s_W^2 c_W^2) (module docstring (a)): the odd part
    # 4 c sum_s eta_s g_s^e g_A chi = 4 c (g_L - g_R) g_A chi = -2 c g_A chi over the even 2 (1 + c^2) x 2
    # gives
    # A_FB = -(3/8) g_A chi (g_A = T3/2 = -1/4); mass and |chi|^2 terms are < 2 %
    from darkstrahl.gen.constants import M_Z, SIN2_THETA_W

    chi = RS**2 / ((RS**2 - M_Z**2) * SIN2_THETA_W * (1 - SIN2_THETA_W))
    assert afb == pytest.approx(-3.0 / 8.0 * (-0.25) * chi, rel=0.02)
    assert -0.0075 < afb < -0.0070
    ratio = mm.born_sigma(RS, z_exchange=True) / mm.born_sigma(RS)
    assert abs(ratio - 1) < 1e-3  # the Z changes sigma by -0.03 %


# ----------------------------------------------------------------------------- mu mu gamma
@pytest.fixture(scope="module")
def radiative_points() -> tuple[np.ndarray, np.ndarray]:
    ps = mt.MuMuGammaPhaseSpace(RS, mt.RadiativeMatching(0.1, 10.0))
    return ps.generate(np.random.default_rng(2).random((400, 6)))


def test_radiative_phase_space_conserves_momentum(radiative_points: tuple[np.ndarray, np.ndarray]) -> None:
    p, w = radiative_points
    np.testing.assert_allclose(p[:, 0] + p[:, 1], p[:, 2:].sum(axis=1), atol=1e-12)
    m2 = p[:, 2, 0] ** 2 - np.sum(p[:, 2, 1:] ** 2, axis=1)
    np.testing.assert_allclose(m2, M_MU**2, atol=1e-12)
    assert np.all(w > 0)


def test_ward_identity_and_lorentz_invariance(radiative_points: tuple[np.ndarray, np.ndarray]) -> None:
    p = radiative_points[0][:50]
    amp = mm.mumugamma_amplitudes(p)
    ward = mm.mumugamma_amplitudes(p, gauge_check=True)  # eps*(k) -> k
    assert np.abs(ward).max() < 1e-12 * np.abs(amp).max()
    # a boost along x with rapidity 0.7 leaves |M|^2 invariant
    ch, sh = math.cosh(0.7), math.sinh(0.7)
    q = p.copy()
    q[..., 0], q[..., 1] = ch * p[..., 0] + sh * p[..., 1], sh * p[..., 0] + ch * p[..., 1]
    np.testing.assert_allclose(mm.mumugamma_msq(q), mm.mumugamma_msq(p), rtol=1e-9)


def test_massless_limit_is_berends_kleiss() -> None:
    m = 1e-4  # GeV; compare away from the muon dead cones (angle(mu, gamma) > 1 deg >> m/E)
    p, _ = mt.MuMuGammaPhaseSpace(RS, mt.RadiativeMatching(0.1, 10.0), m_mu=m).generate(
        np.random.default_rng(3).random((2000, 6))
    )
    k = p[:, 4, 1:] / np.linalg.norm(p[:, 4, 1:], axis=1, keepdims=True)
    ok = np.ones(len(p), bool)
    for j in (2, 3):
        d = p[:, j, 1:] / np.linalg.norm(p[:, j, 1:], axis=1, keepdims=True)
        ok &= np.sum(d * k, axis=1) < math.cos(math.radians(1.0))
    assert ok.sum() > 1000
    np.testing.assert_allclose(mm.mumugamma_msq(p[ok], m), mm.berends_kleiss_msq(p[ok]), rtol=2e-4)


def test_soft_photon_limit_is_eikonal_times_born() -> None:
    ps = mt.MuMuGammaPhaseSpace(RS, mt.RadiativeMatching(1e-5, 10.0), omega_upper=2e-5)
    p, _ = ps.generate(np.random.default_rng(4).random((300, 6)))
    ratio = mm.mumugamma_msq(p) / (mm.eikonal_factor(p) * mm.born_msq(np.ascontiguousarray(p[:, :4])))
    np.testing.assert_allclose(ratio, 1.0, atol=2e-5)  # corrections O(omega/E) = 4e-6


def test_soft_slice_gives_born_times_soft_coefficient() -> None:
    """omega_min independence of the matching: the ME in a soft slice w1 < omega < w2 outside the cones equals
    int dcos dsigma_Born/dcos B(c) ln(w2/w1) (IFI part odd in c: integrates to 0), up to O(w2/E) = 0.4 %."""
    match = mt.RadiativeMatching(0.001, 10.0)
    ps = mt.MuMuGammaPhaseSpace(RS, match, omega_upper=0.01)
    sig, err = ps.cross_section_fb(np.random.default_rng(5), 40000)
    b_even = mt.wide_angle_beta(match) + mt.fsr_beta(RS)
    expected = mm.born_sigma(RS) * GEV2_TO_FB * b_even * math.log(10.0)
    assert err < 0.01 * sig
    assert sig == pytest.approx(expected, abs=3 * err + 0.006 * expected)


def test_soft_virtual_constants_reproduce_the_known_total_corrections() -> None:
    """O(alpha) K_SV at small theta_c plus the collinear part of the SF (beta_c ln Delta + 3/4 beta_c) is the
    Kuraev-Fadin soft+virtual ISR correction beta (ln Delta + 3/4) + (alpha/pi)(pi^2/3 - 1/2) plus the same
    for the final state (next_wave.md 3.1), for the symmetric (c = 0) configuration."""
    match = mt.RadiativeMatching(0.05, 3.0)
    delta = 2 * match.omega_min / RS
    k = float(mt.soft_virtual_factor(0.0, RS, match, exponentiate=False))
    beta_c = mt.collinear_beta(RS, match)
    total = k - 1 + beta_c * (math.log(delta) + 0.75)
    beta, beta_f = mt.isr_beta_full(RS), mt.fsr_beta(RS)
    const = ALPHA / math.pi * (math.pi**2 / 3 - 0.5)
    assert total == pytest.approx((beta + beta_f) * (math.log(delta) + 0.75) + 2 * const, rel=1e-12)
    assert beta == pytest.approx(0.08769, abs=1e-5)
    assert mt.collinear_beta(RS, match) == pytest.approx(beta - mt.wide_angle_beta(match), rel=1e-12)


def test_bad_inputs_name_the_parameter() -> None:
    with pytest.raises(ParameterError, match="run.sqrt_s"):
        mm.born_sigma(0.2)
    with pytest.raises(ParameterError, match="matching.theta_c_deg"):
        mt.RadiativeMatching(0.01, 95.0)
    with pytest.raises(ParameterError, match="parts"):
        mm.mumugamma_msq(np.zeros((1, 5, 4)), parts=7)


# ----------------------------------------------------------------------------- tau
def test_tau_width_and_michel_spectrum() -> None:
    y = M_MU**2 / M_TAU**2
    assert st.tau_to_mu_width() == pytest.approx(
        G_F**2 * M_TAU**5 / (192 * math.pi**3) * (1 - 8 * y + 8 * y**3 - y**4 - 12 * y * y * math.log(y)),
        rel=1e-14,
    )
    lo, hi = st.muon_energy_range()
    assert quad(lambda e: float(st.muon_spectrum(e)), lo, hi, epsabs=0)[0] == pytest.approx(
        st.tau_to_mu_width(), rel=1e-6
    )
    # massless limit: the Michel form x^2 (3 - 2x), x = 2E/m, normalized to G_F^2 m^5/(192 pi^3)
    x = np.linspace(0.05, 0.99, 7)
    spec = st.muon_spectrum(x * M_TAU / 2, M_TAU, 0.0) * M_TAU / 2
    michel = G_F**2 * M_TAU**5 / (192 * math.pi**3) * 2 * x * x * (3 - 2 * x)
    np.testing.assert_allclose(spec, michel, rtol=1e-12)
    assert 0.172 < st.tau_to_mu_branching_ratio() < 0.175  # PDG 0.1739 (tree level: 0.1737)


def test_sampled_tau_decays_follow_the_polarized_spectrum() -> None:
    """Unweighted decays of a fully polarized tau- (P = +z): E_mu histogram vs dGamma/dE and the mean of
    cos(mu, P) vs the closed form; tolerances 4 sigma of the MC."""
    n = 40000
    d = st.sample_tau_decay(np.random.default_rng(6), n, np.array([0.0, 0.0, 1.0]), -1)
    np.testing.assert_allclose(d.sum(axis=1), np.tile([M_TAU, 0, 0, 0], (n, 1)), atol=1e-12)
    lo, hi = st.muon_energy_range()
    edges = np.linspace(lo, hi, 9)
    counts = np.histogram(d[:, 0, 0], edges)[0]
    expect = np.array(
        [quad(lambda e: float(st.muon_spectrum(e)), a, b)[0] for a, b in itertools.pairwise(edges)]
    )
    expect *= n / st.tau_to_mu_width()
    assert np.all(np.abs(counts - expect) < 4 * np.sqrt(expect))
    cos = d[:, 0, 3] / np.linalg.norm(d[:, 0, 1:], axis=1)

    def moment(k: int) -> float:
        return quad(
            lambda e: quad(lambda c: c**k * float(st.muon_energy_angle_spectrum(e, c, 1.0, -1)), -1, 1)[0],
            lo,
            hi,
        )[0]

    mean = moment(1) / moment(0)
    assert mean < -0.05  # tau- -> mu-: the muon prefers the direction opposite to the spin
    assert cos.mean() == pytest.approx(mean, abs=4 * 0.58 / math.sqrt(n))


def test_spin_correlation_matrix_properties() -> None:
    c = np.linspace(-0.95, 0.95, 7)
    cm = st.spin_correlation_matrix(c, RS)
    np.testing.assert_allclose(np.trace(cm, axis1=1, axis2=2), 1.0, atol=1e-14)  # spin triplet
    np.testing.assert_allclose(cm, np.transpose(cm, (0, 2, 1)), atol=0)
    assert np.linalg.svd(cm, compute_uv=False).max() <= 1 + 1e-12  # acceptance weight (1 + h C h)/2 in [0, 1]
    # threshold: spins along the beam axis, C = n n^T with n = z_beam on (x, z) axes = (-sin, 0, cos)
    thr = st.spin_correlation_matrix(c, 2 * M_TAU * (1 + 1e-12))
    s = np.sqrt(1 - c * c)
    n = np.stack([-s, 0 * s, c], axis=1)
    np.testing.assert_allclose(thr, n[:, :, None] * n[:, None, :], atol=1e-5)
    # high energy: helicity conservation, C_zz = 1, C_xx = -C_yy = sin^2/(1 + cos^2)
    he = st.spin_correlation_matrix(c, 1e4)
    np.testing.assert_allclose(he[:, 2, 2], 1.0, atol=1e-6)
    np.testing.assert_allclose(he[:, 0, 0], (1 - c * c) / (1 + c * c), atol=1e-6)


def test_tau_pair_spin_correlation_is_visible_in_the_muons() -> None:
    """For decays ∝ 1 + h.P the mean muon direction in the tau rest frame is <q> = k P with k = <cos> of a
    fully polarized tau (k- = -k+, from the closed-form spectrum).
    The pair density (1 + C_ij h-_i h+_j) then gives
    <(q-.z)(q+.z)> = k- k+ <C_zz> = -k^2 <C_zz> (z = tau- direction, both muons in their tau rest frames);
    without correlations it is 0. Tolerance 4 sigma, sigma = 1/(3 sqrt n)."""
    lo, hi = st.muon_energy_range()

    def moment(k: int) -> float:
        return quad(
            lambda e: quad(lambda c: c**k * float(st.muon_energy_angle_spectrum(e, c, 1.0, -1)), -1, 1)[0],
            lo,
            hi,
        )[0]

    kappa = moment(1) / moment(0)
    n = 40000
    for corr in (True, False):
        smp = st.sample_tau_pair(np.random.default_rng(7), n, spin_correlations=corr)
        p = smp.momenta
        np.testing.assert_allclose(
            p[:, st.TAU_M] + p[:, st.TAU_P], np.tile([RS, 0, 0, 0], (n, 1)), atol=1e-12
        )
        np.testing.assert_allclose(
            p[:, [st.MU_M, st.NUBAR_MU, st.NU_TAU]].sum(axis=1), p[:, st.TAU_M], atol=1e-12
        )
        zhat = p[:, st.TAU_M, 1:] / np.linalg.norm(p[:, st.TAU_M, 1:], axis=1, keepdims=True)
        proj = []
        for tau, mu in ((st.TAU_M, st.MU_M), (st.TAU_P, st.MU_P)):
            inverse = p[:, tau] * np.array([1.0, -1.0, -1.0, -1.0])
            q = boost_many(np.ascontiguousarray(p[:, mu]), np.ascontiguousarray(inverse))[:, 1:]
            proj.append(np.sum(q * zhat, axis=1) / np.linalg.norm(q, axis=1))
        corr_zz = np.mean(proj[0] * proj[1])
        c_zz = st.spin_correlation_matrix(smp.cos_theta, RS)[:, 2, 2].mean() if corr else 0.0
        assert corr_zz == pytest.approx(-(kappa**2) * c_zz, abs=4 / (3 * math.sqrt(n)))
    assert -0.13 < kappa < -0.09  # massless Michel: -1/9


# ----------------------------------------------------------------------------- two-photon
def test_breit_wheeler_closed_form_and_limits() -> None:
    w = np.array([0.3, 1.0, 4.0])
    direct = [quad(lambda c, ww=ww: float(tp.breit_wheeler_dsigma_dcos(c, ww)), -1, 1)[0] for ww in w]
    np.testing.assert_allclose(tp.breit_wheeler_sigma(w), direct, rtol=1e-8)
    big = 1e3
    assert tp.breit_wheeler_sigma(big) == pytest.approx(
        4 * math.pi * ALPHA**2 / big**2 * (math.log(big**2 / M_MU**2) - 1), rel=1e-6
    )
    near = 2 * M_MU * (1 + 1e-8)
    b = math.sqrt(1 - 4 * M_MU**2 / near**2)
    assert tp.breit_wheeler_sigma(near) == pytest.approx(math.pi * ALPHA**2 * b / M_MU**2, rel=1e-3)


def test_epa_rate_vs_independent_flux_integral() -> None:
    """sigma = int dx1 dx2 f(x1) f(x2) sigma_BW(sqrt(x1 x2 s)) by scipy's dblquad in (ln x1, ln x2), against
    the module's Gauss-Legendre quadrature and its weighted sampler (4 sigma)."""
    from scipy.integrate import dblquad

    s = tp.EPASettings(w_min=1.0)
    lmin = math.log(s.tau_min)

    def f(l2: float, l1: float) -> float:
        x1, x2 = math.exp(l1), math.exp(l2)
        w = math.sqrt(x1 * x2) * s.sqrt_s
        return float(x1 * s.flux(x1, w) * x2 * s.flux(x2, w) * tp.breit_wheeler_sigma(w))

    ref = dblquad(f, lmin, 0.0, lambda l1: lmin - l1, lambda l1: 0.0, epsrel=1e-7)[0] * GEV2_TO_FB
    assert tp.epa_sigma_fb(s) == pytest.approx(ref, rel=1e-4)
    smp = tp.sample_epa(np.random.default_rng(8), 100000, s)
    err = smp.weights.std() / math.sqrt(len(smp.weights))
    assert smp.weights.mean() == pytest.approx(ref, abs=4 * err)
    kept = smp.momenta[smp.weights > 0]
    np.testing.assert_allclose(kept.sum(axis=1), np.tile([s.sqrt_s, 0, 0, 0], (len(kept), 1)), atol=1e-9)


def test_epa_acceptance_cut_rate_matches_sampler() -> None:
    s = tp.EPASettings(w_min=1.0, cos_max=math.cos(math.radians(30.0)))
    smp = tp.sample_epa(np.random.default_rng(9), 100000, s)
    err = smp.weights.std() / math.sqrt(len(smp.weights))
    assert smp.weights.mean() == pytest.approx(tp.epa_sigma_fb(s), abs=4 * err)
    kept = smp.momenta[smp.weights > 0]
    cos = kept[:, 2:, 3] / np.linalg.norm(kept[:, 2:, 1:], axis=2)
    assert np.all(np.abs(cos) < s.cos_max + 1e-12)


def test_decay_candidate_kernel_weight_is_the_v_minus_a_matrix_element() -> None:
    """The numba candidates of tau -> mu nu nu: four-momentum conservation at rest, massless neutrinos,
    and the weight |M|^2 |q| equal to :func:`tau_decay_msq` (spin (0, P)) for both charges."""
    u = np.random.default_rng(10).random((500, 5))
    pol = np.array([[0.3, -0.2, 0.5]])
    rest = np.tile([M_TAU, 0.0, 0.0, 0.0], (500, 1))
    spin = np.zeros((500, 4))
    spin[:, 1:] = pol[0]
    for charge in (-1, 1):
        p, w = st._decay_candidates_kernel(u, M_TAU, M_MU, pol, charge)
        np.testing.assert_allclose(p.sum(axis=1), rest, atol=1e-14)
        for j in (1, 2):
            np.testing.assert_allclose(p[:, j, 0] ** 2 - np.sum(p[:, j, 1:] ** 2, axis=1), 0.0, atol=1e-13)
        q = np.sqrt(p[:, 0, 0] ** 2 - M_MU**2)
        ref = st.tau_decay_msq(rest, spin, p[:, 0], p[:, 1], p[:, 2], charge) * q
        np.testing.assert_allclose(w, ref, rtol=1e-12)


@pytest.mark.parametrize("p_max", [0.0, 0.5, 1.0])
def test_tau_decay_weight_bound_holds(p_max: float) -> None:
    """The accept-reject bound of sample_tau_decay is above every candidate weight for |P| <= p_max (2e5
    candidates, P along random directions with |P| = p_max), and tight: the largest weight reaches > 80 % of
    it (a bound that is far too large only costs speed, one that is too small biases the spectrum)."""
    from darkstrahl.gen.constants import M_MU, M_TAU
    from darkstrahl.gen.sm_tau import _decay_candidates_kernel, decay_weight_bound

    rng = np.random.default_rng(11)
    n = 200_000
    pol = rng.normal(size=(n, 3))
    pol *= p_max / np.linalg.norm(pol, axis=1, keepdims=True)
    for charge in (-1, 1):
        _, w = _decay_candidates_kernel(rng.random((n, 5)), M_TAU, M_MU, pol, charge)
        bound = decay_weight_bound(M_TAU, M_MU, p_max)
        assert w.max() <= bound
        assert w.max() > 0.8 * bound
