"""``darkstrahl scan`` for a card with ``analysis.kind = "ahp"``: settings from the ``[ahp]`` section, the
executor of ``[scheduler]`` (local pool, dask, SLURM/HTCondor via :mod:`.executors`), checkpoints in
``DIR/tasks`` (:func:`.checkpoint.write_record`: a rerun skips finished tasks), tables, plots and the record
``ahp_scan.json``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from darkstrahl.errors import CardError

from .ahp_global import ahp_global_significance
from .ahp_output import format_cutflow_rows, window_rows, write_ahp_tables
from .ahp_plots import plot_limits_vs_mass, plot_maps
from .ahp_scan import AhpScanSettings, grid_points, run_ahp_scan
from .ahp_selection import AhpCuts
from .checkpoint import read_record, write_record
from .output import write_record as write_json_record


def settings_from_card(card: Any) -> AhpScanSettings:
    """The :class:`.ahp_scan.AhpScanSettings` of a validated card."""
    from darkstrahl.runcard import build

    a = card["ahp"]
    beams = build.beams(card)
    sqrt_s = card["run"]["sqrt_s"] or beams.sqrt_s
    edges = tuple(a["muon_id_p_edges"])
    if len(edges) != len(a["muon_id_eff"]) + 1:
        raise CardError("ahp.muon_id_eff: needs one efficiency per bin of ahp.muon_id_p_edges")
    cuts = AhpCuts(trigger_eff=a["trigger_eff"], muon_id_edges=edges, muon_id_eff=tuple(a["muon_id_eff"]))
    return AhpScanSettings(
        beams=beams,
        sqrt_s=sqrt_s,
        points=tuple(grid_points(a["m_Ap"], a["m_hp"], sqrt_s)),
        cuts=cuts,
        n_signal=a["n_signal"],
        n_background=a["n_background"],
        backgrounds=tuple(a["backgrounds"]),
        signal_source=a["signal_source"],
        luminosities_fb=tuple(a["luminosities"]),
        window_rule=a["window_rule"],
        spacing=a["spacing"],
        lattice_extent=a["lattice_extent"],
        c_eta_cuts=tuple(a["c_eta_cuts"]),
        punzi_a=a["punzi_a"],
        cl=a["cl"],
        bayes_s_max=a["bayes_s_max"],
        systematics=a["systematics"],
        empty_window=a["empty_window"],
        seed=card["run"]["seed"],
        generator_card=card if a["signal_source"] == "generator" else None,
    )


def run_ahp_scan_cli(card: Any, scan_dir: Any, executor_cm: Any | None, progress_cls: Any) -> int:
    """Body of ``darkstrahl scan`` for an ``ahp`` card (module docstring): run the points in the claimed
    output directory ``scan_dir`` (:class:`~darkstrahl.analysis.scan_dir.ScanDirectory`), serially when
    ``executor_cm`` is None, else on the executor it yields; write, record, report; returns the exit code."""
    from darkstrahl import __version__
    from darkstrahl.runcard import build

    settings = settings_from_card(card)
    outdir = Path(scan_dir.directory)
    tasks = outdir / "tasks"
    tasks.mkdir(exist_ok=True)
    digest = build.scan_hash(card)

    def path(task: str) -> Path:
        return tasks / (task.replace(":", "_") + ".json")

    store = (
        lambda task: read_record(path(task), digest, task),
        lambda task, payload: write_record(path(task), digest, task, payload),
    )
    start = time.perf_counter()
    n = len(settings.points)
    if executor_cm is None:
        where = "1 local process"
        with progress_cls(n, "ahp scan") as bar:
            bkg, results = run_ahp_scan(settings, progress=bar.update, store=store)
    else:
        with executor_cm as (executor, where), progress_cls(n, "ahp scan") as bar:
            bkg, results = run_ahp_scan(settings, executor, progress=bar.update, store=store)
    wall = time.perf_counter() - start
    files = write_ahp_tables(outdir, bkg, results)
    rows = window_rows(results)
    m_hp = card["ahp"]["plot_m_hp"]
    files += plot_limits_vs_mass(rows, outdir, settings.points[0][1] if m_hp is None else m_hp)
    files += plot_maps(rows, outdir)
    look_elsewhere = ahp_global_significance(settings, bkg, results)
    record = {
        "card": card.as_dict(),
        "card_source": card.source,
        "overrides": card.overrides,
        "version": __version__,
        "seed": settings.seed,
        "seeds": "numpy SeedSequence(seed, spawn_key=(crc32(task label),))",
        "n_signal": settings.n_signal,
        "n_background": settings.n_background,
        "points": [list(p) for p in settings.points],
        "workers": where,
        "wall_time_s": wall,
        "sqrt_s_GeV": settings.sqrt_s,
        "status": {r["task"]: r["status"] for r in results},
        "look_elsewhere": look_elsewhere,
    }
    files.append(write_json_record(outdir, record))
    scan_dir.finish(files)
    print(format_cutflow_rows(bkg["cutflow"]))
    for row in look_elsewhere:
        print(format_look_elsewhere(row))
    print(f"ahp scan: {n} points in {wall:.1f} s on {where}; wrote {len(files)} files to {outdir}")
    return 0


def format_look_elsewhere(row: dict[str, Any]) -> str:
    """One line of the scan's look-elsewhere record (:func:`.ahp_global.ahp_global_significance`)."""
    head = f"look-elsewhere at {row['lumi_fb']:g} fb^-1, local Z = {row['z_local']:g}"
    if row["status"] != "ok":
        return f"{head}: {row['status']}"
    sid, toys = row["sidak"], row["toys"]
    line = (
        f"{head} over {row['n_windows']} windows: global Z >= {sid['z_global']:.2f} (Sidak bound, trials "
        f"factor <= {sid['trials_factor']:.3g}); toys: "
    )
    if toys is None:
        return line + "none (no simulated background event inside any window)"
    return line + (
        f"Z_global = {toys['z_global']:.2f}, p_global = {toys['p_global']:.3g} +- {toys['p_global_err']:.1g} "
        f"({row['n_windows_with_mc']} windows hold simulated events, {row['windows_per_event_mc']:.2f} "
        "windows per event)"
    )
