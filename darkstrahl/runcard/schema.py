"""The run-card schema: every section and key with its type, default, unit, documentation and rule.

Choices and defaults are imported from the modules that own them (process names from the process
registry, regions and resolution modes from the detector, executor kinds from the analysis, run numbers
from :class:`~darkstrahl.gen.event_stream.RunSettings`), never written twice.
"""

from __future__ import annotations

from .keys import Key
from .schema_analysis import ANALYSIS_SECTIONS
from .schema_generation import GENERATION_SECTIONS

__all__ = ["SCHEMA", "Key", "explain"]

_SECTIONS = {**GENERATION_SECTIONS, **ANALYSIS_SECTIONS}
_ORDER = ("model", "process", "beams", "run", "detector", "output")
_ORDER += ("scheduler", "idm_analysis", "analysis", "ahp")
#: The card schema: section -> key -> :class:`Key`. Default None means "not set".
SCHEMA: dict[str, dict[str, Key]] = {name: _SECTIONS[name] for name in _ORDER}


def explain() -> str:
    """Human-readable reference of every card key (``darkstrahl cards --explain``)."""
    lines = []
    for section, keys in SCHEMA.items():
        lines.append(f"[{section}]")
        for name, key in keys.items():
            unit = f" [{key.unit}]" if key.unit else ""
            choices = f" one of {list(key.choices)};" if key.choices else ""
            lines.append(f"  {name} ({key.type.__name__}{unit}, default {key.default!r}):{choices} {key.doc}")
        lines.append("")
    return "\n".join(lines)
