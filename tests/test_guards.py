"""Issue 12 items 2, 4 and 6 beyond the bad-input catalogue: the override keys of the physics guards and the
limits' edges, orphan detection, the file-size estimate, hepmc.gz, the LHE beam block, the plot fixes."""

from __future__ import annotations

import gzip
import importlib.util
import math
import os
import re
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pyhepmc
import pylhe
import pytest

from darkstrahl.analysis import plots
from darkstrahl.analysis.scan import PointKey, PointResult
from darkstrahl.cli import main
from darkstrahl.detector.beams import Beams
from darkstrahl.errors import ParameterError
from darkstrahl.events_out import EventWriterConfig
from darkstrahl.files import orphaned_parts, remove_orphans
from darkstrahl.gen.eventfiles.hepmc import write_hepmc3
from darkstrahl.gen.eventfiles.lhe import header, write_lhe
from darkstrahl.gen.model import DarkModel
from darkstrahl.preflight import BYTES_PER_HEADER, BYTES_PER_PARTICLE, estimate_bytes
from darkstrahl.runcard import guards, load_card

DATA = Path(__file__).parent / "data"
# the hand-made two-event batch and run info of the event-file tests (tests/ is not a package)
_spec = importlib.util.spec_from_file_location("_event_files", Path(__file__).parent / "test_event_files.py")
_event_files = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_event_files)
TINY_INFO, tiny_batch = _event_files.TINY_INFO, _event_files.tiny_batch


# ------------------------------------------------------------------ physics guards: edges and overrides
@pytest.mark.parametrize(
    ("overrides", "ok"),
    [
        (["model.eps=0.1"], True),  # the limit itself is allowed
        (["model.eps=0.1001"], False),
        (["model.eps=0.5", "model.general=true"], True),  # override up to < 1
        (["model.eps=1.0", "model.general=true"], False),  # never >= 1
        ([f"model.g_chi={math.sqrt(4 * math.pi) * 0.999}"], True),
        ([f"model.g_chi={math.sqrt(4 * math.pi) * 1.001}"], False),
        (["process.ap_width=1e-30", "process.ap_width_free=true"], True),
        (["process.ap_width=0.0146"], True),  # >= 0.1 x 0.1455 GeV
        (["process.ap_width=0.0145"], False),
        (["process.ap_width=4", "model.general=true"], True),
        (["run.sqrt_s=20"], True),
        (["run.sqrt_s=20.01"], False),
        (["output.pdg_chi=56", "output.pdg_phi=57", "output.pdg_Ap=58"], True),
        (["output.pdg_chi=2212"], False),  # the proton
        (["output.pdg_chi=1000022"], True),  # not a Standard-Model particle (not in the particle package)
    ],
)
def test_guard_limits(overrides: list[str], ok: bool) -> None:
    card = load_card("b1", overrides)
    if ok:
        guards.check(card)
    else:
        with pytest.raises(ParameterError):
            guards.check(card)


def test_builtin_cards_pass_the_guards() -> None:
    for name in ("b1", "b2", "b3", "b1_bkg", "reference_study", "basf2"):
        card = load_card(name)
        guards.check(card)
        guards.check_scan(card)


def test_width_ratio_message_names_key_and_limit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "b1", "--set", "process.ap_width=4"]) == 2
    err = capsys.readouterr().err
    assert "process.ap_width" in err and "> 0.5" in err and "model.general = true" in err


def test_benchmark_case_consistent() -> None:
    """Upper-case benchmark names only, in the API as in cards (issue 12 item 6)."""
    assert DarkModel.from_benchmark("B2", 3.0).m_chi == pytest.approx(0.75)
    with pytest.raises(ParameterError, match="upper case"):
        DarkModel.from_benchmark("b2", 3.0)


# ------------------------------------------------------------------ orphans and the size estimate
def test_orphans_only_of_dead_processes(tmp_path: Path) -> None:
    """A .part file of a process that no longer exists is an orphan; one of a running process (pid 1, or
    this test) is not; unrelated names are never touched."""
    target = tmp_path / "x.lhe"
    dead = tmp_path / ".x.lhe.999999999.abcdefgh.part"
    alive = tmp_path / f".x.lhe.{os.getppid()}.abcdefgh.part"
    own = tmp_path / f".x.lhe.{os.getpid()}.abcdefgh.part"
    legacy = tmp_path / ".x.lhe.k2j3h4g5.part"  # an older darkstrahl: no pid in the name
    other = tmp_path / ".y.lhe.999999999.abcdefgh.part"
    for p in (dead, alive, own, legacy, other):
        p.write_text("")
    assert orphaned_parts(target) == sorted([dead, legacy])
    assert remove_orphans(target) == sorted([dead, legacy])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in (alive, own, other))


