"""The parameter point: benchmarks, derived couplings, cheap copies and every invalid-input rule."""

from __future__ import annotations

import dataclasses
import math

import pytest

from darkstrahl.errors import ParameterError
from darkstrahl.gen.constants import COS_THETA_W, E_CHARGE
from darkstrahl.gen.model import BENCHMARKS, DarkModel


@pytest.mark.parametrize(("name", "r_chi", "r_phi"), [("B1", 3, 6), ("B2", 4, 6), ("B3", 4, 8)])
def test_benchmark_mass_ratios(name: str, r_chi: int, r_phi: int) -> None:
    m = DarkModel.from_benchmark(name, 4.8)
    assert m.m_chi == pytest.approx(4.8 / r_chi, rel=1e-15)
    assert m.m_phi == pytest.approx(4.8 / r_phi, rel=1e-15)
    assert m.benchmark == name
    assert m.m_Ap > 2 * m.m_chi + m.m_phi
    assert m.m_phi < m.m_chi


def test_derived_couplings() -> None:
    m = DarkModel.from_benchmark("B2", 3.0, g_chi=0.6, q_chi=2.0, q_Phi=2.0, theta=0.3)
    assert m.g_dark == pytest.approx(0.3)
    assert m.alpha_dark == pytest.approx(0.09 / (4 * math.pi))
    # A'A'phi vertex: 2 g' q_Phi m_A' (physics.md table) times cos(theta) from the Higgs mixing
    assert m.g_hVV == pytest.approx(2 * 0.3 * 2.0 * 3.0 * math.cos(0.3))
    assert m.g_e == pytest.approx(1e-4 * E_CHARGE)
    hyper = m.replace(eps_convention="hypercharge")
    assert hyper.g_e == pytest.approx(1e-4 * E_CHARGE * COS_THETA_W)


def test_copies_are_cheap_and_immutable(b1_6: DarkModel) -> None:
    other = b1_6.with_eps(3e-4).with_theta(2e-3)
    assert (other.eps, other.theta) == (3e-4, 2e-3)
    assert (b1_6.eps, b1_6.theta) == (1e-4, 1e-4)
    assert other.m_Ap == b1_6.m_Ap and other.benchmark == "B1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        b1_6.eps = 1.0  # type: ignore[misc]


@pytest.mark.parametrize("field", ["m_Ap", "m_chi", "m_phi"])
@pytest.mark.parametrize("value", [0.0, -1.0])
def test_non_positive_mass_is_refused(field: str, value: float) -> None:
    kw = {"m_Ap": 6.0, "m_chi": 2.0, "m_phi": 1.0, field: value}
    with pytest.raises(ParameterError, match=rf"^{field}: mass must be > 0"):
        DarkModel(**kw)


@pytest.mark.parametrize("field", ["m_Ap", "m_chi", "m_phi", "g_chi", "eps", "theta", "q_Phi", "q_chi"])
def test_nan_is_refused(field: str) -> None:
    kw = {"m_Ap": 6.0, "m_chi": 2.0, "m_phi": 1.0, field: math.nan}
    with pytest.raises(ParameterError, match=rf"^{field}: must be finite"):
        DarkModel(**kw)


@pytest.mark.parametrize("field", ["g_chi", "eps", "theta", "q_Phi", "q_chi"])
def test_non_positive_coupling_is_refused(field: str) -> None:
    with pytest.raises(ParameterError, match=rf"^{field}: must be > 0"):
        DarkModel(m_Ap=6.0, m_chi=2.0, m_phi=1.0, **{field: 0.0})


def test_bool_is_not_a_number() -> None:
    with pytest.raises(ParameterError, match="^eps: must be a real number"):
        DarkModel(m_Ap=6.0, m_chi=2.0, m_phi=1.0, eps=True)


def test_hierarchy_m_Ap_above_2mchi_plus_mphi() -> None:
    with pytest.raises(ParameterError, match=r"^m_Ap: benchmark hierarchy requires m_Ap > 2 m_chi \+ m_phi"):
        DarkModel(m_Ap=5.0, m_chi=2.0, m_phi=1.0)
    # explicitly general: allowed
    assert DarkModel(m_Ap=5.0, m_chi=2.0, m_phi=1.0, general=True).m_Ap == 5.0


def test_hierarchy_m_phi_below_m_chi() -> None:
    with pytest.raises(ParameterError, match="^m_phi: benchmark hierarchy requires m_phi < m_chi"):
        DarkModel(m_Ap=6.0, m_chi=1.0, m_phi=1.2)
    assert DarkModel(m_Ap=6.0, m_chi=1.0, m_phi=1.2, general=True).m_phi == 1.2


@pytest.mark.parametrize("m_phi", [0.01, 5.5])
def test_m_phi_outside_table_range(m_phi: float) -> None:
    with pytest.raises(ParameterError, match="^m_phi: must lie in the range 0.02 <= m_phi <= 5.13 GeV"):
        DarkModel(m_Ap=40.0, m_chi=10.0, m_phi=m_phi)


def test_m_phi_outside_range_of_a_narrower_prescription() -> None:
    # the digitised Winkler table stops at 2 GeV
    with pytest.raises(ParameterError, match="winkler_digitised"):
        DarkModel.from_benchmark("B1", 15.0, phi_widths="winkler_digitised")
    assert DarkModel.from_benchmark("B1", 6.0, phi_widths="winkler_digitised").m_phi == 1.0


def test_unknown_names_are_refused() -> None:
    with pytest.raises(ParameterError, match="^benchmark: must be one of"):
        DarkModel.from_benchmark("B4", 6.0)
    with pytest.raises(ParameterError, match="^phi_widths: must be one of"):
        DarkModel(m_Ap=6.0, m_chi=2.0, m_phi=1.0, phi_widths="lo_chpt")
    with pytest.raises(ParameterError, match="^eps_convention: must be"):
        DarkModel(m_Ap=6.0, m_chi=2.0, m_phi=1.0, eps_convention="kappa")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="^theta: Higgs mixing angle must be < pi/2"):
        DarkModel(m_Ap=6.0, m_chi=2.0, m_phi=1.0, theta=2.0)


def test_benchmarks_table_is_physics_md() -> None:
    assert BENCHMARKS == {"B1": (1 / 3, 1 / 6), "B2": (1 / 4, 1 / 6), "B3": (1 / 4, 1 / 8)}
