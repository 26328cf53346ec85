"""Inverse of a vegas importance map, bit-identical to ``vegas.AdaptiveMap.invmap``, without binary search.

A vegas map (Lepage, J. Comput. Phys. 27 (1978) 192; vegas 6.4.1 ``AdaptiveMap``) is piecewise linear in each
direction d: with the ``ninc`` increments of widths ``inc[d, i] = grid[d, i+1] - grid[d, i]``,

    x(y) = grid[d, i] + inc[d, i] (y ninc - i),    i = floor(y ninc),    dx/dy = inc[d, i] ninc,

and the inverse is y(x) = (i + (x - grid[d, i]) / inc[d, i]) / ninc with i the increment holding x. vegas's
``invmap`` finds i with ``numpy.searchsorted(grid[d, :], x, side='right')`` (iy = number of nodes <= x,
i = iy - 1), O(log ninc) per point and the dominant cost of evaluating every channel's density at every point
in :class:`~darkstrahl.gen.sampler.MultiChannelSampler`. Here iy comes from an O(1) bucket lookup:
[grid0, grid[d, ninc]] (grid0 = grid[d, 0]) is cut into ``nbucket`` equal buckets,
b(v) = min(floor((v - grid0) s), nbucket - 1) with s = nbucket / (grid[d, ninc] - grid0), and
``starts[d, b]`` counts the nodes with b(node) < b. b(v) is monotone in v (IEEE subtraction, multiplication
by s > 0 and truncation are monotone), so every node counted in ``starts[d, b(x)]`` is < x; stepping forward
while grid[d, iy] <= x (and backward while grid[d, iy-1] > x, which the monotonicity makes a no-op) then
ends at exactly the searchsorted index, whatever the rounding of the bucket edges. The y and Jacobian
arithmetic is vegas's, in the same order (no fastmath), so results are equal bit for bit, which
``tests/test_vegas_kernels.py`` asserts against vegas itself.

:func:`foreign_density` applies the same lookup to the sampler's foreign points without building them: the
density 1 / (J_x J_V) of one channel at the other channels' points, the clipping to [0, 1], the assembly of
the point from the channel's x coordinates and the shared angles, and the scatter into the (n, C) density
array, in one pass (the numbers of the former numpy + vegas code, bit for bit).

Edge cases follow vegas: iy = 0 (x < grid0) gives y = 0 and dx/dy = inc[d, 0] ninc; iy = ninc + 1
(x >= grid[d, ninc], or x NaN, which searchsorted sorts last) gives y = 1 and dx/dy = inc[d, ninc-1] ninc.
"""

from __future__ import annotations

import numpy as np
import vegas
from numba import njit
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: buckets per vegas increment (1/8 node per bucket on average; 2 to 16 were measured within noise)
BUCKETS_PER_INCREMENT = 8


@njit(cache=True)
def _bucket_starts(grid: FloatArray, nbucket: int) -> tuple[FloatArray, FloatArray, NDArray[np.int64]]:
    """Per direction d: grid0[d], scale[d] = nbucket / (grid[d, -1] - grid0[d]) and starts[d, b]
    (dim, nbucket) = number of nodes of grid[d, :] whose bucket is < b (a lower bound of searchsorted
    side='right' for every x in bucket b)."""
    dim, nnode = grid.shape
    grid0 = np.empty(dim)
    scale = np.empty(dim)
    starts = np.zeros((dim, nbucket), dtype=np.int64)
    for d in range(dim):
        g0 = grid[d, 0]
        width = grid[d, nnode - 1] - g0
        s = nbucket / width if width > 0.0 else 0.0
        grid0[d] = g0
        scale[d] = s
        counts = np.zeros(nbucket + 1, dtype=np.int64)
        for k in range(nnode):
            t = (grid[d, k] - g0) * s
            b = min(int(t), nbucket - 1) if t >= 0.0 else 0
            counts[b + 1] += 1
        acc = 0
        for b in range(nbucket):
            acc += counts[b]
            starts[d, b] = acc
    return grid0, scale, starts


