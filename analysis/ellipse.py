"""Elliptical search windows of seed 000 in the (M_recoil^2, M_mumu^2) plane (next_wave.md 1.2 "Search
windows", "Two derived consistency checks", 1.3 item 5, 6 item 3). Coordinates x = M_recoil^2, y = M_mumu^2 in
GeV^2.

Fit [S000]: a sum of two 2-D Gaussians with a common mean and a common correlation coefficient rho, free
widths per component and a fraction, fitted by weighted maximum likelihood to the (no-ISR) signal sample:

    p(x, y) = f N2(x, y; mu, Sigma_1) + (1 - f) N2(x, y; mu, Sigma_2),
    Sigma_k = [[sx_k^2, rho sx_k sy_k], [rho sx_k sy_k, sy_k^2]].

Component 1 is the core (smaller sx sy). The fit works in standardised coordinates with parameters
(mu, log widths, atanh rho, logit f) and an analytic gradient (BFGS, two starting points, best kept).
Parameter errors are the inverse Hessian of the weighted log-likelihood scaled to the effective sample size
(sum w)^2 / sum w^2.

Window: (r - mu)^T Sigma_w^-1 (r - mu) <= 4 ("two-dimensional two-standard-deviation contour") with Sigma_w
from one of the rules of next_wave.md 1.2 (the "two-standard-deviation contour" of a double Gaussian is not
unique):

* ``"content"`` (default): Sigma_w = lambda Sigma_mix, the ellipse with the shape and orientation of the
  mixture covariance Sigma_mix = f Sigma_1 + (1 - f) Sigma_2, scaled so that it contains the fraction
  1 - e^-2 = 86.47 % of the fitted double Gaussian, the content of the 2-sigma ellipse of a single 2-D
  Gaussian. This follows the spec's default (the contour with 86.5 % content), with one deviation: the spec
  names the iso-density contour of the sum, which is not an ellipse unless Sigma_1 and Sigma_2 are
  proportional, while the window must be an ellipse (centre, semi-axes and angle); with a common rho the two
  differ only through the axis ratios sy/sx.
* ``"mixture"``: Sigma_w = Sigma_mix (the fraction-weighted covariance; the mixture's own covariance, since
  the means coincide).
* ``"core"``: Sigma_w = Sigma_1.

For a single Gaussian all three rules give Sigma_w = Sigma and the content 1 - e^-2 exactly.

Content of an ellipse r^T M r <= t for r ~ N(0, C): with eigenvalues l_1, l_2 of C M,
P = (1/2pi) ∫_0^2pi [1 - exp(-t / (2 (l_1 cos^2 phi + l_2 sin^2 phi)))] dphi (polar coordinates in the
whitened frame, P(R^2 <= u) = 1 - e^-u/2); the periodic integrand is summed with the trapezoidal rule
(spectrally accurate).

Lattice (next_wave.md 1.2 "Two derived consistency checks"): equal windows centred on a rectangular lattice
along the ellipse's principal axes with spacings ``spacing`` x (semi-major axis, semi-minor axis). The mean
number of windows per point is pi a b / (spacing^2 a b) = pi / spacing^2 (2.60 at spacing 1.1, the spec's
estimate for the paper's 2.7 windows per event). The spacing is a card parameter (the published lattice is
unknown).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numba as nb
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq, minimize
from scipy.special import expit

from darkstrahl.errors import ParameterError

#: Content of the 2-sigma ellipse of a single 2-D Gaussian, 1 - e^-2.
CONTAINMENT_2SIGMA = 1.0 - math.exp(-2.0)
#: Window rules (module docstring) and the default.
RULES = ("content", "mixture", "core")
DEFAULT_RULE = "content"
#: Names of the fitted parameters, in the order of :attr:`DoubleGaussian2D.errors`.
PARAMETERS = ("mean_x", "mean_y", "sx_core", "sy_core", "sx_tail", "sy_tail", "rho", "frac_core")
_N_PHI = 512


def _cov(sx: float, sy: float, rho: float) -> NDArray:
    return np.array([[sx * sx, rho * sx * sy], [rho * sx * sy, sy * sy]])


def gaussian_ellipse_content(cov: ArrayLike, m: ArrayLike, t: float = 4.0) -> float:
    """P(r^T M r <= t) for r ~ N(0, cov) (module docstring); cov, M: 2x2 symmetric positive definite."""
    lam = np.linalg.eigvals(np.asarray(cov, dtype=np.float64) @ np.asarray(m, dtype=np.float64)).real
    phi = np.linspace(0.0, 2.0 * np.pi, _N_PHI, endpoint=False)
    q = lam[0] * np.cos(phi) ** 2 + lam[1] * np.sin(phi) ** 2
    return float(np.mean(-np.expm1(-t / (2.0 * q))))


@dataclass(frozen=True)
class DoubleGaussian2D:
    """Fitted double 2-D Gaussian (module docstring). Means and widths in GeV^2; rho and frac_core
    dimensionless; ``errors`` maps :data:`PARAMETERS` to their standard errors (NaN if not estimable,
    e.g. a degenerate double fit of a single-Gaussian sample)."""

    mean: tuple[float, float]
    sigma_core: tuple[float, float]
    sigma_tail: tuple[float, float]
    rho: float
    frac_core: float
    errors: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def cov_core(self) -> NDArray:
        """Covariance of the core component (GeV^4)."""
        return _cov(*self.sigma_core, self.rho)

    @property
    def cov_tail(self) -> NDArray:
        """Covariance of the tail component (GeV^4)."""
        return _cov(*self.sigma_tail, self.rho)

    @property
    def cov_mixture(self) -> NDArray:
        """Covariance of the mixture, f Sigma_1 + (1 - f) Sigma_2 (common mean)."""
        return self.frac_core * self.cov_core + (1.0 - self.frac_core) * self.cov_tail

    def pdf(self, x: ArrayLike, y: ArrayLike) -> NDArray:
        """Probability density (GeV^-4) at (x, y)."""
        r = np.stack(
            np.broadcast_arrays(np.asarray(x, float) - self.mean[0], np.asarray(y, float) - self.mean[1])
        )
        out = 0.0
        for frac, cov in ((self.frac_core, self.cov_core), (1.0 - self.frac_core, self.cov_tail)):
            inv = np.linalg.inv(cov)
            d2 = np.einsum("i...,ij,j...->...", r, inv, r)
            out = out + frac * np.exp(-0.5 * d2) / (2.0 * np.pi * math.sqrt(np.linalg.det(cov)))
        return out

    def sample(self, n: int, rng: np.random.Generator) -> tuple[NDArray, NDArray]:
        """n points (x, y) drawn from the model."""
        core = rng.random(n) < self.frac_core
        z = rng.multivariate_normal(np.zeros(2), self.cov_core, size=n)
        z[~core] = rng.multivariate_normal(np.zeros(2), self.cov_tail, size=int((~core).sum()))
        return z[:, 0] + self.mean[0], z[:, 1] + self.mean[1]

    def content(self, window: EllipseWindow) -> float:
        """Fraction of the model inside ``window`` (exact up to the trapezoidal rule; the window must be
        centred on the model's mean)."""
        if not np.allclose(window.centre, self.mean, rtol=0.0, atol=1e-12 * (1.0 + np.abs(self.mean).max())):
            raise ParameterError(
                "window.centre", "content() needs a window centred on the model mean", window.centre
            )
        m = np.linalg.inv(window.cov)
        return self.frac_core * gaussian_ellipse_content(self.cov_core, m) + (
            1.0 - self.frac_core
        ) * gaussian_ellipse_content(self.cov_tail, m)


# ------------------------------------------------------------------------------------------------------- fit
def _unpack(theta: NDArray) -> tuple:
    mu, mv, lsu1, lsv1, lsu2, lsv2, t, g = theta
    return mu, mv, np.exp([lsu1, lsu2]), np.exp([lsv1, lsv2]), math.tanh(t), float(expit(g))


@nb.njit(cache=True)
def _nll_grad_kernel(u, v, w, mu, mv, su, sv, rho, f):  # pragma: no cover - compiled
    """One pass over the points: weighted sum of -log p and of its gradient (see :func:`_nll_and_grad`)."""
    one_m = 1.0 - rho * rho
    lognorm0 = math.log(f) - math.log(2.0 * math.pi * su[0] * sv[0] * math.sqrt(one_m))
    lognorm1 = math.log(1.0 - f) - math.log(2.0 * math.pi * su[1] * sv[1] * math.sqrt(one_m))
    nll = 0.0
    grad = np.zeros(8)
    for i in range(u.size):
        a0 = (u[i] - mu) / su[0]
        b0 = (v[i] - mv) / sv[0]
        a1 = (u[i] - mu) / su[1]
        b1 = (v[i] - mv) / sv[1]
        q0 = (a0 * a0 - 2.0 * rho * a0 * b0 + b0 * b0) / one_m
        q1 = (a1 * a1 - 2.0 * rho * a1 * b1 + b1 * b1) / one_m
        l0 = lognorm0 - 0.5 * q0
        l1 = lognorm1 - 0.5 * q1
        m = max(l0, l1)
        logp = m + math.log(math.exp(l0 - m) + math.exp(l1 - m))
        g0 = w[i] * math.exp(l0 - logp)  # weight x responsibility
        g1 = w[i] * math.exp(l1 - logp)
        nll -= w[i] * logp
        da0 = (a0 - rho * b0) / one_m
        db0 = (b0 - rho * a0) / one_m
        da1 = (a1 - rho * b1) / one_m
        db1 = (b1 - rho * a1) / one_m
        grad[0] += g0 * da0 / su[0] + g1 * da1 / su[1]
        grad[1] += g0 * db0 / sv[0] + g1 * db1 / sv[1]
        grad[2] += g0 * (a0 * da0 - 1.0)
        grad[3] += g0 * (b0 * db0 - 1.0)
        grad[4] += g1 * (a1 * da1 - 1.0)
        grad[5] += g1 * (b1 * db1 - 1.0)
        grad[6] += g0 * (rho + a0 * b0 - rho * q0) + g1 * (rho + a1 * b1 - rho * q1)
        grad[7] += g0 - f * w[i]
    return nll, grad


def _nll_and_grad(theta: NDArray, u: NDArray, v: NDArray, w: NDArray) -> tuple[float, NDArray]:
    """Weighted mean negative log-likelihood of the double Gaussian in standardised coordinates and its
    gradient with respect to (mu_u, mu_v, log su_1, log sv_1, log su_2, log sv_2, atanh rho, logit f).

    With a = (u - mu_u)/su, b = (v - mu_v)/sv, q = (a^2 - 2 rho a b + b^2)/(1 - rho^2) and responsibilities
    gamma_k, the derivatives of log p are
    d/dmu_u = sum_k gamma_k (a - rho b) / ((1 - rho^2) su_k),
    d/dlog su_k = gamma_k (a (a - rho b) / (1 - rho^2) - 1),
    d/datanh rho = sum_k gamma_k (rho + a b - rho q),
    d/dlogit f = gamma_1 - f."""
    mu, mv, su, sv, rho, f = _unpack(theta)
    nll, grad = _nll_grad_kernel(u, v, w, float(mu), float(mv), su, sv, rho, f)
    wsum = w.sum()
    return nll / wsum, -grad / wsum


def _hessian(theta: NDArray, u: NDArray, v: NDArray, w: NDArray) -> NDArray:
    """Central differences of the analytic gradient."""
    h = 1e-5
    hess = np.empty((8, 8))
    for i in range(8):
        e = np.zeros(8)
        e[i] = h
        hess[i] = (_nll_and_grad(theta + e, u, v, w)[1] - _nll_and_grad(theta - e, u, v, w)[1]) / (2.0 * h)
    return 0.5 * (hess + hess.T)


def fit_double_gaussian(
    x: ArrayLike, y: ArrayLike, weights: ArrayLike | None = None, components: int = 2
) -> DoubleGaussian2D:
    """Weighted maximum-likelihood fit of the double 2-D Gaussian of next_wave.md 1.2 (module docstring) to
    points (x, y) = (M_recoil^2, M_mumu^2) in GeV^2 with non-negative weights. ``components=1`` fits a single
    Gaussian (closed form: weighted mean and covariance; then frac_core = 1 and both components are
    equal)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if not (x.shape == y.shape == w.shape):
        raise ParameterError(
            "ellipse.points", "x, y and weights need equal lengths", (x.shape, y.shape, w.shape)
        )
    if np.any(w < 0) or not np.all(np.isfinite(np.concatenate([x, y, w]))):
        raise ParameterError("ellipse.weights", "points must be finite and weights >= 0", None)
    if components not in (1, 2):
        raise ParameterError("ellipse.components", "must be 1 or 2", components)
    n_eff = w.sum() ** 2 / np.sum(w * w) if w.sum() > 0 else 0.0
    if n_eff < 10 * components:
        raise ParameterError("ellipse.points", f"need an effective sample size >= {10 * components}", n_eff)
    mx, my = np.average(x, weights=w), np.average(y, weights=w)
    cxx = np.average((x - mx) ** 2, weights=w)
    cyy = np.average((y - my) ** 2, weights=w)
    cxy = np.average((x - mx) * (y - my), weights=w)
    sx, sy = math.sqrt(cxx), math.sqrt(cyy)
    rho0 = float(np.clip(cxy / (sx * sy), -0.999999, 0.999999))
    if components == 1:
        err = {
            "mean_x": sx / math.sqrt(n_eff),
            "mean_y": sy / math.sqrt(n_eff),
            "sx_core": sx / math.sqrt(2 * n_eff),
            "sy_core": sy / math.sqrt(2 * n_eff),
            "rho": (1 - rho0 * rho0) / math.sqrt(n_eff),
        }
        return DoubleGaussian2D((float(mx), float(my)), (sx, sy), (sx, sy), rho0, 1.0, err)
    u, v = (x - mx) / sx, (y - my) / sy
    best = None
    for k_core, k_tail, f0 in ((0.7, 1.6, 0.6), (0.5, 2.5, 0.8)):
        lc, lt = math.log(k_core), math.log(k_tail)
        start = np.array([0.0, 0.0, lc, lc, lt, lt, math.atanh(rho0), math.log(f0 / (1 - f0))])
        res = minimize(
            _nll_and_grad, start, args=(u, v, w), jac=True, method="BFGS", options={"maxiter": 2000}
        )
        if best is None or res.fun < best.fun:
            best = res
    theta = best.x
    mu, mv, su, sv, rho, f = _unpack(theta)
    try:
        cov_t = np.linalg.inv(_hessian(theta, u, v, w)) / n_eff
        diag = np.diag(cov_t)
        sd_t = np.where(diag > 0, np.sqrt(np.abs(diag)), np.nan)
    except np.linalg.LinAlgError:
        sd_t = np.full(8, np.nan)
    jac = np.array([sx, sy, sx * su[0], sy * sv[0], sx * su[1], sy * sv[1], 1 - rho * rho, f * (1 - f)])
    err = dict(zip(PARAMETERS, (jac * sd_t).tolist(), strict=True))
    core, tail, frac = (0, 1, f) if su[0] * sv[0] <= su[1] * sv[1] else (1, 0, 1.0 - f)
    if core == 1:
        for p1, p2 in (("sx_core", "sx_tail"), ("sy_core", "sy_tail")):
            err[p1], err[p2] = err[p2], err[p1]
    return DoubleGaussian2D(
        (float(mx + sx * mu), float(my + sy * mv)),
        (float(sx * su[core]), float(sy * sv[core])),
        (float(sx * su[tail]), float(sy * sv[tail])),
        float(rho),
        float(frac),
        err,
    )


# ---------------------------------------------------------------------------------------------------- window
@dataclass(frozen=True)
class EllipseWindow:
    """Window (r - centre)^T cov^-1 (r - centre) <= 4 in the (M_recoil^2, M_mumu^2) plane (GeV^2; cov in
    GeV^4)."""

    centre: tuple[float, float]
    cov: NDArray = field(repr=False)

    def __post_init__(self) -> None:
        c = np.asarray(self.cov, dtype=np.float64)
        if c.shape != (2, 2) or not np.allclose(c, c.T) or np.any(np.linalg.eigvalsh(c) <= 0):
            raise ParameterError("window.cov", "must be a symmetric positive-definite 2x2 matrix", self.cov)

    @property
    def semi_axes(self) -> tuple[float, float]:
        """Semi-major and semi-minor axes (GeV^2): 2 sqrt(eigenvalues of cov)."""
        lam = np.linalg.eigvalsh(self.cov)
        return 2.0 * math.sqrt(lam[1]), 2.0 * math.sqrt(lam[0])

    @property
    def angle(self) -> float:
        """Angle of the semi-major axis to the x = M_recoil^2 axis (rad, in (-pi/2, pi/2])."""
        _, vec = np.linalg.eigh(self.cov)
        ang = math.atan2(vec[1, 1], vec[0, 1])
        if ang <= -math.pi / 2:
            ang += math.pi
        elif ang > math.pi / 2:
            ang -= math.pi
        return ang

    @property
    def area(self) -> float:
        """pi a b (GeV^4)."""
        a, b = self.semi_axes
        return math.pi * a * b

    def distance2(self, x: ArrayLike, y: ArrayLike) -> NDArray:
        """Squared Mahalanobis distance (r - centre)^T cov^-1 (r - centre) of points (x, y); vectorized."""
        inv = np.linalg.inv(self.cov)
        dx = np.asarray(x, dtype=np.float64) - self.centre[0]
        dy = np.asarray(y, dtype=np.float64) - self.centre[1]
        return inv[0, 0] * dx * dx + 2.0 * inv[0, 1] * dx * dy + inv[1, 1] * dy * dy

    def contains(self, x: ArrayLike, y: ArrayLike) -> NDArray:
        """Boolean mask of the points (x, y) (GeV^2) inside the window; vectorized over points."""
        return self.distance2(x, y) <= 4.0

    def moved(self, centre: tuple[float, float]) -> EllipseWindow:
        """The same ellipse centred at ``centre``."""
        return EllipseWindow((float(centre[0]), float(centre[1])), self.cov)

    @classmethod
    def from_axes(
        cls, centre: tuple[float, float], semi_axes: tuple[float, float], angle: float
    ) -> EllipseWindow:
        """The window with these :attr:`semi_axes` (GeV^2) and :attr:`angle` (rad) (e.g. from a scan record):
        cov = R diag((a/2)^2, (b/2)^2) R^T with R the rotation by ``angle``."""
        c, s = math.cos(angle), math.sin(angle)
        rot = np.array([[c, -s], [s, c]])
        cov = rot @ np.diag([(semi_axes[0] / 2) ** 2, (semi_axes[1] / 2) ** 2]) @ rot.T
        return cls((float(centre[0]), float(centre[1])), 0.5 * (cov + cov.T))


def window_from_fit(
    fit: DoubleGaussian2D, rule: str = DEFAULT_RULE, content: float = CONTAINMENT_2SIGMA
) -> EllipseWindow:
    """The search window of a fitted double Gaussian under ``rule`` (module docstring: "content" (default),
    "mixture" or "core"); ``content`` is the target fraction of the "content" rule (default 1 - e^-2)."""
    if rule == "core":
        cov = fit.cov_core
    elif rule == "mixture":
        cov = fit.cov_mixture
    elif rule == "content":
        if not 0 < content < 1:
            raise ParameterError("ellipse.content", "must lie in (0, 1)", content)
        shape = fit.cov_mixture
        inv = np.linalg.inv(shape)

        def excess(log_lam: float) -> float:
            m = inv / math.exp(log_lam)
            return (
                fit.frac_core * gaussian_ellipse_content(fit.cov_core, m)
                + (1.0 - fit.frac_core) * gaussian_ellipse_content(fit.cov_tail, m)
                - content
            )

        log_lam = brentq(excess, -30.0, 30.0, xtol=1e-13)
        cov = shape * math.exp(log_lam)
    else:
        raise ParameterError("ellipse.rule", f"must be one of {RULES}", rule)
    return EllipseWindow((float(fit.mean[0]), float(fit.mean[1])), cov)


# --------------------------------------------------------------------------------------------------- lattice
def lattice_centres(
    window: EllipseWindow,
    spacing: float,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    inside: Callable[[NDArray, NDArray], NDArray] | None = None,
) -> NDArray:
    """Centres (m, 2) in GeV^2 of a rectangular lattice through ``window.centre`` along the window's principal
    axes with steps ``spacing`` x (semi-major, semi-minor axis), restricted to the box x_range x y_range and,
    optionally, to the points where ``inside(x, y)`` is true (e.g. the search triangle)."""
    if not (math.isfinite(spacing) and spacing > 0):
        raise ParameterError("ellipse.spacing", "must be finite and > 0 (units of the semi-axes)", spacing)
    a, b = window.semi_axes
    ang = window.angle
    e1 = np.array([math.cos(ang), math.sin(ang)]) * spacing * a
    e2 = np.array([-math.sin(ang), math.cos(ang)]) * spacing * b
    corners = np.array([[x, y] for x in x_range for y in y_range]) - np.asarray(window.centre)
    basis_inv = np.linalg.inv(np.column_stack([e1, e2]))
    ij = corners @ basis_inv.T
    lo, hi = np.floor(ij.min(axis=0)).astype(int), np.ceil(ij.max(axis=0)).astype(int)
    if (hi - lo + 1).prod() > 50_000_000:
        raise ParameterError("ellipse.spacing", "lattice too fine for the requested range", spacing)
    i, j = np.meshgrid(np.arange(lo[0], hi[0] + 1), np.arange(lo[1], hi[1] + 1), indexing="ij")
    pts = np.asarray(window.centre) + i.ravel()[:, None] * e1 + j.ravel()[:, None] * e2
    keep = (
        (pts[:, 0] >= min(x_range))
        & (pts[:, 0] <= max(x_range))
        & (pts[:, 1] >= min(y_range))
        & (pts[:, 1] <= max(y_range))
    )
    if inside is not None:
        keep &= np.asarray(inside(pts[:, 0], pts[:, 1]), dtype=bool)
    return pts[keep]


def windows_per_point(x: ArrayLike, y: ArrayLike, centres: ArrayLike, window: EllipseWindow) -> NDArray:
    """Number of windows (the shape of ``window`` at each of ``centres``, (m, 2) in GeV^2) containing each
    point (x, y); vectorized, in chunks of points."""
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    c = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    inv = np.linalg.inv(window.cov)
    out = np.empty(x.size, dtype=np.int64)
    chunk = max(1, 4_000_000 // max(1, len(c)))
    for s in range(0, x.size, chunk):
        dx = x[s : s + chunk, None] - c[None, :, 0]
        dy = y[s : s + chunk, None] - c[None, :, 1]
        d2 = inv[0, 0] * dx * dx + 2.0 * inv[0, 1] * dx * dy + inv[1, 1] * dy * dy
        out[s : s + chunk] = np.count_nonzero(d2 <= 4.0, axis=1)
    return out


def lattice_overlap(spacing: float, n_grid: int = 801) -> tuple[float, float]:
    """Geometry of the lattice of :func:`lattice_centres` (independent of the window shape after scaling the
    principal axes to unit semi-axes): (mean windows per point = pi / spacing^2, exact; the fraction of one
    window's area that lies inside at least one other window, from an n_grid x n_grid midpoint grid over the
    window, accurate to ~ 1 / n_grid)."""
    if not (math.isfinite(spacing) and spacing > 0):
        raise ParameterError("ellipse.spacing", "must be finite and > 0 (units of the semi-axes)", spacing)
    g = (np.arange(n_grid) + 0.5) / n_grid * 2.0 - 1.0
    u, v = np.meshgrid(g, g, indexing="ij")
    disk = u * u + v * v <= 1.0
    u, v = u[disk], v[disk]
    k = math.ceil(2.0 / spacing)
    shared = np.zeros(u.size, dtype=bool)
    for i in range(-k, k + 1):
        for j in range(-k, k + 1):
            if (i, j) != (0, 0):
                shared |= (u - i * spacing) ** 2 + (v - j * spacing) ** 2 <= 1.0
    return math.pi / spacing**2, float(shared.mean())
