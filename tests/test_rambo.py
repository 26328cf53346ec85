"""RAMBO (issue 4): conservation, on-shell masses, phase-space volumes, isotropy, and agreement of the
invariant-mass distributions with the independent sequential two-body generator of the signal."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from darkstrahl.gen.kinematics import invariant_mass_squared
from darkstrahl.gen.phasespace import phi_phase_space
from darkstrahl.gen.rambo import massless_weight, phase_space_factor, rambo

SQRT_S = 10.58


@pytest.mark.parametrize(
    "masses", [[0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 2.0, 2.0], [0.0, 1.0, 2.0, 2.0], [0.1, 0.2, 0.3, 0.4, 0.5]]
)
def test_momentum_conservation_and_mass_shell(masses: list[float]) -> None:
    n = len(masses)
    p, w = rambo(SQRT_S, masses, np.random.default_rng(1).random((20_000, 4 * n)))
    total = p.sum(axis=1)
    np.testing.assert_allclose(total, [[SQRT_S, 0.0, 0.0, 0.0]] * len(p), rtol=0, atol=1e-12 * SQRT_S)
    np.testing.assert_allclose(
        invariant_mass_squared(p), np.square(masses)[None, :] * np.ones((len(p), 1)), atol=1e-10
    )
    assert np.all(w > 0)


def test_massless_weight_is_constant_and_closed_form() -> None:
    # issue 4: for n = 3 at sqrt(s) = 10.58 GeV the RAMBO weight is exactly 138.096 GeV^2
    _, w = rambo(SQRT_S, [0.0, 0.0, 0.0], np.random.default_rng(2).random((100, 12)))
    np.testing.assert_allclose(w, 138.096, rtol=3e-6)
    assert massless_weight(3, SQRT_S) == pytest.approx(math.pi**2 / 4 * SQRT_S**2 / 2, rel=1e-15)
    for n in range(2, 6):
        _, w = rambo(SQRT_S, [0.0] * n, np.random.default_rng(n).random((10, 4 * n)))
        closed = (
            (math.pi / 2) ** (n - 1) * SQRT_S ** (2 * n - 4) / (math.factorial(n - 1) * math.factorial(n - 2))
        )
        np.testing.assert_allclose(w, closed, rtol=1e-14)
    # n = 2 and 3 against the Lorentz-invariant phase space: 1/(8 pi) and s/(256 pi^3)
    assert phase_space_factor(2) * massless_weight(2, SQRT_S) == pytest.approx(1 / (8 * math.pi))
    assert phase_space_factor(3) * massless_weight(3, SQRT_S) == pytest.approx(SQRT_S**2 / (256 * math.pi**3))


def test_massive_two_body_volume() -> None:
    m1, m2 = 3.0, 4.5
    _, w = rambo(SQRT_S, [m1, m2], np.random.default_rng(3).random((1000, 8)))
    lam = (SQRT_S**2 - (m1 + m2) ** 2) * (SQRT_S**2 - (m1 - m2) ** 2)
    pk = math.sqrt(lam) / (2 * SQRT_S)
    # two-body: the weight is constant, Phi_2 = |p| / (4 pi sqrt s)
    np.testing.assert_allclose(phase_space_factor(2) * w, pk / (4 * math.pi * SQRT_S), rtol=1e-12)


def dalitz_area(M: float, m1: float, m2: float, m3: float) -> float:
    """int dm12^2 (m23^2_max - m23^2_min): the Dalitz-plot area [GeV^4] (PDG kinematics, eq. 49.22)."""

    def width(m12sq: float) -> float:
        m12 = math.sqrt(m12sq)
        e2 = (m12sq - m1**2 + m2**2) / (2 * m12)
        e3 = (M**2 - m12sq - m3**2) / (2 * m12)
        p2 = math.sqrt(max(e2**2 - m2**2, 0.0))
        p3 = math.sqrt(max(e3**2 - m3**2, 0.0))
        return 4 * p2 * p3

    return integrate.quad(width, (m1 + m2) ** 2, (M - m3) ** 2, epsrel=1e-12)[0]


@pytest.mark.parametrize("masses", [[1.0, 2.0, 2.0], [0.3, 0.3, 4.0]])
def test_massive_three_body_volume_against_dalitz(masses: list[float]) -> None:
    _, w = rambo(SQRT_S, masses, np.random.default_rng(4).random((1_000_000, 12)))
    mc = w.mean()
    err = w.std() / math.sqrt(w.size)
    # Phi_3 = (2 pi)^-5 (pi^2 / (4 s)) x Dalitz area  =>  <W> = pi^2 area / (4 s)
    expected = math.pi**2 / (4 * SQRT_S**2) * dalitz_area(SQRT_S, *masses)
    assert abs(mc - expected) < 4 * err
    assert err / expected < 2e-3


def test_isotropy() -> None:
    p, w = rambo(SQRT_S, [1.0, 2.0, 2.0], np.random.default_rng(5).random((200_000, 12)))
    # weighted events: unweight with the exact weights so the tests see the physical distribution
    keep = np.random.default_rng(6).random(len(w)) * w.max() < w
    d = p[keep, 0]
    cos = d[:, 3] / np.linalg.norm(d[:, 1:], axis=1)
    phi = np.arctan2(d[:, 2], d[:, 1])
    assert stats.kstest(cos, "uniform", args=(-1, 2)).pvalue > 1e-3
    assert stats.kstest(phi, "uniform", args=(-np.pi, 2 * np.pi)).pvalue > 1e-3


def test_invariant_masses_agree_with_sequential_two_body() -> None:
    """m_23 and m_12 distributions (weighted by the phase-space weights) of RAMBO and of the
    independent sequential generator of the signal phase space (a wide Breit-Wigner map is just a map)."""
    masses = [1.0, 2.0, 2.0]
    rng = np.random.default_rng(7)
    p_r, w_r = rambo(SQRT_S, masses, rng.random((600_000, 12)))
    w_r = w_r * phase_space_factor(3)
    space = phi_phase_space(SQRT_S, 6.0, 40.0, masses[0], masses[1])
    p_s, _, w_s = space.generate(0, rng.random((600_000, 5)))
    p_s = p_s[:, 2:]
    for i, j in ((1, 2), (0, 1)):
        m_r = np.sqrt(invariant_mass_squared(p_r[:, i] + p_r[:, j]))
        m_s = np.sqrt(invariant_mass_squared(p_s[:, i] + p_s[:, j]))
        edges = np.linspace(min(m_r.min(), m_s.min()), max(m_r.max(), m_s.max()), 21)
        h_r, _ = np.histogram(m_r, edges, weights=w_r)
        h_s, _ = np.histogram(m_s, edges, weights=w_s)
        e_r = np.sqrt(np.histogram(m_r, edges, weights=w_r**2)[0])
        e_s = np.sqrt(np.histogram(m_s, edges, weights=w_s**2)[0])
        n_r, n_s = len(w_r), len(w_s)
        pull = (h_r / n_r - h_s / n_s) / np.hypot(e_r / n_r, e_s / n_s)
        ok = (h_r > 0) & (h_s > 0)
        chi2 = float(np.sum(pull[ok] ** 2))
        assert stats.chi2.sf(chi2, ok.sum()) > 1e-3, (i, j, chi2)


def test_massless_volume_recursion_independent_of_the_weight_formula() -> None:
    """Phi_n(s) = int_0^s dM^2/(2 pi) Phi_2(s; 0, M) Phi_{n-1}(M^2), Phi_2 = (1 - M^2/s)/(8 pi): a recursion
    that knows nothing of the RAMBO formula (it would catch the (n-2)! slip of reference.md 4)."""

    def phi(n: int, s: float) -> float:
        if n == 2:
            return 1 / (8 * math.pi)
        return integrate.quad(
            lambda m2: (1 - m2 / s) / (8 * math.pi) * phi(n - 1, m2) / (2 * math.pi), 0, s, epsrel=1e-12
        )[0]

    s = SQRT_S**2
    for n in (3, 4, 5):
        _, w = rambo(SQRT_S, [0.0] * n, np.random.default_rng(n).random((10, 4 * n)))
        assert phase_space_factor(n) * w[0] == pytest.approx(phi(n, s), rel=1e-9)
