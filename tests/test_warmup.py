"""Numba warm-up before a scan fans out (issue 17, analysis/warmup.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from darkstrahl.analysis.scan import PointKey, ScanSettings
from darkstrahl.analysis.warmup import warm_up, warm_workers
from darkstrahl.detector import response
from darkstrahl.detector.belle2 import Belle2
from darkstrahl.gen import rambo
from darkstrahl.gen.signal_process import GenerationCuts

KEYS = [PointKey("B1", 4.5, ch) for ch in ("phi", "gamma_phi")]


def _settings() -> ScanSettings:
    return ScanSettings(
        couplings={"g_chi": 1.0, "eps": 1e-4, "theta": 1.27e-4, "q_Phi": 2.0},
        sqrt_s=10.58,
        detector=Belle2(n_copies=5),
        cuts=GenerationCuts(),
        theta_grid=tuple(np.logspace(-7, -0.5, 6)),
    )


def test_warm_up_compiles_the_task_kernels() -> None:
    """One tiny task per channel leaves the kernels of both responses and of the background's RAMBO compiled
    (a dispatcher lists a signature once it is compiled or loaded from the cache)."""
    seconds = warm_up(KEYS, _settings())
    assert seconds > 0
    for kernel in (response._gaussian_rows, response._sqrt_v_rows, rambo._rambo):
        assert kernel.signatures, kernel


class _FakeClient:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def run(self, fn, *args):  # the distributed.Client.run signature
        self.calls.append((fn, args))


def test_warm_workers_calls_every_dask_worker_and_skips_local_pools() -> None:
    """A dask ClientExecutor's client gets Client.run(warm_up, keys, settings); other executors nothing."""
    fake = ThreadPoolExecutor(1)
    fake._client = _FakeClient()  # type: ignore[attr-defined]
    settings = _settings()
    warm_workers(fake, KEYS, settings)
    assert fake._client.calls == [(warm_up, (KEYS, settings))]  # type: ignore[attr-defined]
    with ThreadPoolExecutor(1) as plain:
        warm_workers(plain, KEYS, settings)  # no client: nothing to do, no error
    fake.shutdown()
