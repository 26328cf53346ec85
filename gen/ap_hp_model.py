"""The seed-000 model point: dark Higgs-strahlung e+e- -> A' h' with A' -> mu+ mu- and an invisible h'
(next_wave.md 1.1; Batell-Pospelov-Ritz, arXiv:0903.0363).

Conventions (next_wave.md 1.1, section "alpha_D convention"; the seed-002 convention is
:class:`~darkstrahl.gen.idm_model.IdmModel`):

* ``alpha_D = g_D^2/(4 pi)`` is the coupling of the dark photon to the dark Higgs; the dark-Higgs charge
  is q_S = ``q_Phi`` = 1 (default), so the A'A'h' Feynman rule is i g_hVV g^{mu nu} with
  g_hVV = 2 q_Phi g_D m_A' and sigma(e+e- -> A'h') is the BPR formula with q_S^2 = q_Phi^2;
* the A' couples to the electromagnetic current with eps e Q_f (``eps_convention`` as in
  :class:`~darkstrahl.gen.model.DarkModel`): g_e = g_mu = eps_em e (Q_e = Q_mu = -1, the common sign
  drops out of every rate);
* no dark decays are open (dark matter heavier than A' and h', next_wave.md 1.1), so
  Gamma_A' = eps_em^2 Gamma_SM(eps = 1) with the leptons in closed form and the hadrons from the DarkCast
  table (:func:`darkstrahl.gen.widths.ap_sm_width_eps1`), and
  BR(A' -> mu mu) = Gamma_mumu / (Gamma_ee + Gamma_mumu + Gamma_tautau + Gamma_hadrons);
* the DarkCast R ratio is smooth: the narrow resonances J/psi, psi(2S), Upsilon(1S-3S) are not in it
  (next_wave.md 1.1, "open choice"). ``narrow_resonances`` says what to do when m_A' lies within
  ``resonance_window`` of one of them: ``"flag"`` (warn and report it), ``"refuse"`` (ParameterError) or
  ``"ignore"``. The resonance masses come from the ``particle`` package (PDG).
* h' is stable and invisible (m_h' < m_A': it decays through A' loops at a rate ∝ eps^4, next_wave.md 1.1).

Units: GeV, fb.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from particle import Particle

from darkstrahl.errors import ParameterError

from .constants import GEV2_TO_FB, M_E, M_MU, M_TAU
from .crosssections import sigma_ee_to_vh_GeV2
from .model import EpsConvention, KineticMixing
from .widths import ap_sm_width_eps1, vector_to_scalar_vector

#: Narrow vector resonances that the smooth DarkCast R ratio omits (name -> PDG id).
NARROW_RESONANCES: dict[str, int] = {
    "J/psi": 443,
    "psi(2S)": 100443,
    "Upsilon(1S)": 553,
    "Upsilon(2S)": 100553,
    "Upsilon(3S)": 200553,
}
RESONANCE_POLICIES = ("flag", "refuse", "ignore")

#: Keys of a card's ``[model]`` section read by :meth:`ApHpModel.from_section`.
MODEL_KEYS = (
    "three_body_width",
    "m_Ap",
    "m_hp",
    "eps",
    "alpha_D",
    "q_Phi",
    "eps_convention",
    "narrow_resonances",
    "resonance_window",
)


@functools.cache
def resonance_masses() -> dict[str, float]:
    """Masses [GeV] of :data:`NARROW_RESONANCES` (PDG values through ``particle``)."""
    return {name: Particle.from_pdgid(pid).mass / 1000.0 for name, pid in NARROW_RESONANCES.items()}


def near_narrow_resonance(m: float, window: float) -> str | None:
    """The narrow resonance within ``window`` [GeV] of the mass ``m`` [GeV], or None."""
    for name, mass in resonance_masses().items():
        if abs(m - mass) < window:
            return name
    return None


@dataclasses.dataclass(frozen=True)
class ApHpModel(KineticMixing):
    """One (M_A', M_h', eps, alpha_D) point of the seed-000 model (module docstring).

    Masses in GeV; ``eps`` and ``alpha_D`` dimensionless; ``resonance_window`` in GeV.
    """

    m_Ap: float
    m_hp: float
    eps: float = 1e-3
    alpha_D: float = 0.1
    q_Phi: float = 1.0
    eps_convention: EpsConvention = "photon"
    narrow_resonances: str = "flag"
    resonance_window: float = 0.05
    three_body_width: bool = False

    def __post_init__(self) -> None:
        for name in ("m_Ap", "m_hp", "eps", "alpha_D", "q_Phi", "resonance_window"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ParameterError(f"model.{name}", "must be a finite real number", value)
            if value <= 0.0:
                raise ParameterError(f"model.{name}", "must be > 0", value)
            object.__setattr__(self, name, float(value))
        if not self.m_Ap > 2.0 * M_MU:
            raise ParameterError(
                "model.m_Ap", f"must exceed 2 m_mu = {2 * M_MU:.6g} GeV (A' -> mu mu)", self.m_Ap
            )
        if not self.m_hp < self.m_Ap:
            raise ParameterError(
                "model.m_hp", f"must be < m_Ap = {self.m_Ap:g} GeV (only then is h' invisible)", self.m_hp
            )
        if self.eps_convention not in ("photon", "hypercharge"):
            raise ParameterError(
                "model.eps_convention", "must be 'photon' or 'hypercharge'", self.eps_convention
            )
        if self.narrow_resonances not in RESONANCE_POLICIES:
            raise ParameterError(
                "model.narrow_resonances", f"must be one of {RESONANCE_POLICIES}", self.narrow_resonances
            )
        near = self.near_resonance
        if near is not None and self.narrow_resonances == "refuse":
            raise ParameterError(
                "model.m_Ap",
                f"lies within {self.resonance_window:g} GeV of the {near} (its spike is not in the DarkCast "
                "R ratio; set model.narrow_resonances = 'flag' to generate anyway)",
                self.m_Ap,
            )
        if near is not None and self.narrow_resonances == "flag":
            warnings.warn(
                f"m_A' = {self.m_Ap:g} GeV lies within {self.resonance_window:g} GeV of the {near}: "
                "BR(A' -> mu mu) uses the smooth DarkCast R ratio without the resonance",
                stacklevel=2,
            )

    @classmethod
    def from_section(cls, m: Mapping[str, Any]) -> ApHpModel:
        """The model of a card's ``[model]`` section (keys :data:`MODEL_KEYS`; None or missing: default)."""
        for key in ("m_Ap", "m_hp"):
            if m.get(key) is None:
                raise ParameterError(f"model.{key}", "must be set (GeV) for the A'h' process")
        return cls(**{k: m[k] for k in MODEL_KEYS if m.get(k) is not None})

    # ------------------------------------------------------------------ couplings
    @property
    def near_resonance(self) -> str | None:
        """The narrow resonance near m_A' (within ``resonance_window``), or None."""
        return near_narrow_resonance(self.m_Ap, self.resonance_window)


    @property
    def g_D(self) -> float:
        """Dark gauge coupling g_D = sqrt(4 pi alpha_D)."""
        return math.sqrt(4.0 * math.pi * self.alpha_D)

    @property
    def g_hVV(self) -> float:
        """A'A'h' coupling [GeV]: rule i g_hVV g^{mu nu}, g_hVV = 2 q_Phi g_D m_A' (next_wave.md 1.1)."""
        return 2.0 * self.q_Phi * self.g_D * self.m_Ap

    # ------------------------------------------------------------------ widths and rates
    @functools.cached_property
    def widths(self) -> dict[str, float]:
        """A' partial widths [GeV]: ee, mumu, tautau, hadrons (eps_em^2 x the eps = 1 widths), and with
        ``three_body_width`` also hp_sm = Gamma(A' -> h' A'* -> h' + SM) (:meth:`width_hp_sm`)."""
        out = {k: float(v[0]) * self.eps_em**2 for k, v in ap_sm_width_eps1(self.m_Ap).items()}
        if self.three_body_width:
            out["hp_sm"] = self.width_hp_sm
        return out

    @functools.cached_property
    def width_hp_sm(self) -> float:
        """Gamma(A' -> h' A'*(q^2) -> h' + SM) [GeV], the three-body decay through the A'A'h' vertex,
        open whenever m_h' < m_A' (the spec and the seed neglect it: next_wave.md 1.1, "no dark-sector
        decays"):

            int dq^2 Gamma(A' -> h' V*(q^2)) q Gamma_SM(q) / (pi |D(q^2)|^2),  4 m_e^2 < q^2 < (m_A' - m_h')^2

        Gamma(A' -> h' V*) of :func:`darkstrahl.gen.widths.vector_to_scalar_vector` with g_hVV, Gamma_SM(q)
        the eps_em^2-scaled SM width of a vector of mass q (:func:`~darkstrahl.gen.widths.ap_sm_width_eps1`),
        D(q^2) = q^2 - m_A'^2 + i m_A' Gamma_SM(m_A') (the structure of reference.md 2.3). O(alpha_D/pi):
        0.1-8 % of Gamma_SM at alpha_D = 0.1, growing as m_h' -> 0 (docs/validation.md section 14)."""
        m, mh = self.m_Ap, self.m_hp
        gam = sum(float(v[0]) for v in ap_sm_width_eps1(m).values()) * self.eps_em**2
        lo, hi = 4.0 * M_E**2, (m - mh) ** 2
        # composite Gauss-Legendre, cosine-mapped pieces between the thresholds and table kinks
        # (sqrt-type end points become analytic; edges around the rho, omega, phi of the DarkCast table)
        edges = np.unique(
            [
                lo,
                hi,
                *(
                    x
                    for x in (
                        4 * M_MU**2,
                        0.08,
                        0.3,
                        0.55,
                        0.6,
                        0.62,
                        0.66,
                        1.0,
                        1.04,
                        1.08,
                        2.0,
                        4 * M_TAU**2,
                    )
                    if lo < x < hi
                ),
            ]
        )
        x, w = np.polynomial.legendre.leggauss(64)
        t = 0.5 * (x + 1.0)
        a, b = edges[:-1, None], edges[1:, None]
        qsq = (a + (b - a) * 0.5 * (1.0 - np.cos(math.pi * t))).ravel()
        wq = (0.5 * w * (b - a) * 0.5 * math.pi * np.sin(math.pi * t)).ravel()
        q = np.sqrt(qsq)
        g_sm = sum(ap_sm_width_eps1(q).values()) * self.eps_em**2
        spectral = q * g_sm / (math.pi * ((qsq - m * m) ** 2 + (m * gam) ** 2))
        return float(np.sum(wq * vector_to_scalar_vector(m, self.g_hVV, mh, qsq) * spectral))

    @property
    def width_Ap(self) -> float:
        """Total A' width [GeV] = Gamma_mumu / BR(A' -> mu mu)."""
        return sum(self.widths.values())

    @property
    def br_mumu(self) -> float:
        """BR(A' -> mu+ mu-) (DarkCast R ratio, next_wave.md 1.1)."""
        return self.widths["mumu"] / self.width_Ap

    def sigma_ap_hp_fb(self, sqrt_s: float) -> float:
        """Born sigma(e+e- -> A'h') [fb] (next_wave.md 1.1, the BPR formula with q_S = q_Phi) through
        :func:`darkstrahl.gen.crosssections.sigma_ee_to_vh_GeV2`."""
        return (
            float(sigma_ee_to_vh_GeV2(sqrt_s**2, self.g_e**2, self.g_hVV, self.m_Ap, self.m_hp)) * GEV2_TO_FB
        )

    def sigma_nwa_fb(self, sqrt_s: float) -> float:
        """Narrow-width sigma(e+e- -> A'h') x BR(A' -> mu mu) [fb]."""
        return self.sigma_ap_hp_fb(sqrt_s) * self.br_mumu

    def summary(self, sqrt_s: float) -> dict[str, Any]:
        """Widths, BR, couplings and the narrow-width rate (JSON-serialisable; GeV, fb)."""
        return {
            "m_Ap_GeV": self.m_Ap,
            "m_hp_GeV": self.m_hp,
            "eps": self.eps,
            "alpha_D": self.alpha_D,
            "q_Phi": self.q_Phi,
            "width_Ap_GeV": self.width_Ap,
            "br_mumu": self.br_mumu,
            "sigma_ap_hp_fb": self.sigma_ap_hp_fb(sqrt_s),
            "sigma_nwa_fb": self.sigma_nwa_fb(sqrt_s),
            "f_L": float(longitudinal_fraction(self.m_Ap, self.m_hp, sqrt_s)),
            "near_resonance": self.near_resonance,
            "width_hp_sm_GeV": self.width_hp_sm,
            "three_body_width": self.three_body_width,
        }


