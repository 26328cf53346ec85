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

All return a scipy.sparse CSR matrix (events x bins) whose rows sum to the fraction of the event inside
the edges (of its copies, for the copy method).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np
from numpy.typing import NDArray
from scipy import sparse, special

from darkstrahl.detector.resolution import ecl_relative_resolution


@dataclass(frozen=True)
class SqrtV:
    """The observable sqrt(|v|) = sqrt(|(E_gamma - e_bar)(m_chichi - m_Ap)|) [GeV] of an m_A' hypothesis
    (physics.md section 4), in the form the detector can smear (E_gamma, m_chichi in GeV)."""

    m_Ap: float
    e_bar: float

    def __call__(self, e_gamma: NDArray, m_chichi: NDArray) -> NDArray:
        return np.sqrt(np.abs((e_gamma - self.e_bar) * (m_chichi - self.m_Ap)))


@nb.njit(cache=True)
def _gaussian_rows(
    x: NDArray,
    sigma: NDArray,
    edges: NDArray,
    n_sigma: float,
    indptr: NDArray,
    indices: NDArray,
    data: NDArray,
) -> int:
    nb_ = edges.shape[0] - 1
    nnz = 0
    for i in range(x.shape[0]):
        lo = max(np.searchsorted(edges, x[i] - n_sigma * sigma[i], side="right") - 1, 0)
        hi = min(np.searchsorted(edges, x[i] + n_sigma * sigma[i], side="right") - 1, nb_ - 1)
        prev = 0.5 * math.erfc(-(edges[lo] - x[i]) / (sigma[i] * math.sqrt(2.0)))
        for k in range(lo, hi + 1):
            cur = 0.5 * math.erfc(-(edges[k + 1] - x[i]) / (sigma[i] * math.sqrt(2.0)))
            if cur - prev > 1e-12:
                indices[nnz] = k
                data[nnz] = cur - prev
                nnz += 1
            prev = cur
        indptr[i + 1] = nnz
    return nnz


def gaussian_response(x: NDArray, sigma: NDArray, edges: NDArray, n_sigma: float = 6.0) -> sparse.csr_matrix:
    """Bin fractions of Gaussians N(x_i, sigma_i) over ``edges`` within n_sigma (analytic; module
    docstring)."""
    n = len(x)
    width = float(np.min(np.diff(edges)))
    per_event = int(np.ceil(2 * n_sigma * float(np.max(sigma)) / width)) + 2
    indptr = np.zeros(n + 1, dtype=np.int64)
    indices = np.empty(n * per_event, dtype=np.int64)
    data = np.empty(n * per_event)
    nnz = _gaussian_rows(
        np.ascontiguousarray(x, dtype=np.float64),
        np.ascontiguousarray(sigma, dtype=np.float64),
        np.ascontiguousarray(edges, dtype=np.float64),
        n_sigma,
        indptr,
        indices,
        data,
    )
    return sparse.csr_matrix((data[:nnz], indices[:nnz], indptr), shape=(n, len(edges) - 1))


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


@nb.njit(cache=True)
def _abs_gaussian_cdf(x: float, m: float, r: float, one_sided: bool) -> float:
    """G(x) = P(|a| < x) for a ~ N(+-m, sigma), x >= 0, m >= 0, r = 1 / (sqrt2 sigma); ``one_sided``
    (m r > 6.5): erf((x + m) r) = 1 in double precision."""
    if one_sided:
        return 0.5 * (math.erf((x - m) * r) + 1.0)
    return 0.5 * (math.erf((x - m) * r) + math.erf((x + m) * r))


@nb.njit(cache=True)
def _sqrt_v_rows(
    mu_in: NDArray,
    s_in: NDArray,
    outer: NDArray,
    weight: NDArray,
    edges: NDArray,
    n_sigma: float,
    indptr: NDArray,
    indices: NDArray,
    data: NDArray,
) -> int:
    """CSR rows of sqrt(|a b|): a ~ N(mu_in, s_in) integrated analytically, b at the quadrature nodes
    ``outer`` (n, q) with weights ``weight`` (n, q); returns nnz."""
    nb_ = edges.shape[0] - 1
    e2 = edges * edges  # bin k of sqrt(|a b|) is e2[k] <= |a| |b| < e2[k + 1]
    row = np.zeros(nb_)
    nnz = 0
    for i in range(mu_in.shape[0]):
        m, sg = abs(mu_in[i]), s_in[i]  # G depends on |mu| only
        r = 1.0 / (sg * math.sqrt(2.0))
        one_sided = m * r > 6.5
        x_lo = max(m - n_sigma * sg, 0.0)
        x_hi = m + n_sigma * sg
        k_min = nb_
        k_max = -1
        for j in range(outer.shape[1]):
            b = abs(outer[i, j])
            w = weight[i, j]
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
            prev = _abs_gaussian_cdf(e2[lo] * inv_b, m, r, one_sided) if lo > 0 else 0.0
            for k in range(lo, hi + 1):
                cur = _abs_gaussian_cdf(e2[k + 1] * inv_b, m, r, one_sided)
                row[k] += w * (cur - prev)
                prev = cur
            k_min = min(k_min, lo)
            k_max = max(k_max, hi)
        for k in range(k_min, k_max + 1):
            if row[k] > 1e-12:
                indices[nnz] = k
                data[nnz] = row[k]
                nnz += 1
            row[k] = 0.0
        indptr[i + 1] = nnz
    return nnz


