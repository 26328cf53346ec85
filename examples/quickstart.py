"""Quickstart: generate events from a built-in card with the Python API, write them to LHE, read them back
with pylhe, and plot a distribution.

Run:  python examples/quickstart.py [-o OUTDIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pylhe

import darkstrahl
from darkstrahl.cli import main as darkstrahl_cli


def run(outdir: Path) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    # 1. events in memory: an EventBatch (momenta (n, particles, 4) in GeV, PDG ids, weights, ...)
    batch = darkstrahl.generate("b1", n=20_000, seed=1)
    p = batch.momenta_vector()  # vector arrays: p.E, p.pt, p.mass, ... per particle
    phi = p[:, batch.layout.index("phi")]
    missing = (p[:, 0] + p[:, 1]) - phi
    # 2. the same card into an LHE file, read back with pylhe
    lhe_path = outdir / "quickstart.lhe"
    darkstrahl_cli(["generate", "b1", "-n", "20000", "-o", str(lhe_path), "--seed", "1", "--force"])
    events = pylhe.LHEFile.fromfile(str(lhe_path)).events
    m_chichi = [next(q.m for q in ev.particles if q.id == 55) for ev in events]
    # 3. a plot
    fig, ax = plt.subplots(figsize=(6, 4.5))
    bins = np.linspace(3.5, 9.0, 111)
    ax.hist(missing.mass, bins, histtype="step", label="missing mass (Python API)")
    ax.hist(m_chichi, bins, histtype="step", ls="--", label="A' line of the LHE file (pylhe)")
    ax.set_xlabel(r"$m_{\chi\chi}$ [GeV]")
    ax.set_ylabel("events")
    ax.set_title("B1, $m_{A'}$ = 6 GeV: $e^+e^-\\to\\phi\\chi\\bar\\chi$ (darkstrahl)")
    ax.legend()
    fig.tight_layout()
    png = outdir / "quickstart.png"
    fig.savefig(png, dpi=110)
    print(
        f"mean missing mass {float(np.mean(missing.mass)):.4f} GeV (API), {float(np.mean(m_chichi)):.4f} GeV "
        f"(file); wrote {png}"
    )
    return png


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--outdir", default="examples_output")
    run(Path(ap.parse_args().outdir))
