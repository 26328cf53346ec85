"""Les Houches event files (LHE 3.0, hep-ph/0609017; reference.md 7.4-7.5), written at full precision.

Event record (1-based mother line numbers in brackets):

* ``phi``:       e- [0 0], e+ [0 0], phi [1 2], A' [1 2] (status 2: the chi chibar pair), chi [4 4],
                 chibar [4 4], phi daughters [3 3]
* ``gamma_phi``: e-, e+, gamma [1 2], A' [1 2] (status 2: P' = phi chi chibar), phi [4 4], A' [4 4]
                 (status 2: chi chibar), chi [6 6], chibar [6 6], phi daughters [5 5]
* backgrounds:   e-, e+, [gamma], phi, chi, chibar [1 2], phi daughters (no A': flat phase space)

Both A' of gamma_phi can be on shell; the s-channel A' of ``phi`` is far off shell at sqrt(s) and is not
written. phi has status 2 when decayed (else 1) and VTIMUP = c tau_phi [mm]; beams have status -1; SPINUP is
the helicity (+-1), 9 when not known, 0 for phi. PDG ids of the dark sector (PDG Monte Carlo numbering):
52 chi, 54 phi, 55 A' (configurable, :class:`PdgIds`).

Weights and cross sections are in pb. Unweighted files: IDWTUP = 3, XWGTUP = sigma x event weight (the
event weight is 1, or w / w_max for the rare overweight event); weighted files: IDWTUP = 4, XWGTUP = the
event's weight. In both the mean of XWGTUP is sigma. In the centre-of-mass frame the e- moves along +z
(basf2: LHEInput with wrongSignPz = False, then BoostMCParticles; docs/basf2.md). Every float is written
with 17 significant digits (``%.16e``) by a vectorized writer (:mod:`.lhe_text`); files ending
in ``.gz`` are gzip-compressed (level 1, no time stamp, so the same card and seed give the same bytes).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from numpy.typing import NDArray

from darkstrahl.files import atomic_output

from ..constants import ALPHA
from ..decays import DAUGHTER_MASS, DAUGHTERS
from ..events import EventBatch
from ..kinematics import invariant_mass_squared
from ..process import PDG_AP, PDG_CHI, PDG_PHI
from .lhe_text import buffer_size, render_events
from .textformat import POW10_HI, POW10_LO, check_finite

FB_TO_PB = 1e-3
LPRUP = {"phi": 1, "gamma_phi": 2, "bkg_phi": 3, "bkg_gamma_phi": 4}
_OPEN = np.frombuffer(b"<event>\n", dtype=np.uint8)
_CLOSE = np.frombuffer(b"</event>\n", dtype=np.uint8)


@dataclass(frozen=True)
class PdgIds:
    """PDG ids written for the dark sector (defaults: PDG Monte Carlo numbering)."""

    chi: int = PDG_CHI
    phi: int = PDG_PHI
    Ap: int = PDG_AP


DEFAULT_PDG = PdgIds()


@dataclass(frozen=True)
class RunInfo:
    """What the init block and header need (cross section in fb)."""

    process: str
    sigma_fb: float
    sigma_err_fb: float
    beam_energies: tuple[float, float]
    weighted: bool
    m_chi: float
    m_phi: float
    ctau_phi_mm: float
    card_text: str = ""
    version: str = ""
    frame: str = "cm"


def _layout(batch: EventBatch) -> tuple[list[tuple[int, ...]], list[tuple[int, int]], list[bool]]:
    """Rows of the LHE record: the batch slots summed into each row, mother lines, and whether the row is
    an intermediate A' (see module docstring)."""
    k = batch.n_particles
    has_daughters = k == batch.phi_index + 5
    if batch.process == "phi":
        rows = [(0,), (1,), (2,), (3, 4), (3,), (4,)]
        moth = [(0, 0), (0, 0), (1, 2), (1, 2), (4, 4), (4, 4)]
        phi_line = 3
    elif batch.process == "gamma_phi":
        rows = [(0,), (1,), (2,), (3, 4, 5), (3,), (4, 5), (4,), (5,)]
        moth = [(0, 0), (0, 0), (1, 2), (1, 2), (4, 4), (4, 4), (6, 6), (6, 6)]
        phi_line = 5
    else:
        rows = [(j,) for j in range(batch.phi_index + 3)]
        moth = [(0, 0), (0, 0)] + [(1, 2)] * (batch.phi_index + 1)
        phi_line = batch.phi_index + 1
    if has_daughters:
        rows += [(k - 2,), (k - 1,)]
        moth += [(phi_line, phi_line)] * 2
    return rows, moth, [len(r) > 1 for r in rows]


