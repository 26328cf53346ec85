"""HepMC3 event files (ASCII, through pyhepmc, the optional extra ``darkstrahl[hepmc3]``).

The same events as the LHE writer (:mod:`.lhe`), with vertices: the beams (status 4) meet at
the hard vertex at the origin; intermediate A' (status 2) decay at the origin; phi (status 2 when decayed)
decays at its displaced vertex, given per event as (x, y, z, c t) in mm in the frame of the momenta (the
detector step supplies it: :meth:`darkstrahl.detector.belle2.Belle2.simulate`). Units GeV and mm; the event
weight is in pb (sigma x event weight for unweighted events, as in the LHE files); the run carries the
cross section.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from numpy.typing import NDArray

from darkstrahl.errors import DarkstrahlError
from darkstrahl.files import atomic_path

from ..events import EventBatch
from .lhe import DEFAULT_PDG, FB_TO_PB, PdgIds, RunInfo, _event_arrays, _layout

HEPMC_STATUS = {-1: 4, 1: 1, 2: 2}


def _require_pyhepmc():
    try:
        import pyhepmc
    except ImportError:  # pragma: no cover - depends on the installation
        raise DarkstrahlError("HepMC3 output needs pyhepmc: pip install 'darkstrahl[hepmc3]'") from None
    return pyhepmc


def write_hepmc3(
    path: str | Path,
    chunks: Iterable[tuple[EventBatch, NDArray | None]],
    info: RunInfo,
    pdg: PdgIds = DEFAULT_PDG,
    force: bool = False,
) -> int:
    """Write (batch, phi decay vertices (n, 4) or None) chunks to ``path`` atomically; returns the events."""
    hep = _require_pyhepmc()
    count = 0
    with atomic_path(path, force=force) as tmp:
        run = hep.GenRunInfo()
        run.tools = [("darkstrahl", info.version, "dark Higgs-strahlung at Belle II")]
        run.weight_names = ["Default"]
        sigma_pb = info.sigma_fb * FB_TO_PB
        with hep.io.WriterAscii(str(tmp), run) as writer:
            for batch, vertices in chunks:
                for event in _events(hep, batch, vertices, info, pdg, run, sigma_pb, count):
                    writer.write(event)
                count += len(batch)
    return count


def _events(
    hep,
    batch: EventBatch,
    vertices: NDArray | None,
    info: RunInfo,
    pdg: PdgIds,
    run,
    sigma_pb: float,
    offset: int,
):
    arr = _event_arrays(batch, info, pdg)
    rows, moth, _ = _layout(batch)
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
        hard.add_particle_in(parts[0])
        hard.add_particle_in(parts[1])
        ev.add_vertex(hard)
        decay_vertices: dict[int, object] = {}
        for r in range(2, len(rows)):
            if parts[r] is None:
                continue
            m1 = moth[r][0]
            if m1 == 1:
                hard.add_particle_out(parts[r])
                continue
            mother = m1 - 1
            if mother not in decay_vertices:
                is_phi = mother == _phi_row(batch)
                pos = (0.0, 0.0, 0.0, 0.0)
                if is_phi and vertices is not None:
                    x, y, z, ct = (float(v) for v in vertices[i])
                    pos = (x, y, z, ct)
                vtx = hep.GenVertex(hep.FourVector(*pos))
                vtx.add_particle_in(parts[mother])
                ev.add_vertex(vtx)
                decay_vertices[mother] = vtx
            decay_vertices[mother].add_particle_out(parts[r])
        yield ev


def _phi_row(batch: EventBatch) -> int:
    """Index of phi's row in the record of :func:`darkstrahl.gen.eventfiles.lhe._layout`."""
    rows, _, _ = _layout(batch)
    return next(r for r, slots in enumerate(rows) if slots == (batch.phi_index,))


__all__ = ["write_hepmc3"]
