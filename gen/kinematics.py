"""Four-vector helpers compiled with numba: invariant masses, pure boosts, two-body decays.

Four-vectors are (E, px, py, pz) in GeV, the last axis of an array.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numpy.typing import NDArray

_jit = nb.njit(cache=True, inline="always")


@_jit
def msq4(p: NDArray) -> float:
    """Invariant mass squared p^2 of one four-vector [GeV^2]."""
    return p[0] * p[0] - p[1] * p[1] - p[2] * p[2] - p[3] * p[3]


@_jit
def two_body_momentum(M: float, m1: float, m2: float) -> float:
    """Daughter momentum [GeV] in the rest frame of M -> m1 m2, exactly 0 at or below threshold M <= m1 + m2
    (the product below is positive again for M < |m1 - m2|: issue 12 item 1)."""
    above = M * M - (m1 + m2) ** 2
    if above <= 0.0:
        return 0.0
    return math.sqrt(above * (M * M - (m1 - m2) ** 2)) / (2.0 * M)


@_jit
def boost_into(p: NDArray, frame: NDArray, out: NDArray) -> None:
    """Pure boost of ``p``, given in the rest frame of ``frame``, into the frame where ``frame`` has
    its four-momentum (``frame`` timelike). Writes into ``out`` (may alias ``p``)."""
    m = math.sqrt(max(msq4(frame), 0.0))
    e = frame[0]
    # E' = (E e + p.P) / m,  p' = p + P (E + E') / (e + m),  P = frame's three-momentum
    e_new = (p[0] * e + frame[1] * p[1] + frame[2] * p[2] + frame[3] * p[3]) / m
    f = (p[0] + e_new) / (e + m)
    out[1] = p[1] + frame[1] * f
    out[2] = p[2] + frame[2] * f
    out[3] = p[3] + frame[3] * f
    out[0] = e_new


@_jit
def decay_in_rest_frame(
    M: float, m1: float, m2: float, cos_t: float, phi: float, d1: NDArray, d2: NDArray
) -> float:
    """Two-body decay M -> m1 m2 at rest: daughter 1 along (cos_t, phi), daughter 2 opposite.
    Writes the four-momenta into d1, d2 and returns the momentum |p| [GeV]."""
    pm = two_body_momentum(M, m1, m2)
    st = math.sqrt(max(0.0, 1.0 - cos_t * cos_t))
    px, py, pz = pm * st * math.cos(phi), pm * st * math.sin(phi), pm * cos_t
    d1[0] = math.sqrt(m1 * m1 + pm * pm)
    d1[1], d1[2], d1[3] = px, py, pz
    d2[0] = math.sqrt(m2 * m2 + pm * pm)
    d2[1], d2[2], d2[3] = -px, -py, -pz
    return pm


@nb.njit(cache=True)
def boost_many(p: NDArray, frames: NDArray) -> NDArray:
    """Pure boosts of rest-frame momenta p (n, 4) into the frames of ``frames`` (n, 4) (see boost_into)."""
    out = np.empty_like(p)
    for i in range(p.shape[0]):
        boost_into(p[i], frames[i], out[i])
    return out


def invariant_mass_squared(p: NDArray) -> NDArray:
    """p^2 over the last axis of an array of four-vectors [GeV^2]."""
    return p[..., 0] ** 2 - np.sum(p[..., 1:] ** 2, axis=-1)


@_jit
def put_cm_beams(p: NDArray, sqrt_s: float) -> None:
    """Massless beams of the centre-of-mass frame into p[0] (e-, along +z) and p[1] (e+, along -z)."""
    half = 0.5 * sqrt_s
    p[0, 0] = half
    p[0, 1] = 0.0
    p[0, 2] = 0.0
    p[0, 3] = half
    p[1, 0] = half
    p[1, 1] = 0.0
    p[1, 2] = 0.0
    p[1, 3] = -half


def beam_s(p: NDArray) -> NDArray:
    """s = (p_1 + p_2)^2 = 4 E_1 E_2 [GeV^2] of massless beams along +-z in slots 0 and 1 of p (n, k, 4)
    (the flux factor 2 s of every event, also after initial-state radiation)."""
    return 4.0 * p[:, 0, 0] * p[:, 1, 0]


def cm_beams(sqrt_s: float, n: int) -> NDArray:
    """(n, 2, 4) massless centre-of-mass beams: e- along +z, e+ along -z [GeV]."""
    half = 0.5 * sqrt_s
    return np.broadcast_to(np.array([[half, 0.0, 0.0, half], [half, 0.0, 0.0, -half]]), (n, 2, 4)).copy()
