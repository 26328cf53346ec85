"""Speed of the statistical back ends and of the window fit, one core, after warm-up.

Seed 000 needs one limit and one window fit per simulated (M_A', M_h') pair (9003 windows, 10 000 events
each); seed 002 one sideband limit per mass window and lifetime. Prints milliseconds per call.
Run:  python benchmarks/statistics.py
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from darkstrahl.analysis.bayes_limit import Background, expected_limits, helene_upper_limit, upper_limit
from darkstrahl.analysis.ellipse import DoubleGaussian2D, fit_double_gaussian, window_from_fit
from darkstrahl.analysis.sideband import FinalState, combined_upper_limit, sideband_upper_limit


def per_call(fn, repeat: int) -> float:
    """CPU milliseconds per call (process time, so that other load on the machine does not count)."""
    fn()
    t = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - t) / repeat * 1e3


def main() -> None:
    n = np.arange(50)
    cases = {
        "helene_upper_limit, 50 n values (vectorized)": (lambda: helene_upper_limit(n, 3.0), 200),
        "upper_limit N=0, no systematics": (lambda: upper_limit(0, 0.3, 8.34, None, 0.5), 200),
        "upper_limit N=5, 2 % sys, N_MC=10": (
            lambda: upper_limit(5, 0.3, 8.34, 10, 0.3, 0.02, 0.022, 0.5),
            20,
        ),
        "upper_limit N=50, 12 % sys, N_MC=20": (
            lambda: upper_limit(50, 0.3, 8.34, 20, 2.4, 0.11, 0.13, 0.5),
            5,
        ),
        "expected_limits B=3 (MC, 10 % sys)": (
            lambda: expected_limits(Background.from_mc(10, 0.3, 0.1), 0.05, eff=0.3, lumi_fb=8.34),
            5,
        ),
        "sideband_upper_limit N=4, all nuisances": (
            lambda: sideband_upper_limit(4, 5, 3.0, 0.2, 365.0, 0.2, 0.04, 0.0047),
            20,
        ),
        "combined_upper_limit, 4 final states": (
            lambda: combined_upper_limit(
                [FinalState(k, 5 + k, 3.0, 0.2, 0.25, 0.1 * (k == 2), 0.04) for k in range(4)], 365.0, 0.0047
            ),
            3,
        ),
    }
    model = DoubleGaussian2D((40.0, 6.5), (0.2, 0.05), (0.5, 0.12), -0.9, 0.7)
    x, y = model.sample(10000, np.random.default_rng(1))
    cases["fit_double_gaussian + window, 10 000 points"] = (
        lambda: window_from_fit(fit_double_gaussian(x, y)),
        5,
    )
    for name, (fn, repeat) in cases.items():
        print(f"{name:55s} {per_call(fn, repeat):9.2f} ms")


if __name__ == "__main__":
    main()
