"""Global significance of the A'h' scan: the look-elsewhere effect over its windows (next_wave.md 1.4).

For every luminosity of the scan, the central windows of all grid points (each with its helicity cut
C_eta < c) are the searched windows; a background-only experiment that shows a local significance of
``z_local`` (3.5, the discovery threshold) somewhere has the global significance of
:mod:`darkstrahl.analysis.look_elsewhere`:

* ``sidak``: the upper bound on p_global from the windows' background models alone (exact for independent
  windows; the windows of neighbouring grid points overlap, so the true p_global is smaller);
* ``toys``: background-only toys drawn from the selected simulated background events (the scan's
  background payload), counted in every window that holds them. Windows without simulated events
  (``n_mc`` = 0, their background taken from ``ahp.empty_window``) have no toy events, so the toys then
  miss part of the background: the record gives how many windows hold simulated events.

The toys use ``SeedSequence(run.seed, spawn_key=(crc32("ahp:look_elsewhere"),))``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse

from .ahp_scan import AhpScanSettings, seed_sequence
from .bayes_limit import Z_THRESHOLD, Background
from .ellipse import EllipseWindow
from .look_elsewhere import sidak_bound, toy_global_significance

#: Background-only toys per luminosity.
N_TOYS = 20_000


def ahp_global_significance(
    settings: AhpScanSettings,
    bkg: dict[str, Any],
    results: Sequence[dict[str, Any]],
    z_local: float = Z_THRESHOLD,
    n_toys: int = N_TOYS,
) -> list[dict[str, Any]]:
    """One JSON-able row per luminosity: the number of windows, how many hold simulated background events,
    and p_global, Z_global and the trials factor of a local ``z_local`` by the Sidak bound and by toys
    (module docstring). Points without a window (status not ok) are left out."""
    rng = np.random.default_rng(seed_sequence(settings.seed, "ahp:look_elsewhere"))
    x, y, c_eta = (np.asarray(bkg[k], dtype=np.float64) for k in ("x", "y", "c_eta"))
    w_fb = np.asarray(bkg["w_fb"], dtype=np.float64)
    ok = [r for r in results if r["status"] == "ok"]
    rows = []
    for lumi in settings.luminosities_fb:
        columns, backgrounds, known = [], [], []
        for r in ok:
            win = next(v for v in r["windows"] if v["lumi_fb"] == lumi)
            centre, axes = (r["centre_x"], r["centre_y"]), (r["semi_major"], r["semi_minor"])
            ellipse = EllipseWindow.from_axes(centre, axes, math.radians(r["angle_deg"]))
            columns.append(np.flatnonzero(ellipse.contains(x, y) & (c_eta < win["c_eta_cut"])))
            backgrounds.append(Background.from_mc(win["n_mc"], win["w_mc"], r["rel_bkg_sys"]))
            known.append(win.get("n_discovery"))  # the task's discovery count: the threshold count of Z = 3.5
        row: dict[str, Any] = {"lumi_fb": lumi, "z_local": z_local, "n_windows": len(backgrounds)}
        if not backgrounds:
            rows.append(row | {"status": "no windows"})
            continue
        # events x windows, built from the events of each window (a dense matrix would be events x windows)
        rows_idx = np.concatenate(columns)
        cols_idx = np.repeat(np.arange(len(columns)), [c.size for c in columns])
        member = sparse.csr_matrix(
            (np.ones(rows_idx.size, dtype=bool), (rows_idx, cols_idx)), shape=(x.size, len(columns))
        )
        row["n_windows_with_mc"] = int(np.count_nonzero(member.getnnz(axis=0)))
        # windows per simulated event inside any window (the paper's lattice: about 2.7)
        row["windows_per_event_mc"] = float(member.nnz / max(np.count_nonzero(member.getnnz(axis=1)), 1))
        reuse = z_local == Z_THRESHOLD and None not in known
        counts = np.array(known, dtype=np.int64) if reuse else None
        estimates = [sidak_bound(backgrounds, z_local, counts)]
        if row["n_windows_with_mc"]:  # else every toy is empty: no estimate (module docstring)
            toys = toy_global_significance(member, w_fb * lumi, backgrounds, z_local, n_toys, rng, counts)
            estimates.append(toys)
        row["toys"] = None
        for res in estimates:
            row[res.method] = {
                "p_global": res.p_global,
                "p_global_err": res.p_global_err,
                "z_global": res.z_global,
                "trials_factor": res.trials_factor,
            }
        rows.append(row | {"status": "ok", "n_toys": n_toys})
    return rows
