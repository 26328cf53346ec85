"""Event-file writing speed: events/s for LHE (plain and gzip) and HepMC3, with pylhe's writer on the same
events as the baseline, in the same run (issue 7).

Target: >= 1.5e5 events/s plain LHE (>= 10x pylhe). Run:  python benchmarks/io.py [--events N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np
import pylhe

from darkstrahl.gen.eventfiles.lhe import RunInfo, event_arrays, write_lhe
from darkstrahl.gen.generator import EventGenerator, RunSettings
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.signal_process import SignalProcess


def pylhe_baseline(batch, info: RunInfo, path: Path, n: int) -> float:
    """pylhe's own writer (LHEFile.tofile) on the first n events; returns events/s."""
    arr = event_arrays(batch)
    events = []
    for i in range(n):
        parts = []
        for r in range(arr["ids"].shape[1]):
            if not arr["present"][i, r]:
                continue
            e, px, py, pz = arr["p"][i, r]
            parts.append(
                pylhe.LHEParticle(
                    id=int(arr["ids"][i, r]),
                    status=int(arr["status"][i, r]),
                    mother1=int(arr["moth"][r, 0]),
                    mother2=int(arr["moth"][r, 1]),
                    color1=0,
                    color2=0,
                    px=px,
                    py=py,
                    pz=pz,
                    e=e,
                    m=arr["mass"][i, r],
                    lifetime=arr["vtim"][i, r],
                    spin=arr["spin"][i, r],
                )
            )
        info_ev = pylhe.LHEEventInfo(
            nparticles=len(parts), pid=1, weight=float(batch.weights[i]), scale=10.58, aqed=0.0073, aqcd=0.0
        )
        events.append(pylhe.LHEEvent(eventinfo=info_ev, particles=parts))
    init = pylhe.LHEInit(
        initInfo=pylhe.LHEInitInfo(
            beamA=11,
            beamB=-11,
            energyA=5.29,
            energyB=5.29,
            PDFgroupA=0,
            PDFgroupB=0,
            PDFsetA=0,
            PDFsetB=0,
            weightingStrategy=3,
            numProcesses=1,
        ),
        procInfo=[pylhe.LHEProcInfo(xSection=1.0, error=0.0, unitWeight=1.0, procId=1)],
        generators=[],
    )
    lhef = pylhe.LHEFile(init=init, events=events)
    t0 = time.perf_counter()
    lhef.tofile(str(path))
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200_000)
    args = ap.parse_args()
    model = DarkModel.from_benchmark("B1", 6.0)
    gen = EventGenerator(
        SignalProcess("phi", model), 1, RunSettings(n_points=100_000, chunk_size=args.events, decays="all")
    )
    batch = next(gen.unweighted(args.events))
    info = RunInfo("phi", batch.layout.lprup, gen.sigma.mean, gen.sigma.error, (5.29, 5.29), False)
    tmp = Path(tempfile.mkdtemp(prefix="darkstrahl-io-"))
    write_lhe(tmp / "warm.lhe", [batch.select(np.arange(100))], info)  # JIT warm-up
    rates = {}
    for name, fname in (("LHE", "ev.lhe"), ("LHE gzip", "ev.lhe.gz")):
        t0 = time.perf_counter()
        write_lhe(tmp / fname, [batch], info)
        rates[name] = args.events / (time.perf_counter() - t0)
    try:
        from darkstrahl.gen.eventfiles.hepmc import write_hepmc3

        n_h = min(args.events, 20_000)
        sub = batch.select(np.arange(n_h))
        t0 = time.perf_counter()
        write_hepmc3(tmp / "ev.hepmc", [(sub, np.zeros((n_h, 1, 4)))], info)
        rates["HepMC3 (pyhepmc)"] = n_h / (time.perf_counter() - t0)
    except ImportError:  # pragma: no cover
        pass
    n_p = min(args.events, 20_000)
    rates["pylhe writer (baseline)"] = pylhe_baseline(batch, info, tmp / "pylhe.lhe", n_p)
    print(f"{args.events} events of e+e- -> phi chi chibar, phi decayed (8 lines per event), one core")
    for name, r in rates.items():
        print(f"  {name:26s} {r:12.3g} events/s")
    print(f"  LHE / pylhe: {rates['LHE'] / rates['pylhe writer (baseline)']:.1f}x; target >= 1.5e5 events/s")


if __name__ == "__main__":
    main()
