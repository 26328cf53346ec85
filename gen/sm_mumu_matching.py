"""Matching of e+e- -> mu+ mu- gamma to collinear ISR and the soft+virtual correction, and the 2 -> 3 phase
space of the matrix-element region (next_wave.md 1.3 item 6a; the matrix elements are in
:mod:`darkstrahl.gen.sm_mumu`, whose particle order and units this module shares).

Matching with the collinear ISR structure function (gen/isr.py, not in this module): photon phase-space
slicing.  A photon belongs to the matrix-element region if E_gamma > omega_min and its angle to both beams
exceeds theta_c (CM frame of the hard process); everything else is covered by the structure function
and by a soft-virtual factor:

    sigma = int dx1 dx2 f(x1; beta_c) f(x2; beta_c) [ sigma_Born(s_hat) K_SV(s_hat)
            + sigma_ME(s_hat; omega > omega_min, theta_gamma > theta_c) ],

* f(x; beta_c) is the structure function run at the collinear scale Q_c^2 = s tan^2(theta_c/2), i.e. with
  beta_c = (2 alpha/pi)(ln(Q_c^2/m_e^2) - 1) = beta - beta_wide,
  beta_wide = (4 alpha/pi) ln cot(theta_c/2): the soft photon spectrum beta dw/w of the eikonal factor
  splits exactly (massless electrons) into the part inside the two cones theta < theta_c (beta_c)
  and the part outside (beta_wide).
* K_SV (:func:`soft_virtual_factor`) carries the O(alpha) soft (omega < omega_min, outside the cones) and
  virtual corrections not in f:
    K_SV = 1 + B(c) ln(2 omega_min/sqrt s) + (3/4)(beta_wide + beta_f) + 2 (alpha/pi)(pi^2/3 - 1/2),
    B(c) = beta_wide + beta_f + beta_IFI(c),
    beta_f = (2 alpha/pi)[(1+b^2)/(2b) ln((1+b)/(1-b)) - 1]   (FSR, muon velocity b),
    beta_IFI = (4 alpha/pi) ln((1 - c)/(1 + c))     (initial-final interference, c = cos theta_mu-),
  with (3/4) beta + (alpha/pi)(pi^2/3 - 1/2) the standard O(alpha) soft+virtual constants of a massless
  fermion line (Kuraev-Fadin; next_wave.md 3.1 non-log term) applied to the wide-angle ISR and to the FSR.
  The exponentiated form (2 omega_min/sqrt s)^B (1 + constants) is the default. Exponentiated, the
  hard-photon region must carry the same factor at the photon's own energy,
  S(omega, c) = (2 omega/sqrt s)^B(c) (1 + constants) (:func:`sudakov_factor`; c from the mu- in the
  hard CM frame): then d sigma/d omega_min = (1 + const)(2 omega_min/sqrt s)^B [sigma_Born B/omega_min
  - d sigma_ME/d omega] vanishes in the soft limit to all orders in B ln(omega_min). An exponentiated
  K_SV next to a fixed-order ME leaves an O(B^2 ln^2) cutoff dependence: 4 % between omega_min = 3 and
  30 MeV (measured with the previous version of :mod:`darkstrahl.gen.mumu_process`).
* Double counting: none at O(alpha).  The ME region is not in f (beta_c excludes theta > theta_c) nor in
  K_SV (omega < omega_min only); the omega_min dependence cancels between K_SV and sigma_ME (test:
  the ME integrated over a soft slice equals sigma_Born B ln(w2/w1)).
* Neglected: hard photons inside the cones use the LL splitting function instead of the exact matrix
  element (non-log O(alpha) error there); the finite (non-IR) parts of the IFI box diagrams
  (C-odd: they shift A_FB by O(alpha/pi), cancel in symmetric rates); O(m_mu^2/s) terms in the FSR
  constants; O(m_e^2/(E^2 theta_c^2)) terms; O(alpha^2) beyond the product of the exponentiated f,
  K_SV and the single-photon ME (a hard wide-angle photon plus a second wide-angle photon is missing);
  hard FSR photons within theta_c of a beam (a muon within a few degrees of the beam: < 1e-4 of sigma).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

from .constants import ALPHA, GEV2_TO_FB, M_E, M_MU
from .kinematics import boost_into, put_cm_beams, two_body_momentum
from .phasespace import collinear_cos_map, log_map
from .sm_mumu import ALL, check_energy, mumugamma_msq

FloatArray = NDArray[np.float64]
_TWO_PI = 2.0 * math.pi


# ----------------------------------------------------------------------------- matching
@dataclass(frozen=True)
class RadiativeMatching:
    """Slicing parameters of the ISR matching (module docstring (c)), CM frame of the hard process.

    omega_min: photon energy below which a photon is unresolved [GeV];
    theta_c_deg: half-opening of the cones around the beams left to the structure function [deg]."""

    omega_min: float = 0.01
    theta_c_deg: float = 5.0

    def __post_init__(self) -> None:
        if not self.omega_min > 0.0:
            raise ParameterError("matching.omega_min", "must be > 0 GeV", self.omega_min)
        if not 0.0 < self.theta_c_deg < 90.0:
            raise ParameterError("matching.theta_c_deg", "must be in (0, 90) deg", self.theta_c_deg)

    @property
    def cos_c(self) -> float:
        """cos(theta_c): the ME region is |cos theta_gamma| < cos_c."""
        return math.cos(math.radians(self.theta_c_deg))


#: Region codes returned by :func:`photon_region`.
REGION_SF, REGION_ME = 0, 1


def photon_region(k: FloatArray, matching: RadiativeMatching) -> NDArray[np.int8]:
    """Which part of the matched calculation a photon k (n, 4) [GeV, CM frame, beams along +-z] belongs to:
    REGION_ME (1) if E > omega_min and theta > theta_c from both beams, else REGION_SF (0: structure function
    or soft-virtual factor). Module docstring (c)."""
    k = np.asarray(k, dtype=np.float64)
    e = k[:, 0]
    c = k[:, 3] / np.maximum(np.linalg.norm(k[:, 1:], axis=1), 1e-300)
    return ((e > matching.omega_min) & (np.abs(c) < matching.cos_c)).astype(np.int8)


def isr_beta_full(sqrt_s: float) -> float:
    """beta = (2 alpha/pi)(ln(s/m_e^2) - 1), the LL exponent of both beams (next_wave.md 3.1; 0.08769)."""
    return 2.0 * ALPHA / math.pi * (math.log(sqrt_s**2 / M_E**2) - 1.0)


def wide_angle_beta(matching: RadiativeMatching) -> float:
    """beta_wide = (4 alpha/pi) ln cot(theta_c/2): the eikonal ISR spectrum (per d omega/omega) of photons
    outside both cones (exact for massless electrons: (alpha/4pi^2) int dOmega 2[1/(1-c) + 1/(1+c)])."""
    return 4.0 * ALPHA / math.pi * math.log(1.0 / math.tan(0.5 * math.radians(matching.theta_c_deg)))


def collinear_scale_q2(sqrt_s: float, matching: RadiativeMatching) -> float:
    """Q_c^2 = s tan^2(theta_c/2) [GeV^2]: the structure-function scale at which
    beta(Q_c^2) = (2 alpha/pi)(ln(Q_c^2/m_e^2) - 1) = beta - beta_wide (module docstring (c))."""
    return sqrt_s**2 * math.tan(0.5 * math.radians(matching.theta_c_deg)) ** 2


def collinear_beta(sqrt_s: float, matching: RadiativeMatching) -> float:
    """beta_c = beta(Q_c^2) = isr_beta_full - wide_angle_beta: the exponent to give the structure function."""
    return 2.0 * ALPHA / math.pi * (math.log(collinear_scale_q2(sqrt_s, matching) / M_E**2) - 1.0)


def fsr_beta(sqrt_s: float | FloatArray, m_mu: float = M_MU) -> FloatArray:
    """beta_f = (2 alpha/pi)[(1 + b^2)/(2b) ln((1+b)/(1-b)) - 1]: the soft-photon spectrum (per d omega/omega)
    of a back-to-back mu+ mu- pair of velocity b, integrated over all photon directions (massive eikonal);
    ``sqrt_s`` [GeV] a number or one per event (n,)."""
    check_energy(sqrt_s, m_mu)
    b = np.sqrt(1.0 - 4.0 * m_mu**2 / np.asarray(sqrt_s, dtype=np.float64) ** 2)
    return 2.0 * ALPHA / math.pi * ((1.0 + b * b) / (2.0 * b) * np.log((1.0 + b) / (1.0 - b)) - 1.0)


def ifi_beta(cos_theta: FloatArray | float) -> FloatArray:
    """beta_IFI(c) = (4 alpha/pi) ln((1 - c)/(1 + c)): the initial-final interference part of the soft
    spectrum (massless limit, full solid angle; the cones contribute O(theta_c^2) since it is
    collinear-finite)."""
    c = np.asarray(cos_theta, dtype=np.float64)
    return 4.0 * ALPHA / math.pi * np.log((1.0 - c) / (1.0 + c))


def soft_coefficient(
    cos_theta: FloatArray | float, sqrt_s: float | FloatArray, matching: RadiativeMatching, m_mu: float = M_MU
) -> FloatArray:
    """B(c) = beta_wide + beta_f + beta_IFI(c): dN_soft = B d omega / omega for photons outside the cones."""
    return wide_angle_beta(matching) + fsr_beta(sqrt_s, m_mu) + ifi_beta(cos_theta)


def soft_virtual_factor(
    cos_theta: FloatArray | float,
    sqrt_s: float | FloatArray,
    matching: RadiativeMatching,
    m_mu: float = M_MU,
    exponentiate: bool = True,
) -> FloatArray:
    """K_SV(c): the factor on the Born dsigma/dcos for events without a photon in the ME region (module
    docstring (c)); c = cos(e-, mu-). O(alpha): 1 + B ln(2 w_min/sqrt s) + const; exponentiated:
    (2 w_min/sqrt s)^B (1 + const), const = (3/4)(beta_wide + beta_f) + 2 (alpha/pi)(pi^2/3 - 1/2).
    ``sqrt_s`` [GeV]: a number or one per event (the hard process's, with ISR)."""
    if np.any(2.0 * matching.omega_min >= np.asarray(sqrt_s)):
        raise ParameterError("matching.omega_min", "must be below sqrt(s)/2", matching.omega_min)
    if exponentiate:
        return sudakov_factor(cos_theta, sqrt_s, matching.omega_min, matching, m_mu)
    b = soft_coefficient(cos_theta, sqrt_s, matching, m_mu)
    log_w = np.log(2.0 * matching.omega_min / np.asarray(sqrt_s, dtype=np.float64))
    return 1.0 + b * log_w + _sv_constant(sqrt_s, matching, m_mu)


def _sv_constant(sqrt_s: float | FloatArray, matching: RadiativeMatching, m_mu: float) -> FloatArray:
    """const = (3/4)(beta_wide + beta_f) + 2 (alpha/pi)(pi^2/3 - 1/2) (module docstring (c))."""
    sv = 2.0 * ALPHA / math.pi * (math.pi**2 / 3.0 - 0.5)
    return 0.75 * (wide_angle_beta(matching) + fsr_beta(sqrt_s, m_mu)) + sv


def sudakov_factor(
    cos_theta: FloatArray | float,
    sqrt_s: float | FloatArray,
    omega: float | FloatArray,
    matching: RadiativeMatching,
    m_mu: float = M_MU,
) -> FloatArray:
    """S(omega, c) = (2 omega/sqrt s)^B(c) (1 + const): the exponentiated soft+virtual factor for photons
    softer than ``omega`` [GeV] (module docstring (c)); K_SV = S(omega_min, c) for Born-region events, and the
    factor on the hard-photon |M|^2 at its photon energy omega (hard CM frame). ``sqrt_s`` [GeV], ``omega``
    numbers or per event (n,)."""
    b = soft_coefficient(cos_theta, sqrt_s, matching, m_mu)
    log_w = np.log(2.0 * np.asarray(omega, dtype=np.float64) / np.asarray(sqrt_s, dtype=np.float64))
    return np.exp(b * log_w) * (1.0 + _sv_constant(sqrt_s, matching, m_mu))


# ----------------------------------------------------------------------------- 2 -> 3 phase space
@nb.njit(cache=True)
def build_mumugamma(
    rs: FloatArray, m: float, egam: FloatArray, ang: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Momenta (n, 5, 4) of e- e+ -> mu- mu+ gamma and W_phys = dPhi_3/(d omega dOmega_k dOmega_a) [GeV^0 per
    GeV per sr^2] from the photon energy omega [GeV] and ang = (cos_k, phi_k, cos_a, phi_a): photon
    direction in the CM frame, mu- direction in the mu mu rest frame (reached by a pure boost)
    relative to the photon axis; rs (n,) [GeV] the centre-of-mass energy of each event
    (:func:`mumugamma_event` per event)."""
    n = egam.shape[0]
    p = np.zeros((n, 5, 4))
    w = np.zeros(n)
    frame = np.empty(4)
    for i in range(n):
        w[i] = mumugamma_event(p[i], rs[i], m, egam[i], ang[i, 0], ang[i, 1], ang[i, 2], ang[i, 3], frame)
    return p, w


@nb.njit(cache=True)
def mumugamma_event(
    q: FloatArray,
    sqrt_s: float,
    m: float,
    e: float,
    ck: float,
    phik: float,
    ca: float,
    phia: float,
    frame: FloatArray,
) -> float:
    """One event of :func:`build_mumugamma`: writes the momenta into q (5, 4) [GeV] (``frame`` (4,) is
    scratch) and returns W_phys,

    dPhi_3 = omega d omega dOmega_k / (16 pi^3) * |p*| dOmega_a / (16 pi^2 M'),  M'^2 = s - 2 sqrt(s) omega
    (Byckling-Kajantie; the same measure as phasespace.build_gamma_phi)."""
    put_cm_beams(q, sqrt_s)
    sk = math.sqrt(max(0.0, 1.0 - ck * ck))
    kx, ky, kz = sk * math.cos(phik), sk * math.sin(phik), ck
    q[4, 0] = e
    q[4, 1] = e * kx
    q[4, 2] = e * ky
    q[4, 3] = e * kz
    # orthonormal axes (e1, e2, khat)
    if abs(kz) < 0.9:
        ax, ay, az = 0.0, 0.0, 1.0
    else:
        ax, ay, az = 1.0, 0.0, 0.0
    # e1 = normalize(a - (a.k) k), e2 = k x e1
    dk = ax * kx + ay * ky + az * kz
    e1x, e1y, e1z = ax - dk * kx, ay - dk * ky, az - dk * kz
    nn = math.sqrt(e1x * e1x + e1y * e1y + e1z * e1z)
    e1x, e1y, e1z = e1x / nn, e1y / nn, e1z / nn
    e2x, e2y, e2z = ky * e1z - kz * e1y, kz * e1x - kx * e1z, kx * e1y - ky * e1x
    sa = math.sqrt(max(0.0, 1.0 - ca * ca))
    cp, sp = math.cos(phia), math.sin(phia)
    dx = sa * cp * e1x + sa * sp * e2x + ca * kx
    dy = sa * cp * e1y + sa * sp * e2y + ca * ky
    dz = sa * cp * e1z + sa * sp * e2z + ca * kz
    mp = math.sqrt(sqrt_s * sqrt_s - 2.0 * sqrt_s * e)
    pst = two_body_momentum(mp, m, m)
    est = math.sqrt(m * m + pst * pst)
    q[2, 0] = est
    q[2, 1], q[2, 2], q[2, 3] = pst * dx, pst * dy, pst * dz
    q[3, 0] = est
    q[3, 1], q[3, 2], q[3, 3] = -pst * dx, -pst * dy, -pst * dz
    for mu in range(4):
        frame[mu] = q[0, mu] + q[1, mu] - q[4, mu]
    boost_into(q[2], frame, q[2])
    boost_into(q[3], frame, q[3])
    return e / (16.0 * math.pi**3) * pst / (16.0 * math.pi**2 * mp)


@dataclass(frozen=True)
class MuMuGammaPhaseSpace:
    """Two-channel map of the ME region of e+e- -> mu+ mu- gamma (module docstring (c)) at fixed sqrt(s).

    Unit point u (n, 6): u0 -> omega, logarithmic on [omega_min, omega_max] (soft 1/omega; ``omega_upper``
    optionally lowers omega_max); u1 -> cos theta_k;
    u2 -> phi_k; u3 -> cos a (mu- relative to the photon axis in the mu mu rest frame); u4 -> phi_a;
    u5 picks the channel.
    * ``isr`` (probability alpha_isr): cos theta_k with the collinear 1/(1 - c^2) map
      (:func:`~darkstrahl.gen.phasespace.collinear_cos_map`) within |c| < cos theta_c, cos a flat;
    * ``fsr``: cos theta_k flat, cos a with density ∝ 1/(1 - b*^2 cos^2 a) (b* the muon velocity in the
      mu mu frame), which follows q1.k and q2.k = E* omega* (1 -+ b* cos a).
    The weight is W = dPhi_3 / g_mix(x), g_mix = alpha g_isr + (1 - alpha) g_fsr, so that
    <f W> = int_ME dPhi_3 f, and sigma = <|M|^2 W> / (2 s).
    """

    sqrt_s: float
    matching: RadiativeMatching
    m_mu: float = M_MU
    alpha_isr: float = 0.5
    omega_upper: float | None = None

    def __post_init__(self) -> None:
        check_energy(self.sqrt_s, self.m_mu)
        if not 0.0 <= self.alpha_isr <= 1.0:
            raise ParameterError("alpha_isr", "must be in [0, 1]", self.alpha_isr)
        if not self.omega_min < self.omega_max:
            raise ParameterError("matching.omega_min", "must be below omega_max", self.matching.omega_min)

    @property
    def omega_min(self) -> float:
        return self.matching.omega_min

    @property
    def omega_max(self) -> float:
        """Upper photon energy [GeV]: the kinematic limit (s - 4 m_mu^2)/(2 sqrt s), or ``omega_upper`` if
        that is lower (a slice omega_min < omega < omega_upper)."""
        kin = (self.sqrt_s**2 - 4.0 * self.m_mu**2) / (2.0 * self.sqrt_s)
        return kin if self.omega_upper is None else min(kin, self.omega_upper)

    def _beta_star(self, omega: FloatArray) -> FloatArray:
        m2 = self.sqrt_s**2 - 2.0 * self.sqrt_s * omega
        return np.clip(np.sqrt(np.maximum(1.0 - 4.0 * self.m_mu**2 / m2, 0.0)), 1e-12, 1.0 - 1e-12)

    def generate(self, u: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Momenta (n, 5, 4) [GeV] and weights W (n,) [GeV^2] from unit points u (n, 6)."""
        u = np.asarray(u, dtype=np.float64)
        if u.ndim != 2 or u.shape[1] != 6:
            raise ParameterError("u", "must have shape (n, 6)", u.shape)
        cmax = self.matching.cos_c
        omega, _ = log_map(u[:, 0], self.omega_min, self.omega_max)
        bst = self._beta_star(omega)
        use_isr = u[:, 5] < self.alpha_isr
        c_isr, _ = collinear_cos_map(u[:, 1], -cmax, cmax)
        ck = np.where(use_isr, c_isr, cmax * (2.0 * u[:, 1] - 1.0))
        ya = np.arctanh(bst)
        ca_fsr = np.tanh(ya * (2.0 * u[:, 3] - 1.0)) / bst
        ca = np.where(use_isr, 2.0 * u[:, 3] - 1.0, ca_fsr)
        ang = np.column_stack([ck, _TWO_PI * u[:, 2], ca, _TWO_PI * u[:, 4]])
        rs = np.full(len(omega), self.sqrt_s)
        p, wphys = build_mumugamma(rs, self.m_mu, omega, np.ascontiguousarray(ang))
        return p, wphys / self.density(omega, ck, ca)

    def density(self, omega: FloatArray, cos_k: FloatArray, cos_a: FloatArray) -> FloatArray:
        """g_mix per d omega dOmega_k dOmega_a at the physical point (both channels' densities mixed)."""
        cmax = self.matching.cos_c
        g_w = 1.0 / (omega * math.log(self.omega_max / self.omega_min))
        y = 2.0 * math.atanh(cmax)
        g_ck_isr = 1.0 / ((1.0 - cos_k**2) * y)
        g_ck_fsr = 1.0 / (2.0 * cmax)
        bst = self._beta_star(omega)
        g_ca_fsr = bst / ((1.0 - bst**2 * cos_a**2) * 2.0 * np.arctanh(bst))
        g_isr = g_ck_isr * 0.5
        g_fsr = g_ck_fsr * g_ca_fsr
        return g_w * (self.alpha_isr * g_isr + (1.0 - self.alpha_isr) * g_fsr) / _TWO_PI**2

    def cross_section_fb(self, rng: np.random.Generator, n: int, parts: int = ALL) -> tuple[float, float]:
        """MC estimate of sigma_ME [fb] in the ME region (no structure function): (mean, standard error)."""

        p, w = self.generate(rng.random((n, 6)))
        f = mumugamma_msq(p, self.m_mu, parts) * w / (2.0 * self.sqrt_s**2) * GEV2_TO_FB
        return float(f.mean()), float(f.std(ddof=1) / math.sqrt(n))
