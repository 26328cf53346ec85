"""Executors for scan tasks: a local process pool (default, all cores), a running dask.distributed
scheduler, or a dask-jobqueue cluster on a batch system (SLURM or HTCondor, as HEP sites run).

Every executor is used through the ``concurrent.futures`` interface (dask: ``Client.get_executor()``), and
the results do not depend on which one runs the tasks (per-task seeds, :mod:`darkstrahl.analysis.scan`).
dask, distributed and dask-jobqueue are the optional extra ``darkstrahl[dask]``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field

from darkstrahl.errors import DarkstrahlError

KINDS = ("local", "dask", "slurm", "htcondor")


@dataclass(frozen=True)
class SchedulerConfig:
    """Card section ``[scheduler]``: where the tasks run."""

    kind: str = "local"
    workers: int = 0  # local processes (0: all cores)
    address: str | None = None  # dask scheduler address (kind "dask")
    jobs: int = 10  # batch jobs to start (slurm, htcondor)
    queue: str | None = None
    cores: int = 1
    processes: int = 1
    memory: str = "4GB"
    walltime: str = "01:00:00"
    extra_directives: tuple[str, ...] = field(default_factory=tuple)
    local_directory: str | None = None
    connect_timeout: float = 30.0  #: seconds to wait for a dask scheduler before giving up

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DarkstrahlError(f"scheduler.kind: must be one of {list(KINDS)}, got {self.kind!r}")
        if self.workers < 0:
            raise DarkstrahlError(
                f"--workers / analysis.workers: must be >= 0 (0: all cores), got {self.workers}"
            )
        if self.kind == "dask" and not self.address:
            raise DarkstrahlError("scheduler.address: a dask scheduler needs its address (tcp://host:8786)")


def _dask():
    try:
        import distributed
    except ImportError:  # pragma: no cover - depends on the installation
        raise DarkstrahlError("dask scheduling needs the extra: pip install 'darkstrahl[dask]'") from None
    return distributed


def jobqueue_cluster(cfg: SchedulerConfig):
    """The dask-jobqueue cluster object of a ``slurm`` or ``htcondor`` configuration (not yet scaled)."""
    try:
        import dask_jobqueue
    except ImportError:  # pragma: no cover - depends on the installation
        raise DarkstrahlError("batch scheduling needs the extra: pip install 'darkstrahl[dask]'") from None
    common = {"cores": cfg.cores, "processes": cfg.processes, "memory": cfg.memory}
    if cfg.local_directory:
        common["local_directory"] = cfg.local_directory
    if cfg.kind == "slurm":
        return dask_jobqueue.SLURMCluster(
            queue=cfg.queue, walltime=cfg.walltime, job_extra_directives=list(cfg.extra_directives), **common
        )
    # HTCondor takes its directives as "key = value" pairs, and has no wall-time option in dask-jobqueue:
    # the wall time goes in as +MaxRuntime (seconds)
    h, m, s = (int(x) for x in cfg.walltime.split(":"))
    extra = {"+MaxRuntime": str(3600 * h + 60 * m + s)}
    for line in cfg.extra_directives:
        if "=" not in line:
            raise DarkstrahlError(
                f"scheduler.extra_directives: HTCondor directives are 'key = value', got {line!r}"
            )
        key, value = line.split("=", 1)
        extra[key.strip()] = value.strip()
    return dask_jobqueue.HTCondorCluster(disk=cfg.memory, job_extra_directives=extra, **common)


@contextlib.contextmanager
def make_executor(cfg: SchedulerConfig) -> Iterator[tuple[Executor, str]]:
    """An executor for ``cfg`` and a description of it; closed (and batch jobs released) at the end."""
    if cfg.kind == "local":
        workers = cfg.workers or os.cpu_count() or 1
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield pool, f"local pool of {workers} processes"
        return
    distributed = _dask()
    if cfg.kind == "dask":
        try:
            client = distributed.Client(cfg.address, timeout=cfg.connect_timeout)
        except (OSError, TimeoutError) as exc:  # refused, unknown host, or no answer within the timeout
            raise DarkstrahlError(
                f"scheduler.address: cannot reach the dask scheduler {cfg.address!r} within "
                f"{cfg.connect_timeout:g} s ({type(exc).__name__})"
            ) from None
        with client:
            yield client.get_executor(), f"dask scheduler {cfg.address}"
        return
    cluster = jobqueue_cluster(cfg)
    try:
        cluster.scale(jobs=cfg.jobs)
        with distributed.Client(cluster) as client:
            yield client.get_executor(), f"{cfg.kind} cluster of {cfg.jobs} jobs ({cluster.job_name})"
    finally:
        cluster.close()
