"""Event files (issue 7): the LHE writer (golden file, full precision, read back by pylhe and by HepMC3's
LHEF reader), HepMC3 with vertices, the safety rules, and the Python API."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pyhepmc
import pylhe
import pytest

import darkstrahl
from darkstrahl.cli import main
from darkstrahl.errors import DarkstrahlError
from darkstrahl.gen.decays import DAUGHTER_MASS_BY_PDG
from darkstrahl.gen.eventfiles.lhe import RunInfo, write_lhe
from darkstrahl.gen.eventfiles.textformat import format_floats, format_ints
from darkstrahl.gen.events import EventBatch
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.signal_process import SignalProcess

DATA = Path(__file__).parent / "data"
FAST = ["--set", "run.n_points=20000", "--set", "run.n_pilot=10000"]


def tiny_batch() -> EventBatch:
    """Two hand-made phi-channel events (the second with an undecayed phi) with round numbers."""
    p = np.zeros((2, 7, 4))
    p[:, 0] = (5.29, 0, 0, 5.29)
    p[:, 1] = (5.29, 0, 0, -5.29)
    p[0, 2] = (3.0, 1.0, 2.0, -np.sqrt(9 - 1 - 4 - 1.0))
    p[0, 3] = (4.0, -0.5, -1.5, 1.0)
    p[0, 4] = p[0, 0] + p[0, 1] - p[0, 2] - p[0, 3]
    p[0, 5] = (1.5, 0.5, 1.0, -0.5)
    p[0, 6] = p[0, 2] - p[0, 5]
    p[1, 2] = (2.5, -1.25, 0.125, 1.0)
    p[1, 3] = (3.0, 0.25, 0.5, 0.75)
    p[1, 4] = p[1, 0] + p[1, 1] - p[1, 2] - p[1, 3]
    pdg = np.array([[11, -11, 54, 52, -52, 211, -211], [11, -11, 54, 52, -52, 0, 0]], dtype=np.int32)
    status = np.array([[-1, -1, 2, 1, 1, 1, 1], [-1, -1, 1, 1, 1, 0, 0]], dtype=np.int8)
    hel = np.array([[1, -1, 0, 1, -1, 0, 0], [-1, 1, 0, -1, -1, 0, 0]], dtype=np.int8)
    # the record of the B1 point at m_A' = 6 GeV (m_chi = 2, m_phi = 1 GeV) with phi daughter slots
    layout = SignalProcess("phi", DarkModel.from_benchmark("B1", 6.0)).layout
    layout = layout.with_daughters(layout.index("phi"), ("phi_d1", "phi_d2"), DAUGHTER_MASS_BY_PDG)
    return EventBatch(
        layout=layout,
        momenta=p,
        pdg=pdg,
        status=status,
        helicities=hel,
        weights=np.array([1.0, 1.25]),
        ct_mm=np.array([[3.0], [4.0]]),
        decay_mode=np.array([[2], [7]], dtype=np.int8),
        sqrt_s=10.58,
    )


TINY_INFO = RunInfo(
    process="phi",
    lprup=1,
    sigma_fb=0.125,
    sigma_err_fb=0.001,
    beam_energies=(5.29, 5.29),
    weighted=False,
    card_text='[model]\nbenchmark = "B1"',
    version="golden",
)


def test_float_and_int_formatting_exact() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate(
        [
            rng.normal(size=20000) * 10.0 ** rng.integers(-40, 40, 20000),
            [0.0, 1.0, -1.0, 10.0, 0.1, 1e16, 9.999999999999999e22, 1e-99, 5e-324 * 1e250],
        ]
    )
    rows = [r.tobytes().decode() for r in format_floats(x)]
    assert rows == [f"{v:23.16e}" for v in x]  # identical to Python's %.16e, digit for digit
    assert all(float(r) == v for r, v in zip(rows, x, strict=True))  # and every double round-trips
    ints = np.array([0, 7, -7, 52, -52, 9000008, 12345678])
    assert [r.tobytes().decode() for r in format_ints(ints, 9)] == [f"{v:9d}" for v in ints]
    with pytest.raises(ValueError, match="non-finite"):
        format_floats(np.array([np.nan]))


def test_golden_file(tmp_path: Path) -> None:
    """Pins the exact bytes of a tiny file (header, init, event lines, mothers, A' line, skipped slots)."""
    out = tmp_path / "tiny.lhe"
    write_lhe(out, [tiny_batch()], TINY_INFO)
    golden = DATA / "golden_phi.lhe"
    assert out.read_bytes() == golden.read_bytes()


def _read_pylhe(path: Path) -> tuple[object, list]:
    f = pylhe.LHEFile.fromfile(str(path))
    return f.init, list(f.events)


def test_tiny_file_read_back(tmp_path: Path) -> None:
    out = tmp_path / "tiny.lhe"
    batch = tiny_batch()
    write_lhe(out, [batch], TINY_INFO)
    init, events = _read_pylhe(out)
    assert init.initInfo.weightingStrategy == 3 and init.procInfo[0].xSection == pytest.approx(0.125e-3)
    assert [len(e.particles) for e in events] == [8, 6]  # A' line added, empty slots skipped
    first = events[0].particles
    assert [p.id for p in first] == [11, -11, 54, 55, 52, -52, 211, -211]
    assert [int(p.mother1) for p in first] == [0, 0, 1, 1, 4, 4, 3, 3]
    assert first[2].lifetime == 26.467896808843754  # c tau_phi, all digits
    q = batch.momenta[0, 3] + batch.momenta[0, 4]
    assert [first[3].px, first[3].py, first[3].pz, first[3].e] == pytest.approx(
        list(q[[1, 2, 3, 0]]), rel=1e-15
    )
    assert events[1].eventinfo.weight == 1.25 * 0.125e-3
    # HepMC3's LHEF reader reads the same file
    with pyhepmc.io.ReaderLHEF(str(out)) as reader:
        evs = [reader.read() for _ in range(2)]
    assert [len(e.particles) for e in evs] == [8, 6]


@pytest.fixture(scope="module")
def lhe_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("lhe")
    files = {}
    for name, extra in (
        ("cm", []),
        ("lab", ["--frame", "lab", "--set", "beams.isr=false"]),
        ("weighted", ["--set", "output.weighted=true"]),
        ("gz", []),
    ):
        path = d / ("ev.lhe.gz" if name == "gz" else f"{name}.lhe")
        assert (
            main(
                [
                    "generate",
                    "b1",
                    "-n",
                    "300",
                    "-o",
                    str(path),
                    "--set",
                    "process.name=gamma_phi",
                    *FAST,
                    *extra,
                ]
            )
            == 0
        )
        files[name] = path
    return files


def test_generated_files_read_back(lhe_files: dict[str, Path]) -> None:
    init, events = _read_pylhe(lhe_files["cm"])
    assert len(events) == 300
    beams = init.initInfo
    assert (beams.beamA, beams.beamB) == (11, -11)
    sigma = init.procInfo[0].xSection
    weights = np.array([e.eventinfo.weight for e in events])
    assert np.all(weights >= sigma * (1 - 1e-15))  # unweighted: sigma (x w/w_max for an overweight event)
    for e in events[:50]:  # b1 has ISR on: the incoming e+ e- carry the reduced energies, momentum balances
        final = sum(np.array([p.e, p.px, p.py, p.pz]) for p in e.particles if p.status == 1)
        incoming = sum(np.array([p.e, p.px, p.py, p.pz]) for p in e.particles if p.status == -1)
        np.testing.assert_allclose(final, incoming, atol=1e-13)
        e_minus, e_plus = (p for p in e.particles if p.status == -1)
        assert e_minus.e <= beams.energyA and e_plus.e <= beams.energyB
        assert e_minus.pz == e_minus.e and e_plus.pz == -e_plus.e  # collinear: along the beams
        ids = [p.id for p in e.particles]
        assert ids[:8] == [11, -11, 22, 55, 54, 55, 52, -52]
    with pyhepmc.io.ReaderLHEF(str(lhe_files["cm"])) as reader:
        n = _count_lhef(reader)
    assert n == 300


def _count_lhef(reader: pyhepmc.io.ReaderLHEF) -> int:
    n = 0
    while True:
        ev = reader.read()
        if ev is None or reader.failed():
            return n
        n += 1


def test_lab_frame_file_sums_to_beams(lhe_files: dict[str, Path]) -> None:
    from darkstrahl.detector.beams import Beams

    init, events = _read_pylhe(lhe_files["lab"])
    assert (init.initInfo.energyA, init.initInfo.energyB) == (7.0, 4.0)
    total = Beams().total  # the card generates at the beams' sqrt(s)
    for e in events[:100]:
        final = sum(np.array([p.e, p.px, p.py, p.pz]) for p in e.particles if p.status == 1)
        np.testing.assert_allclose(final, total, atol=1e-12)


def test_weighted_file_and_gzip(lhe_files: dict[str, Path]) -> None:
    init, events = _read_pylhe(lhe_files["weighted"])
    assert init.initInfo.weightingStrategy == 4
    w = np.array([e.eventinfo.weight for e in events])
    assert len(np.unique(w)) > 250  # full-precision, distinct weights
    assert w.mean() == pytest.approx(init.procInfo[0].xSection, rel=0.3)
    with gzip.open(lhe_files["gz"]) as fh:
        text = fh.read()
    assert text == lhe_files["cm"].read_bytes()  # same card and seed: the same events, compressed


def test_same_seed_identical_bytes(tmp_path: Path) -> None:
    paths = [tmp_path / f"{k}.lhe.gz" for k in range(2)]
    for p in paths:
        assert main(["generate", "b2", "-n", "200", "-o", str(p), "--seed", "5", *FAST]) == 0
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_interrupted_run_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "broken.lhe"

    def batches():
        yield tiny_batch()
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_lhe(out, batches(), TINY_INFO)
    assert not out.exists() and list(tmp_path.iterdir()) == []
    out.write_text("keep me")
    with pytest.raises(DarkstrahlError, match="refusing to overwrite"):
        write_lhe(out, [tiny_batch()], TINY_INFO)
    assert out.read_text() == "keep me"
    write_lhe(out, [tiny_batch()], TINY_INFO, force=True)
    assert out.read_bytes().startswith(b'<LesHouchesEvents version="3.0">')


@pytest.mark.parametrize(("frame", "spread"), [("lab", "false"), ("lab", "true"), ("cm", "true")])
def test_hepmc3_vertices_and_forced_region(tmp_path: Path, frame: str, spread: str) -> None:
    """The decay vertex lies on the phi flight line in the frame written, also with the beam-energy
    spread (per-event CM -> lab transforms from the detector record, issue 11)."""
    out = tmp_path / "ev.hepmc"
    args = ["generate", "b1", "-n", "200", "-o", str(out), "--format", "hepmc3", "--frame", frame]
    args += ["--set", "output.force_region=displaced", "--set", f"beams.energy_spread={spread}", *FAST]
    assert main(args) == 0
    n = 0
    with pyhepmc.open(str(out)) as f:
        for ev in f:
            n += 1
            phi = next(p for p in ev.particles if p.pid == 54)
            if phi.end_vertex is not None:
                pos = phi.end_vertex.position
                r_t = np.hypot(pos.x, pos.y)
                if frame == "lab":
                    assert 2.0 <= r_t < 9.0  # sampled inside the region
                direction = np.cross(
                    [pos.x, pos.y, pos.z], [phi.momentum.px, phi.momentum.py, phi.momentum.pz]
                )
                assert (
                    np.linalg.norm(direction)
                    < 1e-9 * np.linalg.norm([pos.x, pos.y, pos.z]) * phi.momentum.p3mod()
                )
            assert 0 < ev.weights[0] < ev.cross_section.xsec()  # the region probability is in the weight
    assert n == 200


def test_python_api() -> None:
    batch = darkstrahl.generate("b3", n=500, seed=3, overrides=["run.n_points=20000", "run.n_pilot=10000"])
    assert len(batch) == 500
    vec = batch.momenta_vector()
    final = batch.status == 1
    incoming = np.sum(np.where(batch.status == -1, vec.E, 0.0), axis=1)  # b3: ISR on, reduced beams
    np.testing.assert_allclose(np.sum(np.where(final, vec.E, 0.0), axis=1), incoming, rtol=1e-12)
    assert np.all(incoming <= batch.sqrt_s * (1 + 1e-15)) and np.mean(incoming < 0.99 * batch.sqrt_s) > 0.05
    assert vec.shape == batch.pdg.shape
