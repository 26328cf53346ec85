"""Mock backgrounds from flat phase space (physics.md 'Mock backgrounds'; reference.md section 4).

``bkg_phi``: e+e- -> (m_phi, m_chi, m_chi), a 2 -> 3 RAMBO final state; ``bkg_gamma_phi``: e+e- ->
(0, m_phi, m_chi, m_chi), 2 -> 4, with the photon generation cuts of the signal. The matrix element is a
constant, fixed so that the expected number of events for the luminosity L is n_b in the phi channel and
ratio_gamma x n_b in the gamma-phi channel (ratio_gamma = 0.22 ~ sigma(ee -> 3 gamma)/sigma(ee -> 2 gamma)):

    sigma_b = n_b / L  (x ratio_gamma),   event weight w = sigma_b (2 pi)^(4-3n) W_RAMBO cut / V_cut,

with V_cut = <(2 pi)^(4-3n) W cut>, the phase-space volume after cuts, measured from ``n_points`` points.
The m_phi particle stands for the displaced pair (no displacement weight); by default it is not decayed.
The event record is that of the signal channel it imitates without the A' lines
(:func:`~darkstrahl.gen.signal_process.dark_higgs_layout`); it implements
:class:`~darkstrahl.gen.process.FlatProcess`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

from .decays import decay_phi
from .event_stream import GenerationStats, Generator, Progress, RunSettings, split
from .events import EventBatch
from .kinematics import cm_beams
from .layout import Layout
from .model import DarkModel
from .process import FlatProcess, ProcessRequest
from .rambo import phase_space_factor, rambo
from .sampler import Estimate
from .signal_process import GenerationCuts, dark_higgs_layout

#: The signal channel each background imitates.
SIGNAL_CHANNEL = {"bkg_phi": "phi", "bkg_gamma_phi": "gamma_phi"}
FB_PER_AB = 1000.0  # 1 ab^-1 = 1000 fb^-1


@dataclass(frozen=True)
class BackgroundProcess:
    """A flat-phase-space background normalized to ``n_b`` events in ``luminosity_ab`` [ab^-1]."""

    name: str
    model: DarkModel
    sqrt_s: float = 10.58
    n_b: float = 1.0
    luminosity_ab: float = 10.0
    ratio_gamma: float = 0.22
    cuts: GenerationCuts = field(default_factory=GenerationCuts)
    sampling = "flat"

    def __post_init__(self) -> None:
        if self.name not in SIGNAL_CHANNEL:
            raise ParameterError("process.name", f"must be one of {sorted(SIGNAL_CHANNEL)}", self.name)
        if not self.n_b > 0:
            raise ParameterError("process.n_b", "expected background events must be > 0", self.n_b)
        if not self.luminosity_ab > 0:
            raise ParameterError("analysis.luminosity", "must be > 0 ab^-1", self.luminosity_ab)
        if not self.ratio_gamma > 0:
            raise ParameterError("process.ratio_gamma", "must be > 0", self.ratio_gamma)
        if not self.sqrt_s > sum(self.masses):
            raise ParameterError("run.sqrt_s", "must exceed the sum of the final-state masses", self.sqrt_s)

    @property
    def channel(self) -> str:
        """The signal channel this background imitates (``phi`` or ``gamma_phi``)."""
        return SIGNAL_CHANNEL[self.name]

    @cached_property
    def layout(self) -> Layout:
        return dark_higgs_layout(self.name, self.channel, self.model, intermediates=False, displaced=False)

    def decay(self, batch: EventBatch, rng: np.random.Generator, mode: str) -> EventBatch:
        """The stand-in phi decays like the signal's when asked (default none)."""
        return batch if mode == "none" else decay_phi(batch, self.model, rng, mode == "charged")

    def summary(self) -> dict[str, object]:
        return {"n_b": self.n_b, "luminosity_ab": self.luminosity_ab}

    @property
    def masses(self) -> tuple[float, ...]:
        """Final-state masses [GeV] in the order of :attr:`particles` (after the two beams)."""
        m = self.model
        base = (m.m_phi, m.m_chi, m.m_chi)
        return (0.0, *base) if self.channel == "gamma_phi" else base

    @property
    def sigma_fb(self) -> float:
        """The normalized cross section n_b / L (x ratio_gamma for the gamma-phi channel) [fb]."""
        sigma = self.n_b / (self.luminosity_ab * FB_PER_AB)
        return sigma * self.ratio_gamma if self.channel == "gamma_phi" else sigma

    def phase_space_points(self, rng: np.random.Generator, n: int) -> tuple[NDArray, NDArray]:
        """n RAMBO points: momenta (n, 2 + k, 4) with the beams first, and the phase-space weight
        (2 pi)^(4-3k) W x (generation cuts) [GeV^(2k-4)]."""
        k = len(self.masses)
        p, w = rambo(self.sqrt_s, np.array(self.masses), rng.random((n, 4 * k)))
        beams = cm_beams(self.sqrt_s, n)
        w = w * phase_space_factor(k)
        if self.channel == "gamma_phi":
            e = p[:, 0, 0]
            cos_t = p[:, 0, 3] / e
            c = self.cuts
            ok = (
                (e >= c.e_min)
                & (cos_t <= math.cos(math.radians(c.theta_min)))
                & (cos_t >= math.cos(math.radians(c.theta_max)))
            )
            w = np.where(ok, w, 0.0)
        return np.concatenate([beams, p], axis=1), w


