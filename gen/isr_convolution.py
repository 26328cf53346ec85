"""Deterministic ISR convolutions (next_wave.md 3.1, 3.5; reference.md 5): sigma_ISR from the per-beam
structure functions of :mod:`darkstrahl.gen.isr` reduced to one dimension, and the independent check with
the Kuraev-Fadin radiator. Cross sections in the unit of the ``sigma_hat`` callable; s in GeV^2.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy import integrate

from darkstrahl.errors import ParameterError

from .constants import ALPHA
from .isr import (
    FloatArray,
    _check_beta,
    _check_fraction_open,
    _check_s,
    _f_over_power_density,
    beta_isr,
)

# Gauss-Legendre nodes on [0, 1] for the luminosity convolution (converged to < 1e-12, see tests).
_GL_N = 64
_GL_X, _GL_W = np.polynomial.legendre.leggauss(_GL_N)
_GL_X = 0.5 * (_GL_X + 1.0)
_GL_W = 0.5 * _GL_W
_QUAD_EPSREL = 1e-10
_QUAD_TOLERANCE = 1e-7  # the quadrature functions raise if scipy's error estimate exceeds this (relative)


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
