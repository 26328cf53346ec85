"""Quadrature rules for the nuisance integrals of the Bayesian limits (next_wave.md 1.4 and 2.3).

* Gaussian nuisances: Gauss-Hermite rule of the standard normal (probabilists' Hermite polynomials,
  weight exp(-z^2/2)), normalised so that the weights sum to one. Exact for polynomials of degree 2n - 1.
* Gamma-distributed background (flat-prior posterior of an MC count, Gamma(N_MC + 1, w)): Gauss rule of the
  generalised Laguerre weight x^alpha e^-x with alpha = N_MC, built with the Golub-Welsch algorithm from
  the three-term recurrence of the monic polynomials,
  x p_k = p_{k+1} + (2k + alpha + 1) p_k + k (k + alpha) p_{k-1}
  (Abramowitz & Stegun 22.7.12). The symmetric tridiagonal Jacobi matrix stays well conditioned for any
  alpha (its eigenvalues sit at alpha + 1 +- O(sqrt(alpha))), unlike the explicit polynomial roots, so the
  same code covers N_MC = 0 and N_MC = 10^9.
* Truncation ``1 + delta >= 0`` of a relative Gaussian uncertainty (next_wave.md 1.4) drops the nodes that
  violate it and renormalises the remaining weights (a truncated, renormalised prior).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from numpy.typing import NDArray
from scipy.linalg import eigh_tridiagonal

from darkstrahl.errors import ParameterError

#: Smallest and largest node counts chosen by :func:`node_count`.
N_MIN, N_MAX = 16, 96


def node_count(width_ratio: float, n_min: int = N_MIN, n_max: int = N_MAX) -> int:
    """Heuristic node count for integrating a Poisson-like factor against a nuisance density.

    ``width_ratio`` = (relative width of the nuisance) / (relative width of the Poisson factor),
    i.e. r sqrt(N + 1) for a relative Gaussian uncertainty r and N observed events. When it is large the
    Poisson factor is narrow on the scale of the nuisance and more nodes are needed; 16 + 8 x ratio nodes
    (at most 96) keep the limits stable to 1e-6 relative against twice the nodes
    (tests/test_bayes_limit.py)."""
    return int(min(n_max, n_min + math.ceil(8.0 * max(width_ratio, 0.0))))


def normal_nodes(n: int) -> tuple[NDArray, NDArray]:
    """Nodes z and weights (summing to 1) of the n-point Gauss-Hermite rule for N(0, 1)."""
    if n < 1:
        raise ParameterError("quadrature.n", "need at least one node", n)
    z, w = hermegauss(n)
    keep = w > 0  # far-tail weights underflow for large n
    return z[keep], w[keep] / w[keep].sum()


def relative_gaussian_nodes(rel: float, n: int) -> tuple[NDArray, NDArray]:
    """Nodes of 1 + delta, delta ~ N(0, rel^2) truncated at 1 + delta > 0 (weights renormalised).

    A single node at 1 (weight 1) when ``rel`` = 0."""
    if rel < 0 or not math.isfinite(rel):
        raise ParameterError("quadrature.rel", "relative uncertainty must be finite and >= 0", rel)
    if rel == 0:
        return np.ones(1), np.ones(1)
    z, w = normal_nodes(n)
    scale = 1.0 + rel * z
    keep = scale > 0
    return scale[keep], w[keep] / w[keep].sum()


def correlated_relative_nodes(
    rel_1: float, rel_2: float, corr: float, n: int
) -> tuple[NDArray, NDArray, NDArray]:
    """Nodes (1 + delta_1, 1 + delta_2) and weights of a 2-D Gaussian with standard deviations rel_1, rel_2
    and correlation ``corr``, truncated at 1 + delta_i > 0
    (next_wave.md 1.4: "N2(delta_e, delta_b; 0, Sigma)").

    Built as delta_1 = rel_1 z_1, delta_2 = rel_2 (corr z_1 + sqrt(1 - corr^2) z_2) on the product rule of
    two independent Gauss-Hermite rules (the Cholesky factor of Sigma). If either uncertainty is 0 the
    correlation is irrelevant and the rule collapses to one dimension."""
    if not -1.0 <= corr <= 1.0:
        raise ParameterError("systematics.corr", "correlation must lie in [-1, 1]", corr)
    if rel_1 == 0 or rel_2 == 0:
        s1, w1 = relative_gaussian_nodes(rel_1, n)
        s2, w2 = relative_gaussian_nodes(rel_2, n)
        g1, g2 = np.meshgrid(s1, s2, indexing="ij")
        return g1.ravel(), g2.ravel(), np.outer(w1, w2).ravel()
    z, w = normal_nodes(n)
    z1, z2 = np.meshgrid(z, z, indexing="ij")
    s1 = 1.0 + rel_1 * z1.ravel()
    s2 = 1.0 + rel_2 * (corr * z1.ravel() + math.sqrt(max(0.0, 1.0 - corr * corr)) * z2.ravel())
    ww = np.outer(w, w).ravel()
    keep = (s1 > 0) & (s2 > 0)
    return s1[keep], s2[keep], ww[keep] / ww[keep].sum()


def gamma_nodes(shape: float, scale: float, n: int) -> tuple[NDArray, NDArray]:
    """Nodes and weights (summing to 1) of the n-point Gauss rule for Gamma(shape, scale), shape >= 1.

    Golub-Welsch on the generalised Laguerre recurrence with alpha = shape - 1 (module docstring).
    Exact for moments up to degree 2n - 1: sum w x = shape scale, sum w x^2 = shape (shape + 1) scale^2."""
    if shape < 1 or not math.isfinite(shape):
        raise ParameterError("quadrature.shape", "gamma shape must be finite and >= 1", shape)
    if scale < 0:
        raise ParameterError("quadrature.scale", "gamma scale must be >= 0", scale)
    if n < 1:
        raise ParameterError("quadrature.n", "need at least one node", n)
    alpha = shape - 1.0
    k = np.arange(n, dtype=np.float64)
    diag = 2.0 * k + alpha + 1.0
    off = np.sqrt(k[1:] * (k[1:] + alpha))
    if n == 1:
        return np.array([shape * scale]), np.ones(1)
    x, vec = eigh_tridiagonal(diag, off)
    w = vec[0] ** 2
    keep = w > 0  # far-tail weights underflow for large n
    return x[keep] * scale, w[keep] / w[keep].sum()
