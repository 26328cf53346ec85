"""Build the width tables shipped in gen/data/ from the copies in ../shared/data/.

Run from the repository root:  python docs/build_tables.py ../shared/data
Only reformatting happens here (sorting, joining columns, a provenance header); no number is
changed. See gen/data/README.md for the sources, commits and licences.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

HEADER_EVENTCALC = """\
# Partial widths of a Higgs-mixed scalar at sin(theta) = 1, in GeV, versus its mass m_GeV.
# Source: ShipSoft/EventCalc, commit b79e2de9c5103c8e5a3b7e8fc63f42535784f459 (2025-07-10),
#   Distributions/Scalar-mixing/ctau-Scalar.txt and HLS-decay.json, combined as
#   Gamma_i = BR_i * hbar c / ctau (ctau log-interpolated onto the BR nodes); the two glitch
#   nodes m = 0.996 and 2.000 GeV (BRs not summing to 1) are dropped.
# Physics: Boiarska et al. arXiv:1904.10447 with the pi pi and K K widths of Winkler arXiv:1809.01876.
# Licence: BSD-3-Clause, Copyright (c) 2024, maksymovchynnikov (LICENSE-EventCalc.txt).
"""
HEADER_WINKLER = """\
# Gamma(S -> {mode}) in GeV at sin(theta) = 1 versus m_S in GeV (charged + neutral modes), sorted by mass.
# Digitised from Winkler, PRD 99, 015018 (arXiv:1809.01876).
# Source: JLTastet/scalar_portal, commit e123e8042313b249c7d8391802269052e8548361, decay/winkler_{file}.txt.
# Licence: MIT, (c) 2019 Jean-Loup Tastet (LICENSE-scalar_portal.txt).
m_GeV,Gamma_GeV
"""
HEADER_DARKCAST = """\
# Dark photon at eps = 1: c*tau [m] and leptonic branching fractions versus m_GeV.
# Source: KlingFelix/FORESEE, commit 2d6431f, Models/DarkPhoton/model/ctau_DarkCast.txt and
#   br_DarkCast/{e_e,mu_mu,tau_tau}.txt (DarkCast, Ilten, Soreq, Williams, Xue, arXiv:1801.04847),
#   joined on the common mass grid (rows with a mass that is not in all four files are dropped).
# Licence: MIT (LICENSE-FORESEE.md).
m_GeV,ctau_m_eps1,br_ee,br_mumu,br_tautau
"""


def main(shared: Path) -> None:
    out = Path(__file__).resolve().parents[1] / "gen" / "data"
    out.mkdir(exist_ok=True)
    scal = shared / "scalar_widths"
    text = (scal / "phi_widths_sin1_eventcalc.csv").read_text()
    (out / "phi_widths_eventcalc.csv").write_text(HEADER_EVENTCALC + text)
    for mode, file in (("pi pi", "pi"), ("K K", "K")):
        data = np.loadtxt(scal / "scalar_portal_winkler" / f"winkler_{file}.txt")
        data = data[np.argsort(data[:, 0])]
        rows = "".join(f"{m:.10e},{g:.10e}\n" for m, g in data)
        name = "pipi" if file == "pi" else "KK"
        (out / f"winkler_{name}.csv").write_text(HEADER_WINKLER.format(mode=mode, file=file) + rows)
    dp = shared / "dark_photon_darkcast"
    cols = [np.loadtxt(dp / "ctau_DarkCast.txt")]
    cols += [np.loadtxt(dp / "br_DarkCast" / f"{c}.txt") for c in ("e_e", "mu_mu", "tau_tau")]
    masses = np.round(cols[0][:, 0], 6)
    for c in cols[1:]:
        masses = np.intersect1d(masses, np.round(c[:, 0], 6))
    table = [masses]
    for c in cols:
        idx = np.searchsorted(np.round(c[:, 0], 6), masses)
        table.append(c[idx, 1])
    rows = "".join(",".join(f"{v:.6e}" for v in row) + "\n" for row in np.column_stack(table))
    (out / "darkphoton_darkcast.csv").write_text(HEADER_DARKCAST + rows)
    shutil.copy(scal / "eventcalc_scalar_mixing" / "LICENSE-EventCalc.txt", out)
    shutil.copy(scal / "scalar_portal_winkler" / "LICENSE-scalar_portal.txt", out)
    shutil.copy(dp / "LICENSE-FORESEE.md", out)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
