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
def atomic_output(path: str | Path, force: bool = False, mode: str = "w") -> Iterator[IO]:
    """Open a temporary file next to ``path``; on success rename it to ``path``, else delete it."""
    target = Path(path)
    if target.exists() and not force:
        raise OutputExistsError(f"output file {str(target)!r} exists: refusing to overwrite (use --force)")
    if not target.parent.exists():
        raise DarkstrahlError(f"output directory {str(target.parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
