"""HELAS building blocks: Dirac equations, completeness, polarization vectors, off-shell lines."""

from __future__ import annotations

import numpy as np
import pytest

from darkstrahl.gen import helas

G0 = np.array([[0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]], dtype=complex)
SIG = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]])]
GAMMA = [G0] + [np.block([[np.zeros((2, 2)), s], [-s, np.zeros((2, 2))]]).astype(complex) for s in SIG]
METRIC = np.diag([1.0, -1.0, -1.0, -1.0])


def pslash(p: np.ndarray) -> np.ndarray:
    return sum(METRIC[mu, mu] * p[mu] * GAMMA[mu] for mu in range(4))


def momentum(rng: np.random.Generator, m: float) -> np.ndarray:
    v = rng.normal(size=3) * 3.0
    return np.array([np.sqrt(m * m + v @ v), *v])


@pytest.mark.parametrize("m", [0.0, 1.3])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_dirac_equation_and_completeness(m: float, seed: int) -> None:
    p = momentum(np.random.default_rng(seed), m)
    sum_u = np.zeros((4, 4), complex)
    sum_v = np.zeros((4, 4), complex)
    for h in (1, -1):
        u = np.array(helas.ixxxxx(*p, m, h, 1))
        v = np.array(helas.ixxxxx(*p, m, h, -1))
        ubar = np.array(helas.oxxxxx(*p, m, h, 1))
        vbar = np.array(helas.oxxxxx(*p, m, h, -1))
        np.testing.assert_allclose((pslash(p) - m * np.eye(4)) @ u, 0, atol=1e-12)
        np.testing.assert_allclose((pslash(p) + m * np.eye(4)) @ v, 0, atol=1e-12)
        np.testing.assert_allclose(ubar, u.conj() @ G0, atol=1e-14)
        sum_u += np.outer(u, ubar)
        sum_v += np.outer(v, vbar)
        # helicity: Sigma.p_hat u = h u (massless: chirality = helicity for u)
        if m == 0.0:
            chir = np.diag([-1, -1, 1, 1]) @ u
            np.testing.assert_allclose(chir, h * u, atol=1e-12)
    np.testing.assert_allclose(sum_u, pslash(p) + m * np.eye(4), atol=1e-12)
    np.testing.assert_allclose(sum_v, pslash(p) - m * np.eye(4), atol=1e-12)


@pytest.mark.parametrize("seed", [4, 5])
def test_polarization_vectors(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for m in (0.0, 2.0):
        p = momentum(rng, m)
        total = np.zeros((4, 4), complex)
        hels = (1, -1) if m == 0.0 else (1, 0, -1)
        for h in hels:
            e = np.array(helas.vxxxxx(*p, m, h, -1))
            es = np.array(helas.vxxxxx(*p, m, h, 1))
            np.testing.assert_allclose(es, e.conj(), atol=1e-14)
            assert abs(e @ METRIC @ p) < 1e-12  # transverse
            assert e.conj() @ METRIC @ e == pytest.approx(-1.0)
            total += np.outer(e, e.conj())
        if m > 0:
            expected = -np.linalg.inv(METRIC) + np.outer(p, p) / m**2
            np.testing.assert_allclose(total, expected, atol=1e-12)
    # along the z axis (pT = 0), both signs of pz
    for pz in (3.0, -3.0):
        e = np.array(helas.vxxxxx(3.0, 0.0, 0.0, pz, 0.0, 1, -1))
        assert abs(e[3]) < 1e-15 and abs(e @ METRIC @ e.conj()) == pytest.approx(1.0)


def test_current_and_slash_against_matrices() -> None:
    rng = np.random.default_rng(7)
    f = rng.normal(size=4) + 1j * rng.normal(size=4)
    b = rng.normal(size=4) + 1j * rng.normal(size=4)
    a = rng.normal(size=4) + 1j * rng.normal(size=4)
    aslash = sum(METRIC[mu, mu] * a[mu] * GAMMA[mu] for mu in range(4))
    np.testing.assert_allclose(helas.slash(*a, *f), aslash @ f, atol=1e-13)
    np.testing.assert_allclose(helas.bar_slash(*b, *a), b @ aslash, atol=1e-13)
    current = np.array([b @ GAMMA[mu] @ f for mu in range(4)])
    np.testing.assert_allclose(helas.ffv_current(*b, *f), current, atol=1e-13)
    assert helas.mdot(*a, *f) == pytest.approx(a @ METRIC @ f)


def test_same_helicity_massless_beams_do_not_couple() -> None:
    """The amplitude code skips e- e+ of equal helicity: check the vector current (and the line with a
    photon emitted) vanishes there, so skipping is exact."""
    p1 = np.array([5.29, 0.0, 0.0, 5.29])
    p2 = np.array([5.29, 0.0, 0.0, -5.29])
    k = np.array([1.0, 0.6, 0.0, 0.8])
    e = helas.vxxxxx(*k, 0.0, 1, 1)
    for h in (1, -1):
        u = helas.ixxxxx(*p1, 0.0, h, 1)
        vb = helas.oxxxxx(*p2, 0.0, h, -1)
        assert np.allclose(helas.ffv_current(*vb, *u), 0.0, atol=1e-14)
        ui = helas.fvi(*u, *e, *(p1 - k), 0.0)
        assert np.allclose(helas.ffv_current(*vb, *ui), 0.0, atol=1e-14)
        vb_opp = helas.oxxxxx(*p2, 0.0, -h, -1)
        assert not np.allclose(helas.ffv_current(*vb_opp, *u), 0.0)
