"""Partial and total widths of the dark photon A' and the dark Higgs phi (physics.md section 1).

All widths are in GeV. Closed forms are vectorized over the decaying mass; the model-level
functions :func:`ap_widths` and :func:`phi_widths` return immutable records for one
:class:`~darkstrahl.gen.model.DarkModel`.

A' (reference.md 2.1-2.3):
    chi chibar and l+ l- in closed form, hadrons = Gamma(mu mu) x R from DarkCast, and the
    three-body A' -> chi chibar phi by one-dimensional integration over q^2 = m_chichi^2.
phi (reference.md 3.1-3.2):
    sin^2(theta) times the width of a SM-like Higgs of mass m_phi: leptons in closed form,
    hadrons from a named table prescription; plus, for general points, cos^2(theta) times the
    dark width phi -> A'(*) A'(*) (zero in the benchmark hierarchy up to eps^4 terms).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate

from .constants import E_CHARGE, LEPTON_MASSES, M_MU, V_HIGGS, width_to_ctau_mm
from .model import DarkModel
from .width_tables import darkcast_hadron_width_eps1, phi_hadron_table

FloatArray = NDArray[np.float64]

_GL_X, _GL_W = np.polynomial.legendre.leggauss(96)


# ------------------------------------------------------------------------------- closed forms
def kallen(a: ArrayLike, b: ArrayLike, c: ArrayLike) -> FloatArray:
    """Kallen function lambda(a, b, c) = a^2 + b^2 + c^2 - 2ab - 2ac - 2bc (any units^2)."""
    a, b, c = (np.asarray(x, dtype=np.float64) for x in (a, b, c))
    return a * a + b * b + c * c - 2.0 * (a * b + a * c + b * c)


def kallen_open(a: ArrayLike, b: ArrayLike, c: ArrayLike) -> FloatArray:
    """lambda(a, b, c) of a two-body channel with masses^2 a -> (b, c) (or b + c -> a): the Kallen function
    where the channel is open, sqrt(a) > sqrt(b) + sqrt(c), and exactly 0 elsewhere (units^2, shape of the
    broadcast inputs; negative b, c count as 0).

    Clipping lambda at 0 is not enough: lambda = (a - (sqrt b + sqrt c)^2)(a - (sqrt b - sqrt c)^2) is
    positive again for sqrt(a) < |sqrt(b) - sqrt(c)| (issue 12 item 1: e+e- -> A' phi far below
    threshold). The factorized form is used: its first factor decides whether the channel is open.
    """
    a = np.asarray(a, dtype=np.float64)
    rb = np.sqrt(np.maximum(b, 0.0))
    rc = np.sqrt(np.maximum(c, 0.0))
    above = a - (rb + rc) ** 2
    return np.where(above > 0.0, above * (a - (rb - rc) ** 2), 0.0)


def vector_to_fermions(m_V: ArrayLike, coupling: float, m_f: float) -> FloatArray:
    """Gamma(V -> f fbar) [GeV] for a pure vector coupling ``coupling`` (physics.md section 1):

    Gamma = coupling^2 m_V / (12 pi) (1 + 2 m_f^2/m_V^2) sqrt(1 - 4 m_f^2/m_V^2), zero below threshold.
    """
    m_V = np.asarray(m_V, dtype=np.float64)
    x = np.square(m_f / m_V)
    beta = np.sqrt(np.clip(1.0 - 4.0 * x, 0.0, None))
    return coupling**2 * m_V / (12.0 * math.pi) * (1.0 + 2.0 * x) * beta


def scalar_to_leptons_sin1(m_phi: ArrayLike, m_l: float) -> FloatArray:
    """Gamma(phi -> l+ l-) [GeV] at sin(theta) = 1 (physics.md section 1, reference.md 3.1):

    m_l^2 m_phi / (8 pi v^2) beta^3 = G_F m_l^2 m_phi / (4 sqrt(2) pi) beta^3.
    """
    m_phi = np.asarray(m_phi, dtype=np.float64)
    beta2 = np.clip(1.0 - 4.0 * np.square(m_l / m_phi), 0.0, None)
    return m_l**2 * m_phi / (8.0 * math.pi * V_HIGGS**2) * beta2**1.5


def scalar_to_vectors(m_S: float, g: float, q1sq: ArrayLike, q2sq: ArrayLike) -> FloatArray:
    """Gamma(S -> V1 V2) [GeV] for the vertex i g g^{mu nu} and vector masses^2 q1sq, q2sq [GeV^2].

    Gamma = |p| g^2 / (8 pi m_S^2) [2 + (q1.q2)^2 / (q1^2 q2^2)], q1.q2 = (m_S^2 - q1^2 - q2^2)/2
    (sum over both polarizations; no identical-particle factor).
    """
    q1sq = np.asarray(q1sq, dtype=np.float64)
    q2sq = np.asarray(q2sq, dtype=np.float64)
    p = np.sqrt(kallen_open(m_S**2, q1sq, q2sq)) / (2.0 * m_S)
    dot = 0.5 * (m_S**2 - q1sq - q2sq)
    return p * g**2 / (8.0 * math.pi * m_S**2) * (2.0 + dot**2 / (q1sq * q2sq))


def vector_to_scalar_vector(m_V: float, g: float, m_S: float, qsq: ArrayLike) -> FloatArray:
    """Gamma(V -> S V*(q^2)) [GeV], averaged over the 3 polarizations of V (reference.md 2.3):

    |k| g^2 / (24 pi m_V^2) [2 + (P.q)^2 / (m_V^2 q^2)],  P.q = (m_V^2 + q^2 - m_S^2)/2.
    """
    qsq = np.asarray(qsq, dtype=np.float64)
    k = np.sqrt(kallen_open(m_V**2, m_S**2, qsq)) / (2.0 * m_V)
    pq = 0.5 * (m_V**2 + qsq - m_S**2)
    return k * g**2 / (24.0 * math.pi * m_V**2) * (2.0 + pq**2 / (m_V**2 * qsq))


# ------------------------------------------------------------------------------- dark photon
def ap_sm_width_eps1(m: ArrayLike) -> dict[str, FloatArray]:
    """A' widths [GeV] into SM states at unit coupling to the EM current (eps_em = 1).

    Keys ee, mumu, tautau (closed form with coupling e) and hadrons = DarkCast table on
    0.01-9.98 GeV, continued above with R = Gamma(hadrons)/Gamma(mu mu) held at its last value.
    """
    m = np.atleast_1d(np.asarray(m, dtype=np.float64))
    out = {f"{l}{l}": vector_to_fermions(m, E_CHARGE, ml) for l, ml in LEPTON_MASSES.items()}
    table = darkcast_hadron_width_eps1()
    lo, hi = table.m_range
    had = np.zeros_like(m)
    inside = (m >= lo) & (m <= hi)
    had[inside] = table(m[inside])
    above = m > hi
    if np.any(above):
        r_last = table(hi) / vector_to_fermions(hi, E_CHARGE, M_MU)
        had[above] = r_last * vector_to_fermions(m[above], E_CHARGE, M_MU)
    out["hadrons"] = had
    return out


def ap_two_body_width(model: DarkModel, m: ArrayLike) -> FloatArray:
    """Two-body width [GeV] of an A' of mass ``m`` with the couplings of ``model`` (chi chibar
    plus all SM states); used as the running width in spectral functions."""
    sm = ap_sm_width_eps1(m)
    return vector_to_fermions(m, model.g_chi, model.m_chi) + model.eps_em**2 * sum(sm.values())


@dataclass(frozen=True)
class ApWidths:
    """Partial widths of the A' [GeV] for one model point."""

    chichi: float
    ee: float
    mumu: float
    tautau: float
    hadrons: float
    chichiphi: float

    @property
    def sm(self) -> float:
        """Width into SM states (leptons + hadrons) [GeV]."""
        return self.ee + self.mumu + self.tautau + self.hadrons

    @property
    def total(self) -> float:
        """Total width [GeV] (the Gamma_A' of both propagators)."""
        return self.chichi + self.chichiphi + self.sm

    def br(self, channel: str) -> float:
        """Branching fraction of ``channel`` (a field name, or 'sm')."""
        return float(getattr(self, channel)) / self.total


