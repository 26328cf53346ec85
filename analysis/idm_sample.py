"""Signal sample of e+e- -> h'(-> x+x-) chi1 chi2(-> chi1 e+e-) as the iDM analysis reads it
(next_wave.md 2.2-2.4, seed 002): structure-of-arrays lab four-momenta per slot, the two decay lengths in
units of c tau, and the event weights.

The analysis never looks at a generator: it reads an :class:`IdmSample`, built either

* from any event record with the slot names of the iDM generator (:data:`SLOTS`, :meth:`IdmSample.from_slots`;
  decay vertices, if the generator sampled them, give the decay lengths, see below), or
* from :func:`generator_sample`: the matrix-element generator of e+e- -> h' chi1 chi2
  (gen/idm_process.IdmProcess: three diagrams, off-shell A', optional ISR; exact chi2 -> chi1 l+l- decay of
  gen/idm_decays), or
* from :func:`stand_in_sample`, a fast kinematic stand-in used in tests (narrow on-shell A', documented
  approximations in its docstring).

Decay lengths (next_wave.md 2.4 item 5). h' and chi2 are produced at the interaction point (the A' lifetime
is negligible), so each decays at the lab position

    v = (p_vec / m) c tau u,        u ~ Exp(1)  (the proper decay length in units of c tau)     [mm]

with independent u for h' and chi2. The sample stores u_hp and u_chi2 (shape (n,)), not the vertices: the
decay kinematics do not depend on the lifetimes, so :meth:`IdmSample.vertices` gives the vertices for any
(c tau_h', c tau_chi2) from the same u. This is regeneration of the vertices with common random numbers
(efficiency curves versus lifetime are smooth, and equal in distribution to an independent regeneration).
A generator vertex v_gen sampled with c tau_gen gives u = |v_gen| m / (|p| c tau_gen).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from darkstrahl.detector.beams import Beams, transform
from darkstrahl.errors import ParameterError
from darkstrahl.gen.constants import M_E, M_K_CHARGED, M_MU, M_PI_CHARGED
from darkstrahl.gen.idm_chi2_widths import chi2_dgamma_dq2, idm_chi2_widths
from darkstrahl.gen.idm_model import IdmModel
from darkstrahl.gen.idm_widths import sigma_hp_chi1chi2_nwa_fb
from darkstrahl.gen.kinematics import boost_many, two_body_momentum

#: Slot names of the iDM event record (shared with the generator branch ``idmgen``).
SLOTS = ("hp", "chi1", "chi2", "chi1_d", "e-_d", "e+_d", "x+", "x-")
#: h' final states of the analysis (next_wave.md 2.2 "Final states used") -> PDG id of x+ and mass [GeV].
SPECIES: dict[str, tuple[int, float]] = {
    "mu": (-13, M_MU),
    "pi": (211, M_PI_CHARGED),
    "K": (321, M_K_CHARGED),
}


@dataclass(frozen=True)
class IdmSample:
    """Lab-frame signal sample (module docstring).

    p: slot name -> lab four-momenta (n, 4) [GeV] for every name of :data:`SLOTS`;
    species: h' final state of every event, (n,) array of "mu", "pi" or "K";
    u_hp, u_chi2: proper decay lengths in units of c tau, (n,);
    weight: event weights (n,) [fb] (their sum is the cross section of the sample);
    m_hp, m_chi2: masses [GeV]; sqrt_s: nominal CM energy [GeV]; beams: the lab frame;
    extra: additional visible photons (n, k, 4) in the lab [GeV] (ECL energy not matched to the tracks)."""

    p: dict[str, NDArray]
    species: NDArray
    u_hp: NDArray
    u_chi2: NDArray
    weight: NDArray
    m_hp: float
    m_chi2: float
    beams: Beams
    extra: NDArray | None = None
    meta: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [s for s in SLOTS if s not in self.p]
        if missing:
            raise ParameterError("sample.p", f"needs the slots {list(SLOTS)}", missing)
        n = len(self.weight)
        for name, arr in [*self.p.items(), ("u_hp", self.u_hp), ("u_chi2", self.u_chi2)]:
            if len(arr) != n:
                raise ParameterError(f"sample.{name}", f"needs {n} rows like the weights", len(arr))
        bad = set(np.unique(self.species)) - set(SPECIES)
        if bad:
            raise ParameterError("sample.species", f"must be among {sorted(SPECIES)}", sorted(bad))

    def __len__(self) -> int:
        return len(self.weight)

    @property
    def sqrt_s(self) -> float:
        return self.beams.sqrt_s

    def vertices(self, ctau_hp_mm: float, ctau_chi2_mm: float) -> tuple[NDArray, NDArray]:
        """Lab decay vertices (n, 3) [mm] of h' and chi2 for proper decay lengths c tau [mm]:
        v = (p_vec / m) c tau u (module docstring)."""
        for name, v in (("ctau_hp_mm", ctau_hp_mm), ("ctau_chi2_mm", ctau_chi2_mm)):
            if not (np.isfinite(v) and v > 0):
                raise ParameterError(name, "must be finite and > 0 mm", v)
        v_hp = self.p["hp"][:, 1:] / self.m_hp * (ctau_hp_mm * self.u_hp)[:, None]
        v_chi2 = self.p["chi2"][:, 1:] / self.m_chi2 * (ctau_chi2_mm * self.u_chi2)[:, None]
        return v_hp, v_chi2

    def forced_vertices(
        self, ctau_hp_mm: float, ctau_chi2_mm: float, d_max_mm: float
    ) -> tuple[NDArray, NDArray, NDArray]:
        """Vertices (n, 3) [mm] forced inside the transverse distance d_max [mm], and the weight factor
        P_h' P_chi2 (n,) (the detector/regions.py method (b), for both particles).

        Per particle, d_T = (p_T/m) c tau u, so d_T < d_max means u < u_max = d_max m / (p_T c tau), of
        probability P = 1 - e^{-u_max}. The stored u ~ Exp(1) is mapped to the truncated exponential on
        [0, u_max) through its uniform v = 1 - e^{-u}: u' = -ln(1 - v P) (the identity for P = 1). Weighting
        by P gives the same expectation as the plain vertices restricted to d_T < d_max, with no event lost
        at long lifetimes (efficiencies stay smooth in c tau; each particle can only decay before d_max)."""
        if not d_max_mm > 0:
            raise ParameterError("d_max_mm", "must be > 0 mm", d_max_mm)
        v_hp, v_chi2 = self.vertices(ctau_hp_mm, ctau_chi2_mm)
        prob = np.ones(len(self))
        out = []
        for v, slot, m, u, ct in (
            (v_hp, "hp", self.m_hp, self.u_hp, ctau_hp_mm),
            (v_chi2, "chi2", self.m_chi2, self.u_chi2, ctau_chi2_mm),
        ):
            pt = np.hypot(self.p[slot][:, 1], self.p[slot][:, 2])
            with np.errstate(divide="ignore"):
                u_max = d_max_mm * m / (np.maximum(pt, 1e-300) * ct)
            p_in = -np.expm1(-u_max)
            u_new = -np.log1p(np.expm1(-u) * p_in)  # -ln(1 - v P), v = 1 - e^{-u}
            scale = np.divide(u_new, u, out=np.ones_like(u), where=u > 0)
            out.append(v * scale[:, None])
            prob *= p_in
        return out[0], out[1], prob

    @classmethod
    def from_slots(
        cls,
        p: dict[str, NDArray],
        species: NDArray,
        weight: NDArray,
        beams: Beams,
        vertex_hp: NDArray,
        vertex_chi2: NDArray,
        ctau_hp_mm: float,
        ctau_chi2_mm: float,
        extra: NDArray | None = None,
    ) -> IdmSample:
        """Sample from lab momenta per slot and generator vertices (n, 3) [mm] sampled with the given
        c tau [mm]: u = |v| m / (|p| c tau) (module docstring). Masses from the slot four-momenta."""
        m_hp = float(np.sqrt(max(np.median(_msq(p["hp"])), 0.0)))
        m_chi2 = float(np.sqrt(max(np.median(_msq(p["chi2"])), 0.0)))
        u_hp = (
            np.linalg.norm(vertex_hp, axis=1) * m_hp / (np.linalg.norm(p["hp"][:, 1:], axis=1) * ctau_hp_mm)
        )
        u_chi2 = (
            np.linalg.norm(vertex_chi2, axis=1)
            * m_chi2
            / (np.linalg.norm(p["chi2"][:, 1:], axis=1) * ctau_chi2_mm)
        )
        return cls(
            dict(p), np.asarray(species), u_hp, u_chi2, np.asarray(weight, float), m_hp, m_chi2, beams, extra
        )


def _msq(p: NDArray) -> NDArray:
    return p[..., 0] ** 2 - np.sum(p[..., 1:] ** 2, axis=-1)


def _isotropic(n: int, rng: np.random.Generator) -> tuple[NDArray, NDArray]:
    return rng.uniform(-1.0, 1.0, n), rng.uniform(0.0, 2.0 * np.pi, n)


def _two_body(
    parent: NDArray, m1: NDArray | float, m2: NDArray | float, cos_t: NDArray, phi: NDArray
) -> tuple[NDArray, NDArray]:
    """Decay of parents (n, 4) into m1 m2 with daughter 1 along (cos_t, phi) in the parent rest frame;
    both daughters boosted to the parent's frame (gen/kinematics.boost_many). Returns (n, 4) twice."""
    n = len(parent)
    mp = np.sqrt(np.maximum(_msq(parent), 0.0))
    m1 = np.broadcast_to(np.asarray(m1, float), (n,))
    m2 = np.broadcast_to(np.asarray(m2, float), (n,))
    k = _pstar(mp, m1, m2)
    st = np.sqrt(np.maximum(1.0 - cos_t**2, 0.0))
    d = np.column_stack([st * np.cos(phi), st * np.sin(phi), cos_t]) * k[:, None]
    d1 = np.column_stack([np.sqrt(m1**2 + k**2), d])
    d2 = np.column_stack([np.sqrt(m2**2 + k**2), -d])
    parent = np.ascontiguousarray(parent, dtype=np.float64)
    return boost_many(d1, parent), boost_many(d2, parent)


