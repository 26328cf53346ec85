"""Standard-Model background e+e- -> e+e- mu+mu- in the equivalent-photon approximation (next_wave.md 1.3
item 6a): photon fluxes, the Breit-Wheeler gamma gamma -> mu+ mu- cross section, a weighted sampler and the
total rate as a deterministic integral.

Photon flux of an electron of energy E (CM frame of the e+e- collision) that keeps the fraction 1 - x of its
energy, integrated over the photon virtuality Q^2 in [Q^2_min, Q^2_max] (Budnev, Ginzburg, Meledin, Serbo,
Phys. Rep. 15 (1975) 181, eq. (D.4); Frixione, Mangano, Nason, Ridolfi, Phys. Lett. B 319 (1993) 339,
eq. (1)):

    f(x) = (alpha/pi) (1/x) [ (1 - x + x^2/2) ln(Q^2_max/Q^2_min) - (1 - x)(1 - Q^2_min/Q^2_max) ],
    Q^2_min = m_e^2 x^2/(1 - x),
    Q^2_max = Q^2_min + 4 E^2 (1 - x) sin^2(theta_max/2)   (anti-tag: the scattered e at theta < theta_max),

from Q^2 = -(p - p')^2 = Q^2_min + 4 |p||p'| sin^2(theta/2) with |p'| = (1 - x) E (m_e neglected against E).
The scattered electrons are required outside the acceptance, i.e. below theta_max around their own beam
direction (CM frame; Belle II's CDC starts at 17 deg in the lab, reference.md 7.2). With ``cap_q2_at_w2``
Q^2_max is further limited to W^2 = x1 x2 s: the photon virtuality must stay below the gamma gamma mass for
the real-photon cross section to apply (the EPA's own validity condition, Budnev et al. sec. 6); this is a
documented modelling choice, not a derived limit, and both settings are exposed.

gamma gamma -> mu+ mu- (Breit-Wheeler; Berestetskii, Lifshitz, Pitaevskii, QED sec. 88), W^2 = x1 x2 s,
b = sqrt(1 - 4 m_mu^2/W^2), c = cos theta* of the mu- in the gamma gamma frame relative to photon 1
(from the e-):

    dsigma/dc = (pi alpha^2 b/W^2) [ 2(1 + b^2 c^2)/(1 - b^2 c^2) + 4(1 - b^2)/(1 - b^2 c^2)
                                     - 4 (1 - b^2)^2/(1 - b^2 c^2)^2 ]
      (from the e+e- -> gamma gamma |M|^2, Peskin-Schroeder eq. (5.105), by crossing),
    sigma = (4 pi alpha^2/W^2) [ (3 - b^4) atanh(b) - b (2 - b^2) ]
          -> pi alpha^2 b/m^2 at threshold,  (4 pi alpha^2/W^2)(ln(W^2/m^2) - 1) at W >> m.

Kinematics: collinear photons (the EPA neglects the photon transverse momenta, |p_T| <~ sqrt(Q^2_max)), so the
gamma gamma system moves along z with rapidity Y = (1/2) ln(x1/x2); the scattered e-/e+ keep (1 - x) E along
their beams. Momenta of a sample, CM frame, shape (n, 4, 4): 0 e-', 1 e+', 2 mu-, 3 mu+.

Total rate: sigma = int dx1 dx2 f(x1) f(x2) sigma_gg(x1 x2 s) over W > w_min, computed by nested
Gauss-Legendre quadrature in (ln tau, ln x1), tau = x1 x2, with the polar-angle acceptance of both muons
(|cos theta| < cos_max in the CM frame) integrated analytically in cos theta* between the limits found by
bisection.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

from .constants import ALPHA, GEV2_TO_FB, M_E, M_MU
from .kinematics import boost_many

FloatArray = NDArray[np.float64]


# ----------------------------------------------------------------------------- gamma gamma -> mu mu
def _beta(w: FloatArray, m: float) -> FloatArray:
    return np.sqrt(np.maximum(1.0 - 4.0 * m * m / (w * w), 0.0))


def breit_wheeler_sigma(w: FloatArray | float, m: float = M_MU) -> FloatArray:
    """sigma(gamma gamma -> l+ l-) [GeV^-2] at gamma gamma mass ``w`` [GeV] (0 below 2 m).
    Module docstring."""
    w = np.asarray(w, dtype=np.float64)
    b = _beta(w, m)
    val = (
        4.0
        * math.pi
        * ALPHA**2
        / np.maximum(w * w, 1e-300)
        * ((3.0 - b**4) * np.arctanh(b) - b * (2.0 - b * b))
    )
    return np.where(w > 2.0 * m, val, 0.0)


def breit_wheeler_dsigma_dcos(
    cos_star: FloatArray | float, w: FloatArray | float, m: float = M_MU
) -> FloatArray:
    """dsigma/dcos theta* (gamma gamma -> l- l+) [GeV^-2], theta* the l- angle to photon 1 in the gamma gamma
    frame. Module docstring."""
    c = np.asarray(cos_star, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    b = _beta(w, m)
    d = 1.0 - b * b * c * c
    omb = 1.0 - b * b
    val = (
        math.pi
        * ALPHA**2
        * b
        / np.maximum(w * w, 1e-300)
        * (2.0 * (1.0 + b * b * c * c) / d + 4.0 * omb / d - 4.0 * omb**2 / d**2)
    )
    return np.where(w > 2.0 * m, val, 0.0)


def _bw_primitive(c: FloatArray, b: FloatArray, w: FloatArray) -> FloatArray:
    """int_0^c dsigma/dc' dc' (analytic);
    bracket = -2 + (8 - 4 b^2)/(1 - b^2 c^2) - 4 (1 - b^2)^2/(1 - b^2 c^2)^2."""
    at = np.arctanh(b * c) / b
    p2 = c / (2.0 * (1.0 - b * b * c * c)) + 0.5 * at
    return (
        math.pi
        * ALPHA**2
        * b
        / (w * w)
        * (-2.0 * c + (8.0 - 4.0 * b * b) * at - 4.0 * (1.0 - b * b) ** 2 * p2)
    )


# ----------------------------------------------------------------------------- photon flux
def q2_min(x: FloatArray | float) -> FloatArray:
    """Q^2_min = m_e^2 x^2/(1 - x) [GeV^2]."""
    x = np.asarray(x, dtype=np.float64)
    return M_E**2 * x * x / (1.0 - x)


def q2_max_antitag(x: FloatArray | float, sqrt_s: float, theta_max_deg: float) -> FloatArray:
    """Q^2_max = Q^2_min + 4 E^2 (1 - x) sin^2(theta_max/2) [GeV^2], E = sqrt(s)/2. Module docstring."""
    x = np.asarray(x, dtype=np.float64)
    e = 0.5 * sqrt_s
    return q2_min(x) + 4.0 * e * e * (1.0 - x) * math.sin(0.5 * math.radians(theta_max_deg)) ** 2


def photon_flux(x: FloatArray | float, q2_lo: FloatArray | float, q2_hi: FloatArray | float) -> FloatArray:
    """Equivalent-photon density f(x) [per unit x] between virtualities q2_lo < q2_hi [GeV^2] (Budnev et al.
    eq. (D.4)); 0 where q2_hi <= q2_lo."""
    x = np.asarray(x, dtype=np.float64)
    lo = np.asarray(q2_lo, dtype=np.float64)
    hi = np.asarray(q2_hi, dtype=np.float64)
    ok = hi > lo
    r = np.where(ok, hi / np.where(ok, lo, 1.0), 1.0)
    val = ALPHA / math.pi / x * ((1.0 - x + 0.5 * x * x) * np.log(r) - (1.0 - x) * (1.0 - 1.0 / r))
    return np.where(ok, val, 0.0)


@dataclass(frozen=True)
class EPASettings:
    """Settings of the two-photon calculation.

    sqrt_s [GeV]; theta_max_deg: anti-tag angle of the scattered e+- (CM frame) [deg]; w_min: lower cut on the
    mu mu mass [GeV]; cos_max: both muons |cos theta| < cos_max in the CM frame (1: no cut);
    cap_q2_at_w2: limit Q^2_max to W^2 (module docstring); m_mu [GeV]."""

    sqrt_s: float = 10.58
    theta_max_deg: float = 17.0
    w_min: float = 2.0 * M_MU
    cos_max: float = 1.0
    cap_q2_at_w2: bool = True
    m_mu: float = M_MU

    def __post_init__(self) -> None:
        if not 0.0 < self.theta_max_deg <= 180.0:
            raise ParameterError("epa.theta_max_deg", "must be in (0, 180] deg", self.theta_max_deg)
        if not 2.0 * self.m_mu <= self.w_min < self.sqrt_s:
            raise ParameterError("epa.w_min", "must be in [2 m_mu, sqrt(s))", self.w_min)
        if not 0.0 < self.cos_max <= 1.0:
            raise ParameterError("epa.cos_max", "must be in (0, 1]", self.cos_max)

    @property
    def tau_min(self) -> float:
        return (self.w_min / self.sqrt_s) ** 2

    def flux(self, x: FloatArray, w: FloatArray | None = None) -> FloatArray:
        """f(x) with this setting's Q^2 limits; ``w`` (the gamma gamma mass, GeV) is needed for the
        W^2 cap."""
        hi = q2_max_antitag(x, self.sqrt_s, self.theta_max_deg)
        if self.cap_q2_at_w2:
            if w is None:
                raise ParameterError("w", "the W^2 cap needs the gamma gamma mass", None)
            hi = np.minimum(hi, np.asarray(w) ** 2)
        return photon_flux(x, q2_min(x), hi)


def _lab_cos(cs: FloatArray, b: FloatArray, w: FloatArray, y: FloatArray, m: float) -> FloatArray:
    """cos theta (CM of e+e-) of a lepton at cos theta* = cs in a gamma gamma frame of mass w, rapidity y."""
    e = 0.5 * w
    p = b * e
    pz = np.cosh(y) * p * cs + np.sinh(y) * e
    pt = p * np.sqrt(np.maximum(1.0 - cs * cs, 0.0))
    return pz / np.sqrt(pz * pz + pt * pt)


def _cos_star_at(target: float, b: FloatArray, w: FloatArray, y: FloatArray, m: float) -> FloatArray:
    """cos theta* where the lab cosine equals ``target`` (monotonic: bisection, 60 steps), clipped to
    [-1, 1]."""
    lo = -np.ones_like(w)
    hi = np.ones_like(w)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        above = _lab_cos(mid, b, w, y, m) > target
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return 0.5 * (lo + hi)


def accepted_cos_star_range(
    w: FloatArray, y: FloatArray, settings: EPASettings
) -> tuple[FloatArray, FloatArray]:
    """[c_lo, c_hi] of cos theta* (mu-) for which both muons have |cos theta| < cos_max in the CM frame
    (c_hi <= c_lo: empty). mu+ has cos theta*_+ = -cos theta*."""
    w = np.asarray(w, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if settings.cos_max >= 1.0:
        return -np.ones_like(w), np.ones_like(w)
    b = _beta(w, settings.m_mu)
    a = _cos_star_at(-settings.cos_max, b, w, y, settings.m_mu)
    bb = _cos_star_at(settings.cos_max, b, w, y, settings.m_mu)
    return np.maximum(a, -bb), np.minimum(bb, -a)


def _nodes(n: int, lo: FloatArray | float, hi: FloatArray | float) -> tuple[FloatArray, FloatArray]:
    x, wt = np.polynomial.legendre.leggauss(n)
    lo = np.asarray(lo, dtype=np.float64)[..., None]
    hi = np.asarray(hi, dtype=np.float64)[..., None]
    return lo + 0.5 * (x + 1.0) * (hi - lo), 0.5 * wt * (hi - lo)


def photon_luminosity(
    tau: FloatArray | float,
    flux: Callable[[FloatArray, FloatArray], FloatArray],
    sqrt_s: float,
    n_x: int = 96,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Two-photon luminosity tau dL/dtau = int d ln x1 [x1 f(x1)] [x2 f(x2)], x2 = tau/x1, at each tau (m,),
    by Gauss-Legendre in ln x1 (n_x nodes on each half, split at ln x1 = ln tau/2 where x1 = x2).
    ``flux(x, w)`` is the photon density (w = sqrt(tau s) [GeV], for a W-dependent Q^2 cap).
    Returns (tau dL/dtau (m,), and the nodes ln x1 (m, 2 n_x) with weights (m, 2 n_x) for reuse)."""
    lt = np.log(np.atleast_1d(np.asarray(tau, dtype=np.float64)))
    lx0, w0 = _nodes(n_x, lt, 0.5 * lt)
    lx1, w1 = _nodes(n_x, 0.5 * lt, np.zeros_like(lt))
    lx = np.concatenate([lx0, lx1], axis=1)
    wx = np.concatenate([w0, w1], axis=1)
    x1 = np.exp(lx)
    x2 = np.exp(lt)[:, None] / x1
    w = np.sqrt(np.exp(lt) * sqrt_s**2)[:, None] * np.ones_like(x1)
    dens = x1 * flux(x1, w) * x2 * flux(x2, w)
    return np.sum(wx * dens, axis=1), lx, wx * dens


