"""Plots of the iDM scan (:mod:`.idm_run`), PNG and PDF, labelled as Belle II projections made with
darkstrahl:
the combined 95 % limit on sigma x BR(chi2 -> chi1 e+e-) versus m_h' per c tau(h'), the efficiency versus
c tau(h'), the DSCB resolution versus m_h', and the excluded sin(theta) interval versus m_h'."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from .idm_scan import IdmScanSettings
from .plots import _label, _save


def _num(v: Any) -> float | None:
    return None if v == "" or v is None else float(v)


def plot_all(outdir: Path, results: list[dict[str, Any]], settings: IdmScanSettings) -> list[Path]:
    """Every plot of the module docstring that has data."""
    hp = [r for r in results if r["label"].startswith("hp:")]
    files: list[Path] = []
    if not hp:
        return files
    lumi_ab = settings.luminosities_fb[0] / 1000.0
    lim = [row for r in hp for row in r["limits"] if row["final_state"] == "combined"]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for ct in settings.ctau_hp_cm:
        rows = sorted(
            (x for x in lim if x["ctau_hp_cm"] == ct and x["lumi_fb"] == settings.luminosities_fb[0]),
            key=lambda x: x["m_hp"],
        )
        if rows:
            ax.plot(
                [x["m_hp"] for x in rows], [x["limit_fb"] for x in rows], "o-", label=f"c$\\tau$ = {ct:g} cm"
            )
    ax.set(
        xlabel="$m_{h'}$ [GeV]",
        ylabel=r"95 % limit on $\sigma\times$BR($\chi_2\to\chi_1 e^+e^-$) [fb]",
        yscale="log",
    )
    ax.legend(fontsize=8, loc="lower right")
    _label(ax, lumi_ab)
    files += _save(fig, outdir, "idm_limit_sigma_br")

    eff = [row for r in hp for row in r["efficiency"]]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for m in settings.m_hp:
        for sp in settings.species:
            rows = sorted(
                (x for x in eff if x["m_hp"] == m and x["species"] == sp), key=lambda x: x["ctau_hp_cm"]
            )
            if rows:
                ax.plot(
                    [x["ctau_hp_cm"] for x in rows],
                    [x["eff_selection"] for x in rows],
                    "o-",
                    label=f"{sp}, $m_{{h'}}$ = {m:g} GeV",
                )
    ax.set(xlabel=r"c$\tau(h')$ [cm]", ylabel="selection efficiency", xscale="log")
    ax.legend(fontsize=6, ncol=2, loc="upper right")
    _label(ax, lumi_ab)
    files += _save(fig, outdir, "idm_efficiency")

    res = [row for r in hp for row in r["resolution"]]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for sp in settings.species:
        rows = sorted((x for x in res if x["species"] == sp), key=lambda x: x["m_hp"])
        if rows:
            ax.plot([x["m_hp"] for x in rows], [1000 * x["sigma"] for x in rows], "o-", label=sp)
    ax.set(xlabel="$m_{h'}$ [GeV]", ylabel=r"$\sigma_{DSCB}$ of $m(x^+x^-)$ [MeV]")
    ax.legend()
    _label(ax, lumi_ab)
    files += _save(fig, outdir, "idm_resolution")

    th = [row for r in hp for row in r["sin_theta"]]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for lumi in settings.luminosities_fb:
        rows = sorted(
            (x for x in th if x["lumi_fb"] == lumi and _num(x["sin_theta_lo"])), key=lambda x: x["m_hp"]
        )
        if rows:
            ax.fill_between(
                [x["m_hp"] for x in rows],
                [x["sin_theta_lo"] for x in rows],
                [x["sin_theta_hi"] for x in rows],
                alpha=0.3,
                label=f"{lumi / 1000:g} ab$^{{-1}}$",
            )
    ax.set(xlabel="$m_{h'}$ [GeV]", ylabel=r"excluded $\sin\theta$", yscale="log")
    ax.legend(loc="lower right")
    _label(ax, lumi_ab)
    files += _save(fig, outdir, "idm_sin_theta")
    return files
