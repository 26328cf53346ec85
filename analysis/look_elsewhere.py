"""Global significance of a search over many windows: the look-elsewhere effect (next_wave.md 1.4).

A window w with background model B_w (:class:`~darkstrahl.analysis.bayes_limit.Background`) has the local
p-value p_w(N) = P(n >= N | B_w smeared) (:func:`~darkstrahl.analysis.bayes_limit.local_significance`),
non-increasing in the count N. Searching all windows for the smallest local p-value, the global p-value of a
local one p0 = 1 - Phi(z_local) is

    p_global = P(min_w p_w(N_w) <= p0 | background only) = P(N_w >= N*_w for some w),

with N*_w the smallest count whose local p-value is <= p0 (:func:`threshold_counts`; for z_local = 3.5 the
discovery count of the window). The counts N_w are correlated: one event falls into every window that holds
it (about 2.7 windows per event in the paper's lattice). Two estimates:

* :func:`toy_global_p`: background-only pseudo-experiments drawn from the simulated background events
  themselves, the Poisson process that the weighted sample describes: the total count ~ Poisson(sum_i w_i),
  each event i picked with probability w_i / sum w, and counted in every window that holds it. The fraction
  of toys with N_w >= N*_w somewhere, with its binomial error. It needs simulated events inside the windows
  (a window without any has no toy events: that part of the background is then missing from the toys).
* :func:`sidak_bound`: 1 - prod_w (1 - P_w), P_w = p_w(N*_w) <= p0: exact for independent windows and an
  upper bound for overlapping ones, whose counts are sums of independent Poisson terms with non-negative
  coefficients and hence associated (Esary, Proschan & Walkup, Ann. Math. Stat. 38 (1967) 1466), so that
  P(N_w < N*_w for all w) >= prod_w P(N_w < N*_w).

Z_global = Phi^-1(1 - p_global); the trials factor is p_global / p0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.stats import norm

from darkstrahl.errors import ParameterError

from .bayes_limit import Background, discovery_count, local_significance

#: Toys per batch of :func:`toy_global_p` (bounds the (toys x windows) count matrix), and the largest
#: expected number of drawn events per batch.
TOY_BATCH = 2000
TOY_DRAWS = 2_000_000


@dataclass(frozen=True)
class GlobalSignificance:
    """Local and global significance of one search (module docstring). ``p_global_err`` is the toys'
    binomial error (0 for the Sidak bound); ``method`` is ``"toys"`` or ``"sidak"``."""

    z_local: float
    p_local: float
    p_global: float
    p_global_err: float
    method: str
    n_windows: int
    n_toys: int = 0

    @property
    def z_global(self) -> float:
        """Phi^-1(1 - p_global) (-inf for p_global = 1, +inf for 0)."""
        return float(norm.isf(self.p_global))

    @property
    def trials_factor(self) -> float:
        """p_global / p_local."""
        return self.p_global / self.p_local


def threshold_counts(backgrounds: Sequence[Background], z_local: float) -> NDArray[np.int64]:
    """N*_w (windows,): the smallest count of each window with local significance >= ``z_local``."""
    return np.array([discovery_count(b, z_local) for b in backgrounds], dtype=np.int64)


def sidak_bound(
    backgrounds: Sequence[Background], z_local: float, counts: NDArray | None = None
) -> GlobalSignificance:
    """The Sidak upper bound on p_global for a local ``z_local`` over the windows of ``backgrounds``
    (module docstring): exact for independent windows. ``counts``: the :func:`threshold_counts` if known."""
    counts = threshold_counts(backgrounds, z_local) if counts is None else counts
    p_w = np.array([local_significance(int(n), b).p for n, b in zip(counts, backgrounds, strict=True)])
    p_global = float(-np.expm1(np.sum(np.log1p(-np.minimum(p_w, 1.0)))))
    return GlobalSignificance(z_local, float(norm.sf(z_local)), p_global, 0.0, "sidak", len(backgrounds))


def toy_global_p(
    membership: sparse.csr_matrix,
    weights: NDArray,
    counts: NDArray,
    n_toys: int,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """Fraction of background-only toys with N_w >= ``counts[w]`` in some window, and its binomial error
    (module docstring). ``membership`` (events x windows, boolean CSR): which windows hold each simulated
    event; ``weights`` (events,): expected data events per simulated event (>= 0)."""
    membership = sparse.csr_matrix(membership, dtype=bool)
    n_ev, n_win = membership.shape
    w = np.asarray(weights, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.int64)
    if w.shape != (n_ev,):
        raise ParameterError("weights", f"must have one entry per event, shape ({n_ev},)", w.shape)
    if not np.all(np.isfinite(w) & (w >= 0)):
        raise ParameterError("weights", "must be finite and >= 0 (events)", w)
    if counts.shape != (n_win,) or np.any(counts < 1):
        raise ParameterError("counts", f"must be integers >= 1, shape ({n_win},)", counts)
    if n_toys < 1:
        raise ParameterError("n_toys", "must be >= 1", n_toys)
    # only events inside some window matter: the Poisson process restricted to the union of the windows
    inside = np.flatnonzero(membership.getnnz(axis=1))
    membership, w = membership[inside], w[inside]
    n_ev = inside.size
    total = float(w.sum())
    cum = np.cumsum(w)
    batch = max(1, min(TOY_BATCH, int(TOY_DRAWS / max(total, 1.0))))
    hits = 0
    for start in range(0, n_toys, batch):
        size = min(batch, n_toys - start)
        n_per_toy = rng.poisson(total, size) if total > 0 else np.zeros(size, dtype=np.int64)
        toy = np.repeat(np.arange(size), n_per_toy)
        events = np.minimum(np.searchsorted(cum, rng.random(toy.size) * total, side="right"), n_ev - 1)
        rows = membership[events]  # one row per drawn event: the windows that hold it
        per_draw = np.diff(rows.indptr)
        table = np.bincount(np.repeat(toy, per_draw) * n_win + rows.indices, minlength=size * n_win)
        hits += int(np.any(table.reshape(size, n_win) >= counts, axis=1).sum())
    p = hits / n_toys
    return p, math.sqrt(max(p * (1.0 - p), 1.0 / n_toys) / n_toys)


def toy_global_significance(
    membership: sparse.csr_matrix,
    weights: NDArray,
    backgrounds: Sequence[Background],
    z_local: float,
    n_toys: int,
    rng: np.random.Generator,
    counts: NDArray | None = None,
) -> GlobalSignificance:
    """:func:`toy_global_p` at the threshold counts of ``z_local`` (module docstring; ``counts``: the
    :func:`threshold_counts` if known)."""
    counts = threshold_counts(backgrounds, z_local) if counts is None else counts
    p, err = toy_global_p(membership, weights, counts, n_toys, rng)
    return GlobalSignificance(z_local, float(norm.sf(z_local)), p, err, "toys", len(backgrounds), n_toys)
