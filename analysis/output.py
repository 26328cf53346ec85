"""Files of ``darkstrahl scan``: CSV tables, plots and the run record (issue 6).

* ``efficiency_table.csv``: one row per (benchmark, channel, n_b, m_Ap) at the card's reference eps and
  theta, columns :data:`~darkstrahl.analysis.scan.EFFICIENCY_COLUMNS`; m_Ap, window_lo, window_hi in GeV,
  vmax = |v|_max in GeV^2, yields in expected events for the card's luminosity;
* ``reach_eps.csv``: benchmark, channel, n_b, m_Ap, theta, eps_reach;
* ``reach_theta.csv``: benchmark, channel, n_b, m_Ap, eps, theta_lo, theta_hi, n_intervals;
* the plots of :mod:`darkstrahl.analysis.plots`; ``scan.json`` with the card, version, seeds, sample sizes
  and wall time. Every file is written to a temporary name and renamed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from darkstrahl.files import atomic_output

from .scan import EFFICIENCY_COLUMNS, PointResult, ScanSettings


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    with atomic_output(path, force=True) as out:
        out.write(buf.getvalue())


def write_tables(outdir: Path, results: Sequence[PointResult], settings: ScanSettings) -> list[Path]:
    """The three CSV tables."""
    eff = [[row[c] for c in EFFICIENCY_COLUMNS] for r in results for row in r.rows]
    reach_e = [
        [r.key.benchmark, r.key.channel, n_b, r.key.m_Ap, settings.theta_for_eps_reach, reach]
        for r in results
        for n_b, reach in r.eps_reach.items()
    ]
    reach_t = [
        [r.key.benchmark, r.key.channel, n_b, r.key.m_Ap, settings.eps_for_theta_reach, lo, hi, n]
        for r in results
        for n_b, (lo, hi, n) in r.theta_region.items()
    ]
    paths = [outdir / "efficiency_table.csv", outdir / "reach_eps.csv", outdir / "reach_theta.csv"]
    _write_csv(paths[0], EFFICIENCY_COLUMNS, eff)
    _write_csv(paths[1], ("benchmark", "channel", "n_b", "m_Ap", "theta", "eps_reach"), reach_e)
    _write_csv(
        paths[2],
        ("benchmark", "channel", "n_b", "m_Ap", "eps", "theta_lo", "theta_hi", "n_intervals"),
        reach_t,
    )
    return paths


def write_record(outdir: Path, record: dict[str, Any]) -> Path:
    """scan.json."""
    path = outdir / "scan.json"
    with atomic_output(path, force=True) as out:
        json.dump(record, out, indent=2, default=str)
    return path
