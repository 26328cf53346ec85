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

from darkstrahl import __version__
from darkstrahl.errors import CardError, DarkstrahlError
from darkstrahl.gen.event_stream import Generator
from darkstrahl.progress import ProgressBar
from darkstrahl.runcard import Card, build, builtin_cards, explain, guards
from darkstrahl.scan_command import cmd_scan
from darkstrahl.signals import EXIT_SIGINT, EXIT_SIGPIPE, EXIT_SIGTERM, Terminated, terminate_as_interrupt


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

    card = guards.checked_card(args.card, args.overrides)
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

    card = guards.checked_card(args.card, args.overrides)
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

    card = guards.checked_card(args.card, args.overrides)
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
    p.set_defaults(func=cmd_scan)

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
