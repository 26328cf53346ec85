"""Phase space of e- e+ -> h' chi1 chi2 (next_wave.md 2.4 item 3; physics.md section 2 for the method).

The map (unit cube u of shape (n, 5) -> momenta (n, 5, 4) [GeV], slots e-, e+, h', chi1, chi2):

    u0       -> Q^2 = (p_chi1 + p_chi2)^2 [GeV^2] through the channel's map over
                [(m1 + m2)^2, (sqrt(s) - m_h')^2]
    u1, u2   -> h' direction (cos, azimuth) in the centre-of-mass frame (flat: Jacobian 4 pi)
    u3, u4   -> chi1 direction in the chi1 chi2 rest frame (flat: Jacobian 4 pi)

Phase-space measure (Byckling & Kajantie ch. IV-V; (2 pi)^4 delta^4 included):

    dPhi_3 = dQ^2/(2 pi) dPhi_2(sqrt s; m_h', Q) dPhi_2(Q; m1, m2),  dPhi_2(M; a, b) = |p|/(16 pi^2 M) dOmega,

so W_phys = dPhi_3/(dQ^2 dOmega_1 dOmega_2) = |p_h'|/(16 pi^2 sqrt s) |p_chi|/(16 pi^2 Q)/(2 pi) [GeV^-2]
(the momentum builder :func:`darkstrahl.gen.phasespace.build_scalar_pair`, shared with phi chi chibar).

Channels (:class:`~darkstrahl.gen.phasespace.Channel`), combined with Kleiss-Pittau weights by the sampler:

* ``Q2_resonant``: Breit-Wigner map of Q^2 around the A' (Higgs-strahlung with an on-shell A'),
  Jacobian (y_hi - y_lo) ((Q^2 - m_A'^2)^2 + m_A'^2 Gamma_A'^2)/(m_A' Gamma_A');
* ``Q2_flat``: Q^2 uniform, Jacobian (hi - lo): the A' off shell (m_A' + m_h' > sqrt s, up to 12 GeV) and
  the diagrams with h' emitted from the DM line.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

from .phasespace import PhaseSpace, build_scalar_pair, mass_channel

FloatArray = NDArray[np.float64]


def hp_chi1chi2_phase_space(
    sqrt_s: float, m_Ap: float, w_Ap: float, m_hp: float, m1: float, m2: float
) -> PhaseSpace:
    """The two-channel phase space of the module docstring at nominal ``sqrt_s`` [GeV] (per-event
    energies for ISR through the channels' ``rs`` argument); masses and the A' width in GeV."""
    lo = (m1 + m2) ** 2
    if not sqrt_s > m_hp + m1 + m2:
        raise ParameterError("run.sqrt_s", "must exceed the threshold m_hp + m_chi1 + m_chi2", sqrt_s)
    if not w_Ap > 0:
        raise ParameterError("process.ap_width", "the A' width must be > 0 GeV", w_Ap)

    def upper(rs: FloatArray | None) -> FloatArray | float:
        return (sqrt_s - m_hp) ** 2 if rs is None else (rs - m_hp) ** 2

    def builder(
        x: FloatArray, ang: FloatArray, rs: FloatArray | None = None
    ) -> tuple[FloatArray, FloatArray]:
        rs = np.full(x.shape[0], sqrt_s) if rs is None else rs
        q2 = np.ascontiguousarray(x[:, 0])
        return build_scalar_pair(np.ascontiguousarray(rs), m_hp, m1, m2, q2, np.ascontiguousarray(ang))

    return PhaseSpace(
        5,
        1,
        (mass_channel("Q2_resonant", lo, upper, (m_Ap, w_Ap)), mass_channel("Q2_flat", lo, upper)),
        builder,
        sqrt_s=sqrt_s,
        threshold=m_hp + m1 + m2,
    )
