"""Validation numbers of the iDM displaced-vertex analysis (issue 16 part 5; docs/validation.md section 17).

At the seed-002 Fig. 3 family (m_chi1 = 2.5 GeV, m_A' = 7.5 GeV, Delta m = 1 GeV, alpha_D = 0.1,
eps = 1.5e-3), matrix-element samples with ISR (gen/idm_process.py) and the selection of
darkstrahl.analysis.idm_selection:

1. the cut flow at m_h' = 1 GeV (h' -> mu mu and pi pi), c tau(h') = 10 cm, c tau(chi2) from the model;
2. the selection efficiency on a (c tau(h'), c tau(chi2)) grid (both lifetimes moved on the same events);
3. the generator versus the kinematic stand-in (same point, same selection).

Run:  python benchmarks/idm_analysis.py [--events 40000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from darkstrahl.analysis.idm_sample import generator_sample, stand_in_sample
from darkstrahl.analysis.idm_selection import cutflow_table, select
from darkstrahl.gen.idm_chi2_widths import ctau_chi2_mm
from darkstrahl.gen.idm_model import IdmModel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=40_000)
    args = ap.parse_args()
    model = IdmModel.from_ratios(2.5, 1.0, ap_ratio=3.0, delta_ratio=0.4, alpha_D=0.1, eps=1.5e-3, theta=1e-4)
    ct2 = ctau_chi2_mm(model)
    t0 = time.perf_counter()
    for species in ("mu", "pi"):
        s = generator_sample(model, args.events, np.random.default_rng(7), species=species, seed=2002)
        print(
            f"\n== h' -> {species} {species}: {len(s)} events with chi2 -> chi1 e+e-, sigma = "
            f"{s.meta['sigma_fb']:.1f} fb (ISR), c tau(chi2) = {ct2:.3f} mm"
        )
        sel = select(s, 100.0, ct2, np.random.default_rng(1))
        print(cutflow_table(sel))
        grid_hp = (1.0, 10.0, 100.0, 1000.0, 10000.0)
        grid_chi2 = (0.1, 1.0, 10.0, 100.0, 1000.0)
        print("efficiency [%]: rows c tau(h') [mm], columns c tau(chi2) [mm]")
        print("         " + "".join(f"{c:>9g}" for c in grid_chi2))
        for ch in grid_hp:
            effs = [100 * select(s, ch, c2, np.random.default_rng(1)).efficiency() for c2 in grid_chi2]
            print(f"{ch:>9g}" + "".join(f"{e:9.2f}" for e in effs))
        n_eff = s.weight.sum() ** 2 / np.sum(s.weight**2)
        print(
            f"(effective events {n_eff:.0f}: binomial error of an efficiency e is sqrt(e(1-e)/{n_eff:.0f}))"
        )
        st = stand_in_sample(model, args.events, np.random.default_rng(7), species=species)
        e_gen = select(s, 100.0, ct2, np.random.default_rng(1)).efficiency()
        e_st = select(st, 100.0, ct2, np.random.default_rng(1)).efficiency()
        print(f"generator vs stand-in at c tau(h') = 10 cm: {100 * e_gen:.2f} % vs {100 * e_st:.2f} %")
    print(f"\nwall time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
