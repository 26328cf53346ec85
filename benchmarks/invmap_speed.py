"""Unweighted events/s with the O(1) inverse vegas map (gen/vegas_kernels.py) against vegas's own
``AdaptiveMap.invmap``, A/B in one process: the same adapted generator alternates between the two (the private
switch ``MultiChannelSampler._vegas_invmap``; both give the same numbers bit for bit), ``--repeats`` times
each, and the best CPU time (time.process_time) of each is kept, so that the load of a shared machine hits
both alike. Cards: bkg_mumu (e+e- -> mu mu (gamma) with ISR, 6 channels) and the phi signal with ISR (B1,
10.58 GeV) at the given m_A'.
Run:  python benchmarks/invmap_speed.py [--events N] [--repeats R] [--masses M ...] [--no-mumu]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from darkstrahl.gen.generator import EventGenerator, Generator, RunSettings, make_generator
from darkstrahl.gen.isr_process import IsrProcess
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.signal_process import SignalProcess
from darkstrahl.runcard import build, load_card


def ab_rates(gen: Generator, n_events: int, repeats: int) -> tuple[float, float]:
    """Best unweighted events per CPU second with vegas's invmap and with the kernel."""
    gen.prepare_unweighting(None)
    next(gen.unweighted(100))  # JIT warm-up of every kernel on this path
    best = {True: 0.0, False: 0.0}
    for _ in range(repeats):
        for vegas_invmap in (True, False):
            gen.sampler._vegas_invmap = vegas_invmap
            c0 = time.process_time()
            n = sum(len(b) for b in gen.unweighted(n_events))
            best[vegas_invmap] = max(best[vegas_invmap], n / (time.process_time() - c0))
    return best[True], best[False]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--masses", type=float, nargs="+", default=[1.2, 3.0, 6.0, 9.0])
    ap.add_argument("--no-mumu", action="store_true")
    args = ap.parse_args()
    cases: list[tuple[str, Generator]] = []
    if not args.no_mumu:
        card = load_card("bkg_mumu")
        cases.append(("bkg_mumu", make_generator(build.process(card), 1, build.run_settings(card))))
    for m in args.masses:
        proc = IsrProcess(SignalProcess("phi", DarkModel.from_benchmark("B1", m), sqrt_s=10.58))
        cases.append((f"phi ISR m_A'={m:g}", EventGenerator(proc, 1, RunSettings())))
    print("| process | channels | vegas invmap: ev/CPU s | kernel: ev/CPU s | speed-up |")
    print("|---|---|---|---|---|")
    for name, gen in cases:
        old, new = ab_rates(gen, args.events, args.repeats)
        nc = len(gen.sampler.maps)
        print(f"| {name} | {nc} | {old:.3g} | {new:.3g} | {new / old:.2f} |", flush=True)


if __name__ == "__main__":
    main()
