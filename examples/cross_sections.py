"""Total cross sections of e+e- -> phi chi chibar and gamma phi chi chibar versus m_phi for the
benchmarks B1, B2, B3 at eps = 1e-4 (g_chi = q_Phi = q_chi = 1, sqrt(s) = 10.58 GeV), with the
narrow-width sigma(A' phi) x BR(A' -> chi chibar) alongside the phi channel.

Run:  python examples/cross_sections.py [-o OUTDIR] [--points N]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from darkstrahl.gen.crosssections import sigma_nwa_fb
from darkstrahl.gen.generator import EventGenerator, RunSettings
from darkstrahl.gen.model import BENCHMARKS, DarkModel
from darkstrahl.gen.sampler import SamplerSettings
from darkstrahl.gen.signal_process import SignalProcess

SQRT_S = 10.58


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--outdir", default="examples_output")
    ap.add_argument("--points", type=int, default=100_000, help="integration points per cross section")
    args = ap.parse_args()
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    settings = RunSettings(
        n_points=args.points, sampler=SamplerSettings(n_iterations=6, n_per_iteration=20_000)
    )
    rows = []
    fig, ax = plt.subplots(figsize=(8, 6))
    for k, (bench, (_r_chi, r_phi)) in enumerate(BENCHMARKS.items()):
        m_max = SQRT_S / (1 + r_phi) * 0.98
        m_ap = np.linspace(1.2, m_max, 16)
        res = {"phi": [], "gamma_phi": [], "nwa": []}
        for m in m_ap:
            model = DarkModel.from_benchmark(bench, float(m), eps=1e-4)
            for proc in ("phi", "gamma_phi"):
                est = EventGenerator(SignalProcess(proc, model, sqrt_s=SQRT_S), 1, settings).cross_section()
                res[proc].append(est.mean)
                rows.append([bench, proc, m, model.m_phi, est.mean, est.error])
            res["nwa"].append(sigma_nwa_fb(model, SQRT_S))
        m_phi = m_ap * r_phi
        ax.plot(m_phi, res["phi"], "-", color=f"C{k}", label=f"{bench} phi chi chibar")
        ax.plot(m_phi, res["nwa"], ":", color=f"C{k}", label=f"{bench} NWA")
        ax.plot(m_phi, res["gamma_phi"], "--", color=f"C{k}", label=f"{bench} gamma phi chi chibar")
    ax.set_yscale("log")
    ax.set_xlabel("m_phi [GeV]")
    ax.set_ylabel("sigma [fb]")
    ax.set_title("eps = 1e-4, g_chi = 1, sqrt(s) = 10.58 GeV (photon: E >= 0.25 GeV, 22-158 deg)")
    ax.legend(fontsize=8, ncol=3, loc="upper left")
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(out / f"cross_sections.{ext}", dpi=110)
    with open(out / "cross_sections.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["benchmark", "process", "m_Ap_GeV", "m_phi_GeV", "sigma_fb", "sigma_err_fb"])
        w.writerows(rows)
    print(f"wrote {out / 'cross_sections.png'} and cross_sections.csv")


if __name__ == "__main__":
    main()
