"""Maps of tau = s_hat/s for the ISR channels that follow the hard cross section, and the beam-symmetric
soft-beam map that turns (tau, one soft beam) into (1 - x1, 1 - x2) (next_wave.md 3.2; used by
:class:`darkstrahl.gen.isr_process.IsrProcess`).

A tau map sends u in [0, 1] to eta = 1 - tau in [0, 1 - tau_min] with density g(eta) (per unit eta, which is
the density per unit tau). Shapes: u, eta, g are (n,) arrays; ``scale`` (n,) is s_hat / (tau s), the
beam-energy-spread factor (1 + d1)(1 + d2) (1 without spread), which moves a resonance in tau.

* :class:`LogThreshold`: ln(tau - tau_min + delta) uniform, g = 1/[(tau - tau_min + delta) L],
  L = ln((1 - tau_min + delta)/delta): for hard cross sections that peak at their threshold.
* :class:`BreitWigner`: s_hat = m^2 + m Gamma tan(t), t uniform between the values at tau_min and 1,
  g = s_scaled m Gamma / {[(s_hat - m^2)^2 + m^2 Gamma^2] (t_hi - t_lo)}, s_scaled = s scale: for a hard
  cross section with an s-channel resonance of mass m and width Gamma inside the ISR range (the
  radiative return to the A' pole of e+e- -> A'* -> A' phi, where the final A' is off shell).

Soft-beam map (:func:`soft_beam_map`): from (u_tau, u_side), eta = map(u_tau); omx_mid = 1 - sqrt(tau); the
soft beam is beam 1 for u_side < 1/2 (v = 2 u_side) and beam 2 otherwise (v = 2 - 2 u_side), so the map is
continuous at u_side = 1/2 where both beams carry omx_mid; omx_soft = omx_mid v^(2/beta) and the other beam
follows from tau: omx_hard = (eta - omx_soft)/(1 - omx_soft). With |dy| = d omx_soft/(1 - omx_soft) and
d tau dy = dx1 dx2 the density in (x1, x2) is

    (1/2) g(eta) (beta/2) omx_soft^(beta/2 - 1) (1 - omx_soft) / omx_mid^(beta/2),   so that
    J rho1 rho2 = 2 rho(omx_hard) omx_mid^(beta/2) / [g(eta) (1 - omx_soft)],   rho(o) = (beta/2) o^(beta/2-1)

(the soft beam's rho cancels; the factor 2 is the side choice), returned as "J rho1 rho2" because the
structure functions' singular factors are moved into the Jacobians (module docstring of isr_process).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
OMX_FLOOR = 1e-300  #: smallest 1 - x kept (u^(2/beta) below it has probability ~1e-13)


@dataclass(frozen=True)
class LogThreshold:
    """eta = 1 - tau with ln(tau - tau_min + delta) uniform (module docstring)."""

    tau_min: float
    delta: float

    @property
    def _span(self) -> float:
        return math.log1p((1.0 - self.tau_min) / self.delta)

    def eta(self, u: FloatArray, scale: FloatArray) -> FloatArray:
        omx_max = 1.0 - self.tau_min
        return np.clip((omx_max + self.delta) * -np.expm1((u - 1.0) * self._span), 0.0, omx_max)

    def u(self, eta: FloatArray, scale: FloatArray) -> FloatArray:
        omx_max = 1.0 - self.tau_min
        return np.clip(1.0 + np.log1p(-np.minimum(eta, omx_max) / (omx_max + self.delta)) / self._span, 0, 1)

    def density(self, eta: FloatArray, scale: FloatArray) -> FloatArray:
        omx_max = 1.0 - self.tau_min
        return 1.0 / ((omx_max - np.minimum(eta, omx_max) + self.delta) * self._span)


@dataclass(frozen=True)
class BreitWigner:
    """s_hat = m^2 + m Gamma tan(t), t uniform (module docstring); s [GeV^2], mass and width [GeV]."""

    s: float
    tau_min: float
    mass: float
    width: float

    def _t_range(self, scale: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        ss = self.s * scale
        mg = self.mass * self.width
        lo = np.arctan((self.tau_min * ss - self.mass**2) / mg)
        hi = np.arctan((ss - self.mass**2) / mg)
        return lo, hi, ss

    def eta(self, u: FloatArray, scale: FloatArray) -> FloatArray:
        lo, hi, ss = self._t_range(scale)
        s_hat = self.mass**2 + self.mass * self.width * np.tan(lo + u * (hi - lo))
        return np.clip((ss - s_hat) / ss, 0.0, 1.0 - self.tau_min)

    def u(self, eta: FloatArray, scale: FloatArray) -> FloatArray:
        lo, hi, ss = self._t_range(scale)
        t = np.arctan((ss * (1.0 - eta) - self.mass**2) / (self.mass * self.width))
        return np.clip((t - lo) / (hi - lo), 0.0, 1.0)

    def density(self, eta: FloatArray, scale: FloatArray) -> FloatArray:
        lo, hi, ss = self._t_range(scale)
        mg = self.mass * self.width
        return ss * mg / (((ss * (1.0 - eta) - self.mass**2) ** 2 + mg**2) * (hi - lo))


TauMap = LogThreshold | BreitWigner


def _rho(omx: FloatArray, beta: float) -> FloatArray:
    b = 0.5 * beta
    return b * np.exp((b - 1.0) * np.log(omx))


def _jacobian(
    tau_map: TauMap, beta: float, eta: FloatArray, soft: FloatArray, hard: FloatArray, scale: FloatArray
) -> FloatArray:
    omx_mid = np.maximum(eta / (1.0 + np.sqrt(1.0 - eta)), OMX_FLOOR)
    g = tau_map.density(eta, scale)
    return 2.0 * _rho(hard, beta) * np.exp(0.5 * beta * np.log(omx_mid)) / (g * (1.0 - soft))


def soft_beam_map(
    tau_map: TauMap, beta: float, u: FloatArray, scale: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(u_tau, u_side) (n, 2) -> omx1, omx2 (n,) and J rho1 rho2 (n,) (module docstring)."""
    eta = tau_map.eta(u[:, 0], scale)
    omx_mid = np.maximum(eta / (1.0 + np.sqrt(1.0 - eta)), OMX_FLOOR)
    first = u[:, 1] < 0.5
    v = np.where(first, 2.0 * u[:, 1], 2.0 - 2.0 * u[:, 1])
    with np.errstate(divide="ignore"):
        soft = np.maximum(omx_mid * np.exp((2.0 / beta) * np.log(v)), OMX_FLOOR)
    soft = np.minimum(soft, omx_mid)
    hard = np.maximum((eta - soft) / (1.0 - soft), soft)
    jac = _jacobian(tau_map, beta, eta, soft, hard, scale)
    return np.where(first, soft, hard), np.where(first, hard, soft), jac


def soft_beam_inverse(
    tau_map: TauMap, beta: float, omx1: FloatArray, omx2: FloatArray, scale: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """omx1, omx2 (n,) -> (u_tau, u_side) (n, 2) and J rho1 rho2 (n,): inverse of :func:`soft_beam_map`."""
    first = omx1 <= omx2
    soft, hard = np.minimum(omx1, omx2), np.maximum(omx1, omx2)
    eta = omx1 + omx2 - omx1 * omx2
    omx_mid = np.maximum(eta / (1.0 + np.sqrt(1.0 - eta)), OMX_FLOOR)
    v = np.exp(0.5 * beta * np.log(np.minimum(soft / omx_mid, 1.0)))
    u = np.stack([tau_map.u(eta, scale), np.where(first, 0.5 * v, 1.0 - 0.5 * v)], axis=1)
    return u, _jacobian(tau_map, beta, eta, soft, hard, scale)
