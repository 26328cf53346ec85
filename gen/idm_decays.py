"""Decays of the two long-lived particles of e+e- -> h' chi1 chi2 (next_wave.md 2.2 and 2.4 items 4-5).

h' -> x+ x- (and the neutral modes) by the branching fractions of
:func:`darkstrahl.gen.idm_widths.hp_widths` (the existing scalar tables times sin^2(theta)), isotropic,
through :func:`darkstrahl.gen.decays.decay_scalar`;
the slot ``x+`` holds the positive particle (mu+, pi+, K+, e+), ``x-`` the negative one.

chi2 -> chi1 l- l+ (l = e, mu) with the exact tree-level matrix element (next_wave.md 2.4 item 4):

1. the channel from the chi2 branching fractions (:func:`darkstrahl.gen.idm_chi2_widths.idm_chi2_widths`);
   tau tau and hadrons are drawn with their branching fractions but left undecayed (status 1, empty daughter
   slots), like phi's "other";
2. q^2 = m(l+ l-)^2 by inverse transform of dGamma/dq^2
   (:func:`~darkstrahl.gen.idm_chi2_widths.chi2_dgamma_dq2`),
   tabulated on 4097 cosine-spaced nodes in q with a trapezoidal cumulative distribution;
3. at fixed s = q^2 the Dalitz density is flat in (s, t), t = (p_chi1 + p_l-)^2, times the spin-summed
   |M|^2 of :func:`~darkstrahl.gen.idm_chi2_widths.chi2_to_chi1_ll_msq` (quadratic in t): t by accept-reject
   against the exact maximum of that quadratic; the pair direction in the chi2 rest frame and the azimuth
   of l- about it are uniform (unpolarized chi2);
4. momenta built in the pair and chi2 rest frames and boosted to the frame of the event; the proper decay
   length c t [mm] is exponential with the mean of the layout's chi2 lifetime rule.

Appended slots: ``chi1_d`` (invisible), ``e-_d``, ``e+_d`` (the charged leptons: PDG +-11 or +-13 per event,
the names are fixed). Generated with ``charged_only``: only ee and mumu are drawn and the event weight is
multiplied by BR(ee) + BR(mumu).
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from .constants import LEPTON_MASSES
from .decays import DAUGHTERS, DECAY_MODES, decay_scalar, scalar_decay_probabilities
from .events import EventBatch
from .idm_chi2_widths import CHI2_CHANNELS, chi2_dgamma_dq2, chi2_to_chi1_ll_msq, idm_chi2_widths
from .idm_model import IdmModel
from .idm_widths import hp_widths, idm_ap_widths
from .kinematics import boost_many

FloatArray = NDArray[np.float64]

#: PDG id of chi2 (chi1 is 52, the PDG Monte Carlo spin-1/2 dark matter code; chi2 has no PDG code:
#: 1000052 marks the excited state, remappable like the other dark ids).
PDG_CHI1, PDG_CHI2 = 52, 1000052
#: Charged-lepton channels of chi2 that get decay kinematics, and their lepton.
CHI2_LEPTON = {"ee": "e", "mumu": "mu"}
CHI2_CHARGED = ("ee", "mumu")
HP_NAMES = ("x+", "x-")
CHI2_NAMES = ("chi1_d", "e-_d", "e+_d")
_N_NODES = 4097


def _charge_ordered(pair: tuple[int, int]) -> tuple[int, int]:
    """(positive, negative) PDG ids of a pair: charged leptons have negative charge for positive ids."""
    a, b = pair
    return (b, a) if abs(a) in (11, 13, 15) and a > 0 else (a, b)


#: h' daughters ordered (x+, x-) per mode of :data:`darkstrahl.gen.decays.DECAY_MODES`.
HP_PDG_TABLE = np.array([_charge_ordered(DAUGHTERS[m]) for m in DECAY_MODES], dtype=np.int32)


def decay_hp(batch: EventBatch, model: IdmModel, rng: np.random.Generator, charged_only: bool) -> EventBatch:
    """Append ``x+``, ``x-`` to the h' slot ``hp`` (module docstring)."""
    probs = scalar_decay_probabilities(hp_widths(model))
    return decay_scalar(batch, "hp", model.m_hp, probs, rng, charged_only, HP_NAMES, HP_PDG_TABLE)