def ap_three_body_width(model: DarkModel, gamma_ap: float) -> float:
    """Gamma(A' -> chi chibar phi) [GeV] by integration over q^2 (reference.md 2.3):

    Gamma_3 = int dq^2 Gamma(A' -> phi A'*(q^2)) * q Gamma(A'*(q) -> chi chibar) / (pi |D(q^2)|^2),
    D(q^2) = q^2 - m_A'^2 + i m_A' gamma_ap, q^2 from 4 m_chi^2 to (m_A' - m_phi)^2.
    """
    m, mc, mp = model.m_Ap, model.m_chi, model.m_phi
    if m - mp <= 2.0 * mc:
        return 0.0
    lo, hi = 4.0 * mc**2, (m - mp) ** 2

    def integrand(qsq: float) -> float:
        q = math.sqrt(qsq)
        spectral = (
            q
            * float(vector_to_fermions(q, model.g_chi, mc))
            / (math.pi * ((qsq - m * m) ** 2 + (m * gamma_ap) ** 2))
        )
        return float(vector_to_scalar_vector(m, model.g_hVV, mp, qsq)) * spectral

    value, _err = integrate.quad(integrand, lo, hi, epsabs=0.0, epsrel=1e-10, limit=200)
    return value


def ap_widths(model: DarkModel) -> ApWidths:
    """All A' partial widths of ``model`` [GeV].

    The three-body width depends (weakly, through the off-shell propagator) on the total width;
    it is computed with the two-body total and then once more with the updated total, which
    changes it by far less than its own size times Gamma_3/Gamma_A'.
    """
    return _ap_widths_cached(model.m_Ap, model.m_chi, model.m_phi, model.g_chi, model.g_hVV, model.eps_em)