def epa_sigma_fb(settings: EPASettings, n_tau: int = 96, n_x: int = 96) -> float:
    """Total EPA cross section sigma(e+e- -> e+e- mu+mu-) [fb] within ``settings`` (module docstring):
    Gauss-Legendre in ln tau (n_tau nodes) over :func:`photon_luminosity`, the cos theta* integral analytic
    within :func:`accepted_cos_star_range`."""
    s = settings.sqrt_s**2
    lt, wlt = _nodes(n_tau, math.log(settings.tau_min), 0.0)
    tau = np.exp(lt)
    _, lx, dens = photon_luminosity(tau, settings.flux, settings.sqrt_s, n_x)
    x1 = np.exp(lx)
    w = np.sqrt(tau * s)[:, None] * np.ones_like(x1)
    y = 0.5 * np.log(x1 * x1 / tau[:, None])
    c_lo, c_hi = accepted_cos_star_range(w.ravel(), y.ravel(), settings)
    b = _beta(w.ravel(), settings.m_mu)
    sig = np.where(c_hi > c_lo, _bw_primitive(c_hi, b, w.ravel()) - _bw_primitive(c_lo, b, w.ravel()), 0.0)
    return float(np.sum(wlt[:, None] * dens * sig.reshape(w.shape))) * GEV2_TO_FB


