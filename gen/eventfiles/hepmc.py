"""HepMC3 event files (ASCII, through pyhepmc, the optional extra ``darkstrahl[hepmc3]``).

The same events as the LHE writer (:mod:`.lhe`), with vertices: the beams (status 4) meet at
the hard vertex at the origin; intermediate resonances (status 2) decay at the origin; every long-lived
particle of the layout (status 2 when decayed) decays at its displaced vertex, given per event as
(x, y, z, c t) in mm in the frame of the momenta, one per long-lived slot (the detector step supplies them:
:meth:`darkstrahl.detector.belle2.Belle2.simulate`). Units GeV and mm; the event
weight is in pb (sigma x event weight for unweighted events, as in the LHE files); the run carries the
cross section. A path ending in ``.gz`` is gzip-compressed (pyhepmc reads it back transparently).
"""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from numpy.typing import NDArray

from darkstrahl.errors import DarkstrahlError
from darkstrahl.files import atomic_path

from ..events import EventBatch
from .lhe import FB_TO_PB, RunInfo, event_arrays

HEPMC_STATUS = {-1: 4, 1: 1, 2: 2}


def _require_pyhepmc():
    try:
        import pyhepmc
    except ImportError:  # pragma: no cover - depends on the installation
        raise DarkstrahlError("HepMC3 output needs pyhepmc: pip install 'darkstrahl[hepmc3]'") from None
    return pyhepmc


def write_hepmc3(
    path: str | Path,
    chunks: Iterable[tuple[EventBatch, NDArray | None] | tuple[EventBatch, NDArray | None, NDArray | None]],
    info: RunInfo,
    pdg_map: Mapping[int, int] | None = None,
    force: bool = False,
) -> int:
    """Write (batch, decay vertices (n, L, 4) of the L long-lived slots or None[, ISR photons (n, 2, 4) or
    None]) chunks to ``path`` atomically; returns the events written. With ISR photons the hard vertex takes
    the nominal beams (incoming e+- plus their photon) and emits the two collinear photons as final-state
    particles along the beams, so that a detector simulation sees them go down the beam pipe."""
    hep = _require_pyhepmc()
    count = 0
    with atomic_path(path, force=force) as tmp:
        run = hep.GenRunInfo()
        run.tools = [("darkstrahl", info.version, "dark Higgs-strahlung at Belle II")]
        run.weight_names = ["Default"]
        sigma_pb = info.sigma_fb * FB_TO_PB
        with _ascii_writer(hep, tmp, run, compressed=str(path).endswith(".gz")) as writer:
            for chunk in chunks:
                batch, vertices = chunk[0], chunk[1]
                photons = chunk[2] if len(chunk) > 2 else None
                for event in _events(hep, batch, vertices, info, pdg_map, run, sigma_pb, count, photons):
                    writer.write(event)
                count += len(batch)
    return count


@contextlib.contextmanager
def _ascii_writer(hep, tmp: Path, run, compressed: bool) -> Iterator[Any]:
    """pyhepmc's ASCII writer on ``tmp``; gzip-compressed (level 1, no time stamp, so the same card and seed
    give the same bytes, as for LHE) when ``compressed`` (a path ending in .gz, issue 12 item 6)."""
    if not compressed:
        with hep.io.WriterAscii(str(tmp), run) as writer:
            yield writer
        return
    from pyhepmc._core import pyiostream

    with (
        open(tmp, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0) as gz,
    ):
        ios = pyiostream(gz)
        writer = hep.io.WriterAscii(ios, run)
        try:
            yield writer
        finally:
            writer.close()
            ios.flush()


def _events(
    hep,
    batch: EventBatch,
    vertices: NDArray | None,
    info: RunInfo,
    pdg_map: Mapping[int, int] | None,
    run,
    sigma_pb: float,
    offset: int,
    photons: NDArray | None = None,
):
    arr = event_arrays(batch, pdg_map)
    layout = batch.layout
    rows = layout.rows
    # row of each long-lived slot -> its column in ``vertices``
    displaced = {layout.row_of_slot(ll.slot): c for c, ll in enumerate(layout.long_lived)}
    weights = batch.weights * (FB_TO_PB if batch.weighted else sigma_pb)
    for i in range(len(batch)):
        ev = hep.GenEvent(hep.Units.GEV, hep.Units.MM)
        ev.run_info = run
        ev.event_number = offset + i
        ev.weights = [float(weights[i])]
        xs = hep.GenCrossSection()
        xs.set_cross_section(sigma_pb, info.sigma_err_fb * FB_TO_PB)
        ev.cross_section = xs
        parts = []
        for r in range(len(rows)):
            if not arr["present"][i, r]:
                parts.append(None)
                continue
            px, py, pz, e = arr["p"][i, r, 1], arr["p"][i, r, 2], arr["p"][i, r, 3], arr["p"][i, r, 0]
            part = hep.GenParticle(
                hep.FourVector(px, py, pz, e), int(arr["ids"][i, r]), HEPMC_STATUS[int(arr["status"][i, r])]
            )
            part.generated_mass = float(arr["mass"][i, r])
            parts.append(part)
        hard = hep.GenVertex(hep.FourVector(0.0, 0.0, 0.0, 0.0))
        beam_rows = [r for r in range(len(rows)) if rows[r].mothers == (0, 0)]
        for k, r in enumerate(beam_rows):
            if photons is not None:  # the nominal beam: the reduced e+- plus its collinear photon
                parts[r].momentum = hep.FourVector(
                    *(arr["p"][i, r, [1, 2, 3, 0]] + photons[i, k, [1, 2, 3, 0]])
                )
            hard.add_particle_in(parts[r])
        if photons is not None:
            for k in range(photons.shape[1]):
                px, py, pz, e = photons[i, k, 1], photons[i, k, 2], photons[i, k, 3], photons[i, k, 0]
                hard.add_particle_out(hep.GenParticle(hep.FourVector(px, py, pz, e), 22, 1))
        ev.add_vertex(hard)
        decay_vertices: dict[int, object] = {}
        for r in range(len(rows)):
            if parts[r] is None or rows[r].mothers == (0, 0):
                continue
            m1 = rows[r].mothers[0]
            if rows[m1 - 1].mothers == (0, 0):
                hard.add_particle_out(parts[r])
                continue
            mother = m1 - 1
            if mother not in decay_vertices:
                pos = (0.0, 0.0, 0.0, 0.0)
                if mother in displaced and vertices is not None:
                    pos = tuple(float(v) for v in vertices[i, displaced[mother]])
                vtx = hep.GenVertex(hep.FourVector(*pos))
                vtx.add_particle_in(parts[mother])
                ev.add_vertex(vtx)
                decay_vertices[mother] = vtx
            decay_vertices[mother].add_particle_out(parts[r])
        yield ev


__all__ = ["write_hepmc3"]
