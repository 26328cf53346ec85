"""The ``darkstrahl info`` summary of a dark Higgs + inelastic DM point (card ``[model] kind = "idm"``):
masses, couplings, y, the widths of A', chi2 and h', both c tau, sigma(A'h') and its narrow-width product
(:func:`idm_summary`; next_wave.md 2.1-2.2)."""

from __future__ import annotations

from typing import Any

from darkstrahl.gen.idm_chi2_widths import (
    CHI2_CHANNELS,
    chi2_width_small_splitting,
    idm_chi2_widths,
)
from darkstrahl.gen.idm_model import IdmModel
from darkstrahl.gen.idm_process import idm_model_from_section
from darkstrahl.gen.idm_widths import (
    hp_dark_widths,
    hp_widths,
    idm_ap_widths,
    sigma_ap_hp_fb,
    sigma_hp_chi1chi2_nwa_fb,
)
from darkstrahl.runcard import build
from darkstrahl.runcard.load import Card


def idm_summary(model: IdmModel, sqrt_s: float) -> dict[str, Any]:
    """Summary record of an iDM point for ``darkstrahl info`` (GeV, mm, fb; JSON-serialisable):
    parameters, masses, couplings, y, every width, branching fractions, c tau of h' and chi2, and the
    Born sigma(e+e- -> A'h') with q_Phi (next_wave.md 2.4 items 1-2)."""
    ap, chi2, hp = idm_ap_widths(model), idm_chi2_widths(model), hp_widths(model)
    dark = hp_dark_widths(model)
    return {
        "model": model.as_dict(),
        "masses_GeV": {
            "m_hp": model.m_hp,
            "m_Ap": model.m_Ap,
            "m_chi1": model.m_chi1,
            "m_chi2": model.m_chi2,
            "m_D": model.m_D,
            "delta_m": model.delta_m,
        },
        "couplings": {
            "alpha_D": model.alpha_D,
            "g_D": model.g_D,
            "g_chi": model.g_chi,
            "alpha_chi": model.alpha_chi,
            "g_hVV_GeV": model.g_hVV,
            "k_hp": model.k_hp,
            "v_D_GeV": model.v_D,
            "g_e": model.g_e,
            "eps_em": model.eps_em,
            "eps_convention": model.eps_convention,
            "q_Phi": model.q_Phi,
            "q_chi": model.q_chi,
        },
        "y": model.y,
        "widths_GeV": {
            "Ap_total": ap.total,
            "Ap_chi1chi2": ap.chi1chi2,
            "Ap_chi1chi2hp": ap.chi1chi2hp,
            "Ap_SM": ap.sm,
            "Ap_ee": ap.ee,
            "Ap_mumu": ap.mumu,
            "Ap_tautau": ap.tautau,
            "Ap_hadrons": ap.hadrons,
            "chi2_total": chi2.total,
            "chi2_ee": chi2.ee,
            "chi2_mumu": chi2.mumu,
            "chi2_tautau": chi2.tautau,
            "chi2_hadrons": chi2.hadrons,
            "chi2_ee_small_splitting": chi2_width_small_splitting(model),
            "hp_total": hp.total,
            "hp_dark": hp.dark,
            "hp_ApAp": dark["ApAp"],
            "hp_chi1chi1": dark["chi1chi1"],
            "hp_chi2chi2": dark["chi2chi2"],
        },
        "Ap_width_over_mass": ap.total / model.m_Ap,
        "br_Ap": {"chi1chi2": ap.br("chi1chi2"), "chi1chi2hp": ap.br("chi1chi2hp"), "SM": ap.br("sm")},
        "br_chi2": {ch: chi2.br(ch) for ch in CHI2_CHANNELS},
        "br_hp": hp.branching_fractions_grouped(),
        "br_hp_final_states": hp.branching_fractions(),
        "hp_width_prescription": model.hp_widths,
        "ctau_hp_mm": hp.ctau_mm,
        "ctau_chi2_mm": chi2.ctau_mm,
        "sqrt_s_GeV": sqrt_s,
        "Ap_on_shell": model.m_Ap + model.m_hp < sqrt_s,
        "sigma_Ap_hp_fb": sigma_ap_hp_fb(model, sqrt_s),
        "sigma_hp_chi1chi2_nwa_fb": sigma_hp_chi1chi2_nwa_fb(model, sqrt_s),
    }


def idm_card_summary(card: Card) -> dict[str, Any]:
    """:func:`idm_summary` of the card's iDM point at its sqrt(s) (GeV, mm, fb)."""
    return idm_summary(idm_model_from_section(card["model"]), build.sqrt_s(card))


def format_idm_summary(info: dict[str, Any]) -> str:
    """Readable multi-line text of :func:`idm_card_summary`."""
    m, c, w = info["masses_GeV"], info["couplings"], info["widths_GeV"]
    par = info["model"]
    lines = [
        f"darkstrahl iDM point (q_Phi = {c['q_Phi']:g}, q_chi = {c['q_chi']:g}, "
        f"eps convention: {c['eps_convention']})",
        f"  masses      m_h' = {m['m_hp']:.6g}   m_A' = {m['m_Ap']:.6g}   m_chi1 = {m['m_chi1']:.6g}   "
        f"m_chi2 = {m['m_chi2']:.6g}   Delta m = {m['delta_m']:.6g} GeV",
        f"  couplings   alpha_D = {c['alpha_D']:.6g}   eps = {par['eps']:.6g}   "
        f"theta = {par['theta']:.6g} rad   g_hVV = {c['g_hVV_GeV']:.6g} GeV   k = {c['k_hp']:.6g}   "
        f"y = {info['y']:.4g}",
        "A' widths [GeV]",
        f"  chi1 chi2       {w['Ap_chi1chi2']:.6g}",
        f"  chi1 chi2 h'    {w['Ap_chi1chi2hp']:.6g}",
        f"  SM (eps^2)      {w['Ap_SM']:.6g}",
        f"  total           {w['Ap_total']:.6g}   Gamma/m = {info['Ap_width_over_mass']:.4%}",
        "chi2 (exact q^2 integral)",
        f"  width [GeV]     {w['chi2_total']:.6g}   (ee {w['chi2_ee']:.4g}, mumu {w['chi2_mumu']:.4g}, "
        f"hadrons {w['chi2_hadrons']:.4g}; small-splitting ee {w['chi2_ee_small_splitting']:.4g})",
        f"  c tau           {info['ctau_chi2_mm']:.6g} mm",
        f"h' ({info['hp_width_prescription']} widths)",
        f"  width [GeV]     {w['hp_total']:.6g}   c tau = {info['ctau_hp_mm']:.6g} mm",
        "  BR              " + "   ".join(f"{k} {v:.4g}" for k, v in info["br_hp_final_states"].items()),
        f"sigma(e+e- -> A'h') at sqrt(s) = {info['sqrt_s_GeV']:.6g} GeV: {info['sigma_Ap_hp_fb']:.6g} fb; "
        f"x BR(A' -> chi1 chi2): {info['sigma_hp_chi1chi2_nwa_fb']:.6g} fb (narrow width)",
    ]
    return "\n".join(lines)
