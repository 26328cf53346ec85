"""The ISR soft-beam channels (gen/isr_tau_maps.py): inverse and Jacobian of the threshold and Breit-Wigner
maps, and the resonance channel of e+e- -> A' phi with ISR."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from darkstrahl.gen.isr_tau_maps import BreitWigner, LogThreshold, soft_beam_inverse, soft_beam_map

BETA = 0.0881  # (2 alpha/pi)(ln(s/m_e^2) - 1) at 10.58 GeV
TAU_MIN = 0.05
S = 10.58**2
MAPS = {
    "threshold": LogThreshold(TAU_MIN, 1e-4),
    "resonance": BreitWigner(S, TAU_MIN, 3.0, 0.01),
}


@pytest.mark.parametrize("name", sorted(MAPS))
def test_inverse_recovers_the_unit_point(name: str) -> None:
    rng = np.random.default_rng(1)
    u = rng.uniform(0.02, 0.98, size=(2000, 2))
    scale = 1.0 + 1e-3 * rng.standard_normal(2000)
    o1, o2, jac = soft_beam_map(MAPS[name], BETA, u, scale)
    back, jac_back = soft_beam_inverse(MAPS[name], BETA, o1, o2, scale)
    assert np.allclose(back, u, rtol=0, atol=1e-8)
    assert np.allclose(jac_back, jac, rtol=1e-9)
    assert np.all((1 - o1) * (1 - o2) >= TAU_MIN * (1 - 1e-12))


@pytest.mark.parametrize("name", sorted(MAPS))
def test_jacobian_against_a_two_dimensional_quadrature(name: str) -> None:
    """E_u[J rho1 rho2 eta] = int_{x1 x2 > tau_min} rho(1-x1) rho(1-x2) eta dx1 dx2, eta = 1 - x1 x2,
    rho(o) = (beta/2) o^(beta/2-1); the factor eta keeps the weight bounded in the doubly-soft corner,
    which the power channel covers. Quadrature in t_i = o_i^(beta/2) (rho(o) do = dt)."""

    def inner(t1: float) -> float:  # int dt2 eta over o2 <= 1 - tau_min/(1 - o1), analytically
        o1 = t1 ** (2 / BETA)
        t2max = max(1 - TAU_MIN / (1 - o1), 0.0) ** (BETA / 2)
        k = 2 / BETA + 1
        return o1 * t2max + (1 - o1) * t2max**k / k

    exact = quad(inner, 0, (1 - TAU_MIN) ** (BETA / 2), epsabs=1e-10, limit=200)[0]
    rng = np.random.default_rng(2)
    n = 400_000
    o1, o2, jac = soft_beam_map(MAPS[name], BETA, rng.random((n, 2)), np.ones(n))
    h = jac * (o1 + o2 - o1 * o2)
    err = h.std() / np.sqrt(n)
    assert err < 0.1 * exact  # the resonance map samples mostly near its pole
    assert abs(h.mean() - exact) < 4 * err, (h.mean(), exact, err)


def test_breit_wigner_map_follows_the_resonance() -> None:
    """Uniform u_tau puts half of the points within m Gamma of the pole in s_hat (the t range is ~ (-pi/2,
    pi/2) for a narrow resonance well inside [tau_min s, s])."""
    bw = MAPS["resonance"]
    u = np.random.default_rng(3).random(100_000)
    s_hat = S * (1 - bw.eta(u, np.ones_like(u)))
    inside = np.abs(s_hat - bw.mass**2) < bw.mass * bw.width
    assert abs(inside.mean() - 0.5) < 0.01


def test_signal_declares_the_s_channel_resonance_and_isr_adds_its_channel() -> None:
    from darkstrahl.gen.isr_process import IsrProcess
    from darkstrahl.gen.model import DarkModel
    from darkstrahl.gen.signal_process import SignalProcess

    phi = SignalProcess("phi", DarkModel.from_benchmark("B1", 3.0), sqrt_s=10.58)
    names = [c.name for c in IsrProcess(phi).phase_space.channels]
    assert names == [
        f"isr_{kind}:{hard}"
        for kind in ("power", "threshold", "resonance0")
        for hard in ("Q2_resonant", "Q2_flat")
    ]
    gamma = SignalProcess("gamma_phi", DarkModel.from_benchmark("B1", 3.0), sqrt_s=10.58)
    assert gamma.s_hat_resonances == ()
    # the pole beyond sqrt(s) is out of reach: no resonance channel
    far = SignalProcess("phi", DarkModel.from_benchmark("B1", 6.0), sqrt_s=5.9)
    assert "isr_resonance0" not in [c.name.split(":")[0] for c in IsrProcess(far).phase_space.channels]
