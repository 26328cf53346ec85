"""Run cards: TOML files with a fixed, documented schema (:mod:`.schema`), read and validated by
:mod:`.load`, turned into models, processes, detectors and settings by :mod:`.build`."""

from darkstrahl.errors import CardError

from . import build
from .load import Card, builtin_cards, load_card, parse_override, read_card_text, validate
from .schema import SCHEMA, Key, explain

__all__ = [
    "SCHEMA",
    "Card",
    "CardError",
    "Key",
    "build",
    "builtin_cards",
    "explain",
    "load_card",
    "parse_override",
    "read_card_text",
    "validate",
]
