"""Sideband-marginalised Poisson model of seed 002 (next_wave.md 2.3 "Statistical model", End Matter eqs.
A1-A4 and B1-B4 of Belle II, arXiv:2505.09705), 95 % credibility.

Counts are events, cross sections fb, luminosities fb^-1. mu is the expected count in the sideband; the window
expects mu / f with f = (sideband width) / (window width).

Discovery (A1-A4):

    (A1) L(n; mu) = Pois(n | mu / f) Pois(N_SB | mu)
         pi pi: mu -> mu (1 + x delta) in the window term, x ~ N(0, 1)
    (A2) L(n) = ∫_0^∞ dmu ∫ dx N(x) L(n; mu, x)
    (A3) p0 = sum_{n >= N_obs} L(n);   final states combined by multiplying p-values
    (A4) Z = Phi^-1(1 - p0)

The mu integral is exact [DER, tested against numerical integration in tests/test_sideband.py]: with
c = (1 + x delta) / f,

    ∫_0^∞ dmu (c mu)^n e^{-c mu} / n!  mu^N_SB e^{-mu} / N_SB!
        = C(n + N_SB, n) c^n / (1 + c)^{n + N_SB + 1} = NB(n; r = N_SB + 1, p = 1 / (1 + c)),

the negative binomial of scipy's convention (n failures before r successes of probability p). It sums to 1
over n, so L(n) is a normalised predictive distribution and p0 is its upper tail. The x integral is
Gauss-Hermite, truncated at 1 + x delta > 0. The nuisance acts on the window term only: substituting
mu -> mu (1 + x delta) in both terms of A1 would, after the flat mu integral, only multiply L(n) by
1 / (1 + x delta), an n-independent factor that cancels in p0, so the spec's pi pi uncertainty would have no
effect at all.

Upper limit (B1-B4): with n_sig = sigma eps L (B2) and Gaussian nuisances theta = (x, y, z) for the background
model, efficiency and luminosity (eps -> eps (1 + y r_eps), L -> L (1 + z r_L)),

    (B1) L(n_sig; mu) = Pois(N_obs | n_sig + mu / f) Pois(N_SB | mu)
    (B3) L(sigma) = ∫ dmu ∫ dtheta L
                  = E_theta[ sum_{k=0}^{N_obs} NB(k; N_SB + 1, 1 / (1 + c)) Pois(N_obs - k | a sigma) ]

(expand (n_sig + c mu)^N binomially, then the mu integral as above; a = eps L (1 + y r_eps)(1 + z r_L)).
(B4) 0.95 = ∫_0^sigma_up L(sigma) d(sigma) / ∫_0^∞ L(sigma) d(sigma) (flat prior in sigma >= 0): the sigma
integral is exact too, ∫_0^S Pois(m | a sigma) d(sigma) = P(m + 1, a S) / a (regularised lower incomplete
gamma function), so the limit is the root of a finite sum. With N_obs = 0 it is -ln(0.05) / (eps L) =
2.996 / (eps L). The flat-prior caveat of :mod:`darkstrahl.analysis.bayes_limit` applies to the efficiency and
luminosity uncertainties (each at most :data:`darkstrahl.analysis.bayes_limit.MAX_REL_EFF_SYS`).

Model-dependent combination (next_wave.md 2.3 "Model-dependent interpretations"): per final state j the signal
is sigma BR_j eps_j L ("likelihoods multiplied with weights equal to the theoretical h' branching fractions",
read as branching-fraction-weighted signal yields), the likelihoods of the final states are multiplied, the
luminosity nuisance is common to all final states, the background-model and efficiency nuisances are per final
state. The sigma integral of the product is done numerically (composite Gauss-Legendre).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.polynomial.legendre import leggauss
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq
from scipy.special import gammainc, gammaln, logsumexp, xlogy
from scipy.stats import chi2, nbinom, norm

from darkstrahl.errors import ParameterError

from .bayes_limit import Significance, _cl, _counts, _positive, _rel_eff
from .quadrature import node_count, relative_gaussian_nodes

#: Credibility of the seed-002 upper limits (next_wave.md 2.3).
CL_SEED002 = 0.95
#: Composite Gauss-Legendre rule for the sigma integral of the multi-final-state posterior.
_PANELS, _PANEL_NODES = 64, 16


def _check_sideband(n_sb: int, f: float, delta: float) -> tuple[int, float, float]:
    n_sb = int(_counts("n_sb", n_sb))
    f = _positive("f", f)
    if not (math.isfinite(delta) and delta >= 0):
        raise ParameterError("delta", "relative background-model uncertainty must be finite and >= 0", delta)
    return n_sb, f, float(delta)


def _window_scale_nodes(n: int, f: float, delta: float) -> tuple[NDArray, NDArray]:
    """c = (1 + x delta) / f at the Gauss-Hermite nodes of x (truncated at 1 + x delta > 0), and weights."""
    scale, w = relative_gaussian_nodes(delta, node_count(delta * math.sqrt(n + 1.0)))
    return scale / f, w


def sideband_marginal(n: ArrayLike, n_sb: int, f: float, delta: float = 0.0) -> NDArray:
    """L(n) of eq. A2 (module docstring): the probability of n events in the window, marginalised over the
    sideband level mu (flat, exact negative binomial) and the background-model nuisance x (Gauss-Hermite).
    n_sb: sideband count; f: sideband/window width ratio; delta: relative background-model uncertainty.
    Vectorized over n; sums to 1 over n = 0, 1, ..."""
    n = _counts("n", n)
    n_sb, f, delta = _check_sideband(n_sb, f, delta)
    c, w = _window_scale_nodes(int(np.max(n, initial=0)), f, delta)
    return nbinom.pmf(n[..., None], n_sb + 1, 1.0 / (1.0 + c)) @ w


def sideband_p0(n_obs: int, n_sb: int, f: float, delta: float = 0.0) -> float:
    """p0 = sum_{n >= N_obs} L(n) of eq. A3 (module docstring); 1 for N_obs = 0."""
    n_obs = int(_counts("n_obs", n_obs))
    n_sb, f, delta = _check_sideband(n_sb, f, delta)
    if n_obs == 0:
        return 1.0
    c, w = _window_scale_nodes(n_obs, f, delta)
    return float(np.dot(nbinom.sf(n_obs - 1, n_sb + 1, 1.0 / (1.0 + c)), w))


def sideband_significance(n_obs: int, n_sb: int, f: float, delta: float = 0.0) -> Significance:
    """p0 (eq. A3) and Z = Phi^-1(1 - p0) (eq. A4) of one final state."""
    p = sideband_p0(n_obs, n_sb, f, delta)
    return Significance(p, float(norm.isf(p)))


def combine_p_values(p_values: ArrayLike, method: str = "product") -> Significance:
    """Combined p-value and Z = Phi^-1(1 - p) of several final states (eq. A3).

    ``method="product"`` (default, the spec/seed-002 prescription): p = prod_j p_j, taken literally.
    Note: this product is the probability that every final state fluctuates at least as much as observed, not
    a calibrated p-value of the combination (it is too small for k > 1; for k independent uniform p_j the
    product is below alpha with probability alpha sum_{i<k} (-ln alpha)^i / i! > alpha).
    ``method="fisher"``: Fisher's calibrated combination p = P(chi2_{2k} >= -2 sum ln p_j)."""
    p = np.asarray(p_values, dtype=np.float64).ravel()
    if p.size == 0 or np.any(~((p > 0) & (p <= 1))):
        raise ParameterError("p_values", "need one or more p-values in (0, 1]", p_values)
    if method == "product":
        comb = float(np.exp(np.sum(np.log(p))))
    elif method == "fisher":
        comb = float(chi2.sf(-2.0 * np.sum(np.log(p)), 2 * p.size))
    else:
        raise ParameterError("method", "must be 'product' or 'fisher'", method)
    return Significance(comb, float(norm.isf(comb)))


