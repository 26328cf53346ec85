"""The gamma-phi regime ratio r and its m_phi boundary (physics.md section 2)."""

from __future__ import annotations

import numpy as np
import pytest

from darkstrahl.gen.amplitudes import matrix_element_squared
from darkstrahl.gen.kinematic_regimes import e_b, e_bar, regime, regime_boundary_m_phi, regime_ratio
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.phasespace import build_gamma_phi
from darkstrahl.gen.signal_process import SignalProcess


def test_boundary_is_the_inverse_of_the_ratio() -> None:
    m_ap = np.linspace(1.2, 9.0, 30)
    for r in (1.0, 4.0, 2.5):
        m_phi = regime_boundary_m_phi(10.58, m_ap, r)
        ok = m_phi > 0
        np.testing.assert_allclose(regime_ratio(10.58, m_ap[ok], m_phi[ok]), r, rtol=1e-10)


def test_regimes_of_example_points() -> None:
    assert regime(regime_ratio(10.58, 6.0, 1.0)) == "soft"
    assert regime(regime_ratio(10.58, 3.0, 0.5)) == "bimodal"
    assert regime(regime_ratio(10.58, 1.2, 0.2)) == "hard"
    assert e_bar(10.58, 6.0) == pytest.approx((10.58**2 - 36) / 21.16)
    assert e_b(10.58, 6.0, 1.0) < e_bar(10.58, 6.0)


def test_ratio_tracks_the_matrix_element() -> None:
    """r orders points like the ratio of the peak heights of the exact |M|^2: hard-regime points have a
    larger |M(E_gamma = Ebar)|^2 / |M(E_gamma = E_0)|^2 than soft-regime points."""
    ratios = []
    for m_ap, m_phi in ((6.0, 1.0), (3.0, 0.5), (1.2, 0.2)):
        m_chi = m_ap / 3
        model = DarkModel(m_Ap=m_ap, m_chi=m_chi, m_phi=m_phi)
        proc = SignalProcess("gamma_phi", model)
        n = 4000
        rng = np.random.default_rng(5)
        ang = np.column_stack(
            [
                np.zeros(n),
                np.zeros(n),
                rng.uniform(-1, 1, n),
                rng.uniform(0, 6.28, n),
                rng.uniform(-1, 1, n),
                rng.uniform(0, 6.28, n),
            ]
        )
        out = []
        for eg, q2 in ((e_bar(10.58, m_ap), (m_ap - m_phi) ** 2 * 0.8 + 4 * m_chi**2 * 0.2), (0.25, m_ap**2)):
            p, _ = build_gamma_phi(np.full(n, 10.58), m_phi, m_chi, np.full(n, eg), np.full(n, q2), ang)
            out.append(
                matrix_element_squared("gamma_phi", p, m_chi, m_ap, proc.width_Ap, proc.coupling).mean()
            )
        ratios.append(out[0] / out[1])
    assert ratios[0] < ratios[1] < ratios[2]
