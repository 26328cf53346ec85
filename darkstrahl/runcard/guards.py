"""Physics guards of a run card (issue 12 item 4): points outside the model's validity are refused, with a
:class:`~darkstrahl.errors.ParameterError` naming the card key and the limit; where a user may have a reason,
an explicit override key is named in the message.

Limits (and why):

* ``model.eps``: the A'-photon mixing is kept to first order in eps (physics.md section 1), so O(eps^2) terms
  are dropped: ``eps <= EPS_MAX = 0.1`` keeps them below 1 %; ``general = true`` allows up to eps < 1, beyond
  which the kinetic term is not positive definite (no override).
* couplings: tree-level perturbation theory needs alpha = g^2/(4 pi) <= 1 for every dark coupling, g_chi =
  q_chi g' (A' chi chi) and q_Phi g' (A' A' phi, g_hVV = 2 q_Phi g' m_A'): ``g <= sqrt(4 pi)`` (no override).
* ``Gamma_A'/m_A' <= WIDTH_RATIO_MAX = 0.5`` (the A' as a Breit-Wigner resonance; next_wave.md 2.2 already
  calls 13 % a strained narrow-width approximation), unless ``model.general = true``; the width used is
  ``process.ap_width`` when set.
* ``process.ap_width >= AP_WIDTH_MIN_RATIO = 0.1`` x the physical width (a much smaller width makes sigma ~
  1/Gamma unphysically large: 1e-30 GeV gave 9e27 fb), unless ``process.ap_width_free = true``.
* ``sqrt(s) <= SQRT_S_MAX = 20 GeV``: the model has no Z exchange and no A'-Z mixing (corrections O(s/m_Z^2),
  5 % at 20 GeV) and the A' hadronic widths are DarkCast tables up to 9.98 GeV (gen/widths.py).
* ``output.pdg_*``: > 0 (the sign marks antiparticles), distinct, and not the id of a Standard-Model particle
  (ids below 51 or known to the ``particle`` package); PDG's MC numbering reserves 51-60 for such states.
* ``analysis.m_phi_max`` (scans, :func:`check_scan`): within the phi width table of ``model.phi_widths``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

from darkstrahl.errors import ParameterError
from darkstrahl.gen.registry import PROCESSES

from . import build
from .load import Card, load_card

EPS_MAX = 0.1  #: largest kinetic mixing without ``model.general``
EPS_HARD_MAX = 1.0  #: kinetic mixing must stay below this (positive-definite kinetic term)
COUPLING_MAX = math.sqrt(4.0 * math.pi)  #: alpha = g^2/(4 pi) <= 1
WIDTH_RATIO_MAX = 0.5  #: largest Gamma_A'/m_A' without ``model.general``
AP_WIDTH_MIN_RATIO = 0.1  #: smallest process.ap_width / physical width without ``process.ap_width_free``
SQRT_S_MAX = 20.0  #: GeV
PDG_FIRST_FREE = 51  #: PDG MC numbering: 51-60 generic BSM states


def family(card: Card) -> str:
    """Which guards apply: ``"analysis"`` (an A'h' or iDM scan card, whose samples are built from its own
    section), ``"sm"`` (a process registered without a dark model: the SM backgrounds), ``"idm"``,
    ``"ap_hp"`` (the A'h' process) or ``"dark_higgs"`` (the phi model of physics.md: every guard)."""
    if card["analysis"]["kind"] != "reference":
        return "analysis"
    if card["model"]["kind"] == "idm":
        return "idm"
    entry = PROCESSES.get(card["process"]["name"])
    if entry is not None and not entry.dark_model:
        return "sm"
    return "ap_hp" if card["process"]["name"] == "ap_hp_mumu" else "dark_higgs"


def check_eps(card: Card) -> None:
    """The kinetic mixing (module docstring), for every dark-sector model."""
    m = card["model"]
    eps = m["eps"]
    if eps >= EPS_HARD_MAX:
        raise ParameterError("model.eps", f"kinetic mixing must be < {EPS_HARD_MAX:g}", eps)
    if eps > EPS_MAX and not m["general"]:
        raise ParameterError(
            "model.eps",
            f"must be <= {EPS_MAX:g} (the model keeps the mixing to first order in eps); "
            "set model.general = true to allow it",
            eps,
        )


def check_couplings(card: Card) -> None:
    """eps and the dark couplings g_chi, q_Phi g' of the phi model (module docstring)."""
    check_eps(card)
    m = card["model"]
    g_dark = m["g_chi"] / m["q_chi"]
    for name, value in (
        ("model.g_chi", m["g_chi"]),
        ("model.q_Phi x g' (g' = g_chi/q_chi)", m["q_Phi"] * g_dark),
    ):
        if value > COUPLING_MAX:
            raise ParameterError(
                name, f"must be <= sqrt(4 pi) = {COUPLING_MAX:.4g} (perturbativity: g^2/(4 pi) <= 1)", value
            )