# ------------------------------------------------------------------------------------------- upper limits
def _log_background_mixture(n_obs: int, n_sb: int, f: float, delta: float) -> NDArray:
    """log u_k, k = 0..N_obs: the window background-count distribution
    sum_x w_x NB(k; N_SB + 1, 1/(1 + c_x))."""
    c, w = _window_scale_nodes(n_obs, f, delta)
    k = np.arange(n_obs + 1)
    return logsumexp(nbinom.logpmf(k[:, None], n_sb + 1, 1.0 / (1.0 + c[None, :])) + np.log(w), axis=1)


def _signal_scale_nodes(n_obs: int, rel_eff: float, rel_lumi: float) -> tuple[NDArray, NDArray]:
    """Nodes (1 + y r_eps)(1 + z r_L) and weights for independent efficiency and luminosity Gaussians."""
    s_e, w_e = relative_gaussian_nodes(rel_eff, node_count(rel_eff * math.sqrt(n_obs + 1.0)))
    s_l, w_l = relative_gaussian_nodes(rel_lumi, node_count(rel_lumi * math.sqrt(n_obs + 1.0)))
    return np.outer(s_e, s_l).ravel(), np.outer(w_e, w_l).ravel()


def sideband_likelihood(
    sigma_fb: ArrayLike,
    n_obs: int,
    n_sb: int,
    f: float,
    eff: float,
    lumi_fb: float,
    delta: float = 0.0,
    rel_eff_sys: float = 0.0,
    rel_lumi_sys: float = 0.0,
) -> NDArray:
    """L(sigma) of eq. B3 (module docstring) at signal cross section(s) sigma (fb), mu and the nuisances
    integrated out; the probability of N_obs given sigma. Vectorized over sigma_fb."""
    n_obs = int(_counts("n_obs", n_obs))
    n_sb, f, delta = _check_sideband(n_sb, f, delta)
    a = _positive("eff", eff) * _positive("lumi_fb", lumi_fb)
    s, w = _signal_scale_nodes(
        n_obs, _rel_eff("rel_eff_sys", rel_eff_sys), _rel_eff("rel_lumi_sys", rel_lumi_sys)
    )
    sig = _nonneg_array("sigma_fb", sigma_fb)
    return np.exp(
        _log_channel_likelihood(sig, n_obs, _log_background_mixture(n_obs, n_sb, f, delta), a * s, w)
    )