@dataclass(frozen=True)
class EPASample:
    """Weighted two-photon events: x1, x2 (photon energy fractions of e-, e+), cos_star (mu- in the
    gamma gamma frame), momenta (n, 4, 4) [GeV] (0 e-', 1 e+', 2 mu-, 3 mu+; CM frame),
    weights [fb] (mean = sigma)."""

    x1: FloatArray
    x2: FloatArray
    cos_star: FloatArray
    momenta: FloatArray
    weights: FloatArray


def sample_epa(rng: np.random.Generator, n: int, settings: EPASettings) -> EPASample:
    """Weighted EPA events. Map: tau = x1 x2 with density g(tau) = 1/(tau^2 (1/tau_min - 1)) on [tau_min, 1]
    (tau = 1/(a - u (a - 1)), a = 1/tau_min: the 1/tau of the photon luminosity times the 1/W^2 of sigma_BW),
    ln x1 uniform on [ln tau, 0] and x2 = tau/x1 (dx1 dx2 = dtau d ln x1, density g(tau)/|ln tau|);
    cos theta* with the 1/(1 - b^2 c^2) map c = tanh(u atanh b)/b (u uniform in [-1, 1]), phi* uniform.
    Weight = x1 f(x1) x2 f(x2) tau (a - 1) |ln tau| x dsigma/dc / g(c) x acceptance, so that
    mean(weights) = sigma [fb]; points with muons outside |cos| < cos_max get weight 0."""
    if n < 1:
        raise ParameterError("n", "must be >= 1", n)
    s = settings.sqrt_s**2
    m = settings.m_mu
    a = 1.0 / settings.tau_min
    tau = 1.0 / (a - rng.random(n) * (a - 1.0))
    ltau = np.log(tau)
    x1 = np.exp(ltau * np.clip(rng.random(n), 1e-12, 1.0 - 1e-12))
    x2 = tau / x1
    ok = np.ones(n, dtype=bool)
    w = np.sqrt(tau * s)
    b = np.clip(_beta(w, m), 1e-12, 1.0 - 1e-15)
    ab = np.arctanh(b)
    cs = np.tanh(ab * rng.uniform(-1.0, 1.0, n)) / b
    g = b / ((1.0 - b * b * cs * cs) * 2.0 * ab)  # density of cs on [-1, 1]
    y = 0.5 * np.log(x1 / x2)
    if settings.cos_max < 1.0:
        ok &= np.abs(_lab_cos(cs, b, w, y, m)) < settings.cos_max
        ok &= np.abs(_lab_cos(-cs, b, w, y, m)) < settings.cos_max
    weight = x1 * settings.flux(x1, w) * x2 * settings.flux(x2, w) * tau * (a - 1.0) * np.abs(ltau)
    weight = np.where(ok, weight * breit_wheeler_dsigma_dcos(cs, w, m) / g, 0.0) * GEV2_TO_FB
    phi = rng.uniform(0.0, 2.0 * math.pi, n)
    e = 0.5 * w
    pst = b * e
    st = np.sqrt(np.maximum(1.0 - cs * cs, 0.0))
    mu = np.zeros((n, 4))
    mu[:, 0] = np.sqrt(pst * pst + m * m)
    mu[:, 1] = pst * st * np.cos(phi)
    mu[:, 2] = pst * st * np.sin(phi)
    mu[:, 3] = pst * cs
    mubar = mu.copy()
    mubar[:, 1:] *= -1.0
    frame = np.column_stack([w * np.cosh(y), np.zeros(n), np.zeros(n), w * np.sinh(y)])
    p = np.zeros((n, 4, 4))
    eb = 0.5 * settings.sqrt_s
    p[:, 0, 0] = p[:, 0, 3] = (1.0 - x1) * eb
    p[:, 1, 0] = (1.0 - x2) * eb
    p[:, 1, 3] = -(1.0 - x2) * eb
    p[:, 2] = boost_many(mu, frame)
    p[:, 3] = boost_many(mubar, frame)
    return EPASample(x1, x2, cs, p, weight)