class FlatGenerator(Generator):
    """Events of a :class:`~darkstrahl.gen.process.FlatProcess` (RAMBO, constant matrix element)."""

    process: FlatProcess

    def __init__(self, process: FlatProcess, seed: int, settings: RunSettings | None = None) -> None:
        self.process = process
        self.settings = settings or RunSettings(decays="none")
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self._block = 0
        self.sigma: Estimate | None = None
        self.volume: Estimate | None = None
        self.stats = GenerationStats()

    def cross_section(self, progress: Progress | None = None) -> Estimate:
        """sigma_b = n_b / L exactly (error 0); measures V_cut, the volume that fixes the constant |M|^2."""
        if self.volume is None:
            total = total2 = 0.0
            n = self.settings.n_points
            for m in split(n, self.batch_size):
                _, w = self.process.phase_space_points(self.rng, m)
                total += float(w.sum())
                total2 += float((w * w).sum())
                if progress is not None:
                    progress(m)
            mean = total / n
            if not mean > 0.0:  # no point passed the photon cuts: |M|^2 = sigma_b / V_cut is undefined
                raise ParameterError(
                    "process.e_gamma_min/theta_gamma_min/theta_gamma_max",
                    f"none of the {n} phase-space points of {self.process.name} at sqrt(s) = "
                    f"{self.process.sqrt_s:.6g} GeV passes the photon cuts "
                    "(loosen them or raise run.n_points)",
                )
            self.volume = Estimate(mean, math.sqrt(max(total2 / n - mean**2, 0.0) / (n - 1)), n)
            self.sigma = Estimate(self.process.sigma_fb, 0.0, n)
        assert self.sigma is not None
        return self.sigma

    @property
    def matrix_element_squared(self) -> float:
        """The constant |M|^2 that gives sigma_b: 2 s sigma_b / V_cut (GeV^(8-2n), sigma in GeV^-2)."""
        from .constants import GEV2_TO_FB

        self.cross_section()
        assert self.volume is not None
        return 2.0 * self.process.sqrt_s**2 * self.process.sigma_fb / GEV2_TO_FB / self.volume.mean

    def _draw(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self.cross_section()
        assert self.volume is not None
        p, w = self.process.phase_space_points(self.rng, n)
        weights = w * (self.process.sigma_fb / self.volume.mean)
        return p, weights, np.zeros(p.shape[:2], dtype=np.int8)


def build_flat_background(request: ProcessRequest) -> BackgroundProcess:
    """The flat background of a run card (``[model]``, ``[process]``, ``[analysis] luminosity``)."""
    pr = request.section("process")
    return BackgroundProcess(
        request.name,
        DarkModel.from_section(request.section("model")),
        sqrt_s=request.sqrt_s,
        n_b=pr.get("n_b", 1.0),
        luminosity_ab=request.section("analysis").get("luminosity", 10.0),
        ratio_gamma=pr.get("ratio_gamma", 0.22),
        cuts=GenerationCuts.from_section(pr),
    )
