"""Les Houches event files (LHE 3.0, hep-ph/0609017; reference.md 7.4-7.5), written at full precision.

The record of every event is the one its batch's :class:`~darkstrahl.gen.layout.Layout` gives: one line
per layout row (a slot, or an intermediate resonance summing several slots, status 2), with the rows'
1-based mother lines. Long-lived particles carry VTIMUP = c tau [mm] from their lifetime rule (0 for a
stand-in of a flat background); beams have status -1; SPINUP is the helicity (+-1), 9 when not known, 0 for
a long-lived scalar. PDG ids can be remapped on output (``pdg_map``: |id| -> id, e.g. the card's
``output.pdg_chi``); masses are the layout's.

Weights and cross sections are in pb. Unweighted files: IDWTUP = 3, XWGTUP = sigma x event weight (the
event weight is 1, or w / w_max for the rare overweight event); weighted files: IDWTUP = 4, XWGTUP = the
event's weight. In both the mean of XWGTUP is sigma. In the centre-of-mass frame the e- moves along +z
(basf2: LHEInput with wrongSignPz = False, then BoostMCParticles; docs/basf2.md). Every float is written
with 17 significant digits (``%.16e``) by a vectorized writer (:mod:`.lhe_text`); files ending
in ``.gz`` are gzip-compressed (level 1, no time stamp, so the same card and seed give the same bytes).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from numpy.typing import NDArray

from darkstrahl.files import atomic_output

from ..constants import ALPHA
from ..events import EventBatch
from ..kinematics import invariant_mass_squared
from .lhe_text import buffer_size, render_events
from .textformat import POW10_HI, POW10_LO, check_finite

FB_TO_PB = 1e-3
_OPEN = np.frombuffer(b"<event>\n", dtype=np.uint8)
_CLOSE = np.frombuffer(b"</event>\n", dtype=np.uint8)


@dataclass(frozen=True)
class RunInfo:
    """What the init block and header need (cross section in fb; beam energies in GeV)."""

    process: str
    lprup: int
    sigma_fb: float
    sigma_err_fb: float
    beam_energies: tuple[float, float]
    weighted: bool
    card_text: str = ""
    version: str = ""
    frame: str = "cm"
    #: lab-frame beam four-momenta (E, px, py, pz) [GeV] of e- and e+ when they do not run along z (crossing
    #: angle): written in the header, since <init> holds only the beam energies EBMUP (issue 12 item 6)
    beam_momenta: tuple[tuple[float, ...], tuple[float, ...]] | None = None


def _mapped(ids: NDArray, pdg_map: Mapping[int, int]) -> NDArray:
    """PDG ids with |id| remapped by ``pdg_map`` (sign kept)."""
    if not pdg_map:
        return ids
    uniq, inverse = np.unique(ids, return_inverse=True)
    out = [int(np.sign(u)) * pdg_map.get(abs(int(u)), abs(int(u))) for u in uniq]
    return np.array(out, dtype=np.int64)[inverse].reshape(ids.shape)


def event_arrays(batch: EventBatch, pdg_map: Mapping[int, int] | None = None) -> dict[str, NDArray]:
    """The per-row arrays of the record of ``batch`` (momenta, ids, status, presence, masses, VTIMUP,
    SPINUP) and the 1-based mother lines, from the batch's layout (module docstring)."""
    layout = batch.layout
    pdg_map = pdg_map or {}
    rows = layout.rows
    n, nl = len(batch), len(rows)
    p = np.empty((n, nl, 4))
    ids = np.empty((n, nl), dtype=np.int64)
    status = np.empty((n, nl), dtype=np.int64)
    present = np.ones((n, nl), dtype=np.bool_)
    mass = np.zeros((n, nl))
    vtim = np.zeros((n, nl))
    spin = np.full((n, nl), 9.0)
    lifetimes = {ll.slot: ll for ll in layout.long_lived}
    for r, row in enumerate(rows):
        if row.intermediate:
            q = batch.momenta[:, list(row.slots)].sum(axis=1)
            p[:, r] = q
            ids[:, r] = pdg_map.get(row.pdg, row.pdg)
            status[:, r] = 2
            mass[:, r] = np.sqrt(np.maximum(invariant_mass_squared(q), 0.0))
            continue
        j = row.slots[0]
        slot = layout.slots[j]
        p[:, r] = batch.momenta[:, j]
        raw = batch.pdg[:, j].astype(np.int64)
        ids[:, r] = _mapped(raw, pdg_map)
        uniq, inverse = np.unique(raw, return_inverse=True)
        mass[:, r] = np.array([slot.mass_of(int(u)) for u in uniq])[inverse]
        status[:, r] = batch.status[:, j]
        present[:, r] = raw != 0
        h = batch.helicities[:, j]
        spin[:, r] = np.where(h != 0, h, 9.0)
        if j in lifetimes:
            spin[:, r] = 0.0
            ll = lifetimes[j]
            vtim[:, r] = ll.lifetime.ctau_mm() if ll.displaced else 0.0
    return {
        "p": p,
        "ids": ids,
        "status": status,
        "present": present,
        "mass": mass,
        "vtim": vtim,
        "spin": spin,
        "moth": np.array([row.mothers for row in rows], dtype=np.int64),
    }


