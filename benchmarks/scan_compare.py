"""Compare two reference-study scans (issue 17): the tables of the copy-based sqrt(|v|) response (before) and
of the quadrature (after), in units of their Monte Carlo errors.

Both scans generate the same events (same seeds; only the detector's sqrt(|v|) response changed), so the phi
rows must agree byte for byte and the gamma-phi rows differ by the copies' noise alone. For every gamma-phi
row this script rebuilds the task's samples (same seeds) and computes, for the table's window (cut
sqrt(|v|) <= sqrt(vmax)), with per-event yields c_i (signal at the reference eps, theta; background for the
row's N_b) and q_i = the event's quadrature probability to pass the cut:

* the copies' MC error of a selected yield Y = sum_i c_i q_i at fixed events (N = n_copies binomial copies):
  var_copies = sum_i c_i^2 q_i (1 - q_i) / N;
* the sample's MC error (finite number n of weighted events): var_sample = n var_i(c_i q_i);
* the eps reach's error from both, propagated at fixed window through -2 ln L(S*, B) = 3.84 (S* = the signal
  at the reach): d ln eps = (d ln S* - r d ln B) / 2 with r = d ln S*/d ln B = -(B/S*) (df/dB)/(df/dS).

Pulls (after - before) / error are printed per column (max |pull| and RMS) for the copies' error alone and
for the total (sample (+) copies); for the eps reach only the total (the window is re-optimized at every eps:
where the reference window holds every bin, the copies' error of the reference yields vanishes while the
windows near the reach still differ), with the relative differences. theta_lo, theta_hi: relative
differences.
Run:  python benchmarks/scan_compare.py BEFORE_DIR AFTER_DIR
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import numpy as np

from darkstrahl.analysis.scan import PointKey, build_point
from darkstrahl.detector import reconstructed
from darkstrahl.runcard import build, load_card


def _rows(path: Path) -> dict[tuple[str, str, float, float], dict[str, str]]:
    with path.open() as f:
        rows = csv.DictReader(f)
        return {(r["benchmark"], r["channel"], float(r["n_b"]), float(r["m_Ap"])): r for r in rows}


def _capture_responses() -> list:
    """Record (Reconstructed, response matrix) of every Reconstructed.response call, and of every
    Reconstructed.histogram call (the background's, which stores no matrix: built here for the record)."""
    seen: list = []
    original = reconstructed.Reconstructed.response
    original_histogram = reconstructed.Reconstructed.histogram

    def response(self, *args, **kwargs):
        r = original(self, *args, **kwargs)
        seen.append((self, r))
        return r

    def histogram(self, edges, observable, weights, *args, **kwargs):
        seen.append((self, original(self, edges, observable)))
        return original_histogram(self, edges, observable, weights, *args, **kwargs)

    reconstructed.Reconstructed.response = response  # type: ignore[method-assign]
    reconstructed.Reconstructed.histogram = histogram  # type: ignore[method-assign]
    return seen


def _reach_log_error(s: float, b: float, ds: float, db: float) -> float:
    """Error of ln(eps reach) from relative errors ds = dS/S, db = dB/B at -2 ln L = 2 [S - B ln(1 + S/B)]."""
    if b <= 0:
        return ds / 2
    df_ds = 2 * s / (b + s)
    df_db = 2 * (s / (b + s) - math.log1p(s / b))
    r = -(b / s) * df_db / df_ds
    return math.hypot(ds, r * db) / 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    args = ap.parse_args()
    for name in ("efficiency_table.csv", "reach_eps.csv", "reach_theta.csv"):
        a, b = (args.before / name).read_text().splitlines(), (args.after / name).read_text().splitlines()
        same = [x == y for x, y in zip(a, b, strict=True)]
        phi_same = all(s for s, line in zip(same, a, strict=True) if ",phi," in line)
        print(f"{name}: {sum(same)} of {len(a)} lines identical; phi rows identical: {phi_same}")
    eff_a, eff_b = _rows(args.before / "efficiency_table.csv"), _rows(args.after / "efficiency_table.csv")
    eps_a, eps_b = _rows(args.before / "reach_eps.csv"), _rows(args.after / "reach_eps.csv")
    th_a, th_b = _rows(args.before / "reach_theta.csv"), _rows(args.after / "reach_theta.csv")
    card = load_card("reference_study", [])
    settings = build.scan_settings(card)
    n_copies = settings.detector.n_copies
    seen = _capture_responses()
    pulls: dict[str, list[tuple[float, float]]] = {"sel_sig": [], "sel_bg": [], "eps_reach": []}
    theta_rel: list[float] = []
    same_window = 0
    keys = sorted({(k[0], k[3]) for k in eff_a if k[1] == "gamma_phi"})
    for bench, m in keys:
        seen.clear()
        point, _, _ = build_point(PointKey(bench, m, "gamma_phi"), settings)
        (_, r_sig), (rec_b, r_bkg) = seen[0], seen[1]
        c_sig = point.event_yields(settings.eps, settings.theta)
        n_bkg = len(rec_b.event_weight)
        for n_b in settings.n_b:
            key = (bench, "gamma_phi", n_b, m)
            row_a, row_b = eff_a[key], eff_b[key]
            same_window += row_a["vmax"] == row_b["vmax"]
            hi = int(np.searchsorted(point.edges, math.sqrt(float(row_b["vmax"])) * (1 - 1e-12))) - 1
            c_bkg = n_b * point.luminosity_fb * rec_b.event_weight / n_bkg
            errs = {}
            for col, c, r in (("sel_sig", c_sig, r_sig), ("sel_bg", c_bkg, r_bkg)):
                q = np.asarray(r[:, : hi + 1].sum(axis=1)).ravel()
                y = float(c @ q)
                var_copies = float(np.sum(c**2 * q * (1 - q))) / n_copies
                var_sample = len(c) * float(np.var(c * q))
                errs[col] = (y, math.sqrt(var_copies), math.sqrt(var_sample))
                diff = float(row_b[col]) - float(row_a[col])
                if var_copies > 0:
                    pulls[col].append(
                        (diff / math.sqrt(var_copies), diff / math.sqrt(var_copies + var_sample))
                    )
            e_a, e_b = float(eps_a[key]["eps_reach"]), float(eps_b[key]["eps_reach"])
            if math.isfinite(e_a) and math.isfinite(e_b) and errs["sel_sig"][0] > 0 and errs["sel_bg"][0] > 0:
                (s, ds_c, ds_s), (bb, db_c, db_s) = errs["sel_sig"], errs["sel_bg"]
                s_star = s * (e_b / settings.eps) ** 2
                err_t = _reach_log_error(s_star, bb, math.hypot(ds_c, ds_s) / s, math.hypot(db_c, db_s) / bb)
                d = math.log(e_b / e_a)
                pulls["eps_reach"].append((d, d / err_t))
            for col in ("theta_lo", "theta_hi"):
                ta, tb = float(th_a[key][col]), float(th_b[key][col])
                if math.isfinite(ta) and math.isfinite(tb):
                    theta_rel.append(abs(tb / ta - 1))
    print(f"gamma-phi rows: {2 * len(keys)}; same window (vmax) before and after: {same_window}")
    for col, p in pulls.items():
        arr = np.array(p)
        if col == "eps_reach":
            print(
                f"eps_reach: {len(arr)} rows; |relative difference| median "
                f"{np.median(np.abs(arr[:, 0])):.1e}, "
                f"max {np.max(np.abs(arr[:, 0])):.1e}; vs total MC error: max |pull| "
                f"{np.max(np.abs(arr[:, 1])):.3f}, RMS {np.sqrt(np.mean(arr[:, 1] ** 2)):.3f}"
            )
            continue
        print(
            f"{col:9s}: {len(arr)} rows; pull vs copies' error: max |pull| {np.max(np.abs(arr[:, 0])):.2f}, "
            f"RMS {np.sqrt(np.mean(arr[:, 0] ** 2)):.2f}; vs total MC error: max |pull| "
            f"{np.max(np.abs(arr[:, 1])):.3f}, RMS {np.sqrt(np.mean(arr[:, 1] ** 2)):.3f}"
        )
    print(f"theta_lo/hi: {len(theta_rel)} values, max relative difference {max(theta_rel):.2e}")


if __name__ == "__main__":
    main()
