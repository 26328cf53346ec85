"""The O(1) inverse vegas map (gen/vegas_kernels.py: ``invmap`` and the sampler's ``foreign_density``) against
vegas's own ``AdaptiveMap.invmap``, bit for bit (np.array_equal, never allclose: the kernel must change the
speed of the sampler, not one of its numbers), and a short generation that gives identical events with
either implementation."""

from __future__ import annotations

import numpy as np
import pytest
import vegas

from darkstrahl.gen.event_stream import RunSettings
from darkstrahl.gen.events import EventBatch
from darkstrahl.gen.generator import make_generator
from darkstrahl.gen.sampler import SamplerSettings
from darkstrahl.gen.vegas_kernels import foreign_density, invmap
from darkstrahl.runcard import build, load_card


def _trained_map(limits: list[tuple[float, float]], ninc: int, width: float, seed: int) -> vegas.AdaptiveMap:
    """A vegas map adapted (8 iterations) to a Gaussian peak of relative ``width`` at 0.3 of each range,
    so that its increments span orders of magnitude (narrow widths crowd many nodes into one bucket)."""
    rng = np.random.default_rng(seed)
    amap = vegas.AdaptiveMap([list(lim) for lim in limits], ninc=ninc)
    lo = np.array([a for a, _ in limits])
    span = np.array([b - a for a, b in limits])
    for _ in range(8):
        y = rng.random((20_000, len(limits)))
        x, jac = np.empty_like(y), np.empty(len(y))
        amap.map(y, x, jac)
        f = np.exp(-((((x - lo) / span - 0.3) / width) ** 2)).prod(axis=1) + 1e-6
        amap.add_training_data(y, (f * jac) ** 2)
        amap.adapt(alpha=1.5)
    return amap


