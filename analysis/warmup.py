"""Numba warm-up before a scan fans out (issue 17).

Every numba kernel is ``@njit(cache=True)``: compiled once, then loaded from the on-disk cache
(``NUMBA_CACHE_DIR``, else ``__pycache__`` next to the module). With a cold cache, every worker process of a
scan would compile the same kernels again (seconds each) at its first task. :func:`warm_up` runs one tiny
task per channel in the calling process, so the parent compiles once and writes the cache before the tasks
fan out: forked local workers inherit the compiled kernels, spawned ones and dask workers (sharing the cache
directory) load them from disk instead of compiling. :func:`warm_workers` also runs the warm-up on every
worker of a dask executor (``Client.run``), which covers workers without a shared cache directory.

The tiny tasks use their own settings (1000 events, one 1000-point adaptation iteration), so they touch
every kernel with the argument types of a real task without changing any result.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from darkstrahl.gen.sampler import SamplerSettings

if TYPE_CHECKING:
    from .scan import PointKey, ScanSettings

#: Events and adaptation points of a warm-up task.
WARM_UP_EVENTS = 1000
#: Code paths already warmed in this process (forked workers inherit it with the compiled kernels).
_WARMED: set[tuple[object, ...]] = set()


def warm_up(keys: Sequence[PointKey], settings: ScanSettings) -> float:
    """Run one tiny task for the first key of every channel in ``keys`` in this process (compiles or loads
    every kernel a task uses), once per code path (channel, resolution mode, ISR); returns the seconds it
    took."""
    from .scan import run_point

    start = time.perf_counter()
    tiny = dataclasses.replace(
        settings,
        n_events=WARM_UP_EVENTS,
        sampler=SamplerSettings(n_iterations=1, n_per_iteration=WARM_UP_EVENTS),
    )
    for key in keys:
        path = (key.channel, settings.detector.resolution, settings.isr.active)
        if path not in _WARMED:
            run_point(key, tiny)
            _WARMED.add(path)
    return time.perf_counter() - start


def warm_workers(executor: Executor, keys: Sequence[PointKey], settings: ScanSettings) -> None:
    """Warm up every worker of a dask executor (``distributed``'s ``ClientExecutor`` keeps its client in
    ``_client``; ``Client.run`` calls the function once on every current worker). Local process pools need
    nothing beyond the parent's :func:`warm_up` (module docstring)."""
    client = getattr(executor, "_client", None)
    if client is not None and callable(getattr(client, "run", None)):
        client.run(warm_up, list(keys), settings)
