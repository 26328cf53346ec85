"""Generation speed of the A'h' signal e+e- -> A' h' -> mu mu h' (issue 14 part 4): weighted points/s,
unweighted events/s per core (CPU time of this single-threaded process, so that a loaded shared machine
does not distort the figure) and the unweighting efficiency, with and without collinear ISR; and the rate
check sigma(Born) against sigma(A'h') x BR (next_wave.md 1.1) at each point. Target: >= 1e5 unweighted
events/s per core.

Run:  python benchmarks/ahp_signal.py [--events N] [--points M_A':M_h' ...]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from darkstrahl.gen.ap_hp_model import ApHpModel
from darkstrahl.gen.ap_hp_process import ApHpProcess
from darkstrahl.gen.generator import EventGenerator, RunSettings
from darkstrahl.gen.isr_process import IsrProcess, IsrSettings

SQRT_S = 10.58


def run(m_ap: float, m_hp: float, n_events: int, isr: bool, rr: bool = False) -> dict[str, float]:
    proc = ApHpProcess(ApHpModel(m_ap, m_hp, narrow_resonances="ignore"), SQRT_S, radiative_return=rr)
    gen = EventGenerator(IsrProcess(proc, IsrSettings(enabled=True)) if isr else proc, 1, RunSettings())
    t0 = time.process_time()
    gen.prepare_unweighting(None)
    t_prep = time.process_time() - t0
    n_pts = 500_000
    t0 = time.process_time()
    for _ in range(n_pts // gen.sampler.settings.batch):
        gen.sampler.sample(gen.sampler.settings.batch)
    t_w = time.process_time() - t0
    t0 = time.process_time()
    n = sum(len(b) for b in gen.unweighted(n_events))
    t_u = time.process_time() - t0
    assert gen.sigma is not None
    return {
        "weighted_per_s": n_pts / t_w,
        "unweighted_per_s": n / t_u,
        "efficiency": gen.stats.efficiency,
        "prep_s": t_prep,
        "sigma_fb": gen.sigma.mean,
        "sigma_err_fb": gen.sigma.error,
        "nwa_fb": proc.model.sigma_nwa_fb(SQRT_S),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=500_000)
    ap.add_argument("--points", nargs="+", default=["1.65:0.5", "4:1", "9.7:0.1"])
    ap.add_argument("--radiative-return", action="store_true", help="process.radiative_return (ISR rows)")
    args = ap.parse_args()
    run(4.0, 1.0, 1000, False)  # JIT warm-up
    run(4.0, 1.0, 1000, True)
    print(
        "| M_A' | M_h' | ISR | weighted pts/s | unweighted ev/s | efficiency | setup [s] | sigma [fb] | "
        "Born / (sigma(A'h') x BR) - 1 |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for point in args.points:
        m_ap, m_hp = (float(x) for x in point.split(":"))
        for isr in (False, True):
            r = run(m_ap, m_hp, args.events, isr, args.radiative_return and isr)
            dev = (
                ""
                if isr
                else f"{r['sigma_fb'] / r['nwa_fb'] - 1:+.1e} +- {r['sigma_err_fb'] / r['nwa_fb']:.1e}"
            )
            print(
                f"| {m_ap:g} | {m_hp:g} | {'on' if isr else 'off'} | {r['weighted_per_s']:.3g} | "
                f"{r['unweighted_per_s']:.3g} | {r['efficiency']:.3f} | {r['prep_s']:.1f} | "
                f"{r['sigma_fb']:.5g} +- {r['sigma_err_fb']:.2g} | {dev} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