@njit(cache=True)
def inverse_jacobian_kernel(
    grid: FloatArray,
    inc: FloatArray,
    ninc: int,
    ux: FloatArray,
    u: FloatArray,
    rows: NDArray[np.int64],
    clip: bool,
    y: FloatArray,
    jac: FloatArray,
) -> None:
    """vegas's ``invmap`` of the vegas map (grid (dim, ninc+1), inc (dim, ninc), every direction with ``ninc``
    increments) at the m points v_k, k < m = jac.size: v_k[d] = ux[k, d] for d < nx = ux.shape[1] (clipped
    to [0, 1] as numpy.clip if ``clip``) and v_k[d] = u[rows[k], d] for d >= nx. Fills jac (m,) = dx/dy and,
    unless y is empty, y (m, dim), bit for bit as vegas. One kernel for :func:`invmap` (nx = dim) and
    :func:`foreign_density` (the lookup is written once; as a helper function it made both 2x slower)."""
    dim, nnode = grid.shape
    nx = ux.shape[1]
    write_y = y.shape[0] > 0
    nbucket = BUCKETS_PER_INCREMENT * ninc
    grid0, scale, starts = _bucket_starts(grid, nbucket)
    for k in range(jac.size):
        j = 1.0  # vegas: jac = 1, then jac *= dx_d/dy_d for d = 0, 1, ... (the same products in order)
        for d in range(dim):
            if d < nx:
                xi = ux[k, d]
                if clip:
                    xi = 0.0 if xi < 0.0 else (1.0 if xi > 1.0 else xi)  # numpy.clip; NaN stays NaN
            else:
                xi = u[rows[k], d]
            # iy = numpy.searchsorted(grid[d, :], xi, side='right'), the number of nodes <= xi
            if xi < grid0[d]:
                iy = 0  # grid[d, 0] is the smallest node
            elif xi >= grid[d, nnode - 1] or xi != xi:  # all nodes <= x; NaN sorts after every node
                iy = nnode
            else:
                iy = starts[d, min(int((xi - grid0[d]) * scale[d]), nbucket - 1)]
                while iy > 0 and grid[d, iy - 1] > xi:
                    iy -= 1
                while iy < nnode and grid[d, iy] <= xi:
                    iy += 1
            if iy > 0 and iy <= ninc:
                iyi = iy - 1
                if write_y:
                    y[k, d] = (iyi + (xi - grid[d, iyi]) / inc[d, iyi]) / ninc
                j *= inc[d, iyi] * ninc
            elif iy <= 0:
                if write_y:
                    y[k, d] = 0.0
                j *= inc[d, 0] * ninc
            else:
                if write_y:
                    y[k, d] = 1.0
                j *= inc[d, ninc - 1] * ninc
        jac[k] = j


def _uniform_ninc(amap: vegas.AdaptiveMap) -> int:
    """The number of increments of every direction of ``amap``, or 0 if they differ."""
    nincs = np.asarray(amap.ninc)
    return int(nincs[0]) if np.all(nincs == np.asarray(amap.grid).shape[1] - 1) else 0


def foreign_density(
    amap: vegas.AdaptiveMap,
    ux: FloatArray,
    u: FloatArray,
    rows: NDArray[np.int64],
    jx: FloatArray,
    density: FloatArray,
    c: int,
) -> None:
    """Fill density[rows, c] (density (n, C), C-contiguous) with 1 / (jx J_V), the density of channel c at
    the points ``rows`` of a batch: ux (m, nx) the channel's inverse phase-space map (clipped to [0, 1]), u
    (n, dim) the batch's unit-cube points (coordinates nx.. shared by all channels), jx (m,) the Jacobian of
    the channel's x map, J_V (m,) that of ``amap`` (see :func:`inverse_jacobian_kernel`)."""
    ninc = _uniform_ninc(amap)
    if ninc:
        jac = np.empty(rows.size)
        inverse_jacobian_kernel(
            np.asarray(amap.grid),
            np.asarray(amap.inc),
            ninc,
            np.ascontiguousarray(ux, dtype=np.float64),
            u,
            rows,
            True,
            np.empty((0, u.shape[1])),
            jac,
        )
    else:
        v = np.empty((rows.size, u.shape[1]))
        v[:, : ux.shape[1]] = np.clip(ux, 0.0, 1.0)
        v[:, ux.shape[1] :] = u[rows, ux.shape[1] :]
        jac = invmap(amap, v)[1]
    density[rows, c] = 1.0 / (jx * jac)


def invmap(amap: vegas.AdaptiveMap, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """y (n, dim) in [0, 1]^dim and the Jacobian dx/dy (n,) of ``amap`` at x (n, dim): the result of
    ``amap.invmap(x, y, jac)`` (vegas 6.4.1), bit for bit. The map's arrays are read at every call, so the
    result follows the map through its adaptation. A map whose directions have different numbers of
    increments (never built by the sampler) is passed to vegas itself."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.empty_like(x)
    jac = np.empty(x.shape[0])
    ninc = _uniform_ninc(amap)
    if ninc:
        rows = np.empty(0, dtype=np.int64)  # never read: nx = dim
        inverse_jacobian_kernel(np.asarray(amap.grid), np.asarray(amap.inc), ninc, x, x, rows, False, y, jac)
    else:
        amap.invmap(x, y, jac)
    return y, jac
