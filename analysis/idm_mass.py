"""m(x+x-) resolution of the iDM analysis: the double-sided Crystal Ball (DSCB) fit, the resolution versus
m_h', and the +-2 sigma window scan with its sidebands (next_wave.md 2.3 "Mass scan").

DSCB [MEM, standard; next_wave.md 2.3], t = (x - mu)/sigma:

    f(x) = 1/N * exp(-t^2/2)                         -alpha_L <= t <= alpha_R
         = 1/N * A_L (B_L - t)^(-n_L)                t < -alpha_L
         = 1/N * A_R (B_R + t)^(-n_R)                t > alpha_R
    A = (n/alpha)^n exp(-alpha^2/2),   B = n/alpha - alpha   (per side; n > 1)
    N = sigma [ n_L e^{-alpha_L^2/2} / (alpha_L (n_L - 1))
              + sqrt(pi/2) (erf(alpha_L/sqrt2) + erf(alpha_R/sqrt2))
              + n_R e^{-alpha_R^2/2} / (alpha_R (n_R - 1)) ]

(the tail integral: int_{-inf}^{-alpha} A (B - t)^{-n} dt = A (n/alpha)^{1-n}/(n - 1)). The fit is an
unbinned (weighted) maximum-likelihood fit with scipy.optimize.minimize on (mu, ln sigma, ln alpha_L,
ln(n_L - 1), ln alpha_R, ln(n_R - 1)) by L-BFGS-B within bounds (alpha in [0.2, 10], n - 1 in [0.01, 200]);
errors from the finite-difference Hessian of -ln L with the weights scaled to the effective number of events
(sum w)^2 / sum w^2 (NaN when the Hessian is not positive definite, e.g. a tail parameter at its bound: a
sample without tails leaves alpha and n unconstrained; sigma is then still well measured).

Window scan: windows [m - 2 sigma(m), m + 2 sigma(m)] with centres stepped by sigma(m)/2, sigma(m) the fitted
DSCB sigma interpolated in m_h'. The background is uniform in m(x+x-) (next_wave.md 2.3): for mu mu and K K
the sideband is the whole mass range outside the window; for pi pi the range is split at ``split`` (1 GeV;
varied to 0.9 and 1.2 GeV for the uncertainty delta) and the sideband is the part of the window's side
(by its centre) outside the window. f = (sideband width)/(window width).
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import erf
from scipy.stats import truncnorm

from darkstrahl.errors import ParameterError

_SQRT_HALF_PI = math.sqrt(math.pi / 2.0)


@dataclass(frozen=True)
class Dscb:
    """DSCB parameters (module docstring): mu, sigma [GeV], alpha_l, n_l, alpha_r, n_r (alpha > 0, n > 1)."""

    mu: float
    sigma: float
    alpha_l: float
    n_l: float
    alpha_r: float
    n_r: float

    def __post_init__(self) -> None:
        if not (self.sigma > 0 and self.alpha_l > 0 and self.alpha_r > 0 and self.n_l > 1 and self.n_r > 1):
            raise ParameterError("dscb", "needs sigma > 0, alpha > 0 and n > 1 on both sides", astuple(self))

    def _tail_masses(self) -> tuple[float, float, float]:
        left = self.n_l / (self.alpha_l * (self.n_l - 1.0)) * math.exp(-0.5 * self.alpha_l**2)
        core = _SQRT_HALF_PI * (erf(self.alpha_l / math.sqrt(2)) + erf(self.alpha_r / math.sqrt(2)))
        right = self.n_r / (self.alpha_r * (self.n_r - 1.0)) * math.exp(-0.5 * self.alpha_r**2)
        return left, core, right

    def pdf(self, x: ArrayLike) -> NDArray:
        """Normalised density [1/GeV] at x [GeV] (module docstring)."""
        t = (np.asarray(x, dtype=np.float64) - self.mu) / self.sigma
        norm = self.sigma * sum(self._tail_masses())
        return np.exp(self._log_shape(t)) / norm

    def _log_shape(self, t: NDArray) -> NDArray:
        out = -0.5 * t * t
        for sign, a, n in ((-1.0, self.alpha_l, self.n_l), (1.0, self.alpha_r, self.n_r)):
            tail = sign * t > a
            b = n / a - a
            u = np.where(tail, b + sign * t, n / a)
            out = np.where(tail, n * math.log(n / a) - 0.5 * a * a - n * np.log(u), out)
        return out

    def sample(self, n: int, rng: np.random.Generator) -> NDArray:
        """n exact draws [GeV]: choose left tail / core / right tail by their probabilities, then the
        truncated Gaussian core (scipy truncnorm) or the tails by inversion (s = B -+ t is Pareto with
        index n - 1 above n/alpha)."""
        masses = np.array(self._tail_masses())
        part = rng.choice(3, size=n, p=masses / masses.sum())
        t = np.empty(n)
        core = part == 1
        t[core] = truncnorm.rvs(-self.alpha_l, self.alpha_r, size=int(core.sum()), random_state=rng)
        for k, sign, a, nn in ((0, -1.0, self.alpha_l, self.n_l), (2, 1.0, self.alpha_r, self.n_r)):
            m = part == k
            s = (nn / a) * rng.random(int(m.sum())) ** (-1.0 / (nn - 1.0))
            t[m] = sign * (s - (nn / a - a))
        return self.mu + self.sigma * t


@dataclass(frozen=True)
class DscbFit:
    """Fit result: the parameters, their errors (same order as :class:`Dscb`) and -ln L at the minimum."""

    params: Dscb
    errors: tuple[float, ...]
    nll: float
    n_eff: float


#: Bounds of the fit variables (mu free; sigma; alpha in [0.2, 10]; n - 1 in [0.01, 200]): a sample without
#: tails (alpha -> large, n unconstrained) then stops at a bound instead of drifting.
_ALPHA_BOUNDS, _N_BOUNDS = (math.log(0.2), math.log(10.0)), (math.log(0.01), math.log(200.0))
_BOUNDS = [(-np.inf, np.inf), (-30.0, 10.0), _ALPHA_BOUNDS, _N_BOUNDS, _ALPHA_BOUNDS, _N_BOUNDS]


def _to_params(z: NDArray) -> Dscb:
    return Dscb(
        z[0], math.exp(z[1]), math.exp(z[2]), 1.0 + math.exp(z[3]), math.exp(z[4]), 1.0 + math.exp(z[5])
    )


def fit_dscb(x: ArrayLike, weights: ArrayLike | None = None, start: Dscb | None = None) -> DscbFit:
    """Weighted unbinned maximum-likelihood DSCB fit of the values x [GeV] (module docstring)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    keep = w > 0
    x, w = x[keep], w[keep]
    if len(x) < 20 or not np.all(np.isfinite(x)):
        raise ParameterError("x", "the DSCB fit needs >= 20 finite values with positive weight", len(x))
    n_eff = w.sum() ** 2 / np.sum(w * w)
    w = w * (n_eff / w.sum())
    if start is None:
        order = np.argsort(x)
        cdf = np.cumsum(w[order]) / w.sum()
        q16, q50, q84 = np.interp([0.16, 0.5, 0.84], cdf, x[order])
        start = Dscb(q50, max(0.5 * (q84 - q16), 1e-9), 1.5, 3.0, 1.5, 3.0)
    p0 = start
    z0 = np.array(
        [
            p0.mu,
            math.log(p0.sigma),
            math.log(p0.alpha_l),
            math.log(p0.n_l - 1),
            math.log(p0.alpha_r),
            math.log(p0.n_r - 1),
        ]
    )

    def nll(z: NDArray) -> float:
        if np.any(np.abs(z[1:]) > 30):
            return 1e300
        return float(-np.dot(w, np.log(np.maximum(_to_params(z).pdf(x), 1e-300))))

    z0 = np.clip(z0, [b[0] for b in _BOUNDS], [b[1] for b in _BOUNDS])
    res = minimize(nll, z0, method="L-BFGS-B", bounds=_BOUNDS, options={"ftol": 1e-12, "gtol": 1e-8})
    z = res.x
    best = _to_params(z)
    h = _hessian(nll, z)
    try:
        cov_z = np.linalg.inv(h)
        if np.any(np.linalg.eigvalsh(h) <= 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:  # at a bound or flat direction: no Gaussian errors
        cov_z = np.full((6, 6), np.nan)
    jac = np.array([1.0, best.sigma, best.alpha_l, best.n_l - 1.0, best.alpha_r, best.n_r - 1.0])
    err = tuple(float(v) for v in np.sqrt(np.abs(np.diag(cov_z))) * jac)
    return DscbFit(best, err, float(res.fun), float(n_eff))


def _hessian(f, z: NDArray, step: float = 1e-4) -> NDArray:
    """Central finite-difference Hessian of f at z."""
    k = len(z)
    h = np.empty((k, k))
    e = np.eye(k) * step
    for i in range(k):
        for j in range(i, k):
            v = (f(z + e[i] + e[j]) - f(z + e[i] - e[j]) - f(z - e[i] + e[j]) + f(z - e[i] - e[j])) / (
                4 * step**2
            )
            h[i, j] = h[j, i] = v
    return h


@dataclass(frozen=True)
class Resolution:
    """sigma_DSCB [GeV] versus m_h' [GeV]: linear interpolation, constant beyond the measured masses."""

    m_hp: tuple[float, ...]
    sigma: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.m_hp) != len(self.sigma) or len(self.m_hp) < 1 or np.any(np.diff(self.m_hp) <= 0):
            raise ParameterError("resolution", "needs increasing masses and one sigma per mass", self.m_hp)
        if min(self.sigma) <= 0:
            raise ParameterError("resolution", "sigma must be > 0 GeV", self.sigma)

    def __call__(self, m: ArrayLike) -> NDArray:
        return np.interp(m, self.m_hp, self.sigma)


