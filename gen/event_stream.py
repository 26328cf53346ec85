"""Event streams shared by every process: pilot w_max, accept-reject unweighting, chunking, decays.

A concrete generator (:class:`darkstrahl.gen.generator.EventGenerator` for multichannel processes,
:class:`darkstrahl.gen.flat_background.FlatGenerator` for flat RAMBO processes) provides
``cross_section()`` and ``_draw(n)``, which returns n weighted points (momenta, weights in fb with mean
sigma, helicities). This base class turns them into :class:`~darkstrahl.gen.events.EventBatch` chunks of
at most ``chunk_size`` events, so memory does not grow with the number of events.

Overweight policy: w_max is the smallest pilot weight such that the pilot weights above it carry at most a
fraction ``max_overweight`` of the pilot cross section in their excess sum(w - w_max). An event with
w > w_max is accepted and carries the weight w / w_max (> 1), so the sample stays unbiased; the fraction of
such events and of the cross section they carry above w_max are reported in :attr:`Generator.stats`.
Readers that force unit weights (basf2) see that fraction as a bias.

Random numbers (:mod:`.streams`): the hard process uses the root stream in blocks of fixed size (the
sampler's batch for unweighted events, ``chunk_size`` for weighted ones); the decays of the events of hard
block k use the sub-stream ("decay", k). So the first N events of a run do not depend on the total number
requested.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from darkstrahl.errors import ParameterError

from .events import EventBatch
from .process import Process
from .sampler import Estimate, SamplerSettings
from .streams import substream

Progress = Callable[[int], None]


@dataclass(frozen=True)
class RunSettings:
    """Numbers of a generation run (card section ``[run]`` and ``[process] phi_decay``)."""

    n_points: int = 1_000_000  #: points for the cross section (0: none; weighted events only, signal)
    n_pilot: int = 200_000  #: pilot points for w_max
    max_overweight: float = 1e-4  #: fraction of sigma allowed above w_max (see module docstring)
    chunk_size: int = 100_000  #: events per yielded batch
    decays: str = "all"  #: decays of unstable final-state particles: "all", "charged" or "none"
    sampler: SamplerSettings = field(default_factory=SamplerSettings)

    def __post_init__(self) -> None:
        if self.decays not in ("all", "charged", "none"):
            raise ParameterError("process.phi_decay", "must be 'all', 'charged' or 'none'", self.decays)
        if not 0.0 <= self.max_overweight < 0.5:
            raise ParameterError("run.max_overweight", "must lie in [0, 0.5)", self.max_overweight)
        for name in ("n_pilot", "chunk_size"):
            if getattr(self, name) < 2:
                raise ParameterError(f"run.{name}", "must be >= 2", getattr(self, name))
        if self.n_points == 1 or self.n_points < 0:
            raise ParameterError("run.n_points", "must be >= 2 (or 0: weighted events only)", self.n_points)


def choose_w_max(weights: np.ndarray, max_overweight: float, counts: np.ndarray | None = None) -> float:
    """Smallest w_max with sum(c max(w - w_max, 0)) <= max_overweight * sum(c w) (0 gives max(w)), over the
    points with w > 0. ``counts`` c (n,) (default 1): how much each point counts, for points drawn from one
    density but standing for another (:func:`darkstrahl.gen.channel_weights.unweighting_alphas`)."""
    keep = weights > 0
    if not np.any(keep):
        raise ParameterError("process", "the pilot run found no point with a non-zero weight")
    w = weights[keep]
    c = np.ones_like(w) if counts is None else counts[keep]
    order = np.argsort(w)[::-1]
    w, c = w[order], c[order]
    budget = max_overweight * float(np.sum(c * w))
    # excess(k) = sum_{i<k} c_i (w_i - w_k) for w_max = w_k, non-decreasing in k
    excess = np.cumsum(c * w) - w * np.cumsum(c)
    k = int(np.searchsorted(excess, budget, side="right")) - 1
    return float(w[max(k, 0)])


@dataclass
class GenerationStats:
    """Bookkeeping of the unweighting (all weights in fb)."""

    w_max: float = 0.0
    n_trials: int = 0
    n_accepted: int = 0
    n_overweight: int = 0
    sum_w: float = 0.0
    sum_w2: float = 0.0
    sum_excess: float = 0.0

    @property
    def efficiency(self) -> float:
        """Unweighting efficiency <w> / w_max over the trials."""
        return self.sum_w / (self.n_trials * self.w_max) if self.n_trials and self.w_max else 0.0

    @property
    def overweight_event_fraction(self) -> float:
        return self.n_overweight / self.n_accepted if self.n_accepted else 0.0

    @property
    def overweight_sigma_fraction(self) -> float:
        """Fraction of the cross section above w_max, sum(w - w_max)_+ / sum(w), over the trials."""
        return self.sum_excess / self.sum_w if self.sum_w else 0.0


class Generator:
    """Base of every event generator: unweighted and weighted event streams from ``_draw``."""

    process: Process
    settings: RunSettings
    seed: int | np.random.SeedSequence
    rng: np.random.Generator
    sigma: Estimate | None
    stats: GenerationStats
    _block: int = 0  #: index of the next hard-process event block (its decays use the sub-stream of it)

    def _next_block_rng(self) -> np.random.Generator:
        """The decay sub-stream of the next hard-process event block (a generator subclass that keeps no
        ``seed`` uses the SeedSequence of its ``rng``)."""
        seed = getattr(self, "seed", None)
        rng = substream(self.rng.bit_generator.seed_seq if seed is None else seed, "decay", self._block)
        self._block += 1
        return rng

    def cross_section(self, progress: Progress | None = None) -> Estimate:  # pragma: no cover - abstract
        raise NotImplementedError

    def _draw(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - abstract
        """n weighted points: momenta (n, k, 4) [GeV], weights (n,) [fb], helicities (n, k) int8."""
        raise NotImplementedError

    @property
    def batch_size(self) -> int:
        return 100_000

    def setup_work(self, pilot: bool) -> int:
        """Units of work before the first event (for progress bars): integration points (+ pilot)."""
        return self.settings.n_points + (self.settings.n_pilot if pilot else 0)

    def prepare_unweighting(self, progress: Progress | None = None) -> None:
        """Cross section, then the pilot run that fixes w_max (once)."""
        self.cross_section(progress)
        if self.stats.w_max == 0.0:
            weights = np.concatenate(
                [self._draw(m)[1] for m in split(self.settings.n_pilot, self.batch_size)]
            )
            self.stats.w_max = choose_w_max(weights, self.settings.max_overweight)
            if progress is not None:
                progress(self.settings.n_pilot)

    def unweighted(self, n: int, progress: Progress | None = None) -> Iterator[EventBatch]:
        """Yield ``n`` unweighted events in chunks (each event weight 1, or w / w_max > 1 if overweight)."""
        self.prepare_unweighting(progress)
        st = self.stats
        chunk = self.settings.chunk_size
        produced = 0
        pending: list[EventBatch] = []
        n_pending = 0
        while produced < n:
            p_all, w, hel_all = self._draw(self.batch_size)
            decay_rng = self._next_block_rng()
            st.n_trials += w.size
            st.sum_w += float(w.sum())
            st.sum_w2 += float((w * w).sum())
            st.sum_excess += float(np.maximum(w - st.w_max, 0.0).sum())
            acc = self.rng.random(w.size) * st.w_max < w
            if np.any(acc):
                ww = np.maximum(w[acc] / st.w_max, 1.0)
                pending.append(self._finish(p_all[acc], ww, False, hel_all[acc], decay_rng))
                n_pending += int(acc.sum())
            while n_pending >= chunk or (n_pending > 0 and produced + n_pending >= n):
                take = min(chunk, n - produced)
                joined = EventBatch.concatenate(pending) if len(pending) > 1 else pending[0]
                pending = [joined.select(slice(take, None))] if len(joined) > take else []
                n_pending = len(joined) - take if len(joined) > take else 0
                batch = joined.select(slice(0, take))
                st.n_accepted += take
                st.n_overweight += int(np.count_nonzero(batch.weights > 1.0))
                produced += take
                if progress is not None:
                    progress(take)
                yield batch
                if produced >= n:
                    break

    def prepare_weighted(self, progress: Progress | None = None) -> None:
        """What weighted events need first (default: the cross section)."""
        self.cross_section(progress)

    def weighted(self, n: int, progress: Progress | None = None) -> Iterator[EventBatch]:
        """Yield ``n`` weighted events in chunks; weights in fb with mean = sigma. The hard process is
        drawn in full blocks of ``chunk_size`` (the last one trimmed), so the first events do not depend on
        ``n``."""
        self.prepare_weighted(progress)
        block = self.settings.chunk_size
        for m in split(n, block):
            p, w, hel = self._draw(block)
            batch = self._finish(p, w, True, hel, self._next_block_rng())
            if progress is not None:
                progress(m)
            yield batch if m == block else batch.select(slice(0, m))

    def _finish(
        self,
        momenta: np.ndarray,
        weights: np.ndarray,
        weighted: bool,
        helicities: np.ndarray,
        decay_rng: np.random.Generator,
    ) -> EventBatch:
        """An event batch of the process's layout, then the process's decays (random numbers of
        ``decay_rng``, the decay sub-stream of the hard block the events come from)."""
        proc = self.process
        sigma = self.sigma or Estimate(float("nan"), float("nan"), 0)
        batch = EventBatch.from_momenta(
            proc.layout,
            momenta,
            weights,
            helicities,
            proc.sqrt_s,
            weighted=weighted,
            info={"sigma_fb": sigma.mean, "sigma_err_fb": sigma.error},
        )
        return proc.decay(batch, decay_rng, self.settings.decays)


def split(n: int, size: int) -> list[int]:
    """``n`` as a list of batch sizes of at most ``size``."""
    return [size] * (n // size) + ([n % size] if n % size else [])
