"""The ``darkstrahl info`` summary of a parameter point: masses, couplings, widths, phi
branching fractions and decay length, and the narrow-width cross section."""

from __future__ import annotations

from typing import Any

from darkstrahl.gen.crosssections import sigma_nwa_fb
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.widths import ap_widths, phi_widths


def summary(model: DarkModel, sqrt_s: float) -> dict[str, Any]:
    """Summary record (GeV, mm, fb) with the keys documented for ``darkstrahl info --json``."""
    ap = ap_widths(model)
    ph = phi_widths(model)
    return {
        "model": {
            k: getattr(model, k)
            for k in ("m_Ap", "m_chi", "m_phi", "g_chi", "eps", "theta", "q_Phi", "q_chi")
        },
        "benchmark": model.benchmark,
        "couplings": {
            "g_dark": model.g_dark,
            "g_hVV_GeV": model.g_hVV,
            "g_e": model.g_e,
            "eps_convention": model.eps_convention,
        },
        "widths_GeV": {
            "Ap_total": ap.total,
            "Ap_chichi": ap.chichi,
            "Ap_chichiphi": ap.chichiphi,
            "Ap_SM": ap.sm,
            "Ap_ee": ap.ee,
            "Ap_mumu": ap.mumu,
            "Ap_tautau": ap.tautau,
            "Ap_hadrons": ap.hadrons,
            "phi_total": ph.total,
            "phi_dark": ph.dark,
        },
        "Ap_width_over_mass": ap.total / model.m_Ap,
        "br_Ap": {"chichi": ap.br("chichi"), "chichiphi": ap.br("chichiphi"), "SM": ap.br("sm")},
        "br_phi": ph.branching_fractions_grouped(),
        "br_phi_final_states": ph.branching_fractions(),
        "phi_width_prescription": model.phi_widths,
        "ctau_phi_mm": ph.ctau_mm,
        "sqrt_s_GeV": sqrt_s,
        "sigma_nwa_fb": sigma_nwa_fb(model, sqrt_s),
    }


def format_summary(info: dict[str, Any]) -> str:
    """Readable multi-line text of :func:`summary`."""
    m, w = info["model"], info["widths_GeV"]
    bench = f"benchmark {info['benchmark']}, " if info["benchmark"] else ""
    lines = [
        f"darkstrahl parameter point ({bench}eps convention: {info['couplings']['eps_convention']})",
        f"  masses      m_A' = {m['m_Ap']:.6g} GeV   m_chi = {m['m_chi']:.6g} GeV   "
        f"m_phi = {m['m_phi']:.6g} GeV",
        f"  couplings   g_chi = {m['g_chi']:.6g}   g' = {info['couplings']['g_dark']:.6g}   "
        f"eps = {m['eps']:.6g}   theta = {m['theta']:.6g} rad   q_Phi = {m['q_Phi']:.6g}   "
        f"q_chi = {m['q_chi']:.6g}",
        f"  A'A'phi     g_hVV = 2 g' q_Phi m_A' cos(theta) = {info['couplings']['g_hVV_GeV']:.6g} GeV",
        "A' widths [GeV]",
        f"  chi chibar      {w['Ap_chichi']:.6g}",
        f"  chi chibar phi  {w['Ap_chichiphi']:.6g}",
        f"  SM (eps^2)      {w['Ap_SM']:.6g}   (ee {w['Ap_ee']:.4g}, mumu {w['Ap_mumu']:.4g}, "
        f"tautau {w['Ap_tautau']:.4g}, hadrons {w['Ap_hadrons']:.4g})",
        f"  total           {w['Ap_total']:.6g}   Gamma/m = {info['Ap_width_over_mass']:.4%}",
        f"phi ({info['phi_width_prescription']} widths)",
        f"  total width     {w['phi_total']:.6g} GeV   c tau = {info['ctau_phi_mm']:.6g} mm",
        "  BR              " + "   ".join(f"{k} {v:.4g}" for k, v in info["br_phi_final_states"].items()),
        f"sigma(e+e- -> A' phi) x BR(A' -> chi chibar) (narrow width) at sqrt(s) = "
        f"{info['sqrt_s_GeV']:.6g} GeV: {info['sigma_nwa_fb']:.6g} fb",
    ]
    return "\n".join(lines)
