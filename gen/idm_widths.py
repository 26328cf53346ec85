"""Widths, lifetimes and the Higgs-strahlung cross section of the dark Higgs + inelastic DM model
(next_wave.md 2.2; model conventions in :mod:`darkstrahl.gen.idm_model`).

All widths in GeV, decay lengths in mm, cross sections in fb.

A' (next_wave.md 2.2, 2.4 item 2):
    A' -> chi1 chi2 in closed form for general masses; A' -> SM = eps_em^2 x the unit-coupling
    widths of :func:`darkstrahl.gen.widths.ap_sm_width_eps1` (leptons closed form, hadrons DarkCast);
    the three-body A' -> chi1 chi2 h' from a Dalitz integral of the exact tree-level |M|^2 of
    its three diagrams (see :func:`ap_chi1chi2hp_msq`). A' -> chi_i chi_i vanishes (Majorana).
chi2 (next_wave.md 2.2; in :mod:`darkstrahl.gen.idm_chi2_widths`):
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

from .constants import GEV2_TO_FB
from .crosssections import sigma_ee_to_vh_GeV2
from .idm_model import IdmModel
from .widths import (
    PhiWidths,
    ap_sm_width_eps1,
    kallen_open,
    phi_sm_widths_sin1,
    scalar_to_offshell_vector_pair,
)

FloatArray = NDArray[np.float64]


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
