"""Checkpoints of a scan: one file per finished task, written atomically into the scan directory.

``DIR/tasks/<benchmark>_<m_Ap>_<channel>.json`` holds the task's
:class:`~darkstrahl.analysis.scan.PointResult` with the hash of the scan's card and a SHA-256 of its own
payload. A rerun of the same command skips every task whose file is valid for the current card; a file that
does not parse, fails its checksum, belongs to another card or another task is recomputed (and
overwritten). A killed scan therefore loses only the tasks that were running.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from darkstrahl.files import atomic_output

from .scan import PointKey, PointResult

#: 2: the gamma-phi sqrt(|v|) response is the quadrature of issue 17; task files of the copy method are
#: recomputed, never mixed with new ones.
FORMAT_VERSION = 2


def card_hash(values: dict[str, Any], version: str) -> str:
    """SHA-256 of everything that determines a scan's results: the card values (without the executor
    settings) and the package version."""
    payload = json.dumps({"card": values, "version": version}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _encode(res: PointResult) -> dict[str, Any]:
    return {
        "key": [res.key.benchmark, res.key.m_Ap, res.key.channel],
        "m_phi": res.m_phi,
        "m_chi": res.m_chi,
        "sigma_fb": res.sigma_fb,
        "sigma_err_fb": res.sigma_err_fb,
        "ctau_mm": res.ctau_mm,
        "edges": res.edges.tolist(),
        "signal_hist": res.signal_hist.tolist(),
        "background_unit": res.background_unit.tolist(),
        "rows": res.rows,
        "eps_reach": [[k, v] for k, v in res.eps_reach.items()],
        "theta_region": [[k, *v] for k, v in res.theta_region.items()],
        "windows": [[k, *v] for k, v in res.windows.items()],
        "dalitz": None if res.dalitz is None else res.dalitz.tolist(),
        "dalitz_edges": None if res.dalitz_edges is None else [e.tolist() for e in res.dalitz_edges],
        "n_events": res.n_events,
    }


def _decode(d: dict[str, Any]) -> PointResult:
    bench, m, channel = d["key"]
    return PointResult(
        key=PointKey(bench, float(m), channel),
        m_phi=d["m_phi"],
        m_chi=d["m_chi"],
        sigma_fb=d["sigma_fb"],
        sigma_err_fb=d["sigma_err_fb"],
        ctau_mm=d["ctau_mm"],
        edges=np.array(d["edges"]),
        signal_hist=np.array(d["signal_hist"]),
        background_unit=np.array(d["background_unit"]),
        rows=d["rows"],
        eps_reach={float(k): float(v) for k, v in d["eps_reach"]},
        theta_region={float(k): (float(lo), float(hi), int(n)) for k, lo, hi, n in d["theta_region"]},
        windows={float(k): (int(lo), int(hi)) for k, lo, hi in d["windows"]},
        dalitz=None if d["dalitz"] is None else np.array(d["dalitz"]),
        dalitz_edges=None if d["dalitz_edges"] is None else tuple(np.array(e) for e in d["dalitz_edges"]),
        n_events=int(d["n_events"]),
    )


class Checkpoint:
    """Task files of one scan directory for one card hash."""

    def __init__(self, directory: str | Path, card_digest: str) -> None:
        self.directory = Path(directory) / "tasks"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.card_digest = card_digest

    def path(self, key: PointKey) -> Path:
        return self.directory / f"{key.benchmark}_{key.m_Ap:.4f}_{key.channel}.json"

    def save(self, res: PointResult) -> None:
        """Write the result atomically (temporary file, then rename)."""
        write_record(self.path(res.key), self.card_digest, res.key.label, _encode(res))

    def count_valid(self, keys: list[PointKey]) -> int:
        """How many of ``keys`` have a valid stored result (what a resumed scan reuses)."""
        return sum(self.load(k) is not None for k in keys)

    def load(self, key: PointKey) -> PointResult | None:
        """The stored result of ``key`` if its file is complete, intact and made with this card; else None."""
        payload = read_record(self.path(key), self.card_digest, key.label)
        if payload is None:
            return None
        try:
            return _decode(payload)
        except (ValueError, KeyError, TypeError, IndexError):
            return None


def write_record(path: Path, card_digest: str, task: str, result: dict[str, Any]) -> None:
    """Write one task file atomically: the JSON ``result`` with the card hash, the task label and the
    SHA-256 of the payload (module docstring)."""
    payload = json.dumps(result, sort_keys=True)
    record = {
        "format": FORMAT_VERSION,
        "card_hash": card_digest,
        "task": task,
        "sha256": hashlib.sha256(payload.encode()).hexdigest(),
        "result": json.loads(payload),
    }
    with atomic_output(path, force=True) as fh:
        json.dump(record, fh)


def read_record(path: Path, card_digest: str, task: str) -> dict[str, Any] | None:
    """The payload of a task file written by :func:`write_record` if it is complete, intact and belongs to
    this card and task; else None."""
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
        payload = json.dumps(record["result"], sort_keys=True)
        if (
            record.get("format") != FORMAT_VERSION
            or record.get("card_hash") != card_digest
            or record.get("task") != task
            or hashlib.sha256(payload.encode()).hexdigest() != record.get("sha256")
        ):
            return None
        return record["result"]
    except (ValueError, KeyError, TypeError):
        return None
