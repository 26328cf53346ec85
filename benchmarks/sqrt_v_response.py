"""sqrt(|v|) response of a reference-study gamma-phi point (issue 17): the quadrature against the reference
method's 100 copies per event (best-of CPU time) and against a 40 / 64-node quadrature (accuracy).

The signal and background samples are those of the scan task (same seeds), captured from the task's own
calls of ``Reconstructed.response`` (signal) and ``Reconstructed.histogram`` (background).
Run:  python benchmarks/sqrt_v_response.py [--benchmark B1] [--m-ap 4.5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from darkstrahl.analysis.point_histograms import observable
from darkstrahl.analysis.scan import PointKey, build_point
from darkstrahl.detector import reconstructed
from darkstrahl.detector.response import sqrt_v_copies_response, sqrt_v_response
from darkstrahl.runcard import build, load_card


def best_cpu(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmark", default="B1")
    ap.add_argument("--m-ap", type=float, default=4.5)
    args = ap.parse_args()
    seen = []
    original = reconstructed.Reconstructed.response
    original_histogram = reconstructed.Reconstructed.histogram  # the background's path (no matrix)

    def response(self, *a, **k):
        seen.append(self)
        return original(self, *a, **k)

    def histogram(self, *a, **k):
        seen.append(self)
        return original_histogram(self, *a, **k)

    reconstructed.Reconstructed.response = response  # type: ignore[method-assign]
    reconstructed.Reconstructed.histogram = histogram  # type: ignore[method-assign]
    settings = build.scan_settings(load_card("reference_study", []))
    point, _, _ = build_point(PointKey(args.benchmark, args.m_ap, "gamma_phi"), settings)
    obs = observable("gamma_phi", args.m_ap, settings.sqrt_s)
    edges = point.edges
    for name, rec in zip(("signal", "background"), seen, strict=True):
        e, m, w = rec.e_gamma_true, rec.m_chichi_true, rec.event_weight
        quad = sqrt_v_response(e, m, obs.m_Ap, obs.e_bar, edges)
        t_q = best_cpu(lambda: sqrt_v_response(e, m, obs.m_Ap, obs.e_bar, edges), 5)  # noqa: B023
        rng = np.random.default_rng(1)
        t_c = best_cpu(lambda: sqrt_v_copies_response(e, m, obs.m_Ap, obs.e_bar, edges, 100, rng), 3)  # noqa: B023
        ref = sqrt_v_response(e, m, obs.m_Ap, obs.e_bar, edges, tiers=((np.inf, 40),), n_split=64)
        h, h_ref = w @ quad, w @ ref
        dev = np.max(np.abs(h - h_ref)) / h_ref.sum()
        print(
            f"{name:10s} {len(e)} events: quadrature {t_q:.3f} s, copies (100) {t_c:.3f} s CPU "
            f"(best of 5 / 3); nnz {quad.nnz}; max |h - h(40/64 nodes)| / sum h = {dev:.1e}"
        )


if __name__ == "__main__":
    main()
