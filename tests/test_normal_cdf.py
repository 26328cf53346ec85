"""The tabulated standard normal CDF of the response kernels (detector/normal_cdf.py, issue 17)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from darkstrahl.detector.normal_cdf import TABLE_HALF_WIDTH, normal_cdf_array
from darkstrahl.detector.response import gaussian_histogram, gaussian_response
from darkstrahl.errors import ParameterError


def test_table_matches_ndtr_to_double_precision() -> None:
    """Quintic Hermite interpolation: |Phi_table - ndtr| <= 1e-14 on [-9, 9] (the interpolation bound is
    ~1e-15; a wrong basis polynomial or derivative scale gives errors of 1e-6 or more), including the nodes,
    the cell midpoints and the clamped tails."""
    rng = np.random.default_rng(7)
    h = 1.0 / 64
    nodes = -TABLE_HALF_WIDTH + h * np.arange(int(2 * TABLE_HALF_WIDTH * 64) + 1)
    t = np.concatenate([rng.uniform(-9.0, 9.0, 200_000), nodes, nodes[:-1] + h / 2, [-20.0, 20.0, 0.0]])
    err = np.abs(normal_cdf_array(t) - special.ndtr(t))
    assert err.max() <= 1e-14, (err.max(), t[np.argmax(err)])
    assert np.isnan(normal_cdf_array(np.array([np.nan]))[0])  # NaN in, NaN out (the table is not indexed)


def test_table_is_monotone_and_symmetric() -> None:
    """Phi is non-decreasing along a fine grid up to one rounding unit of 1 (2.2e-16; bin fractions below
    1e-12 are dropped by the kernels) and Phi(-t) = 1 - Phi(t)."""
    t = np.linspace(-9.0, 9.0, 400_001)
    phi = normal_cdf_array(t)
    assert np.diff(phi).min() >= -np.finfo(float).eps
    np.testing.assert_allclose(phi + phi[::-1], 1.0, rtol=0, atol=2e-15)


def test_gaussian_response_rows_are_normal_bin_fractions() -> None:
    """gaussian_response (the m_chichi response of the scans) against scipy's Phi differences over the
    edges: every entry within 1e-14 inside the 6 sigma window, zero outside it (the dropped tails are below
    Phi(-6) = 1e-9), rows summing to the fraction inside the edges; gaussian_histogram = weights @ R."""
    rng = np.random.default_rng(11)
    x = rng.uniform(0.3, 9.5, 500)
    sigma = rng.uniform(0.005, 0.2, 500)
    edges = np.linspace(0.0, 10.0, 401)
    r = gaussian_response(x, sigma, edges).toarray()
    exact = np.diff(special.ndtr((edges[None, :] - x[:, None]) / sigma[:, None]), axis=1)
    lo, hi = edges[:-1][None, :], edges[1:][None, :]
    window = (hi > x[:, None] - 6 * sigma[:, None]) & (lo < x[:, None] + 6 * sigma[:, None])
    assert np.max(np.abs(r - exact)[window]) < 1e-14
    assert np.all(r[~window] == 0.0) and np.max(exact[~window]) < 1e-8
    inside = special.ndtr((edges[-1] - x) / sigma) - special.ndtr((edges[0] - x) / sigma)
    np.testing.assert_allclose(r.sum(axis=1), inside, rtol=0, atol=2e-9)
    w = rng.uniform(0.0, 2.0, 500)
    hist = gaussian_histogram(x, sigma, edges, w)
    # the same products summed in the same order: equal bit for bit on x86-64 (a fused multiply-add in
    # scipy's compiled product on other CPUs may change the last bit)
    np.testing.assert_allclose(hist, w @ gaussian_response(x, sigma, edges), rtol=1e-15, atol=0)
    with pytest.raises(ParameterError, match="weights"):  # one weight per event, or the kernel reads past w
        gaussian_histogram(x, sigma, edges, w[:-1])
