"""The dark-sector parameter point (physics.md section 1).

A :class:`DarkModel` fixes the dark photon A', the Higgs-mixed dark scalar phi and the Dirac
fermion chi: masses in GeV, the dark coupling g_chi, the kinetic mixing eps, the Higgs mixing
angle theta and the U(1)' charges q_Phi, q_chi. It is immutable and cheap to copy with
another eps or theta (:meth:`DarkModel.with_eps`, :meth:`DarkModel.with_theta`), which is all
a scan needs: kinematics never depend on eps or theta.

Couplings derived here (physics.md section 1, reference.md 1.1):

* g' = g_chi / q_chi  (dark gauge coupling),
* g_hVV = 2 g' q_Phi m_A' cos(theta)  (A'A'phi vertex i g_hVV g^{mu nu}; physics.md omits the
  mixing factor cos(theta), which is 1 - 5e-9 at theta = 1e-4 but kept so that general points stay exact),
* g_e = eps e (photon-basis convention) or eps e cos(theta_W) (hypercharge convention): the coupling of
  the A' to the electromagnetic current.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, Literal

from darkstrahl.errors import ParameterError

from .constants import COS_THETA_W, E_CHARGE
from .width_tables import DEFAULT_PHI_WIDTHS, PHI_WIDTH_PRESCRIPTIONS, phi_hadron_table

EpsConvention = Literal["photon", "hypercharge"]

#: Mass ratios (m_chi/m_A', m_phi/m_A') of the benchmarks of physics.md section 1.
BENCHMARKS: dict[str, tuple[float, float]] = {
    "B1": (1.0 / 3.0, 1.0 / 6.0),
    "B2": (1.0 / 4.0, 1.0 / 6.0),
    "B3": (1.0 / 4.0, 1.0 / 8.0),
}


#: Keys of a card's ``[model]`` section that are :class:`DarkModel` fields besides the masses.
COUPLING_KEYS = ("g_chi", "eps", "theta", "q_Phi", "q_chi", "eps_convention", "phi_widths", "general")


class KineticMixing:
    """The A' coupling to the Standard Model, shared by every dark-photon model (DarkModel, ApHpModel,
    IdmModel): a mixin for frozen dataclasses with the fields ``eps`` and ``eps_convention``."""

    eps: float
    eps_convention: str

    @property
    def eps_em(self) -> float:
        """The A' coupling to the electromagnetic current in units of e: eps (photon basis) or
        eps cos(theta_W) (eps against hypercharge)."""
        return self.eps * (COS_THETA_W if self.eps_convention == "hypercharge" else 1.0)

    @property
    def g_e(self) -> float:
        """A' f f vector coupling of a unit-charge lepton, eps_em e (physics.md section 1, Feynman rules)."""
        return self.eps_em * E_CHARGE


