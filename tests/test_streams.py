"""Issue 12 item 7: random sub-streams per purpose and per event block (gen/streams.py). The first N events
of a run (hard process, phi decays, detector vertices) must not depend on the total number requested."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from darkstrahl.events_out import EventWriterConfig, event_stream
from darkstrahl.gen.events import EventBatch
from darkstrahl.gen.generator import make_generator
from darkstrahl.gen.sampler import SamplerSettings
from darkstrahl.gen.streams import substream
from darkstrahl.runcard import build, load_card

FAST = [
    "--set=run.n_points=4000",
    "--set=run.n_pilot=2000",
    "--set=run.chunk_size=300",
    "--set=beams.isr=false",
]


def _card(*extra: str):
    return load_card("b1", [o.removeprefix("--set=") for o in (*FAST, *extra)])


#: a small sampler: 8000 adaptation points, hard blocks of 400 points (~340 accepted: several blocks per run)
SMALL = SamplerSettings(n_iterations=2, n_per_iteration=4000, batch=400)


def _gen(card):
    settings = dataclasses.replace(build.run_settings(card), sampler=SMALL)
    return make_generator(build.process(card), 11, settings)


def _events(card, n: int, weighted: bool) -> EventBatch:
    gen = _gen(card)
    stream = gen.weighted(n) if weighted else gen.unweighted(n)
    return EventBatch.concatenate(list(stream))


@pytest.mark.parametrize("weighted", [False, True])
def test_first_events_do_not_depend_on_n(weighted: bool) -> None:
    """Same seed, n = 250 and n = 700 (several chunks of 300): the first 250 events agree bit for bit,
    including the phi decay products and decay times (the decays used the generator's stream before)."""
    card = _card()
    short, long_ = _events(card, 250, weighted), _events(card, 700, weighted)
    assert len(short) == 250 and len(long_) == 700
    for name in ("momenta", "pdg", "weights", "ct_mm", "decay_mode", "helicities"):
        np.testing.assert_array_equal(getattr(short, name), getattr(long_, name)[:250], err_msg=name)
    assert np.any(short.decay_mode != short.decay_mode[0])  # decays really happened (several modes)


def test_detector_vertices_do_not_depend_on_n() -> None:
    """The displaced vertices of the detector step (HepMC3 / lab frame) of the first events agree too."""
    card = _card()
    config = EventWriterConfig(fmt="hepmc3", frame="lab")

    def vertices(n: int) -> np.ndarray:
        gen = _gen(card)
        return np.concatenate([v for _, v, _ in event_stream(card, n, 11, config, gen)])

    a, b = vertices(120), vertices(400)
    assert a.shape[0] == 120 and b.shape[0] == 400
    np.testing.assert_array_equal(a, b[:120])


def test_substreams_differ_by_purpose_and_block() -> None:
    """Distinct purposes and blocks give distinct numbers; the same (seed, purpose, block) the same ones;
    a SeedSequence seed (scan tasks) keeps its own spawn key."""
    draw = lambda *a: substream(*a).random(4)  # noqa: E731
    assert np.array_equal(draw(5, "decay", 0), draw(5, "decay", 0))
    assert not np.array_equal(draw(5, "decay", 0), draw(5, "decay", 1))
    assert not np.array_equal(draw(5, "decay", 0), draw(5, "detector", 0))
    child = np.random.SeedSequence(5).spawn(1)[0]
    assert not np.array_equal(draw(child, "decay", 0), draw(5, "decay", 0))
    with pytest.raises(ValueError, match="purpose"):
        substream(5, "hard", 0)


def test_same_seed_same_events() -> None:
    """Same card and seed -> the same events bit for bit; another seed -> other decays."""
    card = _card()
    a, b = _events(card, 100, False), _events(card, 100, False)
    np.testing.assert_array_equal(a.momenta, b.momenta)
    np.testing.assert_array_equal(a.ct_mm, b.ct_mm)
