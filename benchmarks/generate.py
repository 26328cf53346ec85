"""Generation speed: weighted points/s, unweighted events/s and unweighting efficiency.

Both signal channels at B1 with m_A' = 3 and 6 GeV, one core, after JIT warm-up; printed as a table.
Targets (issue 3): phi >= 2e5 unweighted events/s with >= 50 % efficiency; gamma_phi >= 5e4 events/s
with >= 20 %; with ISR (issue 13) >= 50 % (phi) and >= 20 % (gamma_phi), rate within 2x of the Born one.
Run:  python benchmarks/generate.py [--events N] [--isr [--no-born]] [--masses M ...] [--processes P ...]
Rates are printed per wall-clock second and per CPU second (time.process_time) of this process.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from darkstrahl.gen.generator import EventGenerator, RunSettings
from darkstrahl.gen.isr_process import IsrProcess
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.signal_process import SignalProcess


def run(process: str, m_Ap: float, n_events: int, isr: bool = False) -> dict[str, float]:
    model = DarkModel.from_benchmark("B1", m_Ap)
    proc = SignalProcess(process, model, sqrt_s=10.58)
    gen = EventGenerator(IsrProcess(proc) if isr else proc, seed=1, settings=RunSettings())
    t0 = time.perf_counter()
    gen.prepare_unweighting(None)
    t_prep = time.perf_counter() - t0
    n_pts = 500_000
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n_pts // gen.sampler.settings.batch):
        gen.sampler.sample(gen.sampler.settings.batch)
    t_w, c_w = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    n = sum(len(b) for b in gen.unweighted(n_events))
    t_u, c_u = time.perf_counter() - t0, time.process_time() - c0
    return {
        "weighted_per_s": n_pts / t_w,
        "unweighted_per_s": n / t_u,
        "weighted_per_cpu_s": n_pts / c_w,
        "unweighted_per_cpu_s": n / c_u,
        "efficiency": gen.stats.efficiency,
        "prep_s": t_prep,
        "sigma_fb": gen.sigma.mean if gen.sigma else float("nan"),
        "overweight_sigma": gen.stats.overweight_sigma_fraction,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=500_000)
    ap.add_argument("--isr", action="store_true", help="also with collinear ISR (IsrProcess)")
    ap.add_argument("--masses", type=float, nargs="+", default=[3.0, 6.0])
    ap.add_argument("--processes", nargs="+", default=["phi", "gamma_phi"], choices=["phi", "gamma_phi"])
    ap.add_argument("--no-born", action="store_true", help="with --isr: only the ISR rows")
    args = ap.parse_args()
    # JIT warm-up (compiles or loads every kernel)
    for process in ("phi", "gamma_phi"):
        gen = EventGenerator(
            SignalProcess(process, DarkModel.from_benchmark("B1", 6.0)),
            0,
            RunSettings(n_points=10_000, n_pilot=10_000),
        )
        next(gen.unweighted(100))
    print(
        f"{'process':10s} {'ISR':>4s} {'m_Ap':>5s} {'weighted pts/s':>15s} {'unweighted ev/s':>16s} "
        f"{'(per CPU s)':>22s} {'efficiency':>10s} {'setup s':>8s} {'sigma fb':>10s}"
    )
    isr_modes = ((True,) if args.no_born else (False, True)) if args.isr else (False,)
    for process in args.processes:
        for m in args.masses:
            for isr in isr_modes:
                r = run(process, m, args.events, isr)
                print(
                    f"{process:10s} {'on' if isr else 'off':>4s} {m:5.1f} {r['weighted_per_s']:15.3g} "
                    f"{r['unweighted_per_s']:16.3g} {r['weighted_per_cpu_s']:10.3g} "
                    f"{r['unweighted_per_cpu_s']:11.3g} {r['efficiency']:10.3f} {r['prep_s']:8.1f} "
                    f"{r['sigma_fb']:10.5g}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
