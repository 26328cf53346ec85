"""Safe output files: write to a temporary file in the target directory, rename at the end.

An interrupted run (exception, Ctrl-C, kill) never leaves a partial file under the final name; an
existing file is overwritten only when asked for.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import DarkstrahlError


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
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
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
