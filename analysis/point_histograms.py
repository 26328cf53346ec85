"""One mass point of a scan: one signal and one background sample serve every (eps, theta, N_b).

The expected histograms are linear in per-event weights, so each sample is reduced once to a sparse response
matrix R (events x bins; R[i, k] = fraction of event i's Gaussian copies in bin k, physics.md section 3
reference method) and the histograms are

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

from darkstrahl.detector.belle2 import Reconstructed
from darkstrahl.detector.regions import Region, decay_probability
from darkstrahl.detector.resolution import ecl_relative_resolution
from darkstrahl.detector.response import gaussian_response, sqrt_v_copies_response
from darkstrahl.gen.constants import HBARC_GEV_MM
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.widths import phi_widths

from .binning import mchichi_edges, sqrt_v_edges
from .reach import ThetaRegion, eps_reach, theta_region
from .variables import e_bar, sqrt_abs_v
from .window import Window, grow_cut, grow_window


def observable(rec: Reconstructed, m_Ap: float, sqrt_s: float) -> NDArray:
    """The channel's analysis variable per copy: m_chichi (phi) or sqrt(|v|) (gamma_phi) [GeV]."""
    if rec.channel == "phi":
        return rec.m_chichi
    return sqrt_abs_v(rec.e_gamma, rec.m_chichi, m_Ap, sqrt_s)


def response_matrix(rec: Reconstructed, values: NDArray, edges: NDArray) -> sparse.csr_matrix:
    """R (events x bins): fraction of each event's copies in each bin (copies outside the edges dropped)."""
    k = np.searchsorted(edges, values, side="right") - 1
    ok = (k >= 0) & (k < len(edges) - 1) & np.isfinite(values)
    n_ev = int(rec.event.max()) + 1 if len(rec.event) else 0
    return sparse.csr_matrix(
        (np.full(int(ok.sum()), 1.0 / rec.n_copies), (rec.event[ok], k[ok])), shape=(n_ev, len(edges) - 1)
    )


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
    sm_width_sin1: float = field(init=False)
    dark_width_cos1: float = field(init=False)

    def __post_init__(self) -> None:
        self._response_t = self.response.T.tocsr()  # bins x events: a row-major product per histogram
        ph = phi_widths(self.model)
        s2, c2 = math.sin(self.model.theta) ** 2, math.cos(self.model.theta) ** 2
        self.sm_width_sin1 = (ph.total - ph.dark) / s2
        self.dark_width_cos1 = ph.dark / c2

    @classmethod
    def build(
        cls,
        signal: Reconstructed,
        background: Reconstructed,
        model: DarkModel,
        sqrt_s: float,
        luminosity_fb: float,
        reference_copies: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> PointAnalysis:
        """Reduce a reconstructed signal and background sample to their response matrices.

        With ``reference_copies`` (records simulated with resolution ``none``), the reference resolution
        method is applied here through :mod:`darkstrahl.detector.response`: analytically for m_chichi, with
        that many copies (drawn from ``rng``) for sqrt(|v|). Otherwise the records' own copies are binned.
        """
        m = model.m_Ap
        phi = signal.channel == "phi"
        if reference_copies is None:
            xs, xb = observable(signal, m, sqrt_s), observable(background, m, sqrt_s)
            finite = np.concatenate([xs[np.isfinite(xs)], xb[np.isfinite(xb)]])
            lo, hi = float(finite.min()), float(finite.max())
        else:
            lo, hi = _smeared_range(signal, background, m, sqrt_s)
        if phi:
            edges = mchichi_edges(m, lo, hi)
            start = int(np.searchsorted(edges, m, side="right") - 1)
        else:
            edges = sqrt_v_edges(hi)
            start = 0
        if reference_copies is None:
            rs, rb = response_matrix(signal, xs, edges), response_matrix(background, xb, edges)
        else:
            if rng is None:
                raise ValueError("the reference response needs a random generator")
            rs, rb = (
                _reference_response(r, m, sqrt_s, edges, reference_copies, rng) for r in (signal, background)
            )
        n_b = len(background.event_weight)
        bkg = luminosity_fb * (background.event_weight @ rb) / n_b
        return cls(
            signal.channel,
            model,
            luminosity_fb,
            edges,
            start,
            rs,
            signal.event_weight,
            signal.d_mm,
            signal.region,
            np.asarray(bkg).ravel(),
        )

    # ------------------------------------------------------------------ histograms
    def ctau_mm(self, theta: float) -> float:
        """c tau of phi at mixing angle theta [mm] (SM widths x sin^2, dark width x cos^2)."""
        width = math.sin(theta) ** 2 * self.sm_width_sin1 + math.cos(theta) ** 2 * self.dark_width_cos1
        return HBARC_GEV_MM / width

    def event_yields(self, eps: float, theta: float) -> NDArray:
        """Expected signal events carried by each event at (eps, theta) before the window."""
        d = self.d_mm * (self.ctau_mm(theta) / self.ctau_mm(self.model.theta))
        scale = (eps / self.model.eps) ** 2 * (math.cos(theta) / math.cos(self.model.theta)) ** 2
        return (
            self.luminosity_fb
            / len(self.event_weight)
            * scale
            * self.event_weight
            * decay_probability(d, self.region)
        )

    def signal_hist(self, eps: float, theta: float) -> NDArray:
        """Expected signal events per bin at (eps, theta)."""
        return self._response_t @ self.event_yields(eps, theta)

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


def _reference_response(
    rec: Reconstructed, m_Ap: float, sqrt_s: float, edges: NDArray, copies: int, rng: np.random.Generator
) -> sparse.csr_matrix:
    m = rec.m_chichi_true
    if rec.channel == "phi":
        return gaussian_response(m, m * ecl_relative_resolution(m), edges)
    return sqrt_v_copies_response(rec.e_gamma_true, m, m_Ap, float(e_bar(sqrt_s, m_Ap)), edges, copies, rng)


def _smeared_range(
    signal: Reconstructed, background: Reconstructed, m_Ap: float, sqrt_s: float
) -> tuple[float, float]:
    """Range of the observable that contains every reference-smeared copy up to 8 sigma."""
    m = np.concatenate([signal.m_chichi_true, background.m_chichi_true])
    sm = 8.0 * m * ecl_relative_resolution(m)
    if signal.channel == "phi":
        return float((m - sm).min()), float((m + sm).max())
    e = np.concatenate([signal.e_gamma_true, background.e_gamma_true])
    se = 8.0 * e * ecl_relative_resolution(e)
    ebar = float(e_bar(sqrt_s, m_Ap))
    return 0.0, float(np.sqrt((np.abs(e - ebar) + se) * (np.abs(m - m_Ap) + sm)).max())