RENDER_CHUNK = 8192  # events rendered per buffer: keeps the buffer in cache and memory flat


def render_chunks(
    batch: EventBatch, info: RunInfo, pdg_map: Mapping[int, int] | None = None
) -> Iterator[memoryview]:
    """The ``<event>`` blocks of ``batch`` as successive byte views (valid until the next one)."""
    arr = event_arrays(batch, pdg_map)
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
            batch.layout.lprup,
            batch.sqrt_s,
            ALPHA,
            0.0,
            _OPEN,
            _CLOSE,
            POW10_HI,
            POW10_LO,
        )
        yield memoryview(buf)[:size]


def render(batch: EventBatch, info: RunInfo, pdg_map: Mapping[int, int] | None = None) -> bytes:
    """The ``<event>`` blocks of ``batch`` as bytes."""
    return b"".join(bytes(chunk) for chunk in render_chunks(batch, info, pdg_map))


def header(info: RunInfo) -> bytes:
    """Everything before the first event: the header (generator, card) and the init block."""
    e1, e2 = info.beam_energies
    sigma_pb = info.sigma_fb * FB_TO_PB
    card = info.card_text.replace("]]>", "]]]]><![CDATA[>")
    beams = ""
    if info.beam_momenta is not None:
        lines = "".join(
            f'<beam id="{pid}" E="{p[0]:.16e}" px="{p[1]:.16e}" py="{p[2]:.16e}" pz="{p[3]:.16e}"/>\n'
            for pid, p in zip((11, -11), info.beam_momenta, strict=True)
        )
        beams = (
            "<!-- <init> gives the beam energies EBMUP only (beams along +-z by the LHE convention); "
            "the beams of this file cross at these lab-frame momenta [GeV], as in the events -->\n"
            f'<beams frame="{info.frame}">\n{lines}</beams>\n'
        )
    text = (
        '<LesHouchesEvents version="3.0">\n<header>\n'
        f'<darkstrahl version="{info.version}" process="{info.process}" frame="{info.frame}">\n'
        f"{beams}<card><![CDATA[\n{card}\n]]></card>\n</darkstrahl>\n</header>\n<init>\n"
        f" 11 -11 {e1:.16e} {e2:.16e} 0 0 0 0 {4 if info.weighted else 3} 1\n"
        f" {sigma_pb:.16e} {info.sigma_err_fb * FB_TO_PB:.16e} {sigma_pb:.16e} {info.lprup}\n"
        f'<generator name="darkstrahl" version="{info.version}">'
        "dark Higgs-strahlung at Belle II</generator>\n"
        "</init>\n"
    )
    return text.encode()


def write_lhe(
    path: str | Path,
    batches: Iterable[EventBatch],
    info: RunInfo,
    pdg_map: Mapping[int, int] | None = None,
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
            for chunk in render_chunks(batch, info, pdg_map):
                out.write(chunk)
            count += len(batch)
        out.write(b"</LesHouchesEvents>\n")
        if gz is not None:
            gz.close()
    return count
