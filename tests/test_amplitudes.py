"""Matrix elements of physics.md section 2: closed form, gauge invariance, Lorentz invariance,
soft-photon limit and beam polarization (issue 3, checks a, b, c, e, f)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from darkstrahl.gen.amplitudes import helicity_amplitudes, matrix_element_squared
from darkstrahl.gen.constants import E_CHARGE
from darkstrahl.gen.kinematics import invariant_mass_squared
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.phasespace import build_gamma_phi
from darkstrahl.gen.signal_process import SignalProcess

METRIC = np.array([1.0, -1.0, -1.0, -1.0])


def mdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b * METRIC, axis=-1)


def random_points(proc: SignalProcess, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ps = proc.phase_space
    p, _x, _w = ps.generate(int(rng.integers(len(ps.channels))), rng.random((n, ps.ndim)))
    return p


@pytest.fixture(params=[("B1", 6.0), ("B2", 3.0), ("B3", 9.0)], ids=["B1-6", "B2-3", "B3-9"])
def model(request: pytest.FixtureRequest) -> DarkModel:
    bench, m = request.param
    return DarkModel.from_benchmark(bench, m, eps=1e-4, theta=1e-4)


def test_phi_closed_form_equals_helicity_sum(model: DarkModel) -> None:
    """(a) physics.md closed form <|M|^2> vs the HELAS helicity sum, 1e-10 relative."""
    proc = SignalProcess("phi", model)
    p = random_points(proc, 2000, seed=11)
    msq = proc.msq(p)
    p1, p2, q1, q2 = p[:, 0], p[:, 1], p[:, 3], p[:, 4]
    m, w = model.m_Ap, proc.width_Ap

    def d(x: np.ndarray) -> np.ndarray:
        return x - m * m + 1j * m * w

    c = model.g_e**2 * model.g_hVV**2 * model.g_chi**2
    closed = (
        c
        / (np.abs(d(mdot(p1 + p2, p1 + p2))) ** 2 * np.abs(d(mdot(q1 + q2, q1 + q2))) ** 2)
        * 8
        * (mdot(p1, q1) * mdot(p2, q2) + mdot(p1, q2) * mdot(p2, q1) + model.m_chi**2 * mdot(p1, p2))
    )
    np.testing.assert_allclose(msq, closed, rtol=1e-10)


def test_gamma_phi_gauge_invariance(model: DarkModel) -> None:
    """(b) eps*(k) -> k makes every helicity amplitude vanish (1e-8 relative)."""
    proc = SignalProcess("gamma_phi", model)
    p = random_points(proc, 2000, seed=12)
    args = (model.m_chi, model.m_Ap, proc.width_Ap, proc.coupling)
    amps = helicity_amplitudes("gamma_phi", p, *args)
    ward = helicity_amplitudes("gamma_phi", p, *args, gauge_check=True)
    scale = p[:, 2, 0] * np.sqrt(np.sum(np.abs(amps) ** 2, axis=1))
    assert np.max(np.abs(ward) / scale[:, None]) < 1e-8
    # the individual diagrams are not gauge invariant: the check has teeth
    assert np.max(np.abs(amps)) > 0


def random_lorentz(rng: np.random.Generator) -> np.ndarray:
    """A random rotation times a random boost (|beta| < 0.9) as a 4x4 matrix."""
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    q *= np.sign(np.linalg.det(q))
    rot = np.eye(4)
    rot[1:, 1:] = q
    beta = rng.normal(size=3)
    beta *= rng.uniform(0.1, 0.9) / np.linalg.norm(beta)
    g = 1 / math.sqrt(1 - beta @ beta)
    boost = np.eye(4)
    boost[0, 0] = g
    boost[0, 1:] = boost[1:, 0] = g * beta
    boost[1:, 1:] += (g - 1) * np.outer(beta, beta) / (beta @ beta)
    return boost @ rot


@pytest.mark.parametrize("process", ["phi", "gamma_phi"])
def test_lorentz_invariance(model: DarkModel, process: str) -> None:
    """(c) |M|^2 is invariant under random boosts and rotations."""
    proc = SignalProcess(process, model)
    p = random_points(proc, 500, seed=13)
    rng = np.random.default_rng(14)
    lam = np.stack([random_lorentz(rng) for _ in range(p.shape[0])])
    q = np.einsum("nij,nkj->nki", lam, p)
    np.testing.assert_allclose(invariant_mass_squared(q), invariant_mass_squared(p), atol=1e-9)
    np.testing.assert_allclose(proc.msq(q), proc.msq(p), rtol=1e-9)


def test_soft_photon_limit(model: DarkModel) -> None:
    """(e) at E_gamma = 3 MeV, |M(gamma phi)|^2 -> e^2 2 p1.p2/((p1.k)(p2.k)) |M(phi)|^2 (1 %)."""
    rng = np.random.default_rng(15)
    n = 400
    sqrt_s = 10.58
    mp, mc = model.m_phi, model.m_chi
    egam = np.full(n, 3e-3)
    qmax = math.sqrt(sqrt_s**2 - 2 * sqrt_s * 3e-3) - mp
    qsq = rng.uniform(4 * mc**2 * 1.0001, qmax**2 * 0.9999, n)
    ang = np.column_stack(
        [
            rng.uniform(-0.9, 0.9, n),
            rng.uniform(0, 2 * np.pi, n),
            rng.uniform(-1, 1, n),
            rng.uniform(0, 2 * np.pi, n),
            rng.uniform(-1, 1, n),
            rng.uniform(0, 2 * np.pi, n),
        ]
    )
    p6, _ = build_gamma_phi(np.full(len(egam), sqrt_s), mp, mc, egam, qsq, ang)
    gphi = SignalProcess("gamma_phi", model)
    phi = SignalProcess("phi", model)
    m2_gamma = gphi.msq(p6)
    p5 = p6[:, [0, 1, 3, 4, 5]]
    # the hard amplitude at the reduced energy: |D(s)|^2 / |D(P'^2)|^2 corrects the s-channel propagator
    s = sqrt_s**2
    pp2 = invariant_mass_squared(p6[:, 0] + p6[:, 1] - p6[:, 2])
    m, w = model.m_Ap, phi.width_Ap
    ratio_d = np.abs(s - m * m + 1j * m * w) ** 2 / np.abs(pp2 - m * m + 1j * m * w) ** 2
    m2_hard = phi.msq(p5) * ratio_d
    p1, p2, k = p6[:, 0], p6[:, 1], p6[:, 2]
    eikonal = E_CHARGE**2 * 2 * mdot(p1, p2) / (mdot(p1, k) * mdot(p2, k))
    np.testing.assert_allclose(m2_gamma, eikonal * m2_hard, rtol=1e-2)


@pytest.mark.parametrize("process", ["phi", "gamma_phi"])
def test_polarized_average_is_unpolarized(model: DarkModel, process: str) -> None:
    """(f) |M|^2 at P = +1 and P = -1 average to the unpolarized one; the two differ."""
    proc = SignalProcess(process, model)
    p = random_points(proc, 1000, seed=16)
    args = (model.m_chi, model.m_Ap, proc.width_Ap, proc.coupling)
    plus = matrix_element_squared(process, p, *args, pol_em=1.0)
    minus = matrix_element_squared(process, p, *args, pol_em=-1.0)
    unpol = matrix_element_squared(process, p, *args, pol_em=0.0)
    np.testing.assert_allclose(0.5 * (plus + minus), unpol, rtol=1e-12)
    half = matrix_element_squared(process, p, *args, pol_em=0.3)
    np.testing.assert_allclose(half, 0.65 * plus + 0.35 * minus, rtol=1e-12)
    # The A' couples to a vector current, so (parity) the spin-summed rate does not depend on P point by
    # point; what P changes is which helicity configurations carry it: e- L and e- R amplitudes differ.
    np.testing.assert_allclose(plus, minus, rtol=1e-9)
    amps = np.abs(helicity_amplitudes(process, p, *args)) ** 2
    right, left = amps[:, 0::2], amps[:, 1::2]  # bit 0 = e- helicity (set: -1)
    assert np.max(np.abs(right - left)) > 0.1 * np.max(right)
