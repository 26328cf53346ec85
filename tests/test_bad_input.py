"""Issue 12: the table-driven catalogue of bad inputs (card, command line, file system, signals).

Each case asserts the exit code, the one-line message (``darkstrahl: error: ...`` naming the key or option and
the rule) and that no file is left behind in the working directory. Card, CLI and file-system cases run in
process (``darkstrahl.cli.main``); the signal cases (SIGTERM and SIGKILL during ``generate`` and ``scan``) run
the console script in a subprocess.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from darkstrahl.analysis.checkpoint import Checkpoint
from darkstrahl.analysis.scan import PointKey
from darkstrahl.cli import main

#: a scan of two tasks that takes a few seconds (B1, phi channel, m_A' = 4.5 and 4.8 GeV)
TINY_SCAN = [
    "--set=analysis.benchmarks=['B1']",
    "--set=analysis.channels=['phi']",
    "--set=analysis.m_Ap_min=4.5",
    "--set=analysis.m_Ap_max=4.8",
    "--set=analysis.n_events=500",
    "--set=analysis.theta_points=3",
    "--set=analysis.workers=1",
    "--set=detector.n_copies=5",
]
#: a generation that integrates in ~2 s
FAST_GEN = ["--set=run.n_points=20000", "--set=run.n_pilot=5000", "--set=beams.isr=false"]

BAD_TOML = "[model\nm_Ap = 3\n"
NON_UTF8 = b'[model]\nbenchmark = "B1"\nm_Ap = 6.0\n# \xff\xfe\n'


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _fixtures(tmp: Path) -> None:
    """Files some cases point at (they exist before the case runs, so they do not count as leftovers)."""
    (tmp / "bad.toml").write_text(BAD_TOML)
    (tmp / "latin1.toml").write_bytes(NON_UTF8)
    (tmp / "model5.toml").write_text("model = 5\n")
    (tmp / "unknown_key.toml").write_text('[model]\nbenchmark = "B1"\nm_Ap = 6.0\nmass = 3\n')
    (tmp / "no_mass.toml").write_text('[model]\nbenchmark = "B1"\n')
    (tmp / "exists.lhe").write_text("old\n")
    (tmp / "a_file").write_text("not a directory\n")
    (tmp / "adir").mkdir()
    other = tmp / "other_scan"
    (other / "tasks").mkdir(parents=True)
    (other / ".darkstrahl_scan.json").write_text(
        json.dumps({"card_hash": "0" * 64, "source": "x", "files": []})
    )


# (id, argv, message fragment); {tmp} is the case's working directory; exit code 2 for all
CASES: list[tuple[str, list[str], str]] = [
    # ---- card values and overrides (info) ----
    ("negative-mass", ["info", "b1", "--set", "model.m_Ap=-1"], "model.m_Ap: must be finite and > 0"),
    ("phi-below-table", ["info", "b1", "--set", "model.m_Ap=0.1"], "m_phi: must lie in the range"),
    ("unknown-card", ["info", "nosuchcard"], "neither a file nor a built-in card"),
    ("typo-key", ["info", "b1", "--set", "model.epps=1"], "did you mean 'eps'"),
    ("unknown-section", ["info", "b1", "--set", "modle.eps=1"], "unknown card section"),
    ("override-no-equals", ["info", "b1", "--set", "model.eps"], "expected section.key=value"),
    ("override-two-dots", ["info", "b1", "--set", "a.b.c=1"], "one dot"),
    ("string-for-number", ["info", "b1", "--set", "model.m_Ap='abc'"], "model.m_Ap: expected a number"),
    ("nan-theta", ["info", "b1", "--set", "model.theta=nan"], "model.theta: must be finite"),
    ("theta-above-pi/2", ["info", "b1", "--set", "model.theta=2"], "Higgs mixing angle must be < pi/2"),
    ("lowercase-benchmark", ["info", "b1", "--set", "model.benchmark='b1'"], "must be one of"),
    ("unknown-benchmark", ["info", "b1", "--set", "model.benchmark='B4'"], "must be one of"),
    ("benchmark-and-mass", ["info", "b1", "--set", "model.m_chi=1.0"], "must not be set together"),
    ("hierarchy", ["info", "b1", "--set", "model.benchmark=''"], "must be one of"),
    (
        "bad-prescription",
        ["info", "b1", "--set", "model.phi_widths='foo'"],
        "model.phi_widths: must be one of",
    ),
    ("bad-process", ["info", "b1", "--set", "process.name='nope'"], "process.name: must be one of"),
    ("bad-region", ["info", "b1", "--set", "detector.region='foo'"], "detector.region: must be one of"),
    ("polarization", ["info", "b1", "--set", "beams.pol_em=2"], "beams.pol_em: must lie in [-1, 1]"),
    ("overweight", ["info", "b1", "--set", "run.max_overweight=0.7"], "run.max_overweight: must lie in"),
    ("negative-seed-key", ["info", "b1", "--set", "run.seed=-1"], "run.seed: must be >= 0"),
    ("negative-beam", ["info", "b1", "--set", "beams.e_her=-7"], "beams.e_her: must be finite and > 0"),
    ("list-not-list", ["info", "b1", "--set", "analysis.n_b=3"], "analysis.n_b: expected a non-empty list"),
    # ---- card files ----
    ("invalid-toml", ["info", "{tmp}/bad.toml"], "not valid TOML"),
    ("non-utf8", ["info", "{tmp}/latin1.toml"], "not UTF-8 text"),
    ("card-is-dir", ["info", "{tmp}/adir"], "is a directory, not a card file"),
    ("card-unreadable", ["info", "/proc/self/mem"], "cannot be read"),
    ("model-not-table", ["info", "{tmp}/model5.toml"], "[model] must be a table of keys"),
    ("model-5-plus-set", ["info", "{tmp}/model5.toml", "--set", "model.m_Ap=3"], "[model] must be a table"),
    ("unknown-key-in-file", ["info", "{tmp}/unknown_key.toml"], "unknown key model.mass"),
    ("mass-missing", ["info", "{tmp}/no_mass.toml"], "model.m_Ap: must be set"),
    # ---- physics guards ----
    ("eps-2", ["info", "b1", "--set", "model.eps=2"], "model.eps: kinetic mixing must be < 1"),
    ("eps-0.5", ["info", "b1", "--set", "model.eps=0.5"], "model.eps: must be <= 0.1"),
    ("g_chi-100", ["info", "b1", "--set", "model.g_chi=100"], "model.g_chi: must be <= sqrt(4 pi)"),
    ("q_Phi-g", ["info", "b1", "--set", "model.q_Phi=10"], "model.q_Phi x g'"),
    ("width-1e-30", ["info", "b1", "--set", "process.ap_width=1e-30"], "process.ap_width: must be >= 0.1"),
    ("width-over-mass", ["info", "b1", "--set", "process.ap_width=4"], "Gamma_A'/m_A' = 0.667 > 0.5"),
    ("sqrt-s-1e6", ["info", "b1", "--set", "run.sqrt_s=1e6"], "run.sqrt_s: must be <= 20 GeV"),
    ("pdg-electron", ["info", "b1", "--set", "output.pdg_chi=11"], "output.pdg_chi: 11 is the PDG id of e-"),
    ("pdg-photon", ["info", "b1", "--set", "output.pdg_phi=22"], "output.pdg_phi: 22 is the PDG id of gamma"),
    ("pdg-Z", ["info", "b1", "--set", "output.pdg_Ap=23"], "output.pdg_Ap: 23 is the PDG id of Z0"),
    ("pdg-reserved", ["info", "b1", "--set", "output.pdg_chi=9"], "reserved for Standard-Model particles"),
    ("pdg-negative", ["info", "b1", "--set", "output.pdg_chi=-52"], "output.pdg_chi: must be > 0"),
    ("pdg-duplicate", ["info", "b1", "--set", "output.pdg_chi=54"], "must be three different ids"),
    ("pdg-pion", ["info", "b1", "--set", "output.pdg_chi=211"], "PDG id of pi+"),
    (
        "m_phi_max",
        ["scan", "b1", "-o", "{tmp}/s", "--set", "analysis.m_phi_max=6"],
        "analysis.m_phi_max: must be <=",
    ),
    # ---- command line ----
    ("n-zero", ["generate", "b1", "-n", "0", "-o", "{tmp}/x.lhe"], "-n: the number of events must be > 0"),
    (
        "seed-negative",
        ["generate", "b1", "-n", "5", "--seed", "-1", "-o", "{tmp}/x.lhe"],
        "--seed: must be >= 0",
    ),
    ("xsec-seed-negative", ["xsec", "b1", "--seed", "-3"], "--seed: must be >= 0"),
    ("no-output", ["generate", "b1", "-n", "5"], "output.path: no output file"),
    (
        "below-threshold",
        ["generate", "b1", "-n", "5", "-o", "{tmp}/x.lhe", "--set", "run.sqrt_s=4"],
        "threshold",
    ),
    (
        "bkg-with-isr",
        ["generate", "b1", "-n", "5", "-o", "{tmp}/x.lhe", "--set", "process.name='bkg_phi'"],
        "flat phase-space process 'bkg_phi' has neither",
    ),
    (
        "photon-cut-no-phase-space",
        ["xsec", "b1", "--set", "process.name='gamma_phi'", "--set", "process.e_gamma_min=5.2"],
        "process.e_gamma_min: leaves no phase space",
    ),
    (  # found by benchmarks/sweep_inputs.py: a ZeroDivisionError before (no RAMBO point inside the cuts)
        "bkg-no-point-in-photon-cuts",
        [
            "xsec",
            "b2",
            "--set",
            "process.name='bkg_gamma_phi'",
            "--set",
            "model.m_Ap=0.3339",
            "--set",
            "run.sqrt_s=0.5303",
            "--set",
            "beams.isr=false",
            "--set",
            "run.n_points=4000",
        ],
        "passes the photon cuts",
    ),
    (
        "photon-angles-crossed",
        [
            "xsec",
            "b1",
            "--set",
            "process.name='gamma_phi'",
            "--set",
            "process.theta_gamma_min=100",
            "--set",
            "process.theta_gamma_max=90",
        ],
        "process.theta_gamma_min/max",
    ),
    ("workers-negative", ["scan", "b1", "-o", "{tmp}/s", "--workers", "-1"], "--workers: must be >= 0"),
    ("scan-no-output", ["scan", "b1"], "-o: the scan needs an output directory"),
    ("job-script-local", ["scan", "b1", "--job-script"], "--job-script: needs scheduler.kind"),
    (
        "dask-no-address",
        ["scan", "b1", "-o", "{tmp}/s", "--set", "scheduler.kind='dask'"],
        "scheduler.address",
    ),
    (
        "dask-unreachable",
        [
            "scan",
            "b1",
            "-o",
            "{tmp}/s",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--set",
            "scheduler.connect_timeout=1",
            *TINY_SCAN,
        ],
        "scheduler.address: cannot reach the dask scheduler",
    ),
    # ---- file system (all before any integration) ----
    (
        "output-exists",
        ["generate", "b1", "-n", "5", "-o", "{tmp}/exists.lhe"],
        "exists: refusing to overwrite",
    ),
    ("output-is-dir", ["generate", "b1", "-n", "5", "-o", "{tmp}/adir"], "is a directory; give a file name"),
    ("output-dir-missing", ["generate", "b1", "-n", "5", "-o", "{tmp}/nodir/x.lhe"], "does not exist"),
    ("output-dir-readonly", ["generate", "b1", "-n", "5", "-o", "/sys/x.lhe"], "is not writable"),
    ("disk-space", ["generate", "b1", "-n", "1e12", "-o", "{tmp}/x.lhe"], "GB but only"),
    ("scan-output-is-file", ["scan", "b1", "-o", "{tmp}/a_file"], "is a file; the scan needs a directory"),
    ("scan-output-readonly", ["scan", "b1", "-o", "/sys/darkstrahl_scan"], "is not writable"),
    ("scan-parent-is-file", ["scan", "b1", "-o", "{tmp}/a_file/sub"], "is a file"),
    ("scan-other-card", ["scan", "b1", "-o", "{tmp}/other_scan", *TINY_SCAN], "holds a scan of another card"),
]


@pytest.mark.parametrize(("argv", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fixtures(tmp_path)
    before = _files(tmp_path)
    code = main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip() and "%" not in line]  # progress bars aside
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("darkstrahl: error: "), err
    assert message in lines[0], lines[0]
    assert "Traceback" not in err
    assert _files(tmp_path) == before, "no file may be left behind"


def test_catalogue_size() -> None:
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)


# ------------------------------------------------------------------------- signals (subprocesses)
def _exe() -> str:
    beside = Path(sys.executable).parent / "darkstrahl"
    exe = str(beside) if beside.exists() else shutil.which("darkstrahl")
    assert exe is not None
    return exe


def _start(argv: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [_exe(), *argv], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for(cond, proc: subprocess.Popen[str], timeout: float = 90.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, "timed out waiting for the run to start writing"
        time.sleep(0.05)


def _parts(root: Path) -> list[Path]:
    return [p for p in root.rglob("*.part")]


def test_sigterm_and_sigkill_during_generate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SIGTERM: exit 143, one line, neither the output nor its temporary file left. SIGKILL: the hidden
    .part file stays; the next run writing to the same place removes it and says so. (Both runs at once.)"""
    term, kill = tmp_path / "term", tmp_path / "kill"
    procs = {}
    for d in (term, kill):
        d.mkdir()
        argv = [
            "generate",
            "b1",
            "-n",
            "3000000",
            "-o",
            str(d / "big.lhe"),
            *FAST_GEN,
            "--set=run.chunk_size=1000",
        ]
        procs[d] = _start(argv, d)
    for d, sig in ((term, signal.SIGTERM), (kill, signal.SIGKILL)):
        _wait_for(lambda d=d: bool(_parts(d)), procs[d])
        procs[d].send_signal(sig)
    _, err = procs[term].communicate(timeout=60)
    assert procs[term].returncode == 143, err
    lines = [x for x in err.splitlines() if x.startswith("darkstrahl:")]
    assert lines == ["darkstrahl: terminated (SIGTERM); no partial output file is left"], err
    assert _files(term) == set()
    procs[kill].communicate(timeout=60)
    assert procs[kill].returncode == -signal.SIGKILL
    orphans = _parts(kill)
    assert len(orphans) == 1 and orphans[0].name.startswith(".big.lhe.")
    # the next run to the same place: removes the orphan, reports it, writes its file
    assert main(["generate", "b1", "-n", "5", "-o", str(kill / "big.lhe"), *FAST_GEN]) == 0
    err = capsys.readouterr().err
    assert "temporary file of an earlier run that was killed" in err
    assert _files(kill) == {"big.lhe"}


