"""Adaptive multichannel importance sampling with one vegas map per channel.

For a phase space with channels c = 1..C (:class:`~darkstrahl.gen.phasespace.PhaseSpace`), a point is made
by drawing a channel with probability alpha_c, a uniform y in [0, 1]^d, the channel's vegas map u = V_c(y)
(:class:`vegas.AdaptiveMap`, the importance map that a :class:`vegas.Integrator` refines) and the channel's
phase-space map. Its weight is

    w = f(p) W_phys(x) J_angles / g(x),     g(x) = sum_c alpha_c / (J_c(x) J_Vc(y_c(x))),

the integrand over the multichannel density (Kleiss & Pittau, Comput. Phys. Commun. 83 (1994) 141), so that
<w> = int f dPhi for any alpha and maps. Because every channel shares the angle maps and its x map has an
exact inverse, every channel's density is evaluated at every point; this is why the maps are vegas
AdaptiveMaps without vegas's stratification (a stratified density is not known at foreign points). The
densities at foreign points come from :func:`~darkstrahl.gen.vegas_kernels.foreign_density`, an O(1) lookup
of J_Vc equal bit for bit to vegas's ``AdaptiveMap.invmap`` (a binary search per point and dimension).
Adaptation: each map is trained on its own points with w^2 (vegas's |f J|^2), and
alpha_c <- alpha_c sqrt(<(g_c/g) w^2>) (normalized, floored at ``alpha_min``).

Randomness comes only from the ``numpy.random.Generator`` passed in, so a seed fixes every number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import vegas
from numpy.typing import NDArray

from .phasespace import PhaseSpace
from .vegas_kernels import foreign_density

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SamplerSettings:
    """Numbers that steer the adaptation (defaults suit both signal processes)."""

    n_iterations: int = 10  #: adaptation iterations
    n_per_iteration: int = 40_000  #: points per adaptation iteration
    ninc: int = 200  #: vegas increments per dimension
    vegas_alpha: float = 1.0  #: vegas damping of the grid adaptation
    alpha_min: float = 0.02  #: floor on channel weights
    batch: int = 100_000  #: points per vectorized batch


@dataclass
class Sample:
    """One batch of weighted points: momenta (n, particles, 4) [GeV], weights (n,) [fb], channel (n,)."""

    momenta: FloatArray
    weights: FloatArray
    channel: NDArray[np.int64]
    y: FloatArray
    channel_share: FloatArray  # (n, C): g_c/g, each channel's share of the density at the point
    aux: NDArray | None = None  # what the integrand returned besides f (e.g. helicity codes)


@dataclass
class Estimate:
    """A Monte Carlo estimate of a cross section [fb] from ``n`` points."""

    mean: float
    error: float
    n: int

    @classmethod
    def from_weights(cls, w: FloatArray) -> Estimate:
        n = w.size
        return cls(float(w.mean()), float(w.std(ddof=1) / math.sqrt(n)) if n > 1 else math.inf, n)


def kleiss_pittau_update(
    alphas: FloatArray, channel_share: FloatArray, w2: FloatArray, alpha_min: float
) -> FloatArray:
    """One Kleiss-Pittau step (Comput. Phys. Commun. 83 (1994) 141): alpha_c <- alpha_c sqrt(W_c),
    W_c = <(g_c/g) w^2> with g_c the channel's own density, normalized and floored at ``alpha_min``.

    ``alphas`` (C,); ``channel_share`` (n, C) = alpha_c g_c/g of the points (so W_c = <share_c w^2>/alpha_c);
    ``w2`` (n,) the squared weights. The fixed point has equal W_c, where the variance is stationary. (Without
    the division by alpha_c the step would be alpha_c sqrt(alpha_c W_c), whose fixed point alpha_c W_c = const
    is unstable: the largest channel grows and the others sink to the floor.)"""
    wc = np.mean(channel_share * w2[:, None], axis=0) / alphas
    new = alphas * np.sqrt(np.maximum(wc, 0.0))
    if not new.sum() > 0:
        return alphas
    new = np.maximum(new / new.sum(), alpha_min)
    return new / new.sum()


@dataclass
class MultiChannelSampler:
    """Multichannel sampler of ``integrand`` (a function of momenta returning fb per unit dPhi) over
    ``space``. Call :meth:`adapt`, then :meth:`integrate` or :meth:`sample`."""

    space: PhaseSpace
    integrand: Callable[[FloatArray], FloatArray | tuple[FloatArray, NDArray]]
    rng: np.random.Generator
    settings: SamplerSettings = field(default_factory=SamplerSettings)
    #: evaluate foreign densities with vegas's own ``invmap``, the former code and the reference of
    #: ``vegas_kernels.foreign_density`` (same numbers bit for bit); kept for the end-to-end test, benchmark
    _vegas_invmap = False

    def __post_init__(self) -> None:
        nc = len(self.space.channels)
        self.maps = [
            vegas.AdaptiveMap([[0.0, 1.0]] * self.space.ndim, ninc=self.settings.ninc) for _ in range(nc)
        ]
        self.alphas = np.full(nc, 1.0 / nc)
        self.history: list[Estimate] = []

    # ------------------------------------------------------------------ sampling
    def sample(self, n: int) -> Sample:
        """``n`` weighted points (one vectorized batch)."""
        sp, nc, d = self.space, len(self.space.channels), self.space.ndim
        ch = self.rng.choice(nc, size=n, p=self.alphas) if nc > 1 else np.zeros(n, dtype=np.int64)
        y = self.rng.random((n, d))
        u = np.empty_like(y)
        jv = np.empty(n)
        x = np.empty((n, sp.nx))
        jx = np.empty(n)
        for c in range(nc):
            idx = np.flatnonzero(ch == c)
            if idx.size == 0:
                continue
            uc, jc = np.empty((idx.size, d)), np.empty(idx.size)
            self.maps[c].map(np.ascontiguousarray(y[idx]), uc, jc)
            u[idx], jv[idx] = uc, jc
            x[idx], jx[idx] = sp.channels[c].to_x(uc[:, : sp.nx])
        ang, ja = sp.angles(u[:, sp.nx :])
        p, wphys = sp.build(x, ang)
        density = np.empty((n, nc))  # 1 / (J_c J_Vc): density of channel c at each point
        for c in range(nc):
            own = ch == c
            density[own, c] = 1.0 / (jx[own] * jv[own])
            other = np.flatnonzero(~own)
            if other.size == 0:
                continue
            ux, jxc = sp.channels[c].from_x(x[other])
            if not self._vegas_invmap:
                foreign_density(self.maps[c], ux, u, other, jxc, density, c)
                continue
            uc = np.empty((other.size, d))
            uc[:, : sp.nx] = np.clip(ux, 0.0, 1.0)
            uc[:, sp.nx :] = u[other, sp.nx :]
            jvc = np.empty(other.size)
            self.maps[c].invmap(uc, np.empty((other.size, d)), jvc)
            density[other, c] = 1.0 / (jxc * jvc)
        g_parts = density * self.alphas
        g = g_parts.sum(axis=1)
        result = self.integrand(p)
        f, aux = result if isinstance(result, tuple) else (result, None)
        w = f * wphys * ja / g
        return Sample(p, w, ch, y, g_parts / g[:, None], aux)

    # ------------------------------------------------------------------ adaptation
    def adapt(self, progress: Callable[[int], None] | None = None) -> list[Estimate]:
        """Refine the vegas maps and channel weights; returns the per-iteration estimates."""
        s = self.settings
        for _ in range(s.n_iterations):
            smp = self.sample(s.n_per_iteration)
            w2 = smp.weights**2
            for c, amap in enumerate(self.maps):
                own = smp.channel == c
                if np.any(own) and np.any(w2[own] > 0):
                    amap.add_training_data(np.ascontiguousarray(smp.y[own]), w2[own])
                    amap.adapt(alpha=s.vegas_alpha)
            if len(self.maps) > 1:
                self.alphas = kleiss_pittau_update(self.alphas, smp.channel_share, w2, s.alpha_min)
            self.history.append(Estimate.from_weights(smp.weights))
            if progress is not None:
                progress(s.n_per_iteration)
        return self.history

    def integrate(self, n: int, progress: Callable[[int], None] | None = None) -> Estimate:
        """Cross section [fb] and its Monte Carlo error from ``n`` fresh points (maps frozen)."""
        total = 0.0
        total2 = 0.0
        done = 0
        while done < n:
            m = min(self.settings.batch, n - done)
            w = self.sample(m).weights
            total += float(w.sum())
            total2 += float((w * w).sum())
            done += m
            if progress is not None:
                progress(m)
        mean = total / n
        var = max(total2 / n - mean * mean, 0.0)
        return Estimate(mean, math.sqrt(var / (n - 1)) if n > 1 else math.inf, n)