def _pstar(M: NDArray, m1: NDArray, m2: NDArray) -> NDArray:
    """Vectorised two-body momentum (gen/kinematics.two_body_momentum) [GeV]."""
    a = (M**2 - (m1 + m2) ** 2) * (M**2 - (m1 - m2) ** 2)
    return np.sqrt(np.maximum(a, 0.0)) / (2.0 * M)


def sample_q2(model: IdmModel, n: int, rng: np.random.Generator, n_grid: int = 4000) -> NDArray:
    """q^2 = m(e+e-)^2 [GeV^2] of chi2 -> chi1 e+e- drawn from the exact dGamma/dq^2 of next_wave.md 2.2
    (gen/idm_chi2_widths.chi2_dgamma_dq2) by the inverse CDF on a logarithmic grid in q^2 from (2 m_e)^2 to
    Delta m^2 (trapezoidal CDF; grid of ``n_grid`` points)."""
    lo, hi = (2.0 * M_E) ** 2 * (1 + 1e-9), model.delta_m**2 * (1 - 1e-9)
    q2 = np.geomspace(lo, hi, n_grid)
    dens = chi2_dgamma_dq2(model, q2, "ee") * q2  # density in ln q^2
    cdf = np.concatenate(([0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(np.log(q2)))))
    return np.exp(np.interp(rng.random(n) * cdf[-1], cdf, np.log(q2)))


