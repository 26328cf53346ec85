"""Generation speed of the SM backgrounds (issue 14 part 4): unweighted events/s on one core after the setup
(adaptation, cross section, pilot), the unweighting efficiency, and the time to generate the expected
statistics of the 8.34 fb^-1 data set, sigma x 8.34 fb^-1 events (the 50 ab^-1 statistics are reached
through event weights: each of these events stands for 50 ab^-1 / 8.34 fb^-1 = 6000 events).
Target (issue 14): >= 1e5 unweighted events/s per core. Built-in cards bkg_mumu, bkg_tautau, bkg_twophoton
with their default run settings (as ``darkstrahl generate``); decays as in the CLI; no file writing. The rate
is given per wall-clock second and per CPU second (time.process_time; on a shared machine the CPU rate is the
one to compare).
Run:  python benchmarks/backgrounds.py [--events N]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from darkstrahl.gen.generator import make_generator
from darkstrahl.runcard import build, load_card

LUMI_FB = 8.34  #: fb^-1, the Belle II data set of the A' h' search (next_wave.md 1)
CARDS = ("bkg_mumu", "bkg_tautau", "bkg_twophoton")


def run(card_name: str, n_events: int) -> dict[str, float]:
    card = load_card(card_name)
    gen = make_generator(build.process(card), 1, build.run_settings(card))
    t0 = time.perf_counter()
    gen.prepare_unweighting(None)
    t_prep = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    n = sum(len(b) for b in gen.unweighted(n_events))
    t_u, c_u = time.perf_counter() - t0, time.process_time() - c0
    sigma = gen.sigma.mean if gen.sigma else float("nan")
    rate = n / t_u
    n_data = sigma * LUMI_FB
    return {
        "sigma_fb": sigma,
        "sigma_err_fb": gen.sigma.error if gen.sigma else float("nan"),
        "unweighted_per_s": rate,
        "unweighted_per_cpu_s": n / c_u,
        "efficiency": gen.stats.efficiency,
        "prep_s": t_prep,
        "n_8p34": n_data,
        "t_8p34_s": t_prep + n_data / rate,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--cards", nargs="+", default=list(CARDS))
    args = ap.parse_args()
    for name in args.cards:  # JIT warm-up (compiles or loads every kernel)
        next(
            make_generator(
                build.process(load_card(name, ["run.n_points=2000", "run.n_pilot=2000"])),
                0,
                build.run_settings(load_card(name, ["run.n_points=2000", "run.n_pilot=2000"])),
            ).unweighted(100)
        )
    print(
        "| card | sigma [fb] | unweighted ev/s (1 core, wall) | ev/s (CPU time) | efficiency | setup [s] | "
        "events in 8.34 fb^-1 | time for them [min] |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in args.cards:
        r = run(name, args.events)
        print(
            f"| {name} | {r['sigma_fb']:.6g} +- {r['sigma_err_fb']:.2g} | {r['unweighted_per_s']:.3g} | "
            f"{r['unweighted_per_cpu_s']:.3g} | {r['efficiency']:.3f} | "
            f"{r['prep_s']:.1f} | {r['n_8p34']:.3g} | {r['t_8p34_s'] / 60:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
