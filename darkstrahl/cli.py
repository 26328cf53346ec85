"""The ``darkstrahl`` command line.

Every subcommand reads a run card (a built-in name or a path) with optional ``--set`` overrides.
Errors caused by the input print one line on stderr and exit with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from darkstrahl import __version__
from darkstrahl.gen.errors import DarkstrahlError
from darkstrahl.runcard import builtin_cards, explain, load_card


def _add_card_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("card", help="run card: a built-in name (see 'darkstrahl cards') or a path")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override a card value (repeatable), e.g. --set model.m_Ap=3.0")


def _cmd_info(args: argparse.Namespace) -> int:
    from darkstrahl.info import format_summary, summary

    card = load_card(args.card, args.overrides)
    info = summary(card.model(), card["run"]["sqrt_s"])
    print(json.dumps(info, indent=2) if args.json else format_summary(info))
    return 0


def _cmd_cards(args: argparse.Namespace) -> int:
    if args.explain:
        print(explain())
        return 0
    for name, description in builtin_cards().items():
        print(f"{name:24s} {description}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``darkstrahl`` command."""
    parser = argparse.ArgumentParser(prog="darkstrahl", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"darkstrahl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("info", help="widths, lifetimes and narrow-width cross section of a point")
    _add_card_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON object (GeV, mm, fb)")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("cards", help="list the built-in run cards")
    p.add_argument("--explain", action="store_true", help="document every card key")
    p.set_defaults(func=_cmd_cards)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``darkstrahl`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DarkstrahlError as exc:
        print(f"darkstrahl: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