def stand_in_sample(
    model: IdmModel,
    n: int,
    rng: np.random.Generator,
    species: str = "mu",
    beams: Beams | None = None,
) -> IdmSample:
    """Kinematic stand-in for the iDM generator (next_wave.md 2.2), n events of one h' final state.

    * e+e- -> A' h' at the nominal sqrt(s) with the A' on shell (narrow-width limit), A' polar angle from
      dsigma/dcos(theta) ∝ 2 + (k^2/m_A'^2) sin^2(theta) (reference.md 1.2), flat azimuth;
    * A' -> chi1 chi2 isotropic in the A' rest frame (approximation: A' spin correlations neglected);
    * h' -> x+ x- isotropic (exact for a scalar);
    * chi2 -> chi1 V*(q^2), q^2 from the exact dGamma/dq^2 (:func:`sample_q2`), chi1 direction isotropic in
      the chi2 rest frame and V* -> e+e- isotropic in the V* rest frame (approximation; next_wave.md 2.4
      item 4 allows 1 + cos^2 at first order);
    * no ISR; weights sigma(e+e- -> h' chi1 chi2) in the narrow-width limit / n [fb]
      (gen/idm_widths.sigma_hp_chi1chi2_nwa_fb), i.e. before BR(chi2 -> chi1 e+e-) and BR(h' -> x+x-).

    The A' must be on shell: m_A' + m_h' < sqrt(s), else ParameterError. Momenta are transformed to the lab
    with the exact SuperKEKB transform (detector/beams.py)."""
    if species not in SPECIES:
        raise ParameterError("species", f"must be one of {sorted(SPECIES)}", species)
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise ParameterError("n", "must be an integer >= 1", n)
    beams = beams or Beams.preset("SuperKEKB")
    sqrt_s = beams.sqrt_s
    m_x = SPECIES[species][1]
    if model.m_Ap + model.m_hp >= sqrt_s:
        raise ParameterError(
            "m_Ap", f"the stand-in needs an on-shell A': m_Ap + m_hp < sqrt(s) = {sqrt_s:.4g}"
        )
    if model.m_hp <= 2 * m_x:
        raise ParameterError("m_hp", f"h' -> {species} {species} is closed (m_hp <= 2 m_x)", model.m_hp)
    k = two_body_momentum(sqrt_s, model.m_Ap, model.m_hp)
    rmax = 2.0 + (k / model.m_Ap) ** 2
    cos_ap = np.empty(0)
    while len(cos_ap) < n:  # rejection sampling of 2 + (k/m)^2 sin^2
        c = rng.uniform(-1.0, 1.0, 2 * n)
        keep = rng.random(2 * n) * rmax < 2.0 + (k / model.m_Ap) ** 2 * (1.0 - c**2)
        cos_ap = np.concatenate((cos_ap, c[keep]))
    cos_ap = cos_ap[:n]
    cm = np.zeros((n, 4))
    cm[:, 0] = sqrt_s
    ap, hp = _two_body(cm, model.m_Ap, model.m_hp, cos_ap, rng.uniform(0.0, 2.0 * np.pi, n))
    chi1, chi2 = _two_body(ap, model.m_chi1, model.m_chi2, *_isotropic(n, rng))
    xp, xm = _two_body(hp, m_x, m_x, *_isotropic(n, rng))
    q = np.sqrt(sample_q2(model, n, rng))
    chi1_d, vstar = _two_body(chi2, model.m_chi1, q, *_isotropic(n, rng))
    em, ep = _two_body(vstar, M_E, M_E, *_isotropic(n, rng))
    cm_all = np.stack([hp, chi1, chi2, chi1_d, em, ep, xp, xm], axis=1)
    lab = transform(cm_all, beams.cm_to_lab())
    p = {name: np.ascontiguousarray(lab[:, i]) for i, name in enumerate(SLOTS)}
    sigma = sigma_hp_chi1chi2_nwa_fb(model, sqrt_s)
    return IdmSample(
        p=p,
        species=np.full(n, species),
        u_hp=rng.standard_exponential(n),
        u_chi2=rng.standard_exponential(n),
        weight=np.full(n, sigma / n),
        m_hp=model.m_hp,
        m_chi2=model.m_chi2,
        beams=beams,
        meta={"sigma_fb": sigma, "br_chi2_ee": idm_chi2_widths(model).br("ee")},
    )


