"""Safe output files: write to a temporary file in the target directory, rename at the end.

An interrupted run (exception, Ctrl-C, SIGTERM) never leaves a partial file under the final name and deletes
its temporary file; an existing file is overwritten only when asked for. The temporary file is
``.NAME.<pid>.<random>.part`` beside ``NAME``: a run killed with SIGKILL cannot delete it, so the next run
writing to the same place finds it with :func:`orphaned_parts` (the writing process no longer exists) and
removes it (:func:`remove_orphans`; issue 12 item 2).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import DarkstrahlError

PART_SUFFIX = ".part"  #: suffix of the temporary files of :func:`atomic_path`


class OutputExistsError(DarkstrahlError, FileExistsError):
    """The output file exists and overwriting was not requested."""


@contextlib.contextmanager
def atomic_path(path: str | Path, force: bool = False) -> Iterator[Path]:
    """A temporary path next to ``path`` (for writers that open files themselves): renamed to ``path`` when
    the block ends normally, deleted otherwise."""
    target = Path(path)
    if target.exists() and not force:
        raise OutputExistsError(f"output file {str(target)!r} exists: refusing to overwrite (use --force)")
    if not target.parent.exists():
        raise DarkstrahlError(f"output directory {str(target.parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=PART_SUFFIX, dir=target.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_output(path: str | Path, force: bool = False, mode: str = "w") -> Iterator[IO]:
    """Open a temporary file next to ``path``; on success rename it to ``path``, else delete it."""
    with atomic_path(path, force) as tmp, open(tmp, mode) as handle:
        yield handle


def _umask() -> int:
    """The process umask (mkstemp creates files 0600; final files get the usual permissions)."""
    current = os.umask(0)
    os.umask(current)
    return current


def _pid_alive(pid: int) -> bool:
    """True if a process ``pid`` exists (signal 0 probes without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def orphaned_parts(path: str | Path) -> list[Path]:
    """Temporary files ``.NAME.<pid>.*.part`` of ``path`` left by a run that no longer exists (killed with
    SIGKILL, out of memory, node failure). Files of a process still running (another darkstrahl writing the
    same file) are not orphans; a name without a readable pid (an older darkstrahl) counts as an orphan."""
    target = Path(path)
    if not target.parent.is_dir():
        return []
    found = []
    for part in target.parent.glob(f".{glob_escape(target.name)}.*{PART_SUFFIX}"):
        middle = part.name[len(target.name) + 2 : -len(PART_SUFFIX)]
        pid_text = middle.split(".", 1)[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and _pid_alive(int(pid_text)):
            continue
        if pid_text.isdigit() and int(pid_text) == os.getpid():
            continue  # this process's own temporary file
        found.append(part)
    return sorted(found)


def remove_orphans(path: str | Path) -> list[Path]:
    """Delete the :func:`orphaned_parts` of ``path``; returns the deleted paths (for the run's message)."""
    removed = []
    for part in orphaned_parts(path):
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
            removed.append(part)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with the glob metacharacters ``*?[`` escaped (file names are user input)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
