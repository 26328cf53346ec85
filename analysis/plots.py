"""Plots of a sensitivity scan (physics.md section 4), written as PNG and PDF.

Every plot is labelled as a Belle II projection made with darkstrahl, with the luminosity.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from darkstrahl.analysis.likelihood import signal_for_sensitivity
from darkstrahl.analysis.scan import PointResult
from darkstrahl.analysis.variables import e_bar, regime_boundary_m_phi
from darkstrahl.files import atomic_path
from darkstrahl.gen.model import BENCHMARKS

CHANNEL_LABEL = {"phi": r"$e^+e^-\to\phi\chi\bar\chi$", "gamma_phi": r"$e^+e^-\to\gamma\phi\chi\bar\chi$"}


def _label(ax: plt.Axes, lumi_ab: float) -> None:
    ax.text(
        0.02,
        0.98,
        f"Belle II projection (darkstrahl), {lumi_ab:g} ab$^{{-1}}$",
        transform=ax.transAxes,
        va="top",
        fontsize=9,
        style="italic",
    )


#: Benchmark styles: B1 and B2 share m_phi = m_A'/6, so their sigma(m_phi) curves coincide up to BR(A' -> chi
#: chibar); B1 is drawn wide and underneath, B2/B3 thinner on top, each with its own marker, so both stay
#: visible.
BENCH_STYLE = {"B1": {"lw": 3.5, "marker": "o", "zorder": 2}, "B2": {"lw": 1.5, "marker": "s", "zorder": 3}}
BENCH_STYLE["B3"] = {"lw": 1.5, "marker": "^", "zorder": 3}


def _legend(ax: plt.Axes, **kw: object) -> None:
    """A legend when the axes hold labelled artists, else a note that there is nothing to show (no
    matplotlib "No artists with labels" warning, issue 12 item 6)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kw)
    else:
        ax.text(0.5, 0.5, "no results in this scan", transform=ax.transAxes, ha="center", color="0.5")


def _finite(values: Sequence[float]) -> bool:
    """True if any value is finite (a curve with none draws nothing and must have no legend entry)."""
    return bool(np.isfinite(np.asarray(values, dtype=float)).any())


def _save(fig: plt.Figure, outdir: Path, name: str) -> list[Path]:
    fig.tight_layout()
    paths = [outdir / f"{name}.{ext}" for ext in ("png", "pdf")]
    for p in paths:
        with atomic_path(p, force=True) as tmp:  # never a half-written plot under the final name
            fig.savefig(tmp, dpi=110, format=p.suffix[1:])
    plt.close(fig)
    return paths


def _by(results: Sequence[PointResult], bench: str, channel: str) -> list[PointResult]:
    return sorted(
        (r for r in results if r.key.benchmark == bench and r.key.channel == channel),
        key=lambda r: r.key.m_Ap,
    )


def plot_cross_sections(
    results: Sequence[PointResult], outdir: Path, lumi_ab: float, eps: float
) -> list[Path]:
    fig, ax = plt.subplots(figsize=(7, 5))
    for k, bench in enumerate(BENCHMARKS):
        for channel, ls in (("phi", "-"), ("gamma_phi", "--")):
            rs = _by(results, bench, channel)
            if rs:
                ax.errorbar(
                    [r.m_phi for r in rs],
                    [r.sigma_fb for r in rs],
                    [r.sigma_err_fb for r in rs],
                    ls=ls,
                    color=f"C{k}",
                    mfc="none",
                    ms=5,
                    label=f"{bench} {CHANNEL_LABEL[channel]}",
                    **BENCH_STYLE.get(bench, {}),
                )
    ax.set_yscale("log")
    ax.set_xlabel(r"$m_\phi$ [GeV]")
    ax.set_ylabel(r"$\sigma$ [fb]")
    ax.set_title(rf"total cross sections, $\epsilon$ = {eps:g}")
    _legend(ax, fontsize=7)
    _label(ax, lumi_ab)
    return _save(fig, outdir, "cross_sections")


