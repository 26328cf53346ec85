"""Standard-Model background e+e- -> tau+ tau-, tau -> mu nu nubar (next_wave.md 1.3 item 6a).

Pieces:

* Production: the Born dsigma/dcos of :func:`darkstrahl.gen.sm_mumu.born_dsigma_dcos` with m_f = m_tau
  (photon exchange, optional Z), dsigma/dOmega = (alpha^2 beta/4s)[1 + c^2 + (1 - beta^2) s^2], and the
  Born spin correlation of the pair through a virtual photon (derived here with spin projectors
  u ubar = (qslash + m)(1 + g5 sslash)/2, v vbar = (qslash - m)(1 + g5 sslash)/2; checked in the tests against
  explicit Dirac traces):

      |M|^2(s-, s+) = (1/4) sum|M|^2 [1 + C_ij s-_i s+_j],     D = 1 + c^2 + (1 - beta^2) sin^2,
      C_xx = (2 - beta^2) sin^2 / D,   C_yy = -beta^2 sin^2 / D,   C_zz = (1 + c^2 - (1 - beta^2) sin^2) / D,
      C_xz = C_zx = -2 sqrt(1 - beta^2) sin c / D,   C_xy = C_yz = 0,

  with s-, s+ the spin vectors in the tau- and tau+ rest frames (each reached from the CM frame by a pure
  boost), both expressed on the axes z = tau- direction, x = theta unit vector (cos phi cos theta,
  sin phi cos theta, -sin theta), y = z x x; c = cos theta of the tau-. No single-tau polarization at this
  order (the Z-induced P_tau ~ 1e-3 at 10.58 GeV and its correlations are neglected). Tr C = 1 (spin triplet).

* Decay tau- -> mu- nubar_mu nu_tau (V-A, muon mass kept, neutrinos massless): for a tau- with polarization
  vector P (|P| <= 1, tau rest frame; s = (0, P)), summed over final spins,

      |M|^2 = 64 G_F^2 ((p - m_tau s).k1) (q.k2),    k1 = nubar_mu, k2 = nu_tau, q = mu-,

  and for tau+ -> mu+ nu_mu nubar_tau the same with p + m_tau s and k1 = nu_mu, k2 = nubar_tau (e.g. Okun,
  Leptons and Quarks, ch. 3; Scheck, Phys. Rep. 44 (1978) 187 for muon decay). The decay rate for a given spin
  is then proportional to 1 + h.P with the polarimeter vector h = +khat1 (tau-) or -khat1 (tau+), which the
  pair sampler uses for the spin correlation (accept with (1 + C_ij h-_i h+_j)/2).

  Integrating the neutrinos
  (int d3k1/2E1 d3k2/2E2 delta4(Q - k1 - k2) k1^a k2^b = (pi/24)(Q^2 g^ab + 2 Q^a Q^b)):

      d2Gamma/(dE dcos) = G_F^2 |q| / (24 pi^3 m) [F(E) -+ P m |q| cos (4 m E - m^2 - 3 m_mu^2)]
      (- for tau-),
      F(E) = Q^2 m E + 2 (m^2 - m E)(m E - m_mu^2),   Q^2 = m^2 + m_mu^2 - 2 m E,

  E, q the muon energy and momentum in the tau rest frame, cos the angle between q and P. For m_mu -> 0 this
  is the Michel spectrum with rho = 3/4 (x = 2E/m: x^2 (3 - 2x) [1 -+ P cos (2x - 1)/(3 - 2x)]), and
  Gamma = G_F^2 m^5/(192 pi^3) f(m_mu^2/m^2), f(y) = 1 - 8y + 8y^3 - y^4 - 12 y^2 ln y (tree level, no
  radiative or W-propagator corrections).

Momentum layout of a sampled pair (:func:`sample_tau_pair`), CM frame, shape (n, 8, 4):
0 tau-, 1 tau+, 2 mu-, 3 nubar_mu, 4 nu_tau, 5 mu+, 6 nu_mu, 7 nubar_tau.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np
from numpy.typing import NDArray
from particle import Particle

from darkstrahl.errors import ParameterError

from .constants import G_F, GEV2_TO_FB, M_MU, M_TAU, width_to_ctau_mm
from .kinematics import boost_many
from .sm_mumu import born_dsigma_dcos, born_sigma

FloatArray = NDArray[np.float64]

#: Candidates per requested decay in the accept-reject of :func:`sample_tau_decay` (acceptance ~0.3).
_OVERSAMPLE = 2.0  #: candidates per missing decay / (1 + |P|): about 1/efficiency of the accept-reject
#: Indices of the sampled pair layout (module docstring).
TAU_M, TAU_P, MU_M, NUBAR_MU, NU_TAU, MU_P, NU_MU, NUBAR_TAU = range(8)


def _check_masses(m_tau: float, m_mu: float) -> None:
    if not 0.0 <= m_mu < m_tau:
        raise ParameterError("m_mu", "must satisfy 0 <= m_mu < m_tau", m_mu)


def michel_f(y: float | FloatArray) -> FloatArray:
    """f(y) = 1 - 8y + 8y^3 - y^4 - 12 y^2 ln y, the phase-space factor of l -> l' nu nubar,
    y = m_l'^2/m_l^2."""
    y = np.asarray(y, dtype=np.float64)
    ylog = np.where(y > 0.0, y * y * np.log(np.where(y > 0.0, y, 1.0)), 0.0)
    return 1.0 - 8.0 * y + 8.0 * y**3 - y**4 - 12.0 * ylog