@functools.lru_cache(maxsize=64)
def _q_table(model: IdmModel, channel: str) -> tuple[FloatArray, FloatArray]:
    """(q nodes [GeV], cumulative distribution) of the pair mass q for chi2 -> chi1 + ``channel``."""
    ml = LEPTON_MASSES[CHI2_LEPTON[channel]]
    lo, hi = 2.0 * ml, model.delta_m
    u = np.linspace(0.0, 1.0, _N_NODES)
    q = lo + (hi - lo) * 0.5 * (1.0 - np.cos(math.pi * u))
    dens = 2.0 * q * chi2_dgamma_dq2(model, q * q, channel)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(q))])
    return q, cdf / cdf[-1]


def sample_pair_mass2(model: IdmModel, channel: str, u: FloatArray) -> FloatArray:
    """Pair masses squared q^2 [GeV^2] (n,) distributed as dGamma(chi2 -> chi1 + channel)/dq^2 from uniforms
    ``u`` (n,) (inverse transform of the tabulated distribution, module docstring step 2)."""
    q, cdf = _q_table(model, channel)
    return np.interp(u, cdf, q) ** 2


def _t_limits(s: FloatArray, m1: float, m2: float, ml: float) -> tuple[FloatArray, FloatArray, tuple]:
    """Dalitz limits of t = (p1 + a)^2 at fixed s and the pair-frame energies/momenta (ea, e1, pa, p1)."""
    rs = np.sqrt(s)
    ea = 0.5 * rs
    e1 = (m2 * m2 - s - m1 * m1) / (2.0 * rs)
    pa = np.sqrt(np.clip(ea * ea - ml * ml, 0.0, None))
    p1 = np.sqrt(np.clip(e1 * e1 - m1 * m1, 0.0, None))
    return (ea + e1) ** 2 - (pa + p1) ** 2, (ea + e1) ** 2 - (pa - p1) ** 2, (ea, e1, pa, p1)