def check_widths(card: Card) -> None:
    """Gamma_A'/m_A' and the ``process.ap_width`` override (module docstring)."""
    from darkstrahl.gen.widths import ap_widths

    model = build.model(card)
    physical = float(ap_widths(model).total)
    override = card["process"]["ap_width"]
    if (
        override is not None
        and override < AP_WIDTH_MIN_RATIO * physical
        and not card["process"]["ap_width_free"]
    ):
        raise ParameterError(
            "process.ap_width",
            f"must be >= {AP_WIDTH_MIN_RATIO:g} x the physical A' width {physical:.4g} GeV; "
            "set process.ap_width_free = true to allow it",
            override,
        )
    width = physical if override is None else override
    if width / model.m_Ap > WIDTH_RATIO_MAX and not model.general:
        key = "model.g_chi" if override is None else "process.ap_width"
        raise ParameterError(
            key,
            f"gives Gamma_A'/m_A' = {width / model.m_Ap:.3g} > {WIDTH_RATIO_MAX:g} (no longer a resonance); "
            "set model.general = true to allow it",
            card["model"]["g_chi"] if override is None else override,
        )


def check_energy(card: Card) -> None:
    """sqrt(s) within the model's validity (module docstring)."""
    root_s = build.sqrt_s(card)
    if not 0.0 < root_s <= SQRT_S_MAX:
        raise ParameterError(
            "run.sqrt_s",
            f"must be <= {SQRT_S_MAX:g} GeV (no Z exchange or A'-Z mixing in the model; A' widths tabulated "
            "to 10 GeV)",
            root_s,
        )


def check_pdg_ids(card: Card) -> None:
    """Dark-sector PDG ids: positive, distinct, no Standard-Model particle (module docstring)."""
    from particle import Particle
    from particle.particle import InvalidParticle, ParticleNotFound

    out = card["output"]
    keys = ("pdg_chi", "pdg_phi", "pdg_Ap")
    for key in keys:
        pid = out[key]
        if pid <= 0:
            raise ParameterError(f"output.{key}", "must be > 0 (the sign marks the antiparticle)", pid)
        try:
            name = Particle.from_pdgid(pid).name
        except (ParticleNotFound, InvalidParticle):
            name = None
        if name is not None or pid < PDG_FIRST_FREE:
            what = (
                f"the PDG id of {name}"
                if name
                else f"reserved for Standard-Model particles (< {PDG_FIRST_FREE})"
            )
            raise ParameterError(
                f"output.{key}", f"{pid} is {what}; use a free id (PDG MC numbering: 51-60)", pid
            )
    ids = [out[k] for k in keys]
    if len(set(ids)) != len(ids):
        raise ParameterError("output.pdg_chi/pdg_phi/pdg_Ap", "must be three different ids", tuple(ids))


def check_scan(card: Card) -> None:
    """``analysis.m_phi_max`` within the phi width table of ``model.phi_widths`` (5.13 GeV for the default):
    beyond it every mass point would be refused by the model."""
    from darkstrahl.gen.width_tables import phi_hadron_table

    hi = phi_hadron_table(card["model"]["phi_widths"]).m_range[1]
    value = card["analysis"]["m_phi_max"]
    if value > hi:
        raise ParameterError(
            "analysis.m_phi_max",
            f"must be <= {hi:g} GeV, the end of the phi width table {card['model']['phi_widths']!r}",
            value,
        )


def check(card: Card) -> None:
    """The guards of this module that apply to the card's :func:`family`; raises the first violation. The
    A'h' and iDM models check their own couplings and hierarchies when built (``ApHpModel``, ``IdmModel``)."""
    kind = family(card)
    check_energy(card)
    check_pdg_ids(card)
    if kind in ("idm", "ap_hp"):
        check_eps(card)
    elif kind == "dark_higgs":
        check_couplings(card)
        check_widths(card)


def checked_card(source: str | Path, overrides: Iterable[str] | None = None) -> Card:
    """The card ``source`` (a built-in name or a path) with its ``--set`` overrides, checked by :func:`check`:
    what every ``darkstrahl`` command reads."""
    card = load_card(source, overrides or ())
    check(card)
    return card
