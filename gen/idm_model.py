"""The dark Higgs + inelastic dark matter parameter point (next_wave.md 2.1, 2.4 item 1).

Fields: the dark photon A', the dark Higgs h' (called phi in :mod:`darkstrahl.gen.model`; this module
says h' and ``m_hp`` throughout, as seed 002 does) and two Majorana fermions chi1, chi2 that come
from one Dirac fermion chi of U(1)' charge q_chi split by a Majorana mass from the dark Higgs vev
(next_wave.md 2.1)::

    L ⊃ |D_mu Phi|^2 + chibar (i Dslash - m_D) chi - (f/2)(Phi* chibar^c chi + h.c.) - (eps/2) F F'
    D_mu = d_mu - i g_D q A'_mu,   Phi = (v_D + h')/sqrt(2),   m_A' = q_Phi g_D v_D

With chi = (chi2 + i chi1)/sqrt(2) the mass terms are diagonal with positive masses
m_{1,2} = m_D -+ Delta m / 2 (no field rephasing is needed), and in the mass basis

    L ⊃ i g_chi A'_mu chibar_2 gamma^mu chi_1            g_chi = q_chi g_D  (purely off-diagonal vector
                                                          current: Majorana diagonal vector currents vanish)
    L ⊃ -(Delta m/(4 v_D)) h' (chibar_2 chi_2 - chibar_1 chi_1)  -> Majorana rule -+ i k,
        k = Delta m/(2 v_D) = (q_Phi/2) g_D Delta m / m_A'
    L ⊃ (m_A'^2/v_D) h' A'A'                             -> rule i g_hVV g^{mu nu}, g_hVV = 2 q_Phi g_D m_A'

h' mixes with the SM Higgs by the angle theta (physics.md section 1): every dark coupling of the h'
mass eigenstate (g_hVV, k) carries cos(theta), as :attr:`DarkModel.g_hVV` does, and its couplings to
SM fermions are sin(theta) m_f / v.

Conventions (stated prominently because the two Belle II seeds differ, next_wave.md 0 item 5):

* ``alpha_D = g_D^2/(4 pi)`` is the gauge coupling of U(1)'; with the "iDM-Duerr" preset
  (q_Phi = 2, q_chi = 1, the defaults) it is the DM coupling of seed 002 and
  sigma(e+e- -> A'h') = 4 x BPR(alpha_D). Seed-000 cards (alpha_D = the dark-Higgs coupling, q_S = 1)
  use :class:`~darkstrahl.gen.model.DarkModel` instead.
* Gauge invariance of the Yukawa Phi* chibar^c chi, which generates Delta m, requires q_Phi = 2 q_chi
  (next_wave.md 2.1, hint (i)); other charges are refused unless ``general=True``, which then uses the
  q_Phi-general form of k from next_wave.md 2.4 item 1.
* eps multiplies the electromagnetic current (``eps_convention="photon"``) or hypercharge, exactly as
  in :class:`~darkstrahl.gen.model.DarkModel`.
* chi1 and chi2 are Majorana fermions: chi1 is its own antiparticle, e+e- -> h' chi1 chi2 has no
  "chi2bar", and the h' chi chi and A' chi1 chi2 vertices follow the Majorana fermion-flow rules
  (Denner et al.), with the factor 2 of a Majorana bilinear absorbed into the rules above.
"""

from __future__ import annotations

import dataclasses
import math

from darkstrahl.errors import ParameterError

from .model import EpsConvention, KineticMixing
from .width_tables import DEFAULT_PHI_WIDTHS, PHI_WIDTH_PRESCRIPTIONS, phi_hadron_table

#: Named charge presets (next_wave.md 2.1 "Consequences"): the Duerr et al. (arXiv:2012.08595)
#: normalisation used by Belle II seed 002.
PRESETS: dict[str, dict[str, float]] = {"iDM-Duerr": {"q_Phi": 2.0, "q_chi": 1.0}}

_REAL_FIELDS = ("m_hp", "m_Ap", "m_chi1", "delta_m", "theta", "eps", "alpha_D", "q_Phi", "q_chi")


