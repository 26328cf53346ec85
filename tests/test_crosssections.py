"""The narrow-width Higgs-strahlung cross section (physics.md section 2, reference.md 1.2)."""

from __future__ import annotations

import math

import pytest

from darkstrahl.gen.constants import ALPHA, E_CHARGE, G_F, GEV2_TO_FB, M_Z, SIN2_THETA_W, V_HIGGS
from darkstrahl.gen.crosssections import sigma_ap_phi_fb, sigma_ee_to_vh_GeV2, sigma_nwa_fb
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.widths import ap_widths


def _lam(s: float, m1: float, m2: float) -> float:
    a, b = m1**2 / s, m2**2 / s
    return (1 - a - b) ** 2 - 4 * a * b


@pytest.mark.parametrize(("sqrt_s", "m_h"), [(250.0, 125.0), (500.0, 125.0), (240.0, 90.0)])
def test_zh_textbook_formula_with_couplings_swapped(sqrt_s: float, m_h: float) -> None:
    """The generic formula with the Z couplings reproduces the textbook sigma(ee -> Z h)."""
    s = sqrt_s**2
    v_e, a_e = -1 + 4 * SIN2_THETA_W, -1.0
    # Z e e vertex (g_Z/4) gamma^mu (v_e - a_e gamma5), g_Z = 2 m_Z / v; ZZh vertex 2 m_Z^2 / v
    g_z = 2 * M_Z / V_HIGGS
    gv2 = (g_z / 4) ** 2 * (v_e**2 + a_e**2)
    generic = float(sigma_ee_to_vh_GeV2(s, gv2, 2 * M_Z**2 / V_HIGGS, M_Z, m_h))
    lam = _lam(s, M_Z, m_h)
    textbook = (
        G_F**2
        * M_Z**4
        * (v_e**2 + a_e**2)
        / (96 * math.pi * s)
        * math.sqrt(lam)
        * (lam + 12 * M_Z**2 / s)
        / (1 - M_Z**2 / s) ** 2
    )
    assert generic == pytest.approx(textbook, rel=1e-12)
    # the SM number itself: ~ 0.2 pb at 250 GeV
    if sqrt_s == 250.0:
        assert generic * GEV2_TO_FB == pytest.approx(2.4e2, rel=0.1)


def test_physics_md_alpha_form() -> None:
    """physics.md: pi alpha alpha' eps^2 q_Phi^2 / (3 s) lambda^1/2 (lambda + 12 m^2/s) / (1 - m^2/s)^2."""
    model = DarkModel(m_Ap=3.0, m_chi=1.0, m_phi=0.5, g_chi=0.8, q_chi=1.0, q_Phi=2.0, eps=2e-4, theta=1e-6)
    s = 10.58**2
    lam = _lam(s, 3.0, 0.5)
    expected = (
        math.pi
        * ALPHA
        * model.alpha_dark
        * (2e-4) ** 2
        * 4.0
        / (3 * s)
        * math.sqrt(lam)
        * (lam + 12 * 9.0 / s)
        / (1 - 9.0 / s) ** 2
        * math.cos(1e-6) ** 2
    )
    assert sigma_ap_phi_fb(model, 10.58) == pytest.approx(expected * GEV2_TO_FB, rel=1e-12)


def test_reference_example_value() -> None:
    # reference.md 1.2: sqrt(s) = 10.58, m_A' = 2, m_phi = 1, eps = 1e-3, alpha_D = 0.5, q_S = 1: 18.29 fb
    g = math.sqrt(4 * math.pi * 0.5)
    model = DarkModel(m_Ap=2.0, m_chi=0.1, m_phi=1.0, g_chi=g, eps=1e-3, theta=1e-8, general=True)
    assert sigma_ap_phi_fb(model, 10.58) == pytest.approx(18.29, rel=5e-4)


def test_nwa_times_branching_fraction_and_scalings(b1_6: DarkModel) -> None:
    sig = sigma_nwa_fb(b1_6, 10.58)
    assert sig == pytest.approx(sigma_ap_phi_fb(b1_6, 10.58) * ap_widths(b1_6).br("chichi"), rel=1e-14)
    # issue 3: NWA 0.1305 fb at B1, m_A' = 6 GeV with BR(A' -> chi chibar) = 1 (width from chi chibar only)
    assert sigma_ap_phi_fb(b1_6, 10.58) == pytest.approx(0.1305, rel=1e-3)
    b1_3 = b1_6.replace(m_Ap=3.0, m_chi=1.0, m_phi=0.5)
    assert sigma_ap_phi_fb(b1_3, 10.58) == pytest.approx(0.0414, rel=2e-3)
    # every cross section scales as eps^2 and as q_Phi^2 / q_chi^2 at fixed g_chi
    assert sigma_ap_phi_fb(b1_6.with_eps(3e-4), 10.58) == pytest.approx(9 * sigma_ap_phi_fb(b1_6, 10.58))
    assert sigma_ap_phi_fb(b1_6.replace(q_Phi=2.0), 10.58) == pytest.approx(4 * sigma_ap_phi_fb(b1_6, 10.58))
    assert sigma_ap_phi_fb(b1_6.replace(q_chi=2.0), 10.58) == pytest.approx(sigma_ap_phi_fb(b1_6, 10.58) / 4)


def test_below_threshold_is_zero() -> None:
    model = DarkModel.from_benchmark("B1", 9.5)
    assert sigma_nwa_fb(model, 10.58) == 0.0  # m_A' + m_phi = 11.08 GeV > sqrt(s)


def test_e_charge() -> None:
    assert E_CHARGE**2 / (4 * math.pi) == pytest.approx(1 / 137.036, rel=1e-15)
    assert pytest.approx(246.22, abs=0.01) == V_HIGGS
