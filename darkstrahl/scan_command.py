"""``darkstrahl scan``: the reference sensitivity scan, the A'h' search (``analysis.kind = "ahp"``) and the
iDM displaced-vertex analysis (``analysis.kind = "idm"``) of a card, each in an output directory it owns
(:class:`~darkstrahl.analysis.scan_dir.ScanDirectory`), resumable from its task checkpoints.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from darkstrahl.errors import CardError
from darkstrahl.progress import ProgressBar
from darkstrahl.runcard import Card, build, guards

if TYPE_CHECKING:
    from darkstrahl.analysis.scan_dir import ScanDirectory


def print_job_script(sched: object) -> int:
    """``darkstrahl scan --job-script``: print the batch job script of a slurm/htcondor scheduler."""
    from darkstrahl.analysis.executors import jobqueue_cluster

    if sched.kind not in ("slurm", "htcondor"):  # type: ignore[attr-defined]
        raise CardError("--job-script: needs scheduler.kind = 'slurm' or 'htcondor'")
    cluster = jobqueue_cluster(sched)  # type: ignore[arg-type]
    try:
        print(cluster.job_script())
    finally:
        cluster.close()
    return 0


def cmd_scan(args: argparse.Namespace) -> int:

    from darkstrahl import __version__ as version
    from darkstrahl.analysis import plots
    from darkstrahl.analysis.checkpoint import Checkpoint
    from darkstrahl.analysis.executors import make_executor
    from darkstrahl.analysis.output import write_record, write_tables
    from darkstrahl.analysis.scan import run_scan
    from darkstrahl.analysis.scan_dir import ScanDirectory
    from darkstrahl.preflight import check_scan_dir

    card = guards.checked_card(args.card, args.overrides)
    if args.workers is not None and args.workers < 0:
        raise CardError(f"--workers: must be >= 0 (0: all cores), got {args.workers}")
    if card["analysis"]["kind"] in ("ahp", "idm"):  # the A'h' search (issue 15), the iDM analysis (issue 16)
        return _search_scan(card, args)
    guards.check_scan(card)
    settings = build.scan_settings(card)
    keys = build.scan_keys(card)
    sched = build.scheduler(card, address=args.scheduler, workers=args.workers)
    if args.job_script:
        return print_job_script(sched)
    if args.output is None:
        raise CardError("-o: the scan needs an output directory")
    outdir = Path(args.output)
    check_scan_dir(outdir)
    scan_dir = ScanDirectory(outdir, build.scan_hash(card), card.source)

    def run(executor: object) -> list:
        """Claim the directory (after the executor is up: an unreachable scheduler leaves nothing behind),
        report what a resumed scan reuses, run the tasks."""
        for note in scan_dir.claim(force=args.force):
            print(f"darkstrahl: {note}", file=sys.stderr)
        checkpoint = Checkpoint(outdir, build.scan_hash(card))
        reused = checkpoint.count_valid(keys)
        if reused:
            print(
                f"darkstrahl: resuming the scan in {str(outdir)!r}: {reused} of {len(keys)} tasks "
                f"reused from {checkpoint.directory}",
                file=sys.stderr,
            )
        with ProgressBar(len(keys), "scan") as bar:
            return run_scan(keys, settings, executor=executor, progress=bar.update, checkpoint=checkpoint)

    start = time.perf_counter()
    if sched.kind == "local" and (sched.workers or os.cpu_count() or 1) <= 1:
        where = "1 local process"
        results = run(None)
    else:
        with make_executor(sched) as (executor, where):
            results = run(executor)
    workers = where
    wall = time.perf_counter() - start
    files = write_tables(outdir, results, settings)
    lumi = settings.luminosity_ab
    files += plots.plot_cross_sections(results, outdir, lumi, settings.eps)
    gamma = [r for r in results if r.key.channel == "gamma_phi"]
    if gamma:
        ref = min(
            gamma, key=lambda r: abs(r.key.m_Ap - build.model(card).m_Ap) + 100 * (r.key.benchmark != "B1")
        )
        files += plots.plot_dalitz(ref, outdir, lumi, settings.sqrt_s)
    files += plots.plot_regime_map(outdir, lumi, settings.sqrt_s, settings.cuts.e_min)
    shown = []
    for channel in ("phi", "gamma_phi"):
        cands = [r for r in results if r.key.channel == channel]
        if cands:
            shown.append(
                min(
                    cands,
                    key=lambda r: (
                        abs(r.key.m_Ap - build.model(card).m_Ap)
                        + 100 * (r.key.benchmark != (build.model(card).benchmark or "B1"))
                    ),
                )
            )
    if len(shown) == 2:
        files += plots.plot_distributions(shown, outdir, lumi)
    files += plots.plot_reach(
        results, outdir, lumi, settings.theta_for_eps_reach, settings.eps_for_theta_reach
    )
    if len({n for r in results for n in r.eps_reach}) > 1:
        files += plots.plot_reach_ratio(results, outdir, lumi)
    record = {
        "card": card.as_dict(),
        "card_source": card.source,
        "card_text": card.text,
        "overrides": card.overrides,
        "version": version,
        "seed": settings.seed,
        "seeds": "numpy SeedSequence(seed, spawn_key=(crc32(key),))",
        "n_events_per_sample": settings.n_events,
        "n_points": len(keys),
        "workers": workers,
        "wall_time_s": wall,
        "sqrt_s_GeV": settings.sqrt_s,
        "luminosity_ab": lumi,
        "tasks": [
            {
                "key": r.key.label,
                "sigma_fb": r.sigma_fb,
                "sigma_err_fb": r.sigma_err_fb,
                "ctau_mm": r.ctau_mm,
                "n_events": r.n_events,
            }
            for r in results
        ],
    }
    files.append(write_record(outdir, record))
    scan_dir.finish(files)
    print(f"scan: {len(keys)} tasks in {wall:.1f} s on {where}; wrote {len(files)} files to {outdir}")
    return 0


def _search_scan(card: Card, args: argparse.Namespace) -> int:
    """The A'h' (``analysis.kind = "ahp"``) or iDM (``"idm"``) search of a card: its own card section is
    validated before the output directory is touched, then the directory is claimed and the points run."""
    from darkstrahl.analysis.executors import make_executor

    workers = args.workers
    if card["analysis"]["kind"] == "ahp":
        from darkstrahl.analysis.ahp_run import run_ahp_scan_cli as run
        from darkstrahl.analysis.ahp_run import settings_from_card

        workers = card["ahp"]["workers"] if workers is None else workers
    else:
        from darkstrahl.analysis.idm_run import run_idm_scan_cli as run
        from darkstrahl.analysis.idm_run import settings_from_card
    settings_from_card(card)
    sched = build.scheduler(card, address=args.scheduler, workers=workers)
    if args.job_script:
        return print_job_script(sched)
    scan_dir = claim_scan_dir(card, args)
    local_serial = sched.kind == "local" and (sched.workers or os.cpu_count() or 1) <= 1
    return run(card, scan_dir, None if local_serial else make_executor(sched), ProgressBar)


def claim_scan_dir(card: Card, args: argparse.Namespace) -> ScanDirectory:
    """The output directory ``-o`` of a scan, claimed for this card (issue 12 item 5): another card's scan
    there is refused unless ``--force``; notes (deleted files, orphans removed) go to stderr."""
    from darkstrahl.analysis.scan_dir import ScanDirectory
    from darkstrahl.preflight import check_scan_dir

    if args.output is None:
        raise CardError("-o: the scan needs an output directory")
    outdir = Path(args.output)
    check_scan_dir(outdir)
    scan_dir = ScanDirectory(outdir, build.scan_hash(card), card.source)
    for note in scan_dir.claim(force=args.force):
        print(f"darkstrahl: {note}", file=sys.stderr)
    return scan_dir
