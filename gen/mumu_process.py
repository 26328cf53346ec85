"""The generated SM background e+e- -> mu+ mu- (gamma) (issue 14 part 2a; next_wave.md 1.3 item 6a): the
matched Born + hard-photon calculation of :mod:`darkstrahl.gen.sm_mumu` as a
:class:`~darkstrahl.gen.process.MultichannelProcess`, so that :class:`~darkstrahl.gen.isr_process.IsrProcess`
adds the collinear structure function.

Cross section (:mod:`darkstrahl.gen.sm_mumu_matching`), per hard centre-of-mass energy sqrt(s_hat):

    sigma_hat = int dPhi_2 |M_Born|^2 K_SV(c, s_hat) / (2 s_hat)
                + int_ME dPhi_3 |M_mumugamma|^2 S(omega, c) / (2 s_hat),

K_SV = S(omega_min, c) and S the exponentiated soft+virtual factor
(:func:`~darkstrahl.gen.sm_mumu_matching.sudakov_factor`; it makes the total independent of omega_min), the
second over the matrix-element region omega > omega_min, theta_gamma > theta_c from both beams (hard CM
frame), and the structure function run at the collinear scale Q_c^2 = s tan^2(theta_c/2)
(:attr:`MuMuProcess.isr_scale_q2`, read by IsrProcess), so that the photon phase space is covered once: hard
wide-angle photons by the exact O(alpha) matrix element with ISR, FSR and their interference, soft photons
and the virtual correction by K_SV, collinear photons (theta < theta_c) by the structure function.
Photon exchange only (the Z changes sigma by -0.03 % and gives A_FB = -0.72 % at 10.58 GeV:
:func:`~darkstrahl.gen.sm_mumu.born_sigma` with ``z_exchange``); no vacuum polarisation (alpha(0) throughout).
``radiative = False`` gives the plain Born process (no K_SV; the structure function at Q^2 = s): the
Kuraev-Fadin reference of issue 13 item 5.

Event record (5 slots): e- e+ mu- mu+ gamma. Events of the Born region (``born`` channel: no photon in the ME
region) carry the unresolved photon as the zero four-vector in slot 4 (its energy is below omega_min or
inside the beam cones, i.e. in the collinear ISR photons of the structure function); with
``radiative = False`` the record has 4 slots.

Phase space (the maps, Jacobians, shapes). The hard unit point u (n, 5) maps to x (n, 5) =
(w, c1, f1, c2, f2) through one of two channels (all coordinates are channel-specific, ``nx = 5``; numba
kernels :func:`~darkstrahl.gen.mumu_kernels.channel_to_x` and its inverse). The Born and the hard-photon
regions are disjoint parts of one integral; the first coordinate says which region a point is in:

* Born region (``fsr`` channel, u0 < a = BORN_SHARE): w = -(1 + u0/a) < 0 marks it and keeps u0;
  (c1, f1) = (2 u1 - 1, 2 pi u2) is the mu- direction in the CM frame; (c2, f2) = (u3, u4) are inert;
  J = 4 pi / a; W_phys = dPhi_2/dOmega = |p| / (16 pi^2 sqrt s_hat);
* hard-photon region (u0 >= a, a = 0 in the ``isr`` channel, which has no Born region):
  w = omega = omega_min (omega_max/omega_min)^v, v = (u0 - a)/(1 - a) (J_w = omega ln(omega_max/omega_min)
  / (1 - a)), f1 = 2 pi u2, f2 = 2 pi u4, and
  ``isr``: c1 = cos theta_gamma with the collinear map of :func:`~darkstrahl.gen.phasespace.collinear_cos_map`
  in |c1| < cos theta_c, c2 = 2 u3 - 1 (with f2 the mu- direction in the mu mu frame relative to the photon);
  ``fsr``: c1 flat in |c1| < cos theta_c and c2 = tanh(y (2 u3 - 1))/b, y = atanh(b), b = min(b*, 0.99),
  b* the muon velocity in the mu mu frame (density ∝ 1/(1 - b^2 c2^2), the FSR collinear peaks; the cap
  :data:`~darkstrahl.gen.mumu_kernels.FSR_MAP_BETA_MAX`), J_c2 = 2 y (1 - b^2 c2^2)/b;

with W_phys = dPhi_3/(d omega dOmega_k dOmega_a) of
:func:`~darkstrahl.gen.sm_mumu_matching.build_mumugamma`. The ``isr`` channel's inverse at a Born point
returns J = inf (density 0). Why this structure (issue 14 item 4): with a channel of its own, the Born region
took its multichannel weight at the expense of the hard-photon channels, which carry a third of sigma and
the largest weights (hard-photon <w> 1.7 x the mean, unweighting efficiency 0.228); inside one channel the
vegas grid of u0 sets the Born / hard-photon share, and each point costs 4 instead of 6 channel densities
with ISR. The ``isr`` channel gets a small share of the points (with ISR: 0.12 with the power map, the
floor 0.02 with the threshold map; ``darkstrahl xsec bkg_mumu --json``); it is needed for
photons near the beams with muons away from the photon axis.
omega_max = (s_hat - m_pair_min^2)/(2 sqrt s_hat) (the mu mu mass cut, :attr:`MuMuProcess.m_pair_min`);
points with omega >= omega_max (possible at low s_hat) get W_phys = 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from darkstrahl.errors import ParameterError

from .constants import GEV2_TO_FB, M_MU
from .events import EventBatch
from .kinematics import beam_s
from .layout import Layout, Slot, primary_rows
from .mumu_kernels import (
    COLLINEAR_MUON,
    COLLINEAR_PHOTON,
    build_mumu_events,
    channel_from_x,
    channel_to_x,
    mumu_integrand,
)
from .phasespace import Channel, PhaseSpace
from .process import ProcessRequest, no_decay
from .sm_mumu import born_msq, born_sigma, mumugamma_msq
from .sm_mumu_matching import (
    RadiativeMatching,
    collinear_scale_q2,
    soft_virtual_factor,
    sudakov_factor,
    wide_angle_beta,
)

FloatArray = NDArray[np.float64]
TWO_PI = 2.0 * math.pi

#: The part u0 < BORN_SHARE of the ``fsr`` channel maps to the Born region (the start of the vegas grid of
#: u0, which then adapts the Born / hard-photon share; 0.5 and 0.65 give the same efficiency, measured).
BORN_SHARE = 0.5
#: The hard channels and their photon maps (mumu_kernels bits); "fsr" also holds the Born region.
CHANNEL_KINDS = {
    "isr": COLLINEAR_PHOTON,
    "fsr": COLLINEAR_MUON,
}
#: LHE process ids (LPRUP) of the generated SM backgrounds.
LPRUP_SM = {"mumu": 11, "tautau": 12, "twophoton_mumu": 13}


def lepton_pair_born(
    rs: FloatArray, m: float, cos: FloatArray, phi: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """e- e+ -> l- l+ in the CM frame of energy rs (n,) [GeV]: momenta (n, 4, 4) [GeV] (e- along +z, l- at
    polar angle arccos(cos) and azimuth phi) and W_phys = dPhi_2/dOmega = |p| / (16 pi^2 rs) [GeV^0]."""
    n = rs.shape[0]
    e = 0.5 * rs
    pm = np.sqrt(np.maximum(e * e - m * m, 0.0))
    s = np.sqrt(np.maximum(1.0 - cos * cos, 0.0))
    p = np.zeros((n, 4, 4))
    p[:, 0, 0] = p[:, 0, 3] = e
    p[:, 1, 0] = e
    p[:, 1, 3] = -e
    p[:, 2, 0] = p[:, 3, 0] = e
    p[:, 2, 1:] = pm[:, None] * np.column_stack([s * np.cos(phi), s * np.sin(phi), cos])
    p[:, 3, 1:] = -p[:, 2, 1:]
    return p, pm / (16.0 * math.pi**2 * rs)


def lepton_pair_phase_space(sqrt_s: float, m: float, m_min: float = 0.0) -> PhaseSpace:
    """Phase space of e- e+ -> l- l+ (one flat channel, the two angles of the l- in the CM frame,
    :func:`lepton_pair_born`); ``threshold`` = max(2 m, m_min) [GeV] (the lower cut on the pair mass that
    bounds s_hat with ISR)."""

    def no_x(u: FloatArray, rs: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
        return np.empty((u.shape[0], 0)), np.ones(u.shape[0])

    def builder(
        x: FloatArray, ang: FloatArray, rs: FloatArray | None = None
    ) -> tuple[FloatArray, FloatArray]:
        rs = np.full(ang.shape[0], sqrt_s) if rs is None else rs
        return lepton_pair_born(rs, m, ang[:, 0], ang[:, 1])

    return PhaseSpace(
        2, 0, (Channel("born", no_x, no_x),), builder, sqrt_s=sqrt_s, threshold=max(2 * m, m_min)
    )


def cos_lepton_cm(p: FloatArray, m: float) -> FloatArray:
    """cos of the angle between e- (slot 0) and l- (slot 2) in the e+e- CM frame of a 2 -> 2 event in any
    frame boosted along the beams: p1.q1 = E (E_q - |q| c), E = E_q = sqrt(s)/2 (Lorentz invariant form)."""
    s = beam_s(p)
    e = 0.5 * np.sqrt(s)
    dot = p[:, 0, 0] * p[:, 2, 0] - np.sum(p[:, 0, 1:] * p[:, 2, 1:], axis=1)
    return np.clip((e - dot / e) / np.sqrt(np.maximum(e * e - m * m, 1e-300)), -1.0, 1.0)


def hard_frame_photon_and_cos(p: FloatArray, m: float) -> tuple[FloatArray, FloatArray]:
    """Photon energy omega [GeV] and cos(e-, mu-) in the CM frame of the beams p1 + p2 for events (n, 5, 4)
    in any frame (invariants: omega = P.k/sqrt s, E_q = P.q1/sqrt s, p1.q1 = (sqrt s/2)(E_q - |q| c))."""

    def dot(a: FloatArray, b: FloatArray) -> FloatArray:
        return a[:, 0] * b[:, 0] - np.sum(a[:, 1:] * b[:, 1:], axis=1)

    big_p = p[:, 0] + p[:, 1]
    rs = np.sqrt(dot(big_p, big_p))
    omega = dot(big_p, p[:, 4]) / rs
    e_q = dot(big_p, p[:, 2]) / rs
    q = np.sqrt(np.maximum(e_q * e_q - m * m, 1e-300))
    c = (e_q - 2.0 * dot(p[:, 0], p[:, 2]) / rs) / q
    return omega, np.clip(c, -1.0, 1.0)


@dataclass(frozen=True)
class MuMuProcess:
    """e+e- -> mu+ mu- (gamma) at ``sqrt_s`` [GeV] (module docstring): ``radiative`` adds the hard-photon
    region and K_SV with the ``matching``; ``m_min`` [GeV] is the lower cut on sqrt(s_hat) (with ISR)."""

    name: str = "mumu"
    sqrt_s: float = 10.58
    radiative: bool = True
    matching: RadiativeMatching = field(default_factory=RadiativeMatching)
    m_min: float = 0.0
    m_mu: float = M_MU
    sampling = "multichannel"

    def __post_init__(self) -> None:
        if not self.sqrt_s > max(2.0 * self.m_mu, self.m_min):
            raise ParameterError("run.sqrt_s", "must exceed 2 m_mu and process.m_ll_min", self.sqrt_s)
        if not self.m_min >= 0.0:
            raise ParameterError("process.m_ll_min", "must be >= 0 GeV", self.m_min)
        if self.radiative and not 2.0 * self.matching.omega_min < self.sqrt_s - 2.0 * self.m_mu:
            raise ParameterError(
                "process.omega_min",
                "must leave room for a hard photon below sqrt(s)/2",
                self.matching.omega_min,
            )

    @property
    def m_pair_min(self) -> float:
        """The lowest mu mu mass [GeV]: max(2 m_mu, m_min). The cut applies to m_mumu in every event: to
        sqrt(s_hat) of the Born region (through IsrProcess's threshold) and to the mu mu mass of a hard-photon
        event (omega <= (s_hat - m_pair_min^2)/(2 sqrt s_hat)). Cutting only s_hat would let radiative-return
        photons below the cut into the matrix-element region but not into the structure function, and make the
        total depend on theta_c (2.3 % between 2 and 10 deg with m_min = 1 GeV, measured)."""
        return max(2.0 * self.m_mu, self.m_min)

    @property
    def isr_scale_q2(self) -> float | None:
        """The structure function's scale Q^2 [GeV^2]: Q_c^2 = s tan^2(theta_c/2) with the hard-photon region
        (sm_mumu_matching docstring), None (Q^2 = s) for the Born process."""
        return collinear_scale_q2(self.sqrt_s, self.matching) if self.radiative else None

    @cached_property
    def layout(self) -> Layout:
        slots = (
            Slot("e-", 11, 0.0, incoming=True),
            Slot("e+", -11, 0.0, incoming=True),
            Slot("mu-", 13, self.m_mu),
            Slot("mu+", -13, self.m_mu),
        ) + ((Slot("gamma", 22, 0.0),) if self.radiative else ())
        return Layout(self.name, "dimuon", slots, primary_rows(slots), lprup=LPRUP_SM["mumu"])

    def decay(self, batch: EventBatch, rng: np.random.Generator, mode: str) -> EventBatch:
        return no_decay(batch, rng, mode)

    def helicities(self, codes: NDArray) -> NDArray:
        return np.zeros((codes.shape[0], len(self.layout)), dtype=np.int8)

    def summary(self) -> dict[str, Any]:
        # xsec's sigma_born_fb is this process without the structure function (with radiative = True: Born x
        # K_SV + hard photon); the tree-level Born is reported separately
        out: dict[str, Any] = {
            "radiative": self.radiative,
            "m_ll_min_GeV": self.m_min,
            "sigma_tree_born_fb": born_sigma(self.sqrt_s, self.m_mu) * GEV2_TO_FB,
        }
        if self.radiative:
            out |= {"omega_min_GeV": self.matching.omega_min, "theta_c_deg": self.matching.theta_c_deg}
        return out

    # ------------------------------------------------------------------ matrix element
    def integrand(self, p: NDArray) -> NDArray:
        """dsigma/dPhi [fb]: Born x K_SV for Born-region events (zero photon), the exact |M|^2 x S(omega, c)
        otherwise (module docstring; :func:`~darkstrahl.gen.mumu_kernels.mumu_integrand`, whose test compares
        it with :meth:`reference_integrand`)."""
        return mumu_integrand(
            np.ascontiguousarray(p, dtype=np.float64),
            self.m_mu,
            self.radiative,
            self.matching.omega_min,
            wide_angle_beta(self.matching),
        )

    def reference_integrand(self, p: NDArray) -> NDArray:
        """The integrand from the numpy functions of the formulas (HELAS Born |M|^2 of
        :func:`~darkstrahl.gen.sm_mumu.born_msq`, :func:`~darkstrahl.gen.sm_mumu.mumugamma_msq`,
        :func:`~darkstrahl.gen.sm_mumu_matching.soft_virtual_factor` and
        :func:`~darkstrahl.gen.sm_mumu_matching.sudakov_factor`): the reference of :meth:`integrand`."""
        s = beam_s(p)
        out = np.zeros(p.shape[0])
        born = p[:, 4, 0] == 0.0 if self.radiative else np.ones(p.shape[0], dtype=bool)
        if born.any():
            pb = np.ascontiguousarray(p[born, :4])
            msq = born_msq(pb, self.m_mu)
            if self.radiative:
                c = cos_lepton_cm(pb, self.m_mu)
                msq = msq * soft_virtual_factor(c, np.sqrt(s[born]), self.matching, self.m_mu)
            out[born] = msq
        if (~born).any():
            pr = np.ascontiguousarray(p[~born])
            rs = np.sqrt(s[~born])
            omega, c = hard_frame_photon_and_cos(pr, self.m_mu)
            out[~born] = mumugamma_msq(pr, self.m_mu) * sudakov_factor(c, rs, omega, self.matching, self.m_mu)
        return out * GEV2_TO_FB / (2.0 * s)

    def integrand_and_helicity(self, p: NDArray, r: NDArray) -> tuple[NDArray, NDArray]:
        return self.integrand(p), np.zeros(p.shape[0], dtype=np.int64)

    # ------------------------------------------------------------------ phase space
    def _channel(self, kind: str) -> Channel:
        """Channel ``kind`` (module docstring): ``fsr`` with the Born region in u0 < BORN_SHARE, ``isr`` the
        hard-photon region only (:func:`~darkstrahl.gen.mumu_kernels.channel_to_x` and its inverse)."""
        bits = CHANNEL_KINDS[kind]
        consts = (
            BORN_SHARE if kind == "fsr" else 0.0,
            self.matching.omega_min,
            self.matching.cos_c,
            self.m_mu,
            self.m_pair_min,
        )

        def energies(n: int, rs: FloatArray | None) -> FloatArray:
            r = np.full(n, self.sqrt_s) if rs is None else rs
            return np.ascontiguousarray(r, dtype=np.float64)

        def to_x(u: FloatArray, rs: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
            return channel_to_x(np.ascontiguousarray(u), energies(u.shape[0], rs), bits, *consts)

        def from_x(x: FloatArray, rs: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
            return channel_from_x(np.ascontiguousarray(x), energies(x.shape[0], rs), bits, *consts)

        return Channel(kind, to_x, from_x)

    @cached_property
    def phase_space(self) -> PhaseSpace:
        if not self.radiative:
            return lepton_pair_phase_space(self.sqrt_s, self.m_mu, self.m_min)

        def builder(
            x: FloatArray, ang: FloatArray, rs: FloatArray | None = None
        ) -> tuple[FloatArray, FloatArray]:
            r = np.full(x.shape[0], self.sqrt_s) if rs is None else rs
            return build_mumu_events(
                np.ascontiguousarray(r, dtype=np.float64), self.m_mu, self.m_pair_min, np.ascontiguousarray(x)
            )

        channels = tuple(self._channel(k) for k in CHANNEL_KINDS)
        return PhaseSpace(
            5, 5, channels, builder, sqrt_s=self.sqrt_s, threshold=max(2 * self.m_mu, self.m_min)
        )


def build_mumu(request: ProcessRequest) -> MuMuProcess:
    """The mu mu background of a run card (``[process]`` keys radiative, omega_min, theta_c, m_ll_min)."""
    pr = request.section("process")
    return MuMuProcess(
        request.name,
        request.sqrt_s,
        radiative=pr.get("radiative", True),
        matching=RadiativeMatching(pr.get("omega_min", 0.01), pr.get("theta_c", 5.0)),
        m_min=pr.get("m_ll_min", 0.0),
    )
