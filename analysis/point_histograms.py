"""One mass point of a scan: one signal and one background sample serve every (eps, theta, N_b).

The expected histograms are linear in per-event weights, so the signal sample is reduced once to a sparse
response matrix R (events x bins; R[i, k] = the probability that event i lands in bin k after the
resolution: the limit of infinitely many copies of the physics.md section 3 reference method, analytic for
m_chichi and by quadrature for sqrt(|v|), :mod:`darkstrahl.detector.response`), the background sample
straight to its histogram (the same sums without storing its R), and the histograms are

    S_k(eps, theta) = L / N_s sum_i w_i (eps / eps_0)^2 (cos theta / cos theta_0)^2 P_i(theta) R_ik,
    B_k(N_b)        = N_b x (background histogram normalized to n_b = 1 in L),

with P_i(theta) = exp(-r_in / d_i) - exp(-r_out / d_i), d_i = p_T c tau(theta) / m_phi: reweight and rescale,
never regenerate (physics.md section 4). Neglected: theta also enters Gamma_A' through the cos^2(theta) of
Gamma(A' -> chi chibar phi), a relative change of order 1e-9 for theta < 1e-3 (tested against regeneration).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from darkstrahl.detector.reconstructed import Reconstructed
from darkstrahl.detector.regions import Region, decay_probability
from darkstrahl.detector.response import SqrtV
from darkstrahl.gen.layout import Layout, Lifetime
from darkstrahl.gen.model import DarkModel

from .binning import mchichi_edges, sqrt_v_edges
from .reach import ThetaRegion, eps_reach, theta_region
from .variables import e_bar
from .window import Window, grow_cut, grow_window


def observable(channel: str, m_Ap: float, sqrt_s: float) -> str | SqrtV:
    """The channel's analysis variable: m_chichi (phi) or sqrt(|v|) (gamma_phi) [GeV]."""
    return "m_chichi" if channel == "phi" else SqrtV(m_Ap, float(e_bar(sqrt_s, m_Ap)))


@dataclass
class PointAnalysis:
    """Histograms of one (benchmark, m_A', channel) as functions of eps, theta and N_b (module docstring)."""

    channel: str
    model: DarkModel  # the generated point (eps_0 = model.eps, theta_0 = model.theta)
    luminosity_fb: float
    edges: NDArray
    start_bin: int  # bin containing m_A' (phi channel); 0 for gamma_phi
    response: sparse.csr_matrix
    event_weight: NDArray  # (n,) fb, mean = sigma
    d_mm: NDArray  # (n,) mean transverse decay distance at theta_0
    region: Region
    background_unit: NDArray  # expected background events per bin for N_b = 1
    layout: Layout  # the signal's event record: its rate dependences and phi's lifetime rule
    _hists: dict[tuple[float, float], NDArray] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        r = sparse.csr_matrix(self.response)  # no copy if CSR; its arrays are those of R^T in CSC form
        self._response_t = sparse.csc_matrix((r.data, r.indices, r.indptr), shape=r.shape[::-1])

    @property
    def lifetime(self) -> Lifetime:
        return self.layout.long_lived[0].lifetime

    @classmethod
    def build(
        cls,
        signal: Reconstructed,
        background: Reconstructed,
        model: DarkModel,
        sqrt_s: float,
        luminosity_fb: float,
        rng: np.random.Generator | None = None,
    ) -> PointAnalysis:
        """Reduce a reconstructed signal sample to its response matrix and the background sample to its
        histogram (the expected histograms after the detector's resolution, :meth:`Reconstructed.response`,
        :meth:`Reconstructed.histogram`; ``rng`` is passed on,
        it serves only the copy method, not the default)."""
        m = model.m_Ap
        obs = observable(signal.channel, m, sqrt_s)
        (lo_s, hi_s), (lo_b, hi_b) = signal.smeared_range(obs), background.smeared_range(obs)
        lo, hi = min(lo_s, lo_b), max(hi_s, hi_b)
        if signal.channel == "phi":
            edges = mchichi_edges(m, lo, hi)
            start = int(np.searchsorted(edges, m, side="right") - 1)
        else:
            edges = sqrt_v_edges(hi)
            start = 0
        rs = signal.response(edges, obs, rng)
        n_b = len(background.event_weight)
        bkg = luminosity_fb * background.histogram(edges, obs, background.event_weight, rng) / n_b
        return cls(
            signal.channel,
            model,
            luminosity_fb,
            edges,
            start,
            rs,
            signal.event_weight,
            signal.d_mm[:, 0],
            signal.region,
            np.asarray(bkg).ravel(),
            signal.layout,
        )

    # ------------------------------------------------------------------ histograms
    def ctau_mm(self, theta: float) -> float:
        """c tau of phi at mixing angle theta [mm] (the layout's lifetime rule)."""
        return self.lifetime.ctau_mm(theta)

    def event_yields(self, eps: float, theta: float) -> NDArray:
        """Expected signal events carried by each event at (eps, theta) before the window."""
        d = self.d_mm * (self.ctau_mm(theta) / self.ctau_mm(self.model.theta))
        scale = self.layout.rate_factor(eps=eps, theta=theta)
        return (
            self.luminosity_fb
            / len(self.event_weight)
            * scale
            * self.event_weight
            * decay_probability(d, self.region)
        )

    def signal_hist(self, eps: float, theta: float) -> NDArray:
        """Expected signal events per bin at (eps, theta) (remembered: the theta regions of every N_b
        evaluate the same theta grid; a read-only array)."""
        key = (float(eps), float(theta))
        hist = self._hists.get(key)
        if hist is None:
            hist = self._response_t @ self.event_yields(eps, theta)
            hist.flags.writeable = False
            self._hists[key] = hist
        return hist

    def signal_before(self, eps: float, theta: float) -> float:
        """Expected signal events after the displacement weight, before the window (all bins)."""
        return float(self.event_yields(eps, theta).sum())

    # ------------------------------------------------------------------ optimization and reach
    def optimize(self, s: NDArray, n_b: float) -> Window:
        b = n_b * self.background_unit
        return grow_window(s, b, self.start_bin) if self.channel == "phi" else grow_cut(s, b)

    def window(self, eps: float, theta: float, n_b: float) -> Window:
        """The optimized window at (eps, theta, N_b)."""
        return self.optimize(self.signal_hist(eps, theta), n_b)

    def eps_reach(self, theta: float, n_b: float) -> float:
        """eps with -2 ln L = 3.84 at fixed theta (window re-optimized at every eps)."""
        base = self.signal_hist(self.model.eps, theta)
        if base.sum() <= 0:
            return math.inf
        return eps_reach(lambda e: self.optimize(base * (e / self.model.eps) ** 2, n_b).value)

    def theta_region(self, eps: float, n_b: float, grid: NDArray) -> ThetaRegion:
        """Excluded theta region(s) at fixed eps."""
        return theta_region(lambda t: self.window(eps, t, n_b).value, grid)
