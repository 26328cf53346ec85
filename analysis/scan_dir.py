"""Ownership of a scan output directory (issue 12 item 5).

``DIR/.darkstrahl_scan.json`` records the hash of the card that writes into DIR
(:func:`darkstrahl.runcard.build.scan_hash`), the card's source and, once the scan has finished, the files it
wrote. A scan of the same card resumes (its checkpoints are reused); a scan of another card is refused, so old
plots and checkpoints never mix with new results, unless ``--force``: then the files listed by the earlier
scan and its checkpoints are deleted first (nothing else in DIR is touched). A directory with checkpoints but
no marker (written before the marker existed) belongs to the card hash its checkpoints carry.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from darkstrahl.errors import DarkstrahlError
from darkstrahl.files import atomic_output, remove_orphans

MARKER = ".darkstrahl_scan.json"


class ScanDirectory:
    """The output directory of one scan: ``claim`` it before running, ``finish`` it after writing."""

    def __init__(self, directory: str | Path, card_digest: str, source: str) -> None:
        self.directory = Path(directory)
        self.card_digest = card_digest
        self.source = source

    @property
    def marker(self) -> Path:
        return self.directory / MARKER

    def _previous(self) -> dict | None:
        if not self.marker.exists():
            tasks = (
                sorted((self.directory / "tasks").glob("*.json"))
                if (self.directory / "tasks").is_dir()
                else []
            )
            if not tasks:
                return None
            # checkpoints of a scan made before the marker existed: theirs is the card hash they carry
            hashes = set()
            for task in tasks:
                try:
                    hashes.add(json.loads(task.read_text()).get("card_hash"))
                except (ValueError, AttributeError):
                    hashes.add(None)
            digest = hashes.pop() if len(hashes) == 1 else None
            return {
                "card_hash": digest,
                "source": "an unknown card (checkpoints without a record)",
                "files": [],
            }
        try:
            record = json.loads(self.marker.read_text())
            if not isinstance(record, dict):
                raise ValueError
            return record
        except ValueError:
            return {"card_hash": None, "source": "an unreadable record", "files": []}

    def claim(self, force: bool = False) -> list[str]:
        """Create (or check) the directory for this card; returns notes for the user (deleted files, orphaned
        temporary files removed). Raises :class:`DarkstrahlError` if another card's scan lives here and
        ``force`` is not set."""
        notes = []
        previous = self._previous()
        if previous is not None and previous.get("card_hash") != self.card_digest:
            if not force:
                raise DarkstrahlError(
                    f"-o: {str(self.directory)!r} holds a scan of another card ({previous.get('source')}); "
                    "use another directory or --force to delete its results"
                )
            removed = 0
            for name in previous.get("files", []):
                path = self.directory / Path(name).name
                if path.is_file():
                    path.unlink()
                    removed += 1
            if (self.directory / "tasks").is_dir():
                shutil.rmtree(self.directory / "tasks")
            notes.append(
                f"--force: deleted {removed} result files and the checkpoints of the scan of "
                f"{previous.get('source')} in {str(self.directory)!r}"
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        notes += [
            f"removed {str(p)!r}, the temporary file of an earlier run that was killed"
            for p in self._orphans()
        ]
        self._write([])
        return notes

    def _orphans(self) -> list[Path]:
        """Remove the orphaned temporary files of every output and checkpoint name in the directory."""
        removed: list[Path] = []
        for sub in (self.directory, self.directory / "tasks"):
            if not sub.is_dir():
                continue
            names = {p.name[1:].rsplit(".", 3)[0] for p in sub.glob(".*.part")}
            for name in sorted(names):
                removed += remove_orphans(sub / name)
        return removed

    def _write(self, files: list[str]) -> None:
        record = {"card_hash": self.card_digest, "source": self.source, "files": files}
        with atomic_output(self.marker, force=True) as fh:
            json.dump(record, fh, indent=1)

    def finish(self, files: list[str | Path]) -> None:
        """Record the files the scan wrote (deleted by a later ``--force`` scan of another card)."""
        self._write(sorted({Path(f).name for f in files}))