def tau_to_mu_width(m_tau: float = M_TAU, m_mu: float = M_MU) -> float:
    """Gamma(tau -> mu nu nubar) = G_F^2 m_tau^5/(192 pi^3) f(m_mu^2/m_tau^2) [GeV] (tree level)."""
    _check_masses(m_tau, m_mu)
    return float(G_F**2 * m_tau**5 / (192.0 * math.pi**3) * michel_f(m_mu**2 / m_tau**2))


def tau_total_width() -> float:
    """Total tau width [GeV] from the PDG lifetime in :mod:`particle` (hbar / tau)."""
    ctau_mm = float(Particle.from_pdgid(15).ctau)  # particle stores c tau in mm
    return width_to_ctau_mm(1.0) / ctau_mm


def tau_to_mu_branching_ratio() -> float:
    """BR(tau -> mu nu nubar) = tree-level width / PDG total width (0.1733; PDG measures 0.1739)."""
    return tau_to_mu_width() / tau_total_width()


def muon_energy_range(m_tau: float = M_TAU, m_mu: float = M_MU) -> tuple[float, float]:
    """Muon energy range [m_mu, (m_tau^2 + m_mu^2)/(2 m_tau)] [GeV] in the tau rest frame."""
    _check_masses(m_tau, m_mu)
    return m_mu, (m_tau**2 + m_mu**2) / (2.0 * m_tau)


