"""The deterministic sqrt(|v|) response (issue 17) against the reference method's Gaussian copies, a closed
form, direct sampling and a many-node quadrature (detector/response.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from darkstrahl.analysis.point_histograms import observable
from darkstrahl.analysis.scan import PointKey, build_point
from darkstrahl.detector.response import sqrt_abs_product_response
from darkstrahl.errors import ParameterError
from darkstrahl.runcard import build, load_card

EDGES = np.array([0.0, 0.01, 0.03, 0.06, 0.1, 0.15, 0.22, 0.3, 0.45, 0.7, 1.0, 2.0])


def _hist(weights: np.ndarray, response) -> np.ndarray:
    return np.asarray(weights @ response).ravel()


def test_quadrature_equals_copies_on_a_reference_point() -> None:
    """Reference study, B1, m_A' = 4.5 GeV, gamma-phi: the signal histogram with the quadrature equals the one
    from 400 copies per event within the copies' MC error (var_k = sum_i w_i^2 p_ik (1 - p_ik) / N for fixed
    events)."""
    card = load_card("reference_study", ["analysis.n_events=3000"])
    settings = build.scan_settings(card)
    key = PointKey("B1", 4.5, "gamma_phi")
    point, _, rec = build_point(key, settings)
    obs = observable("gamma_phi", key.m_Ap, settings.sqrt_s)
    rec = dataclasses.replace(rec, n_copies=400)
    quad = rec.response(point.edges, obs)
    copies = rec.response(point.edges, obs, np.random.default_rng(17), method="copies")
    w = rec.event_weight
    h_q, h_c = _hist(w, quad), _hist(w, copies)
    p = quad.toarray()
    var = (w**2) @ (p * (1 - p)) / rec.n_copies
    ok = var > 0
    pulls = (h_c[ok] - h_q[ok]) / np.sqrt(var[ok])
    assert ok.sum() >= 10
    assert np.max(np.abs(pulls)) < 4.5, pulls
    assert np.mean(pulls**2) < 2.0, pulls  # chi^2 / bins
    np.testing.assert_allclose(np.asarray(quad.sum(axis=1)).ravel(), 1.0, atol=1e-9)  # edges hold all


@pytest.mark.parametrize(("mu_a", "s_a"), [(0.02, 0.05), (-0.4, 0.01), (0.0, 0.03)])
def test_closed_form_when_one_factor_is_sharp(mu_a: float, s_a: float) -> None:
    """b fixed at 0.7 GeV (sigma 1e-9): P(e_k <= sqrt(|a| 0.7) < e_k+1) = P(e_k^2/0.7 <= |a| < e_k+1^2/0.7);
    and the response is symmetric in a <-> b."""
    args = np.array([mu_a]), np.array([s_a]), np.array([0.7]), np.array([1e-9])
    r = sqrt_abs_product_response(*args, EDGES).toarray()[0]
    x = EDGES**2 / 0.7
    cdf = stats.norm.cdf(x, mu_a, s_a) - stats.norm.cdf(-x, mu_a, s_a)
    np.testing.assert_allclose(r, np.diff(cdf), atol=1e-10)
    swapped = sqrt_abs_product_response(args[2], args[3], args[0], args[1], EDGES).toarray()[0]
    np.testing.assert_allclose(swapped, r, atol=1e-15)


def _events(n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Gaussian pairs in every regime: both far from 0, one or both reaching 0, comparable spreads."""
    mu_a, mu_b = rng.uniform(-0.6, 0.6, n), rng.uniform(-0.6, 0.6, n)
    s_a, s_b = 10 ** rng.uniform(-2.5, -1, n), 10 ** rng.uniform(-2.5, -1, n)
    return mu_a, s_a, mu_b, s_b


def test_direct_sampling() -> None:
    """Per event, 2e5 sampled (a, b) pairs bin like the quadrature (binomial errors; 40 events x 11 bins)."""
    rng = np.random.default_rng(5)
    mu_a, s_a, mu_b, s_b = _events(40, rng)
    r = sqrt_abs_product_response(mu_a, s_a, mu_b, s_b, EDGES).toarray()
    n = 200_000
    worst = 0.0
    for i in range(len(mu_a)):
        a = rng.normal(mu_a[i], s_a[i], n)
        b = rng.normal(mu_b[i], s_b[i], n)
        counts = np.histogram(np.sqrt(np.abs(a * b)), EDGES)[0] / n
        err = np.sqrt(np.maximum(r[i] * (1 - r[i]), 1.0 / n) / n)
        worst = max(worst, float(np.max(np.abs(counts - r[i]) / err)))
    assert worst < 5.0  # 440 bins: P(max |pull| > 5) ~ 3e-4


def test_default_nodes_against_many_nodes() -> None:
    """The default rule against 40 Gauss-Hermite / 64 Gauss-Legendre nodes: every entry within 1e-3, the
    summed histogram within 2e-5 of its total (docs/validation.md section 18)."""
    mu_a, s_a, mu_b, s_b = _events(5000, np.random.default_rng(6))
    r = sqrt_abs_product_response(mu_a, s_a, mu_b, s_b, EDGES).toarray()
    ref = sqrt_abs_product_response(mu_a, s_a, mu_b, s_b, EDGES, tiers=((np.inf, 40),), n_split=64).toarray()
    assert np.max(np.abs(r - ref)) < 1e-3
    h, h_ref = r.sum(axis=0), ref.sum(axis=0)
    assert np.max(np.abs(h - h_ref)) < 2e-5 * h_ref.sum()


def test_unknown_method_is_refused() -> None:
    card = load_card("reference_study", ["analysis.n_events=300"])
    settings = build.scan_settings(card)
    point, _, rec = build_point(PointKey("B1", 4.5, "gamma_phi"), settings)
    with pytest.raises(ParameterError, match="method"):
        rec.response(point.edges, observable("gamma_phi", 4.5, settings.sqrt_s), method="vegas")


@pytest.mark.parametrize("channel", ["phi", "gamma_phi"])
def test_histogram_without_the_matrix_equals_weights_times_response(channel: str) -> None:
    """Reconstructed.histogram (the background's path: no response matrix stored) gives weights @ R for
    m_chichi and sqrt(|v|) -- bit for bit on x86-64 (same products, same order; 1e-15 allows a fused
    multiply-add elsewhere), so the scan's background histograms did not change (issue 17); a dropped entry
    would show far above that."""
    card = load_card("reference_study", ["analysis.n_events=2000"])
    settings = build.scan_settings(card)
    point, _, rec = build_point(PointKey("B2", 3.0, channel), settings)
    obs = observable(channel, 3.0, settings.sqrt_s)
    w = rec.event_weight * np.linspace(0.5, 1.5, len(rec.event_weight))  # not a constant: tests the pairing
    direct = rec.histogram(point.edges, obs, w)
    assert np.count_nonzero(direct) >= 5
    np.testing.assert_allclose(direct, _hist(w, rec.response(point.edges, obs)), rtol=1e-15, atol=0)
    # the signal's transposed product (a CSC view of the same arrays) equals the CSR transpose, bit for bit
    yields = point.event_yields(1e-4, 1e-4)
    assert np.array_equal(point.signal_hist(1e-4, 1e-4), point.response.T.tocsr() @ yields)
