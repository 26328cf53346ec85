"""Plots of the A'h' scan (issue 15 item 4), from the rows of :func:`.ahp_output.window_rows`: sigma_UL and
(eps^2 alpha_D)_UL versus M_A' at a chosen M_h' with the expected +-1 sigma band, and 2-D maps over
(M_A', M_h') of the signal efficiency, the resolutions and the median (eps^2 alpha_D)_UL. PNG and PDF."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from darkstrahl.files import atomic_path


def _save(fig: plt.Figure, outdir: Path, name: str) -> list[Path]:
    out = []
    for ext in ("png", "pdf"):
        path = outdir / f"{name}.{ext}"
        with atomic_path(path, force=True) as tmp:
            fig.savefig(tmp, format=ext, dpi=120)
        out.append(path)
    plt.close(fig)
    return out


def _lumi_label(lumi_fb: float) -> str:
    return f"{lumi_fb / 1000:g} ab$^{{-1}}$" if lumi_fb >= 1000 else f"{lumi_fb:g} fb$^{{-1}}$"


def plot_limits_vs_mass(rows: Sequence[dict[str, Any]], outdir: Path, m_hp: float) -> list[Path]:
    """sigma_UL (Born, ISR) and (eps^2 alpha_D)_UL versus M_A' at M_h' = ``m_hp`` (all luminosities)."""
    sel = [r for r in rows if abs(r["m_hp"] - m_hp) < 1e-9]
    files: list[Path] = []
    if not sel:
        return files
    for quantity, ylabel, name in (
        ("sigma_ul", r"expected 90 % CL $\sigma_{UL}$ [fb]", "ahp_sigma_ul"),
        ("eps2_alpha_d", r"expected 90 % CL $(\varepsilon^2\alpha_D)_{UL}$", "ahp_eps2_alpha_d"),
    ):
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        for lumi in sorted({r["lumi_fb"] for r in sel}):
            pts = sorted((r for r in sel if r["lumi_fb"] == lumi), key=lambda r: r["m_Ap"])
            m = np.array([r["m_Ap"] for r in pts])
            keys = ("sigma_ul_isr",) if quantity == "sigma_ul" else ("eps2_alpha_d",)
            for key in keys:
                med = np.array([r[key] for r in pts])
                lo = np.array([r[f"{key}_m1"] for r in pts])
                hi = np.array([r[f"{key}_p1"] for r in pts])
                (line,) = ax.plot(m, med, "o-", label=f"median, {_lumi_label(lumi)}")
                ax.fill_between(m, lo, hi, color=line.get_color(), alpha=0.25, label=r"$\pm 1\sigma$")
            if quantity == "sigma_ul":
                ax.plot(
                    m, [r["sigma_ul_born"] for r in pts], "--", color=line.get_color(), label="Born conv."
                )
        ax.set_yscale("log")
        ax.set_xlabel(r"$M_{A'}$ [GeV]")
        ax.set_ylabel(ylabel)
        ax.set_title(rf"$e^+e^-\to A'h'$, $A'\to\mu\mu$, $M_{{h'}}$ = {m_hp:g} GeV")
        ax.legend(fontsize=7)
        files += _save(fig, outdir, name)
    return files


def plot_maps(rows: Sequence[dict[str, Any]], outdir: Path) -> list[Path]:
    """2-D maps over the grid (first luminosity for the efficiency and resolutions, every luminosity for the
    coupling limit)."""
    files: list[Path] = []
    lumis = sorted({r["lumi_fb"] for r in rows})
    if not lumis:
        return files
    first = [r for r in rows if r["lumi_fb"] == lumis[0]]
    panels = [
        (first, "eff", "signal efficiency (ISR, window, $C_\\eta$)", "ahp_map_efficiency", False),
        (first, "res_m_Ap", r"$\sigma(M_{A'})$ [GeV]", "ahp_map_res_m_Ap", False),
        (first, "res_m_hp", r"$\sigma(M_{h'})$ [GeV]", "ahp_map_res_m_hp", False),
    ]
    for lumi in lumis:
        sel = [r for r in rows if r["lumi_fb"] == lumi]
        tag = f"{lumi:g}".replace(".", "p")
        label = rf"median $(\varepsilon^2\alpha_D)_{{UL}}$, {_lumi_label(lumi)}"
        panels.append((sel, "eps2_alpha_d", label, f"ahp_map_eps2_alpha_d_{tag}", True))
    for sel, key, label, name, log in panels:
        fig, ax = plt.subplots(figsize=(6.0, 4.6))
        x = np.array([r["m_Ap"] for r in sel])
        y = np.array([r["m_hp"] for r in sel])
        z = np.array([r[key] for r in sel], dtype=float)
        ok = np.isfinite(z) & ((z > 0) if log else True)
        norm = matplotlib.colors.LogNorm() if log and ok.any() else None
        sc = ax.scatter(x[ok], y[ok], c=z[ok], s=160, marker="s", norm=norm, cmap="viridis")
        fig.colorbar(sc, ax=ax, label=label)
        ax.set_xlabel(r"$M_{A'}$ [GeV]")
        ax.set_ylabel(r"$M_{h'}$ [GeV]")
        files += _save(fig, outdir, name)
    return files