def _hermite_nodes(
    mu: NDArray, sigma: NDArray, kappa: NDArray, tiers: tuple[tuple[float, int], ...]
) -> tuple[NDArray, NDArray]:
    """Gauss-Hermite nodes (n, q) and weights (n, q) of the outer Gaussians N(mu, sigma), as many as ``tiers``
    give for the ratio ``kappa`` of the relative spreads (module docstring); unused slots weigh 0."""
    q = max(k for _, k in tiers)
    nodes = np.zeros((len(mu), q))
    weight = np.zeros((len(mu), q))
    lower = 0.0
    for upper, n_gh in tiers:
        tier = (kappa >= lower) & (kappa < upper)
        lower = upper
        if np.any(tier):
            t, wt = np.polynomial.hermite_e.hermegauss(n_gh)
            nodes[tier, :n_gh] = mu[tier, None] + sigma[tier, None] * t
            weight[tier, :n_gh] = wt / math.sqrt(2 * math.pi)
    return nodes, weight


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


def _rows(
    mu_in: NDArray, s_in: NDArray, nodes: NDArray, weight: NDArray, edges: NDArray, n_sigma: float
) -> sparse.csr_matrix:
    n = len(mu_in)
    indptr = np.zeros(n + 1, dtype=np.int64)
    indices = np.empty(n * (len(edges) - 1), dtype=np.int64)
    data = np.empty(n * (len(edges) - 1))
    nnz = _sqrt_v_rows(mu_in, s_in, nodes, weight, edges, n_sigma, indptr, indices, data)
    return sparse.csr_matrix((data[:nnz], indices[:nnz], indptr), shape=(n, len(edges) - 1))


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
    mu_a, s_a, mu_b, s_b = (np.asarray(x, dtype=np.float64) for x in (mu_a, s_a, mu_b, s_b))
    edges = np.ascontiguousarray(edges, dtype=np.float64)
    rel_a, rel_b = s_a / np.hypot(mu_a, s_a), s_b / np.hypot(mu_b, s_b)
    a_inner = rel_a >= rel_b
    kappa = np.where(a_inner, rel_b / rel_a, rel_a / rel_b)  # outer / inner relative spread, <= 1
    mu_in, s_in = np.where(a_inner, mu_a, mu_b), np.where(a_inner, s_a, s_b)
    mu_out, s_out = np.where(a_inner, mu_b, mu_a), np.where(a_inner, s_b, s_a)
    split = np.abs(mu_out) < SQRT_V_Z_SPLIT * s_out
    if not np.any(split):
        nodes, weight = _hermite_nodes(mu_out, s_out, kappa, tiers)
        return _rows(mu_in, s_in, nodes, weight, edges, n_sigma)
    # the few events whose outer Gaussian reaches 0 get their own (wider) node arrays; rows back in order
    parts, order = [], []
    for idx in (np.flatnonzero(~split), np.flatnonzero(split)):
        if idx.size:
            if split[idx[0]]:
                nodes, weight = _split_nodes(mu_out[idx], s_out[idx], n_split)
            else:
                nodes, weight = _hermite_nodes(mu_out[idx], s_out[idx], kappa[idx], tiers)
            parts.append(_rows(mu_in[idx], s_in[idx], nodes, weight, edges, n_sigma))
            order.append(idx)
    stacked = sparse.vstack(parts, format="csr")
    return stacked[np.argsort(np.concatenate(order), kind="stable")]


def sqrt_v_response(
    e: NDArray, m: NDArray, m_ap: float, ebar: float, edges: NDArray, **quadrature: int | float
) -> sparse.csr_matrix:
    """CSR response (events x bins) of sqrt(|v|) = sqrt(|(E_gamma' - Ebar)(m_chichi' - m_A')|) [GeV] for
    the true E_gamma ``e`` (n,) and m_chichi ``m`` (n,) [GeV] smeared with the ECL resolution: the limit of
    infinitely many reference copies (:func:`sqrt_abs_product_response`; ``quadrature``: its node
    numbers). ``edges`` (n_bins + 1,) [GeV] start at 0."""
    e = np.asarray(e, dtype=np.float64)
    m = np.asarray(m, dtype=np.float64)
    return sqrt_abs_product_response(
        e - ebar,
        e * ecl_relative_resolution(e),
        m - m_ap,
        m * ecl_relative_resolution(m),
        edges,
        **quadrature,  # type: ignore[arg-type]
    )
