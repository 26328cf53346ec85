"""Signal processes: particle content, couplings, the integrand and its phase space (physics.md 2).

A :class:`SignalProcess` joins a :class:`~darkstrahl.gen.model.DarkModel`, the beam energy and the
generation cuts to the matrix elements of :mod:`darkstrahl.gen.amplitudes` and the phase space of
:mod:`darkstrahl.gen.phasespace`. Its integrand is dsigma/dPhi in fb:

    dsigma = |M|^2 / (2 s) dPhi   (massless beams, flux 2 s),  converted with (hbar c)^2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

from .amplitudes import matrix_element_squared, matrix_element_squared_and_helicity
from .constants import E_CHARGE, GEV2_TO_FB
from .model import DarkModel
from .phasespace import PhaseSpace, gamma_phi_phase_space, phi_phase_space
from .widths import ap_widths

#: PDG Monte Carlo numbers used for the dark sector (PDG MC numbering scheme, section 'dark matter'):
#: 52 = chi (spin-1/2 DM), 54 = phi (spin-0 mediator), 55 = A' (spin-1 mediator).
PDG_CHI, PDG_PHI, PDG_AP = 52, 54, 55

PARTICLES: dict[str, tuple[str, ...]] = {
    "phi": ("e-", "e+", "phi", "chi", "chibar"),
    "gamma_phi": ("e-", "e+", "gamma", "phi", "chi", "chibar"),
}
PDG: dict[str, tuple[int, ...]] = {
    "phi": (11, -11, PDG_PHI, PDG_CHI, -PDG_CHI),
    "gamma_phi": (11, -11, 22, PDG_PHI, PDG_CHI, -PDG_CHI),
}


@dataclass(frozen=True)
class GenerationCuts:
    """Photon generation cuts in the centre-of-mass frame (physics.md 2): E >= e_min [GeV],
    theta_min <= theta <= theta_max [deg]."""

    e_min: float = 0.25
    theta_min: float = 22.0
    theta_max: float = 158.0

    def __post_init__(self) -> None:
        if not self.e_min > 0:
            raise ParameterError(
                "process.e_gamma_min", "must be > 0 GeV (the soft photon is divergent)", self.e_min
            )
        if not 0.0 < self.theta_min < self.theta_max < 180.0:
            raise ParameterError(
                "process.theta_gamma_min/max",
                "need 0 < theta_gamma_min < theta_gamma_max < 180 deg (collinear divergence)",
                (self.theta_min, self.theta_max),
            )


@dataclass(frozen=True)
class SignalProcess:
    """e+ e- -> phi chi chibar (``"phi"``) or gamma phi chi chibar (``"gamma_phi"``) at ``sqrt_s`` [GeV].

    ``ap_width`` overrides the A' width in both propagators [GeV] (default: the model's total width);
    ``pol_em`` is the longitudinal polarization of the e- beam in [-1, 1].
    """

    name: str
    model: DarkModel
    sqrt_s: float = 10.58
    pol_em: float = 0.0
    cuts: GenerationCuts = field(default_factory=GenerationCuts)
    ap_width: float | None = None

    def __post_init__(self) -> None:
        if self.name not in PARTICLES:
            raise ParameterError("process.name", f"must be one of {sorted(PARTICLES)}", self.name)
        if not -1.0 <= self.pol_em <= 1.0:
            raise ParameterError("beams.pol_em", "must lie in [-1, 1]", self.pol_em)
        if not self.sqrt_s > self.model.m_phi + 2 * self.model.m_chi:
            raise ParameterError(
                "run.sqrt_s", "must exceed m_phi + 2 m_chi (the process threshold)", self.sqrt_s
            )
        if self.ap_width is not None and not self.ap_width > 0:
            raise ParameterError("process.ap_width", "must be > 0 GeV", self.ap_width)

    @cached_property
    def width_Ap(self) -> float:
        """A' width in both propagators [GeV]."""
        return self.ap_width if self.ap_width is not None else ap_widths(self.model).total

    @property
    def coupling(self) -> float:
        """Product of the vertex couplings: g_e g_hVV g_chi [GeV] (times e for the photon)."""
        c = self.model.g_e * self.model.g_hVV * self.model.g_chi
        return c * E_CHARGE if self.name == "gamma_phi" else c

    @property
    def particles(self) -> tuple[str, ...]:
        return PARTICLES[self.name]

    @property
    def pdg(self) -> tuple[int, ...]:
        return PDG[self.name]

    @cached_property
    def phase_space(self) -> PhaseSpace:
        m = self.model
        if self.name == "phi":
            return phi_phase_space(self.sqrt_s, m.m_Ap, self.width_Ap, m.m_phi, m.m_chi)
        c = self.cuts
        return gamma_phi_phase_space(
            self.sqrt_s, m.m_Ap, self.width_Ap, m.m_phi, m.m_chi, c.e_min, c.theta_min, c.theta_max
        )

    def msq(self, p: NDArray) -> NDArray:
        """Spin-averaged |M|^2 at momenta ``p`` (n, particles, 4)."""
        m = self.model
        return matrix_element_squared(
            self.name, p, m.m_chi, m.m_Ap, self.width_Ap, self.coupling, self.pol_em
        )

    def integrand(self, p: NDArray) -> NDArray:
        """dsigma/dPhi [fb] = |M|^2 / (2 s) * (hbar c)^2."""
        return self.msq(p) * (GEV2_TO_FB / (2.0 * self.sqrt_s**2))

    def integrand_and_helicity(self, p: NDArray, r: NDArray) -> tuple[NDArray, NDArray]:
        """:meth:`integrand` and, from the uniforms ``r``, a helicity configuration code per event."""
        m = self.model
        msq, code = matrix_element_squared_and_helicity(
            self.name, p, m.m_chi, m.m_Ap, self.width_Ap, self.coupling, self.pol_em, r
        )
        return msq * (GEV2_TO_FB / (2.0 * self.sqrt_s**2)), code