def test_size_estimate_bounds_real_events() -> None:
    """Every event of the golden file is below the per-event estimate (header + lines x bound)."""
    text = (DATA / "golden_phi.lhe").read_text()
    events = re.findall(r"<event>\n.*?</event>\n", text, flags=re.S)
    assert len(events) == 2
    for ev in events:
        n_lines = len(ev.splitlines()) - 3  # <event>, the event header line, </event>
        assert len(ev.encode()) <= BYTES_PER_HEADER + BYTES_PER_PARTICLE * n_lines
        assert len(ev.encode()) >= 0.5 * (
            BYTES_PER_HEADER + BYTES_PER_PARTICLE * n_lines
        )  # not absurdly loose
    assert estimate_bytes(10, 9, compressed=True) == estimate_bytes(10, 9, compressed=False) // 2


# ------------------------------------------------------------------ files: hepmc.gz, format, LHE beams
def test_hepmc_gz_is_compressed_and_reads_back(tmp_path: Path) -> None:
    batch = tiny_batch()
    vertices = np.array([[[1.0, 2.0, 3.0, 4.0]], [[0.5, 0.5, 0.5, 1.0]]])
    plain, packed = tmp_path / "t.hepmc", tmp_path / "t.hepmc.gz"
    assert write_hepmc3(plain, [(batch, vertices)], TINY_INFO) == 2
    assert write_hepmc3(packed, [(batch, vertices)], TINY_INFO) == 2
    assert packed.read_bytes()[:2] == b"\x1f\x8b"  # gzip magic
    assert gzip.decompress(packed.read_bytes()) == plain.read_bytes()
    with pyhepmc.open(str(packed)) as f:
        assert sum(1 for _ in f) == 2


@pytest.mark.parametrize(
    ("path", "fmt", "expected"),
    [
        ("x.hepmc.gz", None, "hepmc3"),
        ("x.HEPMC3", None, "hepmc3"),
        ("x.lhe.gz", None, "lhe"),
        ("x.hepmc", "lhe", "lhe"),
    ],
)
def test_format_from_suffix(path: str, fmt: str | None, expected: str) -> None:
    assert EventWriterConfig.from_card(load_card("b1"), fmt=fmt, path=path).fmt == expected


def test_lab_lhe_header_gives_crossing_beams(tmp_path: Path) -> None:
    """Lab-frame LHE: the header carries both beam four-momenta with the crossing angle (they sum to the
    beams' total), and pylhe still reads the file."""
    bm = Beams.preset("SuperKEKB")
    info = TINY_INFO.__class__(
        **{**TINY_INFO.__dict__, "frame": "lab", "beam_momenta": (tuple(bm.p_her), tuple(bm.p_ler))}
    )
    text = header(info).decode()
    beams = re.findall(r'<beam id="(-?\d+)" E="(\S+)" px="(\S+)" py="(\S+)" pz="(\S+)"/>', text)
    assert [b[0] for b in beams] == ["11", "-11"]
    total = np.sum([[float(x) for x in b[1:]] for b in beams], axis=0)
    np.testing.assert_allclose(total, bm.total, rtol=1e-15)
    assert abs(float(beams[0][2])) > 0.1  # px != 0: the crossing angle
    out = tmp_path / "lab.lhe"
    write_lhe(out, [tiny_batch()], info)
    assert len(list(pylhe.LHEFile.fromfile(str(out)).events)) == 2


# ------------------------------------------------------------------ plots
def _result(bench: str, channel: str, m: float, reach: float, region: tuple[float, float]) -> PointResult:
    edges = np.linspace(0.0, 1.0, 5)
    return PointResult(
        key=PointKey(bench, m, channel),
        m_phi=m / 6,
        m_chi=m / 3,
        sigma_fb=1.0 / m,
        sigma_err_fb=0.01,
        ctau_mm=10.0,
        edges=edges,
        signal_hist=np.ones(4),
        background_unit=np.full(4, 0.25),
        rows=[],
        eps_reach={1.0: reach},
        theta_region={1.0: (*region, 1)},
        windows={1.0: (0, 3)},
    )