def _f_and_a(e: FloatArray, m: float, mm: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    q = np.sqrt(np.maximum(e * e - mm * mm, 0.0))
    q2 = m * m + mm * mm - 2.0 * m * e
    f = q2 * m * e + 2.0 * (m * m - m * e) * (m * e - mm * mm)
    a = m * q * (4.0 * m * e - m * m - 3.0 * mm * mm)
    return q, f, a


def muon_spectrum(e_mu: FloatArray | float, m_tau: float = M_TAU, m_mu: float = M_MU) -> FloatArray:
    """dGamma/dE_mu [GeV/GeV] of tau -> mu nu nubar in the tau rest frame (module docstring; 0 outside the
    kinematic range)."""
    _check_masses(m_tau, m_mu)
    e = np.asarray(e_mu, dtype=np.float64)
    lo, hi = muon_energy_range(m_tau, m_mu)
    q, f, _ = _f_and_a(np.clip(e, lo, hi), m_tau, m_mu)
    return np.where((e >= lo) & (e <= hi), G_F**2 * q * f / (12.0 * math.pi**3 * m_tau), 0.0)


def muon_energy_angle_spectrum(
    e_mu: FloatArray | float,
    cos_theta: FloatArray | float,
    polarization: float,
    charge: int = -1,
    m_tau: float = M_TAU,
    m_mu: float = M_MU,
) -> FloatArray:
    """d2Gamma/(dE_mu dcos) [GeV/GeV] for a tau of polarization ``polarization`` (in [-1, 1], along the axis
    from which theta is measured) and ``charge`` -1 (tau-) or +1 (tau+). Module docstring."""
    if charge not in (-1, 1):
        raise ParameterError("charge", "must be -1 (tau-) or +1 (tau+)", charge)
    if not -1.0 <= polarization <= 1.0:
        raise ParameterError("polarization", "must be in [-1, 1]", polarization)
    e = np.asarray(e_mu, dtype=np.float64)
    c = np.asarray(cos_theta, dtype=np.float64)
    lo, hi = muon_energy_range(m_tau, m_mu)
    q, f, a = _f_and_a(np.clip(e, lo, hi), m_tau, m_mu)
    val = G_F**2 * q / (24.0 * math.pi**3 * m_tau) * (f + charge * polarization * c * a)
    return np.where((e >= lo) & (e <= hi), val, 0.0)


def tau_decay_msq(
    p_tau: FloatArray,
    spin: FloatArray,
    q_mu: FloatArray,
    k1: FloatArray,
    k2: FloatArray,
    charge: int = -1,
    m_tau: float = M_TAU,
) -> FloatArray:
    """|M|^2 [GeV^-0] = 64 G_F^2 ((p -+ m s).k1)(q.k2) of tau -> mu nu nubar for four-vectors (n, 4) [GeV]:
    tau p, spin four-vector s (s.p = 0, -s.s = |P|^2; (0, P) at rest), muon q, k1 = nubar_mu (tau-) or nu_mu
    (tau+), k2 = the tau neutrino; the sign is - for tau- (charge -1), + for tau+. Module docstring."""
    if charge not in (-1, 1):
        raise ParameterError("charge", "must be -1 (tau-) or +1 (tau+)", charge)

    def dot(a: FloatArray, b: FloatArray) -> FloatArray:
        return a[:, 0] * b[:, 0] - np.sum(a[:, 1:] * b[:, 1:], axis=1)

    return 64.0 * G_F**2 * (dot(p_tau, k1) + charge * m_tau * dot(spin, k1)) * dot(q_mu, k2)


@nb.njit(cache=True)
def _decay_candidates_kernel(
    u: FloatArray, m: float, mm: float, pol: FloatArray, charge: int
) -> tuple[FloatArray, FloatArray]:
    """Candidates of tau -> mu nu nu at rest from uniforms u (n, 5): E_mu uniform in its range (u0), E_1
    uniform in its Dalitz slice (u1), the muon direction (u2: cos, u3: azimuth), k1's azimuth about it (u4).
    Returns momenta (n, 3, 4) (mu, k1, k2) [GeV] and w = |M|^2 |q|,
    |M|^2 = 64 G_F^2 m (E1 - charge P.k1)(q.k2)
    (:func:`tau_decay_msq` at rest with spin (0, P); pol (n, 3) or (1, 3)); flat phase space is ∝ |q|
    per point."""
    n = u.shape[0]
    p = np.empty((n, 3, 4))
    w = np.empty(n)
    lo, hi = mm, (m * m + mm * mm) / (2.0 * m)
    g = 64.0 * G_F * G_F * m
    for i in range(n):
        e = lo + (hi - lo) * u[i, 0]
        q = math.sqrt(max(e * e - mm * mm, 0.0))
        eq = m - e
        e1 = 0.5 * (eq + q * (2.0 * u[i, 1] - 1.0))
        e2 = eq - e1
        c1 = (e2 * e2 - q * q - e1 * e1) / max(2.0 * q * e1, 1e-300)
        c1 = min(1.0, max(-1.0, c1))
        s1 = math.sqrt(1.0 - c1 * c1)
        c = 2.0 * u[i, 2] - 1.0
        s = math.sqrt(max(0.0, 1.0 - c * c))
        f = 2.0 * math.pi * u[i, 3]
        nx, ny, nz = s * math.cos(f), s * math.sin(f), c
        # e_a = normalize(axis - (axis.n) n), e_b = n x e_a (axis z, or x near the poles)
        if abs(nz) < 0.9:
            ax, ay, az = -nz * nx, -nz * ny, 1.0 - nz * nz
        else:
            ax, ay, az = 1.0 - nx * nx, -nx * ny, -nx * nz
        norm = math.sqrt(ax * ax + ay * ay + az * az)
        ax, ay, az = ax / norm, ay / norm, az / norm
        bx, by, bz = ny * az - nz * ay, nz * ax - nx * az, nx * ay - ny * ax
        ph = 2.0 * math.pi * u[i, 4]
        cp, sp = math.cos(ph), math.sin(ph)
        kx = c1 * nx + s1 * (cp * ax + sp * bx)
        ky = c1 * ny + s1 * (cp * ay + sp * by)
        kz = c1 * nz + s1 * (cp * az + sp * bz)
        p[i, 0, 0], p[i, 0, 1], p[i, 0, 2], p[i, 0, 3] = e, q * nx, q * ny, q * nz
        p[i, 1, 0], p[i, 1, 1], p[i, 1, 2], p[i, 1, 3] = e1, e1 * kx, e1 * ky, e1 * kz
        x2, y2, z2 = -(q * nx + e1 * kx), -(q * ny + e1 * ky), -(q * nz + e1 * kz)
        p[i, 2, 0], p[i, 2, 1], p[i, 2, 2], p[i, 2, 3] = math.sqrt(x2 * x2 + y2 * y2 + z2 * z2), x2, y2, z2
        j = i if pol.shape[0] > 1 else 0
        pk1 = pol[j, 0] * p[i, 1, 1] + pol[j, 1] * p[i, 1, 2] + pol[j, 2] * p[i, 1, 3]
        qk2 = e * p[i, 2, 0] - (p[i, 0, 1] * x2 + p[i, 0, 2] * y2 + p[i, 0, 3] * z2)
        w[i] = g * (e1 - charge * pk1) * qk2 * q
    return p, w


def decay_weight_bound(m_tau: float = M_TAU, m_mu: float = M_MU, p_max: float = 1.0) -> float:
    """Upper bound of the candidate weight w = |M|^2 |q| of :func:`_decay_candidates_kernel` for
    polarizations |P| <= ``p_max``: 64 G_F^2 (1 + p_max) m^4/16 x |q|_max (m E1 (q.k2) <= m^4/16)."""
    qmax = math.sqrt(max(muon_energy_range(m_tau, m_mu)[1] ** 2 - m_mu**2, 0.0))
    return 64.0 * G_F**2 * (1.0 + p_max) * m_tau**4 / 16.0 * qmax


def sample_tau_decay(
    rng: np.random.Generator,
    n: int,
    polarization: FloatArray | None = None,
    charge: int = -1,
    m_tau: float = M_TAU,
    m_mu: float = M_MU,
) -> FloatArray:
    """Unweighted tau -> mu nu nubar decays at rest: momenta (n, 3, 4) [GeV] ordered (mu, k1, k2), with
    k1 = nubar_mu, k2 = nu_tau for tau- (charge -1) and k1 = nu_mu, k2 = nubar_tau for tau+ (charge +1).
    ``polarization``: None (unpolarized) or the polarization vector(s) P, shape (3,) or (n, 3), |P| <= 1.
    Accept-reject of the exact |M|^2 on flat phase space (bound :func:`decay_weight_bound` with the largest
    |P| of the call: unpolarized decays need half the candidates of fully polarized ones)."""
    _check_masses(m_tau, m_mu)
    if charge not in (-1, 1):
        raise ParameterError("charge", "must be -1 (tau-) or +1 (tau+)", charge)
    pol = (
        np.zeros((n, 3)) if polarization is None else np.broadcast_to(np.asarray(polarization, float), (n, 3))
    )
    if np.any(np.linalg.norm(pol, axis=1) > 1.0 + 1e-12):
        raise ParameterError("polarization", "must have |P| <= 1", float(np.linalg.norm(pol, axis=1).max()))
    out = np.empty((n, 3, 4))
    todo = np.arange(n)
    p_max = float(np.linalg.norm(pol, axis=1).max()) if n else 0.0  # (E1 - charge P.k1) <= (1 + |P|) E1
    bound = decay_weight_bound(m_tau, m_mu, p_max)
    common = polarization is None or np.ndim(polarization) == 1
    pol_common = np.ascontiguousarray(pol[:1])
    while todo.size:
        # one polarization for all: draw ~1/efficiency candidates per missing event (accepted ones are iid,
        # filled in order), so that the loop ends in a few passes; per-event polarizations: one each
        m = int(_OVERSAMPLE * (1.0 + p_max) * todo.size) + 64 if common else todo.size
        pol_m = pol_common if common else np.ascontiguousarray(pol[todo])
        p, w = _decay_candidates_kernel(rng.random((m, 5)), m_tau, m_mu, pol_m, charge)
        keep = rng.random(m) * bound < w
        if common:
            acc = np.flatnonzero(keep)[: todo.size]
            out[todo[: acc.size]] = p[acc]
            todo = todo[acc.size :]
        else:
            out[todo[keep]] = p[keep]
            todo = todo[~keep]
    return out


def polarimeter(decay: FloatArray, charge: int) -> FloatArray:
    """Polarimeter vectors h (n, 3) of decays (n, 3, 4) at rest: the decay rate for spin P is ∝ 1 + h.P;
    h = khat1 for tau- and -khat1 for tau+ (module docstring)."""
    k = decay[:, 1, 1:]
    return -charge * k / np.linalg.norm(k, axis=1, keepdims=True)


def spin_correlation_matrix(
    cos_theta: FloatArray | float, sqrt_s: float | FloatArray, m_tau: float = M_TAU
) -> FloatArray:
    """C_ij (n, 3, 3) of e+e- -> gamma* -> tau+ tau- at Born level on the (x, y, z) axes of the module
    docstring, as a function of the tau- polar angle; ``sqrt_s`` [GeV] a number or one per event (n,)."""
    if not np.all(np.asarray(sqrt_s) > 2.0 * m_tau):
        raise ParameterError("run.sqrt_s", "must exceed 2 m_tau", sqrt_s)
    c = np.atleast_1d(np.asarray(cos_theta, dtype=np.float64))
    s2 = 1.0 - c * c
    b2 = 1.0 - 4.0 * m_tau**2 / np.asarray(sqrt_s, dtype=np.float64) ** 2
    d = 1.0 + c * c + (1.0 - b2) * s2
    out = np.zeros((c.size, 3, 3))
    out[:, 0, 0] = (2.0 - b2) * s2 / d
    out[:, 1, 1] = -b2 * s2 / d
    out[:, 2, 2] = (1.0 + c * c - (1.0 - b2) * s2) / d
    out[:, 0, 2] = out[:, 2, 0] = -2.0 * np.sqrt(1.0 - b2) * np.sqrt(s2) * c / d
    return out


def _sample_cos(
    rng: np.random.Generator, n: int, sqrt_s: float, m_tau: float, z_exchange: bool
) -> FloatArray:
    """cos theta of the tau- from the Born dsigma/dcos (accept-reject; the density is a quadratic in c)."""
    grid = np.array([-1.0, 0.0, 1.0])
    fmax = 1.05 * float(born_dsigma_dcos(grid, sqrt_s, m_tau, z_exchange).max())
    out = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        c = rng.uniform(-1.0, 1.0, todo.size)
        keep = rng.random(todo.size) * fmax < born_dsigma_dcos(c, sqrt_s, m_tau, z_exchange)
        out[todo[keep]] = c[keep]
        todo = todo[~keep]
    return out


@dataclass(frozen=True)
class TauPairSample:
    """Unweighted e+e- -> tau+ tau- -> mu+ mu- + 4 nu events (CM frame).

    momenta: (n, 8, 4) [GeV] in the layout of the module docstring; cos_theta: tau- polar angle (n,);
    sigma_fb: Born sigma(tau tau) x BR(tau -> mu nu nu)^2 [fb], the cross section each event stands for
    (weight sigma_fb / n)."""

    momenta: FloatArray
    cos_theta: FloatArray
    sigma_fb: float


def decay_tau_pair(
    rng: np.random.Generator,
    direction: FloatArray,
    sqrt_s: FloatArray,
    spin_correlations: bool = True,
    m_tau: float = M_TAU,
    m_mu: float = M_MU,
) -> FloatArray:
    """Both taus of e+e- -> tau+ tau- decayed to mu nu nubar in the pair's CM frame (e- beam along +z):
    ``direction`` (n, 3) the unit tau- direction, ``sqrt_s`` (n,) the pair mass [GeV]. With (default) or
    without the Born spin correlation (accept the unpolarized decays with (1 + C_ij h-_i h+_j)/2, exact since
    the singular values of C are <= 1); without it the two decays are independent and isotropic. Momenta
    (n, 8, 4) [GeV] in the layout of the module docstring, boosted from the tau rest frames."""
    n = direction.shape[0]
    ez = np.asarray(direction, dtype=np.float64)
    c = np.clip(ez[:, 2], -1.0, 1.0)
    s = np.sqrt(1.0 - c * c)
    rho = np.hypot(ez[:, 0], ez[:, 1])
    cphi = np.where(rho > 0, ez[:, 0] / np.where(rho > 0, rho, 1.0), 1.0)
    sphi = np.where(rho > 0, ez[:, 1] / np.where(rho > 0, rho, 1.0), 0.0)
    ex = np.column_stack([c * cphi, c * sphi, -s])
    ey = np.cross(ez, ex)
    dm = sample_tau_decay(rng, n, None, -1, m_tau, m_mu)
    dp = sample_tau_decay(rng, n, None, +1, m_tau, m_mu)
    if spin_correlations:
        cmat = spin_correlation_matrix(c, sqrt_s, m_tau)
        basis = np.stack([ex, ey, ez], axis=1)  # (n, 3 axes, 3 components)
        todo = np.arange(n)
        while todo.size:
            hm = np.einsum("nij,nj->ni", basis[todo], polarimeter(dm[todo], -1))
            hp = np.einsum("nij,nj->ni", basis[todo], polarimeter(dp[todo], +1))
            w = 1.0 + np.einsum("ni,nij,nj->n", hm, cmat[todo], hp)
            keep = rng.random(todo.size) * 2.0 < w
            todo = todo[~keep]
            if todo.size:
                dm[todo] = sample_tau_decay(rng, todo.size, None, -1, m_tau, m_mu)
                dp[todo] = sample_tau_decay(rng, todo.size, None, +1, m_tau, m_mu)
    e = 0.5 * np.asarray(sqrt_s, dtype=np.float64)
    pt = np.sqrt(e * e - m_tau**2)
    out = np.empty((n, 8, 4))
    out[:, TAU_M, 0] = e
    out[:, TAU_M, 1:] = pt[:, None] * ez
    out[:, TAU_P, 0] = e
    out[:, TAU_P, 1:] = -pt[:, None] * ez
    for j in range(3):
        out[:, MU_M + j] = boost_many(np.ascontiguousarray(dm[:, j]), out[:, TAU_M])
        out[:, MU_P + j] = boost_many(np.ascontiguousarray(dp[:, j]), out[:, TAU_P])
    return out


def sample_tau_pair(
    rng: np.random.Generator,
    n: int,
    sqrt_s: float = 10.58,
    spin_correlations: bool = True,
    z_exchange: bool = False,
    m_tau: float = M_TAU,
    m_mu: float = M_MU,
) -> TauPairSample:
    """Sample e+e- -> tau+ tau- (Born angular distribution with tau mass) with both taus decaying to
    mu nu nubar (:func:`decay_tau_pair`), at fixed ``sqrt_s`` [GeV]."""
    if n < 1:
        raise ParameterError("n", "must be >= 1", n)
    if not sqrt_s > 2.0 * m_tau:
        raise ParameterError("run.sqrt_s", "must exceed 2 m_tau", sqrt_s)
    c = _sample_cos(rng, n, sqrt_s, m_tau, z_exchange)
    phi = rng.uniform(0.0, 2.0 * math.pi, n)
    s = np.sqrt(1.0 - c * c)
    ez = np.column_stack([s * np.cos(phi), s * np.sin(phi), c])
    out = decay_tau_pair(rng, ez, np.full(n, sqrt_s), spin_correlations, m_tau, m_mu)
    sigma = born_sigma(sqrt_s, m_tau, z_exchange) * GEV2_TO_FB * tau_to_mu_branching_ratio() ** 2
    return TauPairSample(out, c, sigma)
