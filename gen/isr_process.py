"""Initial-state radiation for any multichannel e+e- process (next_wave.md section 3, reference.md 5).

:class:`IsrProcess` wraps a :class:`~darkstrahl.gen.process.MultichannelProcess` ("hard" process) into the
collinear-ISR convolution

    sigma = int dx1 dx2 f(x1) f(x2) sigma_hat(x1 x2 s),

with the per-beam leading-log structure function f of :mod:`darkstrahl.gen.isr` (O(beta^2) terms included).
Every event carries the hard process at s_hat = x1 x2 s, built in its own centre-of-mass frame and boosted
along z with rapidity y = (1/2) ln(x1/x2), so that the incoming e- and e+ carry the reduced energies x1 E and
x2 E (the MadGraph convention) and momentum balances; the two collinear photons ((1 - x_i) E along the beams)
are not part of the record (event writers that want them add them: :mod:`darkstrahl.gen.eventfiles.hepmc`).

Phase space (the map, its Jacobian, shapes). The unit-cube point is u = (u1, u2, u_hard) with
d = 2 + d_hard; the physical variables are x = (omx1, omx2, x_hard), omx_i = 1 - x_i (stored, never x, so
that omx down to 1e-300 survives). The ISR channels, each combined with every channel of the hard process
(Kleiss-Pittau weights in :mod:`darkstrahl.gen.sampler`):

* ``power``: per beam omx = omx_max u^(2/beta), the (1 - x)^(beta/2 - 1) singularity mapped away:
  J = (2/beta) omx / u;
* ``threshold``: the beam-symmetric soft-beam map of :mod:`darkstrahl.gen.isr_tau_maps` with
  ln(tau - tau_min + delta) uniform, for hard cross sections that peak near their threshold
  tau_min = s_min/s (the rapidity map of :class:`darkstrahl.gen.isr_sampler.IsrSampler`);
* ``resonance<k>``: the same soft-beam map with a Breit-Wigner in s_hat, one per s-channel resonance
  (mass, width) that the hard process declares in ``s_hat_resonances`` and that ISR can reach
  (tau_min < m^2/s < 1): the radiative return to the A' pole of e+e- -> A'* -> A' phi with an off-shell
  final A', which without this channel dominates the weight tail at m_A' <~ 3 GeV.

Beam-energy spread (``IsrSettings.spread``, next_wave.md 3 / issue 13): two more coordinates give the
relative energy deviations d_i = s_i Phi^-1(u_i) of the e- and e+ beams (Gaussian, sigma s_i = sigma_E/E);
the map's Jacobian and the Gaussian density cancel exactly, so they enter neither J nor W_phys. The hard
process then runs at s_hat = s (1 - omx1)(1 + d1)(1 - omx2)(1 + d2) with rapidity
(1/2) ln[(1 - omx1)(1 + d1) / ((1 - omx2)(1 + d2))]; the beams are taken head-on in the nominal
centre-of-mass frame (the crossing angle makes the spread's direction differ by O(d theta_c) ~ 2e-5 rad).
Without ISR (``enabled = False``) only the spread coordinates are added.

For numerical stability the singular factor rho(omx1) rho(omx2), rho(omx) = (beta/2) omx^(beta/2 - 1), is
moved from the structure functions into the channel Jacobians: the maps return J x rho1 rho2 (for
``power`` the constant omx_max^beta/2 per beam) and W_phys carries (f/rho)(x1) (f/rho)(x2) W_hard, the
regular sampling weight of next_wave.md 3.2. The product entering the event weight is unchanged. Points with
x1 x2 < tau_min (no hard phase space) get W_phys = 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri

from darkstrahl.errors import ParameterError

from .events import EventBatch
from .isr import ISR_ALPHA_SCHEMES, beta_isr, isr_structure_function_reduced
from .isr_tau_maps import OMX_FLOOR, BreitWigner, LogThreshold, TauMap, soft_beam_inverse, soft_beam_map
from .layout import Layout
from .phasespace import Channel, PhaseSpace
from .process import MultichannelProcess

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class IsrSettings:
    """Collinear ISR of a run (card ``[beams] isr``, ``isr_alpha``): on/off and the alpha in beta
    (``"alpha0"``: alpha(0), or ``"gmu"``: MadGraph's G_mu value); ``delta`` is the regulator in tau of the
    threshold channels (their weights are adapted with the others)."""

    enabled: bool = False
    alpha: str = "alpha0"
    delta: float = 1e-4
    spread: tuple[float, float] = (0.0, 0.0)  #: relative Gaussian spreads sigma_E/E of the e- and e+ beams

    def __post_init__(self) -> None:
        if self.alpha not in ISR_ALPHA_SCHEMES:
            raise ParameterError("beams.isr_alpha", f"must be one of {sorted(ISR_ALPHA_SCHEMES)}", self.alpha)
        if not all(0.0 <= s < 0.1 for s in self.spread):
            raise ParameterError("beams.energy_spread", "relative spreads must lie in [0, 0.1)", self.spread)

    @property
    def active(self) -> bool:
        """Whether anything changes the hard process's energy (ISR or a beam-energy spread)."""
        return self.enabled or any(s > 0 for s in self.spread)


def _power(u: FloatArray, omx_max: float, beta: float) -> tuple[FloatArray, FloatArray]:
    """omx = omx_max u^(2/beta) and J rho = omx_max^(beta/2) (module docstring)."""
    with np.errstate(divide="ignore"):
        omx = np.maximum(omx_max * np.exp((2.0 / beta) * np.log(u)), OMX_FLOOR)
    return omx, np.full(u.shape, omx_max ** (0.5 * beta))


def _power_inverse(omx: FloatArray, omx_max: float, beta: float) -> tuple[FloatArray, FloatArray]:
    return np.clip(omx / omx_max, 0.0, 1.0) ** (0.5 * beta), np.full(omx.shape, omx_max ** (0.5 * beta))


@dataclass(frozen=True)
class IsrProcess:
    """The hard process ``hard`` convoluted with collinear ISR on both beams (module docstring)."""

    hard: MultichannelProcess
    settings: IsrSettings = field(default_factory=lambda: IsrSettings(enabled=True))
    sampling = "multichannel"

    def __post_init__(self) -> None:
        if self.hard.sampling != "multichannel":
            raise ParameterError("beams.isr", "ISR needs a process with a matrix element", self.hard.name)
        if not self.hard.phase_space.threshold < self.hard.sqrt_s:
            raise ParameterError("run.sqrt_s", "is below the process threshold", self.hard.sqrt_s)

    # ------------------------------------------------------------------ process protocol
    @property
    def name(self) -> str:
        return self.hard.name

    @property
    def sqrt_s(self) -> float:
        return self.hard.sqrt_s

    @cached_property
    def beta(self) -> float:
        """beta = (2 alpha/pi)(ln(Q^2/m_e^2) - 1) at Q^2 = the nominal s, or at the collinear scale
        ``isr_scale_q2`` [GeV^2] of a hard process that describes wide-angle photons itself
        (optional attribute;
        the matching of :mod:`darkstrahl.gen.mumu_process`)."""
        q2 = getattr(self.hard, "isr_scale_q2", None)
        return float(beta_isr(self.sqrt_s**2 if q2 is None else q2, ISR_ALPHA_SCHEMES[self.settings.alpha]))

    @cached_property
    def tau_min(self) -> float:
        """s_min / s: the hard process's threshold."""
        return (self.hard.phase_space.threshold / self.sqrt_s) ** 2

    @cached_property
    def layout(self) -> Layout:
        base = self.hard.layout
        return replace(base, extra={**base.extra, "isr": self.settings.enabled})

    @property
    def unweighting_channel_weights(self) -> bool:
        """Whether the generator retunes the adapted channel weights for the unweighting efficiency before
        the pilot run (:mod:`darkstrahl.gen.channel_weights`): with ISR, where the largest weights sit in
        the soft-beam channels that the variance-minimizing update starves (docs/validation.md section 9)."""
        return self.settings.enabled

    @property
    def n_isr(self) -> int:
        return 2 if self.settings.enabled else 0

    @property
    def n_spread(self) -> int:
        return 2 if any(s > 0 for s in self.settings.spread) else 0

    def _spread_x(self, u: FloatArray) -> FloatArray:
        """Relative energy deviations (n, 2) from unit coordinates (n, 2) (module docstring)."""
        s = np.array(self.settings.spread)
        return s * ndtri(np.clip(u, 1e-16, 1.0 - 1e-16))

    def _spread_u(self, d: FloatArray) -> FloatArray:
        s = np.array(self.settings.spread)
        return ndtr(np.divide(d, s, out=np.zeros_like(d), where=s > 0))

    def _split(self, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """omx1, omx2, d1, d2 and the hard process's x from the full x."""
        n = x.shape[0]
        ni, ns = self.n_isr, self.n_spread
        o1, o2 = (x[:, 0], x[:, 1]) if ni else (np.zeros(n), np.zeros(n))
        d1, d2 = (x[:, ni], x[:, ni + 1]) if ns else (np.zeros(n), np.zeros(n))
        return o1, o2, d1, d2, x[:, ni + ns :]

    def decay(self, batch: EventBatch, rng: np.random.Generator, mode: str) -> EventBatch:
        return self.hard.decay(batch, rng, mode)

    def helicities(self, codes: NDArray) -> NDArray:
        return self.hard.helicities(codes)

    def integrand(self, p: NDArray) -> NDArray:
        return self.hard.integrand(p)

    def integrand_and_helicity(self, p: NDArray, r: NDArray) -> tuple[NDArray, NDArray]:
        return self.hard.integrand_and_helicity(p, r)

    def summary(self) -> dict[str, Any]:
        out = {**self.hard.summary(), "isr": self.settings.enabled}
        if self.settings.enabled:
            out |= {"isr_alpha": self.settings.alpha, "isr_beta": self.beta}
        if self.n_spread:
            out["energy_spread_relative"] = list(self.settings.spread)
        return out

    # ------------------------------------------------------------------ phase space
    def _f_over_rho(self, omx: FloatArray) -> FloatArray:
        """f(x) / rho(omx), rho = (beta/2) omx^(beta/2 - 1): the regular sampling weight (next_wave 3.2)."""
        return isr_structure_function_reduced(omx, self.beta) / (0.5 * self.beta)

    @cached_property
    def tau_maps(self) -> dict[str, TauMap]:
        """The tau maps of the soft-beam channels: ``threshold`` and one ``resonance<k>`` per s-channel
        resonance of the hard process (``s_hat_resonances``: (mass, width) [GeV]) with
        tau_min < m^2/s < 1."""
        maps: dict[str, TauMap] = {"threshold": LogThreshold(self.tau_min, self.settings.delta)}
        s = self.sqrt_s**2
        for k, (m, width) in enumerate(getattr(self.hard, "s_hat_resonances", ())):
            if self.tau_min < m**2 / s < 1.0 and width > 0:
                maps[f"resonance{k}"] = BreitWigner(s, self.tau_min, m, width)
        return maps

    def _isr_x(
        self, kind: str, u: FloatArray, scale: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        if kind == "power":
            omx_max = 1.0 - self.tau_min
            o1, j1 = _power(u[:, 0], omx_max, self.beta)
            o2, j2 = _power(u[:, 1], omx_max, self.beta)
            return o1, o2, j1 * j2
        return soft_beam_map(self.tau_maps[kind], self.beta, u, scale)

    def _isr_u(
        self, kind: str, omx1: FloatArray, omx2: FloatArray, scale: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        if kind == "power":
            omx_max = 1.0 - self.tau_min
            u1, j1 = _power_inverse(omx1, omx_max, self.beta)
            u2, j2 = _power_inverse(omx2, omx_max, self.beta)
            return np.stack([u1, u2], axis=1), j1 * j2
        return soft_beam_inverse(self.tau_maps[kind], self.beta, omx1, omx2, scale)

    def _rs(
        self, omx1: FloatArray, omx2: FloatArray, d1: FloatArray, d2: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """sqrt(s_hat) (clipped just above the hard threshold) and whether the point is above it."""
        one_minus_tau = omx1 + omx2 - omx1 * omx2
        rs = self.sqrt_s * np.sqrt((1.0 - one_minus_tau) * (1.0 + d1) * (1.0 + d2))
        thr = self.hard.phase_space.threshold
        above = rs > thr * (1.0 + 1e-9)
        return np.where(above, rs, thr * (1.0 + 1e-9)), above

    def _channel(self, kind: str, hard: Channel) -> Channel:
        ni, ns = self.n_isr, self.n_spread

        def to_x(u: FloatArray, rs: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
            n = u.shape[0]
            d = self._spread_x(u[:, ni : ni + ns]) if ns else np.zeros((n, 2))
            if ni:
                o1, o2, j = self._isr_x(kind, u[:, :2], (1.0 + d[:, 0]) * (1.0 + d[:, 1]))
            else:
                o1, o2, j = np.zeros(n), np.zeros(n), np.ones(n)
            r, _ = self._rs(o1, o2, d[:, 0], d[:, 1])
            xh, jh = hard.to_x(u[:, ni + ns :], r)
            parts = ([o1, o2] if ni else []) + ([d[:, 0], d[:, 1]] if ns else [])
            return np.column_stack([*parts, xh]), j * jh

        def from_x(x: FloatArray, rs: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
            o1, o2, d1, d2, xh = self._split(x)
            n = x.shape[0]
            ui, j = (
                self._isr_u(kind, o1, o2, (1.0 + d1) * (1.0 + d2)) if ni else (np.empty((n, 0)), np.ones(n))
            )
            us = self._spread_u(np.column_stack([d1, d2])) if ns else np.empty((x.shape[0], 0))
            r, _ = self._rs(o1, o2, d1, d2)
            uh, jh = hard.from_x(xh, r)
            return np.column_stack([ui, us, uh]), j * jh

        return Channel(f"isr_{kind}:{hard.name}", to_x, from_x)

    @cached_property
    def phase_space(self) -> PhaseSpace:
        hard = self.hard.phase_space

        def builder(x: FloatArray, ang: FloatArray) -> tuple[FloatArray, FloatArray]:
            o1, o2, d1, d2, xh = self._split(x)
            rs, above = self._rs(o1, o2, d1, d2)
            p, w = hard.build(xh, ang, rs)
            if self.n_isr:
                w = w * self._f_over_rho(o1) * self._f_over_rho(o2)
            w = w * above
            p = boost_z(p, 0.5 * (np.log1p(-o1) + np.log1p(d1) - np.log1p(-o2) - np.log1p(d2)))
            # the incoming beams exactly (x_i E_beam along +-z), not via the boost; points below the hard
            # threshold (weight 0) keep the boosted beams of the clipped s_hat, so that momentum balances
            half = 0.5 * self.sqrt_s
            e1 = half * (1.0 - o1[above]) * (1.0 + d1[above])
            e2 = half * (1.0 - o2[above]) * (1.0 + d2[above])
            zero = np.zeros_like(e1)
            p[above, 0] = np.column_stack([e1, zero, zero, e1])
            p[above, 1] = np.column_stack([e2, zero, zero, -e2])
            return p, w

        kinds = ("power", *self.tau_maps) if self.n_isr else ("none",)
        channels = tuple(self._channel(kind, c) for kind in kinds for c in hard.channels)
        extra = self.n_isr + self.n_spread
        return PhaseSpace(
            extra + hard.ndim,
            extra + hard.nx,
            channels,
            builder,
            cos_range=hard.cos_range,
            sqrt_s=hard.sqrt_s,
            threshold=hard.threshold,
        )


def boost_z(p: FloatArray, y: FloatArray) -> FloatArray:
    """Momenta (n, k, 4) boosted along +z with rapidity y (n,), in place (returns ``p``)."""
    ch, sh = np.cosh(y)[:, None], np.sinh(y)[:, None]
    e = p[..., 0].copy()
    p[..., 0] = ch * e + sh * p[..., 3]
    p[..., 3] = sh * e + ch * p[..., 3]
    return p


def isr_photons(incoming: FloatArray, sqrt_s: float) -> FloatArray:
    """The two collinear ISR photons (n, 2, 4) of events whose incoming e- (+z) and e+ (-z) carry the
    reduced energies, in the centre-of-mass frame of the nominal beams of energy sqrt_s/2 [GeV]."""
    half = 0.5 * sqrt_s
    nominal = np.array([[half, 0.0, 0.0, half], [half, 0.0, 0.0, -half]])
    return nominal[None] - incoming
