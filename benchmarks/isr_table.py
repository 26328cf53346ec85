"""ISR validation table (issue 13): sigma_ISR / sigma_Born of e+e- -> phi chi chibar, B1, sqrt(s) = 10.58 GeV.

For each m_A' the script computes
* sigma_Born and sigma_ISR from darkstrahl's generator (Monte Carlo, `IsrProcess` around `SignalProcess`);
* two independent deterministic convolutions of the Born cross section sigma_Born(s_hat) (itself tabulated
  with the Born generator on a grid in sqrt(s_hat) and interpolated): the two-beam structure function
  (`sigma_isr_structure_function`, the same f as the generator) and the Kuraev-Fadin radiator
  (`sigma_isr_kuraev_fadin`, which carries the non-log term);
* the fraction of the Born rate inside |m_chichi - m_A'| < 0.1 GeV with ISR on (m_chichi from the nominal
  beams) and without ISR.

With ``--efficiency`` it prints instead the unweighting table of issue 13 item 5 (docs/validation.md
section 9): for ``phi`` and ``gamma_phi`` at each m_A', Born (ISR off) and ISR, the unweighting efficiency
<w>/w_max, unweighted events per second of wall and of CPU time (time.process_time; one core, after the JIT
warm-up, setup excluded as in benchmarks/generate.py; efficiency x trials / time, so that the trials of the
last batch, whose surplus events are dropped, do not quantize the rate), the setup time and sigma with its
MC error (``n_points`` of RunSettings, default 1e6). Targets: efficiency >= 0.50 (phi), >= 0.20
(gamma_phi), and the ISR rate within 2x of the Born rate.

Run: python benchmarks/isr_table.py [--points 400000] [--masses 1.2 3 6 8 9]
     python benchmarks/isr_table.py --efficiency [--events 200000] [--masses 1.2 3 6 9]
"""

from __future__ import annotations

import argparse
import math
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from scipy.interpolate import CubicSpline

from darkstrahl.gen.events import EventBatch
from darkstrahl.gen.generator import EventGenerator, RunSettings
from darkstrahl.gen.isr_convolution import sigma_isr_kuraev_fadin, sigma_isr_structure_function
from darkstrahl.gen.isr_process import IsrProcess, IsrSettings
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.signal_process import SignalProcess

SQRT_S = 10.58


def born_curve(model: DarkModel, n_grid: int, points: int):
    """sigma_Born(s_hat) [fb] as an interpolating callable, tabulated from threshold to sqrt(s)."""
    thr = model.m_phi + 2 * model.m_chi
    rs = thr + (SQRT_S - thr) * np.linspace(0.0, 1.0, n_grid) ** 2  # denser near threshold
    rs[0] = thr * (1 + 1e-6)
    settings = RunSettings(n_points=points)
    sig = np.array(
        [EventGenerator(SignalProcess("phi", model, sqrt_s=r), 7, settings).cross_section().mean for r in rs]
    )
    spline = CubicSpline(rs, sig)  # C2-smooth, so that the adaptive quadratures converge
    return (lambda s_hat: float(spline(math.sqrt(s_hat)))), thr


def window_fraction(proc, m_ap: float, points: int) -> float:
    """Weighted fraction of sigma with |m_chichi - m_A'| < 0.1 GeV (m_chichi from the nominal beams)."""
    gen = EventGenerator(proc, 3, RunSettings(n_points=points, chunk_size=points))
    batch = EventBatch.concatenate(list(gen.weighted(points)))
    p = batch.momenta
    miss = np.array([SQRT_S, 0, 0, 0]) - p[:, 2]
    m = np.sqrt(np.maximum(miss[:, 0] ** 2 - np.sum(miss[:, 1:] ** 2, axis=1), 0))
    w = batch.weights
    return float(w[np.abs(m - m_ap) < 0.1].sum() / len(w))


def unweighting_run(process: str, m_ap: float, isr: bool, n_events: int) -> dict[str, float]:
    """One unweighted run (seed 1, default RunSettings): efficiency, events/s (wall, CPU), setup, sigma."""
    hard = SignalProcess(process, DarkModel.from_benchmark("B1", m_ap), sqrt_s=SQRT_S)
    gen = EventGenerator(IsrProcess(hard) if isr else hard, 1, RunSettings())
    c0, t0 = time.process_time(), time.perf_counter()
    gen.prepare_unweighting(None)
    c_prep, t_prep = time.process_time() - c0, time.perf_counter() - t0
    c0, t0 = time.process_time(), time.perf_counter()
    sum(len(b) for b in gen.unweighted(n_events))
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    sigma = gen.cross_section()
    # accepted events per trial times trials per second: the events of the last batch of 1e5 trials beyond
    # n_events are drawn but dropped, which would make n_events / time jump with the number of batches
    n = gen.stats.efficiency * gen.stats.n_trials
    return {
        "eff": gen.stats.efficiency,
        "rate_wall": n / wall,
        "rate_cpu": n / cpu,
        "prep_cpu": c_prep,
        "prep_wall": t_prep,
        "sigma": sigma.mean,
        "sigma_err": sigma.error,
    }


