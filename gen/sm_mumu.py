"""Standard-Model background e+e- -> mu+ mu- (gamma): Born, exact O(alpha) radiative matrix element,
ISR matching and a 2 -> 3 phase-space map (next_wave.md 1.3 item 6a; reference.md 6 for HELAS).

Particle order in momentum arrays (GeV, (E, px, py, pz)), CM frame unless stated:

* Born, shape (n, 4, 4):     0 e-(p1), 1 e+(p2), 2 mu-(q1), 3 mu+(q2)
* radiative, shape (n, 5, 4): 0 e-(p1), 1 e+(p2), 2 mu-(q1), 3 mu+(q2), 4 gamma(k)

Electrons are massless throughout. In the radiative matrix element this is used only where the photon is at
an angle theta >= theta_c from both beams (the matching of section (c) below): the neglected electron-mass
terms of |M|^2 are of relative size m_e^2 / (E_b^2 theta_c^2) (3e-5 at theta_c = 1 deg), and the
collinear region theta < theta_c is described by the structure function. The muon mass is kept exactly.

(a) Born.  Photon exchange with alpha(0) (next_wave.md 1.3 item 6; the running-alpha value 0.8485 nb of
    peers.md is not used):  dsigma/dOmega = (alpha^2 beta / 4s) [1 + cos^2 + (1 - beta^2) sin^2],
    sigma = (4 pi alpha^2 / 3s) beta (3 - beta^2)/2 = 0.7759 nb at 10.58 GeV.  Optional tree-level Z exchange
    (chiral couplings g_L = T3 - Q sin^2 theta_W, g_R = -Q sin^2 theta_W, fixed width) in the form derived
    here from helicity amplitudes (checked against the HELAS helicity sum in the tests):

        dsigma/dcos = (pi alpha^2 beta / 4s) sum_{sigma = L, R} [ |V_s|^2 (2 - beta^2 + beta^2 c^2)
                       + |A_s|^2 beta^2 (1 + c^2) + 4 eta_s beta c Re(V_s A_s*) ],   eta_L = +1, eta_R = -1,
        V_s = Q_e Q_f + g_s^e g_V^f chi,  A_s = g_s^e g_A^f chi,
        chi = s / ((s - M_Z^2 + i M_Z Gamma_Z) s_W^2 c_W^2),
        g_V^f = (T3 - 2 Q s_W^2)/2,  g_A^f = T3/2,

    c = cos(angle between e- and mu-), sigma the e- helicity.  At 10.58 GeV the Z changes sigma by -0.03 % and
    gives A_FB = -0.72 % (tests).  Vacuum polarisation and electroweak loops are not included.

(b) e+e- -> mu+ mu- gamma at tree level, O(alpha) relative to the Born: the four diagrams (photon from the
    e-, e+, mu-, mu+ lines) with their interference, built from :mod:`darkstrahl.gen.helas` (massless
    electrons, massive muons, photon exchange only: the Z changes the radiative rate by < 0.1 %),

        M = e^3 { [vbar(p2) (g^mu S(p1 - k) epsslash* + epsslash* S(k - p2) g^mu) u(p1)]
                    x [ubar(q1) g_mu v(q2)] / (q1+q2)^2
                + [vbar(p2) g^mu u(p1)]
                    x [ubar(q1) (epsslash* S(q1 + k) g_mu + g_mu S(-q2 - k) epsslash*) v(q2)] / s },

    S(q) = (qslash + m)/(q^2 - m^2); all four diagrams carry the same charge factor (Q_e = Q_mu = -1).
    Checked: Ward identity, Lorentz invariance, soft limit, and the massless closed form of Berends, Kleiss,
    De Causmaecker, Gastmans, Troost, Wu, Nucl. Phys. B206 (1982) 61 (:func:`berends_kleiss_msq`).

(c) The matching of the hard-photon region to the collinear structure function and the soft+virtual factor,
    and the 2 -> 3 phase space of that region: :mod:`darkstrahl.gen.sm_mumu_matching`.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

from .constants import ALPHA, E_CHARGE, M_MU, M_Z, SIN2_THETA_W
from .helas import ffv_chiral_current, ffv_current, fvi, fvo, ixxxxx, mdot, oxxxxx, vxxxxx

FloatArray = NDArray[np.float64]

#: Z width [GeV] (PDG 2024: 2.4955 +- 0.0023 GeV), used only with ``z_exchange=True``.
GAMMA_Z: float = 2.4955
_SW2 = SIN2_THETA_W
_CW2 = 1.0 - SIN2_THETA_W
#: Left/right Z couplings of the electron and of a charged lepton (Q = -1, T3 = -1/2).
_GL_E = -0.5 + _SW2
_GR_E = _SW2
_TWO_PI = 2.0 * math.pi


def check_energy(sqrt_s: float | FloatArray, m_f: float) -> None:
    if not np.all(np.asarray(sqrt_s) > 2.0 * m_f):
        raise ParameterError("run.sqrt_s", "must exceed twice the final-state lepton mass", sqrt_s)
    if m_f < 0.0:
        raise ParameterError("m_f", "must be >= 0", m_f)


def z_factor(sqrt_s: float, z_exchange: bool) -> complex:
    """chi = s / ((s - M_Z^2 + i M_Z Gamma_Z) s_W^2 c_W^2), the Z/photon propagator-and-coupling ratio
    (0 without Z exchange). Module docstring (a)."""
    if not z_exchange:
        return 0j
    s = sqrt_s * sqrt_s
    return s / (complex(s - M_Z * M_Z, M_Z * GAMMA_Z) * _SW2 * _CW2)


def born_dsigma_dcos(
    cos_theta: FloatArray | float, sqrt_s: float, m_f: float = M_MU, z_exchange: bool = False
) -> FloatArray:
    """Born dsigma/dcos(theta) [GeV^-2] of e+e- -> l+ l- (l = mu or tau, Q = -1, T3 = -1/2, mass ``m_f``
    [GeV]); theta is the angle between e- and l- in the CM frame. Module docstring (a); without Z it is
    next_wave.md 1.3 item 6: 2 pi (alpha^2 beta/4s)[1 + c^2 + (1 - beta^2) sin^2]."""
    check_energy(sqrt_s, m_f)
    c = np.asarray(cos_theta, dtype=np.float64)
    s = sqrt_s * sqrt_s
    b2 = 1.0 - 4.0 * m_f * m_f / s
    b = math.sqrt(b2)
    chi = z_factor(sqrt_s, z_exchange)
    gv, ga = (-0.5 + 2.0 * _SW2) / 2.0, -0.25
    total = np.zeros_like(c)
    for g_e, eta in ((_GL_E, 1.0), (_GR_E, -1.0)):
        v = 1.0 + g_e * gv * chi
        a = g_e * ga * chi
        total = total + (
            abs(v) ** 2 * (2.0 - b2 + b2 * c * c)
            + abs(a) ** 2 * b2 * (1.0 + c * c)
            + 4.0 * eta * b * c * (v * a.conjugate()).real
        )
    return math.pi * ALPHA**2 * b / (4.0 * s) * total


# dsigma/dcos is a polynomial of degree 2 in cos: 3-point Gauss-Legendre is exact.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(3)


def born_sigma(sqrt_s: float, m_f: float = M_MU, z_exchange: bool = False) -> float:
    """Born total cross section [GeV^-2] (exact integral of :func:`born_dsigma_dcos`); without Z it equals
    (4 pi alpha^2/3s) beta (3 - beta^2)/2 (multiply by constants.GEV2_TO_FB for fb)."""
    return float(np.sum(_GL_W * born_dsigma_dcos(_GL_X, sqrt_s, m_f, z_exchange)))


def forward_backward_asymmetry(sqrt_s: float, m_f: float = M_MU, z_exchange: bool = True) -> float:
    """A_FB = (sigma(c > 0) - sigma(c < 0))/sigma of the l- relative to the e- direction (0 without Z at tree
    level). Exact: the odd part of dsigma/dcos is linear in c."""
    x = 0.5 * (_GL_X + 1.0)  # Gauss-Legendre on [0, 1]
    w = 0.5 * _GL_W
    fwd = float(np.sum(w * born_dsigma_dcos(x, sqrt_s, m_f, z_exchange)))
    bwd = float(np.sum(w * born_dsigma_dcos(-x, sqrt_s, m_f, z_exchange)))
    return (fwd - bwd) / (fwd + bwd)


# ----------------------------------------------------------------------------- HELAS kernels
@nb.njit(cache=True)
def _born_msq(p: NDArray, m: float, chi_re: float, chi_im: float) -> NDArray:
    """Spin-averaged Born |M|^2 (dimensionless) for p (n, 4, 4), photon plus optional Z (chi)."""
    n = p.shape[0]
    out = np.empty(n)
    chi = complex(chi_re, chi_im)
    gv = (-0.5 + 2.0 * _SW2) / 2.0
    ga = -0.25
    e4 = E_CHARGE**4
    for i in range(n):
        s = (p[i, 0, 0] + p[i, 1, 0]) ** 2 - (p[i, 0, 1] + p[i, 1, 1]) ** 2
        s -= (p[i, 0, 2] + p[i, 1, 2]) ** 2 + (p[i, 0, 3] + p[i, 1, 3]) ** 2
        acc = 0.0
        for a in range(2):
            ha = 1 - 2 * a
            u = ixxxxx(p[i, 0, 0], p[i, 0, 1], p[i, 0, 2], p[i, 0, 3], 0.0, ha, 1)
            vb = oxxxxx(p[i, 1, 0], p[i, 1, 1], p[i, 1, 2], p[i, 1, 3], 0.0, -ha, -1)
            je = ffv_current(vb[0], vb[1], vb[2], vb[3], u[0], u[1], u[2], u[3])
            g_e = _GR_E if ha == 1 else _GL_E  # massless e-: helicity = chirality
            # muon line coupling: photon (Q_e Q_mu = 1) + Z (g_e chi (gv - ga gamma5) = cl P_L + cr P_R)
            cl = 1.0 + g_e * chi * (gv + ga)
            cr = 1.0 + g_e * chi * (gv - ga)
            for c in range(2):
                ub = oxxxxx(p[i, 2, 0], p[i, 2, 1], p[i, 2, 2], p[i, 2, 3], m, 1 - 2 * c, 1)
                for d in range(2):
                    v = ixxxxx(p[i, 3, 0], p[i, 3, 1], p[i, 3, 2], p[i, 3, 3], m, 1 - 2 * d, -1)
                    jl = ffv_chiral_current(ub[0], ub[1], ub[2], ub[3], v[0], v[1], v[2], v[3], 1.0, 0.0)
                    jr = ffv_chiral_current(ub[0], ub[1], ub[2], ub[3], v[0], v[1], v[2], v[3], 0.0, 1.0)
                    amp = cl * mdot(je[0], je[1], je[2], je[3], jl[0], jl[1], jl[2], jl[3])
                    amp += cr * mdot(je[0], je[1], je[2], je[3], jr[0], jr[1], jr[2], jr[3])
                    acc += amp.real**2 + amp.imag**2
        out[i] = 0.25 * e4 * acc / (s * s)
    return out


def born_msq(p: FloatArray, m_f: float = M_MU, z_exchange: bool = False) -> FloatArray:
    """Spin-averaged Born |M|^2 (dimensionless) of e- e+ -> l- l+ from HELAS helicity amplitudes, p (n, 4, 4)
    [GeV] in the layout of the module docstring, at sqrt(s) = (p1 + p2)^2 per event (Z: at ``z_factor`` of
    that energy). Without Z it equals 8 e^4/s^2 [(p1.q1)(p2.q2) + (p1.q2)(p2.q1) + m^2 p1.p2]."""
    p = np.ascontiguousarray(p, dtype=np.float64)
    if z_exchange:
        roots = np.sqrt(
            np.maximum((p[:, 0, 0] + p[:, 1, 0]) ** 2 - np.sum((p[:, 0, 1:] + p[:, 1, 1:]) ** 2, 1), 0)
        )
        if np.ptp(roots) > 1e-9 * roots.max():
            raise ParameterError(
                "p", "Z exchange needs a common sqrt(s) for all events", float(np.ptp(roots))
            )
        chi = z_factor(float(roots[0]), True)
    else:
        chi = 0j
    return _born_msq(p, m_f, chi.real, chi.imag)


#: Diagram selections of :func:`mumugamma_msq`: initial-state, final-state, both (with interference).
ISR, FSR, ALL = 1, 2, 3


@nb.njit(cache=True)
def mmg_scratch() -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Work arrays of :func:`mmg_event_amplitudes` (allocated once per batch, not per event)."""
    return (
        np.empty((2, 4), dtype=np.complex128),
        np.empty((4, 4), dtype=np.complex128),
        np.empty((4, 2, 4), dtype=np.complex128),
        np.empty((12, 4), dtype=np.complex128),
    )