@functools.lru_cache(maxsize=4096)
def _ap_widths_cached(
    m_Ap: float, m_chi: float, m_phi: float, g_chi: float, g_hVV: float, eps_em: float
) -> ApWidths:
    sm = {k: float(v[0]) * eps_em**2 for k, v in ap_sm_width_eps1(m_Ap).items()}
    chichi = float(vector_to_fermions(m_Ap, g_chi, m_chi))
    proxy = _Couplings(m_Ap, m_chi, m_phi, g_chi, g_hVV)
    two_body = chichi + sum(sm.values())
    three = ap_three_body_width(proxy, two_body)  # type: ignore[arg-type]
    three = ap_three_body_width(proxy, two_body + three)  # type: ignore[arg-type]
    return ApWidths(chichi=chichi, chichiphi=three, **sm)


@dataclass(frozen=True)
class _Couplings:
    """The subset of a model that the three-body integral reads (hashable cache key)."""

    m_Ap: float
    m_chi: float
    m_phi: float
    g_chi: float
    g_hVV: float


# ------------------------------------------------------------------------------- dark Higgs
@dataclass(frozen=True)
class PhiWidths:
    """Partial widths of phi [GeV] at the model's theta.

    pipi and KK include the neutral modes; ``fourpi`` is 2pi+2pi- plus pi+pi-2pi0; ``partons`` is
    g g + s sbar + c cbar + b bbar (tables above 2 GeV); ``dark`` is phi -> A'(*) A'(*).
    """

    ee: float
    mumu: float
    tautau: float
    pipi: float
    KK: float
    fourpi: float
    partons: float
    dark: float

    @property
    def total(self) -> float:
        """Total width [GeV]."""
        return (
            self.ee + self.mumu + self.tautau + self.pipi + self.KK + self.fourpi + self.partons + self.dark
        )

    @property
    def ctau_mm(self) -> float:
        """Proper decay length c tau = hbar c / Gamma [mm]."""
        return width_to_ctau_mm(self.total)

    def branching_fractions(self) -> dict[str, float]:
        """Branching fractions into the final states a detector sees (physics.md section 1):
        ee, mumu, pipm (2/3 of pi pi), pi0pi0 (1/3), KpKm (1/2 of K K), K0K0bar (1/2), and
        other (tau tau, 4 pi, partons, dark). They sum to 1."""
        tot = self.total
        return {
            "ee": self.ee / tot,
            "mumu": self.mumu / tot,
            "pipm": self.pipi * (2.0 / 3.0) / tot,
            "pi0pi0": self.pipi * (1.0 / 3.0) / tot,
            "KpKm": self.KK * 0.5 / tot,
            "K0K0bar": self.KK * 0.5 / tot,
            "other": (self.tautau + self.fourpi + self.partons + self.dark) / tot,
        }

    def branching_fractions_grouped(self) -> dict[str, float]:
        """Branching fractions ee, mumu, pipi, KK (charged + neutral) and other."""
        br = self.branching_fractions()
        return {
            "ee": br["ee"],
            "mumu": br["mumu"],
            "pipi": br["pipm"] + br["pi0pi0"],
            "KK": br["KpKm"] + br["K0K0bar"],
            "other": br["other"],
        }


