"""Scans beyond one process (issue 8): identical results on every executor, checkpoint and resume, the
corrupt-file and changed-card cases."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from darkstrahl.analysis import scan as scan_module
from darkstrahl.analysis.checkpoint import Checkpoint, card_hash
from darkstrahl.analysis.output import write_tables
from darkstrahl.analysis.scan import PointKey, ScanSettings, run_scan
from darkstrahl.cli import main
from darkstrahl.detector.belle2 import Belle2
from darkstrahl.gen.sampler import SamplerSettings
from darkstrahl.gen.signal_process import GenerationCuts

KEYS = [PointKey("B1", m, ch) for m in (4.5, 6.0) for ch in ("phi", "gamma_phi")]


def small_settings() -> ScanSettings:
    return ScanSettings(
        couplings={"g_chi": 1.0, "eps": 1e-4, "theta": 1.27e-4, "q_Phi": 2.0},
        sqrt_s=10.58,
        detector=Belle2(n_copies=5),
        cuts=GenerationCuts(),
        n_events=3000,
        sampler=SamplerSettings(n_iterations=2, n_per_iteration=4000),
        theta_grid=tuple(np.logspace(-7, -0.5, 12)),
    )


def tables(results: list, tmp: Path) -> dict[str, bytes]:
    tmp.mkdir(parents=True, exist_ok=True)
    return {p.name: p.read_bytes() for p in write_tables(tmp, results, small_settings())}


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return tables(run_scan(KEYS, small_settings()), tmp_path_factory.mktemp("serial"))


def test_local_pool_gives_identical_tables(serial: dict[str, bytes], tmp_path: Path) -> None:
    with ProcessPoolExecutor(max_workers=2) as pool:
        res = run_scan(KEYS, small_settings(), executor=pool)
    assert tables(res, tmp_path) == serial


def test_dask_local_cluster_gives_identical_tables(serial: dict[str, bytes], tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cl,
        distributed.Client(cl) as client,
    ):
        res = run_scan(KEYS, small_settings(), executor=client.get_executor())
    assert tables(res, tmp_path) == serial


def test_killed_scan_resumes_to_the_same_table(serial: dict[str, bytes], tmp_path: Path) -> None:
    ck = Checkpoint(tmp_path / "scan", card_hash({"test": 1}, "0"))
    done = []

    def kill_after_two(n: int) -> None:
        done.append(n)
        if len(done) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_scan(KEYS, small_settings(), progress=kill_after_two, checkpoint=ck)
    assert len(list(ck.directory.glob("*.json"))) == 2  # the finished tasks survive
    calls = []
    original = scan_module.run_point

    def counting(key: PointKey, settings: ScanSettings) -> object:
        calls.append(key)
        return original(key, settings)

    scan_module.run_point = counting  # type: ignore[assignment]
    try:
        res = run_scan(KEYS, small_settings(), checkpoint=ck)
    finally:
        scan_module.run_point = original  # type: ignore[assignment]
    assert len(calls) == 2  # only the two missing tasks ran again
    assert tables(res, tmp_path / "t") == serial


def test_corrupt_and_foreign_task_files_are_recomputed(serial: dict[str, bytes], tmp_path: Path) -> None:
    ck = Checkpoint(tmp_path / "scan", card_hash({"test": 2}, "0"))
    run_scan(KEYS, small_settings(), checkpoint=ck)
    files = sorted(ck.directory.glob("*.json"))
    files[0].write_text(files[0].read_text()[:100])  # truncated
    record = json.loads(files[1].read_text())
    record["result"]["sigma_fb"] *= 2  # silently altered: fails the checksum
    files[1].write_text(json.dumps(record))
    assert ck.load(KEYS[0]) is None or ck.load(KEYS[1]) is None
    res = run_scan(KEYS, small_settings(), checkpoint=ck)
    assert tables(res, tmp_path / "t") == serial
    # another card: nothing of the old directory is used
    other = Checkpoint(tmp_path / "scan", card_hash({"test": 3}, "0"))
    assert all(other.load(k) is None for k in KEYS)


def test_cli_scan_resumes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "scan",
        "reference_study",
        "-o",
        str(tmp_path),
        "--workers",
        "1",
        "--set",
        'analysis.benchmarks=["B1"]',
        "--set",
        "analysis.m_Ap_min=4.5",
        "--set",
        "analysis.m_Ap_max=4.5",
        "--set",
        "analysis.n_events=2000",
        "--set",
        "analysis.theta_points=8",
        "--set",
        "detector.n_copies=3",
    ]
    assert main(args) == 0
    first = (tmp_path / "efficiency_table.csv").read_bytes()
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "tasks").glob("*.json")}
    assert len(stamps) == 2
    assert main(args) == 0  # every task is loaded from its checkpoint
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "tasks").glob("*.json")} == stamps
    assert (tmp_path / "efficiency_table.csv").read_bytes() == first
    changed = [*args, "--set", "analysis.luminosity=20.0"]
    assert main(changed) == 2  # another card in the same directory: refused (issue 12 item 5) ...
    assert "holds a scan of another card" in capsys.readouterr().err
    assert (
        main([*changed, "--force"]) == 0
    )  # ... unless --force, which deletes the old results and recomputes
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "tasks").glob("*.json")} != stamps
    capsys.readouterr()


def test_batch_job_scripts(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("dask_jobqueue")
    assert (
        main(
            [
                "scan",
                "reference_study",
                "--set",
                "scheduler.kind=slurm",
                "--set",
                "scheduler.queue=short",
                "--set",
                'scheduler.extra_directives=["--account=belle2"]',
                "--job-script",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "#SBATCH -p short" in out and "#SBATCH --account=belle2" in out and "#SBATCH -t 01:00:00" in out
    assert (
        main(
            [
                "scan",
                "reference_study",
                "--set",
                "scheduler.kind=htcondor",
                "--set",
                "scheduler.walltime=02:00:00",
                "--job-script",
            ]
        )
        == 0
    )
    assert "+MaxRuntime = 7200" in capsys.readouterr().out
    assert main(["scan", "reference_study", "--job-script"]) == 2  # local: no job script
    assert main(["scan", "reference_study", "--set", "scheduler.kind=dask"]) == 2  # needs an address
    assert "scheduler.address" in capsys.readouterr().err
