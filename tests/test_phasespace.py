"""Phase-space maps (issue 3, item 3): exact Jacobians and inverses, momentum conservation, and a
constant integrated through every map and channel gives the exactly known phase-space volume."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from darkstrahl.gen import phasespace as ps
from darkstrahl.gen.kinematics import invariant_mass_squared
from darkstrahl.gen.sampler import MultiChannelSampler, SamplerSettings

SQRT_S, M_AP, M_CHI, M_PHI = 10.58, 6.0, 2.0, 1.0


def _pk(M: float, a: float, b: float) -> float:
    lam = (M * M - (a + b) ** 2) * (M * M - (a - b) ** 2)
    return math.sqrt(max(lam, 0.0)) / (2 * M)


def phi3_volume(M: float) -> float:
    """int dQ^2/(2 pi) Phi_2(M; m_phi, Q) Phi_2(Q; m_chi, m_chi), Phi_2 = |p|/(4 pi M) (quadrature)."""
    return integrate.quad(
        lambda q2: (
            _pk(M, M_PHI, math.sqrt(q2))
            / (4 * math.pi * M)
            * _pk(math.sqrt(q2), M_CHI, M_CHI)
            / (4 * math.pi * math.sqrt(q2))
            / (2 * math.pi)
        ),
        4 * M_CHI**2,
        (M - M_PHI) ** 2,
        epsrel=1e-11,
    )[0]


def phi4_volume_with_cuts(e_min: float, th_min: float, th_max: float) -> float:
    """Delta cos(theta_gamma) int dE E/(8 pi^2) Phi_3(P'^2) (phi is integrated: 2 pi)."""
    dc = math.cos(math.radians(th_min)) - math.cos(math.radians(th_max))
    e_max = (SQRT_S**2 - (M_PHI + 2 * M_CHI) ** 2) / (2 * SQRT_S)
    return (
        dc
        * integrate.quad(
            lambda e: e / (8 * math.pi**2) * phi3_volume(math.sqrt(SQRT_S**2 - 2 * SQRT_S * e)),
            e_min,
            e_max,
            epsrel=1e-9,
        )[0]
    )


@pytest.mark.parametrize(
    ("fwd", "inv", "args"),
    [
        (ps.bw_map, ps.bw_inverse, (6.0, 0.5, 20.0, 60.0)),
        (ps.flat_map, ps.flat_inverse, (1.0, 3.0)),
        (ps.log_map, ps.log_inverse, (0.25, 5.0)),
    ],
)
def test_one_dimensional_maps(fwd, inv, args) -> None:
    u = np.linspace(1e-6, 1 - 1e-6, 2001)
    x, jac = fwd(u, *args)
    np.testing.assert_allclose(inv(x, *args)[0], u, atol=1e-10)
    # Jacobian against the numerical derivative, and the integral of the Jacobian is the range length
    np.testing.assert_allclose(np.gradient(x, u)[5:-5], jac[5:-5], rtol=2e-4)
    lo, hi = (args[-2], args[-1])
    assert integrate.trapezoid(jac, u) == pytest.approx(hi - lo, rel=1e-5)
    _c, jc = ps.collinear_cos_map(u, -0.9, 0.9)
    assert integrate.trapezoid(jc, u) == pytest.approx(1.8, rel=1e-5)


def test_momentum_conservation_and_masses() -> None:
    rng = np.random.default_rng(1)
    space = ps.gamma_phi_phase_space(SQRT_S, M_AP, 0.145, M_PHI, M_CHI, 0.25, 22, 158)
    for c in range(2):
        p, x, _w = space.generate(c, rng.random((5000, 8)))
        np.testing.assert_allclose(p[:, 2:].sum(axis=1), [[SQRT_S, 0, 0, 0]] * 5000, atol=1e-11)
        m2 = invariant_mass_squared(p)
        np.testing.assert_allclose(m2[:, 2:], [[0, M_PHI**2, M_CHI**2, M_CHI**2]] * 5000, atol=1e-9)
        np.testing.assert_allclose(invariant_mass_squared(p[:, 4] + p[:, 5]), x[:, 1], rtol=1e-12)
        assert np.all(p[:, 2, 0] >= 0.25 - 1e-12)
        cos_g = p[:, 2, 3] / p[:, 2, 0]
        assert np.all(np.abs(cos_g) <= math.cos(math.radians(22)) + 1e-12)
        # channel inverses reproduce the unit coordinates
        u = rng.random((2000, 2))
        xx, jx = space.channels[c].to_x(u)
        uu, jj = space.channels[c].from_x(xx)
        np.testing.assert_allclose(uu, u, atol=1e-9)
        np.testing.assert_allclose(jj, jx, rtol=1e-9)


def _check_volume(w: np.ndarray, volume: float) -> None:
    err = w.std() / math.sqrt(w.size)
    assert abs(w.mean() - volume) < 4 * err, (w.mean() / volume - 1, err / volume)
    assert err / volume < 1e-2  # the comparison is meaningful


def test_phi_volume_through_the_map() -> None:
    rng = np.random.default_rng(2)
    volume = phi3_volume(SQRT_S)
    for width in (0.145, 3.0):  # a narrow and a wide Breit-Wigner map
        space = ps.phi_phase_space(SQRT_S, M_AP, width, M_PHI, M_CHI)
        assert [c.name for c in space.channels] == ["Q2_resonant", "Q2_flat"]
        for c in range(len(space.channels)):
            _, _, w = space.generate(c, rng.random((400_000, 5)))
            _check_volume(w, volume)


def test_gamma_phi_volume_through_every_channel() -> None:
    rng = np.random.default_rng(3)
    volume = phi4_volume_with_cuts(0.25, 22.0, 158.0)
    space = ps.gamma_phi_phase_space(SQRT_S, M_AP, 2.0, M_PHI, M_CHI, 0.25, 22, 158)
    for c in range(2):
        _, _, w = space.generate(c, rng.random((600_000, 8)))
        _check_volume(w, volume)


def test_multichannel_sampler_volume() -> None:
    """The multichannel weight (both vegas maps adapted to a non-constant integrand) still integrates a
    constant to the volume: the densities of all channels are combined correctly."""
    space = ps.gamma_phi_phase_space(SQRT_S, M_AP, 0.145, M_PHI, M_CHI, 0.25, 22, 158)
    volume = phi4_volume_with_cuts(0.25, 22.0, 158.0)
    settings = SamplerSettings(n_iterations=4, n_per_iteration=20_000, ninc=50)

    def peaked(p: np.ndarray) -> np.ndarray:
        q2 = invariant_mass_squared(p[:, 4] + p[:, 5])
        return 1.0 / ((q2 - 36.0) ** 2 + 1.0)

    smp = MultiChannelSampler(space, peaked, np.random.default_rng(4), settings)
    smp.adapt()
    assert np.all(smp.alphas > 0.0)
    smp.integrand = lambda p: np.ones(p.shape[0])
    est = smp.integrate(600_000)
    assert abs(est.mean - volume) < 4 * est.error
    assert est.error / volume < 1e-2
