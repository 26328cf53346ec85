"""Collinear initial-state radiation (ISR) of e+ e- collisions (pure physics, no event record).

Sources: next_wave.md 3.1 (formulas), 3.2 (sampling); reference.md 5 (Skrzypek-Jadach form of the
leading-log exponentiated electron structure function as in Sherpa ``PDF_Electron.C``, with its O(beta^2)
terms; MadGraph's reduced ``isr_tilde``).

Conventions
-----------
* Energies in GeV, s and s_hat in GeV^2. Cross sections are returned in the unit of the ``sigma_hat``
  callable given to the quadrature functions (fb for :func:`~darkstrahl.gen.crosssections.sigma_nwa_fb`).
* Every per-beam quantity is a function of ``omx = 1 - x`` (never of x): for beta/2 = 0.044 the typical
  ``omx = u^(2/beta) = u^22.8`` is far below the double-precision spacing near 1 (reference.md 5).
* The hard process sees ``s_hat = x1 x2 s = tau s`` with ``1 - tau = omx1 + omx2 - omx1 omx2`` and the recoil
  system has the rapidity ``y = (1/2) ln(x1/x2)`` along the e- (+z) beam (next_wave.md 3.1).

Per beam (next_wave.md 3.1, reference.md 5)::

    f(x) = C (beta/2) omx^(beta/2 - 1) + f_reg(x),   C = exp(-gamma_E beta/2 + 3 beta/8) / Gamma(1 + beta/2)
    f_reg(x) = -(beta/4)(1 + x) - (beta^2/32) [ (1 + 3x^2)/omx ln x + 4 (1 + x) ln omx + 5 + x ]

The "reduced" function ``f~ = f omx^(1 - beta/2) = C beta/2 + f_reg omx^(1 - beta/2)`` is finite on [0, 1)
and its regular part is exactly 0 at omx = 0 (f_reg itself has an integrable ln omx singularity there).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate

from darkstrahl.errors import ParameterError

from .constants import ALPHA, M_E

FloatArray = NDArray[np.float64]

#: The two choices of alpha in the ISR exponent beta (next_wave.md 3.1): alpha(0) as in Kuraev-Fadin and the
#: basf2 dark-photon card, or alpha in the G_mu scheme as in MadGraph's ``eepdfgrid`` (``calcpdf_isronly.f``).
#: (alpha0 is :data:`~darkstrahl.gen.constants.ALPHA` = 1/137.036, 7e-9 from CODATA's 1/137.035999.)
ISR_ALPHA_SCHEMES: dict[str, float] = {"alpha0": ALPHA, "gmu": 0.007562397}

_EULER_GAMMA = 0.5772156649015329
# Gauss-Legendre nodes on [0, 1] for the luminosity convolution (converged to < 1e-12, see tests).
_GL_N = 64
_GL_X, _GL_W = np.polynomial.legendre.leggauss(_GL_N)
_GL_X = 0.5 * (_GL_X + 1.0)
_GL_W = 0.5 * _GL_W
_QUAD_EPSREL = 1e-10
_QUAD_TOLERANCE = 1e-7  # the quadrature functions raise if scipy's error estimate exceeds this (relative)


# ------------------------------------------------------------------------------------------ validation
def _check_beta(beta: float) -> float:
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.floating)) or not 0.0 < beta < 1.0:
        raise ParameterError("isr.beta", "ISR exponent must satisfy 0 < beta < 1", beta)
    return float(beta)


def _check_omx(omx: ArrayLike, name: str = "isr.omx") -> FloatArray:
    omx = np.asarray(omx, dtype=np.float64)
    if not np.all((omx >= 0.0) & (omx <= 1.0)):  # also rejects NaN
        raise ParameterError(name, "1 - x must lie in [0, 1]", omx[~((omx >= 0.0) & (omx <= 1.0))].ravel()[0])
    return omx


def _check_unit(u: ArrayLike, name: str) -> FloatArray:
    u = np.asarray(u, dtype=np.float64)
    if not np.all((u >= 0.0) & (u <= 1.0)):
        raise ParameterError(
            name, "uniform random numbers must lie in [0, 1]", u[~((u >= 0.0) & (u <= 1.0))].ravel()[0]
        )
    return u


def _check_fraction_open(value: float, name: str, rule: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0.0 < value < 1.0:
        raise ParameterError(name, rule, value)
    return float(value)


def _check_s(s: float) -> float:
    if (
        isinstance(s, bool)
        or not isinstance(s, (int, float, np.floating))
        or not s > 0.0
        or not math.isfinite(s)
    ):
        raise ParameterError("isr.s", "s must be a finite number > 0 GeV^2", s)
    return float(s)


# ------------------------------------------------------------------------------------------ exponent
def beta_isr(s_GeV2: ArrayLike, alpha: float = ALPHA) -> FloatArray | float:
    """ISR exponent beta = (2 alpha/pi)(ln(s/m_e^2) - 1) (next_wave.md 3.1, reference.md 5; dimensionless).

    ``s_GeV2`` is the squared centre-of-mass energy [GeV^2] (the factorisation scale Q^2 = s, the Kuraev-Fadin
    convention); ``alpha`` one of :data:`ISR_ALPHA_SCHEMES`. beta = 0.08769 at sqrt(s) = 10.58 GeV, alpha(0).
    Note that MadGraph's per-beam exponent ``beta_MG`` is beta/2 (reference.md 5).
    """
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)) or not 0.0 < alpha < 1.0:
        raise ParameterError("isr.alpha", "must satisfy 0 < alpha < 1", alpha)
    s = np.asarray(s_GeV2, dtype=np.float64)
    if not np.all(s > math.e * M_E**2):
        raise ParameterError("isr.s", "s must exceed e m_e^2 (so that beta > 0) [GeV^2]", s_GeV2)
    beta = 2.0 * alpha / math.pi * (np.log(s / M_E**2) - 1.0)
    return float(beta) if beta.ndim == 0 else beta


# ------------------------------------------------------------------------------------------ per beam
def isr_singular_coefficient(beta: float) -> float:
    """C(beta) = exp(-gamma_E beta/2 + 3 beta/8) / Gamma(1 + beta/2) (next_wave.md 3.1, reference.md 5).

    The singular part of the structure function is C (beta/2) (1-x)^(beta/2-1); C = 1 + 3 beta/8 + O(beta^2).
    """
    beta = _check_beta(beta)
    return math.exp(-_EULER_GAMMA * beta / 2.0 + 3.0 * beta / 8.0 - math.lgamma(1.0 + beta / 2.0))


def isr_normalization(beta: float) -> float:
    """Closed form of int_0^1 f(x) dx = C(beta) - 3 beta/8 + beta^2 (pi^2/48 - 9/128)  [DER, this module].

    Derivation: int C (beta/2) omx^(beta/2-1) = C; int (1+x) = 3/2; with 1 + 3x^2 = 4 - 3(1-x)(1+x),
    int_0^1 ln x/(1-x) = -pi^2/6 and int (1+x) ln x = -5/4, int (1+3x^2)/(1-x) ln x = 15/4 - 2 pi^2/3;
    int 4(1+x) ln(1-x) = -7; int (5+x) = 11/2. Expanding ln Gamma(1+eps) = -gamma_E eps + zeta(2) eps^2/2
    - zeta(3) eps^3/3 + ... gives 1 + c3 beta^3 + O(beta^4) with c3 = zeta(3)/24 - 3 pi^2/384 + 27/3072
    = -0.0182315: the O(beta) and O(beta^2) terms cancel, so int f = 1 - 1.23e-5 at beta = 0.0877.
    """
    beta = _check_beta(beta)
    return isr_singular_coefficient(beta) - 3.0 * beta / 8.0 + beta**2 * (math.pi**2 / 48.0 - 9.0 / 128.0)


def _regular_pieces(omx: FloatArray, beta: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """x, ln(x)/omx (-> -1 at omx = 0) and ln(omx) (-inf at 0), without warnings."""
    x = 1.0 - omx
    safe = np.where(omx > 0.0, omx, 1.0)
    with np.errstate(divide="ignore"):
        lnx_over_omx = np.where(omx > 0.0, np.log1p(-omx) / safe, -1.0)
        ln_omx = np.log(omx)
    return x, lnx_over_omx, ln_omx


def isr_regular(omx: ArrayLike, beta: float) -> FloatArray:
    """Regular remainder f_reg(x) of the structure function (next_wave.md 3.1, reference.md 5) at omx = 1-x:

    f_reg = -(beta/4)(1+x) - (beta^2/32) [ (1+3x^2)/omx ln x + 4(1+x) ln omx + 5 + x ].

    ln x is evaluated as log1p(-omx) and (ln x)/omx -> -1 at omx = 0. f_reg has integrable logarithmic
    singularities at both ends: +inf is returned at omx = 0 (the -beta^2/4 ln omx term) and at omx = 1 (x=0).
    Use :func:`isr_regular_reduced` for the finite form.
    """
    beta = _check_beta(beta)
    omx = _check_omx(omx)
    x, lnx_over_omx, ln_omx = _regular_pieces(omx, beta)
    with np.errstate(invalid="ignore"):
        bracket = (1.0 + 3.0 * x * x) * lnx_over_omx + 4.0 * (1.0 + x) * ln_omx + 5.0 + x
    return -(beta / 4.0) * (1.0 + x) - (beta**2 / 32.0) * bracket


def isr_regular_reduced(omx: ArrayLike, beta: float) -> FloatArray:
    """f_reg(x) omx^(1 - beta/2): the regular remainder times the inverse singular power (reference.md 5,
    the regular part of MadGraph's isr_tilde, but with the Gamma-function constant of next_wave.md 3.1).

    Finite on [0, 1), exactly 0 at omx = 0 (omx ln omx -> 0 and (ln x)/omx -> -1 are taken analytically);
    +inf at omx = 1 (x = 0, integrable ln x singularity).
    """
    beta = _check_beta(beta)
    omx = _check_omx(omx)
    x, lnx_over_omx, ln_omx = _regular_pieces(omx, beta)
    power = np.power(omx, 1.0 - beta / 2.0)
    power_ln = np.where(omx > 0.0, power * np.where(omx > 0.0, ln_omx, 0.0), 0.0)
    return power * (-(beta / 4.0) * (1.0 + x) - (beta**2 / 32.0) * (5.0 + x)) - (beta**2 / 32.0) * (
        (1.0 + 3.0 * x * x) * lnx_over_omx * power + 4.0 * (1.0 + x) * power_ln
    )


def isr_structure_function_reduced(omx: ArrayLike, beta: float) -> FloatArray:
    """f(x) omx^(1 - beta/2) = C beta/2 + f_reg(x) omx^(1 - beta/2) (next_wave.md 3.1; cf. MG's isr_tilde,
    reference.md 5). Equals C beta/2 at omx = 0."""
    return isr_singular_coefficient(beta) * beta / 2.0 + isr_regular_reduced(omx, beta)


def isr_structure_function(omx: ArrayLike, beta: float) -> FloatArray:
    """Per-beam structure function f(x) (probability density in x) at omx = 1 - x (next_wave.md 3.1,
    reference.md 5): C (beta/2) omx^(beta/2 - 1) + f_reg(x). +inf at omx = 0 and at omx = 1 (integrable)."""
    beta = _check_beta(beta)
    omx = _check_omx(omx)
    with np.errstate(divide="ignore"):
        singular = isr_singular_coefficient(beta) * (beta / 2.0) * np.power(omx, beta / 2.0 - 1.0)
    return singular + isr_regular(omx, beta)


def _f_over_power_density(omx: FloatArray, beta: float) -> FloatArray:
    """f(x) / [(beta/2) omx^(beta/2 - 1)] = C + f_reg omx^(1-beta/2)/(beta/2) (next_wave.md 3.2)."""
    return isr_singular_coefficient(beta) + isr_regular_reduced(omx, beta) / (beta / 2.0)


def _power_map(u: FloatArray, beta: float, omx_max: ArrayLike) -> FloatArray:
    """omx = omx_max u^(2/beta) as exp(ln omx_max + (2/beta) ln u): 0 at u = 0, no under/overflow."""
    with np.errstate(divide="ignore"):
        return np.exp(np.log(omx_max) + (2.0 / beta) * np.log(u))


def sample_beam(u: ArrayLike, beta: float, omx_max: float = 1.0) -> tuple[FloatArray, FloatArray]:
    """Map uniforms ``u`` in [0, 1] to omx = 1 - x for one beam; returns ``(omx, weight)`` (next_wave.md 3.2).

    omx = omx_max u^(2/beta) has the density g(omx) = (beta/2) omx^(beta/2-1) / omx_max^(beta/2) on
    [0, omx_max]; ``weight = f(x)/g = omx_max^(beta/2) [C + f_reg omx^(1-beta/2)/(beta/2)]``, so that
    <weight h(x)> = int_{1-omx_max}^1 f(x) h(x) dx. omx may be exactly 0 (u = 0, weight omx_max^(beta/2) C) or
    below 1e-300. With ``omx_max = 1`` the point u = 1 is x = 0, where f has its integrable ln x singularity
    and the weight is +inf; numpy's generators draw from [0, 1) and never return it.
    """
    beta = _check_beta(beta)
    if (
        isinstance(omx_max, bool)
        or not isinstance(omx_max, (int, float, np.floating))
        or not 0.0 < omx_max <= 1.0
    ):
        raise ParameterError("isr.omx_max", "must satisfy 0 < omx_max <= 1", omx_max)
    u = _check_unit(u, "isr.u")
    omx = _power_map(u, beta, omx_max)
    weight = omx_max ** (beta / 2.0) * _f_over_power_density(omx, beta)
    return omx, weight


# ------------------------------------------------------------------------------------------ kinematics
def one_minus_tau(omx1: ArrayLike, omx2: ArrayLike) -> FloatArray:
    """1 - tau = 1 - x1 x2 = omx1 + omx2 - omx1 omx2, accurate for tiny omx (next_wave.md 3.2)."""
    omx1 = np.asarray(omx1, dtype=np.float64)
    omx2 = np.asarray(omx2, dtype=np.float64)
    return omx1 + omx2 - omx1 * omx2


def s_hat(omx1: ArrayLike, omx2: ArrayLike, s: float) -> FloatArray:
    """Reduced squared energy s_hat = x1 x2 s [GeV^2] of the hard process (next_wave.md 3.1), from omx."""
    return s * (1.0 - one_minus_tau(omx1, omx2))


def rapidity(omx1: ArrayLike, omx2: ArrayLike) -> FloatArray:
    """Rapidity y = (1/2) ln(x1/x2) of the hard system in the e+e- CM frame, +z along the e- beam (x1)
    (next_wave.md 3.1); evaluated as (log1p(-omx1) - log1p(-omx2))/2."""
    omx1 = np.asarray(omx1, dtype=np.float64)
    omx2 = np.asarray(omx2, dtype=np.float64)
    return 0.5 * (np.log1p(-omx1) - np.log1p(-omx2))


# ------------------------------------------------------------------------------------------ two beams
@dataclass(frozen=True)
class IsrPoints:
    """Two-beam ISR points (structure of arrays). ``weight`` = f(x1) f(x2) / density, 0 outside
    tau >= tau_min. ``channel`` is 0 (per-beam power maps) or 1 (threshold channel)."""

    omx1: FloatArray
    omx2: FloatArray
    x1: FloatArray
    x2: FloatArray
    weight: FloatArray
    channel: NDArray[np.int8]

    @property
    def one_minus_tau(self) -> FloatArray:
        """1 - x1 x2 (accurate)."""
        return one_minus_tau(self.omx1, self.omx2)

    @property
    def rapidity(self) -> FloatArray:
        """y = (1/2) ln(x1/x2) of the hard system."""
        return rapidity(self.omx1, self.omx2)

    def s_hat(self, s: float) -> FloatArray:
        """x1 x2 s [GeV^2]."""
        return s_hat(self.omx1, self.omx2, s)


class IsrSampler:
    """Two-channel sampler of (x1, x2) with weight f(x1) f(x2)/g on the region tau = x1 x2 >= tau_min
    (next_wave.md 3.2), all lengths in units of the beam energy (x dimensionless).

    Channels, combined with fixed multichannel weights g = (1 - a) g_A + a g_B, a = ``threshold_fraction``:

    * A: independent power maps omx_i = omx_max u_i^(2/beta), omx_max = 1 - tau_min (density
      g_A = prod_i (beta/2) omx_i^(beta/2-1) / omx_max^(beta/2) on the square [tau_min, 1]^2; points with
      x1 x2 < tau_min get weight 0).
    * B (threshold): ln(tau - tau_min + delta) uniform for tau in [tau_min, 1] (delta = ``tau_regulator``),
      density g_tau = 1/[(tau - tau_min + delta) L], L = ln((1 - tau_min + delta)/delta); then the rapidity
      y in |y| <= Y = -(1/2) ln tau (d tau dy = dx1 dx2) by ``rapidity_map``:

      - ``"uniform"``: y uniform (the spec's form), g_B = g_tau/(2Y);
      - ``"power"`` (default, [DER]): one beam, chosen 50/50, is the soft one with
        omx_s = omx_mid v^(2/beta), omx_mid = 1 - sqrt(tau), the other follows from tau; since
        |dy| = d omx_s/(1 - omx_s), g_B = g_tau (1/2) (beta/2) omx_s^(beta/2-1) (1 - omx_s)/omx_mid^(beta/2),
        omx_s = min(omx1, omx2).

      At fixed tau most of int dy f(x1) f(x2) comes from the edges |y| -> Y where one beam is soft
      (f ~ omx^(beta/2-1)); a uniform y misses them, so only ``"power"`` reduces the variance at a
      threshold peak (docs/validation.md section 9: spread 2.6 instead of 107 for a peak of width 1e-4).

    The weight is evaluated as (f1/g_A1)(f2/g_A2) / [(1 - a) + a g_B/g_A] with g_B/g_A -> 0 as omx -> 0, so it
    is finite for all uniforms in [0, 1], including omx = 0 (tau_min > 0 keeps x >= tau_min away from the ln x
    singularity at x = 0). <weight h(x1, x2)> = int int_{x1 x2 >= tau_min} f f h dx1 dx2.
    Channel A must keep a non-zero share (threshold_fraction < 1): it alone has the omx^(beta/2-1) peak of the
    second beam.
    """

    RAPIDITY_MAPS = ("power", "uniform")

    def __init__(
        self,
        beta: float,
        tau_min: float,
        threshold_fraction: float = 0.2,
        tau_regulator: float = 1e-4,
        rapidity_map: str = "power",
    ) -> None:
        self.beta = _check_beta(beta)
        self.tau_min = _check_fraction_open(tau_min, "isr.tau_min", "must satisfy 0 < tau_min < 1")
        if (
            isinstance(threshold_fraction, bool)
            or not isinstance(threshold_fraction, (int, float, np.floating))
            or not 0.0 <= threshold_fraction < 1.0
        ):
            raise ParameterError(
                "isr.threshold_fraction", "must satisfy 0 <= fraction < 1", threshold_fraction
            )
        self.threshold_fraction = float(threshold_fraction)
        if (
            isinstance(tau_regulator, bool)
            or not isinstance(tau_regulator, (int, float, np.floating))
            or not 0.0 < tau_regulator < math.inf
        ):
            raise ParameterError("isr.tau_regulator", "must be a finite number > 0", tau_regulator)
        self.tau_regulator = float(tau_regulator)
        if rapidity_map not in self.RAPIDITY_MAPS:
            raise ParameterError(
                "isr.rapidity_map", f"must be one of {list(self.RAPIDITY_MAPS)}", rapidity_map
            )
        self.rapidity_map = rapidity_map
        self.omx_max = 1.0 - self.tau_min  # also the largest 1 - tau
        self._log_b = math.log1p(self.omx_max / self.tau_regulator)  # L of channel B

    # -------------------------------------------------------------- maps
    def map_channel_a(self, u1: ArrayLike, u2: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Channel A: (u1, u2) in [0, 1]^2 -> (omx1, omx2) = omx_max (u1, u2)^(2/beta)."""
        u1 = _check_unit(u1, "isr.u")
        u2 = _check_unit(u2, "isr.u")
        return _power_map(u1, self.beta, self.omx_max), _power_map(u2, self.beta, self.omx_max)

    def map_channel_b(self, u_side: ArrayLike, u1: ArrayLike, u2: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Channel B: u1 -> tau with ln(tau - tau_min + delta) uniform, u2 -> rapidity; for ``"power"`` beam 1
        is the soft one if u_side < 1/2 (``u_side`` is ignored by ``"uniform"``).

        Evaluated without cancellation: 1 - tau = (1 - tau_min + delta)(-expm1((u1 - 1) L)); ``"uniform"``:
        Lambda = -ln tau, ln x1 = -Lambda (1 - u2), ln x2 = -Lambda u2, omx_i = -expm1(ln x_i); ``"power"``:
        omx_s = omx_mid u2^(2/beta), omx_h = (eta - omx_s)/(1 - omx_s).
        """
        u_side = _check_unit(u_side, "isr.u")
        u1 = _check_unit(u1, "isr.u")
        u2 = _check_unit(u2, "isr.u")
        eta = (self.omx_max + self.tau_regulator) * -np.expm1((u1 - 1.0) * self._log_b)
        eta = np.clip(eta, 0.0, self.omx_max)
        if self.rapidity_map == "uniform":
            lam = -np.log1p(-eta)
            return -np.expm1(-lam * (1.0 - u2)), -np.expm1(-lam * u2)
        omx_mid = eta / (1.0 + np.sqrt(1.0 - eta))
        with np.errstate(divide="ignore"):
            soft = np.where(
                omx_mid > 0.0, _power_map(u2, self.beta, np.where(omx_mid > 0.0, omx_mid, 1.0)), 0.0
            )
        hard = (eta - soft) / (1.0 - soft)
        first_soft = u_side < 0.5
        return np.where(first_soft, soft, hard), np.where(first_soft, hard, soft)

    # -------------------------------------------------------------- densities in (x1, x2)
    def _inside(self, omx1: FloatArray, omx2: FloatArray) -> tuple[FloatArray, NDArray[np.bool_]]:
        eta = one_minus_tau(omx1, omx2)
        return eta, eta <= self.omx_max * (1.0 + 1e-14)

    def _tau_density(self, eta: FloatArray) -> FloatArray:
        """g_tau = 1/[(tau - tau_min + delta) L] (eta clipped to eta_max: rounding at the edge)."""
        return 1.0 / ((self.omx_max - np.minimum(eta, self.omx_max) + self.tau_regulator) * self._log_b)

    def density_a(self, omx1: ArrayLike, omx2: ArrayLike) -> FloatArray:
        """Density of channel A in (x1, x2) (+inf at omx = 0; 0 outside the square [tau_min, 1]^2)."""
        omx1 = _check_omx(omx1)
        omx2 = _check_omx(omx2)
        half = self.beta / 2.0
        norm = half**2 / self.omx_max**self.beta
        inside = (omx1 <= self.omx_max) & (omx2 <= self.omx_max)
        with np.errstate(divide="ignore"):
            value = norm * np.power(omx1, half - 1.0) * np.power(omx2, half - 1.0)
        return np.where(inside, value, 0.0)

    def density_b(self, omx1: ArrayLike, omx2: ArrayLike) -> FloatArray:
        """Density of channel B in (x1, x2) for tau >= tau_min, else 0 (+inf at omx_s = 0 or tau = 1)."""
        omx1 = _check_omx(omx1)
        omx2 = _check_omx(omx2)
        eta, inside = self._inside(omx1, omx2)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.rapidity_map == "uniform":
                value = self._tau_density(eta) / -np.log1p(-eta)
            else:
                half = self.beta / 2.0
                soft = np.minimum(omx1, omx2)
                omx_mid = eta / (1.0 + np.sqrt(1.0 - eta))
                value = (
                    self._tau_density(eta) * 0.5 * half * np.power(soft, half - 1.0) * (1.0 - soft)
                ) / np.power(omx_mid, half)
                value = np.where(eta > 0.0, value, math.inf)
        return np.where(inside, value, 0.0)

    def density(self, omx1: ArrayLike, omx2: ArrayLike) -> FloatArray:
        """Combined density (1 - a) g_A + a g_B in (x1, x2), a = threshold_fraction."""
        a = self.threshold_fraction
        return (1.0 - a) * self.density_a(omx1, omx2) + a * self.density_b(omx1, omx2)

    def _b_over_a(self, omx1: FloatArray, omx2: FloatArray, eta: FloatArray) -> FloatArray:
        """g_B/g_A, finite, -> 0 as eta -> 0 (both omx -> 0)."""
        half = self.beta / 2.0
        positive = eta > 0.0
        safe_eta = np.where(positive, eta, 0.5)
        scale = self.omx_max**self.beta / half
        if self.rapidity_map == "uniform":
            # (omx1 omx2)^(1-beta/2) omx_max^beta / [(beta/2)^2 (eta_max - eta + delta) L (-ln tau)]
            value = self._tau_density(eta) * np.power(omx1 * omx2, 1.0 - half) * scale / half
            value = value / -np.log1p(-safe_eta)
        else:
            # g_tau (1/2)(1 - omx_s) omx_h^(1-beta/2) omx_max^beta / [(beta/2) omx_mid^(beta/2)]
            soft = np.minimum(omx1, omx2)
            hard = np.maximum(omx1, omx2)
            omx_mid = safe_eta / (1.0 + np.sqrt(1.0 - safe_eta))
            value = self._tau_density(eta) * 0.5 * (1.0 - soft) * np.power(hard, 1.0 - half) * scale
            value = value / np.power(omx_mid, half)
        return np.where(positive, value, 0.0)

    def weight(self, omx1: ArrayLike, omx2: ArrayLike) -> FloatArray:
        """f(x1) f(x2) / density, finite for every omx in [0, 1 - tau_min]^2; 0 where x1 x2 < tau_min."""
        omx1 = _check_omx(omx1)
        omx2 = _check_omx(omx2)
        a = self.threshold_fraction
        eta, inside = self._inside(omx1, omx2)
        # f/g_A per beam (finite); the clip keeps x = 0 out of points that are rejected anyway.
        o1 = np.minimum(omx1, self.omx_max)
        o2 = np.minimum(omx2, self.omx_max)
        scale = self.omx_max ** (self.beta / 2.0)
        ratio1 = scale * _f_over_power_density(o1, self.beta)
        ratio2 = scale * _f_over_power_density(o2, self.beta)
        weight = ratio1 * ratio2 / ((1.0 - a) + a * self._b_over_a(o1, o2, eta))
        return np.where(inside, weight, 0.0)

    # -------------------------------------------------------------- sampling
    def sample(self, u: ArrayLike) -> IsrPoints:
        """Map uniforms ``u`` of shape (n, 3) to ISR points: channel B if u0 < a (then u0/a < 1/2 picks the
        soft beam of the ``"power"`` map), columns 1 and 2 feed the chosen channel's map. Returns
        :class:`IsrPoints` (float64, omx possibly 0 or below 1e-300)."""
        u = np.asarray(u, dtype=np.float64)
        if u.ndim != 2 or u.shape[1] != 3:
            raise ParameterError("isr.u", "uniforms must have shape (n, 3)", u.shape)
        u = _check_unit(u, "isr.u")
        a = self.threshold_fraction
        use_b = u[:, 0] < a
        a1, a2 = self.map_channel_a(u[:, 1], u[:, 2])
        side = np.where(use_b, u[:, 0] / (a if a > 0.0 else 1.0), 0.0)
        b1, b2 = self.map_channel_b(side, u[:, 1], u[:, 2])
        omx1 = np.where(use_b, b1, a1)
        omx2 = np.where(use_b, b2, a2)
        return IsrPoints(
            omx1=omx1,
            omx2=omx2,
            x1=1.0 - omx1,
            x2=1.0 - omx2,
            weight=self.weight(omx1, omx2),
            channel=use_b.astype(np.int8),
        )


# ------------------------------------------------------------------------------------------ quadrature
def _luminosity_reduced(eta: float, beta: float) -> float:
    """l(eta) = D(tau) eta^(1-beta) / beta with D(tau) = int_tau^1 dx/x f(x) f(tau/x), eta = 1 - tau  [DER].

    D is symmetric under x -> tau/x, so D = 2 int_0^{omx_mid} d omx1/(1 - omx1) f(omx1) f(omx2) with
    omx_mid = 1 - sqrt(tau) = eta/(1 + sqrt(tau)) and omx2 = (eta - omx1)/(1 - omx1). The substitution
    omx1 = omx_mid v^(2/beta) absorbs omx1^(beta/2-1):
    l = int_0^1 dv R1 R2/(1 - omx1) (omx_mid/eta)^(beta/2) (omx2/eta)^(beta/2-1),
    R = f/[(beta/2) omx^(beta/2-1)], with only O(1) ratios of powers, so l is finite as eta -> 0.
    64-point Gauss-Legendre in v (smooth integrand; the moment test shows 1e-12 accuracy).
    """
    half = beta / 2.0
    sqrt_tau = math.sqrt(1.0 - eta)
    mid_over_eta = 1.0 / (1.0 + sqrt_tau)
    omx_mid = eta * mid_over_eta
    omx1 = omx_mid * _GL_X ** (2.0 / beta)
    omx2_over_eta = (1.0 - omx1 / eta) / (1.0 - omx1)
    omx2 = eta * omx2_over_eta
    reduced1 = _f_over_power_density(omx1, beta)
    reduced2 = _f_over_power_density(omx2, beta)
    integrand = reduced1 * reduced2 / (1.0 - omx1) * mid_over_eta**half * omx2_over_eta ** (half - 1.0)
    return float(np.dot(_GL_W, integrand))


def _quad(func: Callable[[float], float], what: str) -> float:
    value, error = integrate.quad(func, 0.0, 1.0, epsabs=0.0, epsrel=_QUAD_EPSREL, limit=500)
    if not math.isfinite(value) or abs(error) > _QUAD_TOLERANCE * abs(value) + 1e-300:
        raise ParameterError(
            what, f"quadrature did not converge to {_QUAD_TOLERANCE:g} relative", (value, error)
        )
    return value


def sigma_isr_structure_function(
    sigma_hat: Callable[[float], float],
    s: float,
    tau_min: float,
    *,
    alpha: float = ALPHA,
    beta: float | None = None,
) -> float:
    """sigma_ISR(s) = int int_{x1 x2 >= tau_min} dx1 dx2 f(x1) f(x2) sigma_hat(x1 x2 s) (next_wave.md 3.1),
    by deterministic quadrature, in the unit of ``sigma_hat``.

    ``sigma_hat(s_hat)`` takes one float s_hat [GeV^2] and returns the hard cross section there;
    ``s`` [GeV^2]; ``tau_min`` = s_hat,min/s in (0, 1). beta defaults to :func:`beta_isr` (s, alpha).

    Reduced to one dimension [DER]: sigma = int_0^{eta_max} d eta D(1 - eta) sigma_hat((1 - eta) s), with the
    two-beam luminosity D ~ eta^(beta - 1); the substitution eta = eta_max w^(1/beta) gives
    sigma = eta_max^beta int_0^1 dw l(eta) sigma_hat, l = D eta^(1-beta)/beta (:func:`_luminosity_reduced`),
    integrated adaptively (scipy QUADPACK qags, relative error target 1e-10; raises if the estimate > 1e-7).
    """
    s = _check_s(s)
    tau_min = _check_fraction_open(tau_min, "isr.tau_min", "must satisfy 0 < tau_min < 1")
    beta = beta_isr(s, alpha) if beta is None else _check_beta(beta)
    eta_max = 1.0 - tau_min

    def integrand(w: float) -> float:
        eta = eta_max * w ** (1.0 / beta)
        if eta <= 0.0:
            eta = eta_max * 1e-300  # w -> 0 limit: l is continuous there
        return _luminosity_reduced(eta, beta) * float(sigma_hat((1.0 - eta) * s))

    return eta_max**beta * _quad(integrand, "isr.sigma_hat")


def kuraev_fadin_radiator(z: ArrayLike, s: float, alpha: float = ALPHA) -> FloatArray:
    """Kuraev-Fadin radiator F(z, s), z = 1 - s'/s (next_wave.md 3.1 [MEM]; both beams, one dimension):

    F = beta z^(beta-1) [1 + 3 beta/4 + (alpha/pi)(pi^2/3 - 1/2) + beta^2 (9/32 - pi^2/12)]
        - beta (1 - z/2) + (beta^2/8) [4 (2 - z) ln(1/z) - (1 + 3(1-z)^2)/z ln(1 - z) - 6 + z],

    beta = :func:`beta_isr` (s, alpha). +inf at z = 0; z in [0, 1).
    """
    s = _check_s(s)
    beta = beta_isr(s, alpha)
    z = np.asarray(z, dtype=np.float64)
    if not np.all((z >= 0.0) & (z < 1.0)):
        raise ParameterError("isr.z", "z = 1 - s'/s must lie in [0, 1)", z)
    with np.errstate(divide="ignore"):
        singular = beta * np.power(z, beta - 1.0) * _kf_constant(beta, alpha)
    return singular + _kf_regular(z, beta)


def _kf_constant(beta: float, alpha: float) -> float:
    return (
        1.0
        + 0.75 * beta
        + alpha / math.pi * (math.pi**2 / 3.0 - 0.5)
        + beta**2 * (9.0 / 32.0 - math.pi**2 / 12.0)
    )


def _kf_regular(z: FloatArray, beta: float) -> FloatArray:
    """The non-singular part of F (+inf at z = 0 from ln(1/z); ln(1-z)/z -> -1 at z = 0)."""
    safe = np.where(z > 0.0, z, 1.0)
    with np.errstate(divide="ignore"):
        ln1mz_over_z = np.where(z > 0.0, np.log1p(-z) / safe, -1.0)
        ln_inv_z = -np.log(z)
    bracket = 4.0 * (2.0 - z) * ln_inv_z - (1.0 + 3.0 * (1.0 - z) ** 2) * ln1mz_over_z - 6.0 + z
    return -beta * (1.0 - z / 2.0) + beta**2 / 8.0 * bracket


def sigma_isr_kuraev_fadin(
    sigma_hat: Callable[[float], float], s: float, z_max: float, *, alpha: float = ALPHA
) -> float:
    """sigma_ISR(s) = int_0^{z_max} dz F(z, s) sigma_hat((1 - z) s) with the Kuraev-Fadin radiator
    (next_wave.md 3.1), in the unit of ``sigma_hat`` (a callable of one float s' [GeV^2]); ``s`` [GeV^2],
    0 < z_max < 1 (z_max = 1 - s'_min/s).

    Substitution z = z_max w^(1/beta): sigma = z_max^beta int_0^1 dw [K + F_reg z^(1-beta)/beta] sigma_hat,
    K the bracket of the singular term; adaptive quadrature as in :func:`sigma_isr_structure_function`.
    """
    s = _check_s(s)
    z_max = _check_fraction_open(z_max, "isr.z_max", "must satisfy 0 < z_max < 1")
    beta = beta_isr(s, alpha)
    constant = _kf_constant(beta, alpha)

    def integrand(w: float) -> float:
        z = z_max * w ** (1.0 / beta)
        reduced = 0.0
        if z > 0.0:
            reduced = float(_kf_regular(np.array(z), beta)) * z ** (1.0 - beta) / beta
        return (constant + reduced) * float(sigma_hat((1.0 - z) * s))

    return z_max**beta * _quad(integrand, "isr.sigma_hat")
