"""Sensitivity scans: one task per (benchmark, m_A', channel) (physics.md section 4).

Each task (:func:`run_point`) generates one weighted signal and one weighted background sample, passes both
through the Belle II model, reduces them to a :class:`.PointAnalysis` and returns a
small :class:`PointResult`: the efficiency-table rows at the reference (eps, theta), the eps reach at fixed
theta and the excluded theta region at fixed eps for every N_b, and the histograms the plots need. Seeds
come from ``numpy.random.SeedSequence(card seed, spawn_key=crc32(task key))``, so a task's numbers do not
depend on which executor or worker runs it, nor on the order of completion.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from darkstrahl.detector.belle2 import Belle2
from darkstrahl.detector.reconstructed import Reconstructed
from darkstrahl.gen.event_stream import Generator
from darkstrahl.gen.events import EventBatch
from darkstrahl.gen.flat_background import BackgroundProcess, FlatGenerator
from darkstrahl.gen.generator import EventGenerator, RunSettings
from darkstrahl.gen.isr_process import IsrProcess, IsrSettings
from darkstrahl.gen.model import BENCHMARKS, DarkModel
from darkstrahl.gen.process import MultichannelProcess
from darkstrahl.gen.sampler import SamplerSettings
from darkstrahl.gen.signal_process import GenerationCuts, SignalProcess

from .point_histograms import PointAnalysis
from .warmup import warm_up, warm_workers

if TYPE_CHECKING:
    from .checkpoint import Checkpoint

FB_PER_AB = 1000.0
#: Columns of efficiency_table.csv (issue 6).
EFFICIENCY_COLUMNS = (
    "benchmark",
    "channel",
    "n_b",
    "m_Ap",
    "eps",
    "theta",
    "sig_before",
    "window_lo",
    "window_hi",
    "vmax",
    "sel_sig",
    "sel_bg",
    "minus2lnL",
)


@dataclass(frozen=True)
class ScanSettings:
    """Everything a scan task needs besides its key (picklable)."""

    couplings: dict[str, object]  # g_chi, eps, theta, q_Phi, q_chi, eps_convention, phi_widths, general
    sqrt_s: float
    detector: Belle2
    cuts: GenerationCuts
    luminosity_ab: float = 10.0
    n_events: int = 100_000
    n_b: tuple[float, ...] = (1.0, 1e4)
    ratio_gamma: float = 0.22
    theta_for_eps_reach: float = 1.27e-4
    eps_for_theta_reach: float = 1e-4
    theta_grid: tuple[float, ...] = tuple(np.logspace(-7, math.log10(0.5), 40))
    seed: int = 12345
    isr: IsrSettings = field(
        default_factory=IsrSettings
    )  # collinear ISR of the signal (off: reference study)
    sampler: SamplerSettings = field(
        default_factory=lambda: SamplerSettings(n_iterations=6, n_per_iteration=20_000)
    )

    @property
    def eps(self) -> float:
        return float(self.couplings["eps"])  # type: ignore[arg-type]

    @property
    def theta(self) -> float:
        return float(self.couplings["theta"])  # type: ignore[arg-type]


@dataclass(frozen=True)
class PointKey:
    """Identity of a task."""

    benchmark: str
    m_Ap: float
    channel: str

    @property
    def label(self) -> str:
        return f"{self.benchmark}:{self.m_Ap:.4f}:{self.channel}"

    def seed_sequence(self, seed: int) -> np.random.SeedSequence:
        """The task's SeedSequence: the card seed plus a key that only depends on the task."""
        return np.random.SeedSequence(seed, spawn_key=(zlib.crc32(self.label.encode()),))