def _nonneg_array(name: str, x: ArrayLike) -> NDArray:
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ParameterError(name, "must be finite and >= 0", x)
    return arr


def _log_channel_likelihood(sigma: NDArray, n_obs: int, log_u: NDArray, a: NDArray, w: NDArray) -> NDArray:
    """log sum_i w_i sum_k u_k Pois(N - k | a_i sigma) (module docstring, B3) for sigma of any shape; a may
    carry leading axes (e.g. common nuisance nodes) in front of the summed last axis: the result has shape
    sigma.shape + a.shape[:-1]."""
    m = n_obs - np.arange(n_obs + 1)  # signal count N - k
    mean = sigma.reshape(sigma.shape + (1,) * a.ndim)[..., None] * a[..., None]
    log_pois = xlogy(m, mean) - mean - gammaln(m + 1)
    return logsumexp(log_pois + log_u + np.log(w)[:, None], axis=(-2, -1))


def sideband_upper_limit(
    n_obs: int,
    n_sb: int,
    f: float,
    eff: float,
    lumi_fb: float,
    delta: float = 0.0,
    rel_eff_sys: float = 0.0,
    rel_lumi_sys: float = 0.0,
    cl: float = CL_SEED002,
) -> float:
    """Upper limit sigma_up (fb) of eq. B4 for one final state (module docstring): flat prior in sigma >= 0,
    mu integrated flat (exact), Gaussian nuisances for the background model (delta), efficiency and
    luminosity (relative). Exact sigma integral, so the only approximation is the Gauss-Hermite rule."""
    n_obs = int(_counts("n_obs", n_obs))
    n_sb, f, delta = _check_sideband(n_sb, f, delta)
    a0 = _positive("eff", eff) * _positive("lumi_fb", lumi_fb)
    s, w = _signal_scale_nodes(
        n_obs, _rel_eff("rel_eff_sys", rel_eff_sys), _rel_eff("rel_lumi_sys", rel_lumi_sys)
    )
    c = float(_cl(cl))
    log_u = _log_background_mixture(n_obs, n_sb, f, delta)
    u = np.exp(log_u - logsumexp(log_u))
    a = a0 * s
    v = w / a
    v /= v.sum()
    m1 = n_obs - np.arange(n_obs + 1) + 1  # P(N - k + 1, a S)

    def excess(sig: float) -> float:
        return float(v @ gammainc(m1[None, :], a[:, None] * sig) @ u) - c

    hi = (n_obs + 2.0 + 3.0 * math.sqrt(n_obs + 1.0) - math.log1p(-c)) / a.min()
    while excess(hi) < 0:
        hi *= 2.0
    return float(brentq(excess, 0.0, hi, xtol=1e-14, rtol=1e-13, maxiter=500))


@dataclass(frozen=True)
class FinalState:
    """One seed-002 final state (h' -> e e, mu mu, pi pi, K K) in one mass window (next_wave.md 2.3).

    n_obs, n_sb: window and sideband counts; f: sideband/window width ratio; eff: signal efficiency;
    br: theoretical branching fraction weighting the signal; delta: relative background-model uncertainty
    (pi pi); rel_eff_sys: relative efficiency uncertainty."""

    n_obs: int
    n_sb: int
    f: float
    eff: float
    br: float = 1.0
    delta: float = 0.0
    rel_eff_sys: float = 0.0

    def __post_init__(self) -> None:
        _counts("final_state.n_obs", self.n_obs)
        _check_sideband(self.n_sb, self.f, self.delta)
        _positive("final_state.eff", self.eff)
        if not (0 < self.br <= 1):
            raise ParameterError("final_state.br", "branching fraction must lie in (0, 1]", self.br)
        _rel_eff("final_state.rel_eff_sys", self.rel_eff_sys)


