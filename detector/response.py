"""Response matrices of the reference resolution method (physics.md section 3), built without storing copies.

The reference method replaces every event by N Gaussian copies, x -> x (1 + s(x) n), n ~ N(0, 1), with the
ECL relative resolution s. A scan needs only the expected histogram of each event, so:

* one smeared variable (m_chichi, phi channel): the limit N -> infinity is exact and analytic,
  R[i, k] = Phi((e_{k+1} - x_i) / sigma_i) - Phi((e_k - x_i) / sigma_i), sigma_i = x_i s(x_i), over the
  bins within 6 sigma (entries below 1e-12 dropped; the truncation x > 0 of the copies is 60 sigma away);
* sqrt(|v|) with E_gamma and m_chichi smeared independently (gamma-phi channel), the limit N -> infinity
  by a deterministic quadrature (issue 17, :func:`sqrt_v_response`): with a = E_gamma' - Ebar ~ N(mu_a,
  sigma_a) and b = m_chichi' - m_A' ~ N(mu_b, sigma_b) independent, sqrt(|v|) = sqrt(|a| |b|) and

      R[i, k] = int db N(b; mu_b, sigma_b) [G_a(e_{k+1}^2 / |b|) - G_a(e_k^2 / |b|)],
      G_a(x) = P(|a| < x) = [erf((x - mu_a) / (sqrt2 sigma_a)) + erf((x + mu_a) / (sqrt2 sigma_a))] / 2,

  the inner integral over a analytic, the outer one over b by Gauss-Hermite nodes (2, 4 or 8 for a ratio
  kappa of b's relative spread to a's below 0.1, 0.4 or above; the rule's error falls like kappa^(2 n)) or,
  where b's Gaussian reaches 0 (|mu_b| < 7 sigma_b: |b| changes fast near 0), by 16 Gauss-Legendre nodes
  on each side of b = 0 in the probability u = Phi((b - mu_b) / sigma_b), graded towards b = 0
  (x -> 1 - (1 - x)^2). The roles of a and b are swapped per event so that the analytic variable is the one
  with the larger relative spread (sigma / sqrt(mu^2 + sigma^2)): the outer integrand then varies on the
  scale of the outer Gaussian or slower. Against 40 / 64 nodes: every entry within 1e-3, histograms within
  2e-6 of their total (tests; docs/validation.md section 18), far below the copies' MC error;
* the reference method itself, N copies per event (:func:`sqrt_v_copies_response`, drawn with
  numpy.random.Generator in chunks and binned by a small numba kernel that emits the CSR matrix directly):
  kept as the check of the quadrature (equal within the copies' Monte Carlo error, tests).

The kernels evaluate Phi (and G_a = Phi((x - mu_a)/sigma_a) + Phi((x + mu_a)/sigma_a) - 1) with the table of
:mod:`darkstrahl.detector.normal_cdf` (1e-15 absolute, 4x faster than ``math.erfc``; issue 17).

The ``*_response`` functions return a scipy.sparse CSR matrix (events x bins) whose rows sum to the
fraction of the event inside the edges (of its copies, for the copy method); ``gaussian_histogram`` and
``sqrt_v_histogram`` return the dense histogram weights @ R (n_bins,) without storing R (a background needs
no more).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numba as nb
import numpy as np
from numpy.typing import NDArray
from scipy import sparse, special

from darkstrahl.detector.normal_cdf import normal_cdf
from darkstrahl.detector.resolution import ecl_relative_resolution
from darkstrahl.errors import ParameterError


@dataclass(frozen=True)
class SqrtV:
    """The observable sqrt(|v|) = sqrt(|(E_gamma - e_bar)(m_chichi - m_Ap)|) [GeV] of an m_A' hypothesis
    (physics.md section 4), in the form the detector can smear (E_gamma, m_chichi in GeV)."""

    m_Ap: float
    e_bar: float

    def __call__(self, e_gamma: NDArray, m_chichi: NDArray) -> NDArray:
        return np.sqrt(np.abs((e_gamma - self.e_bar) * (m_chichi - self.m_Ap)))


@nb.njit(cache=True, inline="always")
def _emit_row(
    row: NDArray,
    lo: int,
    hi: int,
    i: int,
    weights: NDArray,
    hist: NDArray,
    indptr: NDArray,
    indices: NDArray,
    data: NDArray,
    nnz: int,
) -> int:
    """Pass the entries row[lo..hi] above 1e-12 of event i on and clear them: into the CSR arrays, or, if
    ``weights`` is not empty, weights[i] x entry into the dense histogram ``hist`` (the product
    weights @ R in the order of the sparse one). Returns the new nnz."""
    dense = weights.shape[0] > 0
    for k in range(lo, hi + 1):
        if row[k] > 1e-12:
            if dense:
                hist[k] += row[k] * weights[i]
            else:
                indices[nnz] = k
                data[nnz] = row[k]
                nnz += 1
        row[k] = 0.0
    if not dense:
        indptr[i + 1] = nnz
    return nnz


@nb.njit(cache=True)
def _gaussian_rows(
    x: NDArray,
    sigma: NDArray,
    edges: NDArray,
    n_sigma: float,
    weights: NDArray,
    hist: NDArray,
    indptr: NDArray,
    indices: NDArray,
    data: NDArray,
) -> int:
    """Rows Phi((e_{k+1} - x_i)/sigma_i) - Phi((e_k - x_i)/sigma_i) within n_sigma, passed to
    :func:`_emit_row` (CSR, or the weighted dense histogram); returns nnz."""
    nb_ = edges.shape[0] - 1
    row = np.zeros(nb_)
    nnz = 0
    for i in range(x.shape[0]):
        lo = max(np.searchsorted(edges, x[i] - n_sigma * sigma[i], side="right") - 1, 0)
        hi = min(np.searchsorted(edges, x[i] + n_sigma * sigma[i], side="right") - 1, nb_ - 1)
        inv_s = 1.0 / sigma[i]
        prev = normal_cdf((edges[lo] - x[i]) * inv_s)
        for k in range(lo, hi + 1):
            cur = normal_cdf((edges[k + 1] - x[i]) * inv_s)
            row[k] = cur - prev
            prev = cur
        nnz = _emit_row(row, lo, hi, i, weights, hist, indptr, indices, data, nnz)
    return nnz


_NONE = np.empty(0)
_NO_INDEX = np.empty(0, dtype=np.int32)


def _csr_or_histogram(
    kernel: Callable[..., int], args: tuple, n: int, n_bins: int, per_event: int, weights: NDArray | None
) -> sparse.csr_matrix | NDArray:
    """Run a row kernel (``kernel(*args, weights, hist, indptr, indices, data)``): the CSR matrix
    (n x n_bins; at most ``per_event`` entries per row; int32 indices unless n x per_event exceeds them), or
    for ``weights`` (n,) the dense histogram weights @ R (n_bins,) without storing R."""
    if weights is not None:
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        if weights.shape != (n,):
            raise ParameterError("weights", f"must have one entry per event, shape ({n},)", weights.shape)
        hist = np.zeros(n_bins)
        kernel(*args, weights, hist, _NO_INDEX, _NO_INDEX, _NONE)
        return hist
    index = np.int32 if n * per_event <= np.iinfo(np.int32).max else np.int64  # scipy's choice too
    indptr = np.zeros(n + 1, dtype=index)
    indices = np.empty(n * per_event, dtype=index)
    data = np.empty(n * per_event)
    nnz = kernel(*args, _NONE, _NONE, indptr, indices, data)
    return sparse.csr_matrix((data[:nnz], indices[:nnz], indptr), shape=(n, n_bins))


def _gaussian(
    x: NDArray, sigma: NDArray, edges: NDArray, n_sigma: float, weights: NDArray | None
) -> sparse.csr_matrix | NDArray:
    edges = np.ascontiguousarray(edges, dtype=np.float64)
    sigma = np.ascontiguousarray(sigma, dtype=np.float64)
    width = float(np.min(np.diff(edges)))
    per_event = int(np.ceil(2 * n_sigma * float(np.max(sigma, initial=0.0)) / width)) + 2
    args = (np.ascontiguousarray(x, dtype=np.float64), sigma, edges, n_sigma)
    return _csr_or_histogram(_gaussian_rows, args, len(x), len(edges) - 1, per_event, weights)


def gaussian_response(x: NDArray, sigma: NDArray, edges: NDArray, n_sigma: float = 6.0) -> sparse.csr_matrix:
    """Bin fractions (events x bins, CSR) of Gaussians N(x_i, sigma_i) [GeV] over ``edges`` [GeV] within
    n_sigma (analytic; module docstring)."""
    return _gaussian(x, sigma, edges, n_sigma, None)


def gaussian_histogram(
    x: NDArray, sigma: NDArray, edges: NDArray, weights: NDArray, n_sigma: float = 6.0
) -> NDArray:
    """weights @ :func:`gaussian_response` (n_bins,) (units of ``weights``), without storing the matrix."""
    return _gaussian(x, sigma, edges, n_sigma, weights)


@nb.njit(cache=True)
def _bin_sqrt_v_copies(
    e: NDArray,
    m: NDArray,
    se: NDArray,
    sm: NDArray,
    m_ap: float,
    ebar: float,
    edges: NDArray,
    normals: NDArray,
    start: int,
    indptr: NDArray,
    indices: NDArray,
    data: NDArray,
    nnz: int,
) -> int:
    """Bin the copies of events start..start + len(normals) - 1 into CSR rows; returns the new nnz."""
    n_chunk, k = normals.shape[0], normals.shape[1]
    nb_ = edges.shape[0] - 1
    counts = np.zeros(nb_, dtype=np.int64)
    for c in range(n_chunk):
        i = start + c
        for j in range(k):
            ev = e[i] * (1.0 + se[i] * normals[c, j, 0])
            mv = m[i] * (1.0 + sm[i] * normals[c, j, 1])
            b = np.searchsorted(edges, np.sqrt(abs((ev - ebar) * (mv - m_ap))), side="right") - 1
            if 0 <= b < nb_:
                counts[b] += 1
        for b in range(nb_):
            if counts[b] > 0:
                indices[nnz] = b
                data[nnz] = counts[b] / k
                nnz += 1
                counts[b] = 0
        indptr[i + 1] = nnz
    return nnz


def sqrt_v_copies_response(
    e: NDArray,
    m: NDArray,
    m_ap: float,
    ebar: float,
    edges: NDArray,
    n_copies: int,
    rng: np.random.Generator,
    chunk: int = 5000,
) -> sparse.csr_matrix:
    """CSR response of sqrt(|v|) from ``n_copies`` reference-smeared copies of (E_gamma, m_chichi)
    per event."""
    n = len(e)
    se, sm = ecl_relative_resolution(e), ecl_relative_resolution(m)
    indptr = np.zeros(n + 1, dtype=np.int64)
    size = n * min(n_copies, len(edges) - 1)
    indices = np.empty(size, dtype=np.int64)
    data = np.empty(size)
    nnz = 0
    buf = np.empty((chunk, n_copies, 2), dtype=np.float32)  # 1.5 % smearing: float32 normals suffice
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        normals = buf[: stop - start]
        rng.standard_normal(out=normals, dtype=np.float32)
        nnz = _bin_sqrt_v_copies(e, m, se, sm, m_ap, ebar, edges, normals, start, indptr, indices, data, nnz)
    return sparse.csr_matrix((data[:nnz], indices[:nnz], indptr), shape=(n, len(edges) - 1))


#: Quadrature of the outer Gaussian in :func:`sqrt_v_response` (module docstring): Gauss-Hermite nodes where
#: it stays on one side of 0 (|mu| > SQRT_V_Z_SPLIT sigma: P(sign flip) < 1e-12), as many as the tier of
#: kappa (ratio of outer to inner relative spread, <= 1) asks: (kappa below, nodes); else Gauss-Legendre
#: nodes in the probability on each side of 0, graded towards 0 with power SQRT_V_GRADING.
SQRT_V_GH_TIERS: tuple[tuple[float, int], ...] = ((0.1, 2), (0.4, 4), (math.inf, 8))
SQRT_V_SPLIT_NODES = 16
SQRT_V_Z_SPLIT = 7.0
#: Grading power of the split Gauss-Legendre nodes towards b = 0.
SQRT_V_GRADING = 2


@nb.njit(cache=True, inline="always")
def _abs_gaussian_cdf(x: float, m: float, inv_s: float) -> float:
    """G(x) = P(|a| < x) = Phi((x - m) / sigma) + Phi((x + m) / sigma) - 1 for a ~ N(+-m, sigma), x >= 0,
    m >= 0, ``inv_s`` = 1 / sigma (the second term is exactly 0 once (x + m) / sigma passes the table)."""
    return normal_cdf((x - m) * inv_s) + (normal_cdf((x + m) * inv_s) - 1.0)


@nb.njit(cache=True)
def _sqrt_v_rows(
    mu_in: NDArray,
    s_in: NDArray,
    node_ptr: NDArray,
    outer: NDArray,
    weight: NDArray,
    edges: NDArray,
    n_sigma: float,
    weights: NDArray,
    hist: NDArray,
    indptr: NDArray,
    indices: NDArray,
    data: NDArray,
) -> int:
    """Rows of sqrt(|a b|): a ~ N(mu_in, s_in) integrated analytically, b at the quadrature nodes
    ``outer[node_ptr[i]:node_ptr[i + 1]]`` of event i with weights ``weight`` (same layout), passed to
    :func:`_emit_row` (CSR, or the weighted dense histogram); returns nnz."""
    nb_ = edges.shape[0] - 1
    e2 = edges * edges  # bin k of sqrt(|a b|) is e2[k] <= |a| |b| < e2[k + 1]
    row = np.zeros(nb_)
    nnz = 0
    for i in range(mu_in.shape[0]):
        m, sg = abs(mu_in[i]), s_in[i]  # G depends on |mu| only
        inv_s = 1.0 / sg
        x_lo = max(m - n_sigma * sg, 0.0)
        x_hi = m + n_sigma * sg
        k_min = nb_
        k_max = -1
        for j in range(node_ptr[i], node_ptr[i + 1]):
            b = abs(outer[j])
            w = weight[j]
            if w == 0.0:
                continue
            if b == 0.0:  # sqrt(|v|) = 0: the first bin
                row[0] += w
                k_min = 0
                k_max = max(k_max, 0)
                continue
            inv_b = 1.0 / b
            lo = max(np.searchsorted(e2, x_lo * b, side="right") - 1, 0)
            hi = min(np.searchsorted(e2, x_hi * b, side="right") - 1, nb_ - 1)
            prev = _abs_gaussian_cdf(e2[lo] * inv_b, m, inv_s) if lo > 0 else 0.0
            for k in range(lo, hi + 1):
                cur = _abs_gaussian_cdf(e2[k + 1] * inv_b, m, inv_s)
                row[k] += w * (cur - prev)
                prev = cur
            k_min = min(k_min, lo)
            k_max = max(k_max, hi)
        nnz = _emit_row(row, k_min, k_max, i, weights, hist, indptr, indices, data, nnz)
    return nnz


def _hermite_nodes(mu: NDArray, sigma: NDArray, n_gh: int) -> tuple[NDArray, NDArray]:
    """``n_gh`` Gauss-Hermite nodes (n, n_gh) and weights (n, n_gh) of the outer Gaussians N(mu, sigma)."""
    t, wt = np.polynomial.hermite_e.hermegauss(n_gh)
    return mu[:, None] + sigma[:, None] * t, np.broadcast_to(wt / math.sqrt(2 * math.pi), (len(mu), n_gh))


def _split_nodes(mu: NDArray, sigma: NDArray, n_split: int) -> tuple[NDArray, NDArray]:
    """``n_split`` Gauss-Legendre nodes per side of 0 in the probability of N(mu, sigma), graded towards 0
    (module docstring): nodes (n, 2 n_split) and weights (n, 2 n_split)."""
    x, wx = np.polynomial.legendre.leggauss(n_split)
    x, wx = (x + 1) / 2, wx / 2  # on [0, 1]
    # graded towards x = 1 (b = 0), where |b| changes fastest: x -> 1 - (1 - x)^p
    wx = wx * SQRT_V_GRADING * (1 - x) ** (SQRT_V_GRADING - 1)
    x = 1 - (1 - x) ** SQRT_V_GRADING
    z0 = -mu / sigma  # 0 in standard units
    below, above = special.ndtr(z0)[:, None], special.ndtr(-z0)[:, None]  # P(< 0), P(> 0)
    z = np.concatenate([special.ndtri(below * x), -special.ndtri(above * x[::-1])], axis=1)
    return mu[:, None] + sigma[:, None] * z, np.concatenate([below * wx, above * wx[::-1]], axis=1)


def _sqrt_abs_product(
    mu_a: NDArray,
    s_a: NDArray,
    mu_b: NDArray,
    s_b: NDArray,
    edges: NDArray,
    tiers: tuple[tuple[float, int], ...],
    n_split: int,
    n_sigma: float,
    weights: NDArray | None,
) -> sparse.csr_matrix | NDArray:
    mu_a, s_a, mu_b, s_b = (np.asarray(x, dtype=np.float64) for x in (mu_a, s_a, mu_b, s_b))
    edges = np.ascontiguousarray(edges, dtype=np.float64)
    rel_a, rel_b = s_a / np.hypot(mu_a, s_a), s_b / np.hypot(mu_b, s_b)
    a_inner = rel_a >= rel_b
    kappa = np.where(a_inner, rel_b / rel_a, rel_a / rel_b)  # outer / inner relative spread, <= 1
    mu_in, s_in = np.where(a_inner, mu_a, mu_b), np.where(a_inner, s_a, s_b)
    mu_out, s_out = np.where(a_inner, mu_b, mu_a), np.where(a_inner, s_b, s_a)
    # the quadrature rule of each event (module docstring): a Gauss-Hermite tier, or the split rule where
    # the outer Gaussian reaches 0; every event's nodes are a slice of one flat array (CSR-like offsets)
    split = np.abs(mu_out) < SQRT_V_Z_SPLIT * s_out
    rules: list[tuple[NDArray, int, bool]] = []
    lower = 0.0
    for upper, n_gh in tiers:
        rules.append((np.flatnonzero(~split & (kappa >= lower) & (kappa < upper)), n_gh, False))
        lower = upper
    rules.append((np.flatnonzero(split), 2 * n_split, True))
    count = np.zeros(len(mu_in), dtype=np.int64)
    for idx, q, _ in rules:
        count[idx] = q
    node_ptr = np.concatenate([[0], np.cumsum(count)])
    outer, weight = np.empty(node_ptr[-1]), np.empty(node_ptr[-1])
    for idx, q, is_split in rules:
        if idx.size:
            rule = _split_nodes if is_split else _hermite_nodes
            nodes, wts = rule(mu_out[idx], s_out[idx], n_split if is_split else q)
            at = node_ptr[idx][:, None] + np.arange(q)
            outer[at], weight[at] = nodes, wts
    args = (mu_in, s_in, node_ptr, outer, weight, edges, n_sigma)
    n_bins = len(edges) - 1
    return _csr_or_histogram(_sqrt_v_rows, args, len(mu_in), n_bins, n_bins, weights)


def sqrt_abs_product_response(
    mu_a: NDArray,
    s_a: NDArray,
    mu_b: NDArray,
    s_b: NDArray,
    edges: NDArray,
    tiers: tuple[tuple[float, int], ...] = SQRT_V_GH_TIERS,
    n_split: int = SQRT_V_SPLIT_NODES,
    n_sigma: float = 8.0,
) -> sparse.csr_matrix:
    """CSR matrix (events x bins) of P(e_k <= sqrt(|a b|) < e_{k+1}) for independent a ~ N(mu_a, s_a) and
    b ~ N(mu_b, s_b) (all (n,), GeV; ``edges`` (n_bins + 1,) [GeV] from 0): the quadrature of the module
    docstring (inner Gaussian analytic, truncated at ``n_sigma``; outer one with Gauss-Hermite nodes by the
    ``tiers`` of kappa, or ``n_split`` graded Gauss-Legendre nodes per side where it reaches 0).
    Symmetric in a <-> b."""
    return _sqrt_abs_product(mu_a, s_a, mu_b, s_b, edges, tiers, n_split, n_sigma, None)


def _sqrt_v_arguments(e: NDArray, m: NDArray, m_ap: float, ebar: float) -> tuple[NDArray, ...]:
    """(mu_a, sigma_a, mu_b, sigma_b) of sqrt(|v|): a = E_gamma - Ebar, b = m_chichi - m_A' with the ECL
    resolution [GeV]."""
    e = np.asarray(e, dtype=np.float64)
    m = np.asarray(m, dtype=np.float64)
    return e - ebar, e * ecl_relative_resolution(e), m - m_ap, m * ecl_relative_resolution(m)


def sqrt_v_response(
    e: NDArray, m: NDArray, m_ap: float, ebar: float, edges: NDArray, **quadrature: int | float
) -> sparse.csr_matrix:
    """CSR response (events x bins) of sqrt(|v|) = sqrt(|(E_gamma' - Ebar)(m_chichi' - m_A')|) [GeV] for
    the true E_gamma ``e`` (n,) and m_chichi ``m`` (n,) [GeV] smeared with the ECL resolution: the limit of
    infinitely many reference copies (:func:`sqrt_abs_product_response`; ``quadrature``: its node
    numbers). ``edges`` (n_bins + 1,) [GeV] start at 0."""
    return sqrt_abs_product_response(*_sqrt_v_arguments(e, m, m_ap, ebar), edges, **quadrature)  # type: ignore[arg-type]


def sqrt_v_histogram(
    e: NDArray,
    m: NDArray,
    m_ap: float,
    ebar: float,
    edges: NDArray,
    weights: NDArray,
    tiers: tuple[tuple[float, int], ...] = SQRT_V_GH_TIERS,
    n_split: int = SQRT_V_SPLIT_NODES,
    n_sigma: float = 8.0,
) -> NDArray:
    """weights @ :func:`sqrt_v_response` (n_bins,) (units of ``weights``), without storing the matrix."""
    args = _sqrt_v_arguments(e, m, m_ap, ebar)
    return _sqrt_abs_product(*args, edges, tiers, n_split, n_sigma, weights)  # type: ignore[return-value]
