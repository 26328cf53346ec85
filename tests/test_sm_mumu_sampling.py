"""Sampling of the generated e+e- -> mu+ mu- (gamma) background (issue 14 item 4): the numba kernels of
:mod:`darkstrahl.gen.mumu_kernels` against the numpy functions of the formulas, the channel maps against
their inverses and finite-difference Jacobians, and the cross section of the two-channel sampling against
an independent calculation (no ISR) and against another channel structure (ISR and radiative on)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.integrate import quad

from darkstrahl.gen import mumu_process
from darkstrahl.gen.constants import GEV2_TO_FB, M_MU
from darkstrahl.gen.generator import RunSettings, make_generator
from darkstrahl.gen.isr_process import IsrProcess
from darkstrahl.gen.mumu_kernels import COLLINEAR_MUON, COLLINEAR_PHOTON, build_mumu_events
from darkstrahl.gen.mumu_process import MuMuProcess, hard_frame_photon_and_cos, lepton_pair_born
from darkstrahl.gen.sampler import SamplerSettings
from darkstrahl.gen.sm_mumu import born_dsigma_dcos, mumugamma_msq
from darkstrahl.gen.sm_mumu_matching import (
    MuMuGammaPhaseSpace,
    RadiativeMatching,
    build_mumugamma,
    soft_virtual_factor,
    sudakov_factor,
)
from darkstrahl.runcard import build, load_card

RS = 10.58
QUICK = SamplerSettings(n_iterations=4, n_per_iteration=10_000)


def _card_points(n: int, seed: int, radiative: bool = True) -> tuple[object, np.ndarray]:
    """The bkg_mumu card's process (ISR on) and n points of its (unadapted) sampler: boosted events of
    both regions."""
    card = load_card("bkg_mumu", [f"process.radiative={str(radiative).lower()}"])
    gen = make_generator(build.process(card), seed, build.run_settings(card))
    return gen.process, gen.sampler.sample(n).momenta


@pytest.mark.parametrize("radiative", [True, False])
def test_integrand_kernel_equals_the_numpy_formulas(radiative: bool) -> None:
    """mumu_integrand (closed-form Born, fused S(omega, c)) = reference_integrand (HELAS Born, numpy
    soft-virtual and Sudakov factors) on ISR-boosted events of both regions, to rounding: 1e-9 (the closed
    form and the helicity sum round differently, up to 3e-11 measured; a wrong term would be >= 1e-4)."""
    proc, p = _card_points(3000, 3, radiative)
    hard = proc.hard
    if radiative:
        born = p[:, 4, 0] == 0.0
        assert 0.2 < born.mean() < 0.9  # both regions present
    np.testing.assert_allclose(hard.integrand(p), hard.reference_integrand(p), rtol=1e-9, atol=0.0)


def test_builder_kernel_equals_the_numpy_builders() -> None:
    """build_mumu_events = lepton_pair_born (Born region) and build_mumugamma (hard photon; W_phys = 0 above
    omega_max) at per-event energies."""
    rng = np.random.default_rng(4)
    n, m_pair = 400, 1.0
    rs = rng.uniform(2.0, RS, n)
    born = rng.random(n) < 0.5
    x = np.column_stack(
        [
            np.where(born, -1.5, rng.uniform(0.01, 5.3, n)),
            rng.uniform(-0.99, 0.99, n),
            rng.uniform(0, 2 * math.pi, n),
            rng.uniform(-1, 1, n),
            rng.uniform(0, 2 * math.pi, n),
        ]
    )
    p, w = build_mumu_events(rs, M_MU, m_pair, x)
    pb, wb = lepton_pair_born(rs[born], M_MU, x[born, 1], x[born, 2])
    np.testing.assert_allclose(p[born, :4], pb, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(w[born], wb, rtol=1e-14)
    assert np.all(p[born, 4] == 0.0)
    wmax = (rs**2 - m_pair**2) / (2 * rs)
    ok = ~born & (x[:, 0] < wmax)
    pr, wr = build_mumugamma(rs[ok], M_MU, x[ok, 0], np.ascontiguousarray(x[ok, 1:]))
    np.testing.assert_array_equal(p[ok], pr)
    np.testing.assert_array_equal(w[ok], wr)
    assert np.all(w[~born & ~ok] == 0.0) and (~born & ~ok).any()


@pytest.mark.parametrize("kind", ["isr", "fsr"])
def test_channel_maps_invert_and_jacobians_are_determinants(kind: str) -> None:
    """from_x(to_x(u)) = u with the same J; J = |det dx/du| by central differences (the c2 map depends on
    omega: a triangular Jacobian); the isr channel has no Born region (J = inf at Born points)."""
    proc = MuMuProcess(sqrt_s=RS, m_min=1.0)
    ch = {c.name: c for c in proc.phase_space.channels}[kind]
    rng = np.random.default_rng(5)
    u = rng.uniform(0.02, 0.98, (300, 5))
    rs = rng.uniform(3.0, RS, 300)
    x, j = ch.to_x(u, rs)
    u2, j2 = ch.from_x(x, rs)
    np.testing.assert_allclose(u2, u, rtol=0, atol=1e-9)
    np.testing.assert_allclose(j2, j, rtol=1e-9)
    born = x[:, 0] < 0
    assert born.any() == (kind == "fsr")
    h = 1e-6
    for i in range(20):
        jac = np.empty((5, 5))
        for k in range(5):
            du = np.zeros((2, 5))
            du[0, k], du[1, k] = h, -h
            xp, _ = ch.to_x(u[i] + du, rs[[i, i]])
            jac[:, k] = (xp[0] - xp[1]) / (2 * h)
        if born[i]:  # x0 = -(1 + u0/a): |dx0/du0| = 1/a; c1, f1 by (2, 2 pi); x3, x4 inert
            jac[3, 3] = jac[4, 4] = 1.0
        assert abs(np.linalg.det(jac)) == pytest.approx(j[i], rel=1e-5)
    if kind == "isr":
        _, jb = ch.from_x(np.array([[-1.5, 0.2, 1.0, 0.3, 0.4]]), np.array([RS]))
        assert jb[0] == math.inf
    assert (COLLINEAR_PHOTON, COLLINEAR_MUON) == (1, 2)


def test_sigma_without_isr_equals_quadrature_plus_independent_photon_sampler() -> None:
    """No ISR, sqrt(s) = 10.58 GeV: the generator's sigma = int dcos dsigma_Born/dcos K_SV(c) (quad) + the
    hard-photon region from the independent sampler MuMuGammaPhaseSpace (its own two-channel mixture, the
    numpy builder and |M|^2 x S(omega, c)); within 4 combined MC sigma (~0.35 % each: 4e4 and 4e5 points)."""
    match = RadiativeMatching(0.01, 5.0)
    est = make_generator(
        MuMuProcess(sqrt_s=RS), 8, RunSettings(n_points=40000, sampler=QUICK)
    ).cross_section()

    def born_sv(c: float) -> float:
        return float(born_dsigma_dcos(c, RS) * soft_virtual_factor(c, RS, match))

    born = quad(born_sv, -1, 1, epsabs=0, epsrel=1e-9, limit=200)[0] * GEV2_TO_FB
    ps = MuMuGammaPhaseSpace(RS, match)
    p, w = ps.generate(np.random.default_rng(9).random((400_000, 6)))
    omega, c = hard_frame_photon_and_cos(p, M_MU)
    f = mumugamma_msq(p) * sudakov_factor(c, RS, omega, match) * w / (2 * RS**2) * GEV2_TO_FB
    ref, ref_err = born + f.mean(), f.std(ddof=1) / math.sqrt(f.size)
    err = math.hypot(est.error, ref_err)
    assert err < 0.004 * ref
    assert est.mean == pytest.approx(ref, abs=4 * err)


def test_sigma_with_isr_does_not_depend_on_the_channel_structure(monkeypatch: pytest.MonkeyPatch) -> None:
    """ISR and radiative on (the bkg_mumu physics, m_mumu > 1 GeV): the two-channel sampling against three
    channels with Born share 0.2 (an extra channel with both collinear maps): a multichannel estimate does
    not depend on the channels, so a wrong map or Jacobian shows as a difference; 4 combined MC sigma."""
    settings = RunSettings(n_points=100_000, sampler=QUICK)
    base = make_generator(IsrProcess(MuMuProcess(sqrt_s=RS, m_min=1.0)), 2, settings).cross_section()
    monkeypatch.setattr(mumu_process, "BORN_SHARE", 0.2)
    monkeypatch.setitem(mumu_process.CHANNEL_KINDS, "isr_fsr", COLLINEAR_PHOTON | COLLINEAR_MUON)
    proc = IsrProcess(MuMuProcess(sqrt_s=RS, m_min=1.0))
    assert len(proc.phase_space.channels) == 6
    other = make_generator(proc, 3, settings).cross_section()
    err = math.hypot(base.error, other.error)
    assert err < 0.003 * base.mean
    assert base.mean == pytest.approx(other.mean, abs=4 * err)


def test_same_seed_same_mumu_events() -> None:
    card = load_card("bkg_mumu", ["run.n_points=3000", "run.n_pilot=3000"])
    settings = replace(build.run_settings(card), sampler=QUICK)
    a, b = (next(make_generator(build.process(card), 6, settings).unweighted(500)) for _ in "ab")
    np.testing.assert_array_equal(a.momenta, b.momenta)
    np.testing.assert_array_equal(a.weights, b.weights)