def _event_arrays(batch: EventBatch, info: RunInfo, pdg: PdgIds) -> dict[str, NDArray]:
    rows, moth, inter = _layout(batch)
    n, nl = len(batch), len(rows)
    p = np.empty((n, nl, 4))
    ids = np.empty((n, nl), dtype=np.int64)
    status = np.empty((n, nl), dtype=np.int64)
    present = np.ones((n, nl), dtype=np.bool_)
    mass = np.zeros((n, nl))
    vtim = np.zeros((n, nl))
    spin = np.full((n, nl), 9.0)
    dark = {PDG_CHI: pdg.chi, -PDG_CHI: -pdg.chi, PDG_PHI: pdg.phi}
    masses = {PDG_CHI: info.m_chi, PDG_PHI: info.m_phi, 11: 0.0, 22: 0.0}
    masses.update({abs(DAUGHTERS[m][0]): DAUGHTER_MASS[m] for m in DAUGHTERS if DAUGHTERS[m][0]})
    for r, slots in enumerate(rows):
        if inter[r]:
            q = batch.momenta[:, list(slots)].sum(axis=1)
            p[:, r] = q
            ids[:, r] = pdg.Ap
            status[:, r] = 2
            mass[:, r] = np.sqrt(np.maximum(invariant_mass_squared(q), 0.0))
            continue
        j = slots[0]
        p[:, r] = batch.momenta[:, j]
        raw = batch.pdg[:, j].astype(np.int64)
        uniq, inverse = np.unique(raw, return_inverse=True)
        ids[:, r] = np.array([dark.get(int(u), int(u)) for u in uniq], dtype=np.int64)[inverse]
        mass[:, r] = np.array([masses.get(abs(int(u)), 0.0) for u in uniq])[inverse]
        status[:, r] = batch.status[:, j]
        present[:, r] = raw != 0
        if j < 2:
            mass[:, r] = 0.0  # the beams are massless, as in the generation
        h = batch.helicities[:, j]
        spin[:, r] = np.where(h != 0, h, 9.0)
        if j == batch.phi_index:
            spin[:, r] = 0.0
            vtim[:, r] = info.ctau_phi_mm
    moth_arr = np.array(moth, dtype=np.int64)
    return {
        "p": p,
        "ids": ids,
        "status": status,
        "present": present,
        "mass": mass,
        "vtim": vtim,
        "spin": spin,
        "moth": moth_arr,
    }


RENDER_CHUNK = 8192  # events rendered per buffer: keeps the buffer in cache and memory flat


def render_chunks(batch: EventBatch, info: RunInfo, pdg: PdgIds = DEFAULT_PDG) -> Iterator[memoryview]:
    """The ``<event>`` blocks of ``batch`` as successive byte views (valid until the next one)."""
    arr = _event_arrays(batch, info, pdg)
    sigma_pb = info.sigma_fb * FB_TO_PB
    weights = np.ascontiguousarray(
        batch.weights * (FB_TO_PB if batch.weighted else sigma_pb), dtype=np.float64
    )
    for name in ("p", "mass", "vtim"):
        check_finite(arr[name])
    check_finite(weights)
    p = np.ascontiguousarray(arr["p"])
    buf = np.empty(buffer_size(min(len(batch), RENDER_CHUNK), arr["ids"].shape[1]), dtype=np.uint8)
    for a in range(0, len(batch), RENDER_CHUNK):
        b = min(a + RENDER_CHUNK, len(batch))
        size = render_events(
            buf,
            arr["ids"][a:b],
            arr["status"][a:b],
            arr["moth"],
            arr["present"][a:b],
            p[a:b],
            arr["mass"][a:b],
            arr["vtim"][a:b],
            arr["spin"][a:b],
            weights[a:b],
            LPRUP[batch.process],
            batch.sqrt_s,
            ALPHA,
            0.0,
            _OPEN,
            _CLOSE,
            POW10_HI,
            POW10_LO,
        )
        yield memoryview(buf)[:size]


def render(batch: EventBatch, info: RunInfo, pdg: PdgIds = DEFAULT_PDG) -> bytes:
    """The ``<event>`` blocks of ``batch`` as bytes."""
    return b"".join(bytes(chunk) for chunk in render_chunks(batch, info, pdg))


def header(info: RunInfo) -> bytes:
    """Everything before the first event: the header (generator, card) and the init block."""
    e1, e2 = info.beam_energies
    sigma_pb = info.sigma_fb * FB_TO_PB
    card = info.card_text.replace("]]>", "]]]]><![CDATA[>")
    text = (
        '<LesHouchesEvents version="3.0">\n<header>\n'
        f'<darkstrahl version="{info.version}" process="{info.process}" frame="{info.frame}">\n'
        f"<card><![CDATA[\n{card}\n]]></card>\n</darkstrahl>\n</header>\n<init>\n"
        f" 11 -11 {e1:.16e} {e2:.16e} 0 0 0 0 {4 if info.weighted else 3} 1\n"
        f" {sigma_pb:.16e} {info.sigma_err_fb * FB_TO_PB:.16e} {sigma_pb:.16e} {LPRUP[info.process]}\n"
        f'<generator name="darkstrahl" version="{info.version}">'
        "dark Higgs-strahlung at Belle II</generator>\n"
        "</init>\n"
    )
    return text.encode()


def write_lhe(
    path: str | Path,
    batches: Iterable[EventBatch],
    info: RunInfo,
    pdg: PdgIds = DEFAULT_PDG,
    force: bool = False,
) -> int:
    """Stream ``batches`` into ``path`` (atomically; gzip if it ends in .gz); returns the events written."""
    count = 0
    with atomic_output(path, force=force, mode="wb") as raw:
        out: IO[bytes] = raw
        gz = None
        if str(path).endswith(".gz"):
            gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0)
            out = gz
        out.write(header(info))
        for batch in batches:
            for chunk in render_chunks(batch, info, pdg):
                out.write(chunk)
            count += len(batch)
        out.write(b"</LesHouchesEvents>\n")
        if gz is not None:
            gz.close()
    return count
