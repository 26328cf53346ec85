"""Cross sections against the reference numbers of issue 3, the narrow-width limit (check d),
unweighting, reproducibility, phi decays, and the xsec / generate command line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pylhe
import pytest

from darkstrahl.cli import main
from darkstrahl.gen.crosssections import sigma_ap_phi_fb
from darkstrahl.gen.decays import DECAY_MODES, decay_probabilities
from darkstrahl.gen.generator import EventGenerator, RunSettings, choose_w_max
from darkstrahl.gen.kinematics import invariant_mass_squared
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.sampler import SamplerSettings
from darkstrahl.gen.signal_process import SignalProcess
from darkstrahl.gen.widths import ap_widths, phi_widths

FAST = RunSettings(
    n_points=300_000,
    n_pilot=50_000,
    chunk_size=20_000,
    sampler=SamplerSettings(n_iterations=8, n_per_iteration=30_000, batch=50_000),
)


@pytest.mark.parametrize(
    ("process", "m_Ap", "reference", "tolerance"),
    [
        ("phi", 3.0, 0.0410, 0.01),
        ("phi", 6.0, 0.1271, 0.01),
        ("gamma_phi", 3.0, 0.004153, 0.01),
        ("gamma_phi", 6.0, 0.007687, 0.01),
    ],
)
def test_reference_cross_sections(process: str, m_Ap: float, reference: float, tolerance: float) -> None:
    """Issue 3: B1, eps = 1e-4, g_chi = 1, A' width = Gamma(chi chibar); photon cuts 0.25 GeV, 22-158 deg."""
    model = DarkModel.from_benchmark("B1", m_Ap, eps=1e-4, theta=1e-4)
    proc = SignalProcess(process, model, ap_width=ap_widths(model).chichi)
    est = EventGenerator(proc, seed=21, settings=FAST).cross_section()
    assert est.error / est.mean < 2e-3
    assert est.mean == pytest.approx(reference, rel=tolerance)


def test_cross_section_scales_as_q_phi_squared() -> None:
    # at a fixed A' width (q_Phi also enters Gamma(A' -> chi chibar phi), so the physical width moves)
    model = DarkModel.from_benchmark("B2", 4.5)
    width = ap_widths(model).total
    a = EventGenerator(SignalProcess("phi", model, ap_width=width), 3, FAST).cross_section()
    b = EventGenerator(
        SignalProcess("phi", model.replace(q_Phi=2.0), ap_width=width), 3, FAST
    ).cross_section()
    assert b.mean / a.mean == pytest.approx(4.0, rel=1e-12)  # same seed, same points


def test_narrow_width_limit() -> None:
    """(d) Gamma_A' / 1000, couplings fixed: sigma(phi) / 1000 -> sigma(A' phi) x BR(chi chibar) (0.5 %)."""
    model = DarkModel.from_benchmark("B1", 6.0, eps=1e-4, theta=1e-4)
    gam = ap_widths(model)
    proc = SignalProcess("phi", model, ap_width=gam.total * 1e-3)
    est = EventGenerator(proc, seed=22, settings=FAST).cross_section()
    nwa = sigma_ap_phi_fb(model, 10.58) * gam.chichi / gam.total
    assert est.mean * 1e-3 == pytest.approx(nwa, rel=5e-3)
    assert est.error / est.mean < 1e-3


def test_choose_w_max() -> None:
    w = np.array([1.0, 1.0, 1.0, 1.0, 10.0])
    assert choose_w_max(w, 0.0) == 10.0
    # allowing 9/14 of sigma above: w_max can drop to 1
    assert choose_w_max(w, 9.0 / 14.0) == 1.0
    assert choose_w_max(w, 0.5) == 10.0


@pytest.fixture(scope="module")
def unweighted() -> tuple[EventGenerator, list]:
    model = DarkModel.from_benchmark("B1", 6.0, eps=1e-4, theta=1e-4)
    gen = EventGenerator(SignalProcess("gamma_phi", model), seed=23, settings=FAST)
    return gen, list(gen.unweighted(60_000))