def plot_dalitz(result: PointResult, outdir: Path, lumi_ab: float, sqrt_s: float) -> list[Path]:
    if result.dalitz is None or result.dalitz_edges is None:
        raise ValueError("the Dalitz plot needs a gamma_phi result")
    e_edges, m_edges = result.dalitz_edges
    fig, ax = plt.subplots(figsize=(7, 5.5))
    h = np.where(result.dalitz > 0, result.dalitz, np.nan)
    mesh = ax.pcolormesh(e_edges, m_edges, h.T, norm=matplotlib.colors.LogNorm(), cmap="viridis")
    fig.colorbar(mesh, label=r"$d\sigma$ [fb / bin]")
    ax.axvline(e_bar(sqrt_s, result.key.m_Ap), color="C1", ls="--", label=r"$v=0$: $E_\gamma=\bar E$")
    ax.axhline(result.key.m_Ap, color="r", ls="--", label=r"$v=0$: $m_{\chi\chi}=m_{A'}$")
    ax.set_xlabel(r"$E_\gamma$ (CM) [GeV]")
    ax.set_ylabel(r"$m_{\chi\chi}$ [GeV]")
    ax.set_title(f"{result.key.benchmark}, $m_{{A'}}$ = {result.key.m_Ap:g} GeV")
    ax.legend(fontsize=8, loc="upper right")
    _label(ax, lumi_ab)
    return _save(fig, outdir, "dalitz")


def plot_regime_map(outdir: Path, lumi_ab: float, sqrt_s: float, e0: float) -> list[Path]:
    fig, ax = plt.subplots(figsize=(7, 5))
    m_ap = np.linspace(0.5, sqrt_s - 0.3, 300)
    for r, ls in ((1.0, "-"), (4.0, "--")):
        ax.plot(m_ap, regime_boundary_m_phi(sqrt_s, m_ap, r, e0), "k" + ls, label=f"r = {r:g}")
    for k, (bench, (_, r_phi)) in enumerate(BENCHMARKS.items()):
        ax.plot(m_ap, r_phi * m_ap, color=f"C{k}", label=f"{bench}: $m_\\phi = m_{{A'}}/{round(1 / r_phi)}$")
    ax.set_ylim(0, 3)
    ax.set_xlabel(r"$m_{A'}$ [GeV]")
    ax.set_ylabel(r"$m_\phi$ [GeV]")
    ax.text(2, 2.4, "soft (r < 1)")
    ax.text(0.6, 0.1, "hard (r > 4)")
    ax.set_title(r"$E_\gamma$ regimes of $\gamma\phi\chi\bar\chi$")
    ax.legend(fontsize=8, loc="center right")
    _label(ax, lumi_ab)
    return _save(fig, outdir, "regime_map")


def plot_distributions(results: Sequence[PointResult], outdir: Path, lumi_ab: float) -> list[Path]:
    """m_chichi (phi) and sqrt(|v|) (gamma_phi) of signal and background at the reference point, with the
    selected window shaded, for the smallest and the largest N_b."""
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    for row, res in enumerate(results):
        n_bs = sorted(res.windows)
        for col, n_b in enumerate((n_bs[0], n_bs[-1])):
            ax = axes[row, col]
            e = res.edges
            ax.stairs(res.signal_hist, e, label="signal", color="C0")
            ax.stairs(n_b * res.background_unit, e, label=f"background, $N_b$ = {n_b:g}", color="C3")
            lo, hi = res.windows[n_b]
            ax.axvspan(e[lo], e[hi + 1], color="C2", alpha=0.2, label="selected window")
            ax.set_yscale("log")
            ax.set_xlabel(r"$m_{\chi\chi}$ [GeV]" if res.key.channel == "phi" else r"$\sqrt{|v|}$ [GeV]")
            if res.key.channel == "gamma_phi":
                ax.set_xscale("symlog", linthresh=0.01)
                ax.set_xlim(left=0.0)
            ax.set_ylabel("expected events / bin")
            ax.set_title(
                f"{res.key.benchmark}, $m_{{A'}}$ = {res.key.m_Ap:g} GeV, {CHANNEL_LABEL[res.key.channel]}"
            )
            ax.legend(fontsize=8, loc="lower right")
            _label(ax, lumi_ab)
    return _save(fig, outdir, "distributions")