def efficiency_table(masses: list[float], n_events: int) -> None:
    """The unweighting table of issue 13 item 5 (module docstring)."""
    for process in ("phi", "gamma_phi"):  # JIT warm-up (compiles or loads every kernel)
        gen = EventGenerator(
            SignalProcess(process, DarkModel.from_benchmark("B1", 6.0)),
            0,
            RunSettings(n_points=10_000, n_pilot=10_000),
        )
        next(gen.unweighted(100))
    print(
        "| process | m_A' [GeV] | Born: eff., ev/s CPU (wall) | ISR: eff., ev/s CPU (wall) "
        "| ISR/Born rate CPU | setup CPU s Born, ISR | sigma_Born [fb] | sigma_ISR [fb] |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for process in ("phi", "gamma_phi"):
        for m_ap in masses:
            b = unweighting_run(process, m_ap, False, n_events)
            i = unweighting_run(process, m_ap, True, n_events)
            print(
                f"| {process} | {m_ap:g} | {b['eff']:.3f}, {b['rate_cpu']:.3g} ({b['rate_wall']:.3g}) "
                f"| {i['eff']:.3f}, {i['rate_cpu']:.3g} ({i['rate_wall']:.3g}) "
                f"| 1/{b['rate_cpu'] / i['rate_cpu']:.2f} | {b['prep_cpu']:.1f}, {i['prep_cpu']:.1f} "
                f"| {b['sigma']:.6g} +- {b['sigma_err']:.2g} | {i['sigma']:.6g} +- {i['sigma_err']:.2g} |",
                flush=True,
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=400_000)
    ap.add_argument("--grid", type=int, default=160)
    ap.add_argument("--masses", type=float, nargs="+", default=None, help="m_A' values [GeV]")
    ap.add_argument("--efficiency", action="store_true", help="the unweighting table instead (docstring)")
    ap.add_argument("--events", type=int, default=200_000, help="unweighted events per run (--efficiency)")
    args = ap.parse_args()
    if args.efficiency:
        efficiency_table(args.masses or [1.2, 3.0, 6.0, 9.0], args.events)
        return
    print(
        "| m_A' [GeV] | sigma_Born [fb] | sigma_ISR MC [fb] | ratio MC | ratio SF conv. | ratio KF conv. "
        "| MC/SF - 1 | KF/SF - 1 | Born in +-0.1 GeV (no ISR) | same with ISR | ISR alpha_Gmu ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for m_ap in args.masses or (1.2, 3.0, 6.0, 8.0, 9.0):
        t0 = time.perf_counter()
        model = DarkModel.from_benchmark("B1", m_ap)
        hard = SignalProcess("phi", model, sqrt_s=SQRT_S)
        born = EventGenerator(hard, 1, RunSettings(n_points=args.points)).cross_section()
        isr = EventGenerator(IsrProcess(hard), 1, RunSettings(n_points=args.points)).cross_section()
        gmu = EventGenerator(IsrProcess(hard, IsrSettings(True, "gmu")), 1, RunSettings(n_points=args.points))
        curve, thr = born_curve(model, args.grid, args.points // 4)
        s = SQRT_S**2
        sf = sigma_isr_structure_function(curve, s, (thr / SQRT_S) ** 2 * (1 + 1e-6))
        kf = sigma_isr_kuraev_fadin(curve, s, 1 - (thr / SQRT_S) ** 2 * (1 + 1e-6))
        b0 = curve(s)
        f_born = window_fraction(hard, m_ap, args.points // 2) / born.mean
        f_isr = window_fraction(IsrProcess(hard), m_ap, args.points // 2) / born.mean
        print(
            f"| {m_ap} | {born.mean:.5g} +- {born.error:.1g} | {isr.mean:.5g} +- {isr.error:.1g} "
            f"| {isr.mean / born.mean:.4f} | {sf / b0:.4f} | {kf / b0:.4f} "
            f"| {isr.mean / born.mean / (sf / b0) - 1:+.4f} "
            f"| {kf / sf - 1:+.4f} | {f_born:.3f} | {f_isr:.3f} "
            f"| {gmu.cross_section().mean / born.mean:.4f} |",
            flush=True,
        )
        _ = t0


if __name__ == "__main__":
    main()