def test_unweighted_events(unweighted: tuple[EventGenerator, list]) -> None:
    gen, batches = unweighted
    assert [len(b) for b in batches] == [20_000, 20_000, 20_000]  # chunks of chunk_size
    ev = batches[0].concatenate(batches)
    assert ev.momenta.shape == (60_000, 8, 4)
    final = (ev.status == 1)[..., None] * ev.momenta
    np.testing.assert_allclose(final.sum(axis=1), [[10.58, 0, 0, 0]] * len(ev), atol=1e-10)
    assert np.all(ev.weights >= 1.0)
    st = gen.stats
    assert 0.0 < st.efficiency <= 1.0
    assert st.overweight_sigma_fraction < 2e-3  # pilot allows 1e-4; trial fluctuations are larger
    # the unweighted mean of m_chichi agrees with the weighted one within errors
    mchichi = np.sqrt(invariant_mass_squared(ev.momenta[:, 4] + ev.momenta[:, 5]))
    smp = gen.sampler.sample(200_000)
    mw = np.sqrt(invariant_mass_squared(smp.momenta[:, 4] + smp.momenta[:, 5]))
    mean_w = np.average(mw, weights=smp.weights)
    mean_u = np.average(mchichi, weights=ev.weights)
    err = mchichi.std() / math.sqrt(len(ev)) + mw.std() * np.sqrt(np.sum(smp.weights**2)) / smp.weights.sum()
    assert abs(mean_u - mean_w) < 4 * err


def test_same_seed_same_events() -> None:
    model = DarkModel.from_benchmark("B3", 4.0)
    settings = RunSettings(
        n_points=20_000,
        n_pilot=10_000,
        chunk_size=1000,
        sampler=SamplerSettings(n_iterations=2, n_per_iteration=5000, batch=5000),
    )
    runs = []
    for seed in (7, 7, 8):
        gen = EventGenerator(SignalProcess("gamma_phi", model), seed, settings)
        runs.append(next(gen.unweighted(1000)))
    for name in ("momenta", "pdg", "helicities", "weights", "ct_mm", "decay_mode"):
        assert np.array_equal(getattr(runs[0], name), getattr(runs[1], name)), name
    assert not np.array_equal(runs[0].momenta, runs[2].momenta)


def test_phi_decays(unweighted: tuple[EventGenerator, list]) -> None:
    gen, batches = unweighted
    ev = batches[0].concatenate(batches)
    model = gen.process.model
    probs = decay_probabilities(model)
    counts = np.bincount(ev.decay_mode[:, 0], minlength=len(DECAY_MODES))
    for j, mode in enumerate(DECAY_MODES):
        expected = probs[mode] * len(ev)
        assert abs(counts[j] - expected) < 5 * math.sqrt(expected + 1), mode
    decayed = ev.decay_mode[:, 0] != DECAY_MODES.index("other")
    d = ev.momenta[decayed][:, -2:]
    np.testing.assert_allclose(np.sqrt(invariant_mass_squared(d.sum(axis=1))), model.m_phi, rtol=1e-9)
    np.testing.assert_allclose(d.sum(axis=1), ev.momenta[decayed][:, 3], atol=1e-9)
    # isotropic in the phi rest frame: <cos> of daughter 1 relative to the phi flight direction ~ 0
    ctau = phi_widths(model).ctau_mm
    assert ev.ct_mm[:, 0].mean() == pytest.approx(ctau, rel=5 * 1 / math.sqrt(len(ev)))
    charged = EventGenerator(
        SignalProcess("phi", model),
        5,
        RunSettings(
            n_points=20_000,
            n_pilot=10_000,
            chunk_size=5000,
            decays="charged",
            sampler=SamplerSettings(n_iterations=2, n_per_iteration=5000, batch=10_000),
        ),
    )
    b = next(charged.unweighted(5000))
    br_charged = sum(probs[m] for m in ("ee", "mumu", "pipm", "KpKm"))
    np.testing.assert_allclose(b.weights[b.weights <= br_charged * (1 + 1e-12)], br_charged)
    assert set(np.unique(np.abs(b.pdg[:, -1]))) <= {11, 13, 211, 321}


