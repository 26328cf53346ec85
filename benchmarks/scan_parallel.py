"""Parallel speed-up of the reference-study scan: 2 local workers against 1, measured in one run (issue 8).

Both runs use the same tasks, seeds and settings (cards/reference_study.toml); the tables are checked to be
identical. Target: speed-up >= 1.8.
Run:  python benchmarks/scan_parallel.py [--events N] [--benchmarks B1 ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from darkstrahl.analysis.output import write_tables
from darkstrahl.analysis.scan import run_point, run_scan
from darkstrahl.runcard import build, load_card


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--benchmarks", nargs="*", default=["B1", "B2", "B3"])
    args = ap.parse_args()
    bench = "[" + ",".join(f'"{b}"' for b in args.benchmarks) + "]"
    card = load_card("reference_study", [f"analysis.n_events={args.events}", f"analysis.benchmarks={bench}"])
    settings = build.scan_settings(card)
    keys = build.scan_keys(card)
    run_point(keys[0], dataclasses.replace(settings, n_events=2000))  # JIT warm-up
    times, outputs = {}, {}
    for workers in (1, 2):
        start = time.perf_counter()
        if workers == 1:
            results = run_scan(keys, settings)
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                pool.submit(
                    run_point, keys[0], dataclasses.replace(settings, n_events=2000)
                ).result()  # warm-up
                start = time.perf_counter()
                results = run_scan(keys, settings, executor=pool)
        times[workers] = time.perf_counter() - start
        out = Path(tempfile.mkdtemp(prefix=f"darkstrahl-w{workers}-"))
        outputs[workers] = {p.name: p.read_bytes() for p in write_tables(out, results, settings)}
    print(
        f"reference-study scan ({len(keys)} tasks, {args.events} events per sample): 1 worker "
        f"{times[1]:.1f} s, 2 workers {times[2]:.1f} s, speed-up {times[1] / times[2]:.2f} (target >= 1.8); "
        f"tables identical: {outputs[1] == outputs[2]}"
    )


if __name__ == "__main__":
    main()
