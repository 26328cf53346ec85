"""Pre-flight checks of output paths, run before any integration (issue 12 items 2 and 3).

Every problem that would otherwise surface only after minutes of integration (or as a traceback) is a
:class:`~darkstrahl.errors.DarkstrahlError` naming the option and the rule: the output directory exists and is
writable, ``generate -o`` is not a directory, ``scan -o`` is not a file, and the estimated file size fits the
free disk space. Orphaned temporary files of a killed earlier run writing to the same place are removed
(:func:`darkstrahl.files.remove_orphans`) and reported.

File-size estimate: an LHE or HepMC3 event is a header plus one line per particle. Measured on B1 ``phi`` and
``gamma_phi`` files (docs/validation.md section 12): 180-210 bytes per particle line and < 300 bytes of event
header for both formats; gzip (level 1) shrinks the text to 40-45 %. The estimate uses 220 bytes per particle
and 400 per header, and 0.5 for gzip, so it is an upper bound within ~30 %.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import DarkstrahlError
from .files import remove_orphans

BYTES_PER_PARTICLE = 220  #: upper bound of one LHE / HepMC3 particle line [bytes]
BYTES_PER_HEADER = 400  #: upper bound of one event header (and HepMC3 vertex lines) [bytes]
GZIP_RATIO = 0.5  #: upper bound of the gzip (level 1) compression ratio of the event text
DISK_MARGIN = 1.05  #: the estimate must fit in the free space with 5 % to spare


@dataclass(frozen=True)
class Preflight:
    """What the checks found: the estimated file size [bytes] and the orphaned temporary files removed."""

    estimated_bytes: int
    removed: tuple[Path, ...] = ()

    def notes(self) -> list[str]:
        """One line per removed orphan (printed on stderr by the command line)."""
        return [
            f"removed {str(p)!r}, the temporary file of an earlier run that was killed" for p in self.removed
        ]


def estimate_bytes(n_events: int, particles: int, compressed: bool) -> int:
    """Upper estimate [bytes] of a file of ``n_events`` events with ``particles`` particle lines each."""
    size = n_events * (BYTES_PER_HEADER + BYTES_PER_PARTICLE * particles)
    return int(size * (GZIP_RATIO if compressed else 1.0))


def _writable_dir(directory: Path, option: str) -> None:
    if not directory.exists():
        raise DarkstrahlError(f"{option}: output directory {str(directory)!r} does not exist")
    if not directory.is_dir():
        raise DarkstrahlError(f"{option}: {str(directory)!r} is not a directory")
    _probe(directory, option)


def _probe(directory: Path, option: str) -> None:
    """Create and delete a file in ``directory`` (os.access is not enough: root, read-only mounts, ACLs)."""
    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise DarkstrahlError(
            f"{option}: output directory {str(directory)!r} is not writable ({exc.strerror})"
        ) from None


def _free_space(directory: Path, need: int, option: str, what: str) -> None:
    free = shutil.disk_usage(directory).free
    if need * DISK_MARGIN > free:
        raise DarkstrahlError(
            f"{option}: {what} needs about {need / 1e9:.3g} GB but only {free / 1e9:.3g} GB are free in "
            f"{str(directory)!r} (reduce -n or write elsewhere)"
        )


def check_output_file(path: str | Path, force: bool, n_events: int, particles: int) -> Preflight:
    """Checks of ``generate -o PATH`` with ``n_events`` events of ``particles`` particle lines."""
    target = Path(path)
    if target.is_dir():
        raise DarkstrahlError(f"-o: {str(target)!r} is a directory; give a file name")
    parent = target.parent if str(target.parent) else Path(".")
    _writable_dir(parent, "-o")
    if target.exists() and not force:
        raise DarkstrahlError(f"output file {str(target)!r} exists: refusing to overwrite (use --force)")
    need = estimate_bytes(n_events, particles, str(target).endswith(".gz"))
    _free_space(parent, need, "-n", f"{n_events} events ({particles} particles each)")
    return Preflight(need, tuple(remove_orphans(target)))


def check_scan_dir(path: str | Path) -> None:
    """Checks of ``scan -o DIR``: not a file, and DIR (or its first existing ancestor) writable."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise DarkstrahlError(f"-o: {str(target)!r} is a file; the scan needs a directory")
    existing = target
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise DarkstrahlError(f"-o: {str(existing)!r} is a file; the scan needs a directory")
    _probe(existing, "-o")
