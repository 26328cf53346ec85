"""E_gamma spectra and (E_gamma, m_chichi) Dalitz plots of e+e- -> gamma phi chi chibar, one point per
regime of physics.md section 2 (soft r < 1, bimodal 1 <= r <= 4, hard r > 4), with the v = 0 lines
E_gamma = Ebar and m_chichi = m_A'.

Run:  python examples/photon_spectra.py [-o OUTDIR] [-n EVENTS]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from darkstrahl.gen.generator import EventGenerator, RunSettings
from darkstrahl.gen.kinematic_regimes import e_b, e_bar, regime, regime_ratio
from darkstrahl.gen.kinematics import invariant_mass_squared
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.signal_process import SignalProcess

POINTS = [("B1", 6.0), ("B1", 3.0), ("B1", 1.2)]  # soft, bimodal, hard (r = 0.46, 1.6, 9.7)
SQRT_S = 10.58


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--outdir", default="examples_output")
    ap.add_argument("-n", "--events", type=int, default=100_000)
    args = ap.parse_args()
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(2, 3, figsize=(15, 9))
    for col, (bench, m_ap) in enumerate(POINTS):
        model = DarkModel.from_benchmark(bench, m_ap, eps=1e-4, theta=1e-4)
        gen = EventGenerator(
            SignalProcess("gamma_phi", model, sqrt_s=SQRT_S),
            seed=1,
            settings=RunSettings(decays="none", n_points=300_000),
        )
        ev = gen.unweighted(args.events).__next__() if args.events <= 100_000 else None
        batches = [ev] if ev is not None else list(gen.unweighted(args.events))
        p = np.concatenate([b.momenta for b in batches])
        egam = p[:, 2, 0]
        mchichi = np.sqrt(invariant_mass_squared(p[:, 4] + p[:, 5]))
        r = float(regime_ratio(SQRT_S, m_ap, model.m_phi))
        title = (
            f"{bench}: m_A' = {m_ap:g}, m_phi = {model.m_phi:.3g} GeV\n"
            f"r = {r:.2f} ({regime(r)}), sigma = {gen.sigma.mean:.3g} fb"
        )
        ax = axes[0, col]
        ax.hist(egam, bins=120, histtype="step", color="C0")
        ax.axvline(e_bar(SQRT_S, m_ap), color="C3", ls="--", label="Ebar (first A' on shell)")
        ax.axvline(e_b(SQRT_S, m_ap, model.m_phi), color="C2", ls=":", label="E_b")
        ax.set_xlabel("E_gamma (CM) [GeV]")
        ax.set_ylabel("events")
        ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
        ax = axes[1, col]
        ax.hist2d(egam, mchichi, bins=100, cmap="viridis", norm=matplotlib.colors.LogNorm())
        ax.axvline(e_bar(SQRT_S, m_ap), color="C1", ls="--", lw=1, label="v = 0: E_gamma = Ebar")
        ax.axhline(m_ap, color="r", ls="--", lw=1, label="v = 0: m_chichi = m_A'")
        ax.set_xlabel("E_gamma (CM) [GeV]")
        ax.set_ylabel("m_chichi [GeV]")
        ax.legend(fontsize=8, loc="upper right")
    fig.suptitle("e+e- -> gamma phi chi chibar at sqrt(s) = 10.58 GeV (E_gamma >= 0.25 GeV, 22-158 deg)")
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(out / f"photon_spectra.{ext}", dpi=110)
    print(f"wrote {out / 'photon_spectra.png'}")


if __name__ == "__main__":
    main()
