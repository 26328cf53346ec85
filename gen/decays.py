"""phi decays (physics.md section 2, 'Long-lived phi decays').

The final state is drawn from the branching fractions of :func:`darkstrahl.gen.widths.phi_widths`
(into the labels of :data:`DECAY_MODES`: a CP-even scalar decays to K0 K0bar as KS KS or KL KL, half each);
the decay is isotropic in the phi rest frame with the daughters' PDG masses; the proper decay length
c t is drawn from the exponential with mean c tau_phi. The mode ``other`` (tau tau, 4 pi, partons, dark)
leaves phi undecayed (empty daughter slots). With ``charged_only`` only ee, mumu, pi+pi-, K+K- are drawn
and every event weight is multiplied by their summed branching fraction.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .constants import M_E, M_K_CHARGED, M_MU, M_PI0, M_PI_CHARGED, _mass_GeV
from .events import EventBatch
from .kinematics import boost_many
from .model import DarkModel
from .widths import phi_widths

#: Decay labels, their daughter PDG ids and masses [GeV].
DECAY_MODES: tuple[str, ...] = ("ee", "mumu", "pipm", "pi0pi0", "KpKm", "KSKS", "KLKL", "other")
DAUGHTERS: dict[str, tuple[int, int]] = {
    "ee": (11, -11),
    "mumu": (13, -13),
    "pipm": (211, -211),
    "pi0pi0": (111, 111),
    "KpKm": (321, -321),
    "KSKS": (310, 310),
    "KLKL": (130, 130),
    "other": (0, 0),
}
_M_KS, _M_KL = _mass_GeV(310), _mass_GeV(130)
DAUGHTER_MASS: dict[str, float] = {
    "ee": M_E,
    "mumu": M_MU,
    "pipm": M_PI_CHARGED,
    "pi0pi0": M_PI0,
    "KpKm": M_K_CHARGED,
    "KSKS": _M_KS,
    "KLKL": _M_KL,
    "other": 0.0,
}
CHARGED_MODES: tuple[str, ...] = ("ee", "mumu", "pipm", "KpKm")
DAUGHTER_MASS_TABLE = np.array([DAUGHTER_MASS[m] for m in DECAY_MODES])
_PDG_TABLE = np.array([DAUGHTERS[m] for m in DECAY_MODES], dtype=np.int32)


def decay_probabilities(model: DarkModel) -> dict[str, float]:
    """Branching fractions of phi into the labels of :data:`DECAY_MODES` (sum 1)."""
    br = phi_widths(model).branching_fractions()
    return {
        "ee": br["ee"],
        "mumu": br["mumu"],
        "pipm": br["pipm"],
        "pi0pi0": br["pi0pi0"],
        "KpKm": br["KpKm"],
        "KSKS": 0.5 * br["K0K0bar"],
        "KLKL": 0.5 * br["K0K0bar"],
        "other": br["other"],
    }


def decay_phi(
    batch: EventBatch, model: DarkModel, rng: np.random.Generator, charged_only: bool = False
) -> EventBatch:
    """Append the two phi daughters to every event (layout k -> k + 2) and draw the proper decay length."""
    n = len(batch)
    probs = decay_probabilities(model)
    modes = CHARGED_MODES if charged_only else DECAY_MODES
    pr = np.array([probs[m] for m in modes])
    total = float(pr.sum())
    choice = rng.choice(len(modes), size=n, p=pr / total)
    mode_index = np.array([DECAY_MODES.index(m) for m in modes], dtype=np.int8)[choice]
    cos_t = 2.0 * rng.random(n) - 1.0
    azim = 2.0 * math.pi * rng.random(n)
    ctau = phi_widths(model).ctau_mm
    ct = -ctau * np.log1p(-rng.random(n))  # exponential with mean c tau [mm]

    i_phi = batch.phi_index
    p_phi = batch.momenta[:, i_phi]
    mphi = model.m_phi
    md = DAUGHTER_MASS_TABLE[mode_index]
    pstar = np.sqrt(np.maximum(0.25 * mphi**2 - md**2, 0.0))
    sin_t = np.sqrt(1.0 - cos_t**2)
    d1 = np.stack(
        [
            np.sqrt(md**2 + pstar**2),
            pstar * sin_t * np.cos(azim),
            pstar * sin_t * np.sin(azim),
            pstar * cos_t,
        ],
        axis=1,
    )
    d2 = d1.copy()
    d2[:, 1:] *= -1.0
    frames = np.ascontiguousarray(p_phi)
    d1, d2 = boost_many(d1, frames), boost_many(d2, frames)
    undecayed = mode_index == DECAY_MODES.index("other")
    d1[undecayed] = 0.0
    d2[undecayed] = 0.0

    pdg_d = _PDG_TABLE[mode_index]
    momenta = np.concatenate([batch.momenta, d1[:, None], d2[:, None]], axis=1)
    pdg = np.concatenate([batch.pdg, pdg_d], axis=1)
    st_d = np.where(undecayed, 0, 1).astype(np.int8)
    status = np.concatenate([batch.status, np.stack([st_d, st_d], axis=1)], axis=1)
    status[:, i_phi] = np.where(undecayed, 1, 2)
    mothers = np.concatenate([batch.mothers, np.array([i_phi, i_phi], dtype=np.int8)])
    helicities = np.concatenate([batch.helicities, np.zeros((n, 2), dtype=np.int8)], axis=1)
    weights = batch.weights * total if charged_only else batch.weights
    return replace(
        batch,
        momenta=momenta,
        pdg=pdg,
        status=status,
        mothers=mothers,
        helicities=helicities,
        weights=weights,
        phi_ctau_mm=ct,
        decay_mode=mode_index,
    )