@nb.njit(cache=True)
def mmg_event_amplitudes(
    p: NDArray,
    m: float,
    parts: int,
    gauge_check: bool,
    out: NDArray,
    eps: NDArray,
    jm: NDArray,
    jf: NDArray,
    spin: NDArray,
) -> None:
    """32 helicity amplitudes of e- e+ -> mu- mu+ gamma for one event p (5, 4); code bits
    a | b<<1 | c<<2 | d<<3 | g<<4 (set bit = helicity -1 of e-, e+, mu-, mu+, gamma). ``eps`` (2, 4),
    ``jm`` (4, 4), ``jf`` (4, 2, 4) and ``spin`` (12, 4) complex work arrays (:func:`mmg_scratch`): the photon
    polarizations, the muon currents without and with the photon, the muon spinors (every entry is written
    before it is read)."""
    k = p[4]
    s = (
        (p[0, 0] + p[1, 0]) ** 2
        - (p[0, 1] + p[1, 1]) ** 2
        - (p[0, 2] + p[1, 2]) ** 2
        - (p[0, 3] + p[1, 3]) ** 2
    )
    sp = (
        (p[2, 0] + p[3, 0]) ** 2
        - (p[2, 1] + p[3, 1]) ** 2
        - (p[2, 2] + p[3, 2]) ** 2
        - (p[2, 3] + p[3, 3]) ** 2
    )
    e3 = E_CHARGE**3
    # propagator flow momenta (tuples: no allocation): e- line, e+ line, mu- line, mu+ line
    pe = (p[0, 0] - k[0], p[0, 1] - k[1], p[0, 2] - k[2], p[0, 3] - k[3])
    pp = (k[0] - p[1, 0], k[1] - p[1, 1], k[2] - p[1, 2], k[3] - p[1, 3])
    pm = (p[2, 0] + k[0], p[2, 1] + k[1], p[2, 2] + k[2], p[2, 3] + k[3])
    pq = (-p[3, 0] - k[0], -p[3, 1] - k[1], -p[3, 2] - k[2], -p[3, 3] - k[3])
    for g in range(2):
        if gauge_check:
            for mu in range(4):
                eps[g, mu] = k[mu] + 0j
        else:
            e = vxxxxx(k[0], k[1], k[2], k[3], 0.0, 1 - 2 * g, 1)
            for mu in range(4):
                eps[g, mu] = e[mu]
    # spin rows: ubar(q1, c) (c), v(q2, d) (2 + d), with the photon (4 + 2 c + g) and (8 + 2 d + g)
    for h in range(2):
        ub = oxxxxx(p[2, 0], p[2, 1], p[2, 2], p[2, 3], m, 1 - 2 * h, 1)
        v = ixxxxx(p[3, 0], p[3, 1], p[3, 2], p[3, 3], m, 1 - 2 * h, -1)
        for mu in range(4):
            spin[h, mu] = ub[mu]
            spin[2 + h, mu] = v[mu]
        for g in range(2):
            e0, e1, e2, e3_ = eps[g, 0], eps[g, 1], eps[g, 2], eps[g, 3]
            uo = fvo(ub[0], ub[1], ub[2], ub[3], e0, e1, e2, e3_, pm[0], pm[1], pm[2], pm[3], m)
            vi = fvi(v[0], v[1], v[2], v[3], e0, e1, e2, e3_, pq[0], pq[1], pq[2], pq[3], m)
            for mu in range(4):
                spin[4 + 2 * h + g, mu] = uo[mu]
                spin[8 + 2 * h + g, mu] = vi[mu]
    for c in range(2):
        for d in range(2):
            cd = c | (d << 1)
            j = ffv_current(
                spin[c, 0],
                spin[c, 1],
                spin[c, 2],
                spin[c, 3],
                spin[2 + d, 0],
                spin[2 + d, 1],
                spin[2 + d, 2],
                spin[2 + d, 3],
            )
            for mu in range(4):
                jm[cd, mu] = j[mu]
            for g in range(2):
                r1, r2 = 4 + 2 * c + g, 8 + 2 * d + g
                j1 = ffv_current(
                    spin[r1, 0],
                    spin[r1, 1],
                    spin[r1, 2],
                    spin[r1, 3],
                    spin[2 + d, 0],
                    spin[2 + d, 1],
                    spin[2 + d, 2],
                    spin[2 + d, 3],
                )
                j2 = ffv_current(
                    spin[c, 0],
                    spin[c, 1],
                    spin[c, 2],
                    spin[c, 3],
                    spin[r2, 0],
                    spin[r2, 1],
                    spin[r2, 2],
                    spin[r2, 3],
                )
                for mu in range(4):
                    jf[cd, g, mu] = j1[mu] + j2[mu]
    for i in range(32):
        out[i] = 0.0
    for a in range(2):
        u = ixxxxx(p[0, 0], p[0, 1], p[0, 2], p[0, 3], 0.0, 1 - 2 * a, 1)
        b = 1 - a  # massless e line: e+ helicity opposite to e- (equal helicities give exactly zero)
        vb = oxxxxx(p[1, 0], p[1, 1], p[1, 2], p[1, 3], 0.0, 1 - 2 * b, -1)
        je = ffv_current(vb[0], vb[1], vb[2], vb[3], u[0], u[1], u[2], u[3])
        for g in range(2):
            e0, e1, e2, e3_ = eps[g, 0], eps[g, 1], eps[g, 2], eps[g, 3]
            ui = fvi(u[0], u[1], u[2], u[3], e0, e1, e2, e3_, pe[0], pe[1], pe[2], pe[3], 0.0)
            ji1 = ffv_current(vb[0], vb[1], vb[2], vb[3], ui[0], ui[1], ui[2], ui[3])
            vo = fvo(vb[0], vb[1], vb[2], vb[3], e0, e1, e2, e3_, pp[0], pp[1], pp[2], pp[3], 0.0)
            ji2 = ffv_current(vo[0], vo[1], vo[2], vo[3], u[0], u[1], u[2], u[3])
            j0, jx, jy, jz = ji1[0] + ji2[0], ji1[1] + ji2[1], ji1[2] + ji2[2], ji1[3] + ji2[3]
            for cd in range(4):
                amp = 0j
                if parts & 1:
                    amp += mdot(j0, jx, jy, jz, jm[cd, 0], jm[cd, 1], jm[cd, 2], jm[cd, 3]) / sp
                if parts & 2:
                    amp += (
                        mdot(
                            je[0], je[1], je[2], je[3], jf[cd, g, 0], jf[cd, g, 1], jf[cd, g, 2], jf[cd, g, 3]
                        )
                        / s
                    )
                out[a | (b << 1) | (cd << 2) | (g << 4)] = e3 * amp