def sample_t(model: IdmModel, channel: str, s: FloatArray, rng: np.random.Generator) -> FloatArray:
    """t = (p_chi1 + p_l-)^2 [GeV^2] at fixed pair masses^2 ``s`` (n,), density ~ |M|^2(s, t) (exact,
    accept-reject against the maximum of the quadratic in t; module docstring step 3)."""
    ml = LEPTON_MASSES[CHI2_LEPTON[channel]]
    m1, m2 = model.m_chi1, model.m_chi2
    kw = dict(
        m1=m1,
        m2=m2,
        m_l=ml,
        m_Ap=model.m_Ap,
        gamma_Ap=idm_ap_widths(model).total,
        g_chi=model.g_chi,
        g_e=model.g_e,
    )
    lo, hi, _ = _t_limits(s, m1, m2, ml)
    mid, h = 0.5 * (lo + hi), hi - lo
    f0, f1, f2 = (chi2_to_chi1_ll_msq(s, t, **kw) for t in (lo, mid, hi))
    curv = 2.0 * (f0 - 2.0 * f1 + f2) / np.where(h > 0, h * h, 1.0)  # second derivative
    slope = (f2 - f0) / np.where(h > 0, h, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tv = np.where(curv < 0, mid - slope / curv, mid)
    tv = np.clip(tv, lo, hi)
    fmax = np.maximum.reduce([f0, f2, chi2_to_chi1_ll_msq(s, tv, **kw)]) * (1.0 + 1e-9)
    out = np.empty_like(s)
    todo = np.arange(s.size)
    while todo.size:
        t = lo[todo] + h[todo] * rng.random(todo.size)
        ok = rng.random(todo.size) * fmax[todo] <= chi2_to_chi1_ll_msq(s[todo], t, **kw)
        out[todo[ok]] = t[ok]
        todo = todo[~ok]
    return out


def _unit(cos_t: FloatArray, phi: FloatArray) -> FloatArray:
    st = np.sqrt(np.clip(1.0 - cos_t * cos_t, 0.0, None))
    return np.stack([st * np.cos(phi), st * np.sin(phi), cos_t], axis=1)


def chi2_decay_momenta(
    model: IdmModel, channel: str, p_chi2: FloatArray, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Momenta (n, 4) of chi1, l-, l+ [GeV] of chi2 -> chi1 l- l+ for chi2 momenta ``p_chi2`` (n, 4) (module
    docstring steps 2-4)."""
    n = p_chi2.shape[0]
    ml = LEPTON_MASSES[CHI2_LEPTON[channel]]
    m1, m2 = model.m_chi1, model.m_chi2
    s = sample_pair_mass2(model, channel, rng.random(n))
    t = sample_t(model, channel, s, rng)
    nhat = _unit(2.0 * rng.random(n) - 1.0, 2.0 * math.pi * rng.random(n))
    phi_star = 2.0 * math.pi * rng.random(n)
    _, _, (ea, e1, pa, p1) = _t_limits(s, m1, m2, ml)
    # cos of the angle between l- and chi1 in the pair frame (chi1 moves along -nhat there)
    c = np.clip(
        ((ea + e1) ** 2 - pa * pa - p1 * p1 - t) / np.where(pa * p1 > 0, 2.0 * pa * p1, 1.0), -1.0, 1.0
    )
    ref = np.where(np.abs(nhat[:, 2:3]) < 0.9, [[0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]])
    e_1 = np.cross(nhat, ref)
    e_1 /= np.linalg.norm(e_1, axis=1)[:, None]
    e_2 = np.cross(nhat, e_1)
    sc = np.sqrt(1.0 - c * c)
    d = -c[:, None] * nhat + sc[:, None] * (np.cos(phi_star)[:, None] * e_1 + np.sin(phi_star)[:, None] * e_2)
    rs = np.sqrt(s)
    lm = np.column_stack([ea, pa[:, None] * d])
    lp = np.column_stack([ea, -pa[:, None] * d])
    # pair and chi1 in the chi2 rest frame
    pq = np.sqrt(np.clip((m2 * m2 - (rs + m1) ** 2) * (m2 * m2 - (rs - m1) ** 2), 0.0, None)) / (2.0 * m2)
    pair = np.column_stack([np.sqrt(s + pq * pq), pq[:, None] * nhat])
    chi1 = np.column_stack([np.sqrt(m1 * m1 + pq * pq), -pq[:, None] * nhat])
    lm, lp = boost_many(np.ascontiguousarray(lm), pair), boost_many(np.ascontiguousarray(lp), pair)
    frames = np.ascontiguousarray(p_chi2)
    return boost_many(chi1, frames), boost_many(lm, frames), boost_many(lp, frames)


def decay_chi2(
    batch: EventBatch, model: IdmModel, rng: np.random.Generator, charged_only: bool
) -> EventBatch:
    """Append ``chi1_d``, ``e-_d``, ``e+_d`` to the chi2 slot and draw its proper decay length
    (module docstring)."""
    n = len(batch)
    layout = batch.layout
    i2 = layout.index("chi2")
    i_ll = [ll.slot for ll in layout.long_lived].index(i2)
    widths = idm_chi2_widths(model)
    modes = CHI2_CHARGED if charged_only else CHI2_CHANNELS
    pr = np.array([widths.br(m) for m in modes])
    total = float(pr.sum())
    choice = rng.choice(len(modes), size=n, p=pr / total)
    mode_index = np.array([CHI2_CHANNELS.index(m) for m in modes], dtype=np.int8)[choice]
    ct = -layout.long_lived[i_ll].lifetime.ctau_mm() * np.log1p(-rng.random(n))

    d = np.zeros((n, 3, 4))
    pdg_d = np.zeros((n, 3), dtype=np.int32)
    for channel, lepton in CHI2_LEPTON.items():
        sel = np.nonzero(mode_index == CHI2_CHANNELS.index(channel))[0]
        if sel.size == 0:
            continue
        chi1, lm, lp = chi2_decay_momenta(model, channel, batch.momenta[sel, i2], rng)
        d[sel, 0], d[sel, 1], d[sel, 2] = chi1, lm, lp
        code = 11 if lepton == "e" else 13
        pdg_d[sel] = (PDG_CHI1, code, -code)
    decayed = pdg_d[:, 0] != 0
    status = np.concatenate([batch.status, np.repeat(decayed[:, None], 3, axis=1).astype(np.int8)], axis=1)
    status[:, i2] = np.where(decayed, 2, 1)
    ct_mm, decay_mode = batch.ct_mm.copy(), batch.decay_mode.copy()
    ct_mm[:, i_ll] = ct
    decay_mode[:, i_ll] = mode_index
    table = ((PDG_CHI1, model.m_chi1), (11, LEPTON_MASSES["e"]), (13, LEPTON_MASSES["mu"]))
    new = layout.with_daughters(i2, CHI2_NAMES, table)
    slots = list(new.slots)
    slots[-3] = replace(slots[-3], visible=False)
    return replace(
        batch,
        layout=replace(new, slots=tuple(slots)),
        momenta=np.concatenate([batch.momenta, d], axis=1),
        pdg=np.concatenate([batch.pdg, pdg_d], axis=1),
        status=status,
        helicities=np.concatenate([batch.helicities, np.zeros((n, 3), dtype=np.int8)], axis=1),
        weights=batch.weights * total if charged_only else batch.weights,
        ct_mm=ct_mm,
        decay_mode=decay_mode,
    )
