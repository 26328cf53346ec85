"""Two-beam ISR sampler (next_wave.md 3.2): (x1, x2) with weight f(x1) f(x2)/g for the hard process at
s_hat = x1 x2 s, built on the per-beam structure function of :mod:`darkstrahl.gen.isr` (conventions there:
every per-beam quantity is a function of omx = 1 - x).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from darkstrahl.errors import ParameterError

from .isr import (
    FloatArray,
    _check_beta,
    _check_fraction_open,
    _check_omx,
    _check_unit,
    _f_over_power_density,
    _power_map,
    one_minus_tau,
    rapidity,
    s_hat,
)


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
