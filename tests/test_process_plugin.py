"""The process abstraction (issue 11): a new 2 -> 2 process plugs in with its own module (here: this test
module) plus one registry line, and then runs through the card, the cross section, the unweighted event
stream, the LHE writer and the detector without any edit elsewhere.

The toy process is e+e- -> mu+ mu- through one photon with massless muons:
<|M|^2> = 2 e^4 (t^2 + u^2) / s^2, so sigma = 4 pi alpha^2 / (3 s) and dsigma/dcos ~ 1 + cos^2(theta).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pylhe
import pytest

from darkstrahl.cli import main
from darkstrahl.detector.belle2 import Belle2
from darkstrahl.gen.constants import ALPHA, E_CHARGE, GEV2_TO_FB
from darkstrahl.gen.events import EventBatch
from darkstrahl.gen.generator import make_generator
from darkstrahl.gen.kinematics import cm_beams
from darkstrahl.gen.layout import Layout, Slot, primary_rows
from darkstrahl.gen.phasespace import Channel, PhaseSpace
from darkstrahl.gen.process import ProcessRequest, no_decay
from darkstrahl.gen.registry import register, unregister
from darkstrahl.runcard import build, load_card


@dataclass(frozen=True)
class ToyMuMu:
    """e+e- -> mu+ mu- (massless, photon exchange only) at ``sqrt_s`` [GeV]."""

    name: str
    sqrt_s: float
    sampling = "multichannel"

    @cached_property
    def layout(self) -> Layout:
        slots = (
            Slot("e-", 11, 0.0, incoming=True),
            Slot("e+", -11, 0.0, incoming=True),
            Slot("mu-", 13, 0.0),
            Slot("mu+", -13, 0.0),
        )
        return Layout(self.name, "dimuon", slots, primary_rows(slots), lprup=99)

    @cached_property
    def phase_space(self) -> PhaseSpace:
        def no_x(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return np.empty((u.shape[0], 0)), np.ones(u.shape[0])

        def builder(x: np.ndarray, ang: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            n, e = ang.shape[0], self.sqrt_s / 2
            cos, phi = ang[:, 0], ang[:, 1]
            sin = np.sqrt(1.0 - cos**2)
            p = np.zeros((n, 4, 4))
            p[:, :2] = cm_beams(self.sqrt_s, n)
            p[:, 2] = np.column_stack([np.full(n, e), e * sin * np.cos(phi), e * sin * np.sin(phi), e * cos])
            p[:, 3, 0] = e
            p[:, 3, 1:] = -p[:, 2, 1:]
            return p, np.full(n, 1.0 / (32.0 * math.pi**2))  # dPhi_2 = dOmega / (32 pi^2), massless

        return PhaseSpace(2, 0, (Channel("flat", no_x, no_x),), builder)

    def integrand(self, p: np.ndarray) -> np.ndarray:
        s = self.sqrt_s**2
        t = -2.0 * (p[:, 0, 0] * p[:, 2, 0] - np.sum(p[:, 0, 1:] * p[:, 2, 1:], axis=1))
        u = -s - t
        msq = 2.0 * E_CHARGE**4 * (t**2 + u**2) / s**2
        return msq * GEV2_TO_FB / (2.0 * s)

    def integrand_and_helicity(self, p: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.integrand(p), np.zeros(p.shape[0], dtype=np.int64)

    def helicities(self, codes: np.ndarray) -> np.ndarray:
        return np.zeros((codes.shape[0], 4), dtype=np.int8)

    def decay(self, batch: EventBatch, rng: np.random.Generator, mode: str) -> EventBatch:
        return no_decay(batch, rng, mode)

    def summary(self) -> dict[str, object]:
        return {}


def build_toy(request: ProcessRequest) -> ToyMuMu:
    return ToyMuMu(request.name, request.sqrt_s)


@pytest.fixture
def toy() -> object:
    register("toy_mumu", build_toy, "toy e+e- -> mu+ mu-")  # the one registry line
    yield
    unregister("toy_mumu")


FAST = ["--set", "run.n_points=40000", "--set", "run.n_pilot=10000", "--set", "run.sqrt_s=10.58"]
FAST += ["--set", "beams.isr=false"]


def test_toy_process_runs_through_card_xsec_events_and_detector(
    toy: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    assert main(["xsec", "b1", "--set", "process.name=toy_mumu", *FAST, "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    sigma = 4.0 * math.pi * ALPHA**2 / (3.0 * 10.58**2) * GEV2_TO_FB  # 0.7758 nb
    assert res["sigma_fb"] == pytest.approx(sigma, abs=5 * res["sigma_err_fb"])
    assert res["sigma_err_fb"] < 0.01 * sigma

    out = tmp_path / "toy.lhe"
    assert (
        main(["generate", "b1", "--set", "process.name=toy_mumu", *FAST, "-n", "2000", "-o", str(out)]) == 0
    )
    events = list(pylhe.LHEFile.fromfile(str(out)).events)
    assert len(events) == 2000
    assert [int(p.id) for p in events[0].particles] == [11, -11, 13, -13]
    cos = np.array([ev.particles[2].pz / ev.particles[2].e for ev in events])
    # <cos^2> = 2/5 for 1 + cos^2
    assert np.mean(cos**2) == pytest.approx(0.4, abs=4 * 0.27 / math.sqrt(len(cos)))

    sets = ["process.name=toy_mumu", "run.n_points=2000", "run.n_pilot=2000", "beams.isr=false"]
    card = load_card("b1", sets)
    batch = next(make_generator(build.process(card), 1, build.run_settings(card)).unweighted(500))
    rec = Belle2(resolution="none").simulate(batch, np.random.default_rng(2))
    np.testing.assert_allclose(rec.m_chichi_true, 0.0, atol=1e-5)  # nothing invisible
    assert rec.vertices_lab.shape == (500, 0, 4)  # no long-lived particle
    np.testing.assert_allclose(
        rec.lab_momenta[:, 2:].sum(axis=1), rec.lab_momenta[:, :2].sum(axis=1), atol=1e-12
    )


def test_unregistered_process_is_a_card_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["xsec", "b1", "--set", "process.name=toy_mumu"]) == 2
    assert "process.name: must be one of" in capsys.readouterr().err