@nb.njit(cache=True)
def _mmg_amplitudes(p: NDArray, m: float, parts: int, gauge_check: bool) -> NDArray:
    n = p.shape[0]
    out = np.empty((n, 32), dtype=np.complex128)
    eps, jm, jf, spin = mmg_scratch()
    for i in range(n):
        mmg_event_amplitudes(p[i], m, parts, gauge_check, out[i], eps, jm, jf, spin)
    return out


@nb.njit(cache=True)
def _mmg_msq(p: NDArray, m: float, parts: int) -> NDArray:
    n = p.shape[0]
    out = np.empty(n)
    buf = np.empty(32, dtype=np.complex128)
    eps, jm, jf, spin = mmg_scratch()
    for i in range(n):
        mmg_event_amplitudes(p[i], m, parts, False, buf, eps, jm, jf, spin)
        acc = 0.0
        for h in range(32):
            acc += buf[h].real ** 2 + buf[h].imag ** 2
        out[i] = 0.25 * acc
    return out


def _check_parts(parts: int) -> None:
    if parts not in (ISR, FSR, ALL):
        raise ParameterError("parts", "must be ISR (1), FSR (2) or ALL (3)", parts)


def mumugamma_amplitudes(
    p: FloatArray, m_mu: float = M_MU, parts: int = ALL, gauge_check: bool = False
) -> NDArray[np.complex128]:
    """Helicity amplitudes (n, 32) [GeV^-1] of e- e+ -> mu- mu+ gamma for p (n, 5, 4) [GeV] (module docstring
    (b)); ``gauge_check`` replaces eps*(k) by k (Ward identity: every amplitude vanishes)."""
    _check_parts(parts)
    return _mmg_amplitudes(np.ascontiguousarray(p, dtype=np.float64), m_mu, parts, gauge_check)