def test_signals_during_scan_and_corrupted_checkpoints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGTERM during a scan: exit 143, no temporary file. SIGKILL: the next run removes orphaned temporary
    files, resumes and says what it reused; corrupted checkpoints are recomputed, not trusted."""
    term, out = tmp_path / "term", tmp_path / "scan"
    argv = ["scan", "reference_study", "-o", str(out), *TINY_SCAN]
    procs = {d: _start(["scan", "reference_study", "-o", str(d), *TINY_SCAN], tmp_path) for d in (term, out)}
    for d, sig in ((term, signal.SIGTERM), (out, signal.SIGKILL)):
        _wait_for((d / ".darkstrahl_scan.json").exists, procs[d])
        procs[d].send_signal(sig)
    _, err = procs[term].communicate(timeout=60)
    assert procs[term].returncode == 143, err
    assert "terminated (SIGTERM)" in err and "run the same command to resume" in err
    procs[out].communicate(timeout=60)
    assert procs[out].returncode == -signal.SIGKILL
    assert _parts(tmp_path) == []
    # what a SIGKILL during a checkpoint write leaves: a temporary file of a process that no longer exists
    orphan = out / "tasks" / ".B1_4.5000_phi.json.999999999.abcdefgh.part"
    orphan.write_text("{")
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "temporary file of an earlier run that was killed" in err
    assert _parts(tmp_path) == []
    tasks = sorted((out / "tasks").glob("*.json"))
    assert len(tasks) == 2
    first = json.loads((out / "scan.json").read_text())["tasks"]

    # a truncated checkpoint is recomputed (same seed, same numbers), the intact one reused; the run says so
    tasks[0].write_text(tasks[0].read_text()[:50])
    assert main(argv) == 0
    assert "resuming the scan" in (err := capsys.readouterr().err) and "1 of 2 tasks reused" in err
    again = json.loads((out / "scan.json").read_text())["tasks"]
    assert [t["sigma_fb"] for t in again] == [t["sigma_fb"] for t in first]
    # a checkpoint whose numbers were changed fails its checksum and is not trusted
    record = json.loads(tasks[1].read_text())
    record["result"]["sigma_fb"] *= 2.0
    tasks[1].write_text(json.dumps(record))
    digest = json.loads(tasks[0].read_text())["card_hash"]
    assert Checkpoint(out, digest).count_valid([PointKey("B1", 4.5, "phi"), PointKey("B1", 4.8, "phi")]) == 1
