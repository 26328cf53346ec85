"""The ``darkstrahl`` command line.

Every subcommand reads a run card (a built-in name or a path) with optional ``--set`` overrides.
Errors caused by the input (and file-system problems: unwritable directories, missing files) print one line
on stderr and exit with code 2; Ctrl-C exits with 130 and SIGTERM with 143 (darkstrahl.signals), after
deleting the partial output file. Output paths and free disk space are checked before any integration
(darkstrahl.preflight); the physics guards (darkstrahl.runcard.guards) run on every card.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from darkstrahl import __version__
from darkstrahl.errors import CardError, DarkstrahlError
from darkstrahl.gen.event_stream import Generator
from darkstrahl.progress import ProgressBar
from darkstrahl.runcard import Card, build, builtin_cards, explain, guards, load_card
from darkstrahl.signals import EXIT_SIGINT, EXIT_SIGPIPE, EXIT_SIGTERM, Terminated, terminate_as_interrupt

if TYPE_CHECKING:
    from darkstrahl.analysis.scan_dir import ScanDirectory


def _load(args: argparse.Namespace) -> Card:
    """The card of ``args`` with its overrides, checked by the physics guards (runcard/guards.py)."""

    card = load_card(args.card, args.overrides)
    guards.check(card)
    return card


def _add_card_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("card", help="run card: a built-in name (see 'darkstrahl cards') or a path")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override a card value (repeatable), e.g. --set model.m_Ap=3.0",
    )


def _cmd_info(args: argparse.Namespace) -> int:
    from darkstrahl.gen.ap_hp_model import ApHpModel
    from darkstrahl.info import format_summary, summary

    card = _load(args)
    kind = guards.family(card)
    if kind in ("sm", "analysis"):
        hint = "'darkstrahl xsec' gives its cross section" if kind == "sm" else "'darkstrahl scan' runs it"
        raise CardError(
            f"info: {card.source} has no dark-sector point to summarize (process "
            f"{card['process']['name']!r}, analysis.kind {card['analysis']['kind']!r}); {hint}"
        )
    if card["model"]["kind"] == "idm":
        from darkstrahl.idm_info import format_idm_summary, idm_card_summary

        info = idm_card_summary(card)
        print(json.dumps(info, indent=2) if args.json else format_idm_summary(info))
        return 0
    model = build.model(card)
    if isinstance(model, ApHpModel):  # A'h' (seed 000): widths, BR(A' -> mu mu), sigma x BR, f_L
        info = model.summary(build.sqrt_s(card))
        print(json.dumps(info, indent=2) if args.json else "\n".join(f"{k} = {v}" for k, v in info.items()))
        return 0
    info = summary(model, build.sqrt_s(card))
    print(json.dumps(info, indent=2) if args.json else format_summary(info))
    return 0


def _generator(args: argparse.Namespace) -> tuple[Card, int, Generator]:
    from darkstrahl.gen.generator import make_generator

    card = _load(args)
    seed = card["run"]["seed"] if args.seed is None else args.seed
    if seed < 0:
        raise CardError("--seed: must be >= 0")
    return card, seed, make_generator(build.process(card), seed, build.run_settings(card))


def _cmd_xsec(args: argparse.Namespace) -> int:
    from darkstrahl.gen.flat_background import FlatGenerator
    from darkstrahl.gen.generator import EventGenerator, make_generator
    from darkstrahl.gen.isr_process import IsrProcess

    _card, seed, gen = _generator(args)
    with ProgressBar(gen.setup_work(pilot=False), "integrate") as bar:
        est = gen.cross_section(bar.update)
    proc = gen.process
    result: dict[str, object] = {
        "process": proc.name,
        "sigma_fb": est.mean,
        "sigma_err_fb": est.error,
        "n_points": est.n,
        "seed": seed,
        "sqrt_s_GeV": proc.sqrt_s,
        **proc.summary(),
    }
    if isinstance(proc, IsrProcess):  # the Born cross section beside the ISR-dressed one, same seed
        born_gen = make_generator(proc.hard, seed, gen.settings)
        with ProgressBar(born_gen.setup_work(pilot=False), "Born") as bar:
            born = born_gen.cross_section(bar.update)
        result |= {"sigma_born_fb": born.mean, "sigma_born_err_fb": born.error}
    else:  # without ISR the cross section is the Born one
        result |= {"sigma_born_fb": est.mean, "sigma_born_err_fb": est.error, "isr": False}
    if isinstance(gen, FlatGenerator):
        assert gen.volume is not None
        result |= {
            "phase_space_volume": gen.volume.mean,
            "phase_space_volume_err": gen.volume.error,
            "matrix_element_squared": gen.matrix_element_squared,
        }
    elif isinstance(gen, EventGenerator):
        channels = [c.name for c in gen.process.phase_space.channels]
        result["channel_weights"] = dict(zip(channels, gen.sampler.alphas.tolist(), strict=True))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        isr = " with ISR" if result.get("isr") else ""
        print(
            f"process {result['process']} at sqrt(s) = {proc.sqrt_s:g} GeV: sigma{isr} = "
            f"{est.mean:.6g} +- {est.error:.2g} fb ({est.n} points, seed {seed})"
        )
        if isr:
            born, err = result["sigma_born_fb"], result["sigma_born_err_fb"]
            print(f"Born (no ISR): sigma = {born:.6g} +- {err:.2g} fb")
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from darkstrahl.events_out import EventWriterConfig, particles_per_event, write_events
    from darkstrahl.preflight import check_output_file

    card = _load(args)
    out = card["output"]
    path = args.output or out["path"]
    if path is None:
        raise CardError("output.path: no output file (give -o FILE or set output.path)")
    seed = card["run"]["seed"] if args.seed is None else args.seed
    if seed < 0:
        raise CardError("--seed: must be >= 0")
    n = card["run"]["n_events"] if args.n is None else args.n
    if n <= 0:
        raise CardError("-n: the number of events must be > 0")
    config = EventWriterConfig.from_card(card, fmt=args.format, frame=args.frame, path=path)
    checked = check_output_file(path, args.force, n, particles_per_event(card))
    for note in checked.notes():
        print(f"darkstrahl: {note}", file=sys.stderr)
    summary = write_events(card, path, n, seed, config, force=args.force, progress=ProgressBar)
    print(summary)
    return 0


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


def _cmd_scan(args: argparse.Namespace) -> int:
    import time

    from darkstrahl import __version__ as version
    from darkstrahl.analysis import plots
    from darkstrahl.analysis.checkpoint import Checkpoint
    from darkstrahl.analysis.executors import make_executor
    from darkstrahl.analysis.output import write_record, write_tables
    from darkstrahl.analysis.scan import run_scan
    from darkstrahl.analysis.scan_dir import ScanDirectory
    from darkstrahl.preflight import check_scan_dir

    card = _load(args)
    if args.workers is not None and args.workers < 0:
        raise CardError(f"--workers: must be >= 0 (0: all cores), got {args.workers}")
    if card["analysis"]["kind"] == "ahp":  # the A'h' search (issue 15)
        from darkstrahl.analysis.ahp_run import run_ahp_command

        return run_ahp_command(card, args, _claim_scan_dir)
    if card["analysis"]["kind"] == "idm":  # issue 16 part 5: the iDM displaced-vertex analysis
        return _cmd_idm_scan(card, args)
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


def _cmd_idm_scan(card: Card, args: argparse.Namespace) -> int:
    from darkstrahl.analysis.executors import make_executor
    from darkstrahl.analysis.idm_run import run_idm_scan_cli, settings_from_card

    settings_from_card(card)  # bad [idm_analysis] values are refused before the output directory is touched

    sched = build.scheduler(card, address=args.scheduler, workers=args.workers)
    if args.job_script:
        return print_job_script(sched)
    scan_dir = _claim_scan_dir(card, args)
    local_serial = sched.kind == "local" and (sched.workers or os.cpu_count() or 1) <= 1
    executor = None if local_serial else make_executor(sched)
    return run_idm_scan_cli(card, scan_dir.directory, executor, ProgressBar, scan_dir)


def _claim_scan_dir(card: Card, args: argparse.Namespace) -> ScanDirectory:
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


def _cmd_cards(args: argparse.Namespace) -> int:
    if args.explain:
        print(explain())
        return 0
    for name, description in builtin_cards().items():
        print(f"{name:24s} {description}")
    return 0


def _count(text: str) -> int:
    """An event count: an integer, also written as 1e6 or 1_000_000."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of events, got {text!r}") from None
    if not value.is_integer():
        raise argparse.ArgumentTypeError(f"expected a whole number of events, got {text!r}")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``darkstrahl`` command."""
    parser = argparse.ArgumentParser(prog="darkstrahl", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"darkstrahl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("info", help="widths, lifetimes and narrow-width cross section of a point")
    _add_card_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON object (GeV, mm, fb)")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("xsec", help="cross section of the card's process with its Monte Carlo error")
    _add_card_args(p)
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the card's run.seed)")
    p.add_argument("--json", action="store_true", help="print one JSON object (fb)")
    p.set_defaults(func=_cmd_xsec)

    p = sub.add_parser("generate", help="generate events into an LHE or HepMC3 file")
    _add_card_args(p)
    p.add_argument(
        "-n",
        type=_count,
        default=None,
        help="number of events, e.g. 10000 or 1e4 (default: the card's run.n_events)",
    )
    p.add_argument("-o", "--output", default=None, help="output file (default: output.path)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the card's run.seed)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument(
        "--frame",
        choices=("cm", "lab"),
        default=None,
        help="centre-of-mass frame (e- along +z) or the Belle II lab frame (default: output.frame)",
    )
    p.add_argument(
        "--format",
        choices=("lhe", "hepmc3"),
        default=None,
        help="event file format (default: output.format; a path ending in .gz gzips LHE)",
    )
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("scan", help="sensitivity scan: efficiency table, eps and theta reach, plots")
    _add_card_args(p)
    p.add_argument("-o", "--output", default=None, help="output directory (checkpoints in DIR/tasks)")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: the card's)")
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run the tasks on this dask scheduler (tcp://host:8786) instead of [scheduler]",
    )
    p.add_argument(
        "--job-script",
        action="store_true",
        help="print the batch job script of a slurm/htcondor [scheduler] and exit",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="reuse an output directory written by a scan of another card (its old results are deleted)",
    )
    p.set_defaults(func=_cmd_scan)

    p = sub.add_parser("cards", help="list the built-in run cards")
    p.add_argument("--explain", action="store_true", help="document every card key")
    p.set_defaults(func=_cmd_cards)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``darkstrahl`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        with terminate_as_interrupt():
            return args.func(args)
    except DarkstrahlError as exc:
        print(f"darkstrahl: error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (darkstrahl info b1 | head): stop quietly
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the interpreter flushes stdout at exit
        return EXIT_SIGPIPE
    except OSError as exc:  # the file system or the network refused (after the pre-flight checks)
        where = f": {exc.filename!r}" if exc.filename else ""
        print(f"darkstrahl: error: {exc.strerror or _one_line(str(exc))}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        return _interrupted(args, exc)
    except SystemError as exc:  # a signal caught inside a numba kernel comes back as a SystemError
        cause = _interrupt_cause(exc)
        if cause is None:
            raise
        return _interrupted(args, cause)


def _interrupt_cause(exc: BaseException) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt (Ctrl-C or :class:`Terminated`) in the cause chain of ``exc``, if any."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return None


def _interrupted(args: argparse.Namespace, exc: KeyboardInterrupt) -> int:
    """One line for an interrupted command; the exit code 130 (SIGINT) or 143 (SIGTERM)."""
    note = ""
    if args.command == "scan":
        note = " (finished scan tasks are kept: run the same command to resume)"
    what, code = (
        ("terminated (SIGTERM)", EXIT_SIGTERM)
        if isinstance(exc, Terminated)
        else ("interrupted", EXIT_SIGINT)
    )
    print(f"darkstrahl: {what}{note}; no partial output file is left", file=sys.stderr)
    return code


def _one_line(text: str) -> str:
    """``text`` on one line (TOML parser messages and the like span several)."""
    return " ".join(text.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