@dataclass
class PointResult:
    """The small result of one task (all yields are expected events for the luminosity)."""

    key: PointKey
    m_phi: float
    m_chi: float
    sigma_fb: float
    sigma_err_fb: float
    ctau_mm: float
    edges: np.ndarray
    signal_hist: np.ndarray  # at the reference eps, theta
    background_unit: np.ndarray  # N_b = 1
    rows: list[dict[str, object]]
    eps_reach: dict[float, float]  # N_b -> eps reach at theta_for_eps_reach
    theta_region: dict[float, tuple[float, float, int]]  # N_b -> (lo, hi, number of intervals)
    windows: dict[float, tuple[int, int]]  # N_b -> selected bins at the reference point
    dalitz: np.ndarray | None = None  # (E_gamma, m_chichi) histogram of the signal (gamma_phi)
    dalitz_edges: tuple[np.ndarray, np.ndarray] | None = None
    n_events: int = 0


def mass_points(
    benchmark: str, m_min: float, step: float, m_phi_max: float, sqrt_s: float, m_max: float | None = None
) -> list[float]:
    """m_A' = m_min, m_min + step, ... while m_phi <= m_phi_max (+ 1e-9), m_A' <= m_max, and the point is
    kinematically open (m_A' + m_phi < sqrt(s): the A' of e+e- -> A' phi can be on shell)."""
    r_phi = BENCHMARKS[benchmark][1]
    out = []
    k = 0
    while True:
        m = round(m_min + k * step, 10)
        if (
            r_phi * m > m_phi_max + 1e-9
            or (m_max is not None and m > m_max + 1e-9)
            or m * (1 + r_phi) >= sqrt_s
        ):
            break
        out.append(m)
        k += 1
    return out


def _generate(gen: Generator, n: int) -> EventBatch:
    return EventBatch.concatenate(list(gen.weighted(n)))


def build_point(key: PointKey, settings: ScanSettings) -> tuple[PointAnalysis, EventBatch, Reconstructed]:
    """Generate the signal and background samples of ``key``, simulate them and reduce them to a
    :class:`PointAnalysis` (also returns the signal batch and its reconstruction)."""
    seq = key.seed_sequence(settings.seed)
    s_sig, s_bkg, s_det = seq.spawn(3)
    model = DarkModel.from_benchmark(key.benchmark, key.m_Ap, **settings.couplings)  # type: ignore[arg-type]
    det = settings.detector
    decay = "all" if det.resolution == "objects" else "none"
    run = RunSettings(
        n_points=0, n_pilot=2, chunk_size=settings.n_events, decays=decay, sampler=settings.sampler
    )
    signal: MultichannelProcess = SignalProcess(
        key.channel, model, sqrt_s=settings.sqrt_s, cuts=settings.cuts
    )
    if settings.isr.active:
        signal = IsrProcess(signal, settings.isr)
    sig_gen = EventGenerator(signal, s_sig, run)
    sig = _generate(sig_gen, settings.n_events)
    bkg_run = RunSettings(n_points=settings.n_events, n_pilot=2, chunk_size=settings.n_events, decays=decay)
    bkg_proc = BackgroundProcess(
        "bkg_" + key.channel,
        model,
        sqrt_s=settings.sqrt_s,
        n_b=1.0,
        luminosity_ab=settings.luminosity_ab,
        ratio_gamma=settings.ratio_gamma,
        cuts=settings.cuts,
    )
    bkg = _generate(FlatGenerator(bkg_proc, s_bkg, bkg_run), settings.n_events)
    rng = np.random.default_rng(s_det)
    lumi = settings.luminosity_ab * FB_PER_AB
    rec_s, rec_b = det.simulate(sig, rng, vertices=False), det.simulate(bkg, rng, vertices=False)
    point = PointAnalysis.build(rec_s, rec_b, model, settings.sqrt_s, lumi, rng)
    return point, sig, rec_s


