"""Les Houches event files (LHE 3.0, hep-ph/0609017; reference.md 7.5) written from event batches.

Conventions: cross sections and weights in pb; beams e- (11) along +z and e+ (-11) along -z in the
centre-of-mass frame; unweighted files use IDWTUP = 3 with XWGTUP = sigma x (event weight), weighted
files IDWTUP = 4 with XWGTUP = the event's weight; in both, the mean of XWGTUP is sigma. Mother indices
are 1-based line numbers; VTIMUP of phi is its c tau in mm, SPINUP the helicity (9 when unknown).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO

import numpy as np

from .atomic import atomic_output
from .events import EventBatch

FB_TO_PB = 1e-3
LPRUP = {"phi": 1, "gamma_phi": 2, "bkg_phi": 3, "bkg_gamma_phi": 4}


def _header(generator: str, version: str, card_text: str) -> str:
    return (
        f'<LesHouchesEvents version="3.0">\n<header>\n<generator name="{generator}" version="{version}"/>\n'
        f"<runcard><![CDATA[\n{card_text}\n]]></runcard>\n</header>\n"
    )


def _init(
    process: str,
    energies: tuple[float, float],
    sigma_fb: float,
    err_fb: float,
    xmax_pb: float,
    weighted: bool,
) -> str:
    e1, e2 = energies
    idwtup = 4 if weighted else 3
    return (
        f"<init>\n 11 -11 {e1:.10e} {e2:.10e} 0 0 0 0 {idwtup} 1\n"
        f" {sigma_fb * FB_TO_PB:.10e} {err_fb * FB_TO_PB:.10e} {xmax_pb:.10e} {LPRUP[process]}\n</init>\n"
    )


def _write_events(out: IO[str], batch: EventBatch, sigma_pb: float, ctau_phi_mm: float) -> None:
    n, k = batch.momenta.shape[:2]
    p = batch.momenta
    mass = np.sqrt(np.maximum(p[..., 0] ** 2 - np.sum(p[..., 1:] ** 2, axis=-1), 0.0))
    xw = batch.weights * (FB_TO_PB if batch.weighted else sigma_pb)
    lprup = LPRUP[batch.process]
    moth = [
        (0, 0)
        if batch.status[0, j] == -1
        else ((1, 2) if batch.mothers[j] < 0 else (batch.mothers[j] + 1, batch.mothers[j] + 1))
        for j in range(k)
    ]
    lines = []
    for i in range(n):
        present = [j for j in range(k) if batch.pdg[i, j] != 0]
        # empty slots (daughters of an undecayed phi) come last, so skipping them keeps the numbering
        lines.append(f"<event>\n {len(present)} {lprup} {xw[i]:.10e} {batch.sqrt_s:.10e} -1 -1\n")
        for j in present:
            vt = ctau_phi_mm if j == batch.phi_index else 0.0
            h = batch.helicities[i, j]
            spin = 9.0 if (h == 0 and j < 2) else float(h)
            m1, m2 = moth[j]
            lines.append(
                f" {batch.pdg[i, j]} {batch.status[i, j]} {m1} {m2} 0 0 "
                f"{p[i, j, 1]:.10e} {p[i, j, 2]:.10e} {p[i, j, 3]:.10e} {p[i, j, 0]:.10e} "
                f"{mass[i, j]:.10e} {vt:.10e} {spin:.1f}\n"
            )
        lines.append("</event>\n")
    out.write("".join(lines))


def write_lhe(
    path: str | Path,
    batches: Iterable[EventBatch],
    *,
    process: str,
    sqrt_s: float,
    sigma_fb: float,
    sigma_err_fb: float,
    ctau_phi_mm: float,
    weighted: bool,
    beam_energies: tuple[float, float] | None = None,
    card_text: str = "",
    generator: str = "darkstrahl",
    version: str = "",
    force: bool = False,
) -> int:
    """Write ``batches`` to ``path`` atomically; returns the number of events written.

    ``beam_energies`` (e-, e+) [GeV] go into the init block (default sqrt_s / 2 each: the CM frame)."""
    count = 0
    sigma_pb = sigma_fb * FB_TO_PB
    with atomic_output(path, force=force) as out:
        out.write(_header(generator, version, card_text))
        energies = beam_energies if beam_energies is not None else (0.5 * sqrt_s, 0.5 * sqrt_s)
        out.write(_init(process, energies, sigma_fb, sigma_err_fb, sigma_pb, weighted))
        for batch in batches:
            _write_events(out, batch, sigma_pb, ctau_phi_mm)
            count += len(batch)
        out.write("</LesHouchesEvents>\n")
    return count
