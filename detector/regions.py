"""Displaced-decay regions of the long-lived phi (physics.md section 3; reference.md 3.3).

A region is an annular cylinder around the beam (z) axis, r_in <= r_T < r_out in the transverse radius
[mm]. With the lab transverse momentum p_T and the proper decay length c tau, the transverse decay
distance is exponential with mean d = p_T c tau / m_phi, so

    P(r_in, r_out) = exp(-r_in / d) - exp(-r_out / d).

Two equivalent uses (physics.md): (a) weight every event by P; (b) sample the decay point inside the
region from the truncated exponential in r_T (then the 3-D point r_T / sin(theta) along the lab flight
direction and the lab time L / (beta c)) and carry P as the event weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hepunits import c_light, mm, ns
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

C_MM_PER_NS = c_light / (mm / ns)  # 299.792458 mm/ns


@dataclass(frozen=True)
class Region:
    """Transverse-radius interval [r_in, r_out) in mm (r_out may be infinite)."""

    name: str
    r_in: float
    r_out: float

    def __post_init__(self) -> None:
        if not (0.0 <= self.r_in < self.r_out):
            raise ParameterError("detector.region", "need 0 <= r_in < r_out (mm)", (self.r_in, self.r_out))


#: The regions of physics.md section 3 [mm].
REGIONS: dict[str, Region] = {
    "prompt": Region("prompt", 0.0, 2.0),
    "displaced": Region("displaced", 2.0, 9.0),  # displaced, uninstrumented: the default signal region
    "instrumented": Region("instrumented", 9.0, 1100.0),
    "invisible": Region("invisible", 1100.0, math.inf),
    "all": Region("all", 0.0, math.inf),
}


def region(name: str | None = None, r_in: float | None = None, r_out: float | None = None) -> Region:
    """A named region of :data:`REGIONS`, or a user-defined one from r_in, r_out [mm]."""
    if r_in is not None or r_out is not None:
        return Region(name or "custom", 0.0 if r_in is None else r_in, math.inf if r_out is None else r_out)
    if name not in REGIONS:
        raise ParameterError("detector.region", f"must be one of {sorted(REGIONS)} or set r_in/r_out", name)
    return REGIONS[name]


def transverse_decay_length(pt: NDArray, m: float, ctau_mm: float) -> NDArray:
    """Mean transverse decay distance d = p_T c tau / m [mm] (p_T in the lab, GeV)."""
    return np.asarray(pt) * ctau_mm / m


def decay_probability(d_mm: NDArray, reg: Region) -> NDArray:
    """P(r_in <= r_T < r_out) = exp(-r_in/d) - exp(-r_out/d) for mean transverse distance d [mm]."""
    d = np.asarray(d_mm, dtype=np.float64)
    with np.errstate(divide="ignore", over="ignore"):
        a = np.exp(-reg.r_in / d)
        b = np.exp(-reg.r_out / d) if math.isfinite(reg.r_out) else np.zeros_like(d)
    return a - b


def sample_transverse_radius(d_mm: NDArray, reg: Region, rng: np.random.Generator) -> NDArray:
    """r_T [mm] from exp(-r/d) truncated to [r_in, r_out) (inverse CDF, stable for P << 1)."""
    d = np.asarray(d_mm, dtype=np.float64)
    u = rng.random(d.shape)
    span = (reg.r_out - reg.r_in) / d if math.isfinite(reg.r_out) else np.full(d.shape, np.inf)
    # r = r_in - d ln(1 - u (1 - exp(-(r_out - r_in)/d)))
    return reg.r_in - d * np.log1p(-u * -np.expm1(-span))


def decay_vertex(p_lab: NDArray, m: float, r_t: NDArray) -> NDArray:
    """Decay point (x, y, z) [mm] and lab time t [ns] of a particle of lab momentum p_lab (n, 4) decaying
    at transverse radius r_t [mm], produced at the origin: L = r_T |p| / p_T along p."""
    pt = np.hypot(p_lab[:, 1], p_lab[:, 2])
    pabs = np.linalg.norm(p_lab[:, 1:], axis=1)
    length = r_t * pabs / pt
    pos = p_lab[:, 1:] / pabs[:, None] * length[:, None]
    beta = pabs / p_lab[:, 0]
    t = length / (beta * C_MM_PER_NS)
    return np.column_stack([pos, t])


def vertex_from_proper_length(p_lab: NDArray, m: float, ct_mm: NDArray) -> NDArray:
    """Decay point (x, y, z) [mm] and lab time [ns] from the proper decay length c t [mm]:
    L = (|p| / m) c t along the lab momentum (no region imposed)."""
    pabs = np.linalg.norm(p_lab[:, 1:], axis=1)
    length = pabs / m * ct_mm
    pt = np.hypot(p_lab[:, 1], p_lab[:, 2])
    return decay_vertex(p_lab, m, length * pt / pabs)


def reweight_factor(d_old: NDArray, d_new: NDArray, reg: Region, r_t: NDArray | None = None) -> NDArray:
    """Factor that turns region weights computed with mean transverse distance ``d_old`` into those for
    ``d_new`` (a new theta changes c tau, not the kinematics). Method (a): P_new / P_old. Method (b), a
    vertex sampled at r_t with density exp(-r/d_old) / (d_old P_old): the density ratio
    [exp(-r/d_new)/d_new] / [exp(-r/d_old)/(d_old P_old)] divided by P_old (the old weight)."""
    if r_t is None:
        p_old = decay_probability(d_old, reg)
        return np.divide(decay_probability(d_new, reg), p_old, out=np.zeros_like(p_old), where=p_old > 0)
    return d_old / d_new * np.exp(-r_t / d_new + r_t / d_old)