def mumugamma_msq(p: FloatArray, m_mu: float = M_MU, parts: int = ALL) -> FloatArray:
    """Spin-summed, beam-averaged |M|^2 [GeV^-2] of e- e+ -> mu- mu+ gamma, p (n, 5, 4) [GeV];
    ``parts`` = ISR, FSR or ALL (all four diagrams with interference).
    Cross section: dsigma = |M|^2 dPhi_3 / (2 s)."""
    _check_parts(parts)
    return _mmg_msq(np.ascontiguousarray(p, dtype=np.float64), m_mu, parts)


def _dot(a: FloatArray, b: FloatArray) -> FloatArray:
    return a[..., 0] * b[..., 0] - np.sum(a[..., 1:] * b[..., 1:], axis=-1)


def berends_kleiss_msq(p: FloatArray) -> FloatArray:
    """Massless closed form of the spin-averaged |M|^2 [GeV^-2] of e-(p-) e+(p+) -> mu-(q-) mu+(q+) gamma(k),
    photon exchange (Berends, Kleiss, De Causmaecker, Gastmans, Troost, Wu, Nucl. Phys. B206 (1982) 61):

        |M|^2 = 2 e^6 [(p+q+)^2 + (p+q-)^2 + (p-q+)^2 + (p-q-)^2] / [(p+p-)(q+q-)] * W,
        W = (p+p-)/((p+k)(p-k)) + (q+q-)/((q+k)(q-k)) + (p+q+)/((p+k)(q+k)) + (p-q-)/((p-k)(q-k))
            - (p+q-)/((p+k)(q-k)) - (p-q+)/((p-k)(q+k)),

    (dot products; W = -J^2/2 with J the classical eikonal current, so the soft limit is the eikonal factor
    times the Born). Valid for m_e = m_mu = 0 only."""
    pm, pp, qm, qp, k = (p[:, i] for i in range(5))
    d = _dot
    x = d(pp, qp) ** 2 + d(pp, qm) ** 2 + d(pm, qp) ** 2 + d(pm, qm) ** 2
    w = (
        d(pp, pm) / (d(pp, k) * d(pm, k))
        + d(qp, qm) / (d(qp, k) * d(qm, k))
        + d(pp, qp) / (d(pp, k) * d(qp, k))
        + d(pm, qm) / (d(pm, k) * d(qm, k))
        - d(pp, qm) / (d(pp, k) * d(qm, k))
        - d(pm, qp) / (d(pm, k) * d(qp, k))
    )
    return 2.0 * E_CHARGE**6 * x / (d(pp, pm) * d(qp, qm)) * w


def eikonal_factor(p: FloatArray, m_mu: float = M_MU) -> FloatArray:
    """Soft-photon eikonal factor e^2 (-J.J) [GeV^-2], J = sum_i eta_i Q_i p_i/(p_i.k), for p (n, 5, 4):
    |M(mu mu gamma)|^2 -> eikonal x |M(mu mu)|^2 as k -> 0 (Yennie-Frautschi-Suura; massless e,
    massive mu)."""
    pm, pp, qm, qp, k = (p[:, i] for i in range(5))
    # effective charges: incoming e- (+1), incoming e+ (-1), outgoing mu- (-1), outgoing mu+ (+1)
    j = (
        pm / _dot(pm, k)[:, None]
        - pp / _dot(pp, k)[:, None]
        - qm / _dot(qm, k)[:, None]
        + qp / _dot(qp, k)[:, None]
    )
    return -(E_CHARGE**2) * _dot(j, j)
