"""SuperKEKB beams and the exact centre-of-mass to lab transform (physics.md section 3, reference.md 7.1).

Lab frame = Belle II detector frame: z along the solenoid axis (bisecting the e- beam and the reversed e+
beam), x horizontal. Each beam momentum is the z axis rotated about y by its crossing angle; a negative
angle means pi - |angle| (basf2 generators/scripts/beamparameters.py), so both beams have +x momentum:

    p(e-) = E_HER (sin a_HER, 0, cos a_HER),    p(e+) = E_LER (sin |a_LER|, 0, -cos |a_LER|).

Beams are massless (|p| = E), like the beams of the generation; the electron mass changes |p| by 1e-8.

The transform Lambda = B(beta) R maps centre-of-mass momenta (e- along +z) into the lab: R is the smallest
rotation taking +z onto the direction of the e- beam seen in the centre-of-mass frame, B the pure boost
along beta = P_lab / E_lab. Lambda maps (sqrt(s)/2)(1, 0, 0, +-1) exactly onto the two beams.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

#: Beam presets (basf2 beamparameters.py): energies [GeV] and horizontal crossing angles [rad].
PRESETS: dict[str, dict[str, float]] = {
    "SuperKEKB": {"e_her": 7.0, "e_ler": 4.0, "angle_her": 0.0415, "angle_ler": -0.0415},
    "Y4S": {"e_her": 7.004, "e_ler": 4.002, "angle_her": 0.0415, "angle_ler": -0.0415},
}
#: Beam-energy spreads of the SuperKEKB preset [GeV] (basf2: covHER = (5.13e-3)^2, covLER = (2.375e-3)^2).
SPREAD_HER, SPREAD_LER = 5.13e-3, 2.375e-3


def pure_boost(beta: NDArray) -> NDArray:
    """4x4 matrix of the pure boost with velocity ``beta`` (3,) acting on (E, px, py, pz)."""
    b2 = float(beta @ beta)
    g = 1.0 / math.sqrt(1.0 - b2)
    m = np.eye(4)
    m[0, 0] = g
    m[0, 1:] = m[1:, 0] = g * beta
    if b2 > 0:
        m[1:, 1:] += (g - 1.0) * np.outer(beta, beta) / b2
    return m


def rotation_onto(a: NDArray, b: NDArray) -> NDArray:
    """4x4 matrix of the smallest rotation taking the direction of ``a`` onto that of ``b`` (Rodrigues)."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    v = np.cross(a, b)
    c = float(a @ b)
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    r3 = np.eye(3) + vx + vx @ vx / (1.0 + c)
    m = np.eye(4)
    m[1:, 1:] = r3
    return m


def beam_momentum(energy: float, angle: float) -> NDArray:
    """Massless beam four-momentum: the z axis rotated about y by ``angle`` (negative: pi - |angle|)."""
    theta = angle if angle >= 0 else math.pi - abs(angle)
    return energy * np.array([1.0, math.sin(theta), 0.0, math.cos(theta)])


@dataclass(frozen=True)
class Beams:
    """Beam energies [GeV], crossing angles [rad] and optional energy spreads [GeV] (Gaussian)."""

    e_her: float = 7.0
    e_ler: float = 4.0
    angle_her: float = 0.0415
    angle_ler: float = -0.0415
    spread_her: float = 0.0
    spread_ler: float = 0.0

    def __post_init__(self) -> None:
        for name in ("e_her", "e_ler"):
            if not getattr(self, name) > 0:
                raise ParameterError(f"beams.{name}", "beam energy must be > 0 GeV", getattr(self, name))
        for name in ("spread_her", "spread_ler"):
            if not getattr(self, name) >= 0:
                raise ParameterError(f"beams.{name}", "energy spread must be >= 0 GeV", getattr(self, name))
        for name in ("angle_her", "angle_ler"):
            if not abs(getattr(self, name)) < 0.5:
                raise ParameterError(
                    f"beams.{name}", "crossing angle must be below 0.5 rad", getattr(self, name)
                )

    @classmethod
    def preset(cls, name: str, with_spread: bool = False) -> Beams:
        """The named preset (``SuperKEKB`` or ``Y4S``), optionally with the SuperKEKB energy spreads."""
        if name not in PRESETS:
            raise ParameterError("beams.preset", f"must be one of {sorted(PRESETS)}", name)
        spread = {"spread_her": SPREAD_HER, "spread_ler": SPREAD_LER} if with_spread else {}
        return cls(**PRESETS[name], **spread)

    @property
    def p_her(self) -> NDArray:
        """e- (HER) four-momentum in the lab [GeV]."""
        return beam_momentum(self.e_her, self.angle_her)

    @property
    def p_ler(self) -> NDArray:
        """e+ (LER) four-momentum in the lab [GeV]."""
        return beam_momentum(self.e_ler, self.angle_ler)

    @property
    def total(self) -> NDArray:
        """Total lab four-momentum [GeV]."""
        return self.p_her + self.p_ler

    @property
    def sqrt_s(self) -> float:
        """Centre-of-mass energy [GeV]."""
        p = self.total
        return math.sqrt(p[0] ** 2 - p[1:] @ p[1:])

    @property
    def beta(self) -> NDArray:
        """Velocity of the centre-of-mass frame in the lab."""
        p = self.total
        return p[1:] / p[0]

    @property
    def beta_gamma(self) -> float:
        """|beta| gamma of the centre-of-mass frame."""
        p = self.total
        return float(np.linalg.norm(p[1:])) / self.sqrt_s

    @property
    def boost_angle(self) -> float:
        """Angle between the boost direction and the z axis [rad]."""
        b = self.beta
        return math.atan2(math.hypot(b[0], b[1]), b[2])

    def cm_to_lab(self) -> NDArray:
        """The 4x4 matrix Lambda = B R (module docstring)."""
        return _cm_to_lab(self.p_her, self.p_ler)

    def lab_to_cm(self) -> NDArray:
        """Inverse of :meth:`cm_to_lab`."""
        return np.linalg.inv(self.cm_to_lab())

    def cm_to_lab_per_event(self, rng: np.random.Generator, n: int) -> NDArray:
        """(n, 4, 4) transforms for beam energies drawn with the energy spreads (Gaussian)."""
        e_h = self.e_her + self.spread_her * rng.standard_normal(n)
        e_l = self.e_ler + self.spread_ler * rng.standard_normal(n)
        return np.stack(
            [
                _cm_to_lab(beam_momentum(a, self.angle_her), beam_momentum(b, self.angle_ler))
                for a, b in zip(e_h, e_l, strict=True)
            ]
        )


def _cm_to_lab(p_her: NDArray, p_ler: NDArray) -> NDArray:
    total = p_her + p_ler
    boost = pure_boost(total[1:] / total[0])
    her_cm = np.linalg.solve(boost, p_her)  # the e- beam seen in the centre-of-mass frame
    return boost @ rotation_onto(np.array([0.0, 0.0, 1.0]), her_cm[1:])


def transform(momenta: NDArray, matrix: NDArray) -> NDArray:
    """Apply a 4x4 (or per-event (n, 4, 4)) Lorentz matrix to momenta (n, k, 4) [GeV]."""
    if matrix.ndim == 2:
        return momenta @ matrix.T
    return np.einsum("nij,nkj->nki", matrix, momenta)
