"""Helicity amplitudes of the signal processes (physics.md section 2), compiled with numba.

Processes and particle order in a momentum array ``p`` of shape (n, particles, 4), GeV, (E, px, py, pz):

* ``phi``:       0 e-(p1), 1 e+(p2), 2 phi(k), 3 chi(q1), 4 chibar(q2)
* ``gamma_phi``: 0 e-(p1), 1 e+(p2), 2 gamma(k), 3 phi, 4 chi(q1), 5 chibar(q2)

Amplitudes (massless beams; electron mass neglected throughout):

    phi:       M = C [vbar(p2) g^mu u(p1)] [ubar(q1) g_mu v(q2)] / (D(s) D(Q^2))
    gamma_phi: M = e C [vbar(p2) ( g^mu S(p1-k) epsslash* + epsslash* S(k-p2) g^mu ) u(p1)]
                     [ubar(q1) g_mu v(q2)] / (D(P'^2) D(Q^2)),   S(q) = qslash / q^2

with C = g_e g_hVV g_chi (:meth:`~darkstrahl.gen.model.DarkModel.g_e`, ``g_hVV``, ``g_chi``), Q = q1 + q2,
P' = p1 + p2 - k and D(x) = x - m_A'^2 + i m_A' Gamma_A'. Helicity configurations are enumerated as
bits (bit j set means helicity -1 for particle j of the list ``HELICITY_PARTICLES``); the e- beam may be
longitudinally polarized (P = pol_em): the average weighs e- helicity h by (1 + h P)/2 and e+ by 1/2.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numpy.typing import NDArray

from .helas import breit_wigner, ffv_current, fvi, fvo, ixxxxx, mdot, oxxxxx, vxxxxx

#: Particles (indices into the momentum array) whose helicities are summed, per process.
HELICITY_PARTICLES: dict[str, tuple[int, ...]] = {
    "phi": (0, 1, 3, 4),
    "gamma_phi": (0, 1, 2, 4, 5),
}
N_HELICITIES = {name: 2 ** len(parts) for name, parts in HELICITY_PARTICLES.items()}


@nb.njit(cache=True, inline="always")
def _hel(code: int, bit: int) -> int:
    return -1 if (code >> bit) & 1 else 1


@nb.njit(cache=True, inline="always")
def _minkowski_sq(p: NDArray, i: int, j: int) -> float:
    """(p_i + p_j)^2 [GeV^2] of the momenta p (k, 4), without a temporary array."""
    e = p[i, 0] + p[j, 0]
    x = p[i, 1] + p[j, 1]
    y = p[i, 2] + p[j, 2]
    z = p[i, 3] + p[j, 3]
    return e * e - x * x - y * y - z * z


@nb.njit(cache=True)
def _chi_currents(p: NDArray, i: int, m_chi: float, jcs: NDArray) -> None:
    """The four chi currents ubar(q1, h_c) g^mu v(q2, h_d) of chi = p[i], chibar = p[i + 1] into ``jcs``
    (4, 4), row c | (d << 1) (bit set: helicity -1)."""
    for c in range(2):
        ub = oxxxxx(p[i, 0], p[i, 1], p[i, 2], p[i, 3], m_chi, 1 - 2 * c, 1)
        for d in range(2):
            v = ixxxxx(p[i + 1, 0], p[i + 1, 1], p[i + 1, 2], p[i + 1, 3], m_chi, 1 - 2 * d, -1)
            jc = ffv_current(ub[0], ub[1], ub[2], ub[3], v[0], v[1], v[2], v[3])
            for mu in range(4):
                jcs[c | (d << 1), mu] = jc[mu]


@nb.njit(cache=True)
def _phi_event(
    p: NDArray, m_chi: float, m_Ap: float, w_Ap: float, coupling: float, out: NDArray, jcs: NDArray
) -> None:
    """All 16 helicity amplitudes of e- e+ -> phi chi chibar for one event ``p`` (5, 4); ``jcs`` (4, 4)
    complex is work space for the chi currents."""
    s = _minkowski_sq(p, 0, 1)
    q2 = _minkowski_sq(p, 3, 4)
    prop = coupling / (breit_wigner(s, m_Ap, w_Ap) * breit_wigner(q2, m_Ap, w_Ap))
    _chi_currents(p, 3, m_chi, jcs)
    for a in range(2):
        u = ixxxxx(p[0, 0], p[0, 1], p[0, 2], p[0, 3], 0.0, 1 - 2 * a, 1)
        for b in range(2):
            if a == b:  # massless beams: the vector current conserves chirality, e+ helicity = -e- helicity
                for cd in range(4):
                    out[a | (b << 1) | (cd << 2)] = 0.0
                continue
            vb = oxxxxx(p[1, 0], p[1, 1], p[1, 2], p[1, 3], 0.0, 1 - 2 * b, -1)
            je = ffv_current(vb[0], vb[1], vb[2], vb[3], u[0], u[1], u[2], u[3])
            for cd in range(4):
                amp = mdot(je[0], je[1], je[2], je[3], jcs[cd, 0], jcs[cd, 1], jcs[cd, 2], jcs[cd, 3])
                out[a | (b << 1) | (cd << 2)] = amp * prop


@nb.njit(cache=True)
def _gamma_phi_event(
    p: NDArray,
    m_chi: float,
    m_Ap: float,
    w_Ap: float,
    coupling: float,
    gauge_check: bool,
    out: NDArray,
    jcs: NDArray,
) -> None:
    """All 32 helicity amplitudes of e- e+ -> gamma phi chi chibar for one event ``p`` (6, 4); ``jcs``
    (4, 4) complex is work space for the chi currents.

    ``gauge_check`` replaces the photon polarization eps*(k) by k (the Ward identity test)."""
    e = p[0, 0] + p[1, 0] - p[2, 0]  # P' = p1 + p2 - k
    x = p[0, 1] + p[1, 1] - p[2, 1]
    y = p[0, 2] + p[1, 2] - p[2, 2]
    z = p[0, 3] + p[1, 3] - p[2, 3]
    pp2 = e * e - x * x - y * y - z * z
    q2 = _minkowski_sq(p, 4, 5)
    prop = coupling / (breit_wigner(pp2, m_Ap, w_Ap) * breit_wigner(q2, m_Ap, w_Ap))
    k0, k1, k2, k3 = p[2, 0], p[2, 1], p[2, 2], p[2, 3]
    # electron propagator momenta along the fermion flow: p1 - k (e- line), k - p2 (e+ line)
    a0, a1, a2, a3 = p[0, 0] - k0, p[0, 1] - k1, p[0, 2] - k2, p[0, 3] - k3
    b0, b1, b2, b3 = k0 - p[1, 0], k1 - p[1, 1], k2 - p[1, 2], k3 - p[1, 3]
    _chi_currents(p, 4, m_chi, jcs)
    if gauge_check:
        ep_plus = (k0 + 0j, k1 + 0j, k2 + 0j, k3 + 0j)
        ep_minus = ep_plus
    else:
        ep_plus = vxxxxx(k0, k1, k2, k3, 0.0, 1, 1)
        ep_minus = vxxxxx(k0, k1, k2, k3, 0.0, -1, 1)
    for a in range(2):
        u = ixxxxx(p[0, 0], p[0, 1], p[0, 2], p[0, 3], 0.0, 1 - 2 * a, 1)
        for b in range(2):
            if a == b:  # chirality is conserved along the massless e line, photon emission included
                for g in range(2):
                    for cd in range(4):
                        out[a | (b << 1) | (g << 2) | (cd << 3)] = 0.0
                continue
            vb = oxxxxx(p[1, 0], p[1, 1], p[1, 2], p[1, 3], 0.0, 1 - 2 * b, -1)
            for g in range(2):
                ep = ep_minus if g else ep_plus
                ui = fvi(u[0], u[1], u[2], u[3], ep[0], ep[1], ep[2], ep[3], a0, a1, a2, a3, 0.0)
                j1 = ffv_current(vb[0], vb[1], vb[2], vb[3], ui[0], ui[1], ui[2], ui[3])
                vo = fvo(vb[0], vb[1], vb[2], vb[3], ep[0], ep[1], ep[2], ep[3], b0, b1, b2, b3, 0.0)
                j2 = ffv_current(vo[0], vo[1], vo[2], vo[3], u[0], u[1], u[2], u[3])
                j0, jx, jy, jz = j1[0] + j2[0], j1[1] + j2[1], j1[2] + j2[2], j1[3] + j2[3]
                for cd in range(4):
                    amp = mdot(j0, jx, jy, jz, jcs[cd, 0], jcs[cd, 1], jcs[cd, 2], jcs[cd, 3])
                    out[a | (b << 1) | (g << 2) | (cd << 3)] = amp * prop


@nb.njit(cache=True)
def _amplitudes(
    process: int, p: NDArray, m_chi: float, m_Ap: float, w_Ap: float, coupling: float, gauge_check: bool
) -> NDArray:
    n = p.shape[0]
    nh = 16 if process == 0 else 32
    out = np.empty((n, nh), dtype=np.complex128)
    jcs = np.empty((4, 4), dtype=np.complex128)
    for i in range(n):
        if process == 0:
            _phi_event(p[i], m_chi, m_Ap, w_Ap, coupling, out[i], jcs)
        else:
            _gamma_phi_event(p[i], m_chi, m_Ap, w_Ap, coupling, gauge_check, out[i], jcs)
    return out


@nb.njit(cache=True)
def _msq(
    process: int,
    p: NDArray,
    m_chi: float,
    m_Ap: float,
    w_Ap: float,
    coupling: float,
    pol_em: float,
    r: NDArray,
) -> tuple[NDArray, NDArray]:
    """Spin-averaged |M|^2 per event and, if ``r`` (uniforms, one per event) is given, a helicity
    configuration drawn with probability proportional to its weighted |M_h|^2 (-1 if r is empty)."""
    n = p.shape[0]
    nh = 16 if process == 0 else 32
    buf = np.empty(nh, dtype=np.complex128)
    jcs = np.empty((4, 4), dtype=np.complex128)
    out = np.empty(n)
    code = np.full(n, -1, dtype=np.int8)
    pick = r.shape[0] == n
    w_minus = 0.25 * (1.0 - pol_em)  # e- helicity -1 (bit 0 set), e+ averaged
    w_plus = 0.25 * (1.0 + pol_em)
    for i in range(n):
        if process == 0:
            _phi_event(p[i], m_chi, m_Ap, w_Ap, coupling, buf, jcs)
        else:
            _gamma_phi_event(p[i], m_chi, m_Ap, w_Ap, coupling, False, buf, jcs)
        acc = 0.0
        for h in range(nh):
            a2 = buf[h].real ** 2 + buf[h].imag ** 2
            acc += a2 * (w_minus if h & 1 else w_plus)
        out[i] = acc
        if pick:
            target = r[i] * acc
            run = 0.0
            last = 0
            for h in range(nh):
                a2 = (buf[h].real ** 2 + buf[h].imag ** 2) * (w_minus if h & 1 else w_plus)
                if a2 > 0.0:
                    last = h
                    run += a2
                    if run >= target:
                        break
            code[i] = last
    return out, code


_PROCESS_CODE = {"phi": 0, "gamma_phi": 1}


def helicity_amplitudes(
    process: str,
    p: NDArray,
    m_chi: float,
    m_Ap: float,
    w_Ap: float,
    coupling: float,
    gauge_check: bool = False,
) -> NDArray:
    """Helicity amplitudes, shape (n, 2**len(HELICITY_PARTICLES[process])), complex.

    ``coupling`` is C (times e for gamma_phi), the product of all vertex couplings; ``w_Ap`` the A'
    width in both propagators [GeV].
    """
    return _amplitudes(
        _PROCESS_CODE[process],
        np.ascontiguousarray(p, dtype=np.float64),
        m_chi,
        m_Ap,
        w_Ap,
        coupling,
        gauge_check,
    )


def matrix_element_squared(
    process: str, p: NDArray, m_chi: float, m_Ap: float, w_Ap: float, coupling: float, pol_em: float = 0.0
) -> NDArray:
    """Spin-summed, beam-spin-averaged |M|^2 (dimensionless for phi, GeV^-2 for gamma_phi), shape (n,),
    for an e- beam of longitudinal polarization ``pol_em`` in [-1, 1] (0: unpolarized)."""
    return matrix_element_squared_and_helicity(process, p, m_chi, m_Ap, w_Ap, coupling, pol_em, _NO_R)[0]


_NO_R = np.empty(0)


def matrix_element_squared_and_helicity(
    process: str,
    p: NDArray,
    m_chi: float,
    m_Ap: float,
    w_Ap: float,
    coupling: float,
    pol_em: float,
    r: NDArray,
) -> tuple[NDArray, NDArray]:
    """|M|^2 as :func:`matrix_element_squared`, and a helicity configuration code per event (bits as in
    :data:`HELICITY_PARTICLES`) drawn with the uniforms ``r`` (n,) in proportion to its weighted |M_h|^2."""
    return _msq(
        _PROCESS_CODE[process],
        np.ascontiguousarray(p, dtype=np.float64),
        m_chi,
        m_Ap,
        w_Ap,
        coupling,
        pol_em,
        np.ascontiguousarray(r, dtype=np.float64),
    )


def helicity_weights(process: str, pol_em: float) -> NDArray:
    """Weight of each helicity configuration in the spin average ((1 + h P)/2 for the e-, 1/2 for e+)."""
    nh = N_HELICITIES[process]
    h_em = np.where(np.arange(nh) & 1, -1.0, 1.0)
    return 0.25 * (1.0 + h_em * pol_em)


def helicities_from_codes(process: str, code: NDArray, n_particles: int) -> NDArray:
    """Per-particle helicities (n, n_particles) int8 from configuration codes (0 where not summed)."""
    hel = np.zeros((code.shape[0], n_particles), dtype=np.int8)
    for bit, particle in enumerate(HELICITY_PARTICLES[process]):
        hel[:, particle] = np.where((code >> bit) & 1, -1, 1)
    return hel