def test_rest_frame_isotropy() -> None:
    from darkstrahl.gen.kinematics import boost_many

    model = DarkModel.from_benchmark("B1", 6.0)
    gen = EventGenerator(
        SignalProcess("phi", model),
        9,
        RunSettings(
            n_points=20_000,
            n_pilot=10_000,
            chunk_size=40_000,
            sampler=SamplerSettings(n_iterations=2, n_per_iteration=5000, batch=20_000),
        ),
    )
    ev = next(gen.unweighted(40_000))
    ok = ev.decay_mode[:, 0] != DECAY_MODES.index("other")
    phi = ev.momenta[ok][:, 2]
    back = phi.copy()
    back[:, 1:] *= -1
    back[:, 0] = phi[:, 0]
    d1 = boost_many(np.ascontiguousarray(ev.momenta[ok][:, -2]), np.ascontiguousarray(back))
    cos = np.sum(d1[:, 1:] * phi[:, 1:], axis=1) / (
        np.linalg.norm(d1[:, 1:], axis=1) * np.linalg.norm(phi[:, 1:], axis=1)
    )
    assert abs(cos.mean()) < 5 / math.sqrt(3 * ok.sum())


def test_xsec_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["xsec", "b1", "--json", "--set", "run.n_points=50000", "--set", "model.m_Ap=3.0"]
    args += ["--set", "beams.isr=false"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"process", "sigma_fb", "sigma_err_fb", "n_points"}
    assert out["process"] == "phi" and out["n_points"] == 50000
    assert out["sigma_fb"] == pytest.approx(0.0410, rel=0.02)  # total width: 0.4 % below the reference


def test_generate_cli_writes_lhe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ev.lhe"
    args = [
        "generate",
        "b1",
        "-n",
        "500",
        "-o",
        str(out),
        "--set",
        "process.name=gamma_phi",
        "--set",
        "run.n_points=20000",
        "--set",
        "run.n_pilot=10000",
    ]
    assert main(args) == 0
    assert "500 unweighted events written" in capsys.readouterr().out
    lhe = pylhe.LHEFile.fromfile(str(out))
    events = list(lhe.events)
    assert len(events) == 500
    assert lhe.init.initInfo.beamA == 11 and lhe.init.initInfo.energyA == pytest.approx(10.5739 / 2, abs=1e-4)
    ids = [p.id for p in events[0].particles]
    assert ids[:8] == [11, -11, 22, 55, 54, 55, 52, -52]  # with the two intermediate A'
    # refuses to overwrite, and leaves the file untouched
    before = out.read_bytes()
    assert main(args) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main([*args, "--force", "--seed", "99"]) == 0
    assert out.read_bytes() != before
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize(("pol", "right_fraction"), [(1.0, 1.0), (-1.0, 0.0), (0.0, 0.5)])
def test_beam_polarization_selects_helicities(pol: float, right_fraction: float) -> None:
    model = DarkModel.from_benchmark("B1", 6.0)
    settings = RunSettings(
        n_points=20_000,
        n_pilot=10_000,
        chunk_size=4000,
        sampler=SamplerSettings(n_iterations=2, n_per_iteration=5000, batch=10_000),
    )
    ev = next(EventGenerator(SignalProcess("phi", model, pol_em=pol), 31, settings).unweighted(4000))
    frac = np.mean(ev.helicities[:, 0] == 1)
    assert abs(frac - right_fraction) <= 5 * math.sqrt(0.25 / 4000)
    assert np.all(ev.helicities[:, 1] == -ev.helicities[:, 0])  # e+ helicity opposite (vector current)
