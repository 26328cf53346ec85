"""A run-card key (:class:`Key`: type, default, unit, documentation, rule) and the rules shared by the
sections of :mod:`darkstrahl.runcard.schema`: each returns None or the rule a value breaks."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from darkstrahl.errors import CardError


def positive(v: float) -> str | None:
    return None if v > 0 and math.isfinite(v) else "must be finite and > 0"


def each_positive(values: tuple[float, ...]) -> str | None:
    """Rule of list keys of masses, lifetimes and luminosities: every element finite and > 0."""
    return None if all(v > 0 and math.isfinite(v) for v in values) else "every value must be finite and > 0"


def non_negative_int(v: int) -> str | None:
    return None if v >= 0 else "must be >= 0"


def positive_int(v: int) -> str | None:
    return None if v > 0 else "must be > 0"


def non_negative(v: float) -> str | None:
    return None if v >= 0 and math.isfinite(v) else "must be finite and >= 0"


def at_least_two(v: int) -> str | None:
    return None if v >= 2 else "must be >= 2"


def angle(v: float) -> str | None:
    return None if 0.0 < v < 180.0 else "must lie strictly between 0 and 180 deg"


def polarization(v: float) -> str | None:
    return None if -1.0 <= v <= 1.0 else "must lie in [-1, 1]"


def fraction(v: float) -> str | None:
    return None if 0.0 <= v < 0.5 else "must lie in [0, 0.5)"


@dataclass(frozen=True)
class Key:
    """One card key: its type, default, unit, documentation and rule."""

    type: type
    default: Any
    doc: str
    unit: str = ""
    check: Callable[[Any], str | None] | None = None
    choices: tuple[Any, ...] | None = None
    item: type | None = None  #: element type when ``type`` is list (the value becomes a tuple)
    min_items: int = 1  #: fewest elements of a list

    def validate(self, where: str, value: Any) -> Any:
        """Return ``value`` converted to the key's type, or raise :class:`CardError`."""
        if self.type is list:
            if not isinstance(value, list) or len(value) < self.min_items:
                what = "a non-empty list" if self.min_items else "a list"
                raise CardError(f"{where}: expected {what}, got {type(value).__name__} {value!r}")
            assert self.item is not None
            value = tuple(self._scalar(f"{where}[{i}]", v, self.item) for i, v in enumerate(value))
        else:
            value = self._scalar(where, value, self.type)
        if self.check is not None:
            rule = self.check(value)
            if rule:
                raise CardError(f"{where}: {rule} (got {value!r})")
        return value

    def _scalar(self, where: str, value: Any, typ: type) -> Any:
        if typ is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise CardError(f"{where}: expected a number, got {type(value).__name__} {value!r}")
            value = float(value)
        elif typ is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise CardError(f"{where}: expected an integer, got {type(value).__name__} {value!r}")
        elif not isinstance(value, typ):
            raise CardError(f"{where}: expected {typ.__name__}, got {type(value).__name__} {value!r}")
        if self.choices is not None and value not in self.choices:
            raise CardError(f"{where}: must be one of {list(self.choices)}, got {value!r}")
        return value
