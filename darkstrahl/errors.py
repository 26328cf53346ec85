"""Exception types of darkstrahl.

Every error caused by user input derives from :class:`DarkstrahlError`; the command line
turns these into a one-line message and exit code 2. Messages name the offending
parameter and the rule it violates.
"""

from __future__ import annotations


class DarkstrahlError(Exception):
    """Base class of all errors caused by user input."""


class ParameterError(DarkstrahlError, ValueError):
    """A physics parameter violates a rule (e.g. ``m_phi < m_chi``)."""

    def __init__(self, parameter: str, rule: str, value: object = None) -> None:
        self.parameter = parameter
        self.rule = rule
        self.value = value
        shown = "" if value is None else f" (got {value!r})"
        super().__init__(f"{parameter}: {rule}{shown}")

    def __reduce__(self) -> tuple:
        """Rebuild from the three fields: an error raised in a scan worker process reaches the command line
        as this error (the default pickling passes only the message and fails for this signature)."""
        return (type(self), (self.parameter, self.rule, self.value))


class CardError(DarkstrahlError, ValueError):
    """A run card (or an override) is invalid: the message names the key and the rule."""
