"""Cross sections and events of the signal processes (physics.md section 2).

:class:`EventGenerator` runs, in order and from one seeded ``numpy.random.Generator``:

1. adaptation of the multichannel sampler (:mod:`darkstrahl.gen.sampler`);
2. the cross section from ``n_points`` fresh points;
3. for unweighted events, a pilot run of ``n_pilot`` points that fixes w_max;
4. accept-reject in vectorized batches (:mod:`darkstrahl.gen.unweighting`, which also documents the
   overweight policy), every event carrying a helicity configuration drawn from its |M_h|^2.

:func:`make_generator` returns the generator of any process, signal or background.
"""

from __future__ import annotations

import numpy as np

from darkstrahl.errors import ParameterError

from .amplitudes import helicities_from_codes
from .process import SignalProcess
from .sampler import Estimate, MultiChannelSampler
from .unweighting import GenerationStats, Generator, Progress, RunSettings, choose_w_max, split

__all__ = ["EventGenerator", "GenerationStats", "RunSettings", "choose_w_max", "make_generator", "split"]


class EventGenerator(Generator):
    """Adaptive integration and unweighted or weighted event generation for a signal ``process``."""

    def __init__(self, process: SignalProcess, seed: int, settings: RunSettings | None = None) -> None:
        self.process = process
        self.settings = settings or RunSettings()
        self.rng = np.random.default_rng(seed)
        self.sampler = MultiChannelSampler(
            process.phase_space, process.integrand, self.rng, self.settings.sampler
        )
        self._adapted = False
        self.sigma: Estimate | None = None
        self.stats = GenerationStats()

    @property
    def batch_size(self) -> int:
        return self.sampler.settings.batch

    def setup_work(self, pilot: bool) -> int:
        s = self.sampler.settings
        return s.n_iterations * s.n_per_iteration + super().setup_work(pilot)

    def adapt(self, progress: Progress | None = None) -> None:
        """Adapt the sampler (once)."""
        if not self._adapted:
            self.sampler.adapt(progress)
            self._adapted = True

    def prepare_weighted(self, progress: Progress | None = None) -> None:
        """Weighted events need the adapted sampler, and sigma only if ``n_points`` > 0."""
        self.adapt(progress)
        if self.settings.n_points > 0:
            self.cross_section(progress)

    def cross_section(self, progress: Progress | None = None) -> Estimate:
        """Adapt (once) and integrate: sigma [fb] with its Monte Carlo error."""
        self.adapt(progress)
        if self.settings.n_points < 2:
            raise ParameterError(
                "run.n_points", "a cross section needs n_points >= 2", self.settings.n_points
            )
        if self.sigma is None:
            self.sigma = self.sampler.integrate(self.settings.n_points, progress)
        return self.sigma

    def _draw(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        proc = self.process
        # events carry a helicity configuration drawn with the same rng as everything else
        self.sampler.integrand = lambda p: proc.integrand_and_helicity(p, self.rng.random(p.shape[0]))
        smp = self.sampler.sample(n)
        self.sampler.integrand = proc.integrand
        return smp.momenta, smp.weights, helicities_from_codes(proc.name, smp.aux, smp.momenta.shape[1])


def make_generator(process: object, seed: int, settings: RunSettings | None = None) -> Generator:
    """The generator of a signal (:class:`SignalProcess`) or background process."""
    from .background import BackgroundGenerator, BackgroundProcess

    if isinstance(process, BackgroundProcess):
        return BackgroundGenerator(process, seed, settings)
    if isinstance(process, SignalProcess):
        return EventGenerator(process, seed, settings)
    raise TypeError(f"no generator for {process!r}")
