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
from numpy.typing import NDArray

from .constants import M_E, M_K_CHARGED, M_MU, M_PI0, M_PI_CHARGED, _mass_GeV
from .events import EventBatch
from .kinematics import boost_many
from .model import DarkModel
from .widths import PhiWidths, phi_widths

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
#: |PDG id| -> mass [GeV] of every daughter (the masses written to event files).
DAUGHTER_MASS_BY_PDG: tuple[tuple[int, float], ...] = tuple(
    (abs(DAUGHTERS[m][0]), DAUGHTER_MASS[m]) for m in DECAY_MODES if DAUGHTERS[m][0]
)
_PDG_TABLE = np.array([DAUGHTERS[m] for m in DECAY_MODES], dtype=np.int32)


def scalar_decay_probabilities(widths: PhiWidths) -> dict[str, float]:
    """Branching fractions of a CP-even scalar with partial widths ``widths`` into the labels of
    :data:`DECAY_MODES` (sum 1; K0 K0bar as KS KS or KL KL, half each)."""
    br = widths.branching_fractions()
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


def decay_probabilities(model: DarkModel) -> dict[str, float]:
    """Branching fractions of phi into the labels of :data:`DECAY_MODES` (sum 1)."""
    return scalar_decay_probabilities(phi_widths(model))


def decay_phi(
    batch: EventBatch, model: DarkModel, rng: np.random.Generator, charged_only: bool = False
) -> EventBatch:
    """Append the two phi daughters to every event (layout k -> k + 2, :meth:`Layout.with_daughters`) and
    draw phi's proper decay length from the layout's lifetime rule."""
    return decay_scalar(
        batch, "phi", model.m_phi, decay_probabilities(model), rng, charged_only, ("phi_d1", "phi_d2")
    )


def decay_scalar(
    batch: EventBatch,
    name: str,
    mass: float,
    probs: dict[str, float],
    rng: np.random.Generator,
    charged_only: bool,
    names: tuple[str, str],
    pdg_table: NDArray | None = None,
) -> EventBatch:
    """Two-body isotropic decay of the long-lived scalar in slot ``name`` (mass [GeV]) by the branching
    fractions ``probs`` over :data:`DECAY_MODES`: appends the daughter slots ``names`` (PDG ids per event
    from ``pdg_table`` (8, 2), default :data:`DAUGHTERS` order) and draws the proper decay length c t [mm]
    from the layout's lifetime rule (module docstring)."""
    n = len(batch)
    layout = batch.layout
    i_phi = layout.index(name)
    i_ll = [ll.slot for ll in layout.long_lived].index(i_phi)
    modes = CHARGED_MODES if charged_only else DECAY_MODES
    pr = np.array([probs[m] for m in modes])
    total = float(pr.sum())
    choice = rng.choice(len(modes), size=n, p=pr / total)
    mode_index = np.array([DECAY_MODES.index(m) for m in modes], dtype=np.int8)[choice]
    cos_t = 2.0 * rng.random(n) - 1.0
    azim = 2.0 * math.pi * rng.random(n)
    ctau = layout.long_lived[i_ll].lifetime.ctau_mm()
    ct = -ctau * np.log1p(-rng.random(n))  # exponential with mean c tau [mm]

    p_phi = batch.momenta[:, i_phi]
    mphi = mass
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

    pdg_d = (_PDG_TABLE if pdg_table is None else pdg_table)[mode_index]
    momenta = np.concatenate([batch.momenta, d1[:, None], d2[:, None]], axis=1)
    pdg = np.concatenate([batch.pdg, pdg_d], axis=1)
    st_d = np.where(undecayed, 0, 1).astype(np.int8)
    status = np.concatenate([batch.status, np.stack([st_d, st_d], axis=1)], axis=1)
    status[:, i_phi] = np.where(undecayed, 1, 2)
    helicities = np.concatenate([batch.helicities, np.zeros((n, 2), dtype=np.int8)], axis=1)
    weights = batch.weights * total if charged_only else batch.weights
    ct_mm, decay_mode = batch.ct_mm.copy(), batch.decay_mode.copy()
    ct_mm[:, i_ll] = ct
    decay_mode[:, i_ll] = mode_index
    return replace(
        batch,
        layout=layout.with_daughters(i_phi, names, DAUGHTER_MASS_BY_PDG),
        momenta=momenta,
        pdg=pdg,
        status=status,
        helicities=helicities,
        weights=weights,
        ct_mm=ct_mm,
        decay_mode=decay_mode,
    )
