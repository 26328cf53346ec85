"""Running the iDM scan from a card (``darkstrahl scan CARD -o DIR`` with ``analysis.kind = "idm"``):
card -> :class:`~darkstrahl.analysis.idm_scan.IdmScanSettings`, resumable task execution, CSV tables, plots
and the JSON record.

Checkpoints: DIR/tasks/<label>.json per finished task, written atomically (darkstrahl/files.py) with the
card hash (analysis/checkpoint.card_hash) and a SHA-256 of the payload; a rerun skips every valid file.

Outputs in DIR: ``idm_resolution.csv`` (DSCB parameters per m_h' and final state), ``idm_efficiency.csv``
(efficiency and window fraction versus c tau(h')), ``idm_limits_sigma_br.csv`` (95 % limits [fb] per final
state and combined), ``idm_limits_sin_theta.csv``, ``idm_limits_y.csv``, the plots of :mod:`.idm_plots`
and ``scan.json`` (the run record).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from concurrent.futures import Executor, as_completed
from pathlib import Path
from typing import Any

import numpy as np

from darkstrahl.errors import CardError, DarkstrahlError
from darkstrahl.files import atomic_output

from .checkpoint import card_hash
from .idm_scan import IdmScanSettings, run_task
from .idm_selection import IdmSelectionConfig
from .output import _write_csv

FORMAT_VERSION = 1
_SPECIES_ORDER = ("mu", "pi", "K")


def _grid(name: str, spec: tuple[float, ...]) -> tuple[float, ...]:
    if len(spec) != 3 or not (0 < spec[0] < spec[1]) or spec[2] < 2 or spec[2] != int(spec[2]):
        raise CardError(f"idm_analysis.{name}: expected (min, max, points) with 0 < min < max, points >= 2")
    return tuple(float(v) for v in np.geomspace(spec[0], spec[1], int(spec[2])))


def settings_from_card(card: Any) -> IdmScanSettings:
    """The iDM scan settings of a validated card (section ``[idm_analysis]``, seed from ``[run]``)."""
    a = card["idm_analysis"]
    for name, n in (("background", 3), ("ecl_mip", 4), ("ecl_fraction", 4), ("m_range", 2)):
        if len(a[name]) != n:
            raise CardError(f"idm_analysis.{name}: expected {n} values, got {list(a[name])}")
    if not 0 <= a["m_range"][0] < a["m_range"][1]:
        raise CardError("idm_analysis.m_range: expected (low, high) with 0 <= low < high [GeV]")
    species4 = ("e", *_SPECIES_ORDER)
    try:
        selection = IdmSelectionConfig(
            tracking_dv_cm=tuple(a["tracking_dv_cm"]),
            tracking_eff=tuple(a["tracking_eff"]),
            ecl_mip=dict(zip(species4, a["ecl_mip"], strict=True)),
            ecl_fraction=dict(zip(species4, a["ecl_fraction"], strict=True)),
            vertex_sigma_mm=a["vertex_sigma_mm"],
        )
    except DarkstrahlError as exc:
        raise CardError(str(exc)) from None
    return IdmScanSettings(
        m_hp=tuple(a["m_hp"]),
        m_chi1=a["m_chi1"],
        ap_ratio=a["ap_ratio"],
        delta_ratio=a["delta_ratio"],
        alpha_D=a["alpha_D"],
        eps=a["eps"],
        theta_ref=a["theta_ref"],
        species=tuple(a["species"]),
        ctau_hp_cm=tuple(a["ctau_hp_cm"]),
        ctau_ref_cm=a["ctau_ref_cm"],
        luminosities_fb=tuple(a["luminosities"]),
        background=dict(zip(_SPECIES_ORDER, a["background"], strict=True)),
        m_range=(a["m_range"][0], a["m_range"][1]),
        pipi_split=a["pipi_split"],
        rel_eff_sys=a["rel_eff_sys"],
        rel_lumi_sys=a["rel_lumi_sys"],
        sin_theta_grid=_grid("sin_theta_grid", a["sin_theta_grid"]),
        y_m_chi1=tuple(a["y_m_chi1"]),
        y_m_hp=a["y_m_hp"],
        y_sin_theta=a["y_sin_theta"],
        eps_grid=_grid("eps_grid", a["eps_grid"]),
        n_events=a["n_events"],
        sample=a["sample"],
        isr=a["isr"],
        seed=card["run"]["seed"],
        selection=selection,
    )


class TaskStore:
    """Checkpoint files of the iDM tasks (module docstring)."""

    def __init__(self, outdir: Path, digest: str) -> None:
        self.directory = Path(outdir) / "tasks"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.digest = digest

    def path(self, label: str) -> Path:
        return self.directory / (label.replace(":", "_") + ".json")

    def save(self, result: dict[str, Any]) -> None:
        payload = json.dumps(result, sort_keys=True)
        record = {
            "format": FORMAT_VERSION,
            "card_hash": self.digest,
            "task": result["label"],
            "sha256": hashlib.sha256(payload.encode()).hexdigest(),
            "result": result,
        }  # column order kept
        with atomic_output(self.path(result["label"]), force=True) as fh:
            json.dump(record, fh)

    def load(self, label: str) -> dict[str, Any] | None:
        path = self.path(label)
        if not path.exists():
            return None
        try:
            rec = json.loads(path.read_text())
            payload = json.dumps(rec["result"], sort_keys=True)
            ok = (
                rec.get("format") == FORMAT_VERSION
                and rec.get("card_hash") == self.digest
                and rec.get("task") == label
                and hashlib.sha256(payload.encode()).hexdigest() == rec.get("sha256")
            )
            return rec["result"] if ok else None
        except (ValueError, KeyError, TypeError):
            return None


def run_idm_tasks(
    settings: IdmScanSettings,
    store: TaskStore | None = None,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """Run (or load from ``store``) every task of ``settings``; results in label order."""
    labels = settings.labels()
    done: dict[str, dict[str, Any]] = {}
    todo = []
    for lab in labels:
        stored = store.load(lab) if store is not None else None
        if stored is not None:
            done[lab] = stored
            if progress:
                progress(1)
        else:
            todo.append(lab)

    def finished(res: dict[str, Any]) -> None:
        done[res["label"]] = res
        if store is not None:
            store.save(res)
        if progress:
            progress(1)

    if executor is None:
        for lab in todo:
            finished(run_task((settings, lab)))
    else:
        for fut in as_completed([executor.submit(run_task, (settings, lab)) for lab in todo]):
            finished(fut.result())
    return [done[lab] for lab in labels]


def _rows(results: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [row for r in results for row in r.get(key, [])]


def write_outputs(outdir: Path, results: list[dict[str, Any]], settings: IdmScanSettings) -> list[Path]:
    """The CSV tables and plots of a finished scan (module docstring)."""
    from . import idm_plots

    files = []
    for name, key, drop in (
        ("idm_resolution.csv", "resolution", ()),
        ("idm_efficiency.csv", "efficiency", ()),
        ("idm_limits_sigma_br.csv", "limits", ()),
        ("idm_limits_sin_theta.csv", "sin_theta", ("log_ratio",)),
        ("idm_limits_y.csv", "y", ("log_ratio",)),
    ):
        rows = _rows(results, key)
        if not rows:
            continue
        header = [k for k in rows[0] if k not in drop]
        path = outdir / name
        _write_csv(path, header, [[row[h] for h in header] for row in rows])
        files.append(path)
    files += idm_plots.plot_all(outdir, results, settings)
    return files


def run_idm_scan_cli(card: Any, scan_dir: Any, executor_cm: Any | None, progress_cls: Any) -> int:
    """Body of ``darkstrahl scan`` for an iDM card in the claimed output directory ``scan_dir``
    (:class:`~darkstrahl.analysis.scan_dir.ScanDirectory`): run (serially when ``executor_cm`` is None),
    write, report (see :func:`run_idm_tasks`); returns the exit code."""
    from darkstrahl import __version__

    from .output import write_record

    outdir = Path(scan_dir.directory)
    settings = settings_from_card(card)
    values = {"idm_analysis": dict(card["idm_analysis"]), "seed": card["run"]["seed"]}
    store = TaskStore(outdir, card_hash(values, __version__))
    labels = settings.labels()
    start = time.perf_counter()
    if executor_cm is None:
        where = "1 local process"
        with progress_cls(len(labels), "idm scan") as bar:
            results = run_idm_tasks(settings, store, progress=bar.update)
    else:
        with executor_cm as (executor, where), progress_cls(len(labels), "idm scan") as bar:
            results = run_idm_tasks(settings, store, executor, progress=bar.update)
    wall = time.perf_counter() - start
    files = write_outputs(outdir, results, settings)
    record = {
        "card": card.as_dict(),
        "card_source": card.source,
        "overrides": list(card.overrides),
        "version": __version__,
        "seed": settings.seed,
        "tasks": labels,
        "wall_time_s": wall,
        "where": where,
        "sample": settings.sample,
        "tracking_provenance": settings.selection.tracking_provenance,
        "sigma_fb": {r["label"]: r.get("sigma_fb", math.nan) for r in results},
    }
    files.append(write_record(outdir, record))
    scan_dir.finish(files)
    print(f"idm scan: {len(labels)} tasks in {wall:.1f} s on {where}; wrote {len(files)} files to {outdir}")
    return 0
