"""chi2 widths of the dark Higgs + inelastic DM model (next_wave.md 2.2; model conventions in
:mod:`darkstrahl.gen.idm_model`): chi2 -> chi1 f fbar through an off-shell (or, for general points, on-shell)
A' by the exact q^2 integral of :func:`chi2_dgamma_dq2`; independently, for leptons, by a Dalitz integral of
the spin-summed |M|^2 (:func:`chi2_width_dalitz`); and the small-splitting limit. Widths in GeV, decay
lengths in mm.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from darkstrahl.errors import ParameterError

from .constants import ALPHA, LEPTON_MASSES, width_to_ctau_mm
from .idm_model import IdmModel
from .idm_widths import FloatArray, _leggauss, _q2_nodes, idm_ap_widths
from .width_tables import darkcast_hadron_width_eps1
from .widths import ap_sm_width_eps1, kallen_open

#: chi2 -> chi1 X channels (the A' SM channels of :func:`~darkstrahl.gen.widths.ap_sm_width_eps1`).
CHI2_CHANNELS: tuple[str, ...] = ("ee", "mumu", "tautau", "hadrons")
_LEPTON_OF = {"ee": "e", "mumu": "mu", "tautau": "tau"}


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