def _decay_hp_to(p_hp: NDArray, m_x: float, rng: np.random.Generator) -> tuple[NDArray, NDArray]:
    """h' -> x+ x-, isotropic in the h' rest frame (exact for a scalar)."""
    return _two_body(p_hp, m_x, m_x, *_isotropic(len(p_hp), rng))


def generator_sample(
    model: IdmModel,
    n: int,
    rng: np.random.Generator,
    species: str = "mu",
    beams: Beams | None = None,
    isr: bool = True,
    higgsstrahlung_only: bool = False,
    seed: int | None = None,
) -> IdmSample:
    """n weighted events of e+e- -> h' chi1 chi2 from the matrix-element generator (gen/idm_process.py, all
    three diagrams unless ``higgsstrahlung_only``; collinear ISR if ``isr``) at the beams' sqrt(s), chi2
    decayed by gen/idm_decays.decay_chi2 (exact matrix element; charged leptons) and h' -> x+x- of the
    requested species here (isotropic, exact for a scalar).

    Only events with chi2 -> chi1 e+e- are kept (the seed selects electrons); their weights are rescaled so
    that they sum to the generated sigma(e+e- -> h' chi1 chi2) [fb] (before BR(chi2 -> chi1 e+e-) and
    BR(h' -> x+x-), as in :func:`stand_in_sample`). Momenta: nominal CM frame -> lab (detector/beams.py);
    the collinear ISR photons travel along the beams, outside the ECL: no E_extra (``extra`` None).
    The generated and chi2-decayed events depend only on (model, n, seed, sqrt(s), isr, diagrams) and are
    cached, so the final states of one task share them (``seed``: default drawn from ``rng``)."""
    if species not in SPECIES:
        raise ParameterError("species", f"must be one of {sorted(SPECIES)}", species)
    beams = beams or Beams.preset("SuperKEKB")
    m_x = SPECIES[species][1]
    if model.m_hp <= 2 * m_x:
        raise ParameterError("m_hp", f"h' -> {species} {species} is closed (m_hp <= 2 m_x)", model.m_hp)
    seed = int(rng.integers(2**62)) if seed is None else seed
    cm, w, names, sigma = _generated_ee(model, n, seed, beams.sqrt_s, isr, higgsstrahlung_only)
    hp = np.ascontiguousarray(cm[:, names.index("hp")])
    xp, xm = _decay_hp_to(hp, m_x, rng)
    cm_all = np.concatenate([cm, np.stack([xp, xm], axis=1)], axis=1)
    lab = transform(cm_all, beams.cm_to_lab())
    p = {name: np.ascontiguousarray(lab[:, i]) for i, name in enumerate((*names, "x+", "x-"))}
    k = len(w)
    return IdmSample(
        p=p,
        species=np.full(k, species),
        u_hp=rng.standard_exponential(k),
        u_chi2=rng.standard_exponential(k),
        weight=w.copy(),
        m_hp=model.m_hp,
        m_chi2=model.m_chi2,
        beams=beams,
        meta={"sigma_fb": sigma, "br_chi2_ee": idm_chi2_widths(model).br("ee"), "n_generated": float(n)},
    )


