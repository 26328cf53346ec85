"""Phase-space mappings with exact Jacobians (physics.md section 2), built from sequential two-body steps.

Every map takes points of the unit hypercube and returns physical variables with the Jacobian of the
map, so that the integral of f over phase space is the average of f x weight over uniform points:

    int dPhi_n f = < f(p(u)) W(u) >_{u uniform},    W(u) = J_channel(u) * J_angles(u) * W_phys(x(u)).

Layout of the unit-cube point u (shape (n, d)):

* ``phi`` (d = 5):       u0 -> Q^2 = m_chichi^2 through the channel's map; u1, u2 -> phi direction (cos,
                         azimuth) in the CM frame; u3, u4 -> chi direction in the chi chibar rest frame.
* ``gamma_phi`` (d = 8): u0, u1 -> (E_gamma, Q^2) through the channel's map; u2, u3 -> photon (cos, azimuth)
                         in the CM frame; u4, u5 -> phi direction in the P' = p1 + p2 - k rest frame;
                         u6, u7 -> chi direction in the chi chibar rest frame.

The channel maps (:class:`Channel`) differ only in how the first one or two coordinates become the physical
variables x = (E_gamma, Q^2) (or x = Q^2 for ``phi``); the angles are common to all channels, which makes the
density of every channel computable at every point (multichannel weights, :mod:`darkstrahl.gen.sampler`).

Phase-space measure (Lorentz-invariant, (2 pi)^4 delta^4 included):

    dPhi_3 = dQ^2/(2 pi) dPhi_2(sqrt s; m_phi, Q) dPhi_2(Q; m_chi, m_chi)
    dPhi_4 = dPhi_2(sqrt s; 0, P') dP'^2/(2 pi) dPhi_2(P'; m_phi, Q) dQ^2/(2 pi) dPhi_2(Q; m_chi, m_chi)
    dPhi_2(M; m1, m2) = |p| / (16 pi^2 M) dOmega,   P'^2 = s - 2 sqrt(s) E_gamma.

References: Byckling & Kajantie, Particle Kinematics (1973), ch. IV-V; madspace's documentation style.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numba as nb
import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

from .kinematics import boost_into, decay_in_rest_frame, put_cm_beams

FloatArray = NDArray[np.float64]
TWO_PI = 2.0 * math.pi


# ----------------------------------------------------------------------------- 1-D maps
def bw_map(
    u: FloatArray, m: float, w: float, lo: FloatArray | float, hi: FloatArray | float
) -> tuple[FloatArray, FloatArray]:
    """Breit-Wigner map u in [0, 1] -> x in [lo, hi] (x an invariant mass squared, GeV^2):

    x = m^2 + m w tan(y),  y = y_lo + u (y_hi - y_lo),  y = arctan((x - m^2)/(m w));
    Jacobian dx/du = (y_hi - y_lo) ((x - m^2)^2 + m^2 w^2) / (m w).

    Evaluated without cancellation for widths down to w/m ~ 1e-12 (the A' of A'h', next_wave.md 1.1),
    where y_lo and y_hi both sit within ~1e-8 of -pi/2 or +pi/2 when the pole is outside [lo, hi]:
    y_hi - y_lo = atan2(a_hi - a_lo, 1 + a_hi a_lo) with a = (x - m^2)/(m w), and with t = u (y_hi - y_lo),
    x - lo = m w (1 + a_lo^2) sin t / (cos t - a_lo sin t) (the addition theorem of tan).
    """
    mw = m * w
    a_lo = (np.asarray(lo) - m * m) / mw
    span = _atan_difference(np.asarray(hi) - np.asarray(lo), mw, a_lo)
    t = u * span
    st, ct = np.sin(t), np.cos(t)
    x = np.minimum(lo + mw * (1.0 + a_lo * a_lo) * st / (ct - a_lo * st), hi)  # rounding at u = 1
    return x, span * ((x - m * m) ** 2 + mw * mw) / mw


def bw_inverse(
    x: FloatArray, m: float, w: float, lo: FloatArray | float, hi: FloatArray | float
) -> tuple[FloatArray, FloatArray]:
    """Inverse of :func:`bw_map`: (u, dx/du) at x (same cancellation-free differences of arctan)."""
    mw = m * w
    a_lo = (np.asarray(lo) - m * m) / mw
    span = _atan_difference(np.asarray(hi) - np.asarray(lo), mw, a_lo)
    u = _atan_difference(x - np.asarray(lo), mw, a_lo) / span
    return u, span * ((x - m * m) ** 2 + mw * mw) / mw


def _atan_difference(dx: FloatArray, mw: float, a_lo: FloatArray) -> FloatArray:
    """arctan(a_lo + dx/mw) - arctan(a_lo) for dx >= 0, exact in floating point also when both arctans
    are near +-pi/2: atan2(a - a_lo, 1 + a a_lo) (cos of the difference has the sign of 1 + a a_lo)."""
    d = dx / mw
    return np.arctan2(d, 1.0 + (a_lo + d) * a_lo)


def flat_map(u: FloatArray, lo: FloatArray | float, hi: FloatArray | float) -> tuple[FloatArray, FloatArray]:
    """Linear map u -> x = lo + u (hi - lo); Jacobian hi - lo."""
    span = np.asarray(hi) - np.asarray(lo)
    return lo + u * span, np.broadcast_to(span, np.shape(u)).astype(np.float64)


def flat_inverse(
    x: FloatArray, lo: FloatArray | float, hi: FloatArray | float
) -> tuple[FloatArray, FloatArray]:
    """Inverse of :func:`flat_map`."""
    span = np.asarray(hi) - np.asarray(lo)
    return (x - lo) / span, np.broadcast_to(span, np.shape(x)).astype(np.float64)


def log_map(u: FloatArray, lo: FloatArray | float, hi: FloatArray | float) -> tuple[FloatArray, FloatArray]:
    """Logarithmic map for a soft-enhanced energy (density 1/E): x = lo (hi/lo)^u; Jacobian x ln(hi/lo)."""
    r = np.log(np.asarray(hi) / np.asarray(lo))
    x = lo * np.exp(u * r)
    return x, x * r


def log_inverse(
    x: FloatArray, lo: FloatArray | float, hi: FloatArray | float
) -> tuple[FloatArray, FloatArray]:
    """Inverse of :func:`log_map`."""
    r = np.log(np.asarray(hi) / np.asarray(lo))
    return np.log(x / lo) / r, x * r


def collinear_cos_map(u: FloatArray, c_lo: float, c_hi: float) -> tuple[FloatArray, FloatArray]:
    """Map for the photon polar angle following the collinear 1/(1 - c^2) enhancement of initial-state
    radiation: c = tanh(y), y uniform in [atanh(c_lo), atanh(c_hi)]; Jacobian (1 - c^2)(y_hi - y_lo)."""
    ylo, yhi = math.atanh(c_lo), math.atanh(c_hi)
    c = np.tanh(ylo + u * (yhi - ylo))
    return c, (1.0 - c * c) * (yhi - ylo)


# ----------------------------------------------------------------------------- momentum builders
@nb.njit(cache=True)
def build_scalar_pair(
    rs: FloatArray, m_s: float, m1: float, m2: float, qsq: FloatArray, ang: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Momenta (n, 5, 4) (e-, e+, scalar, pair member 1, pair member 2) of e- e+ -> S(m_s) + pair (m1, m2)
    of mass Q, and W_phys (n,) = dPhi_3 / (dQ^2 dOmega_1 dOmega_2) [GeV^-2 per sr^2], from Q^2 [GeV^2] and
    angles ang = (cos1, phi1, cos2, phi2), in the centre-of-mass frame of energy rs (n,) [GeV] per event:
    phi chi chibar (m1 = m2 = m_chi) and h' chi1 chi2 (:mod:`darkstrahl.gen.idm_phasespace`)."""
    n = qsq.shape[0]
    p = np.zeros((n, 5, 4))
    w = np.zeros(n)
    tmp = np.empty(4)
    for i in range(n):
        Q = math.sqrt(qsq[i])
        sqrt_s = rs[i]
        put_cm_beams(p[i], sqrt_s)
        pk = decay_in_rest_frame(sqrt_s, m_s, Q, ang[i, 0], ang[i, 1], p[i, 2], tmp)
        pq = decay_in_rest_frame(Q, m1, m2, ang[i, 2], ang[i, 3], p[i, 3], p[i, 4])
        boost_into(p[i, 3], tmp, p[i, 3])
        boost_into(p[i, 4], tmp, p[i, 4])
        w[i] = pk / (16.0 * math.pi**2 * sqrt_s) * pq / (16.0 * math.pi**2 * Q) / TWO_PI
    return p, w


@nb.njit(cache=True)
def build_gamma_phi(
    rs: FloatArray, m_phi: float, m_chi: float, egam: FloatArray, qsq: FloatArray, ang: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Momenta (n, 6, 4) of e- e+ -> gamma phi chi chibar and W_phys (n,) = dPhi_4 / (dE_gamma dQ^2 dOmega^3)
    from E_gamma [GeV], Q^2 [GeV^2] and angles ang = (cos_g, phi_g, cos1, phi1, cos2, phi2), in the
    centre-of-mass frame of energy rs (n,) [GeV] per event."""
    n = qsq.shape[0]
    p = np.zeros((n, 6, 4))
    w = np.zeros(n)
    frame = np.empty(4)
    qframe = np.empty(4)
    for i in range(n):
        Q = math.sqrt(qsq[i])
        sqrt_s = rs[i]
        put_cm_beams(p[i], sqrt_s)
        e = egam[i]
        st = math.sqrt(max(0.0, 1.0 - ang[i, 0] ** 2))
        p[i, 2, 0] = e
        p[i, 2, 1] = e * st * math.cos(ang[i, 1])
        p[i, 2, 2] = e * st * math.sin(ang[i, 1])
        p[i, 2, 3] = e * ang[i, 0]
        for mu in range(4):
            frame[mu] = p[i, 0, mu] + p[i, 1, mu] - p[i, 2, mu]
        mp = math.sqrt(sqrt_s * sqrt_s - 2.0 * sqrt_s * e)
        pk = decay_in_rest_frame(mp, m_phi, Q, ang[i, 2], ang[i, 3], p[i, 3], qframe)
        pq = decay_in_rest_frame(Q, m_chi, m_chi, ang[i, 4], ang[i, 5], p[i, 4], p[i, 5])
        boost_into(p[i, 4], qframe, p[i, 4])
        boost_into(p[i, 5], qframe, p[i, 5])
        for j in range(3, 6):
            boost_into(p[i, j], frame, p[i, j])
        # E/(16 pi^2 sqrt s) * 2 sqrt(s)/(2 pi) = E/(16 pi^3): photon step with dP'^2 = 2 sqrt(s) dE
        w[i] = e / (16.0 * math.pi**3) * pk / (16.0 * math.pi**2 * mp) * pq / (16.0 * math.pi**2 * Q) / TWO_PI
    return p, w


# ----------------------------------------------------------------------------- channels
@dataclass(frozen=True)
class Channel:
    """One multichannel branch: how the first ``k`` unit coordinates map to the physical variables x.

    ``to_x(u, rs=None) -> (x, J)`` with u of shape (n, k), x of shape (n, k) and J = |dx/du| (n,);
    ``from_x(x, rs=None) -> (u, J)`` its exact inverse (used to evaluate this channel's density at points
    generated by the other channels). ``rs`` (n,) is the centre-of-mass energy of each event [GeV] when it
    differs from the phase space's nominal sqrt(s) (initial-state radiation,
    :mod:`darkstrahl.gen.isr_process`).
    """

    name: str
    to_x: Callable[[FloatArray], tuple[FloatArray, FloatArray]]
    from_x: Callable[[FloatArray], tuple[FloatArray, FloatArray]]


def mass_channel(
    name: str,
    lo: float,
    upper: Callable[[FloatArray | None], FloatArray | float],
    resonance: tuple[float, float] | None = None,
) -> Channel:
    """One-coordinate channel in an invariant mass squared Q^2 [GeV^2] on [lo, upper(rs)]: the Breit-Wigner
    map :func:`bw_map` of ``resonance`` = (mass, width) [GeV], or the flat map :func:`flat_map` when None.
    ``upper(rs)`` gives the kinematic upper edge at the per-event energies ``rs`` (n,) [GeV], or at the
    nominal sqrt(s) for ``rs = None``. Shapes: u, x (n, 1); J (n,)."""

    def to_x(u: FloatArray, rs: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
        if resonance is None:
            q, j = flat_map(u[:, 0], lo, upper(rs))
        else:
            q, j = bw_map(u[:, 0], resonance[0], resonance[1], lo, upper(rs))
        return q[:, None], j

    def from_x(x: FloatArray, rs: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
        if resonance is None:
            u, j = flat_inverse(x[:, 0], lo, upper(rs))
        else:
            u, j = bw_inverse(x[:, 0], resonance[0], resonance[1], lo, upper(rs))
        return u[:, None], j

    return Channel(name, to_x, from_x)


def solid_angles(
    u: FloatArray, cos_range: tuple[float, float] | None = None
) -> tuple[FloatArray, FloatArray]:
    """Angle maps of the unit coordinates ``u`` (n, 2m): pairs (cos, azimuth), flat (cos = 2u - 1,
    phi = 2 pi u: Jacobian 4 pi each); with ``cos_range`` the first polar angle uses
    :func:`collinear_cos_map` within (c_lo, c_hi) (a photon inside its generation cut)."""
    ang = np.empty_like(u)
    jac = np.ones(u.shape[0])
    start = 0
    if cos_range is not None:
        ang[:, 0], jac = collinear_cos_map(u[:, 0], *cos_range)
        ang[:, 1] = TWO_PI * u[:, 1]
        jac = jac * TWO_PI
        start = 2
    for j in range(start, u.shape[1], 2):
        ang[:, j] = 2.0 * u[:, j] - 1.0
        ang[:, j + 1] = TWO_PI * u[:, j + 1]
        jac = jac * 4.0 * math.pi
    return ang, jac


@dataclass(frozen=True)
class PhaseSpace:
    """Phase space of one process at fixed sqrt(s): channels, common angle maps and the momentum builder.

    Attributes
    ----------
    ndim:
        Dimension d of the unit hypercube.
    nx:
        Number of channel-specific coordinates (the first nx of u).
    channels:
        The multichannel branches.
    builder:
        (x (n, nx), angles (n, d - nx), rs (n,) or None) -> (momenta (n, particles, 4) [GeV], W_phys (n,)),
        at the nominal sqrt(s) or at the per-event centre-of-mass energies rs [GeV].
    sqrt_s:
        The nominal centre-of-mass energy [GeV]; ``threshold`` the smallest sqrt(s) with phase space.
    cos_range:
        If set, the first polar angle is a photon's, mapped by :func:`collinear_cos_map` within it.
    """

    ndim: int
    nx: int
    channels: tuple[Channel, ...]
    builder: Callable[..., tuple[FloatArray, FloatArray]]
    cos_range: tuple[float, float] | None = None
    sqrt_s: float = math.nan
    threshold: float = 0.0

    def angles(self, u: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Common angle maps: (physical angles (n, d - nx), Jacobian (n,)) (:func:`solid_angles`)."""
        return solid_angles(u, self.cos_range)

    def build(
        self, x: FloatArray, ang: FloatArray, rs: FloatArray | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """Momenta (n, particles, 4) [GeV] and W_phys (n,) from physical variables and angles (at the
        per-event energies ``rs`` [GeV] if given)."""
        return self.builder(x, ang) if rs is None else self.builder(x, ang, rs)

    def generate(self, channel: int, u: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Map unit points ``u`` (n, d) through ``channel``: momenta, physical x, and the full weight
        W = J_channel J_angles W_phys [GeV^(2n-8)] so that <f W> = int dPhi f."""
        x, jx = self.channels[channel].to_x(u[:, : self.nx])
        ang, ja = self.angles(u[:, self.nx :])
        p, wphys = self.build(x, ang)
        return p, x, jx * ja * wphys


def phi_phase_space(sqrt_s: float, m_Ap: float, w_Ap: float, m_phi: float, m_chi: float) -> PhaseSpace:
    """Phase space of e- e+ -> phi chi chibar, Q^2 over [4 m_chi^2, (sqrt(s) - m_phi)^2]. Two channels:

    * ``Q2_resonant``: Q^2 Breit-Wigner mapped around m_A' (the final A' on shell);
    * ``Q2_flat``: Q^2 flat, for the off-shell continuum Q^2 >> m_A'^2, where |M|^2 falls only like the
      propagator while the numerator grows with Q^2 and peaks at cos theta_phi ~ +-1 (a correlation the
      separable vegas map of the resonant channel cannot follow): it raises the unweighting efficiency at
      m_A' = 1.2 GeV from 0.36 to 0.74 (Born) and 0.46 to 0.60 (ISR) (docs/validation.md section 21)."""
    lo, hi = 4.0 * m_chi**2, (sqrt_s - m_phi) ** 2
    if hi <= lo:
        raise ParameterError("run.sqrt_s", "must exceed the threshold m_phi + 2 m_chi", sqrt_s)

    def upper(rs: FloatArray | None) -> FloatArray | float:
        return hi if rs is None else (rs - m_phi) ** 2

    def builder(
        x: FloatArray, ang: FloatArray, rs: FloatArray | None = None
    ) -> tuple[FloatArray, FloatArray]:
        rs = np.full(x.shape[0], sqrt_s) if rs is None else rs
        q2 = np.ascontiguousarray(x[:, 0])
        return build_scalar_pair(rs, m_phi, m_chi, m_chi, q2, np.ascontiguousarray(ang))

    channels = (mass_channel("Q2_resonant", lo, upper, (m_Ap, w_Ap)), mass_channel("Q2_flat", lo, upper))
    return PhaseSpace(5, 1, channels, builder, sqrt_s=sqrt_s, threshold=m_phi + 2.0 * m_chi)


def gamma_phi_phase_space(
    sqrt_s: float,
    m_Ap: float,
    w_Ap: float,
    m_phi: float,
    m_chi: float,
    e_min: float,
    theta_min_deg: float,
    theta_max_deg: float,
) -> PhaseSpace:
    """Phase space of e- e+ -> gamma phi chi chibar within the generation cuts (CM frame):
    E_gamma >= e_min [GeV], theta_min <= theta_gamma <= theta_max [deg]. Two channels:

    * ``Q2_resonant`` (second A' on shell): Q^2 Breit-Wigner over
      [4 m_chi^2, (sqrt(s - 2 sqrt(s) e_min) - m_phi)^2], then E_gamma logarithmic (soft enhancement)
      over [e_min, (s - (m_phi + Q)^2) / (2 sqrt s)];
    * ``P2_resonant`` (first A' on shell, E_gamma near Ebar = (s - m_A'^2)/(2 sqrt s)): P'^2 Breit-Wigner over
      [(m_phi + 2 m_chi)^2, s - 2 sqrt(s) e_min], E_gamma = (s - P'^2)/(2 sqrt s), then Q^2 flat over
      [4 m_chi^2, (P' - m_phi)^2].
    """
    s = sqrt_s**2
    qlo = 4.0 * m_chi**2
    pp_lo, pp_hi = (m_phi + 2.0 * m_chi) ** 2, s - 2.0 * sqrt_s * e_min
    if pp_hi <= pp_lo:
        raise ParameterError(
            "process.e_gamma_min",
            f"leaves no phase space: need e_gamma_min < (s - (m_phi + 2 m_chi)^2)/(2 sqrt s) = "
            f"{(s - pp_lo) / (2.0 * sqrt_s):.6g} GeV at sqrt(s) = {sqrt_s:g} GeV",
            e_min,
        )

    def limits(rs: FloatArray | None) -> tuple:
        """s, sqrt(s), the upper P'^2 and Q^2 limits (nominal, or per event for rs)."""
        if rs is None:
            return s, sqrt_s, pp_hi, (math.sqrt(pp_hi) - m_phi) ** 2
        ss = rs * rs
        pph = ss - 2.0 * rs * e_min
        return ss, rs, pph, (np.sqrt(pph) - m_phi) ** 2

    def e_max(qsq: FloatArray, ss: FloatArray | float, rs: FloatArray | float) -> FloatArray:
        return (ss - (m_phi + np.sqrt(qsq)) ** 2) / (2.0 * rs)

    def q_to_x(u: FloatArray, rs: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
        ss, r, _, q_hi = limits(rs)
        q, jq = bw_map(u[:, 0], m_Ap, w_Ap, qlo, q_hi)
        e, je = log_map(u[:, 1], e_min, e_max(q, ss, r))
        return np.stack([e, q], axis=1), jq * je

    def q_from_x(x: FloatArray, rs: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
        ss, r, _, q_hi = limits(rs)
        uq, jq = bw_inverse(x[:, 1], m_Ap, w_Ap, qlo, q_hi)
        ue, je = log_inverse(x[:, 0], e_min, e_max(x[:, 1], ss, r))
        return np.stack([uq, ue], axis=1), jq * je

    def p_to_x(u: FloatArray, rs: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
        ss, r, pph, _ = limits(rs)
        pp, jp = bw_map(u[:, 0], m_Ap, w_Ap, pp_lo, pph)
        q, jq = flat_map(u[:, 1], qlo, (np.sqrt(pp) - m_phi) ** 2)
        return np.stack([(ss - pp) / (2.0 * r), q], axis=1), jp / (2.0 * r) * jq

    def p_from_x(x: FloatArray, rs: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
        ss, r, pph, _ = limits(rs)
        pp = ss - 2.0 * r * x[:, 0]
        up, jp = bw_inverse(pp, m_Ap, w_Ap, pp_lo, pph)
        uq, jq = flat_inverse(x[:, 1], qlo, (np.sqrt(pp) - m_phi) ** 2)
        return np.stack([up, uq], axis=1), jp / (2.0 * r) * jq

    c_lo = math.cos(math.radians(theta_max_deg))
    c_hi = math.cos(math.radians(theta_min_deg))

    def builder(
        x: FloatArray, ang: FloatArray, rs: FloatArray | None = None
    ) -> tuple[FloatArray, FloatArray]:
        return build_gamma_phi(
            np.full(x.shape[0], sqrt_s) if rs is None else rs,
            m_phi,
            m_chi,
            np.ascontiguousarray(x[:, 0]),
            np.ascontiguousarray(x[:, 1]),
            np.ascontiguousarray(ang),
        )

    return PhaseSpace(
        8,
        2,
        (Channel("Q2_resonant", q_to_x, q_from_x), Channel("P2_resonant", p_to_x, p_from_x)),
        builder,
        cos_range=(c_lo, c_hi),
        sqrt_s=sqrt_s,
        threshold=e_min + math.sqrt(e_min**2 + pp_lo),  # rs^2 - 2 rs e_min = (m_phi + 2 m_chi)^2
    )
