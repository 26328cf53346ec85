"""Random sub-streams per purpose and per event block (issue 12 item 7).

A run's random numbers come from one seed (an int, or a :class:`numpy.random.SeedSequence` such as a scan
task's). The hard process (adaptation, integration, pilot, the event draws and their accept-reject) uses the
root stream ``default_rng(seed)``; its blocks have a fixed size (the sampler's batch for unweighted events,
``run.chunk_size`` for weighted ones), so its numbers never depend on the number of events requested. Every
other purpose draws from its own stream per block of events,

    SeedSequence(entropy of seed, spawn_key = (*spawn_key of seed, STREAM_TAG, purpose, block)),

with purpose an index into :data:`PURPOSES` and ``block`` the index of the hard-process block (decays) or of
the block of :data:`DETECTOR_BLOCK` output events (detector step). The first N events of a run are then the
same whatever the total ``-n`` (users extend samples): tests/test_streams.py.
"""

from __future__ import annotations

import numpy as np

PURPOSES: tuple[str, ...] = ("decay", "detector")  #: purposes with their own sub-streams
STREAM_TAG = 0x5AB5  #: keeps these spawn keys apart from SeedSequence.spawn() children (one element longer)
DETECTOR_BLOCK = 4096  #: events per detector block (the last block is padded to this size, then trimmed)


def root_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    """The SeedSequence of ``seed`` (an int >= 0 or a SeedSequence, returned as is)."""
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)


def substream(seed: int | np.random.SeedSequence, purpose: str, block: int) -> np.random.Generator:
    """The generator of ``purpose`` for event block ``block`` of the run seeded by ``seed``."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown random-stream purpose {purpose!r}; one of {PURPOSES}")
    root = root_sequence(seed)
    key = (*root.spawn_key, STREAM_TAG, PURPOSES.index(purpose), int(block))
    return np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=key))