@dataclass(frozen=True)
class Window:
    """One mass window [lo, hi] [GeV] with its sideband width ratio f = sideband / window."""

    centre: float
    lo: float
    hi: float
    f: float
    sideband: tuple[float, float]  # the mass range [GeV] the sideband is taken from (window excluded)


def mass_windows(
    m_range: tuple[float, float],
    resolution: Resolution,
    n_sigma: float = 2.0,
    step_sigma: float = 0.5,
    split: float | None = None,
) -> list[Window]:
    """The window lattice (module docstring): centres from m_range[0] + n_sigma sigma upwards in steps of
    step_sigma sigma(centre) while the window fits in m_range; ``split`` (pi pi) restricts the sideband
    to the window's side of the split."""
    lo_r, hi_r = m_range
    if not (0 <= lo_r < hi_r):
        raise ParameterError("m_range", "needs 0 <= low < high [GeV]", m_range)
    out = []
    c = lo_r + n_sigma * float(resolution(lo_r))
    while True:
        s = float(resolution(c))
        c = max(c, lo_r + n_sigma * s)
        if c + n_sigma * s > hi_r:
            break
        out.append(window_at(c, m_range, resolution, n_sigma, split))
        c += step_sigma * s
    return out


def window_at(
    centre: float,
    m_range: tuple[float, float],
    resolution: Resolution,
    n_sigma: float = 2.0,
    split: float | None = None,
) -> Window:
    """The window centred at ``centre`` [GeV] and its sideband (see :func:`mass_windows`)."""
    s = float(resolution(centre))
    lo, hi = centre - n_sigma * s, centre + n_sigma * s
    a, b = m_range
    if split is not None and a < split < b:
        a, b = (a, split) if centre < split else (split, b)
    side = max(lo - a, 0.0) + max(b - hi, 0.0)
    if side <= 0:
        raise ParameterError("m_range", "leaves no sideband around the window", (centre, m_range))
    return Window(centre, lo, hi, side / (hi - lo), (a, b))


def window_fraction(m: NDArray, w: NDArray, win: Window) -> float:
    """Fraction of the selected weight w (n,) with m(x+x-) [GeV] inside the window."""
    tot = float(np.sum(w))
    return float(np.sum(w[(m >= win.lo) & (m <= win.hi)]) / tot) if tot > 0 else 0.0