@functools.lru_cache(maxsize=4)
def _generated_ee(
    model: IdmModel, n: int, seed: int, sqrt_s: float, isr: bool, higgsstrahlung_only: bool
) -> tuple[NDArray, NDArray, tuple[str, ...], float]:
    """CM momenta (k, 6, 4) of the slots hp, chi1, chi2, chi1_d, e-_d, e+_d of the generated events with
    chi2 -> chi1 e+e-, their weights normalised to sigma, the slot names and sigma [fb]
    (:func:`generator_sample`)."""
    from darkstrahl.gen.event_stream import RunSettings
    from darkstrahl.gen.events import EventBatch
    from darkstrahl.gen.generator import EventGenerator
    from darkstrahl.gen.idm_decays import decay_chi2
    from darkstrahl.gen.idm_process import DIAGRAMS, IdmProcess
    from darkstrahl.gen.isr_process import IsrProcess, IsrSettings
    from darkstrahl.gen.sampler import SamplerSettings

    proc = IdmProcess(
        model, sqrt_s=sqrt_s, diagrams=DIAGRAMS["higgsstrahlung" if higgsstrahlung_only else "all"]
    )
    process = IsrProcess(proc, IsrSettings(enabled=True)) if isr else proc
    run = RunSettings(
        n_points=0,
        n_pilot=2,
        chunk_size=n,
        decays="none",
        sampler=SamplerSettings(n_iterations=5, n_per_iteration=max(2000, n // 2)),
    )
    batch = EventBatch.concatenate(list(EventGenerator(process, seed, run).weighted(n)))
    sigma = float(batch.weights.mean())
    batch = decay_chi2(batch, model, np.random.default_rng(seed + 1), charged_only=True)
    lay = batch.layout
    ee = np.abs(batch.pdg[:, lay.index("e-_d")]) == 11
    if not np.any(ee):
        raise ParameterError("n", "no chi2 -> chi1 e+e- event was generated; increase n", n)
    names = ("hp", "chi1", "chi2", "chi1_d", "e-_d", "e+_d")
    cm = np.stack([batch.momenta[ee, lay.index(s)] for s in names], axis=1)
    w = batch.weights[ee]
    return cm, w * (sigma / w.sum()), names, sigma
