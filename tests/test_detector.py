"""The fast Belle II model (issue 5): beams and the exact transform, displaced-decay regions (weighted and
sampled), theta reweighting, acceptance edges and resolutions."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from darkstrahl.detector.acceptance import (
    ECL_BACKWARD,
    ECL_BARREL,
    ECL_FORWARD,
    ECL_GAP_BWD,
    ECL_GAP_FWD,
    Acceptance,
)
from darkstrahl.detector.beams import Beams, transform
from darkstrahl.detector.belle2 import Belle2
from darkstrahl.detector.regions import (
    REGIONS,
    Region,
    decay_probability,
    decay_vertex,
    sample_transverse_radius,
)
from darkstrahl.detector.resolution import (
    ecl_relative_resolution,
    smear_photon,
    smear_track,
    track_relative_resolution,
)
from darkstrahl.errors import ParameterError
from darkstrahl.gen.generator import EventGenerator, RunSettings
from darkstrahl.gen.kinematics import invariant_mass_squared
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.sampler import SamplerSettings
from darkstrahl.gen.signal_process import SignalProcess

# ---------------------------------------------------------------------------- beams


def test_superkekb_beams() -> None:
    b = Beams()
    np.testing.assert_allclose(b.total[1:], [0.4564, 0.0, 2.9974], atol=1e-4)
    assert b.p_her[1] > 0 and b.p_ler[1] > 0  # both beams have +x momentum
    assert b.sqrt_s == pytest.approx(10.5739, abs=1e-4)


def test_y4s_boost() -> None:
    b = Beams.preset("Y4S")
    assert b.sqrt_s == pytest.approx(10.5796, abs=1e-4)  # reference.md 7.1
    assert b.beta_gamma == pytest.approx(0.287, abs=5e-4)
    assert b.boost_angle == pytest.approx(0.151, abs=5e-4)
    np.testing.assert_allclose(b.total, [11.006, 0.4566, 0.0, 2.9994], atol=1e-4)


@pytest.mark.parametrize(
    "beams", [Beams(), Beams.preset("Y4S"), Beams(e_her=8.0, e_ler=3.5, angle_her=0.03, angle_ler=-0.05)]
)
def test_transform_is_exact(beams: Beams) -> None:
    lam = beams.cm_to_lab()
    rs = beams.sqrt_s
    np.testing.assert_allclose(lam @ [rs / 2, 0, 0, rs / 2], beams.p_her, atol=1e-12 * rs)
    np.testing.assert_allclose(lam @ [rs / 2, 0, 0, -rs / 2], beams.p_ler, atol=1e-12 * rs)
    np.testing.assert_allclose(beams.lab_to_cm() @ beams.p_her, [rs / 2, 0, 0, rs / 2], atol=1e-12 * rs)
    # a Lorentz transformation: preserves the metric, hence invariant masses
    g = np.diag([1.0, -1, -1, -1])
    np.testing.assert_allclose(lam.T @ g @ lam, g, atol=1e-12)
    p = np.random.default_rng(1).normal(size=(100, 3, 4))
    p[..., 0] = np.abs(p[..., 0]) + 5
    np.testing.assert_allclose(
        invariant_mass_squared(transform(p, lam)), invariant_mass_squared(p), atol=1e-11
    )


def test_energy_spread_per_event() -> None:
    """Per-event transforms follow the Gaussian beam energies: their boost is that of the drawn beams."""
    b = Beams.preset("SuperKEKB", with_spread=True)
    mats = b.cm_to_lab_per_event(np.random.default_rng(2), 2000)
    rng = np.random.default_rng(2)
    e_h = 7.0 + 5.13e-3 * rng.standard_normal(2000)
    e_l = 4.0 + 2.375e-3 * rng.standard_normal(2000)
    beta_z = [Beams(e_her=h, e_ler=lo).beta[2] for h, lo in zip(e_h, e_l, strict=True)]
    np.testing.assert_allclose(mats[:, 3, 0] / mats[:, 0, 0], beta_z, rtol=1e-12)
    assert np.std(beta_z) > 1e-4  # the spread is visible in the boost


def test_bad_beams() -> None:
    with pytest.raises(ParameterError, match="beams.e_her"):
        Beams(e_her=-7.0)
    with pytest.raises(ParameterError, match="beams.preset"):
        Beams.preset("LEP")


# ---------------------------------------------------------------------------- regions


@pytest.mark.parametrize("reg", list(REGIONS.values()), ids=list(REGIONS))
def test_region_probability_against_integral(reg: Region) -> None:
    from scipy import integrate

    for d in (0.5, 3.0, 26.0, 5000.0):
        exact = integrate.quad(lambda r, d=d: math.exp(-r / d) / d, reg.r_in, reg.r_out, epsabs=1e-14)[0]
        assert decay_probability(np.array([d]), reg)[0] == pytest.approx(exact, rel=1e-9, abs=1e-14)
    # regions partition [0, inf)
    d = np.array([1.0, 7.0, 400.0])
    total = sum(
        decay_probability(d, REGIONS[k]) for k in ("prompt", "displaced", "instrumented", "invisible")
    )
    np.testing.assert_allclose(total, 1.0, rtol=1e-14)


def test_sampled_radius_is_truncated_exponential() -> None:
    rng = np.random.default_rng(3)
    reg = REGIONS["displaced"]
    d = np.full(400_000, 5.0)
    r = sample_transverse_radius(d, reg, rng)
    assert r.min() >= 2.0 and r.max() < 9.0
    mean_exact = (2 * math.exp(-0.4) - 9 * math.exp(-1.8)) / (math.exp(-0.4) - math.exp(-1.8)) + 5.0
    assert r.mean() == pytest.approx(mean_exact, abs=4 * r.std() / math.sqrt(r.size))


def test_vertex_geometry() -> None:
    p = np.array([[3.0, 1.0, 2.0, 2.0], [2.0, -0.5, 0.1, -1.2]])
    r_t = np.array([4.0, 7.5])
    v = decay_vertex(p, 1.0, r_t)
    np.testing.assert_allclose(np.hypot(v[:, 0], v[:, 1]), r_t)
    np.testing.assert_allclose(np.cross(v[:, :3], p[:, 1:]), 0.0, atol=1e-12)  # along the flight direction
    beta = np.linalg.norm(p[:, 1:], axis=1) / p[:, 0]
    np.testing.assert_allclose(v[:, 3], np.linalg.norm(v[:, :3], axis=1) / (beta * 299.792458))


@pytest.fixture(scope="module")
def signal() -> tuple[DarkModel, list]:
    model = DarkModel.from_benchmark("B1", 6.0, eps=1e-4, theta=1e-4)
    settings = RunSettings(
        n_points=50_000,
        n_pilot=20_000,
        chunk_size=40_000,
        sampler=SamplerSettings(n_iterations=4, n_per_iteration=20_000),
    )
    gen = EventGenerator(SignalProcess("gamma_phi", model, sqrt_s=Beams().sqrt_s), 4, settings)
    return model, next(gen.unweighted(40_000))


def test_weight_and_sample_methods_agree(signal: tuple) -> None:
    """Region weights (a) and vertices sampled inside the region (b): same yield and same distributions."""
    _, batch = signal
    a = Belle2(resolution="none", vertex_mode="weight").simulate(batch, np.random.default_rng(5))
    b = Belle2(resolution="none", vertex_mode="sample").simulate(batch, np.random.default_rng(6))
    assert a.weight.sum() == pytest.approx(b.weight.sum(), rel=1e-12)  # both carry P per event
    # distribution of the transverse decay radius: (a) from the unconstrained vertices inside the region,
    # weighted by the event weight; (b) the sampled vertices weighted by P
    ra = np.hypot(a.phi_vertex[:, 0], a.phi_vertex[:, 1])
    inside = (ra >= 2.0) & (ra < 9.0)
    rb = np.hypot(b.phi_vertex[:, 0], b.phi_vertex[:, 1])
    edges = np.linspace(2, 9, 8)
    ha = np.histogram(ra[inside], edges, weights=batch.weights[inside])[0]
    hb = np.histogram(rb, edges, weights=b.weight)[0]
    err = np.sqrt(ha + (hb / hb.sum() * ha.sum()) ** 2 / len(rb) * 50)  # Poisson on (a), small on (b)
    np.testing.assert_allclose(hb / hb.sum() * ha.sum(), ha, atol=float(4 * err.max()))
    # yield: the fraction of events decaying inside the region equals the mean P
    assert inside.mean() == pytest.approx(
        a.region_probability.mean(), abs=4 * math.sqrt(inside.mean() / len(ra))
    )


@pytest.mark.parametrize("mode", ["weight", "sample"])
def test_simulation_without_vertices_keeps_weights_and_reweighting(signal: tuple, mode: str) -> None:
    """``simulate(..., vertices=False)`` (scans): the same decay lengths, region weights and acceptance as
    with vertices, the vertices NaN, and the theta reweighting unchanged (in sample mode it uses the same
    transverse radii, drawn first from the same stream)."""
    _, batch = signal
    det = Belle2(resolution="none", vertex_mode=mode)
    full = det.simulate(batch, np.random.default_rng(8))
    lean = det.simulate(batch, np.random.default_rng(8), vertices=False)
    np.testing.assert_array_equal(lean.d_mm, full.d_mm)
    np.testing.assert_array_equal(lean.region_weight, full.region_weight)
    np.testing.assert_array_equal(lean.accepted, full.accepted)
    assert np.all(np.isnan(lean.vertices_lab)) and not np.any(np.isnan(full.vertices_lab))
    np.testing.assert_array_equal(
        lean.reweighted(theta=2.5e-4).region_weight, full.reweighted(theta=2.5e-4).region_weight
    )


@pytest.mark.parametrize("mode", ["weight", "sample"])
def test_theta_reweighting(signal: tuple, mode: str) -> None:
    model, batch = signal
    det = Belle2(resolution="none", vertex_mode=mode)
    rec = det.simulate(batch, np.random.default_rng(7))
    new = model.with_theta(2.5e-4)
    rew = rec.reweighted(theta=2.5e-4)
    # the same events with the record of the new point (its phi lifetime), simulated directly
    relabelled = dataclasses.replace(
        batch,
        layout=dataclasses.replace(
            batch.layout,
            long_lived=SignalProcess("gamma_phi", new).layout.long_lived,
            couplings=(("eps", new.eps), ("theta", new.theta)),
        ),
    )
    direct = det.simulate(relabelled, np.random.default_rng(7))
    if mode == "weight":
        np.testing.assert_allclose(
            rew.weight, direct.weight * (math.cos(2.5e-4) / math.cos(1e-4)) ** 2, rtol=1e-10
        )
    else:  # importance-reweighted sampled vertices: the same expected yield
        err = rew.weight.std() * math.sqrt(len(rew))  # MC error of the importance-weighted sum
        assert abs(rew.weight.sum() - direct.weight.sum()) < 5 * err


# ---------------------------------------------------------------------------- acceptance


def _at(theta_deg: float, e: float = 1.0) -> np.ndarray:
    t = math.radians(theta_deg)
    return np.array([[e, e * math.sin(t), 0.0, e * math.cos(t)]])


@pytest.mark.parametrize(
    ("theta", "code"),
    [
        (12.3, 0),
        (12.5, ECL_FORWARD),
        (31.3, ECL_FORWARD),
        (31.8, ECL_GAP_FWD),
        (32.3, ECL_BARREL),
        (128.6, ECL_BARREL),
        (129.5, ECL_GAP_BWD),
        (130.8, ECL_BACKWARD),
        (155.0, ECL_BACKWARD),
        (155.2, 0),
    ],
)
def test_ecl_region_edges(theta: float, code: int) -> None:
    assert Acceptance().ecl_region(_at(theta))[0] == code


def test_track_and_photon_acceptance() -> None:
    acc = Acceptance()
    assert not acc.track_accepted(_at(16.9))[0] and acc.track_accepted(_at(17.1))[0]
    assert acc.track_accepted(_at(149.9))[0] and not acc.track_accepted(_at(150.1))[0]
    assert acc.photon_accepted(_at(60.0, 0.11))[0] and not acc.photon_accepted(_at(60.0, 0.09))[0]
    assert not acc.photon_accepted(_at(31.8))[0]


# ---------------------------------------------------------------------------- resolution


def test_reference_smearing_width(signal: tuple) -> None:
    _, batch = signal
    rec = Belle2(resolution="reference", n_copies=50).simulate(batch, np.random.default_rng(8))
    rel = (rec.m_chichi / rec.m_chichi_true[rec.event] - 1) / ecl_relative_resolution(
        rec.m_chichi_true[rec.event]
    )
    assert rel.std() == pytest.approx(1.0, abs=0.01)
    rel_e = (rec.e_gamma / rec.e_gamma_true[rec.event] - 1) / ecl_relative_resolution(
        rec.e_gamma_true[rec.event]
    )
    assert rel_e.std() == pytest.approx(1.0, abs=0.01)
    np.testing.assert_allclose(np.bincount(rec.event), 50)
    assert rec.weight.sum() == pytest.approx(np.sum(batch.weights * rec.region_probability[:, 0]), rel=1e-12)


def test_object_smearing_widths() -> None:
    rng = np.random.default_rng(9)
    p = np.tile([[np.hypot(2.0, 0.13957), 2.0, 0.0, 0.0]], (200_000, 1))  # pT = 2 GeV pions
    s = smear_track(p, np.full(len(p), 0.13957), rng)
    assert np.std(np.hypot(s[:, 1], s[:, 2]) / 2.0 - 1) == pytest.approx(
        track_relative_resolution(2.0), rel=0.01
    )
    g = np.tile([[3.0, 0.0, 3.0, 0.0]], (200_000, 1))
    sg = smear_photon(g, rng)
    assert np.std(sg[:, 0] / 3.0 - 1) == pytest.approx(ecl_relative_resolution(3.0), rel=0.01)
    np.testing.assert_allclose(invariant_mass_squared(sg), 0.0, atol=1e-12)


def test_objects_mode_reconstructs_missing_mass(signal: tuple) -> None:
    _, batch = signal
    rec = Belle2(resolution="objects", n_copies=2).simulate(batch, np.random.default_rng(10))
    dm = rec.m_chichi - rec.m_chichi_true[rec.event]
    assert abs(np.median(dm)) < 0.01  # unbiased core
    assert 0.005 < np.median(np.abs(dm)) < 0.1
    unsmeared = Belle2(resolution="none").simulate(batch, np.random.default_rng(10))
    np.testing.assert_allclose(unsmeared.m_chichi, unsmeared.m_chichi_true)


def test_lab_frame_events_sum_to_beams(signal: tuple) -> None:
    _model, batch = signal
    lab = Belle2().to_lab(batch)
    final = (batch.status == 1)[..., None] * lab
    np.testing.assert_allclose(final.sum(axis=1), np.tile(Beams().total, (len(batch), 1)), atol=1e-11)
