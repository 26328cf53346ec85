"""RAMBO: flat n-body phase space (Kleiss, Stirling, Ellis, Comput. Phys. Commun. 40 (1986) 359),
compiled with numba (reference.md section 4).

Map: 4n uniform numbers per event -> n momenta with sum (sqrt s, 0, 0, 0) and the masses ``masses``.

1. massless, isotropic q_i with energy density q0 exp(-q0): c = 2 r1 - 1, phi = 2 pi r2, q0 = -ln(r3 r4);
2. conformal transformation to total momentum (sqrt s, 0): p_i = x [q_i + b (q0_i + a b.q_i)],
   p0_i = x [gamma q0_i + b.q_i], b = -Q/M, gamma = Q0/M, a = 1/(1 + gamma), x = sqrt(s)/M;
3. massive momenta k_i = xi p_i, E_i = sqrt(m_i^2 + xi^2 |p_i|^2), with xi solving sum E_i = sqrt s
   (Newton's method from xi_0 = sqrt(1 - (sum m_i / sqrt s)^2) to machine precision).

Weight (the original Fortran formula; the Python port in a well-known generator is (n-2)! too small for
n >= 4):  W = W_0 W_m,

    W_0 = (pi/2)^(n-1) s^(n-2) / ((n-1)! (n-2)!),
    W_m = xi^(2n-3) prod_i(|k_i|/E_i) sqrt(s) / sum_i(|k_i|^2/E_i)   (W_m = 1 for massless particles),

so that int dPhi_n f = (2 pi)^(4-3n) <W f> (Lorentz-invariant phase space, (2 pi)^4 delta^4 included).
Input: uniforms r of shape (N, 4n); output: momenta (N, n, 4) [GeV] and W (N,) [GeV^(2n-4)].
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numpy.typing import NDArray


def massless_weight(n: int, sqrt_s: float) -> float:
    """W_0 = (pi/2)^(n-1) s^(n-2) / ((n-1)! (n-2)!) [GeV^(2n-4)]."""
    if n < 2:
        raise ValueError("RAMBO needs n >= 2 particles")
    return (math.pi / 2) ** (n - 1) * sqrt_s ** (2 * n - 4) / (math.factorial(n - 1) * math.factorial(n - 2))


def phase_space_factor(n: int) -> float:
    """(2 pi)^(4 - 3n): the factor from the RAMBO weight to the Lorentz-invariant phase space."""
    return (2.0 * math.pi) ** (4 - 3 * n)


@nb.njit(cache=True)
def _cleanup(p: NDArray, sqrt_s: float) -> None:
    """Restore sum p = (sqrt s, 0) for massless momenta p (n, 4): light cone, pure boost, rescaling."""
    n = p.shape[0]
    t0 = 0.0
    t1 = 0.0
    t2 = 0.0
    t3 = 0.0
    for j in range(n):
        p[j, 0] = math.sqrt(p[j, 1] ** 2 + p[j, 2] ** 2 + p[j, 3] ** 2)
        t0 += p[j, 0]
        t1 += p[j, 1]
        t2 += p[j, 2]
        t3 += p[j, 3]
    mt = math.sqrt(t0 * t0 - t1 * t1 - t2 * t2 - t3 * t3)
    c1, c2, c3 = -t1 / mt, -t2 / mt, -t3 / mt  # -beta gamma of the residual
    gt = t0 / mt
    scale = sqrt_s / mt
    for j in range(n):
        cp = c1 * p[j, 1] + c2 * p[j, 2] + c3 * p[j, 3]
        e_new = gt * p[j, 0] + cp
        f = (p[j, 0] + e_new) / (gt + 1.0)
        p[j, 1] = scale * (p[j, 1] + c1 * f)
        p[j, 2] = scale * (p[j, 2] + c2 * f)
        p[j, 3] = scale * (p[j, 3] + c3 * f)
        p[j, 0] = scale * e_new


@nb.njit(cache=True)
def _rambo(sqrt_s: float, masses: NDArray, r: NDArray, w0: float) -> tuple[NDArray, NDArray]:
    n_ev = r.shape[0]
    n = masses.shape[0]
    p = np.empty((n_ev, n, 4))
    w = np.empty(n_ev)
    q = np.empty((n, 4))
    massive = False
    msum = 0.0
    for j in range(n):
        msum += masses[j]
        if masses[j] != 0.0:
            massive = True
    xi0 = math.sqrt(max(1.0 - (msum / sqrt_s) ** 2, 0.0))
    for ev in range(n_ev):
        # 1. isotropic massless momenta
        qs0 = 0.0
        qs1 = 0.0
        qs2 = 0.0
        qs3 = 0.0
        for j in range(n):
            c = 2.0 * r[ev, 4 * j] - 1.0
            s = math.sqrt(1.0 - c * c)
            cf = math.cos(2.0 * math.pi * r[ev, 4 * j + 1])
            sf = math.sqrt(max(1.0 - cf * cf, 0.0))  # sin(2 pi r) from cos: one transcendental less
            if r[ev, 4 * j + 1] > 0.5:
                sf = -sf
            e = -math.log(r[ev, 4 * j + 2] * r[ev, 4 * j + 3])
            q[j, 0] = e
            q[j, 1] = e * s * cf
            q[j, 2] = e * s * sf
            q[j, 3] = e * c
            qs0 += e
            qs1 += q[j, 1]
            qs2 += q[j, 2]
            qs3 += q[j, 3]
        # 2. conformal transformation
        mq = math.sqrt(qs0 * qs0 - qs1 * qs1 - qs2 * qs2 - qs3 * qs3)
        b1, b2, b3 = -qs1 / mq, -qs2 / mq, -qs3 / mq
        g = qs0 / mq
        a = 1.0 / (1.0 + g)
        x = sqrt_s / mq
        for j in range(n):
            bq = b1 * q[j, 1] + b2 * q[j, 2] + b3 * q[j, 3]
            p[ev, j, 0] = x * (g * q[j, 0] + bq)
            t = q[j, 0] + a * bq
            p[ev, j, 1] = x * (q[j, 1] + b1 * t)
            p[ev, j, 2] = x * (q[j, 2] + b2 * t)
            p[ev, j, 3] = x * (q[j, 3] + b3 * t)
        # round-off clean-up: for nearly collinear q_i (x = sqrt(s)/M large) the transformation amplifies
        # rounding. Where the sum misses (sqrt s, 0) by more than 1e-14 sqrt s, put every momentum back on
        # the light cone, then apply a tiny pure boost and rescaling (the identity in exact arithmetic).
        t0 = 0.0
        t1 = 0.0
        t2 = 0.0
        t3 = 0.0
        for j in range(n):
            t0 += p[ev, j, 0]
            t1 += p[ev, j, 1]
            t2 += p[ev, j, 2]
            t3 += p[ev, j, 3]
        if abs(t0 - sqrt_s) + abs(t1) + abs(t2) + abs(t3) > 1e-14 * sqrt_s:
            _cleanup(p[ev], sqrt_s)
        if not massive:
            w[ev] = w0
            continue

        # 3. masses: Newton's method for xi (monotone from xi_0 above the root; quadratic convergence, so
        #    once a step is below 1e-9 xi the next error is ~1e-18 and the iteration stops)
        xi = xi0
        for _ in range(50):
            f = -sqrt_s
            df = 0.0
            for j in range(n):
                e2 = p[ev, j, 0] * p[ev, j, 0]  # |p_j|^2 of the massless momentum
                ej = math.sqrt(masses[j] * masses[j] + xi * xi * e2)
                f += ej
                df += xi * e2 / ej
            step = f / df
            xi -= step
            if abs(step) <= 1e-9 * xi:
                break
        prod = 1.0
        wsum = 0.0
        for j in range(n):
            v = xi * p[ev, j, 0]  # |k_j|
            ej = math.sqrt(masses[j] * masses[j] + v * v)
            prod *= v / ej
            wsum += v * v / ej
            p[ev, j, 1] *= xi
            p[ev, j, 2] *= xi
            p[ev, j, 3] *= xi
            p[ev, j, 0] = ej
        w[ev] = w0 * xi ** (2 * n - 3) * prod * sqrt_s / wsum
    return p, w


def rambo(sqrt_s: float, masses: NDArray | list[float], r: NDArray) -> tuple[NDArray, NDArray]:
    """RAMBO momenta (N, n, 4) [GeV] and weights W (N,) from uniforms ``r`` (N, 4n) in (0, 1)."""
    m = np.ascontiguousarray(masses, dtype=np.float64)
    n = m.shape[0]
    if r.ndim != 2 or r.shape[1] != 4 * n:
        raise ValueError(f"need uniforms of shape (N, {4 * n}) for n = {n}, got {r.shape}")
    if m.sum() >= sqrt_s:
        raise ValueError(f"sum of masses {m.sum()} GeV >= sqrt(s) = {sqrt_s} GeV")
    return _rambo(float(sqrt_s), m, np.ascontiguousarray(r, dtype=np.float64), massless_weight(n, sqrt_s))