def _vegas_invmap(amap: vegas.AdaptiveMap, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.ascontiguousarray(x)
    y, jac = np.empty_like(x), np.empty(len(x))
    amap.invmap(x, y, jac)
    return y, jac


def _probe_points(amap: vegas.AdaptiveMap, rng: np.random.Generator) -> np.ndarray:
    """Random points over and beyond the range, every grid node exactly and its two float neighbours, the
    range ends, +-0, +-inf and NaN, each coordinate drawn independently from that pool (n, dim)."""
    grid = np.asarray(amap.grid)
    dim = grid.shape[0]
    columns = []
    for d in range(dim):
        g0, g1 = grid[d, 0], grid[d, -1]
        nodes = grid[d]
        pool = np.concatenate(
            [
                g0 + (g1 - g0) * rng.uniform(-0.2, 1.2, 20_000),
                g0 + (g1 - g0) * rng.random(20_000) ** 6 * 0.6,  # crowded around the peak's nodes
                nodes,
                np.nextafter(nodes, -np.inf),
                np.nextafter(nodes, np.inf),
                [0.0, -0.0, 1.0, g0, g1, -np.inf, np.inf, np.nan, g0 - 1.0, g1 + 1.0],
            ]
        )
        columns.append(rng.permutation(np.concatenate([pool, pool[::-1]])))
    n = min(len(c) for c in columns)
    return np.ascontiguousarray(np.stack([c[:n] for c in columns], axis=1))


@pytest.mark.parametrize(
    ("limits", "ninc", "width"),
    [
        ([(0.0, 1.0)] * 5, 200, 0.02),  # the sampler's maps: [0, 1]^d, 200 increments
        ([(0.0, 1.0)] * 2, 200, 2e-3),  # narrow peak: increments from ~1e-5 to ~0.05
        ([(-2.0, 3.0), (0.1, 0.2), (1e3, 1e5)], 37, 0.05),  # other ranges, an odd number of increments
        ([(0.0, 1.0)] * 2, 1, 0.1),  # a single increment
    ],
)
def test_invmap_bit_identical_to_vegas(limits: list[tuple[float, float]], ninc: int, width: float) -> None:
    amap = _trained_map(limits, ninc, width, seed=len(limits) + ninc)
    x = _probe_points(amap, np.random.default_rng(ninc))
    y_ref, jac_ref = _vegas_invmap(amap, x)
    y, jac = invmap(amap, x)
    assert np.array_equal(y, y_ref, equal_nan=True)
    assert np.array_equal(jac, jac_ref, equal_nan=True)
    assert np.any(np.isnan(x))  # the pool reached NaN, inf and out-of-range coordinates
    assert np.any(y == 0.0) and np.any(y == 1.0)


def test_invmap_crowded_and_repeated_nodes() -> None:
    """A hand-made grid with 100 nodes within 1e-13 of each other (all in one bucket, so the lookup steps
    across them) and repeated nodes (zero-width increments, which side='right' never selects)."""
    rng = np.random.default_rng(3)
    nodes = np.sort(
        np.concatenate([np.linspace(0.0, 1.0, 60), 0.3 + 1e-15 * np.arange(100), [0.6, 0.6, 0.6, 0.7, 0.7]])
    )
    other = np.sort(np.concatenate([[0.0, 1.0], rng.random(nodes.size - 2) ** 3]))
    amap = vegas.AdaptiveMap([nodes.tolist(), other.tolist()])
    assert np.min(np.asarray(amap.inc)) == 0.0
    x = _probe_points(amap, rng)
    x[: nodes.size, 0] = nodes
    x[nodes.size : 2 * nodes.size, 0] = 0.3 + rng.random(nodes.size) * 2e-13
    y_ref, jac_ref = _vegas_invmap(amap, x)
    y, jac = invmap(amap, x)
    assert np.array_equal(y, y_ref, equal_nan=True)
    assert np.array_equal(jac, jac_ref, equal_nan=True)


def test_invmap_inverts_map_and_follows_adaptation() -> None:
    """y(x(y)) = y up to rounding and the Jacobians agree (the map the kernel inverts is vegas's); after one
    more adaptation the kernel still equals vegas (it reads the new grid, nothing is cached)."""
    amap = _trained_map([(0.0, 1.0)] * 4, 200, 0.05, seed=9)
    rng = np.random.default_rng(10)
    y0 = rng.random((50_000, 4))
    x, jac_map = np.empty_like(y0), np.empty(len(y0))
    amap.map(y0, x, jac_map)
    y, jac = invmap(amap, x)
    assert np.allclose(y, y0, rtol=0, atol=1e-12)  # rounding of x = grid + inc dy only
    assert np.allclose(jac, jac_map, rtol=1e-12, atol=0)  # same increment, except at rounding-shifted edges
    amap.add_training_data(y0, np.exp(-(((x - 0.7) / 0.01) ** 2)).prod(axis=1) + 1e-6)
    amap.adapt(alpha=1.0)
    y_ref, jac_ref = _vegas_invmap(amap, x)
    y, jac = invmap(amap, x)
    assert np.array_equal(y, y_ref) and np.array_equal(jac, jac_ref)


def test_unequal_increments_fall_back_to_vegas() -> None:
    amap = vegas.AdaptiveMap([[0.0, 0.5, 1.0], [0.0, 0.1, 0.3, 1.0]])
    x = np.random.default_rng(2).uniform(-0.1, 1.1, (1000, 2))
    y_ref, jac_ref = _vegas_invmap(amap, x)
    y, jac = invmap(amap, x)
    assert np.array_equal(y, y_ref) and np.array_equal(jac, jac_ref)


@pytest.mark.parametrize("unequal", [False, True])
def test_foreign_density_equals_vegas_path(unequal: bool) -> None:
    """density[rows, c] = 1 / (jx J_V(clip(ux), u[rows, nx:])) as the sampler computed it with vegas (clip,
    assemble, ``invmap``, divide), for ux inside, outside [0, 1] and NaN; other cells untouched."""
    rng = np.random.default_rng(4)
    nx, dim, n = 3, 5, 4000
    if unequal:  # directions with different numbers of increments: vegas itself
        amap = vegas.AdaptiveMap([[*np.sort(rng.random(k)).tolist(), 0.0, 1.0] for k in (5, 9, 3, 7, 4)])
    else:
        amap = _trained_map([(0.0, 1.0)] * dim, 200, 0.03, seed=11)
    u = rng.random((n, dim))
    rows = np.sort(rng.choice(n, 3000, replace=False))
    ux = rng.uniform(-0.1, 1.1, (rows.size, nx))
    ux[:20, 0] = np.nan
    nodes = np.asarray(amap.grid)[1, : min(20, amap.ninc[1] + 1)]
    ux[20 : 20 + nodes.size, 1] = nodes
    jx = rng.uniform(0.5, 2.0, rows.size)
    v = np.empty((rows.size, dim))
    v[:, :nx] = np.clip(ux, 0.0, 1.0)
    v[:, nx:] = u[rows, nx:]
    ref = np.full((n, 3), -1.0)
    ref[rows, 1] = 1.0 / (jx * _vegas_invmap(amap, v)[1])
    density = np.full((n, 3), -1.0)
    foreign_density(amap, ux, u, rows, jx, density, 1)
    assert np.array_equal(density, ref, equal_nan=True)
    assert np.isnan(density[rows[0], 1]) == np.isnan(ref[rows[0], 1])


def _generate(card: str, vegas_invmap: bool) -> tuple[list[float], EventBatch]:
    settings = RunSettings(
        n_points=20_000,
        n_pilot=10_000,
        chunk_size=5_000,
        sampler=SamplerSettings(n_iterations=3, n_per_iteration=10_000, batch=10_000),
    )
    gen = make_generator(build.process(load_card(card)), 5, settings)
    gen.sampler._vegas_invmap = vegas_invmap
    batch = EventBatch.concatenate(list(gen.unweighted(5_000)))
    return [gen.sigma.mean, *gen.sampler.alphas], batch


@pytest.mark.parametrize("card", ["bkg_mumu"])
def test_generation_identical_to_vegas_invmap(card: str) -> None:
    """Same seed, same events: adaptation, cross section, pilot and unweighted events of an ISR process with
    several channels (every point's density under every channel's map) are equal bit for bit."""
    numbers_ref, ref = _generate(card, vegas_invmap=True)
    numbers, new = _generate(card, vegas_invmap=False)
    assert numbers == numbers_ref
    assert len(new) == len(ref) == 5_000
    assert np.array_equal(new.momenta, ref.momenta)
    assert np.array_equal(new.weights, ref.weights)
    assert np.array_equal(new.pdg, ref.pdg)


def test_kleiss_pittau_step_has_equal_channel_variances_as_fixed_point() -> None:
    """At unequal alphas with W_c = <(g_c/g) w^2> equal in every channel the step keeps the alphas (the
    variance-stationary point); otherwise each alpha_c moves by sqrt(W_c); the floor is applied last."""
    from darkstrahl.gen.sampler import kleiss_pittau_update

    alphas = np.array([0.7, 0.2, 0.1])
    g_own = np.array([[2.0, 0.5, 1.0], [0.5, 3.0, 2.0], [1.0, 1.0, 4.0]])  # g_c at three points
    ratio = g_own / (g_own @ alphas)[:, None]  # g_c/g
    w2 = np.linalg.solve(ratio.T, np.full(3, 3.0))  # point weights with W_c = 1 in every channel
    assert np.all(w2 > 0)
    share = alphas * ratio
    np.testing.assert_allclose(kleiss_pittau_update(alphas, share, w2, 0.0), alphas, rtol=1e-12)
    w2b = np.array([4.0, 1.0, 0.5])
    w_c = np.mean(ratio * w2b[:, None], axis=0)
    expected = alphas * np.sqrt(w_c)
    np.testing.assert_allclose(
        kleiss_pittau_update(alphas, share, w2b, 0.0), expected / expected.sum(), rtol=1e-14
    )
    floored = kleiss_pittau_update(alphas, np.array([[1.0, 0.0, 0.0]]), np.array([1.0]), 0.05)
    assert floored.min() == pytest.approx(0.05 / 1.1, rel=1e-12)
