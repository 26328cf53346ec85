"""The ``darkstrahl info`` summary of a dark Higgs + inelastic DM point (card ``[model] kind = "idm"``):
masses, couplings, y, the widths of A', chi2 and h', both c tau, sigma(A'h') and its narrow-width product
(:func:`darkstrahl.gen.idm_widths.idm_summary`; next_wave.md 2.1-2.2)."""

from __future__ import annotations

from typing import Any

from darkstrahl.gen.idm_process import idm_model_from_section
from darkstrahl.gen.idm_widths import idm_summary
from darkstrahl.runcard import build
from darkstrahl.runcard.load import Card


def idm_card_summary(card: Card) -> dict[str, Any]:
    """:func:`~darkstrahl.gen.idm_widths.idm_summary` of the card's iDM point at its sqrt(s) (GeV, mm, fb)."""
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
