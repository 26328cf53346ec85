"""Bayesian upper limits with a flat prior, local significance, Bayes factor and expected-limit bands for a
counting experiment N = eps L sigma + B (seed 000 statistics, next_wave.md 1.2 "Statistics" and 1.4).

Counts are events, cross sections fb, luminosities fb^-1, efficiencies dimensionless.

Without systematics (Helene form, next_wave.md 1.4; O. Helene, NIM 212 (1983) 319): the posterior of the
signal s >= 0 under a flat prior is p(s|N) ∝ (s + B)^N e^-(s + B), and the limit s_up at credibility CL solves

    1 - CL = e^-s_up sum_{k<=N} (s_up + B)^k / k! / sum_{k<=N} B^k / k!
           = Q(N + 1, s_up + B) / Q(N + 1, B),

with Q(a, x) the regularised upper incomplete gamma function (sum_{k<=N} x^k e^-x / k! = Q(N + 1, x)). Hence
the closed form s_up = Q^-1(N + 1, (1 - CL) Q(N + 1, B)) - B (scipy's ``gammainccinv``).

With systematics and MC statistics (next_wave.md 1.4):

    L(sigma | N) = ∫ d(delta_e) d(delta_b) dB'  Pois(N | eps (1 + delta_e) L sigma + B' (1 + delta_b))
                   N2(delta_e, delta_b; 0, Sigma) Gamma(B' | N_MC + 1, w),

flat prior on sigma >= 0, Gaussians truncated at 1 + delta > 0 (truncated and renormalised). The sigma
integral is done exactly at every nuisance node: d/dx Q(N + 1, x) = -Pois(N | x), so with
a = eps (1 + delta_e) L and b = B' (1 + delta_b)

    ∫_0^S Pois(N | a sigma + b) d(sigma) = [Q(N + 1, b) - Q(N + 1, a S + b)] / a,

and the posterior CDF is a weighted sum of these over the nuisance nodes (Gauss-Hermite for the Gaussian pair,
the Gauss rule of the gamma density for B', :mod:`darkstrahl.analysis.quadrature`); the limit is the root of
CDF(S) = CL (Brent). Caveat: with a flat prior on sigma the posterior is formally improper whenever the
efficiency density is non-zero at 1 + delta_e = 0 (the normalisation ∫ d(delta_e) N(delta_e) / (1 + delta_e)
diverges logarithmically). The quadrature regularises this. For the quoted sizes (2-13 %: density e^-30 at the
truncation point) the effect is invisible; measured node-count dependence of the limit: < 1e-6 at 15 %,
1e-4 at 20 %, 1 % at 25 %, 15 % at 30 % (the limit is then not defined). Relative efficiency uncertainties
above :data:`MAX_REL_EFF_SYS` = 0.2 are therefore refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq
from scipy.special import gammainc, gammaincc, gammainccinv, gammaln, logsumexp, xlogy
from scipy.stats import norm

from darkstrahl.errors import ParameterError

from .quadrature import correlated_relative_nodes, gamma_nodes, node_count

#: Credibility of the seed-000 upper limits (next_wave.md 1.2 "Upper limits").
CL_SEED000 = 0.90
#: Discovery thresholds of seed 000 (next_wave.md 1.2 "Discovery"): Bayes factor and local Z.
BAYES_FACTOR_THRESHOLD = 80.0
Z_THRESHOLD = 3.5
#: Largest relative efficiency uncertainty accepted (module docstring: improper flat-prior posterior).
MAX_REL_EFF_SYS = 0.2
#: Cumulative probabilities of the -2, -1, 0, +1, +2 sigma expected-limit quantiles.
BAND_PROBABILITIES = tuple(float(norm.cdf(k)) for k in (-2, -1, 0, 1, 2))
#: Below this Q(N + 1, x) is evaluated in log space (the product form underflows near 1e-308).
_TINY = 1e-280


# ----------------------------------------------------------------------------------------------- validation
def _counts(name: str, n: ArrayLike) -> NDArray:
    arr = np.asarray(n)
    if arr.dtype.kind not in "iuf" or not np.all(np.isfinite(arr)):
        raise ParameterError(name, "observed counts must be finite integers >= 0", n)
    if np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise ParameterError(name, "observed counts must be integers >= 0", n)
    return arr.astype(np.int64)


def _nonneg(name: str, x: ArrayLike) -> NDArray:
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ParameterError(name, "must be finite and >= 0", x)
    return arr


def _cl(cl: ArrayLike) -> NDArray:
    arr = np.asarray(cl, dtype=np.float64)
    if not np.all((arr > 0) & (arr < 1)):
        raise ParameterError("cl", "credibility must lie in (0, 1)", cl)
    return arr


def _positive(name: str, x: float) -> float:
    if not (math.isfinite(x) and x > 0):
        raise ParameterError(name, "must be finite and > 0", x)
    return float(x)


def _rel_eff(name: str, rel: float) -> float:
    if not (math.isfinite(rel) and 0 <= rel <= MAX_REL_EFF_SYS):
        raise ParameterError(
            name, f"must lie in [0, {MAX_REL_EFF_SYS}] (flat-prior posterior is improper otherwise)", rel
        )
    return float(rel)


# ------------------------------------------------------------------------------------------------ helpers
def log_poisson_cdf(n: int, x: ArrayLike) -> NDArray:
    """log Q(n + 1, x) = log P(k <= n | Poisson mean x) for mean(s) x >= 0 (events), robust to underflow.

    Where Q < 1e-280 (only for x > n) the finite series
    Q(n + 1, x) = Pois(n | x) sum_{j=0}^{n} n! / ((n - j)! x^j) is summed in log space (its terms fall
    geometrically, ratio <= n / x)."""
    x = np.asarray(x, dtype=np.float64)
    q = gammaincc(n + 1, x)
    out = np.empty_like(q)
    ok = q > _TINY
    out[ok] = np.log(q[ok])
    if not np.all(ok):
        xs = x[~ok]
        total = np.ones_like(xs)
        term = np.ones_like(xs)
        for j in range(1, n + 1):
            term = term * (n - j + 1) / xs
            total += term
            if np.all(term < 1e-17 * total):
                break
        out[~ok] = n * np.log(xs) - xs - gammaln(n + 1) + np.log(total)
    return out


def _solve_ul(n: int, a: NDArray, b: NDArray, w: NDArray, cl: float) -> float:
    """Signal upper limit S (in units of the signal scale nodes ``a``) from the exact sigma integral
    (module docstring): solve sum_i v_i Q(n+1, a_i S + b_i) / Q(n+1, b_i) = 1 - CL with
    v_i ∝ w_i Q(n+1, b_i) / a_i (the posterior normalisation of node i)."""
    logq_b = log_poisson_cdf(n, b)
    logv = np.log(w) - np.log(a) + logq_b
    v = np.exp(logv - logv.max())
    v /= v.sum()
    keep = v > 1e-18
    a, b, v, logq_b = a[keep], b[keep], v[keep], logq_b[keep]

    def excess(s: float) -> float:
        return float(np.dot(v, np.exp(log_poisson_cdf(n, a * s + b) - logq_b))) - (1.0 - cl)

    hi = (n + 2.0 + 3.0 * math.sqrt(n + 1.0) - math.log1p(-cl)) / a.min()
    for _ in range(200):
        if excess(hi) < 0:
            break
        hi *= 2.0
    else:  # pragma: no cover - the CDF always reaches CL
        raise RuntimeError("upper limit not bracketed")
    return float(brentq(excess, 0.0, hi, xtol=1e-14, rtol=1e-13, maxiter=500))


# --------------------------------------------------------------------------------------------- background
@dataclass(frozen=True)
class Background:
    """Expected background in one window (events) and its uncertainties (next_wave.md 1.4).

    ``n_mc`` simulated events of weight ``w`` each give the flat-prior posterior Gamma(B' | N_MC + 1, w) for
    the expected background (mean (N_MC + 1) w); ``n_mc=None`` means B = ``w`` exactly (no MC-statistics
    term). ``rel_sys`` is the relative Gaussian uncertainty of the background normalisation (delta_b).
    Build with :meth:`exact` or :meth:`from_mc`."""

    n_mc: int | None
    w: float
    rel_sys: float = 0.0

    def __post_init__(self) -> None:
        if self.n_mc is not None and (int(self.n_mc) != self.n_mc or self.n_mc < 0):
            raise ParameterError("background.n_mc", "must be an integer >= 0 or None", self.n_mc)
        if not (math.isfinite(self.w) and self.w >= 0):
            raise ParameterError("background.w", "must be finite and >= 0 (events)", self.w)
        if not (math.isfinite(self.rel_sys) and self.rel_sys >= 0):
            raise ParameterError("background.rel_sys", "must be finite and >= 0", self.rel_sys)

    @classmethod
    def exact(cls, b: float, rel_sys: float = 0.0) -> Background:
        """Background of ``b`` events known without MC-statistical error."""
        return cls(None, float(b), float(rel_sys))

    @classmethod
    def from_mc(cls, n_mc: int, w: float, rel_sys: float = 0.0) -> Background:
        """Background estimated from ``n_mc`` MC events of weight ``w`` (events per MC event)."""
        return cls(int(n_mc), float(w), float(rel_sys))

    @property
    def b(self) -> float:
        """Central expected background (events): w for an exact background, else the MC estimate N_MC w."""
        return self.w if self.n_mc is None else self.n_mc * self.w

    def count_nodes(self, n_gamma: int) -> tuple[NDArray, NDArray]:
        """Nodes B' (events) and weights of the MC-statistics posterior Gamma(N_MC + 1, w), before
        smearing."""
        if self.n_mc is None or self.w == 0:
            return np.array([self.b]), np.ones(1)
        return gamma_nodes(self.n_mc + 1.0, self.w, n_gamma)


def _as_background(bkg: float | Background) -> Background:
    return bkg if isinstance(bkg, Background) else Background.exact(float(_nonneg("b", bkg)))


def _default_counts(n: int, bkg: Background, rel_sig: float) -> tuple[int, int]:
    """Heuristic node counts (:func:`darkstrahl.analysis.quadrature.node_count`)."""
    n_h = node_count(max(rel_sig, bkg.rel_sys) * math.sqrt(n + 1.0))
    n_g = 1 if bkg.n_mc is None else node_count(math.sqrt((n + 1.0) / (bkg.n_mc + 1.0)))
    return n_h, n_g


def nuisance_nodes(
    bkg: Background, rel_sig_sys: float, corr: float, n_hermite: int, n_gamma: int
) -> tuple[NDArray, NDArray, NDArray]:
    """Flattened nuisance nodes of next_wave.md 1.4: signal scale 1 + delta_e, background
    B' (1 + delta_b) (events) and weights (sum 1)."""
    s_sig, s_bkg, w_g = correlated_relative_nodes(rel_sig_sys, bkg.rel_sys, corr, n_hermite)
    b_mc, w_mc = bkg.count_nodes(n_gamma)
    a = np.repeat(s_sig, len(b_mc))
    b = np.outer(s_bkg, b_mc).ravel()
    w = np.outer(w_g, w_mc).ravel()
    keep = w > 0  # products of far-tail weights underflow
    return a[keep], b[keep], w[keep] / w[keep].sum()


# ---------------------------------------------------------------------------------------------- public API
def helene_upper_limit(n_obs: ArrayLike, b: ArrayLike, cl: ArrayLike = CL_SEED000) -> NDArray | float:
    """Flat-prior Bayesian upper limit s_up (events) on the signal for N observed events over a known
    background B (events), in closed form s_up = Q^-1(N + 1, (1 - CL) Q(N + 1, B)) - B (module docstring;
    next_wave.md 1.4). Vectorized over n_obs, b and cl (broadcast); returns a float for scalar input."""
    n = _counts("n_obs", n_obs)
    bb = _nonneg("b", b)
    c = _cl(cl)
    n, bb, c = np.broadcast_arrays(n, bb, c)
    target = (1.0 - c) * gammaincc(n + 1, bb)
    with np.errstate(invalid="ignore"):
        out = np.asarray(gammainccinv(n + 1, target) - bb, dtype=np.float64)
    for idx in np.ndindex(out.shape):  # underflow of Q(N + 1, B): root in log space
        if not target[idx] > _TINY:
            out[idx] = _solve_ul(int(n[idx]), np.ones(1), np.array([bb[idx]]), np.ones(1), float(c[idx]))
    return float(out) if out.ndim == 0 else out


def signal_upper_limit(
    n_obs: int,
    bkg: float | Background,
    rel_sig_sys: float = 0.0,
    corr: float = 0.0,
    cl: float = CL_SEED000,
    *,
    n_hermite: int | None = None,
    n_gamma: int | None = None,
) -> float:
    """Flat-prior upper limit on the expected signal s = eps L sigma (events) with a relative Gaussian
    signal-scale uncertainty ``rel_sig_sys`` correlated (``corr``) with the background's ``rel_sys`` and the
    MC-statistics posterior of the background (next_wave.md 1.4; module docstring). Reduces to
    :func:`helene_upper_limit` when all uncertainties vanish. Node counts default to
    :func:`darkstrahl.analysis.quadrature.node_count`."""
    n = int(_counts("n_obs", n_obs))
    bkg = _as_background(bkg)
    rel_sig_sys = _rel_eff("rel_sig_sys", rel_sig_sys)
    c = float(_cl(cl))
    dh, dg = _default_counts(n, bkg, rel_sig_sys)
    a, b, w = nuisance_nodes(bkg, rel_sig_sys, corr, n_hermite or dh, n_gamma or dg)
    if len(a) == 1:
        return float(helene_upper_limit(n, b[0], c) / a[0])
    return _solve_ul(n, a, b, w, c)


def upper_limit(
    n_obs: int,
    eff: float,
    lumi_fb: float,
    n_mc_bkg: int | None,
    w_bkg: float,
    rel_eff_sys: float = 0.0,
    rel_bkg_sys: float = 0.0,
    corr: float = 0.0,
    cl: float = CL_SEED000,
    *,
    n_hermite: int | None = None,
    n_gamma: int | None = None,
) -> float:
    """Seed-000 upper limit sigma_UL (fb) at credibility ``cl`` (next_wave.md 1.4).

    n_obs: observed events; eff: signal efficiency; lumi_fb: integrated luminosity (fb^-1); n_mc_bkg, w_bkg:
    number of simulated background events in the window and their weight (events per MC event), i.e.
    Gamma(B' | N_MC + 1, w) (``n_mc_bkg=None``: background exactly ``w_bkg`` events); rel_eff_sys,
    rel_bkg_sys: relative Gaussian uncertainties of eps and B, correlation ``corr``. With no systematics and
    an exact background it equals helene_upper_limit(N, B) / (eps L)."""
    eff = _positive("eff", eff)
    lumi_fb = _positive("lumi_fb", lumi_fb)
    bkg = Background(None if n_mc_bkg is None else int(n_mc_bkg), float(w_bkg), float(rel_bkg_sys))
    s_up = signal_upper_limit(n_obs, bkg, rel_eff_sys, corr, cl, n_hermite=n_hermite, n_gamma=n_gamma)
    return s_up / (eff * lumi_fb)


@dataclass(frozen=True)
class Significance:
    """One-sided p-value and Z = Phi^-1(1 - p) (Z = -inf for p = 1)."""

    p: float
    z: float


def local_significance(
    n_obs: int, bkg: float | Background, *, n_hermite: int | None = None, n_gamma: int | None = None
) -> Significance:
    """Local significance of N observed events over a background B (events), next_wave.md 1.4:
    p = P(n >= N | B smeared) = sum_i w_i P(N, B_i) (P the regularised lower incomplete gamma function,
    P(N, B) = P(n >= N | Poisson B)), averaged over the Gaussian normalisation and MC-statistics nodes of
    ``bkg``; Z = Phi^-1(1 - p), computed as the normal inverse survival function of p for accuracy at
    small p. p = 1 for N = 0."""
    n = int(_counts("n_obs", n_obs))
    bkg = _as_background(bkg)
    dh, dg = _default_counts(n, bkg, 0.0)
    _, b, w = nuisance_nodes(bkg, 0.0, 0.0, n_hermite or dh, n_gamma or dg)
    p = 1.0 if n == 0 else float(np.dot(w, gammainc(n, b)))
    return Significance(p, float(norm.isf(p)))


def discovery_count(bkg: Background, z: float = Z_THRESHOLD) -> int:
    """Smallest observed count N >= 1 with local significance Z >= ``z`` (3.5 by default, next_wave.md
    1.2), by bisection (Z is non-decreasing in N)."""
    lo, hi = 0, max(1, math.ceil(bkg.b + z * math.sqrt(bkg.b + 1.0)))
    while local_significance(hi, bkg).z < z:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if local_significance(mid, bkg).z >= z:
            hi = mid
        else:
            lo = mid
    return hi


def bayes_factor(
    n_obs: int,
    bkg: float | Background,
    s_max: float,
    *,
    n_hermite: int | None = None,
    n_gamma: int | None = None,
) -> float:
    """Bayes factor K = ∫ Pois(N | s + B) pi(s) ds / Pois(N | B) with a flat prior pi(s) = 1/s_max on
    [0, s_max] (events), next_wave.md 1.4 (the prior range of seed 000 is not published: a card parameter).

    Closed form per background node: ∫_0^{s_max} Pois(N | s + B) ds = Q(N + 1, B) - Q(N + 1, B + s_max);
    numerator and denominator are averaged over the background nodes of ``bkg``. Returns inf if the
    background-only likelihood vanishes (B = 0 and N > 0)."""
    n = int(_counts("n_obs", n_obs))
    s_max = _positive("s_max", s_max)
    bkg = _as_background(bkg)
    dh, dg = _default_counts(n, bkg, 0.0)
    _, b, w = nuisance_nodes(bkg, 0.0, 0.0, n_hermite or dh, n_gamma or dg)
    lq0 = log_poisson_cdf(n, b)
    lq1 = log_poisson_cdf(n, b + s_max)
    log_num = logsumexp(np.log(w) + lq0 + np.log(-np.expm1(lq1 - lq0))) - math.log(s_max)
    log_pois = xlogy(n, b) - b - gammaln(n + 1)
    if np.all(np.isneginf(log_pois)):
        return math.inf
    return float(np.exp(log_num - logsumexp(np.log(w) + log_pois)))


@dataclass(frozen=True)
class ExpectedLimits:
    """Expected upper limits over background-only pseudo-data: median and the +-1, +-2 sigma quantiles
    (units as returned by :func:`expected_limits`), and the counts n at those quantiles."""

    minus2: float
    minus1: float
    median: float
    plus1: float
    plus2: float
    n_quantiles: tuple[int, int, int, int, int]


def pseudo_data_cdf(bkg: Background, n_max: int, marginalise: bool = True, n_gamma: int = 32) -> NDArray:
    """P(n <= k) for k = 0..n_max of background-only pseudo-data (events): Poisson(B) at the central
    background B = bkg.b, or (``marginalise``) the prior predictive sum_i w_i Poisson(B_i) over the
    normalisation and MC-statistics nodes of ``bkg``."""
    k = np.arange(n_max + 1)
    if not marginalise:
        return gammaincc(k + 1, bkg.b)
    n_h = node_count(bkg.rel_sys * math.sqrt(bkg.b + 1.0))
    _, b, w = nuisance_nodes(bkg, 0.0, 0.0, n_h, n_gamma)
    return gammaincc(k[:, None] + 1, b[None, :]) @ w


def expected_limits(
    bkg: float | Background,
    rel_sig_sys: float = 0.0,
    corr: float = 0.0,
    cl: float = CL_SEED000,
    *,
    eff: float = 1.0,
    lumi_fb: float = 1.0,
    marginalise: bool = True,
) -> ExpectedLimits:
    """Median and +-1, +-2 sigma expected upper limits for background-only pseudo-data (next_wave.md 1.4).

    The limit from :func:`signal_upper_limit` (with the same systematics and MC statistics) is
    non-decreasing in n, so the q-quantile of the limit is the limit at the q-quantile of n. n is discrete;
    we use the lower quantile n_q = min{n : P(n' <= n) >= q}, which is exactly the q-quantile of the discrete
    limit distribution (no interpolation: the bands are step functions of B). The quantile probabilities are
    Phi(-2), Phi(-1), 1/2, Phi(1), Phi(2) (:data:`BAND_PROBABILITIES`). Pseudo-data follow
    :func:`pseudo_data_cdf` (``marginalise``: prior predictive over the background uncertainties).

    Returns limits on s / (eff L): fb for an efficiency and luminosity (fb^-1); signal events for the
    defaults eff = lumi_fb = 1."""
    bkg = _as_background(bkg)
    eff = _positive("eff", eff)
    lumi_fb = _positive("lumi_fb", lumi_fb)
    b_hi = bkg.b if bkg.n_mc is None else (bkg.n_mc + 1.0) * bkg.w
    b_hi *= 1.0 + 6.0 * bkg.rel_sys
    n_max = int(b_hi + 10.0 * math.sqrt(b_hi + 1.0) + 10.0)
    if bkg.n_mc is not None:
        n_max += int(10.0 * math.sqrt(bkg.n_mc + 1.0) * bkg.w)
    cdf = pseudo_data_cdf(bkg, n_max, marginalise)
    nq = [int(np.searchsorted(cdf, q * (1.0 - 1e-12))) for q in BAND_PROBABILITIES]
    if max(nq) > n_max:  # pragma: no cover - n_max covers > 10 sigma
        raise RuntimeError("pseudo-data range too small")
    cache = {n: signal_upper_limit(n, bkg, rel_sig_sys, corr, cl) / (eff * lumi_fb) for n in set(nq)}
    lims = [cache[n] for n in nq]
    return ExpectedLimits(*lims, n_quantiles=tuple(nq))
