"""SIGTERM handled like SIGINT (issue 12 item 2).

``timeout``, SLURM, HTCondor and ``kill`` send SIGTERM. By default Python dies at once on it, skipping every
``finally`` and ``except BaseException`` block, so the temporary ``.NAME.<pid>.*.part`` file of
:func:`darkstrahl.files.atomic_path` stays behind. :func:`terminate_as_interrupt` installs a handler that
raises :class:`Terminated` (a :class:`KeyboardInterrupt`) in the main thread instead, so the same clean-up
runs as for Ctrl-C; local worker processes of a scan are sent SIGTERM too. The command line then exits with
128 + 15 = 143.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

EXIT_SIGTERM = 128 + signal.SIGTERM  #: shell convention: 128 + signal number
EXIT_SIGINT = 128 + signal.SIGINT
EXIT_SIGPIPE = 128 + 13  #: the reader of stdout went away (SIGPIPE is 13 on every POSIX system)


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM."""


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` in the main thread (and is forwarded to the local
    worker processes); the previous handler is restored afterwards."""
    if threading.current_thread() is not threading.main_thread():  # signal handlers live in the main thread
        yield
        return
    owner = os.getpid()

    def handler(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != owner:  # a forked worker inherited the handler: die like the default action
            os._exit(EXIT_SIGTERM)
        for child in multiprocessing.active_children():
            with contextlib.suppress(OSError):
                child.terminate()
        raise Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
