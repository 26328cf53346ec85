"""Python API at the level of the command line.

>>> batch = darkstrahl.generate("b1", n=1000, seed=1)      # an EventBatch (centre-of-mass frame)
>>> p = batch.momenta_vector()                              # vector.MomentumNumpy4D, shape (n, k)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from darkstrahl.gen.events import EventBatch
from darkstrahl.gen.generator import make_generator
from darkstrahl.runcard import Card, build, load_card


def generate(
    card: str | Path | Card, n: int | None = None, seed: int | None = None, overrides: Iterable[str] = ()
) -> EventBatch:
    """Events of ``card`` (a built-in name, a path or a :class:`~darkstrahl.runcard.Card`): unweighted unless
    the card asks for weighted events; ``n`` and ``seed`` default to the card's. The card must pass the
    physics guards of the command line (:mod:`darkstrahl.runcard.guards`)."""
    from darkstrahl.runcard import guards

    c = card if isinstance(card, Card) else load_card(card, overrides)
    guards.check(c)
    n = c["run"]["n_events"] if n is None else n
    seed = c["run"]["seed"] if seed is None else seed
    gen = make_generator(build.process(c), seed, build.run_settings(c))
    events = gen.weighted(n) if c["output"]["weighted"] else gen.unweighted(n)
    return EventBatch.concatenate(list(events))
