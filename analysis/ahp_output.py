"""Files of the A'h' scan (issue 15 item 4), every one written atomically into the scan directory:

* ``ahp_windows.csv``: one row per (point, luminosity): masses [GeV], window centre (M_rec^2, M_mumu^2)
  [GeV^2], semi-axes [GeV^2], angle [deg], C_eta cut, signal efficiency (selection x window x C_eta, of the
  ISR-dressed rate), background [events] and its MC model, expected limits on s [events], sigma_UL [fb]
  (Born and ISR-dressed conventions, median and +-1 sigma) and (eps^2 alpha_D)_UL (median, +-1 sigma, N = 0,
  and "mixed" = sigma_UL^ISR / sigma_Born(unit), the error made by mixing the conventions), the smallest
  count for a local 3.5 sigma and its Bayes factor, resolutions [GeV], fractions of the signal inside the
  window, unit rates [fb] and systematics;
* ``ahp_background_composition.csv``: per (point, luminosity, sample) the background in the window [events];
* ``ahp_lattice.csv``: the lattice windows around each point (first luminosity);
* ``ahp_cutflow.csv``: the cut flows of the backgrounds and of every ISR-dressed signal sample;
* plots (:mod:`.ahp_plots`) and ``ahp_scan.json`` (card, version, seeds, sample sizes, wall time).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from darkstrahl.files import atomic_output

POINT_COLUMNS = (
    "m_Ap", "m_hp", "centre_x", "centre_y", "semi_major", "semi_minor", "angle_deg", "fit_rho",
    "fit_frac_core", "fit_content", "res_m_Ap", "res_m_hp", "frac_in_window_noisr", "frac_in_window_isr",
    "eff_selection_isr", "sigma_unit_born_fb", "sigma_unit_isr_fb", "rel_sig_sys", "rel_bkg_sys", "sys_corr",
)  # fmt: skip
WINDOW_COLUMNS = (
    "lumi_fb", "c_eta_cut", "eff", "b", "n_mc", "w_mc", "s_up_m2", "s_up_m1", "s_up_median", "s_up_p1",
    "s_up_p2", "s_up_n0", "sigma_ul_born", "sigma_ul_born_m1", "sigma_ul_born_p1", "sigma_ul_isr",
    "sigma_ul_isr_m1", "sigma_ul_isr_p1", "eps2_alpha_d", "eps2_alpha_d_m1", "eps2_alpha_d_p1",
    "eps2_alpha_d_n0", "eps2_alpha_d_mixed", "n_discovery", "bayes_factor_discovery",
)  # fmt: skip
LATTICE_COLUMNS = ("lumi_fb", "centre_x", "centre_y", "c_eta_cut", "eff", "b", "s_up_median", "eps2_alpha_d")
CUTFLOW_COLUMNS = ("sample", "cut", "n_mc", "sum_w", "eff_cumulative", "eff_step")


def write_csv(path: Path, header: Sequence[str], rows: Sequence[dict[str, Any]]) -> Path:
    """Rows (dicts) with the columns ``header`` to ``path``, atomically."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(header), lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    with atomic_output(path, force=True) as fh:
        fh.write(buf.getvalue())
    return path


def window_rows(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flattened (point, luminosity) rows with :data:`POINT_COLUMNS` + :data:`WINDOW_COLUMNS`."""
    return [{**{c: r[c] for c in POINT_COLUMNS}, **w} for r in results for w in r["windows"]]


def write_ahp_tables(outdir: Path, bkg: dict[str, Any], results: Sequence[dict[str, Any]]) -> list[Path]:
    """The four CSV tables of the module docstring."""
    comp = [
        {"m_Ap": r["m_Ap"], "m_hp": r["m_hp"], "lumi_fb": w["lumi_fb"], "sample": name, "events": value}
        for r in results
        for w in r["windows"]
        for name, value in w["composition"].items()
    ]
    lattice = [{"m_Ap": r["m_Ap"], "m_hp": r["m_hp"], **row} for r in results for row in r["lattice"]]
    cutflow = list(bkg["cutflow"]) + [row for r in results for row in r["cutflow"]]
    return [
        write_csv(outdir / "ahp_windows.csv", POINT_COLUMNS + WINDOW_COLUMNS, window_rows(results)),
        write_csv(
            outdir / "ahp_background_composition.csv", ("m_Ap", "m_hp", "lumi_fb", "sample", "events"), comp
        ),
        write_csv(outdir / "ahp_lattice.csv", ("m_Ap", "m_hp", *LATTICE_COLUMNS), lattice),
        write_csv(outdir / "ahp_cutflow.csv", CUTFLOW_COLUMNS, cutflow),
    ]


def format_cutflow_rows(rows: Sequence[dict[str, Any]]) -> str:
    """The cut flow as aligned text, one block per sample."""
    lines, current = [], None
    for r in rows:
        if r["sample"] != current:
            current = r["sample"]
            lines.append(f"{current}:")
        lines.append(f"  {r['cut']:32s} {r['n_mc']:9d} {r['sum_w']:12.5g} fb {r['eff_cumulative']:9.4f}")
    return "\n".join(lines)