def phi_sm_widths_sin1(m_phi: ArrayLike, prescription: str) -> dict[str, FloatArray]:
    """Widths [GeV] of phi into SM states at sin(theta) = 1, vectorized over ``m_phi`` [GeV].

    Leptons in closed form (reference.md 3.1); hadrons (pipi, KK, fourpi, partons) from the
    named table prescription (:mod:`darkstrahl.gen.width_tables`).
    """
    out = {f"{l}{l}": scalar_to_leptons_sin1(m_phi, ml) for l, ml in LEPTON_MASSES.items()}
    out.update(phi_hadron_table(prescription).widths_sin1(m_phi))
    return out


def phi_dark_width(model: DarkModel) -> float:
    """Gamma(phi -> A'(*) A'(*)) [GeV] with both A' off shell (zero at cos(theta) -> 0).

    :func:`scalar_to_offshell_vector_pair` with the couplings of ``model``: the A' total width
    :func:`ap_widths` in the propagator and :func:`ap_two_body_width` as the running width.
    For m_phi > 2 m_A' and a narrow A' it tends to the on-shell width of phi -> A' A' (tested).
    """
    return scalar_to_offshell_vector_pair(
        model.m_phi,
        model.g_hVV,
        model.m_Ap,
        ap_widths(model).total,
        lambda q: ap_two_body_width(model, q),
    )


def scalar_to_offshell_vector_pair(
    m_S: float,
    g_hVV: float,
    m_V: float,
    gamma_V: float,
    running_width: Callable[[FloatArray], FloatArray],
) -> float:
    """Gamma(S -> V(*) V(*)) [GeV] for the vertex i g_hVV g^{mu nu} [GeV], both vectors off shell.

    Gamma = 1/2 int dq1^2 dq2^2 rho(q1^2) rho(q2^2) Gamma(S -> V(q1) V(q2)), with the spectral
    function rho(q^2) = q Gamma_V(q) / (pi |q^2 - m_V^2 + i m_V gamma_V|^2) (Gamma_V(q) =
    ``running_width(q)``: the two-body width of a vector of mass q [GeV], vectorized), over
    q1 + q2 <= m_S, q_i >= 2 m_e. Each q^2 is mapped to u = arctan((q^2 - m_V^2)/(m_V gamma_V)),
    which flattens the Breit-Wigner, and integrated by Gauss-Legendre quadrature.
    """
    from .constants import M_E

    qmin = 2.0 * M_E
    if m_S <= 2.0 * qmin:
        return 0.0
    m, mphi = m_V, m_S
    mg = m * gamma_V

    def u_of(qsq: FloatArray) -> FloatArray:
        return np.arctan((qsq - m * m) / mg)

    def nodes(u_lo: FloatArray, u_hi: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        half = 0.5 * (u_hi - u_lo)
        u = 0.5 * (u_hi + u_lo)[..., None] + half[..., None] * _GL_X
        qsq = m * m + mg * np.tan(u)
        q = np.sqrt(np.clip(qsq, qmin**2, None))
        # rho(q^2) dq^2 = q Gamma_V(q) / (pi m_V gamma_V) du for the constant-width propagator
        weight = half[..., None] * _GL_W * q * running_width(q.ravel()).reshape(q.shape) / (math.pi * mg)
        return qsq, q, weight

    q1sq, q1, w1 = nodes(u_of(np.array(qmin**2)), u_of(np.array((mphi - qmin) ** 2)))
    q2sq, _q2, w2 = nodes(np.full(q1.shape, u_of(np.array(qmin**2))), u_of((mphi - q1) ** 2))
    inner = np.sum(w2 * scalar_to_vectors(mphi, g_hVV, q1sq[..., None], q2sq), axis=-1)
    return 0.5 * float(np.sum(w1 * inner))


@functools.lru_cache(maxsize=4096)
def phi_widths(model: DarkModel) -> PhiWidths:
    """All phi partial widths [GeV] of ``model`` (cached per parameter point): sin^2(theta) x SM-like
    widths, plus the dark width (which carries cos^2(theta) through g_hVV)."""
    s2 = math.sin(model.theta) ** 2
    sm = {
        k: float(np.asarray(v).reshape(-1)[0]) * s2
        for k, v in phi_sm_widths_sin1(model.m_phi, model.phi_widths).items()
    }
    return PhiWidths(dark=phi_dark_width(model), **sm)
