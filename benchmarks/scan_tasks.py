"""CPU time of every reference-study task, one after the other in one process (issue 17).

On a busy machine a scan's wall time measures the other processes too; the CPU time (``time.process_time``)
of each task measures only the task. The 2-core wall time of the scan is then derived as the makespan of the
measured tasks on 2 workers taking tasks in submission order (what ``run_scan``'s pool does), plus nothing
else (the parent's share is small: results arrive as ~10 kB pickles). Prints the per-channel mean and the
sum. Run:  python benchmarks/scan_tasks.py [--events 100000] [--workers 2]
"""

from __future__ import annotations

import argparse
import heapq
import os
import time

import numpy as np

from darkstrahl.analysis.scan import run_point
from darkstrahl.analysis.warmup import warm_up
from darkstrahl.runcard import build, load_card


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    card = load_card("reference_study", [f"analysis.n_events={args.events}"])
    settings = build.scan_settings(card)
    keys = build.scan_keys(card)
    warm_up(keys, settings)
    load = os.getloadavg()[0]
    cpu = []
    for key in keys:
        t = time.process_time()
        run_point(key, settings)
        cpu.append(time.process_time() - t)
    cpu_arr = np.array(cpu)
    free = [0.0] * args.workers  # greedy list schedule in submission order
    for c in cpu:
        heapq.heappush(free, heapq.heappop(free) + c)
    for ch in ("phi", "gamma_phi"):
        sel = np.array([k.channel == ch for k in keys])
        mean, top = cpu_arr[sel].mean(), cpu_arr[sel].max()
        print(f"{ch:9s}: {sel.sum()} tasks, mean {mean:.2f} s CPU (max {top:.2f})")
    print(
        f"sum {cpu_arr.sum():.1f} s CPU; makespan on {args.workers} workers {max(free):.1f} s "
        f"(load average {load:.1f} -> {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
