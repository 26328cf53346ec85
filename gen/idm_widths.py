"""Widths, lifetimes and the Higgs-strahlung cross section of the dark Higgs + inelastic DM model
(next_wave.md 2.2; model conventions in :mod:`darkstrahl.gen.idm_model`).

All widths in GeV, decay lengths in mm, cross sections in fb.

A' (next_wave.md 2.2, 2.4 item 2):
    A' -> chi1 chi2 in closed form for general masses; A' -> SM = eps_em^2 x the unit-coupling
    widths of :func:`darkstrahl.gen.widths.ap_sm_width_eps1` (leptons closed form, hadrons DarkCast);
    the three-body A' -> chi1 chi2 h' from a Dalitz integral of the exact tree-level |M|^2 of
    its three diagrams (see :func:`ap_chi1chi2hp_msq`). A' -> chi_i chi_i vanishes (Majorana).
chi2 (next_wave.md 2.2):
    chi2 -> chi1 f fbar through an off-shell (or, for general points, on-shell) A' by the exact q^2
    integral of :func:`chi2_dgamma_dq2`; independently, for leptons, by a Dalitz integral of the
    spin-summed |M|^2 (:func:`chi2_width_dalitz`); and the small-splitting limit.
h' (next_wave.md 2.2 "h' decays"):
    sin^2(theta) x the unit-mixing scalar widths of :func:`darkstrahl.gen.widths.phi_sm_widths_sin1`,
    plus the dark channels h' -> A'(*) A'(*) (:func:`darkstrahl.gen.widths.scalar_to_offshell_vector_pair`)
    and h' -> chi_i chi_i, which vanish (up to eps^4) in the seed hierarchy m_h' < m_chi1.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from darkstrahl.errors import ParameterError

from .constants import ALPHA, GEV2_TO_FB, LEPTON_MASSES, width_to_ctau_mm
from .crosssections import sigma_ee_to_vh_GeV2
from .idm_model import IdmModel
from .width_tables import darkcast_hadron_width_eps1
from .widths import (
    PhiWidths,
    ap_sm_width_eps1,
    kallen_open,
    phi_sm_widths_sin1,
    scalar_to_offshell_vector_pair,
)

FloatArray = NDArray[np.float64]

#: chi2 -> chi1 X channels (the A' SM channels of :func:`ap_sm_width_eps1`).
CHI2_CHANNELS: tuple[str, ...] = ("ee", "mumu", "tautau", "hadrons")
_LEPTON_OF = {"ee": "e", "mumu": "mu", "tautau": "tau"}

# Dirac matrices (chiral basis, as gen/helas.py), gamma^mu with an upper index, shape (4, 4, 4).
_S = (
    np.array([[0, 1], [1, 0]], dtype=np.complex128),
    np.array([[0, -1j], [1j, 0]], dtype=np.complex128),
    np.array([[1, 0], [0, -1]], dtype=np.complex128),
)
_Z2, _I2 = np.zeros((2, 2), dtype=np.complex128), np.eye(2, dtype=np.complex128)
_GAMMA = np.array([np.block([[_Z2, _I2], [_I2, _Z2]])] + [np.block([[_Z2, s], [-s, _Z2]]) for s in _S])
_METRIC = np.array([1.0, -1.0, -1.0, -1.0])
_ID4 = np.eye(4, dtype=np.complex128)


# ---------------------------------------------------------------------------------- helpers
def _slash(a: ArrayLike) -> NDArray[np.complex128]:
    """a_mu gamma^mu for contravariant vectors a of shape (n, 4) -> (n, 4, 4)."""
    return np.einsum("nm,mij->nij", np.asarray(a) * _METRIC, _GAMMA)


def _mdot(a: ArrayLike, b: ArrayLike) -> NDArray[Any]:
    """Minkowski product over the last axis (no complex conjugation)."""
    return np.einsum("...m,m,...m->...", a, _METRIC, b)


@functools.cache
def _leggauss(n: int) -> tuple[FloatArray, FloatArray]:
    """Gauss-Legendre nodes and weights on [-1, 1] (cached; read-only)."""
    x, w = np.polynomial.legendre.leggauss(n)
    x.flags.writeable = False
    w.flags.writeable = False
    return x, w


def _cos_gl(lo: ArrayLike, hi: ArrayLike, n: int) -> tuple[FloatArray, FloatArray]:
    """Nodes and weights for int_lo^hi dx with x = lo + (hi - lo)(1 - cos(pi u))/2, Gauss-Legendre in u:
    square-root and (hi - x)^{3/2} end-point behaviour become analytic in u. ``lo``, ``hi`` may be arrays
    of pieces (the result then has one row per piece)."""
    u, w = _leggauss(n)
    u = 0.5 * (u + 1.0)
    lo, hi = np.asarray(lo, dtype=np.float64)[..., None], np.asarray(hi, dtype=np.float64)[..., None]
    x = lo + (hi - lo) * 0.5 * (1.0 - np.cos(math.pi * u))
    return x, 0.5 * w * (hi - lo) * 0.5 * math.pi * np.sin(math.pi * u)


def _q2_nodes(
    lo: float, hi: float, m_V: float, gamma_V: float, breaks: ArrayLike = (), n: int = 24
) -> tuple[FloatArray, FloatArray]:
    """Nodes and weights [GeV^2] for int_lo^hi f(q^2) dq^2 of a spectral integrand (composite
    Gauss-Legendre, ``n`` nodes per piece, vectorized evaluation by the caller).

    Pieces: edges at lo + (hi - lo) x {1e-6, 1e-4, 1e-2} (the threshold scale, e.g. 4 m_e^2, lies far below
    hi), at ``breaks`` (kinks of a tabulated integrand) and, if the pole m_V^2 lies inside (an on-shell A'),
    at m_V^2 +- 10^j m_V gamma_V (j >= 3). Each piece is cosine-mapped (:func:`_cos_gl`), except inside the
    window |q^2 - m_V^2| < 1e3 m_V gamma_V, which is mapped to u = arctan((q^2 - m_V^2)/(m_V gamma_V)),
    where f |D|^2 is smooth.
    """
    span = hi - lo
    edges = [lo, hi, *(lo + span * np.array([1e-6, 1e-4, 1e-2]))]
    edges += [float(x) for x in np.asarray(breaks, dtype=np.float64).ravel() if lo < x < hi]
    m2, mg = m_V * m_V, m_V * gamma_V
    pole = lo < m2 < hi and mg > 0.0
    if pole:
        j = 3
        while m2 - 10.0**j * mg > lo or m2 + 10.0**j * mg < hi:
            edges += [m2 - 10.0**j * mg, m2 + 10.0**j * mg]
            j += 1
    edges = np.unique(np.clip(edges, lo, hi))
    a, b = edges[:-1], edges[1:]
    window = (a >= m2 - 1.0001e3 * mg) & (b <= m2 + 1.0001e3 * mg) if pole else np.zeros(a.shape, bool)
    x, w = _cos_gl(a[~window], b[~window], n)
    xs, ws = [x.ravel()], [w.ravel()]
    if np.any(window):
        u, wu = _leggauss(n)
        ua, ub = np.arctan((a[window] - m2) / mg)[:, None], np.arctan((b[window] - m2) / mg)[:, None]
        uu = 0.5 * (ua + ub) + 0.5 * (ub - ua) * u
        xs.append((m2 + mg * np.tan(uu)).ravel())
        ws.append((0.5 * (ub - ua) * wu * mg / np.cos(uu) ** 2).ravel())
    return np.concatenate(xs), np.concatenate(ws)


# ---------------------------------------------------------------------------------- A' widths
def ap_to_chi1chi2(m_Ap: ArrayLike, m1: float, m2: float, g_chi: float) -> FloatArray:
    """Gamma(A' -> chi1 chi2) [GeV] for a vector coupling g_chi between Majorana chi1, chi2 of masses
    m1, m2 [GeV], vectorized over the A' mass ``m_Ap`` [GeV] (next_wave.md 2.2):

        Gamma = (g_chi^2 m_A' / (12 pi)) lam^{1/2}(1, x1, x2) [1 - (x1+x2)/2 - (x1-x2)^2/2 + 3 sqrt(x1 x2)],
        x_i = m_i^2/m_A'^2;  zero below m1 + m2.

    For m1 = m2 it is the Dirac width g_chi^2 m/(12 pi)(1 + 2x) sqrt(1 - 4x) (physics.md 1; tested).
    """
    m = np.asarray(m_Ap, dtype=np.float64)
    x1, x2 = np.square(m1 / m), np.square(m2 / m)
    lam = kallen_open(1.0, x1, x2)
    bracket = 1.0 - 0.5 * (x1 + x2) - 0.5 * np.square(x1 - x2) + 3.0 * np.sqrt(x1 * x2)
    return np.where(m > m1 + m2, g_chi**2 * m / (12.0 * math.pi) * np.sqrt(lam) * bracket, 0.0)


def idm_ap_two_body_width(model: IdmModel, m: ArrayLike) -> FloatArray:
    """Two-body width [GeV] of an A' of mass ``m`` [GeV] with the couplings of ``model``
    (chi1 chi2 plus eps_em^2 x SM); the running width of A' spectral functions."""
    sm = ap_sm_width_eps1(m)
    return ap_to_chi1chi2(m, model.m_chi1, model.m_chi2, model.g_chi) + model.eps_em**2 * sum(sm.values())


def ap_chi1chi2hp_msq(
    p1: ArrayLike,
    p2: ArrayLike,
    k: ArrayLike,
    pol: ArrayLike,
    *,
    m_Ap: float,
    m1: float,
    m2: float,
    g_chi: float,
    g_hVV: float,
    k_hp: float,
    gamma_Ap: float,
    diagrams: str = "abc",
) -> FloatArray:
    """Spin-summed |M|^2 (chi1, chi2 spins) of A'(P, pol) -> chi1(p1) chi2(p2) h'(k), P = p1 + p2 + k,
    for given A' polarization vectors ``pol`` (contravariant, shape (n, 4)); momenta (n, 4) in GeV.

    Tree-level amplitude in unitary gauge with the Majorana fermion-flow rules of the Lagrangian in
    :mod:`darkstrahl.gen.idm_model` (one continuous flow from chi1 to chi2; next_wave.md 2.2 lists the
    same three topologies for e+e- -> h' chi1 chi2; [DER] here):

        M = -g_chi ubar(p2) Gamma v(p1),
        Gamma = g_hVV gamma.(pol - q (q.pol)/m_A'^2) / D(q^2)                        (a) A' -> h' A'*
              + k (p2slash + kslash + m2) polslash / ((p2 + k)^2 - m2^2)               (b) chi2* -> chi2 h'
              - k polslash (-p1slash - kslash + m1) / ((p1 + k)^2 - m1^2)             (c) chi1* -> chi1 h'
        q = p1 + p2,  D(q^2) = q^2 - m_A'^2 + i m_A' gamma_Ap,
        sum |M|^2 = g_chi^2 Tr[(p2slash + m2) Gamma (p1slash - m1) gamma^0 Gamma^dagger gamma^0].

    ``diagrams`` selects a subset ("a", "bc", ...) for diagnostics. The relative signs are fixed by the
    gauge cancellation tested in tests/test_idm_widths.py: for a longitudinal A' in the crossed process
    chi1 h' -> chi2 A' the sum stays bounded at high energy while each diagram alone grows like s.
    """
    p1, p2, k = (np.atleast_2d(np.asarray(x, dtype=np.float64)) for x in (p1, p2, k))
    pol = np.atleast_2d(np.asarray(pol, dtype=np.complex128))
    q = p1 + p2
    n = np.broadcast_shapes(p1.shape, p2.shape, k.shape, pol.shape)[0]
    gam = np.zeros((n, 4, 4), dtype=np.complex128)
    if "a" in diagrams:
        qsq = _mdot(q, q)
        pol_t = pol - q * (_mdot(q, pol) / m_Ap**2)[:, None]
        gam += (g_hVV / (qsq - m_Ap**2 + 1j * m_Ap * gamma_Ap))[:, None, None] * _slash(pol_t)
    if "b" in diagrams:
        s2 = p2 + k
        den = _mdot(s2, s2) - m2 * m2
        gam += (k_hp / den)[:, None, None] * ((_slash(s2) + m2 * _ID4) @ _slash(pol))
    if "c" in diagrams:
        s1 = p1 + k
        den = _mdot(s1, s1) - m1 * m1
        gam -= (k_hp / den)[:, None, None] * (_slash(pol) @ (m1 * _ID4 - _slash(s1)))
    gam_bar = _GAMMA[0] @ np.conj(np.swapaxes(gam, 1, 2)) @ _GAMMA[0]
    prod = (_slash(p2) + m2 * _ID4) @ gam @ (_slash(p1) - m1 * _ID4) @ gam_bar
    return g_chi**2 * np.trace(prod, axis1=1, axis2=2).real


def ap_three_body_width_idm(
    m_Ap: float,
    m1: float,
    m2: float,
    m_hp: float,
    g_chi: float,
    g_hVV: float,
    k_hp: float,
    gamma_Ap: float,
    *,
    n_nodes: int = 24,
) -> float:
    """Gamma(A' -> chi1 chi2 h') [GeV] (next_wave.md 2.4 item 2) by a Dalitz integral of
    :func:`ap_chi1chi2hp_msq`, averaged over the 3 A' polarizations:

        Gamma = 1/(256 pi^3 m_A'^3) int dq^2 ds_2 (1/3) sum_pol sum|M|^2,   q^2 = (p1+p2)^2, s_2 = (p2+k)^2.

    Momenta are built in the A' rest frame, where the three linear polarizations e_x, e_y, e_z sum to
    -g + PP/m_A'^2. The q^2 nodes are cosine-mapped Gauss-Legendre (``n_nodes``), the s_2 nodes plain
    Gauss-Legendre (``n_nodes``/2; the integrand is smooth in s_2). In the Dirac limit (m1 = m2, k = 0) only
    diagram (a) is left and this equals :func:`darkstrahl.gen.widths.ap_three_body_width` (reference.md
    2.3; tested). Zero below threshold m1 + m2 + m_h' >= m_A'.
    """
    M = m_Ap
    if m1 + m2 + m_hp >= M:
        return 0.0
    qsq, wq = _cos_gl((m1 + m2) ** 2, (M - m_hp) ** 2, n_nodes)
    # s2 = (p2 + k)^2 limits at fixed q^2 = m12^2 (PDG kinematics, frame of the (12) system)
    q = np.sqrt(qsq)
    e2 = (qsq - m1 * m1 + m2 * m2) / (2.0 * q)
    ek = (M * M - qsq - m_hp * m_hp) / (2.0 * q)
    pp2 = np.sqrt(np.clip(e2 * e2 - m2 * m2, 0.0, None))
    ppk = np.sqrt(np.clip(ek * ek - m_hp * m_hp, 0.0, None))
    s_lo, s_hi = (e2 + ek) ** 2 - (pp2 + ppk) ** 2, (e2 + ek) ** 2 - (pp2 - ppk) ** 2
    u, w = _leggauss(max(n_nodes // 2, 4))
    s2 = 0.5 * (s_lo + s_hi)[:, None] + 0.5 * (s_hi - s_lo)[:, None] * u
    weight = (wq * 0.5 * (s_hi - s_lo))[:, None] * w
    qsq = np.broadcast_to(qsq[:, None], s2.shape).ravel()
    s2, weight = s2.ravel(), weight.ravel()
    # A' rest frame: h' along +z, chi1 in the x-z plane, chi2 = P - p1 - k
    s1 = M * M + m1 * m1 + m2 * m2 + m_hp * m_hp - qsq - s2
    e_k = (M * M + m_hp * m_hp - qsq) / (2.0 * M)
    e_1 = (M * M + m1 * m1 - s2) / (2.0 * M)
    pk = np.sqrt(np.clip(e_k * e_k - m_hp * m_hp, 0.0, None))
    pa = np.sqrt(np.clip(e_1 * e_1 - m1 * m1, 0.0, None))
    cos1 = np.clip((m1 * m1 + m_hp * m_hp + 2.0 * e_1 * e_k - s1) / (2.0 * pa * pk), -1.0, 1.0)
    sin1 = np.sqrt(1.0 - cos1 * cos1)
    zero = np.zeros_like(pk)
    k = np.stack([e_k, zero, zero, pk], axis=1)
    p1 = np.stack([e_1, pa * sin1, zero, pa * cos1], axis=1)
    p2 = np.stack([np.full_like(pk, M), zero, zero, zero], axis=1) - p1 - k
    total = np.zeros_like(pk)
    for axis in (1, 2, 3):
        pol = np.zeros((pk.size, 4))
        pol[:, axis] = 1.0
        total += ap_chi1chi2hp_msq(
            p1,
            p2,
            k,
            pol,
            m_Ap=M,
            m1=m1,
            m2=m2,
            g_chi=g_chi,
            g_hVV=g_hVV,
            k_hp=k_hp,
            gamma_Ap=gamma_Ap,
        )
    return float(np.sum(weight * total) / 3.0 / (256.0 * math.pi**3 * M**3))


@dataclass(frozen=True)
class IdmApWidths:
    """Partial widths of the A' [GeV] for one iDM point (next_wave.md 2.2)."""

    chi1chi2: float
    ee: float
    mumu: float
    tautau: float
    hadrons: float
    chi1chi2hp: float

    @property
    def sm(self) -> float:
        """Width into SM states (leptons + hadrons) [GeV]."""
        return self.ee + self.mumu + self.tautau + self.hadrons

    @property
    def total(self) -> float:
        """Total width [GeV] (the Gamma_A' of every A' propagator)."""
        return self.chi1chi2 + self.chi1chi2hp + self.sm

    def br(self, channel: str) -> float:
        """Branching fraction of ``channel`` (a field name, or 'sm')."""
        return float(getattr(self, channel)) / self.total


@functools.lru_cache(maxsize=4096)
def idm_ap_widths(model: IdmModel) -> IdmApWidths:
    """All A' partial widths of ``model`` [GeV] (next_wave.md 2.2, 2.4 item 2).

    The three-body width depends on the total width through its internal A' propagator; it is iterated
    to self-consistency (relative change < 1e-12 of the total; a few iterations, since it can reach
    O(10 %) of the total at large alpha_D, where a single update as in :func:`darkstrahl.gen.widths.ap_widths`
    leaves a 1e-3 inconsistency).
    """
    sm = {key: float(v[0]) * model.eps_em**2 for key, v in ap_sm_width_eps1(model.m_Ap).items()}
    two = float(ap_to_chi1chi2(model.m_Ap, model.m_chi1, model.m_chi2, model.g_chi))
    args = (model.m_Ap, model.m_chi1, model.m_chi2, model.m_hp, model.g_chi, model.g_hVV, model.k_hp)
    total = two + sum(sm.values())
    three = 0.0
    for _ in range(50):
        previous, three = three, ap_three_body_width_idm(*args, total + three)
        if abs(three - previous) <= 1e-12 * (total + three):
            break
    return IdmApWidths(chi1chi2=two, chi1chi2hp=three, **sm)


# ---------------------------------------------------------------------------------- chi2 widths
def chi2_to_chi1_vector_width(m2: float, m1: float, qsq: ArrayLike, g_chi: float) -> FloatArray:
    """Gamma(chi2 -> chi1 V(q^2)) [GeV] for a vector V of mass^2 ``qsq`` [GeV^2] coupled by g_chi,
    summed over the 3 V polarizations (next_wave.md 2.2):

        g_chi^2 |p| [(m2 - m1)^2 - q^2] [(m1 + m2)^2 + 2 q^2] / (8 pi m2^2 q^2),
        |p| = lam^{1/2}(m2^2, m1^2, q^2)/(2 m2);  zero for q >= m2 - m1.
    """
    qsq = np.asarray(qsq, dtype=np.float64)
    p = np.sqrt(kallen_open(m2 * m2, m1 * m1, qsq)) / (2.0 * m2)
    closed = np.clip((m2 - m1) ** 2 - qsq, 0.0, None)
    return g_chi**2 * p * closed * ((m1 + m2) ** 2 + 2.0 * qsq) / (8.0 * math.pi * m2 * m2 * qsq)


def vector_qwidth_sm(model: IdmModel, qsq: ArrayLike, channel: str) -> FloatArray:
    """q Gamma(V(q) -> channel) [GeV^2] of a vector of mass q = sqrt(qsq) coupled like the A'
    (eps_em e to the EM current; next_wave.md 2.2): leptons (eps^2 alpha/3) q^2 (1 + 2 m_l^2/q^2) beta,
    hadrons R(q) [q Gamma(V -> mu mu)] with the DarkCast width (via :func:`ap_sm_width_eps1`)."""
    if channel not in CHI2_CHANNELS:
        raise ParameterError("channel", f"must be one of {list(CHI2_CHANNELS)}", channel)
    qsq = np.asarray(qsq, dtype=np.float64)
    q = np.sqrt(qsq)
    return model.eps_em**2 * q * ap_sm_width_eps1(q.ravel())[channel].reshape(q.shape)


def _chi2_q2_range(model: IdmModel, channel: str) -> tuple[float, float]:
    """(lowest, highest) q^2 [GeV^2] of chi2 -> chi1 + channel."""
    if channel in _LEPTON_OF:
        q_lo = 2.0 * LEPTON_MASSES[_LEPTON_OF[channel]]
    elif channel == "hadrons":
        q_lo = darkcast_hadron_width_eps1().m_range[0]
    else:
        raise ParameterError("channel", f"must be one of {list(CHI2_CHANNELS)}", channel)
    return q_lo**2, model.delta_m**2


def chi2_dgamma_dq2(model: IdmModel, qsq: ArrayLike, channel: str = "ee") -> FloatArray:
    """dGamma(chi2 -> chi1 + channel)/dq^2 [GeV^-1] at the pair mass^2 ``qsq`` [GeV^2] (next_wave.md 2.2):

        Gamma(chi2 -> chi1 V(q^2)) q Gamma(V(q) -> channel) / (pi [(q^2 - m_A'^2)^2 + m_A'^2 Gamma_A'^2]),

    exact at tree level for leptons (the k^mu k^nu propagator terms drop out of the conserved lepton
    current); hadrons through R(q). Zero outside the kinematic range (2 m_f)^2 < q^2 < Delta m^2.
    This is the density the generator samples for the chi2 decay.
    """
    qsq = np.asarray(qsq, dtype=np.float64)
    lo, hi = _chi2_q2_range(model, channel)
    inside = (qsq > lo) & (qsq < hi)
    qs = np.where(inside, qsq, 0.5 * (lo + hi))
    m, gam = model.m_Ap, idm_ap_widths(model).total
    val = (
        chi2_to_chi1_vector_width(model.m_chi2, model.m_chi1, qs, model.g_chi)
        * vector_qwidth_sm(model, qs, channel)
        / (math.pi * ((qs - m * m) ** 2 + (m * gam) ** 2))
    )
    return np.where(inside, val, 0.0)


def chi2_partial_width(model: IdmModel, channel: str = "ee") -> float:
    """Gamma(chi2 -> chi1 + channel) [GeV] by the q^2 integral of :func:`chi2_dgamma_dq2`
    (next_wave.md 2.2), composite Gauss-Legendre (:func:`_q2_nodes`; agrees with the Dalitz method to
    1e-12); hadrons are split at the DarkCast table nodes; an on-shell A' (Delta m > m_A', general
    points) is integrated through its Breit-Wigner."""
    lo, hi = _chi2_q2_range(model, channel)
    if hi <= lo:
        return 0.0
    breaks = np.square(darkcast_hadron_width_eps1().m) if channel == "hadrons" else ()
    x, w = _q2_nodes(lo, hi, model.m_Ap, idm_ap_widths(model).total, breaks)
    return float(np.sum(w * chi2_dgamma_dq2(model, x, channel)))


def chi2_width_small_splitting(model: IdmModel) -> float:
    """Gamma(chi2 -> chi1 e+ e-) [GeV] in the limit Delta m << m_chi1, m_A' and m_e -> 0
    (next_wave.md 2.2; FORESEE / arXiv:1810.01879 Eq. 13):

        4 eps_em^2 alpha alpha_chi (Delta m)^5 / (15 pi m_A'^4).
    """
    return (
        4.0 * model.eps_em**2 * ALPHA * model.alpha_chi * model.delta_m**5 / (15.0 * math.pi * model.m_Ap**4)
    )


def chi2_to_chi1_ll_msq(
    s: ArrayLike,
    t: ArrayLike,
    *,
    m1: float,
    m2: float,
    m_l: float,
    m_Ap: float,
    gamma_Ap: float,
    g_chi: float,
    g_e: float,
) -> FloatArray:
    """Spin-summed (not averaged) |M|^2 of chi2(p2) -> chi1(p1) l-(a) l+(b) through the A' [dimensionless],
    in the invariants s = (a + b)^2 and t = (p1 + a)^2 [GeV^2] ([DER], next_wave.md 2.4 item 4):

        M = g_chi g_e [ubar(p1) gamma^mu u(p2)] [ubar(a) gamma_mu v(b)] / D(s)   (k^mu k^nu terms vanish
        on the conserved lepton current),
        sum|M|^2 = g_chi^2 g_e^2 / |D(s)|^2  Tr[(p1slash + m1) gamma^mu (p2slash + m2) gamma^nu]
                                              Tr[(aslash + m_l) gamma_mu (bslash - m_l) gamma_nu]
                 = 32 g_chi^2 g_e^2 / |D(s)|^2 [(p1.a)(p2.b) + (p1.b)(p2.a) + m_l^2 (p1.p2)
                                                 - m1 m2 (a.b) - 2 m1 m2 m_l^2],

    D(s) = s - m_A'^2 + i m_A' gamma_Ap. The +m1 m2 of the chi trace is the vector coupling between two
    positive-mass Majorana states (idm_model). The contraction is checked against explicit Dirac
    matrices in tests/test_idm_widths.py.
    """
    s, t = np.asarray(s, dtype=np.float64), np.asarray(t, dtype=np.float64)
    ml2 = m_l * m_l
    u = m2 * m2 + m1 * m1 + 2.0 * ml2 - s - t
    p1a = 0.5 * (t - m1 * m1 - ml2)
    p1b = 0.5 * (u - m1 * m1 - ml2)
    p2a = 0.5 * (m2 * m2 + ml2 - u)
    p2b = 0.5 * (m2 * m2 + ml2 - t)
    p1p2 = 0.5 * (m2 * m2 + m1 * m1 - s)
    ab = 0.5 * (s - 2.0 * ml2)
    trace = 32.0 * (p1a * p2b + p1b * p2a + ml2 * p1p2 - m1 * m2 * ab - 2.0 * m1 * m2 * ml2)
    return g_chi**2 * g_e**2 * trace / ((s - m_Ap**2) ** 2 + (m_Ap * gamma_Ap) ** 2)


def chi2_width_dalitz(model: IdmModel, lepton: str = "e", *, n_nodes: int = 48) -> float:
    """Gamma(chi2 -> chi1 l+ l-) [GeV] by a 2-D Dalitz integral of :func:`chi2_to_chi1_ll_msq`,
    the second, independent method of next_wave.md 2.4 item 2:

        Gamma = 1/(256 pi^3 m2^3) int ds dt (1/2) sum|M|^2.

    s runs over the composite Gauss-Legendre nodes of :func:`_q2_nodes` (``n_nodes`` per piece), t over its
    Dalitz range at fixed s with 4-point Gauss-Legendre (|M|^2 is quadratic in t at fixed s: exact).
    Only for an off-shell A' (Delta m < m_A'); ParameterError otherwise.
    """
    if lepton not in LEPTON_MASSES:
        raise ParameterError("lepton", f"must be one of {sorted(LEPTON_MASSES)}", lepton)
    m1, m2, ml = model.m_chi1, model.m_chi2, LEPTON_MASSES[lepton]
    if model.delta_m >= model.m_Ap:
        raise ParameterError(
            "delta_m", "the Dalitz method needs an off-shell A' (delta_m < m_Ap)", model.delta_m
        )
    lo, hi = 4.0 * ml * ml, model.delta_m**2
    if hi <= lo:
        return 0.0
    gamma_Ap = idm_ap_widths(model).total
    s, ws = _q2_nodes(lo, hi, model.m_Ap, gamma_Ap, n=n_nodes)
    # t = (p1 + a)^2 limits at fixed s (frame of the lepton pair)
    rs = np.sqrt(s)
    ea = 0.5 * rs
    e1 = (m2 * m2 - s - m1 * m1) / (2.0 * rs)
    pa = np.sqrt(np.clip(ea * ea - ml * ml, 0.0, None))
    p1 = np.sqrt(np.clip(e1 * e1 - m1 * m1, 0.0, None))
    t_lo, t_hi = (ea + e1) ** 2 - (pa + p1) ** 2, (ea + e1) ** 2 - (pa - p1) ** 2
    u, w = _leggauss(4)
    t = 0.5 * (t_lo + t_hi)[:, None] + 0.5 * (t_hi - t_lo)[:, None] * u
    msq = chi2_to_chi1_ll_msq(
        s[:, None],
        t,
        m1=m1,
        m2=m2,
        m_l=ml,
        m_Ap=model.m_Ap,
        gamma_Ap=gamma_Ap,
        g_chi=model.g_chi,
        g_e=model.g_e,
    )
    inner = 0.5 * (t_hi - t_lo) * np.sum(w * msq, axis=1)
    return float(np.sum(ws * inner) * 0.5 / (256.0 * math.pi**3 * m2**3))


@dataclass(frozen=True)
class IdmChi2Widths:
    """Partial widths of chi2 -> chi1 X [GeV] (next_wave.md 2.2). chi2 -> chi1 gamma (loop) and
    chi2 -> chi1 nu nubar (Z mixing) are neglected, as in the spec; there is no chi2 -> chi1 h'."""

    ee: float
    mumu: float
    tautau: float
    hadrons: float

    @property
    def total(self) -> float:
        """Total width [GeV]."""
        return self.ee + self.mumu + self.tautau + self.hadrons

    @property
    def leptons(self) -> float:
        """Width into charged-lepton pairs [GeV]."""
        return self.ee + self.mumu + self.tautau

    @property
    def ctau_mm(self) -> float:
        """Proper decay length c tau = hbar c / Gamma [mm]."""
        return width_to_ctau_mm(self.total)

    def br(self, channel: str) -> float:
        """Branching fraction of ``channel`` (ee, mumu, tautau, hadrons or leptons)."""
        return float(getattr(self, channel)) / self.total


@functools.lru_cache(maxsize=4096)
def idm_chi2_widths(model: IdmModel) -> IdmChi2Widths:
    """All chi2 partial widths of ``model`` [GeV] by the exact q^2 integral (:func:`chi2_partial_width`)."""
    return IdmChi2Widths(**{ch: chi2_partial_width(model, ch) for ch in CHI2_CHANNELS})


def ctau_chi2_mm(model: IdmModel) -> float:
    """Proper decay length of chi2 [mm] (all channels of :class:`IdmChi2Widths`)."""
    return idm_chi2_widths(model).ctau_mm


# ---------------------------------------------------------------------------------- h' widths
def hp_to_majorana_pair(m_hp: float, m_chi: float, k: float) -> float:
    """Gamma(h' -> chi chi) [GeV] into two identical Majorana fermions for L ⊃ -(k/2) h' chibar chi
    (Feynman rule -i k): k^2 m_h' beta^3 / (16 pi), beta = sqrt(1 - 4 m_chi^2/m_h'^2) ([DER]: the Dirac
    scalar width k^2 m beta^3/(8 pi) times the identical-particle 1/2); zero below threshold."""
    if m_hp <= 2.0 * m_chi:
        return 0.0
    beta2 = 1.0 - 4.0 * (m_chi / m_hp) ** 2
    return k * k * m_hp * beta2**1.5 / (16.0 * math.pi)


@functools.lru_cache(maxsize=4096)
def hp_dark_widths(model: IdmModel) -> dict[str, float]:
    """Dark h' widths [GeV]: ``ApAp`` = h' -> A'(*) A'(*) (both A' off shell, through
    :func:`scalar_to_offshell_vector_pair` with the iDM A' width as running width; O(eps^4) in the seed
    hierarchy), ``chi1chi1`` and ``chi2chi2`` (:func:`hp_to_majorana_pair`, closed for m_h' < 2 m_chi1).
    For a general point where A'* -> chi1 chi2 contributes, the spin-1 spectral function neglects the
    longitudinal part of the A' propagator on the non-conserved chi1 chi2 current (stated, not computed).
    """
    return {
        "ApAp": scalar_to_offshell_vector_pair(
            model.m_hp,
            model.g_hVV,
            model.m_Ap,
            idm_ap_widths(model).total,
            lambda q: idm_ap_two_body_width(model, q),
        ),
        "chi1chi1": hp_to_majorana_pair(model.m_hp, model.m_chi1, model.k_hp),
        "chi2chi2": hp_to_majorana_pair(model.m_hp, model.m_chi2, model.k_hp),
    }


@functools.lru_cache(maxsize=4096)
def hp_widths(model: IdmModel) -> PhiWidths:
    """All h' partial widths [GeV] (next_wave.md 2.2 "h' decays"): sin^2(theta) x the unit-mixing
    scalar widths of :func:`phi_sm_widths_sin1` (prescription ``model.hp_widths``), and in ``dark`` the
    sum of :func:`hp_dark_widths`. Returned as :class:`~darkstrahl.gen.widths.PhiWidths`, so the
    branching fractions into detector final states come from the same code as for DarkModel."""
    s2 = math.sin(model.theta) ** 2
    sm = {
        key: float(np.asarray(v).reshape(-1)[0]) * s2
        for key, v in phi_sm_widths_sin1(model.m_hp, model.hp_widths).items()
    }
    return PhiWidths(dark=sum(hp_dark_widths(model).values()), **sm)


def ctau_hp_mm(model: IdmModel) -> float:
    """Proper decay length of h' [mm] (= c tau_1(m_h')/sin^2(theta) up to the dark channels)."""
    return hp_widths(model).ctau_mm


# ---------------------------------------------------------------------------------- cross section
def sigma_ap_hp_fb(model: IdmModel, sqrt_s: float) -> float:
    """Born sigma(e+ e- -> A' h') [fb] at ``sqrt_s`` [GeV] from the Higgs-strahlung formula of
    :func:`darkstrahl.gen.crosssections.sigma_ee_to_vh_GeV2` with g_V = eps_em e and the iDM g_hVV
    (reference.md 1.2 with q_S = q_Phi; next_wave.md 2.2): 4 x BPR(alpha_D) for q_Phi = 2 (times
    cos^2(theta)). Zero below threshold m_A' + m_h' > sqrt_s."""
    if isinstance(sqrt_s, bool) or not isinstance(sqrt_s, (int, float)) or not sqrt_s > 0:
        raise ParameterError("sqrt_s", "must be a real number > 0 GeV", sqrt_s)
    value = sigma_ee_to_vh_GeV2(sqrt_s**2, model.g_e**2, model.g_hVV, model.m_Ap, model.m_hp)
    return float(value) * GEV2_TO_FB


def sigma_hp_chi1chi2_nwa_fb(model: IdmModel, sqrt_s: float) -> float:
    """Narrow-width sigma(e+e- -> h' chi1 chi2) ≈ sigma(A'h') x BR(A' -> chi1 chi2) [fb]
    (next_wave.md 2.2; Higgs-strahlung diagram only, valid for an on-shell, narrow A')."""
    return sigma_ap_hp_fb(model, sqrt_s) * idm_ap_widths(model).br("chi1chi2")


# ---------------------------------------------------------------------------------- summary
def idm_summary(model: IdmModel, sqrt_s: float) -> dict[str, Any]:
    """Summary record of an iDM point for ``darkstrahl info`` (GeV, mm, fb; JSON-serialisable):
    parameters, masses, couplings, y, every width, branching fractions, c tau of h' and chi2, and the
    Born sigma(e+e- -> A'h') with q_Phi (next_wave.md 2.4 items 1-2)."""
    ap, chi2, hp = idm_ap_widths(model), idm_chi2_widths(model), hp_widths(model)
    dark = hp_dark_widths(model)
    return {
        "model": model.as_dict(),
        "masses_GeV": {
            "m_hp": model.m_hp,
            "m_Ap": model.m_Ap,
            "m_chi1": model.m_chi1,
            "m_chi2": model.m_chi2,
            "m_D": model.m_D,
            "delta_m": model.delta_m,
        },
        "couplings": {
            "alpha_D": model.alpha_D,
            "g_D": model.g_D,
            "g_chi": model.g_chi,
            "alpha_chi": model.alpha_chi,
            "g_hVV_GeV": model.g_hVV,
            "k_hp": model.k_hp,
            "v_D_GeV": model.v_D,
            "g_e": model.g_e,
            "eps_em": model.eps_em,
            "eps_convention": model.eps_convention,
            "q_Phi": model.q_Phi,
            "q_chi": model.q_chi,
        },
        "y": model.y,
        "widths_GeV": {
            "Ap_total": ap.total,
            "Ap_chi1chi2": ap.chi1chi2,
            "Ap_chi1chi2hp": ap.chi1chi2hp,
            "Ap_SM": ap.sm,
            "Ap_ee": ap.ee,
            "Ap_mumu": ap.mumu,
            "Ap_tautau": ap.tautau,
            "Ap_hadrons": ap.hadrons,
            "chi2_total": chi2.total,
            "chi2_ee": chi2.ee,
            "chi2_mumu": chi2.mumu,
            "chi2_tautau": chi2.tautau,
            "chi2_hadrons": chi2.hadrons,
            "chi2_ee_small_splitting": chi2_width_small_splitting(model),
            "hp_total": hp.total,
            "hp_dark": hp.dark,
            "hp_ApAp": dark["ApAp"],
            "hp_chi1chi1": dark["chi1chi1"],
            "hp_chi2chi2": dark["chi2chi2"],
        },
        "Ap_width_over_mass": ap.total / model.m_Ap,
        "br_Ap": {"chi1chi2": ap.br("chi1chi2"), "chi1chi2hp": ap.br("chi1chi2hp"), "SM": ap.br("sm")},
        "br_chi2": {ch: chi2.br(ch) for ch in CHI2_CHANNELS},
        "br_hp": hp.branching_fractions_grouped(),
        "br_hp_final_states": hp.branching_fractions(),
        "hp_width_prescription": model.hp_widths,
        "ctau_hp_mm": hp.ctau_mm,
        "ctau_chi2_mm": chi2.ctau_mm,
        "sqrt_s_GeV": sqrt_s,
        "Ap_on_shell": model.m_Ap + model.m_hp < sqrt_s,
        "sigma_Ap_hp_fb": sigma_ap_hp_fb(model, sqrt_s),
        "sigma_hp_chi1chi2_nwa_fb": sigma_hp_chi1chi2_nwa_fb(model, sqrt_s),
    }