# ---------------------------------------------------------------------------------- polarisation
def longitudinal_fraction(m_Ap: ArrayLike, m_hp: ArrayLike, sqrt_s: float) -> NDArray[np.float64]:
    """A' longitudinal fraction in e+e- -> A'h' (next_wave.md 1.1):
    f_L = E_A'^2/(E_A'^2 + 2 M_A'^2), E_A' = (s + M_A'^2 - M_h'^2)/(2 sqrt s)."""
    m_Ap, m_hp = np.asarray(m_Ap, dtype=np.float64), np.asarray(m_hp, dtype=np.float64)
    e = (sqrt_s**2 + m_Ap**2 - m_hp**2) / (2.0 * sqrt_s)
    return e * e / (e * e + 2.0 * m_Ap**2)


def helicity_density(cos_eta: ArrayLike, f_L: float, beta: float = 1.0) -> NDArray[np.float64]:
    """dN/dcos(eta), normalised on [-1, 1], of the mu- helicity angle for an A' of longitudinal fraction f_L
    decaying through a vector current into muons of velocity ``beta`` in its rest frame.

    beta = 1 (massless muons) is the formula of next_wave.md 1.1:
    (1 - f_L)(3/8)(1 + cos^2 eta) + f_L (3/4) sin^2 eta. For massive muons the helicity amplitudes of a vector
    current (opposite muon helicities ~ m_A' d^1_{lam,+-1}, equal ones ~ 2 m_mu d^1_{lam,0}) give
    longitudinal (1 - beta^2 c^2)/(2 - 2 beta^2/3) and transverse (2 - beta^2 + beta^2 c^2)/(4 - 4 beta^2/3),
    each normalised since the decay rate does not depend on the helicity (derived here; [DER])."""
    c2 = np.square(np.asarray(cos_eta, dtype=np.float64))
    b2 = beta * beta
    long = (1.0 - b2 * c2) / (2.0 - 2.0 * b2 / 3.0)
    trans = (2.0 - b2 + b2 * c2) / (4.0 - 4.0 * b2 / 3.0)
    return (1.0 - f_L) * trans + f_L * long


def helicity_cdf(cos_eta: ArrayLike, f_L: float, beta: float = 1.0) -> NDArray[np.float64]:
    """Integral of :func:`helicity_density` from -1 to ``cos_eta`` (for binned comparisons)."""
    c = np.asarray(cos_eta, dtype=np.float64)
    b2 = beta * beta
    long = (c + 1.0 - b2 * (c**3 + 1.0) / 3.0) / (2.0 - 2.0 * b2 / 3.0)
    trans = ((2.0 - b2) * (c + 1.0) + b2 * (c**3 + 1.0) / 3.0) / (4.0 - 4.0 * b2 / 3.0)
    return (1.0 - f_L) * trans + f_L * long


def muon_velocity(m: ArrayLike) -> NDArray[np.float64]:
    """Velocity of the muons in the rest frame of a dimuon of mass ``m`` [GeV]: sqrt(1 - 4 m_mu^2/m^2)."""
    return np.sqrt(1.0 - 4.0 * M_MU**2 / np.square(np.asarray(m, dtype=np.float64)))