def run_point(key: PointKey, settings: ScanSettings) -> PointResult:
    """Generate, simulate and analyse one (benchmark, m_A', channel) (module docstring)."""
    point, sig, rec_s = build_point(key, settings)
    model = point.model
    rows, windows, reach_e, reach_t = [], {}, {}, {}
    grid = np.array(settings.theta_grid)
    for n_b in settings.n_b:
        win = point.window(settings.eps, settings.theta, n_b)
        windows[n_b] = (win.lo, win.hi)
        phi = key.channel == "phi"
        rows.append(
            {
                "benchmark": key.benchmark,
                "channel": key.channel,
                "n_b": n_b,
                "m_Ap": key.m_Ap,
                "eps": settings.eps,
                "theta": settings.theta,
                "sig_before": point.signal_before(settings.eps, settings.theta),
                "window_lo": float(point.edges[win.lo]) if phi else "",
                "window_hi": float(point.edges[win.hi + 1]) if phi else "",
                "vmax": "" if phi else float(point.edges[win.hi + 1] ** 2),
                "sel_sig": win.s,
                "sel_bg": win.b,
                "minus2lnL": win.value,
            }
        )
        reach_e[n_b] = point.eps_reach(settings.theta_for_eps_reach, n_b)
        region = point.theta_region(settings.eps_for_theta_reach, n_b, grid)
        reach_t[n_b] = (region.lo, region.hi, len(region.edges))
    w = sig.weights
    sigma = float(w.mean())
    dalitz = dalitz_edges = None
    if key.channel == "gamma_phi":
        e_edges = np.linspace(settings.cuts.e_min, settings.sqrt_s / 2, 61)
        m_edges = np.linspace(2 * model.m_chi, settings.sqrt_s - model.m_phi, 61)
        dalitz, _, _ = np.histogram2d(rec_s.e_gamma_true, rec_s.m_chichi_true, [e_edges, m_edges], weights=w)
        dalitz_edges = (e_edges, m_edges)
    return PointResult(
        key=key,
        m_phi=model.m_phi,
        m_chi=model.m_chi,
        sigma_fb=sigma,
        sigma_err_fb=float(w.std(ddof=1) / math.sqrt(len(w))),
        ctau_mm=sig.layout.long_lived[0].lifetime.ctau_mm(),
        edges=point.edges,
        signal_hist=point.signal_hist(settings.eps, settings.theta),
        background_unit=point.background_unit,
        rows=rows,
        eps_reach=reach_e,
        theta_region=reach_t,
        windows=windows,
        dalitz=dalitz,
        dalitz_edges=dalitz_edges,
        n_events=settings.n_events,
    )


def _run(args: tuple[PointKey, ScanSettings]) -> PointResult:
    return run_point(*args)


def run_scan(
    keys: Iterable[PointKey],
    settings: ScanSettings,
    executor: Executor | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    checkpoint: Checkpoint | None = None,
) -> list[PointResult]:
    """Run every task (serially, on ``executor``, or on a local process pool of ``workers``); results in the
    order of ``keys``. With a ``checkpoint``, tasks with a valid stored result are skipped and every finished
    task is stored at once (a killed scan loses only the tasks in flight). Before the tasks fan out to
    processes, the numba kernels are compiled once (:mod:`darkstrahl.analysis.warmup`)."""
    keys = list(keys)
    results: dict[str, PointResult] = {}
    todo = []
    for k in keys:
        stored = checkpoint.load(k) if checkpoint is not None else None
        if stored is not None:
            results[k.label] = stored
            if progress is not None:
                progress(1)
        else:
            todo.append(k)

    def finished(res: PointResult) -> None:
        results[res.key.label] = res
        if checkpoint is not None:
            checkpoint.save(res)
        if progress is not None:
            progress(1)

    if executor is None and workers <= 1:
        for k in todo:
            finished(run_point(k, settings))
    elif todo:
        warm_up(todo, settings)  # compile once here: workers inherit or load the kernels
        own = executor is None
        pool = executor or ProcessPoolExecutor(max_workers=workers)
        if not own:
            warm_workers(pool, todo, settings)
        try:
            futures = [pool.submit(_run, (k, settings)) for k in todo]
            for fut in as_completed(futures):
                finished(fut.result())
        finally:
            if own:
                pool.shutdown(cancel_futures=True)
    return [results[k.label] for k in keys]
