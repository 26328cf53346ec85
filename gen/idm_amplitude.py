"""Matrix element of e- e+ -> h' chi1 chi2 (next_wave.md 2.2 and 2.4 item 3) with the three tree diagrams.

Particle order of a momentum array ``p`` (n, 5, 4) [GeV]: 0 e-(pa), 1 e+(pb), 2 h'(k), 3 chi1(q1), 4 chi2(q2).

The s-channel A'* couples to the conserved, massless electron current J^mu = vbar(pb) gamma^mu u(pa) with
eps_em e, so the k^mu k^nu part of its propagator drops out and

    M = (g_e / D(s)) J_mu A^mu(q1, q2, k),    D(s) = s - m_A'^2 + i m_A' Gamma_A',

where A^mu is the amplitude of A'*(P = pa + pb) -> chi1 chi2 h' with the polarization vector stripped:
:func:`darkstrahl.gen.idm_widths.ap_chi1chi2hp_msq` (one Majorana fermion flow from chi1 to chi2, Denner
et al. rules, unitary-gauge internal A'; next_wave.md 2.2):

    (a) Higgs-strahlung A'* -> h' A'(*), A'(*) -> chi1 chi2   (coupling g_hVV = 2 q_Phi g_D m_A' cos(theta))
    (b) A'* -> chi1 chi2*, chi2* -> chi2 h'                     (coupling  k)
    (c) A'* -> chi2 chi1*, chi1* -> chi1 h'                     (coupling -k)

Spin sum over the massless beams [DER]: sum_hel J^mu J^nu* = 4 [pa^mu pb^nu + pb^mu pa^nu - (pa.pb) g^mu nu]
= 2 s (e1^mu e1^nu + e2^mu e2^nu), with e1, e2 the two real unit space-like vectors orthogonal to pa and pb
(:func:`beam_polarizations`; in the centre-of-mass frame the x and y axes). Hence the beam-averaged

    <|M|^2> = (1/4) g_e^2 / |D(s)|^2 x 2 s x sum_{a=1,2} T(e_a),

T(e) = sum over chi spins |e_mu A^mu|^2 = ``ap_chi1chi2hp_msq(q1, q2, k, e)``.

Two implementations of the same |M|^2:

* Method 1, the generator's (:func:`ee_hp_chi1chi2_msq`): helicity amplitudes compiled with numba from the
  HELAS routines of :mod:`darkstrahl.gen.helas`, with one Majorana fermion flow from chi1 (v(q1),
  ``ixxxxx(.., -1)``) to chi2 (ubar(q2), ``oxxxxx(.., +1)``) and J from ``ffv_current``:

      M = g_e g_chi / D(s) [ g_hVV/D(Q^2) ubar2 gamma.(J - Q (Q.J)/m_A'^2) v1             (a)
                             + k  fso(ubar2, q2 + k, m2) Jslash v1                        (b)
                             - k  ubar2 Jslash fsi(v1, -(q1 + k), m1) ],                 (c)

  summed over the two non-vanishing beam helicity pairs and the four chi helicities, times 1/4;
* Method 2 (:func:`ee_hp_chi1chi2_msq_trace`): the beam tensor times the Dirac trace above.

Tests (tests/test_idm_process.py): the two methods agree to 1e-10; Lorentz invariance; the explicit helicity
sum with HELAS electron currents; diagram (a) against the closed tensor contraction and the spec's closed
form.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

from .helas import breit_wigner, ffv_current, fsi, fso, ixxxxx, mdot, oxxxxx
from .idm_widths import _mdot, ap_chi1chi2hp_msq

FloatArray = NDArray[np.float64]

#: Diagram selections of the card switch ``process.higgsstrahlung_only`` (next_wave.md 2.4 item 3).
DIAGRAMS = {"all": "abc", "higgsstrahlung": "a"}


def beam_polarizations(pa: FloatArray, pb: FloatArray) -> FloatArray:
    """(n, 2, 4) real contravariant vectors e1, e2 with e.e = -1, e1.e2 = 0 and e.pa = e.pb = 0 for
    massless beam momenta pa, pb (n, 4): the x and y axes projected out of span(pa, pb) by Gram-Schmidt
    with the Minkowski metric (the y axis is used when the beams lie along x)."""
    P, D = pa + pb, pa - pb
    s = _mdot(P, P)
    out = np.zeros((pa.shape[0], 2, 4))
    axes = np.eye(4)[1:]
    found = np.zeros(pa.shape[0], dtype=np.int64)
    for axis in axes:
        a = np.broadcast_to(axis, pa.shape)
        v = a - (_mdot(a, P) / s)[:, None] * P + (_mdot(a, D) / s)[:, None] * D
        for j in range(2):
            take = found > j
            v = v - np.where(take[:, None], -(_mdot(v, out[:, j]))[:, None] * out[:, j], 0.0)
        norm2 = -_mdot(v, v)
        ok = (norm2 > 1e-12) & (found < 2)
        idx = np.nonzero(ok)[0]
        out[idx, found[idx]] = v[idx] / np.sqrt(norm2[idx])[:, None]
        found[idx] += 1
    return out


def ee_hp_chi1chi2_msq_trace(
    p: FloatArray,
    *,
    m_Ap: float,
    m1: float,
    m2: float,
    g_e: float,
    g_chi: float,
    g_hVV: float,
    k_hp: float,
    gamma_Ap: float,
    diagrams: str = "abc",
) -> FloatArray:
    """:func:`ee_hp_chi1chi2_msq` by the beam tensor and the Dirac trace of
    :func:`darkstrahl.gen.idm_widths.ap_chi1chi2hp_msq` (module docstring, "Method 2"): the independent
    reference of the helicity amplitudes (numpy, ~20x slower)."""
    if not diagrams or set(diagrams) - set("abc"):
        raise ParameterError("diagrams", "must be a non-empty subset of 'abc'", diagrams)
    p = np.asarray(p, dtype=np.float64)
    pa, pb, k, q1, q2 = (p[:, j] for j in range(5))
    s = _mdot(pa + pb, pa + pb)
    pol = beam_polarizations(pa, pb)
    total = np.zeros(p.shape[0])
    for a in range(2):
        total += ap_chi1chi2hp_msq(
            q1,
            q2,
            k,
            pol[:, a],
            m_Ap=m_Ap,
            m1=m1,
            m2=m2,
            g_chi=g_chi,
            g_hVV=g_hVV,
            k_hp=k_hp,
            gamma_Ap=gamma_Ap,
            diagrams=diagrams,
        )
    prop2 = (s - m_Ap**2) ** 2 + (m_Ap * gamma_Ap) ** 2
    return 0.25 * g_e**2 * 2.0 * s * total / prop2


@nb.njit(cache=True)
def _msq_kernel(
    p: FloatArray,
    m_Ap: float,
    m1: float,
    m2: float,
    w_Ap: float,
    g_hVV: float,
    k_hp: float,
    use_a: bool,
    use_b: bool,
    use_c: bool,
) -> FloatArray:
    """Sum over helicities of |M / (g_e g_chi / D(s))|^2 per event (Method 1 of the module docstring)."""
    n = p.shape[0]
    out = np.zeros(n)
    for i in range(n):
        pa, pb, k, q1, q2 = p[i, 0], p[i, 1], p[i, 2], p[i, 3], p[i, 4]
        q = q1 + q2
        qsq = q[0] * q[0] - q[1] * q[1] - q[2] * q[2] - q[3] * q[3]
        prop_a = g_hVV / breit_wigner(qsq, m_Ap, w_Ap)
        s2 = q2 + k
        s1 = -(q1 + k)
        total = 0.0
        for ha in (1, -1):  # massless beams: only opposite helicities couple to the vector current
            u = ixxxxx(pa[0], pa[1], pa[2], pa[3], 0.0, ha, 1)
            vb = oxxxxx(pb[0], pb[1], pb[2], pb[3], 0.0, -ha, -1)
            j0, j1, j2, j3 = ffv_current(vb[0], vb[1], vb[2], vb[3], u[0], u[1], u[2], u[3])
            qj = (q[0] * j0 - q[1] * j1 - q[2] * j2 - q[3] * j3) / (m_Ap * m_Ap)
            t0, t1, t2, t3 = j0 - q[0] * qj, j1 - q[1] * qj, j2 - q[2] * qj, j3 - q[3] * qj
            for h1 in (1, -1):
                v1 = ixxxxx(q1[0], q1[1], q1[2], q1[3], m1, h1, -1)
                g = fsi(v1[0], v1[1], v1[2], v1[3], s1[0], s1[1], s1[2], s1[3], m1)
                for h2 in (1, -1):
                    ub = oxxxxx(q2[0], q2[1], q2[2], q2[3], m2, h2, 1)
                    amp = 0j
                    if use_a:
                        c = ffv_current(ub[0], ub[1], ub[2], ub[3], v1[0], v1[1], v1[2], v1[3])
                        amp += prop_a * mdot(c[0], c[1], c[2], c[3], t0, t1, t2, t3)
                    if use_b:
                        f = fso(ub[0], ub[1], ub[2], ub[3], s2[0], s2[1], s2[2], s2[3], m2)
                        c = ffv_current(f[0], f[1], f[2], f[3], v1[0], v1[1], v1[2], v1[3])
                        amp += k_hp * mdot(c[0], c[1], c[2], c[3], j0, j1, j2, j3)
                    if use_c:
                        c = ffv_current(ub[0], ub[1], ub[2], ub[3], g[0], g[1], g[2], g[3])
                        amp -= k_hp * mdot(c[0], c[1], c[2], c[3], j0, j1, j2, j3)
                    total += amp.real * amp.real + amp.imag * amp.imag
        out[i] = total
    return out


def ee_hp_chi1chi2_msq(
    p: FloatArray,
    *,
    m_Ap: float,
    m1: float,
    m2: float,
    g_e: float,
    g_chi: float,
    g_hVV: float,
    k_hp: float,
    gamma_Ap: float,
    diagrams: str = "abc",
) -> FloatArray:
    """Beam-spin-averaged, final-spin-summed |M|^2 (dimensionless), shape (n,), of e- e+ -> h' chi1 chi2 at
    momenta ``p`` (n, 5, 4) [GeV] by helicity amplitudes (module docstring, Method 1). Couplings as in
    :class:`~darkstrahl.gen.idm_model.IdmModel`: g_e = eps_em e, g_chi = q_chi g_D, g_hVV [GeV], k_hp; masses
    and width in GeV; ``diagrams`` a subset of "abc"."""
    if not diagrams or set(diagrams) - set("abc"):
        raise ParameterError("diagrams", "must be a non-empty subset of 'abc'", diagrams)
    p = np.ascontiguousarray(p, dtype=np.float64)
    hel = _msq_kernel(
        p, m_Ap, m1, m2, gamma_Ap, g_hVV, k_hp, "a" in diagrams, "b" in diagrams, "c" in diagrams
    )
    s = _mdot(p[:, 0] + p[:, 1], p[:, 0] + p[:, 1])
    prop2 = (s - m_Ap**2) ** 2 + (m_Ap * gamma_Ap) ** 2
    return 0.25 * (g_e * g_chi) ** 2 * hel / prop2