def test_plots_without_warnings_and_without_empty_legend_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No matplotlib warning (gamma_phi absent, a theta region that is empty everywhere); every legend entry
    of reach_theta has finite data; B1 and B2 (same m_phi, same sigma) are drawn with distinct markers and
    B1 wider underneath."""
    figures = {}

    def keep(fig, outdir, name):
        figures[name] = fig
        return []

    monkeypatch.setattr(plots, "_save", keep)
    results = [_result(b, "phi", m, 1e-4, (1e-5, 1e-3)) for b in ("B1", "B2") for m in (3.0, 4.5)]
    results += [_result("B3", "phi", m, 1e-4, (math.nan, math.nan)) for m in (3.0, 4.5)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.plot_cross_sections(results, tmp_path, 10.0, 1e-4)
        plots.plot_reach(results, tmp_path, 10.0, 1e-4, 1e-4)
    ax_phi, ax_gamma = figures["reach_theta"].axes[:2]
    handles, labels = ax_phi.get_legend_handles_labels()
    assert labels and all(np.isfinite(np.asarray(h.get_ydata(), dtype=float)).any() for h in handles)
    assert not any(lab.startswith("B3") for lab in labels)  # nothing drawn for B3: no entry
    assert ax_gamma.get_legend() is None  # no gamma_phi results: a note, no empty legend
    lines = {c.get_label(): c for c in figures["cross_sections"].axes[0].containers}
    b1 = next(v for k, v in lines.items() if k.startswith("B1"))[0]
    b2 = next(v for k, v in lines.items() if k.startswith("B2"))[0]
    assert b1.get_marker() != b2.get_marker() and b1.get_linewidth() > b2.get_linewidth()
    assert b1.get_zorder() < b2.get_zorder()
    for fig in figures.values():
        matplotlib.pyplot.close(fig)


# ------------------------------------------------------------------ scan directories
def test_scan_directory_ownership(tmp_path: Path) -> None:
    """A directory with checkpoints but no record belongs to the card hash its checkpoints carry; another card
    is refused, --force deletes the earlier results (only those) and takes the directory over."""
    from darkstrahl.analysis.scan_dir import MARKER, ScanDirectory
    from darkstrahl.errors import DarkstrahlError

    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "B1_4.5000_phi.json").write_text('{"card_hash": "aaa"}')
    (tmp_path / "mine.txt").write_text("user file")
    assert ScanDirectory(tmp_path, "aaa", "card a").claim() == []  # the same card resumes
    ScanDirectory(tmp_path, "aaa", "card a").finish([tmp_path / "reach_eps.csv"])
    (tmp_path / "reach_eps.csv").write_text("old")
    with pytest.raises(DarkstrahlError, match=r"holds a scan of another card \(card a\)"):
        ScanDirectory(tmp_path, "bbb", "card b").claim()
    notes = ScanDirectory(tmp_path, "bbb", "card b").claim(force=True)
    assert len(notes) == 1 and "deleted 1 result files" in notes[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([MARKER, "mine.txt"])  # old tasks/ gone


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        ("b1", "dark_higgs"),
        ("ahp_mumu", "ap_hp"),
        ("idm", "idm"),
        ("bkg_mumu", "sm"),
        ("bkg_twophoton", "sm"),
        ("ahp_scan", "analysis"),
        ("idm_scan", "analysis"),
    ],
)
def test_guard_family_of_every_kind_of_card(card: str, expected: str) -> None:
    """Each built-in card gets the guards of its model, and all of them pass on it."""
    c = load_card(card)
    assert guards.family(c) == expected
    guards.check(c)


def test_eps_guard_applies_to_the_new_dark_models() -> None:
    for card in ("ahp_mumu", "idm"):
        with pytest.raises(ParameterError, match="model.eps"):
            guards.check(load_card(card, ["model.eps=0.5"]))


def test_info_refuses_cards_without_a_dark_point(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "bkg_mumu"]) == 2
    assert "darkstrahl xsec" in capsys.readouterr().err
    assert main(["info", "idm_scan"]) == 2
    assert "darkstrahl scan" in capsys.readouterr().err


def test_interrupt_wrapped_by_numba_is_an_interrupt() -> None:
    """A SIGTERM caught inside a numba kernel surfaces as SystemError with the Terminated as its cause."""
    from darkstrahl.cli import _interrupt_cause
    from darkstrahl.signals import Terminated

    wrapped = SystemError("returned a result with an exception set")
    wrapped.__cause__ = Terminated()
    assert isinstance(_interrupt_cause(wrapped), Terminated)
    assert _interrupt_cause(SystemError("other")) is None


def test_parameter_error_survives_a_worker_process() -> None:
    """A ParameterError raised in a scan worker is pickled back to the parent: it must rebuild with its
    fields (else the pool reports BrokenProcessPool with a traceback instead of a one-line error)."""
    import pickle

    err = pickle.loads(pickle.dumps(ParameterError("model.m_hp", "must be < m_Ap", 5.0)))
    assert isinstance(err, ParameterError)
    assert (err.parameter, err.rule, err.value) == ("model.m_hp", "must be < m_Ap", 5.0)
    assert str(err) == "model.m_hp: must be < m_Ap (got 5.0)"


@pytest.mark.parametrize(
    ("card", "override", "key"),
    [
        ("idm_scan", "idm_analysis.m_hp=[-1.0]", "idm_analysis.m_hp"),
        ("idm_scan", "idm_analysis.luminosities=[0.0]", "idm_analysis.luminosities"),
        ("ahp_scan", "ahp.m_Ap=[0.0, 4.0]", "ahp.m_Ap"),
    ],
)
def test_scan_grids_of_masses_and_luminosities_must_be_positive(
    card: str, override: str, key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scan"
    assert main(["scan", card, "-o", str(out), "--set", override]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"darkstrahl: error: {key}: every value must be finite and > 0")
    assert not out.exists()
