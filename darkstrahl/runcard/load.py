"""Reading run cards: TOML files or built-in names, validated against :mod:`.schema`, with overrides.

A card has sections (``[model]``, ``[process]``, ``[beams]``, ``[run]``, ``[detector]``, ``[output]``,
``[scheduler]``, ``[analysis]``); unknown sections or keys, wrong types and values that break a rule are
errors naming the key (and the closest valid key). Built-in cards ship as package data in ``darkstrahl.cards``
and are addressed by name (``b1``) or path. Overrides use dotted keys, ``section.key=value``, with the value
parsed as a TOML value (``--set model.m_Ap=3.0 --set model.benchmark=B2``).
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from darkstrahl.errors import CardError

from .schema import SCHEMA, Key

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


def _closest(name: str, options: Iterable[str]) -> str:
    match = difflib.get_close_matches(name, list(options), n=1, cutoff=0.5)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _check_key(section: str, key: str) -> Key:
    if section not in SCHEMA:
        raise CardError(
            f"unknown card section [{section}]{_closest(section, SCHEMA)}; valid sections: {sorted(SCHEMA)}"
        )
    keys = SCHEMA[section]
    if key not in keys:
        raise CardError(
            f"unknown key {section}.{key}{_closest(key, keys)}; valid keys of [{section}]: {sorted(keys)}"
        )
    return keys[key]


@dataclass(frozen=True)
class Card:
    """A validated run card: every key of :data:`~.schema.SCHEMA` has a value (None = not set).

    ``source`` is the card's name or path, ``text`` its TOML text and ``overrides`` the
    ``section.key=value`` strings applied on top (all three are written into event headers). The objects a
    card describes are built by :mod:`.build`.
    """

    values: Mapping[str, Mapping[str, Any]]
    source: str = "<dict>"
    text: str = ""
    overrides: tuple[str, ...] = field(default_factory=tuple)

    def __getitem__(self, section: str) -> Mapping[str, Any]:
        return self.values[section]

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """Plain nested dictionary of every value (for JSON output)."""
        return {s: dict(v) for s, v in self.values.items()}


def validate(
    raw: Mapping[str, Any], source: str = "<dict>", text: str = "", overrides: tuple[str, ...] = ()
) -> Card:
    """Check a parsed card against :data:`SCHEMA`, fill defaults, and return a :class:`Card`."""
    values = {s: {k: key.default for k, key in keys.items()} for s, keys in SCHEMA.items()}
    for section, content in raw.items():
        if section not in SCHEMA:
            _check_key(section, "")  # raises: unknown section, with the closest one
        if not isinstance(content, Mapping):
            raise CardError(f"[{section}] must be a table of keys, got {content!r}")
        for key, value in content.items():
            spec = _check_key(section, key)
            values[section][key] = spec.validate(f"{section}.{key}", value)
    return Card(values=values, source=source, text=text, overrides=overrides)


def parse_override(item: str) -> tuple[str, str, Any]:
    """Split ``section.key=value`` into its parts; the value is parsed as TOML (else a string)."""
    if "=" not in item:
        raise CardError(f"override {item!r}: expected section.key=value")
    lhs, rhs = item.split("=", 1)
    if lhs.count(".") != 1:
        raise CardError(f"override {item!r}: expected section.key=value (one dot)")
    section, key = (p.strip() for p in lhs.split("."))
    spec = _check_key(section, key)
    try:
        value = tomllib.loads(f"v = {rhs.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = rhs.strip()
    if spec.type is str and not isinstance(value, str):
        value = rhs.strip()  # e.g. a wall time 02:00:00, which TOML reads as a time of day
    return section, key, value


def builtin_cards() -> dict[str, str]:
    """Built-in cards: name -> first comment line (their description)."""
    out = {}
    for entry in sorted(resources.files("darkstrahl.cards").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            first = entry.read_text().splitlines()[0] if entry.read_text() else ""
            out[entry.name[:-5]] = first.lstrip("# ").strip()
    return out


def read_card_text(name_or_path: str | Path) -> tuple[str, str]:
    """(source label, TOML text) of a card file or a built-in card name."""
    path = Path(name_or_path)
    if path.is_dir():
        raise CardError(f"card {str(path)!r} is a directory, not a card file")
    if path.is_file():
        try:
            return str(path), path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CardError(
                f"card {str(path)!r}: not UTF-8 text (byte {exc.start}); save it as UTF-8"
            ) from None
        except OSError as exc:
            raise CardError(f"card {str(path)!r}: cannot be read ({exc.strerror})") from None
    name = str(name_or_path).lower().removesuffix(".toml")
    entry = resources.files("darkstrahl.cards").joinpath(f"{name}.toml")
    if entry.is_file():
        return f"builtin:{name}", entry.read_text()
    raise CardError(
        f"card {str(name_or_path)!r} is neither a file nor a built-in card "
        f"(built-in: {', '.join(builtin_cards())})"
    )


def load_card(name_or_path: str | Path, overrides: Iterable[str] = ()) -> Card:
    """Read, parse and validate a card, then apply ``section.key=value`` overrides."""
    source, text = read_card_text(name_or_path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CardError(f"{source}: not valid TOML: {exc}") from None
    overrides = tuple(overrides)
    for item in overrides:
        section, key, value = parse_override(item)
        table = raw.setdefault(section, {})
        if not isinstance(table, dict):
            raise CardError(
                f"{source}: [{section}] must be a table of keys, got {table!r} (override {item!r})"
            )
        table[key] = value
    return validate(raw, source=source, text=text, overrides=overrides)
