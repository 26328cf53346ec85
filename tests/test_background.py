"""Mock backgrounds (issue 4): normalization to n_b / L, the photon cuts, event layout, and the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from darkstrahl.cli import main
from darkstrahl.errors import ParameterError
from darkstrahl.gen.flat_background import BackgroundProcess, FlatGenerator
from darkstrahl.gen.generator import RunSettings, make_generator
from darkstrahl.gen.kinematics import invariant_mass_squared
from darkstrahl.gen.model import DarkModel

MODEL = DarkModel.from_benchmark("B1", 6.0)
SETTINGS = RunSettings(n_points=200_000, n_pilot=50_000, chunk_size=20_000, decays="none")


@pytest.mark.parametrize(("name", "sigma"), [("bkg_phi", 1e-4), ("bkg_gamma_phi", 0.22e-4)])
def test_normalization(name: str, sigma: float) -> None:
    gen = FlatGenerator(BackgroundProcess(name, MODEL), 1, SETTINGS)
    assert gen.cross_section().mean == pytest.approx(sigma, rel=1e-14)
    # weighted events average to sigma (the weights are normalized by the measured volume)
    w = np.concatenate([b.weights for b in gen.weighted(200_000)])
    assert w.mean() == pytest.approx(sigma, rel=4 * w.std() / math.sqrt(w.size) / sigma)
    # n_b and the luminosity scale it
    other = BackgroundProcess(name, MODEL, n_b=1e4, luminosity_ab=2.0)
    assert other.sigma_fb == pytest.approx(sigma * 1e4 / 0.2)


def test_gamma_cuts_and_layout() -> None:
    gen = make_generator(BackgroundProcess("bkg_gamma_phi", MODEL), 2, SETTINGS)
    ev = next(gen.unweighted(20_000))
    assert ev.momenta.shape == (20_000, 6, 4)
    assert list(ev.pdg[0]) == [11, -11, 22, 54, 52, -52]
    g = ev.momenta[:, 2]
    assert np.all(g[:, 0] >= 0.25)
    cos = g[:, 3] / g[:, 0]
    assert np.all(np.abs(cos) <= math.cos(math.radians(22)) + 1e-12)
    final = ev.momenta[:, 2:]
    np.testing.assert_allclose(final.sum(axis=1), [[10.58, 0, 0, 0]] * len(ev), atol=1e-11)
    # missing mass of the chi pair spans [2 m_chi, sqrt(s) - m_phi - E_gamma]
    mmiss = np.sqrt(invariant_mass_squared(ev.momenta[:, 4] + ev.momenta[:, 5]))
    assert mmiss.min() >= 2 * MODEL.m_chi - 1e-9


def test_optional_phi_decay_like_signal() -> None:
    settings = RunSettings(n_points=20_000, n_pilot=10_000, chunk_size=5000, decays="all")
    ev = next(make_generator(BackgroundProcess("bkg_phi", MODEL), 3, settings).unweighted(5000))
    assert ev.momenta.shape == (5000, 7, 4)
    decayed = ev.decay_mode[:, 0] != 7
    d = ev.momenta[decayed][:, -2:].sum(axis=1)
    np.testing.assert_allclose(np.sqrt(invariant_mass_squared(d)), MODEL.m_phi, rtol=1e-9)


def test_bad_background_parameters() -> None:
    with pytest.raises(ParameterError, match="analysis.luminosity"):
        BackgroundProcess("bkg_phi", MODEL, luminosity_ab=-1.0)
    with pytest.raises(ParameterError, match="process.n_b"):
        BackgroundProcess("bkg_phi", MODEL, n_b=0.0)


def test_xsec_cli_prints_nb_over_luminosity(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["xsec", "b1_bkg", "--json", "--set", "run.n_points=100000"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sigma_fb"] == pytest.approx(1e-4, rel=1e-14)  # n_b = 1 in 10 ab^-1
    assert out["process"] == "bkg_phi"
    assert main(["xsec", "b1_bkg", "--set", "analysis.luminosity=-1"]) == 2
    assert "analysis.luminosity" in capsys.readouterr().err
