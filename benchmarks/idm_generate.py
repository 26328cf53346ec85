"""Generation speed of e+e- -> h' chi1 chi2 (issue 16): weighted points/s, unweighted events/s (with the h'
and chi2 decays), unweighting efficiency and sigma, with and without ISR.

Points: the seed-002 Fig. 3 point (m_chi1 = 2.5, m_A' = 7.5, Delta m = 1.0 GeV, alpha_D = 0.1, eps = 1.5e-3,
A' on shell) and an off-shell one (m_A' = 12 GeV > sqrt s, alpha_D = 0.5), m_h' = 1 GeV; one core, after
JIT warm-up; all three diagrams. Printed as a table.
Run:  python benchmarks/idm_generate.py [--events N] [--isr]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from darkstrahl.gen.generator import EventGenerator, RunSettings
from darkstrahl.gen.idm_model import IdmModel
from darkstrahl.gen.idm_process import IdmProcess
from darkstrahl.gen.isr_process import IsrProcess

POINTS = {
    "fig3 (A' on shell)": dict(m_Ap=7.5, alpha_D=0.1),
    "m_A' = 12 GeV (off shell)": dict(m_Ap=12.0, alpha_D=0.5),
}


def model(**changes: float) -> IdmModel:
    base = dict(m_hp=1.0, m_Ap=7.5, m_chi1=2.5, delta_m=1.0, theta=3e-5, eps=1.5e-3, alpha_D=0.1)
    return IdmModel.from_preset("iDM-Duerr", **{**base, **changes})


def run(changes: dict, n_events: int, isr: bool) -> dict[str, float]:
    proc = IdmProcess(model(**changes), sqrt_s=10.58)
    gen = EventGenerator(IsrProcess(proc) if isr else proc, seed=1, settings=RunSettings(n_points=200_000))
    t0 = time.perf_counter()
    gen.prepare_unweighting(None)
    t_prep = time.perf_counter() - t0
    n_pts = 200_000
    batch = gen.sampler.settings.batch
    t0 = time.perf_counter()
    for _ in range(max(n_pts // batch, 1)):
        gen.sampler.sample(batch)
    t_w = time.perf_counter() - t0
    t0 = time.perf_counter()
    n = sum(len(b) for b in gen.unweighted(n_events))
    t_u = time.perf_counter() - t0
    return {
        "weighted_per_s": max(n_pts // batch, 1) * batch / t_w,
        "unweighted_per_s": n / t_u,
        "efficiency": gen.stats.efficiency,
        "prep_s": t_prep,
        "sigma_fb": gen.sigma.mean if gen.sigma else float("nan"),
        "sigma_err_fb": gen.sigma.error if gen.sigma else float("nan"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=50_000)
    ap.add_argument("--isr", action="store_true", help="also with collinear ISR (IsrProcess)")
    args = ap.parse_args()
    warm = EventGenerator(IdmProcess(model(), 10.58), 0, RunSettings(n_points=10_000, n_pilot=10_000))
    next(warm.unweighted(100))
    print(
        f"{'point':26s} {'ISR':>4s} {'weighted pts/s':>15s} {'unweighted ev/s':>16s} {'efficiency':>10s} "
        f"{'setup s':>8s} {'sigma fb':>18s}"
    )
    for label, changes in POINTS.items():
        for isr in (False, True) if args.isr else (False,):
            r = run(changes, args.events, isr)
            print(
                f"{label:26s} {'on' if isr else 'off':>4s} {r['weighted_per_s']:15.3g} "
                f"{r['unweighted_per_s']:16.3g} {r['efficiency']:10.3f} {r['prep_s']:8.1f} "
                f"{r['sigma_fb']:10.5g} +- {r['sigma_err_fb']:.2g}",
                flush=True,
            )


if __name__ == "__main__":
    main()