@dataclasses.dataclass(frozen=True)
class IdmModel(KineticMixing):
    """One parameter point of the dark Higgs + inelastic DM model (next_wave.md 2.1).

    The first seven parameters are those of seed 002; then the charges and options.

    Parameters
    ----------
    m_hp:
        Dark Higgs mass m_h' [GeV] (``m_phi`` in :class:`~darkstrahl.gen.model.DarkModel`).
    m_Ap:
        Dark photon mass [GeV].
    m_chi1:
        Mass of the lighter Majorana state chi1 [GeV].
    delta_m:
        Mass splitting m_chi2 - m_chi1 [GeV] (> 0).
    theta:
        h'-H mixing angle [rad], 0 < theta < pi/2.
    eps:
        Kinetic mixing, 0 < eps < 1 (convention ``eps_convention``).
    alpha_D:
        g_D^2/(4 pi), the U(1)' gauge coupling (the DM coupling for q_chi = 1).
    q_Phi, q_chi:
        U(1)' charges of the dark Higgs field and of chi (defaults: the "iDM-Duerr" preset 2 and 1).
    eps_convention:
        ``"photon"`` (default) or ``"hypercharge"``, as in DarkModel.
    hp_widths:
        Name of the scalar hadronic width prescription for h' (m_hp must lie in its table range).
    general:
        Allow points outside the seed hierarchy m_h' < m_chi1 < m_A', alpha_D > 1 and q_Phi != 2 q_chi.
        The widths then include every channel that opens (h' -> chi_i chi_i, chi2 -> chi1 A' on shell).
    """

    m_hp: float
    m_Ap: float
    m_chi1: float
    delta_m: float
    theta: float
    eps: float
    alpha_D: float
    q_Phi: float = 2.0
    q_chi: float = 1.0
    eps_convention: EpsConvention = "photon"
    hp_widths: str = DEFAULT_PHI_WIDTHS
    general: bool = False

    def __post_init__(self) -> None:
        for name in _REAL_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParameterError(name, "must be a real number", value)
            if not math.isfinite(value):
                raise ParameterError(name, "must be finite (not NaN or infinite)", value)
            object.__setattr__(self, name, float(value))
        for name in ("m_hp", "m_Ap", "m_chi1"):
            if getattr(self, name) <= 0.0:
                raise ParameterError(name, "mass must be > 0 GeV", getattr(self, name))
        if self.delta_m <= 0.0:
            raise ParameterError("delta_m", "mass splitting m_chi2 - m_chi1 must be > 0 GeV", self.delta_m)
        for name in ("theta", "eps", "alpha_D", "q_Phi", "q_chi"):
            if getattr(self, name) <= 0.0:
                raise ParameterError(name, "must be > 0", getattr(self, name))
        if self.theta >= math.pi / 2:
            raise ParameterError("theta", "Higgs mixing angle must be < pi/2 rad", self.theta)
        if self.eps >= 1.0:
            raise ParameterError("eps", "kinetic mixing must be < 1", self.eps)
        if self.eps_convention not in ("photon", "hypercharge"):
            raise ParameterError("eps_convention", "must be 'photon' or 'hypercharge'", self.eps_convention)
        if self.hp_widths not in PHI_WIDTH_PRESCRIPTIONS:
            raise ParameterError(
                "hp_widths", f"must be one of {sorted(PHI_WIDTH_PRESCRIPTIONS)}", self.hp_widths
            )
        lo, hi = phi_hadron_table(self.hp_widths).m_range
        if not lo <= self.m_hp <= hi:
            raise ParameterError(
                "m_hp",
                f"must lie in the range {lo:g} <= m_hp <= {hi:g} GeV of the scalar width table "
                f"{self.hp_widths!r}",
                self.m_hp,
            )
        if self.general:
            return
        if self.alpha_D > 1.0:
            raise ParameterError(
                "alpha_D",
                "perturbativity requires alpha_D <= 1; set general = true to allow it",
                self.alpha_D,
            )
        if self.m_hp >= self.m_chi1:
            raise ParameterError(
                "m_hp",
                f"iDM hierarchy requires m_hp < m_chi1 (= {self.m_chi1:.6g} GeV, next_wave.md 2.1); "
                "set general = true to allow it",
                self.m_hp,
            )
        if self.m_chi1 >= self.m_Ap:
            raise ParameterError(
                "m_chi1",
                f"iDM hierarchy requires m_chi1 < m_Ap (= {self.m_Ap:.6g} GeV, next_wave.md 2.1); "
                "set general = true to allow it",
                self.m_chi1,
            )
        if not math.isclose(self.q_Phi, 2.0 * self.q_chi, rel_tol=1e-12):
            raise ParameterError(
                "q_Phi",
                f"gauge invariance of the Yukawa Phi* chibar^c chi requires q_Phi = 2 q_chi "
                f"(= {2.0 * self.q_chi:.6g}); set general = true to allow it",
                self.q_Phi,
            )

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_preset(cls, name: str, **params: float | str | bool) -> IdmModel:
        """A point with the charges of preset ``name`` (:data:`PRESETS`) and the other fields from
        ``params`` (m_hp, m_Ap, m_chi1, delta_m, theta, eps, alpha_D, ...)."""
        if name not in PRESETS:
            raise ParameterError("preset", f"must be one of {sorted(PRESETS)}", name)
        clash = set(PRESETS[name]) & set(params)
        if clash:
            raise ParameterError("preset", f"preset {name!r} fixes {sorted(clash)}", name)
        return cls(**PRESETS[name], **params)  # type: ignore[arg-type]

    @classmethod
    def from_ratios(
        cls,
        m_chi1: float,
        m_hp: float,
        *,
        ap_ratio: float,
        delta_ratio: float,
        **params: float | str | bool,
    ) -> IdmModel:
        """A seed-002 style point (next_wave.md 2.1 "Benchmarks"): m_A' = ``ap_ratio`` m_chi1 and
        Delta m = ``delta_ratio`` m_chi1 (seed values 3 or 4, and 0.2, 0.4 or 1.0); masses in GeV."""
        for name, value in (("m_chi1", m_chi1), ("ap_ratio", ap_ratio), ("delta_ratio", delta_ratio)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ParameterError(name, "must be a real number > 0", value)
        return cls(
            m_hp=m_hp,
            m_Ap=ap_ratio * m_chi1,
            m_chi1=m_chi1,
            delta_m=delta_ratio * m_chi1,
            **params,  # type: ignore[arg-type]
        )

    def with_eps(self, eps: float) -> IdmModel:
        """The same point with kinetic mixing ``eps``."""
        return dataclasses.replace(self, eps=eps)

    def with_theta(self, theta: float) -> IdmModel:
        """The same point with Higgs mixing angle ``theta`` [rad]."""
        return dataclasses.replace(self, theta=theta)

    def replace(self, **changes: object) -> IdmModel:
        """A validated copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ masses
    @property
    def m_chi2(self) -> float:
        """m_chi2 = m_chi1 + Delta m [GeV]."""
        return self.m_chi1 + self.delta_m

    @property
    def m_D(self) -> float:
        """Dirac mass m_D = (m_chi1 + m_chi2)/2 [GeV] (next_wave.md 2.4 item 1)."""
        return 0.5 * (self.m_chi1 + self.m_chi2)

    # ------------------------------------------------------------------ couplings
    @property
    def g_D(self) -> float:
        """U(1)' gauge coupling g_D = sqrt(4 pi alpha_D)."""
        return math.sqrt(4.0 * math.pi * self.alpha_D)

    @property
    def g_chi(self) -> float:
        """A' chi1 chi2 vector coupling g_chi = q_chi g_D (L ⊃ i g_chi A'_mu chibar_2 gamma^mu chi_1)."""
        return self.q_chi * self.g_D

    @property
    def alpha_chi(self) -> float:
        """g_chi^2/(4 pi) = q_chi^2 alpha_D (equal to alpha_D in the iDM-Duerr preset)."""
        return self.g_chi**2 / (4.0 * math.pi)

    @property
    def v_D(self) -> float:
        """Dark Higgs vev v_D = m_A'/(q_Phi g_D) [GeV]."""
        return self.m_Ap / (self.q_Phi * self.g_D)

    @property
    def g_hVV(self) -> float:
        """A'A'h' coupling [GeV], rule i g_hVV g^{mu nu}: g_hVV = 2 q_Phi g_D m_A' cos(theta)
        (next_wave.md 2.1; the cos(theta) of the h' mass eigenstate as in DarkModel.g_hVV)."""
        return 2.0 * self.q_Phi * self.g_D * self.m_Ap * math.cos(self.theta)

    @property
    def k_hp(self) -> float:
        """h' chi chi coupling k = (q_Phi/2) g_D Delta m / m_A' cos(theta) (next_wave.md 2.1, 2.4 item 1):
        Majorana Feynman rules -i k (h' chi2 chi2) and +i k (h' chi1 chi1)."""
        return 0.5 * self.q_Phi * self.g_D * self.delta_m / self.m_Ap * math.cos(self.theta)

    @property
    def y(self) -> float:
        """Seed 002's y = eps^2 alpha_chi (m_chi1/m_A')^4 (next_wave.md 2.1; alpha_chi = alpha_D for
        q_chi = 1)."""
        return self.eps**2 * self.alpha_chi * (self.m_chi1 / self.m_Ap) ** 4


    def as_dict(self) -> dict[str, float | str | bool]:
        """The parameters as a plain dictionary (for JSON and run headers)."""
        return dataclasses.asdict(self)
