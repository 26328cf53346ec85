"""Belle II response for B1, m_A' = 6 GeV: the phi transverse decay radius (truth, and vertices sampled
inside the 2-9 mm region) and the smeared m_chichi in both resolution modes, for both channels; prints the
measured m_chichi resolutions (RMS and half-width of the central 68 % interval).

Run:  python examples/detector_response.py [-o OUTDIR] [-n EVENTS]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from darkstrahl.detector.belle2 import Belle2
from darkstrahl.gen.generator import EventGenerator, RunSettings
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.signal_process import SignalProcess


def resolution(delta: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """(weighted RMS, half-width of the weighted central 68 % interval) of ``delta``."""
    order = np.argsort(delta)
    cw = np.cumsum(weights[order]) / weights.sum()
    lo, hi = delta[order][np.searchsorted(cw, 0.16)], delta[order][np.searchsorted(cw, 0.84)]
    mean = np.average(delta, weights=weights)
    return float(np.sqrt(np.average((delta - mean) ** 2, weights=weights))), float(0.5 * (hi - lo))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--outdir", default="examples_output")
    ap.add_argument("-n", "--events", type=int, default=50_000)
    args = ap.parse_args()
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    model = DarkModel.from_benchmark("B1", 6.0, eps=1e-4, theta=1e-4)
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    for row, channel in enumerate(("phi", "gamma_phi")):
        det = Belle2()
        gen = EventGenerator(SignalProcess(channel, model, sqrt_s=det.beams.sqrt_s), 1, RunSettings())
        batch = next(gen.unweighted(args.events)) if args.events <= 100_000 else None
        assert batch is not None
        rng = np.random.default_rng(2)
        truth = Belle2(resolution="none", vertex_mode="weight").simulate(batch, rng)
        sampled = Belle2(resolution="none", vertex_mode="sample").simulate(batch, rng)
        ax = axes[row, 0]
        r_true = np.hypot(truth.phi_vertex[:, 0], truth.phi_vertex[:, 1])
        bins = np.linspace(0, 30, 61)
        ax.hist(r_true, bins, histtype="step", label="truth (all decays)")
        ax.hist(
            np.hypot(sampled.phi_vertex[:, 0], sampled.phi_vertex[:, 1]),
            bins,
            weights=sampled.weight / sampled.weight.mean() * sampled.region_probability.mean(),
            histtype="stepfilled",
            alpha=0.4,
            label="sampled in 2-9 mm (weight P)",
        )
        ax.axvspan(2, 9, color="grey", alpha=0.15)
        ax.set_xlabel("phi transverse decay radius r_T [mm] (lab)")
        ax.set_ylabel("events")
        ax.set_title(f"{channel}: B1, m_A' = 6 GeV, theta = 1e-4, <d_T> = {truth.d_mm.mean():.3g} mm")
        ax.legend()
        ax = axes[row, 1]
        for mode, color in (("reference", "C0"), ("objects", "C1")):
            rec = Belle2(resolution=mode, n_copies=20).simulate(batch, rng)
            delta = rec.m_chichi - rec.m_chichi_true[rec.event]
            rms, core = resolution(delta, rec.weight)
            print(
                f"{channel:10s} {mode:10s} m_chichi resolution: RMS {1e3 * rms:6.1f} MeV, "
                f"68% half-width {1e3 * core:6.1f} MeV"
            )
            ax.hist(
                rec.m_chichi,
                np.linspace(3.5, 8.5, 101),
                weights=rec.weight,
                histtype="step",
                color=color,
                label=f"{mode}: RMS {1e3 * rms:.0f} MeV, 68% {1e3 * core:.0f} MeV",
            )
        ax.hist(
            truth.m_chichi_true,
            np.linspace(3.5, 8.5, 101),
            weights=truth.weight,
            histtype="step",
            color="k",
            ls=":",
            label="truth",
        )
        ax.set_xlabel("m_chichi [GeV]")
        ax.set_ylabel("events x P(2-9 mm)")
        ax.legend(fontsize=8)
    fig.suptitle("Belle II fast model (SuperKEKB 7 / 4 GeV beams), darkstrahl")
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(out / f"detector_response.{ext}", dpi=110)
    print(f"wrote {out / 'detector_response.png'}")


if __name__ == "__main__":
    main()
