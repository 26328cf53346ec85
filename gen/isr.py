"""Collinear initial-state radiation (ISR) of e+ e- collisions (pure physics, no event record): the per-beam
structure function, its sampling and the ISR kinematics. The two-beam sampler is
:mod:`darkstrahl.gen.isr_sampler`, the deterministic convolutions (structure function and Kuraev-Fadin) are
:mod:`darkstrahl.gen.isr_convolution`.

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

import numpy as np
from numpy.typing import ArrayLike, NDArray

from darkstrahl.errors import ParameterError

from .constants import ALPHA, M_E

FloatArray = NDArray[np.float64]

#: The two choices of alpha in the ISR exponent beta (next_wave.md 3.1): alpha(0) as in Kuraev-Fadin and the
#: basf2 dark-photon card, or alpha in the G_mu scheme as in MadGraph's ``eepdfgrid`` (``calcpdf_isronly.f``).
#: (alpha0 is :data:`~darkstrahl.gen.constants.ALPHA` = 1/137.036, 7e-9 from CODATA's 1/137.035999.)
ISR_ALPHA_SCHEMES: dict[str, float] = {"alpha0": ALPHA, "gmu": 0.007562397}

_EULER_GAMMA = 0.5772156649015329


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