@dataclasses.dataclass(frozen=True)
class DarkModel(KineticMixing):
    """One parameter point of the dark photon + dark Higgs + Dirac chi model.

    Parameters
    ----------
    m_Ap, m_chi, m_phi:
        Masses of A', chi and phi [GeV].
    g_chi:
        A' chi chibar coupling (dimensionless), g_chi = q_chi g'.
    eps:
        Kinetic mixing (dimensionless), convention set by ``eps_convention``.
    theta:
        Higgs mixing angle [rad].
    q_Phi, q_chi:
        U(1)' charges of the dark Higgs field and of chi.
    eps_convention:
        ``"photon"`` (eps multiplies the electromagnetic current; default) or ``"hypercharge"``
        (eps mixes with hypercharge, so the electron coupling carries cos(theta_W)).
    phi_widths:
        Name of the phi hadronic width prescription
        (:data:`~darkstrahl.gen.width_tables.PHI_WIDTH_PRESCRIPTIONS`); m_phi must lie in its table range.
    general:
        Allow a point outside the benchmark hierarchy (m_A' > 2 m_chi + m_phi, m_phi < m_chi).
        Widths then include every channel that opens (e.g. phi -> A'(*) A'(*)).
    benchmark:
        Name of the benchmark the point was built from, if any (label only).
    """

    m_Ap: float
    m_chi: float
    m_phi: float
    g_chi: float = 1.0
    eps: float = 1e-4
    theta: float = 1e-4
    q_Phi: float = 1.0
    q_chi: float = 1.0
    eps_convention: EpsConvention = "photon"
    phi_widths: str = DEFAULT_PHI_WIDTHS
    general: bool = False
    benchmark: str | None = None

    def __post_init__(self) -> None:
        for name in ("m_Ap", "m_chi", "m_phi", "g_chi", "eps", "theta", "q_Phi", "q_chi"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParameterError(name, "must be a real number", value)
            if not math.isfinite(value):
                raise ParameterError(name, "must be finite (not NaN or infinite)", value)
            object.__setattr__(self, name, float(value))
        for name in ("m_Ap", "m_chi", "m_phi"):
            if getattr(self, name) <= 0.0:
                raise ParameterError(name, "mass must be > 0 GeV", getattr(self, name))
        for name in ("g_chi", "eps", "theta", "q_Phi", "q_chi"):
            if getattr(self, name) <= 0.0:
                raise ParameterError(name, "must be > 0", getattr(self, name))
        if self.theta >= math.pi / 2:
            raise ParameterError("theta", "Higgs mixing angle must be < pi/2 rad", self.theta)
        if self.eps_convention not in ("photon", "hypercharge"):
            raise ParameterError("eps_convention", "must be 'photon' or 'hypercharge'", self.eps_convention)
        if self.phi_widths not in PHI_WIDTH_PRESCRIPTIONS:
            raise ParameterError(
                "phi_widths", f"must be one of {sorted(PHI_WIDTH_PRESCRIPTIONS)}", self.phi_widths
            )
        lo, hi = phi_hadron_table(self.phi_widths).m_range
        if not lo <= self.m_phi <= hi:
            raise ParameterError(
                "m_phi",
                f"must lie in the range {lo:g} <= m_phi <= {hi:g} GeV of the phi width table "
                f"{self.phi_widths!r}",
                self.m_phi,
            )
        if not self.general:
            if self.m_Ap <= 2.0 * self.m_chi + self.m_phi:
                raise ParameterError(
                    "m_Ap",
                    "benchmark hierarchy requires m_Ap > 2 m_chi + m_phi "
                    f"(= {2.0 * self.m_chi + self.m_phi:.6g} GeV); set general = true to allow it",
                    self.m_Ap,
                )
            if self.m_phi >= self.m_chi:
                raise ParameterError(
                    "m_phi",
                    f"benchmark hierarchy requires m_phi < m_chi (= {self.m_chi:.6g} GeV); "
                    "set general = true to allow it",
                    self.m_phi,
                )

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_benchmark(cls, name: str, m_Ap: float, **couplings: float) -> DarkModel:
        """Build benchmark ``name`` (B1, B2 or B3 of physics.md section 1) at ``m_Ap`` [GeV].

        Extra keyword arguments set the other fields (g_chi, eps, theta, q_Phi, q_chi, ...).
        """
        key = name  # upper case only, as in run cards (issue 12 item 6: one rule for the API and cards)
        if key not in BENCHMARKS:
            raise ParameterError("benchmark", f"must be one of {sorted(BENCHMARKS)} (upper case)", name)
        if isinstance(m_Ap, bool) or not isinstance(m_Ap, (int, float)) or not m_Ap > 0:
            raise ParameterError("m_Ap", "mass must be > 0 GeV", m_Ap)
        r_chi, r_phi = BENCHMARKS[key]
        return cls(m_Ap=m_Ap, m_chi=r_chi * m_Ap, m_phi=r_phi * m_Ap, benchmark=key, **couplings)

    @classmethod
    def from_section(cls, m: Mapping[str, Any]) -> DarkModel:
        """The model of a card's ``[model]`` section (keys as in the card; unset keys None or missing):
        a benchmark and m_A', or m_A', m_chi and m_phi."""
        if m.get("m_Ap") is None:
            raise ParameterError("model.m_Ap", "must be set (the dark photon mass in GeV)")
        couplings = {k: m[k] for k in COUPLING_KEYS if m.get(k) is not None}
        if m.get("benchmark") is not None:
            for k in ("m_chi", "m_phi"):
                if m.get(k) is not None:
                    raise ParameterError(
                        f"model.{k}",
                        "must not be set together with model.benchmark "
                        f"(the benchmark {m['benchmark']} fixes it)",
                    )
            return cls.from_benchmark(m["benchmark"], m["m_Ap"], **couplings)
        for k in ("m_chi", "m_phi"):
            if m.get(k) is None:
                raise ParameterError(f"model.{k}", "must be set when model.benchmark is not")
        return cls(m_Ap=m["m_Ap"], m_chi=m["m_chi"], m_phi=m["m_phi"], **couplings)

    def with_eps(self, eps: float) -> DarkModel:
        """The same point with kinetic mixing ``eps`` (cheap: no width is recomputed here)."""
        return dataclasses.replace(self, eps=eps)

    def with_theta(self, theta: float) -> DarkModel:
        """The same point with Higgs mixing angle ``theta`` [rad]."""
        return dataclasses.replace(self, theta=theta)

    def replace(self, **changes: object) -> DarkModel:
        """A validated copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ couplings
    @property
    def g_dark(self) -> float:
        """Dark gauge coupling g' = g_chi / q_chi."""
        return self.g_chi / self.q_chi

    @property
    def alpha_dark(self) -> float:
        """alpha' = g'^2 / (4 pi)."""
        return self.g_dark**2 / (4.0 * math.pi)

    @property
    def g_hVV(self) -> float:
        """A'A'phi coupling [GeV]: Feynman rule i g_hVV g^{mu nu}, g_hVV = 2 g' q_Phi m_A' cos(theta)."""
        return 2.0 * self.g_dark * self.q_Phi * self.m_Ap * math.cos(self.theta)


    def as_dict(self) -> dict[str, float | str | bool | None]:
        """The parameters as a plain dictionary (for JSON and run headers)."""
        return dataclasses.asdict(self)