def combined_significance(states: Sequence[FinalState], method: str = "product") -> Significance:
    """p0 of every final state (eq. A3, :func:`sideband_p0`) combined with :func:`combine_p_values`, and the
    combined Z (eq. A4)."""
    if len(states) == 0:
        raise ParameterError("states", "need at least one final state", states)
    return combine_p_values([sideband_p0(st.n_obs, st.n_sb, st.f, st.delta) for st in states], method)


def _combined_log_likelihood_fn(states: Sequence[FinalState], lumi_fb: float, rel_lumi_sys: float):
    """Closure sigma (fb, array) -> log L(sigma) of the final-state product with a common luminosity
    nuisance."""
    if len(states) == 0:
        raise ParameterError("states", "need at least one final state", states)
    lumi_fb = _positive("lumi_fb", lumi_fb)
    rel_lumi_sys = _rel_eff("rel_lumi_sys", rel_lumi_sys)
    n_tot = sum(int(st.n_obs) for st in states)
    s_l, w_l = relative_gaussian_nodes(rel_lumi_sys, node_count(rel_lumi_sys * math.sqrt(n_tot + 1.0)))
    chans = []
    for st in states:
        n = int(st.n_obs)
        s_e, w_e = relative_gaussian_nodes(st.rel_eff_sys, node_count(st.rel_eff_sys * math.sqrt(n + 1.0)))
        chans.append(
            (n, _log_background_mixture(n, int(st.n_sb), st.f, st.delta), st.br * st.eff * lumi_fb * s_e, w_e)
        )

    def log_like(sigma: NDArray) -> NDArray:
        total = np.log(w_l)
        for n, log_u, a, w in chans:
            total = total + _log_channel_likelihood(sigma, n, log_u, np.outer(s_l, a), w)
        return logsumexp(total, axis=-1)

    return log_like, lumi_fb * sum(st.br * st.eff for st in states), n_tot


def combined_likelihood(
    sigma_fb: ArrayLike, states: Sequence[FinalState], lumi_fb: float, rel_lumi_sys: float = 0.0
) -> NDArray:
    """Product over final states of the B3 likelihoods at sigma (fb), signal sigma BR_j eps_j L in final
    state j, integrated over the common luminosity nuisance (module docstring). Vectorized over sigma."""
    log_like, _, _ = _combined_log_likelihood_fn(states, lumi_fb, rel_lumi_sys)
    return np.exp(log_like(_nonneg_array("sigma_fb", sigma_fb)))


def combined_upper_limit(
    states: Sequence[FinalState], lumi_fb: float, rel_lumi_sys: float = 0.0, cl: float = CL_SEED002
) -> float:
    """Upper limit (fb) on the signal cross section from the product of the final-state likelihoods
    (module docstring), flat prior in sigma >= 0, credibility ``cl``.

    The sigma integral uses a composite Gauss-Legendre rule (64 panels x 16 nodes) on [0, sigma_hi], with
    sigma_hi doubled until the likelihood there is below e^-45 of its maximum; the limit is found by Brent's
    method on the partial integral (16-node rule on the last partial panel)."""
    c = float(_cl(cl))
    log_like, a_tot, n_tot = _combined_log_likelihood_fn(states, lumi_fb, rel_lumi_sys)
    hi = (n_tot + 2.0 + 3.0 * math.sqrt(n_tot + 1.0) - math.log1p(-c)) / a_tot
    for _ in range(60):
        grid = np.linspace(0.0, hi, 201)
        lg = log_like(grid)
        if lg[-1] < lg.max() - 45.0 and np.argmax(lg) < 200:
            break
        hi *= 2.0
    log_max = float(lg.max())
    x, wg = leggauss(_PANEL_NODES)
    edges = np.linspace(0.0, hi, _PANELS + 1)
    half = 0.5 * (edges[1:] - edges[:-1])
    mid = 0.5 * (edges[1:] + edges[:-1])
    vals = np.exp(log_like(mid[:, None] + half[:, None] * x[None, :]) - log_max)
    cum = np.concatenate(([0.0], np.cumsum((vals @ wg) * half)))
    total = cum[-1]
    j = int(np.searchsorted(cum, c * total)) - 1

    def excess(sig: float) -> float:
        h = 0.5 * (sig - edges[j])
        part = h * float(np.exp(log_like(edges[j] + h * (x + 1.0)) - log_max) @ wg)
        return (cum[j] + part) / total - c

    return float(brentq(excess, edges[j], edges[j + 1], xtol=1e-14, rtol=1e-12, maxiter=500))
