"""numba kernels of the generated e+e- -> mu+ mu- (gamma) background (:mod:`darkstrahl.gen.mumu_process`): the
integrand, the momentum builder and the two phase-space channels, one loop over the events each, so that a
point costs no temporary arrays (issue 14 item 4: >= 1e5 unweighted events/s per core).

Every formula is the one of the numpy functions named in each docstring (the tests compare the kernels with
them to rounding): the Born |M|^2 of :func:`darkstrahl.gen.sm_mumu.born_msq` (photon exchange, closed form
8 e^4/s^2 [(p1.q1)(p2.q2) + (p1.q2)(p2.q1) + m^2 p1.p2]), the exact O(alpha) |M|^2 of
:func:`~darkstrahl.gen.sm_mumu.mumugamma_msq`, and the exponentiated soft+virtual factor
S(omega, c) = (2 omega/sqrt s)^B(c) (1 + const) of :func:`~darkstrahl.gen.sm_mumu_matching.sudakov_factor`.
Momenta (n, 5, 4) [GeV] in the record e- e+ mu- mu+ gamma; invariants only, so the events may be boosted
along z (initial-state radiation).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numpy.typing import NDArray

from .constants import ALPHA, E_CHARGE, GEV2_TO_FB
from .sm_mumu import ALL, mmg_event_amplitudes, mmg_scratch
from .sm_mumu_matching import mumugamma_event

FloatArray = NDArray[np.float64]
_TWO_PI = 2.0 * math.pi
_A_PI = ALPHA / math.pi
#: 2 (alpha/pi)(pi^2/3 - 1/2): the non-log soft+virtual constant (sm_mumu_matching._sv_constant)
_SV = 2.0 * _A_PI * (math.pi**2 / 3.0 - 0.5)
#: Bits of a channel ``kind``: photon polar angle with the beam-collinear map; mu- direction (mu mu frame,
#: relative to the photon) with the muon-collinear map.
COLLINEAR_PHOTON, COLLINEAR_MUON = 1, 2
#: Cap on b in the fsr map of cos a. The exact |M|^2 does not follow 1/(1 - b*^2 cos^2 a) into the last
#: angles ~ m_mu/E of the collinear peak (b* = 1 - 2e-4 for soft photons at 10.58 GeV): with b = b* the
#: points at cos(mu, gamma) > 0.999 had 0.5 x the mean weight, and b <= 0.99 moves them to wider angles:
#: unweighting efficiency 0.343 -> 0.368 (bkg_mumu, 3 seeds each; 0.999: 0.348, 0.97: 0.344, 0.9: 0.338).
FSR_MAP_BETA_MAX = 0.99


@nb.njit(cache=True, inline="always")
def _dot(p: NDArray, a: int, b: int) -> float:
    return p[a, 0] * p[b, 0] - p[a, 1] * p[b, 1] - p[a, 2] * p[b, 2] - p[a, 3] * p[b, 3]


@nb.njit(cache=True, inline="always")
def _soft_factor(c: float, rs: float, omega: float, m: float, beta_wide: float) -> float:
    """S(omega, c) at sqrt(s_hat) = rs [GeV] (sm_mumu_matching.sudakov_factor): B = beta_wide + beta_f(rs)
    + (4 alpha/pi) ln((1 - c)/(1 + c)), const = (3/4)(beta_wide + beta_f) + _SV."""
    b = math.sqrt(1.0 - 4.0 * m * m / (rs * rs))
    beta_f = 2.0 * _A_PI * ((1.0 + b * b) / (2.0 * b) * np.log((1.0 + b) / (1.0 - b)) - 1.0)
    big_b = beta_wide + beta_f + 4.0 * _A_PI * np.log((1.0 - c) / (1.0 + c))
    return np.exp(big_b * np.log(2.0 * omega / rs)) * (1.0 + 0.75 * (beta_wide + beta_f) + _SV)


@nb.njit(cache=True)
def mumu_integrand(p: NDArray, m: float, radiative: bool, omega_min: float, beta_wide: float) -> NDArray:
    """dsigma/dPhi [fb] (n,) of MuMuProcess.integrand for p (n, 5, 4) (or (n, 4, 4) without ``radiative``):
    Born |M|^2 x K_SV(c) (K_SV = S(omega_min, c)) for events with a zero photon, |M_mumugamma|^2 x
    S(omega, c) otherwise (omega and c in the hard CM frame), times GEV2_TO_FB / (2 s), s = 4 E1 E2
    (kinematics.beam_s)."""
    n = p.shape[0]
    out = np.empty(n)
    buf = np.empty(32, dtype=np.complex128)
    eps, jm, jf, spin = mmg_scratch()
    e4 = E_CHARGE**4
    for i in range(n):
        q = p[i]
        s = 4.0 * q[0, 0] * q[1, 0]
        if not radiative or q[4, 0] == 0.0:
            p11, p22, p12, p21 = _dot(q, 0, 2), _dot(q, 1, 3), _dot(q, 0, 3), _dot(q, 1, 2)
            msq = 8.0 * e4 / (s * s) * (p11 * p22 + p12 * p21 + m * m * _dot(q, 0, 1))
            if radiative:  # cos(e-, mu-) in the CM frame: p1.q1 = E (E - |q| c) (mumu_process.cos_lepton_cm)
                e = 0.5 * math.sqrt(s)
                c = min(max((e - p11 / e) / math.sqrt(max(e * e - m * m, 1e-300)), -1.0), 1.0)
                msq *= _soft_factor(c, math.sqrt(s), omega_min, m, beta_wide)
        else:  # omega, c in the beams' CM frame (mumu_process.hard_frame_photon_and_cos)
            rs = math.sqrt(
                (q[0, 0] + q[1, 0]) ** 2
                - (q[0, 1] + q[1, 1]) ** 2
                - (q[0, 2] + q[1, 2]) ** 2
                - (q[0, 3] + q[1, 3]) ** 2
            )
            omega = (_dot(q, 0, 4) + _dot(q, 1, 4)) / rs
            e_q = (_dot(q, 0, 2) + _dot(q, 1, 2)) / rs
            qq = math.sqrt(max(e_q * e_q - m * m, 1e-300))
            c = min(max((e_q - 2.0 * _dot(q, 0, 2) / rs) / qq, -1.0), 1.0)
            mmg_event_amplitudes(q, m, ALL, False, buf, eps, jm, jf, spin)
            acc = 0.0
            for h in range(32):
                acc += buf[h].real ** 2 + buf[h].imag ** 2
            msq = 0.25 * acc * _soft_factor(c, rs, omega, m, beta_wide)
        out[i] = msq * GEV2_TO_FB / (2.0 * s)
    return out


@nb.njit(cache=True)
def build_mumu_events(rs: FloatArray, m: float, m_pair_min: float, x: NDArray) -> tuple[NDArray, NDArray]:
    """Momenta (n, 5, 4) [GeV] and W_phys (n,) of MuMuProcess.phase_space from x (n, 5) at sqrt(s_hat) = rs
    (n,) [GeV]: x0 < 0 the Born region (mumu_process.lepton_pair_born with cos = x1, phi = x2, zero photon),
    else the hard-photon event of sm_mumu_matching.build_mumugamma with omega = x0 and angles x1..x4,
    W_phys = 0 (omega set to omega_max/2) where omega >= omega_max = (s_hat - m_pair_min^2)/(2 sqrt s_hat)."""
    n = x.shape[0]
    p = np.zeros((n, 5, 4))
    w = np.empty(n)
    frame = np.empty(4)
    for i in range(n):
        r = rs[i]
        e = 0.5 * r
        if x[i, 0] < 0.0:
            pm = math.sqrt(max(e * e - m * m, 0.0))
            c = x[i, 1]
            st = math.sqrt(max(1.0 - c * c, 0.0))
            q = p[i]
            q[0, 0] = q[0, 3] = q[1, 0] = e
            q[1, 3] = -e
            q[2, 0] = q[3, 0] = e
            q[2, 1] = pm * (st * math.cos(x[i, 2]))
            q[2, 2] = pm * (st * math.sin(x[i, 2]))
            q[2, 3] = pm * c
            for k in range(1, 4):
                q[3, k] = -q[2, k]
            w[i] = pm / (16.0 * math.pi**2 * r)
        else:
            wmax = (r * r - m_pair_min * m_pair_min) / (2.0 * r)
            ok = x[i, 0] < wmax
            omega = x[i, 0] if ok else 0.5 * wmax
            wi = mumugamma_event(p[i], r, m, omega, x[i, 1], x[i, 2], x[i, 3], x[i, 4], frame)
            w[i] = wi if ok else 0.0
    return p, w


@nb.njit(cache=True, inline="always")
def _omega_max(r: float, m_pair_min: float, omega_min: float) -> float:
    """MuMuProcess._omega_max: max((s_hat - m_pair_min^2)/(2 sqrt s_hat), omega_min (1 + 1e-9)) [GeV]."""
    return max((r * r - m_pair_min * m_pair_min) / (2.0 * r), omega_min * (1.0 + 1e-9))


@nb.njit(cache=True, inline="always")
def _map_velocity(omega: float, r: float, m: float) -> float:
    """b of the fsr map of cos a (density ∝ 1/(1 - b^2 cos^2 a)): the muon velocity b* in the mu mu frame
    (sqrt(1 - 4 m^2/M'^2), M'^2 = s_hat - 2 sqrt(s_hat) omega), capped at FSR_MAP_BETA_MAX."""
    m2 = max(r * r - 2.0 * r * omega, 4.0 * m * m)
    return min(max(math.sqrt(1.0 - 4.0 * m * m / m2), 1e-12), FSR_MAP_BETA_MAX)


@nb.njit(cache=True)
def channel_to_x(
    u: NDArray,
    rs: FloatArray,
    kind: int,
    a: float,
    omega_min: float,
    cos_c: float,
    m: float,
    m_pair_min: float,
) -> tuple[NDArray, NDArray]:
    """Map of one channel of MuMuProcess (module docstring of mumu_process): u (n, 5) -> x (n, 5), J (n,);
    ``fsr`` selects the fsr maps, ``a`` the Born share of u0 (0: no Born region)."""
    n = u.shape[0]
    x = np.empty((n, 5))
    j = np.empty(n)
    y_c = math.atanh(cos_c)
    for i in range(n):
        r = rs[i]
        if u[i, 0] < a:
            x[i, 0] = -(1.0 + u[i, 0] / a)
            x[i, 1] = 2.0 * u[i, 1] - 1.0
            x[i, 2] = _TWO_PI * u[i, 2]
            x[i, 3] = u[i, 3]
            x[i, 4] = u[i, 4]
            j[i] = 4.0 * math.pi / a
            continue
        span = math.log(_omega_max(r, m_pair_min, omega_min) / omega_min)
        omega = omega_min * math.exp((u[i, 0] - a) / (1.0 - a) * span)
        jw = omega * span
        if kind & COLLINEAR_PHOTON:
            c1 = math.tanh(-y_c + u[i, 1] * 2.0 * y_c)
            jc1 = (1.0 - c1 * c1) * 2.0 * y_c
        else:
            c1, jc1 = cos_c * (2.0 * u[i, 1] - 1.0), 2.0 * cos_c
        if kind & COLLINEAR_MUON:
            b = _map_velocity(omega, r, m)
            y = math.atanh(b)
            c2 = math.tanh(y * (2.0 * u[i, 3] - 1.0)) / b
            jc2 = 2.0 * y * (1.0 - b * b * c2 * c2) / b
        else:
            c2, jc2 = 2.0 * u[i, 3] - 1.0, 2.0
        x[i, 0], x[i, 1], x[i, 2], x[i, 3], x[i, 4] = omega, c1, _TWO_PI * u[i, 2], c2, _TWO_PI * u[i, 4]
        j[i] = jw * jc1 * jc2 * _TWO_PI**2 / (1.0 - a)
    return x, j


@nb.njit(cache=True)
def channel_from_x(
    x: NDArray,
    rs: FloatArray,
    kind: int,
    a: float,
    omega_min: float,
    cos_c: float,
    m: float,
    m_pair_min: float,
) -> tuple[NDArray, NDArray]:
    """Inverse of :func:`channel_to_x`: u (n, 5) clipped to [0, 1] and J (n,), J = inf (density 0) at Born
    points of a channel without a Born region (a = 0)."""
    n = x.shape[0]
    u = np.empty((n, 5))
    j = np.empty(n)
    y_c = math.atanh(cos_c)
    for i in range(n):
        r = rs[i]
        if x[i, 0] < 0.0:
            u[i, 0] = min(max(a * (-x[i, 0] - 1.0), 0.0), 1.0)
            u[i, 1] = min(max(0.5 * (x[i, 1] + 1.0), 0.0), 1.0)
            u[i, 2] = min(max(x[i, 2] / _TWO_PI, 0.0), 1.0)
            u[i, 3] = min(max(x[i, 3], 0.0), 1.0)
            u[i, 4] = min(max(x[i, 4], 0.0), 1.0)
            j[i] = 4.0 * math.pi / a if a > 0.0 else np.inf
            continue
        omega = x[i, 0]
        span = math.log(_omega_max(r, m_pair_min, omega_min) / omega_min)
        v0 = math.log(omega / omega_min) / span
        jw = omega * span
        c1 = min(max(x[i, 1], -cos_c), cos_c)
        c2 = min(max(x[i, 3], -1.0), 1.0)
        if kind & COLLINEAR_PHOTON:
            u1 = (math.atanh(c1) + y_c) / (2.0 * y_c)
            jc1 = (1.0 - c1 * c1) * 2.0 * y_c
        else:
            u1, jc1 = 0.5 * (c1 / cos_c + 1.0), 2.0 * cos_c
        if kind & COLLINEAR_MUON:
            b = _map_velocity(omega, r, m)
            y = math.atanh(b)
            u3 = 0.5 * (math.atanh(min(max(b * c2, -1 + 1e-16), 1 - 1e-16)) / y + 1.0)
            jc2 = 2.0 * y * (1.0 - b * b * c2 * c2) / b
        else:
            u3, jc2 = 0.5 * (c2 + 1.0), 2.0
        vals = (a + (1.0 - a) * v0, u1, x[i, 2] / _TWO_PI, u3, x[i, 4] / _TWO_PI)
        for k in range(5):
            u[i, k] = min(max(vals[k], 0.0), 1.0)
        j[i] = jw * jc1 * jc2 * _TWO_PI**2 / (1.0 - a)
    return u, j
