"""Issue 12 item 1: two-body thresholds. The Kallen function lambda(s, m1^2, m2^2) is positive again for
sqrt(s) < |m1 - m2|, so every rate built on it must vanish for sqrt(s) < m1 + m2 (not only where
lambda < 0)."""

from __future__ import annotations

import numpy as np
import pytest

from darkstrahl.gen.crosssections import sigma_ee_to_vh_GeV2, sigma_nwa_fb
from darkstrahl.gen.kinematics import two_body_momentum
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.widths import kallen, kallen_open, scalar_to_vectors, vector_to_scalar_vector


def test_kallen_positive_below_difference_but_open_is_zero() -> None:
    """lambda(s, 36, 1) > 0 at sqrt(s) = 4 < 6 - 1 (the bug); kallen_open is 0 there and equal above 7."""
    assert float(kallen(16.0, 36.0, 1.0)) > 0.0
    s = np.linspace(0.0, 100.0, 1001)
    lam_open = kallen_open(s, 36.0, 1.0)
    closed = np.sqrt(s) < 7.0
    assert np.all(lam_open[closed] == 0.0)
    # above threshold the factorized form equals the expanded one (up to rounding of the ~1e4 GeV^4 terms)
    np.testing.assert_allclose(lam_open[~closed], kallen(s[~closed], 36.0, 1.0), rtol=1e-12, atol=1e-10)


def test_sigma_vh_exactly_zero_below_threshold_everywhere() -> None:
    """sigma(e+e- -> V h) = 0 for every sqrt(s) < m_V + m_h, including sqrt(s) = m_V (0/0 before)."""
    m_v, m_h = 6.0, 1.0
    roots = np.concatenate([np.linspace(0.1, 6.999, 500), [m_v, m_v - m_h]])
    sigma = sigma_ee_to_vh_GeV2(roots**2, 1e-6, 1.0, m_v, m_h)
    assert np.all(sigma == 0.0)
    assert float(sigma_ee_to_vh_GeV2(7.5**2, 1e-6, 1.0, m_v, m_h)) > 0.0


def test_info_b1_sqrt_s_4_gives_zero() -> None:
    """The issue's example: B1 at m_A' = 6 GeV, sqrt(s) = 4 GeV printed 2.86 fb; it must be 0."""
    model = DarkModel.from_benchmark("B1", m_Ap=6.0, eps=1e-4, theta=1e-4)
    assert sigma_nwa_fb(model, 4.0) == 0.0
    assert sigma_nwa_fb(model, 10.58) > 0.0


@pytest.mark.parametrize("q", [0.5, 3.0, 5.5])
def test_decay_widths_closed_above_mass(q: float) -> None:
    """Gamma(V -> S V*(q^2)) = 0 for m_S + q > m_V and Gamma(S -> V1 V2) = 0 for q1 + q2 > m_S."""
    assert float(vector_to_scalar_vector(3.0, 1.0, 2.0, (q + 3.0) ** 2)) == 0.0
    assert float(scalar_to_vectors(1.0, 1.0, (q + 1.0) ** 2, 0.04)) == 0.0


def test_two_body_momentum_zero_below_threshold() -> None:
    """kinematics.two_body_momentum: 0 for M <= m1 + m2, including M < |m1 - m2| where the product of the
    two factors is positive; the closed form above (M = 10, m1 = 6, m2 = 1: |p| = sqrt(51 x 75)/20)."""
    for big_m in (0.5, 4.0, 5.0, 6.5, 7.0):
        assert two_body_momentum(big_m, 6.0, 1.0) == 0.0
    assert two_body_momentum(10.0, 6.0, 1.0) == pytest.approx((51.0 * 75.0) ** 0.5 / 20.0, rel=1e-14)