def plot_reach(
    results: Sequence[PointResult], outdir: Path, lumi_ab: float, theta: float, eps: float
) -> list[Path]:
    """eps reach at fixed theta and excluded theta region at fixed eps, N_b = each value, all benchmarks."""
    n_bs = sorted({n for r in results for n in r.eps_reach})
    paths = []
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, channel in zip(axes, ("phi", "gamma_phi"), strict=True):
        for k, bench in enumerate(BENCHMARKS):
            rs = _by(results, bench, channel)
            for j, n_b in enumerate(n_bs):
                if rs and _finite([r.eps_reach[n_b] for r in rs]):
                    ax.plot(
                        [r.key.m_Ap for r in rs],
                        [r.eps_reach[n_b] for r in rs],
                        color=f"C{k}",
                        ls=("-", "--", ":")[j % 3],
                        label=f"{bench}, $N_b$ = {n_b:g}",
                    )
        ax.set_yscale("log")
        ax.set_xlabel(r"$m_{A'}$ [GeV]")
        ax.set_ylabel(r"$\epsilon$ reach (95 % CL expected)")
        ax.set_title(f"{CHANNEL_LABEL[channel]}, $\\theta$ = {theta:g}")
        _legend(ax, fontsize=7)
        _label(ax, lumi_ab)
    paths += _save(fig, outdir, "reach_eps")
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, channel in zip(axes, ("phi", "gamma_phi"), strict=True):
        for k, bench in enumerate(BENCHMARKS):
            rs = _by(results, bench, channel)
            for j, n_b in enumerate(n_bs):
                if not rs:
                    continue
                m = [r.key.m_Ap for r in rs]
                lo = np.array([r.theta_region[n_b][0] for r in rs])
                hi = np.array([r.theta_region[n_b][1] for r in rs])
                if not (_finite(lo) and _finite(hi)):
                    continue  # no excluded region at any mass: nothing drawn, so no legend entry
                ax.fill_between(m, lo, hi, color=f"C{k}", alpha=0.25 if j == 0 else 0.1)
                ax.plot(m, lo, color=f"C{k}", ls=("-", "--", ":")[j % 3], label=f"{bench}, $N_b$ = {n_b:g}")
                ax.plot(m, hi, color=f"C{k}", ls=("-", "--", ":")[j % 3])
        ax.set_yscale("log")
        ax.set_xlabel(r"$m_{A'}$ [GeV]")
        ax.set_ylabel(r"excluded $\theta$ (95 % CL expected)")
        ax.set_title(f"{CHANNEL_LABEL[channel]}, $\\epsilon$ = {eps:g}")
        _legend(ax, fontsize=7)
        _label(ax, lumi_ab)
    paths += _save(fig, outdir, "reach_theta")
    return paths


def plot_reach_ratio(results: Sequence[PointResult], outdir: Path, lumi_ab: float) -> list[Path]:
    """eps reach at the largest over the smallest N_b, with the cut-and-count expectation: the window of the
    small-N_b optimum kept fixed, S needed for -2 ln L = 3.84 at both background levels, eps ~ sqrt(S)."""
    n_bs = sorted({n for r in results for n in r.eps_reach})
    small, large = n_bs[0], n_bs[-1]
    fig, ax = plt.subplots(figsize=(7, 5))
    for k, bench in enumerate(BENCHMARKS):
        for channel, ls in (("phi", "-"), ("gamma_phi", "--")):
            rs = _by(results, bench, channel)
            if not rs:
                continue
            m = [r.key.m_Ap for r in rs]
            ax.plot(
                m,
                [r.eps_reach[large] / r.eps_reach[small] for r in rs],
                color=f"C{k}",
                ls=ls,
                label=f"{bench} {CHANNEL_LABEL[channel]}",
            )
            cc = []
            for r in rs:
                lo, hi = r.windows[small]
                b1 = float(r.background_unit[lo : hi + 1].sum())
                cc.append(np.sqrt(signal_for_sensitivity(large * b1) / signal_for_sensitivity(small * b1)))
            ax.plot(m, cc, color=f"C{k}", ls=":", alpha=0.7)
    ax.plot([], [], "k:", label="cut and count (fixed window)")
    ax.set_xlabel(r"$m_{A'}$ [GeV]")
    ax.set_ylabel(rf"$\epsilon$ reach ($N_b$ = {large:g}) / ($N_b$ = {small:g})")
    _legend(ax, fontsize=7)
    _label(ax, lumi_ab)
    return _save(fig, outdir, "reach_ratio")
