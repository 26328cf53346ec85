"""The 2-D search of the A'h' analysis per (M_A', M_h') point (next_wave.md 1.2 "Search windows",
"Statistics", "Systematics"; 1.3 items 5, 7; 1.4).

Plane: x = M_recoil^2, y = M_mumu^2 [GeV^2] (:mod:`darkstrahl.analysis.ahp_selection`).

1. Window (:func:`fit_window`): a double 2-D Gaussian with common mean and correlation
   (:func:`darkstrahl.analysis.ellipse.fit_double_gaussian`) fitted to the selected **no-ISR** signal; the
   window is (r - mu)^T Sigma_w^-1 (r - mu) <= 4 with the rule ``"content"`` by default: Sigma_w is the
   mixture covariance f Sigma_1 + (1 - f) Sigma_2 scaled so that the ellipse contains 1 - e^-2 = 86.47 % of
   the fitted double Gaussian (the 2-sigma content of one 2-D Gaussian). This is our reading of the paper's
   "two-dimensional two-standard-deviation contour" (the spec's default content, but an ellipse, not the
   iso-density contour of the sum; :mod:`darkstrahl.analysis.ellipse` documents the other rules).
2. Helicity cut (:func:`analyse_window`): C_eta < c with c from a grid, chosen by the Punzi figure of merit
   eps / (a/2 + sqrt(B)) (:mod:`darkstrahl.analysis.punzi`), with eps and B the ISR-dressed signal
   efficiency and the background (events) inside the window.
3. Counting experiment (:mod:`darkstrahl.analysis.bayes_limit`): 90 % flat-prior upper limit on
   s = eps L sigma with Poisson terms for the count and for the simulated background (MC statistics,
   :func:`background_estimate`), Gaussian signal/background nuisances with the correlation of
   :func:`spec_systematics`; expected limits (median, +-1, +-2 sigma) over background-only pseudo-data;
   the local significance and the Bayes factor for a given count.
4. Conversion (:func:`coupling_limits`): with S_sel = selected ISR-dressed rate at unit coupling [fb]
   (sum of the weights of the selected events of a sample weighted to sigma(eps^2 alpha_D = 1) x BR),
   N_sig = L (eps^2 alpha_D) S_sel, so (eps^2 alpha_D)_UL = s_up / (L S_sel), independent of the sigma
   convention. The sigma limits depend on it: sigma_UL^ISR = s_up / (L eps_ISR), eps_ISR = S_sel / sigma_ISR,
   and sigma_UL^Born = s_up / (L eps_Born), eps_Born = S_sel / sigma_Born. The coupling limit includes the
   4 % BR uncertainty in the signal nuisance (next_wave.md 1.2 "Conversion").

Resolutions (:func:`mass_resolutions`): sigma(M_A') = sqrt(Sigma_mix,yy) / (2 M_A'), sigma(M_h') =
sqrt(Sigma_mix,xx) / (2 M_h') from the fitted mixture covariance (delta M^2 = 2 M delta M).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

from .bayes_limit import (
    CL_SEED000,
    Background,
    bayes_factor,
    discovery_count,
    expected_limits,
    signal_upper_limit,
)
from .ellipse import (
    CONTAINMENT_2SIGMA,
    DEFAULT_RULE,
    DoubleGaussian2D,
    EllipseWindow,
    fit_double_gaussian,
    window_from_fit,
)
from .punzi import PUNZI_A_DEFAULT, optimise_cut

#: Relative BR(A' -> mu mu) uncertainty [S000], coupling limits only.
REL_BR_SYS = 0.04
#: Default grid of C_eta cuts (C_eta < cut; 1.0 keeps every event).
C_ETA_CUTS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)


#: Largest pseudo-data range (counts) for which the expected limits use the prior predictive over the
#: background uncertainties; beyond it (huge backgrounds from MC samples with weights >> 1 event, e.g. at
#: 50 ab^-1) the pseudo-data are Poisson at the central background (the limits themselves keep every term).
MAX_MARGINAL_RANGE = 50_000


def _pseudo_range(bkg: Background) -> float:
    """Upper end of the pseudo-data counts that :func:`.bayes_limit.expected_limits` tabulates."""
    b_hi = (bkg.b if bkg.n_mc is None else (bkg.n_mc + 1.0) * bkg.w) * (1.0 + 6.0 * bkg.rel_sys)
    extra = 0.0 if bkg.n_mc is None else 10.0 * math.sqrt(bkg.n_mc + 1.0) * bkg.w
    return b_hi + 10.0 * math.sqrt(b_hi + 1.0) + 10.0 + extra


@dataclass(frozen=True)
class Systematics:
    """Relative Gaussian uncertainties of the signal efficiency and the background and their correlation."""

    rel_sig: float
    rel_bkg: float
    corr: float

    def with_br(self, rel_br: float = REL_BR_SYS) -> Systematics:
        """The signal uncertainty with the BR uncertainty added in quadrature (coupling limits); the
        covariance with the background is unchanged, so the correlation scales down."""
        rel = math.hypot(self.rel_sig, rel_br)
        return Systematics(rel, self.rel_bkg, self.corr * self.rel_sig / rel if rel > 0 else 0.0)


def spec_systematics(m_Ap: float) -> Systematics:
    """Systematics of next_wave.md 1.2 (table "Systematics" [S000]) for a window at M_A' [GeV].

    Background: normalisation n (2 % below M_A' = 9 GeV; above, 9.1 % normalisation ⊕ 9.3 % shape) ⊕ 1 %
    (C_eta selection). Signal: the same normalisation n ("same 2 % / 9.1 % assumed") ⊕ 2.4 % (mass
    resolution, average) ⊕ 2 % (window-centre offset, average). Only n is common to both, so
    corr = n^2 / (sigma_sig sigma_bkg). Below 9 GeV: 2.24 % / 3.69 %, corr 0.485 (with the 4 % BR: 5.44 %,
    the spec's 5.4 %). Above 9 GeV: 13.1 % / 9.6 % (10.4 % with BR), corr 0.66, which does not reproduce the
    spec's quoted totals 12.7 % / 11.3 % (the table's components do not add up to them in quadrature)."""
    if m_Ap < 9.0:
        n, shape = 0.02, 0.0
    else:
        n, shape = 0.091, 0.093
    rel_b = math.sqrt(n * n + shape * shape + 0.01**2)
    rel_s = math.sqrt(n * n + 0.024**2 + 0.02**2)
    return Systematics(rel_s, rel_b, n * n / (rel_s * rel_b))


def background_estimate(weights: NDArray, w_empty: float, rel_sys: float) -> Background:
    """The MC-statistics model of the background in a window from the weights [events] of the simulated
    events inside it: effective count n_eff = (sum w)^2 / sum w^2 (exact for equal weights), rounded to an
    integer N_MC >= 1, and w = sum w / N_MC, so that the central value N_MC w = sum w is kept and the
    posterior is Gamma(N_MC + 1, w) (next_wave.md 1.4). With no simulated event inside, N_MC = 0 and
    w = ``w_empty`` (the scan passes the largest weight of the selected background events: samples without
    any event after cuts 1-8 are taken as negligible, see their cut flow)."""
    w = np.asarray(weights, dtype=np.float64)
    total = float(w.sum())
    if total <= 0:
        return Background.from_mc(0, float(w_empty), rel_sys)
    n_eff = max(1, round(total**2 / float(np.sum(w * w))))
    return Background.from_mc(n_eff, total / n_eff, rel_sys)


def fit_window(
    x: NDArray,
    y: NDArray,
    w: NDArray | None = None,
    rule: str = DEFAULT_RULE,
    content: float = CONTAINMENT_2SIGMA,
) -> tuple[DoubleGaussian2D, EllipseWindow]:
    """Double-Gaussian fit to the no-ISR signal (x = M_rec^2, y = M_mumu^2 [GeV^2], weights w) and its
    window under ``rule`` (module docstring, item 1)."""
    fit = fit_double_gaussian(x, y, w)
    return fit, window_from_fit(fit, rule, content)


def mass_resolutions(fit: DoubleGaussian2D, m_Ap: float, m_hp: float) -> tuple[float, float]:
    """(sigma(M_A'), sigma(M_h')) [GeV] from the fitted mixture covariance (module docstring)."""
    cov = fit.cov_mixture
    return math.sqrt(cov[1, 1]) / (2.0 * m_Ap), math.sqrt(cov[0, 0]) / (2.0 * m_hp)


@dataclass(frozen=True)
class SearchSample:
    """Selected events (cuts 1-8) of one sample in the search plane: x = M_rec^2, y = M_mumu^2 [GeV^2],
    c_eta = |cos eta|, w = weights (signal: fb at unit coupling; background: events)."""

    x: NDArray
    y: NDArray
    c_eta: NDArray
    w: NDArray

    def inside(self, window: EllipseWindow) -> SearchSample:
        m = window.contains(self.x, self.y)
        return SearchSample(self.x[m], self.y[m], self.c_eta[m], self.w[m])

    def shifted(self, dx: float, dy: float) -> SearchSample:
        """The sample translated by (dx, dy) in the plane (a signal moved to a neighbouring lattice
        window, an approximation valid over distances small against the resolution's variation)."""
        return SearchSample(self.x + dx, self.y + dy, self.c_eta, self.w)


@dataclass(frozen=True)
class WindowResult:
    """One window: the helicity cut, the signal efficiency (selected in window / ``sig_total``), the
    background (events) and its MC model, and the expected limits on s (events) and sigma [fb]."""

    c_eta_cut: float
    eff: float
    s_sel_fb: float  # selected ISR-dressed signal rate at unit coupling [fb]
    b: float
    n_mc: int
    w_mc: float
    s_up_expected: tuple[float, float, float, float, float]  # events: -2, -1, median, +1, +2 sigma
    s_up_expected_coupling: tuple[float, float, float, float, float]  # with the BR uncertainty
    n_quantiles: tuple[int, int, int, int, int]
    s_up_zero: float  # limit (events) for N = 0
    n_discovery: int  # smallest N with local Z >= 3.5
    bayes_factor_discovery: float  # K at that N


def analyse_window(
    window: EllipseWindow,
    signal: SearchSample,
    background: SearchSample,
    sig_total: float,
    sys: Systematics,
    *,
    w_empty: float,
    c_eta_cuts: tuple[float, ...] = C_ETA_CUTS,
    punzi_a: float = PUNZI_A_DEFAULT,
    cl: float = CL_SEED000,
    s_max: float = 100.0,
    light: bool = False,
) -> WindowResult:
    """Helicity cut, background model and limits of one window (module docstring, items 2-3).
    ``sig_total``: the signal normalisation of the efficiency (e.g. the generated rate [fb]); background
    weights in events; ``s_max``: range of the flat signal prior of the Bayes factor [events]; ``light``:
    only the cut, efficiency, background and the expected limits on s (the coupling-limit quantiles repeat
    them, N = 0 limit, discovery count and Bayes factor are NaN / 0)."""
    if not sig_total > 0:
        raise ParameterError("ahp.sig_total", "must be > 0", sig_total)
    s_in, b_in = signal.inside(window), background.inside(window)
    choice = optimise_cut(
        s_in.c_eta, b_in.c_eta, c_eta_cuts, punzi_a, s_in.w, b_in.w, sig_total=sig_total, keep="below"
    )
    bkg = background_estimate(b_in.w[b_in.c_eta < choice.cut], w_empty, sys.rel_bkg)
    exp = expected_limits(
        bkg, sys.rel_sig, sys.corr, cl, marginalise=_pseudo_range(bkg) <= MAX_MARGINAL_RANGE
    )
    sb = sys.with_br()
    if light:
        lim_c = dict(
            zip(exp.n_quantiles, (exp.minus2, exp.minus1, exp.median, exp.plus1, exp.plus2), strict=True)
        )
        s_zero, n_disc, k_disc = math.nan, 0, math.nan
    else:
        # the limit is non-decreasing in n: the quantiles of the coupling limit sit at the same counts
        lim_c = {n: signal_upper_limit(n, bkg, sb.rel_sig, sb.corr, cl) for n in set(exp.n_quantiles)}
        s_zero = signal_upper_limit(0, bkg, sys.rel_sig, sys.corr, cl)
        n_disc = discovery_count(bkg)
        with np.errstate(divide="ignore"):  # nodes where Q(N+1, B) = Q(N+1, B + s_max) contribute log 0
            k_disc = bayes_factor(n_disc, bkg, s_max)
    return WindowResult(
        c_eta_cut=choice.cut,
        eff=choice.eff,
        s_sel_fb=choice.eff * sig_total,
        b=bkg.b,
        n_mc=int(bkg.n_mc or 0),
        w_mc=bkg.w,
        s_up_expected=(exp.minus2, exp.minus1, exp.median, exp.plus1, exp.plus2),
        s_up_expected_coupling=tuple(lim_c[n] for n in exp.n_quantiles),
        n_quantiles=exp.n_quantiles,
        s_up_zero=s_zero,
        n_discovery=n_disc,
        bayes_factor_discovery=k_disc,
    )


@dataclass(frozen=True)
class CouplingLimits:
    """Expected limits (median, -1, +1 sigma) on sigma [fb] (Born and ISR-dressed conventions) and on
    eps^2 alpha_D (module docstring, item 4)."""

    sigma_born: tuple[float, float, float]
    sigma_isr: tuple[float, float, float]
    eps2_alpha_d: tuple[float, float, float]
    eps2_alpha_d_zero: float  # N = 0


def coupling_limits(
    res: WindowResult, lumi_fb: float, sigma_born_fb: float, sigma_isr_fb: float
) -> CouplingLimits:
    """Convert the expected signal limits of ``res`` at luminosity ``lumi_fb`` [fb^-1] with the unit-coupling
    rates sigma x BR [fb] (Born and ISR-dressed) of the point."""
    if not (lumi_fb > 0 and sigma_born_fb > 0 and sigma_isr_fb > 0):
        raise ParameterError("ahp.lumi_fb", "luminosity and unit rates must be > 0", (lumi_fb, sigma_born_fb))
    if res.s_sel_fb <= 0:
        nan3 = (math.nan, math.nan, math.nan)
        return CouplingLimits(nan3, nan3, nan3, math.nan)
    pick = (2, 1, 3)
    s = [res.s_up_expected[i] for i in pick]
    sc = [res.s_up_expected_coupling[i] for i in pick]
    eff_born, eff_isr = res.s_sel_fb / sigma_born_fb, res.s_sel_fb / sigma_isr_fb
    return CouplingLimits(
        sigma_born=tuple(v / (lumi_fb * eff_born) for v in s),
        sigma_isr=tuple(v / (lumi_fb * eff_isr) for v in s),
        eps2_alpha_d=tuple(v / (lumi_fb * res.s_sel_fb) for v in sc),
        eps2_alpha_d_zero=res.s_up_zero / (lumi_fb * res.s_sel_fb),
    )
