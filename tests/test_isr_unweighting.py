"""Channel weights retuned for unweighting with ISR (gen/channel_weights.py): the reweighted
w_max against the plain one, the importance-reweighted efficiency against a closed form, and that only ISR
processes are retuned (Born sampling, and so Born events, unchanged)."""

from __future__ import annotations

import numpy as np
import pytest

from darkstrahl.gen.channel_weights import unweighting_alphas
from darkstrahl.gen.event_stream import choose_w_max
from darkstrahl.gen.generator import EventGenerator, RunSettings
from darkstrahl.gen.isr_process import IsrProcess
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.sampler import Sample, SamplerSettings
from darkstrahl.gen.signal_process import SignalProcess


@pytest.mark.parametrize("eps", [0.0, 1e-4, 1e-2, 0.3])
def test_choose_w_max_with_unit_counts_is_the_plain_rule(eps: float) -> None:
    w = np.random.default_rng(4).lognormal(0.0, 1.0, 5000)
    w[::7] = 0.0
    assert choose_w_max(w, eps, np.ones_like(w)) == choose_w_max(w, eps)


def test_retuned_efficiency_of_a_two_channel_toy() -> None:
    """x in [0, 1], f = 2x (integral 1), channels g1 = 1 and g2 = 2x, drawn with alpha = (0.9, 0.1). Under
    alpha' the weight 2x/(a1 + 2 a2 x) peaks at x = 1, so with max_overweight = 0 the efficiency is
    (a1 + 2 a2)/2 = (1 + a2)/2 (<w'> = 1): the best mixing is the last one, a2 = 0.05 0.1 + 0.95 0.5."""
    rng = np.random.default_rng(5)
    n = 200_000
    alphas = np.array([0.9, 0.1])
    ch = rng.random(n) < alphas[1]
    x = np.where(ch, np.sqrt(rng.random(n)), rng.random(n))
    parts = np.column_stack([alphas[0] * np.ones(n), alphas[1] * 2 * x])
    g = parts.sum(axis=1)
    smp = Sample(np.zeros((n, 1, 4)), 2 * x / g, ch.astype(np.int64), x[:, None], parts / g[:, None])
    new, eff = unweighting_alphas(smp, alphas, 0.0)
    a2 = 0.05 * 0.1 + 0.95 * 0.5
    assert new == pytest.approx([1 - a2, a2], abs=1e-12)
    # the largest sampled x is within ~1e-5 of 1; the sample mean of w carries the MC error ~1e-3
    assert eff == pytest.approx((1 + a2) / 2, rel=5e-3)


def test_only_isr_unweighting_retunes_the_channel_weights() -> None:
    """Born: prepare_unweighting keeps the Kleiss-Pittau weights (Born events unchanged). ISR: the cross
    section is computed before the retuning (unchanged), and the retuned weights promise at least the
    efficiency of the Kleiss-Pittau ones, which are a candidate (lambda = 0)."""
    quick = SamplerSettings(n_iterations=3, n_per_iteration=20_000)
    settings = RunSettings(n_points=20_000, n_pilot=20_000, sampler=quick)
    hard = SignalProcess("gamma_phi", DarkModel.from_benchmark("B1", 3.0), sqrt_s=10.58)
    born = EventGenerator(hard, 1, settings)
    born.adapt()
    kp = born.sampler.alphas.copy()
    born.prepare_unweighting()
    assert np.array_equal(born.sampler.alphas, kp)
    isr = EventGenerator(IsrProcess(hard), 1, settings)
    sigma = isr.cross_section()
    kp = isr.sampler.alphas.copy()
    state = isr.rng.bit_generator.state
    smp = isr.sampler.sample(settings.n_pilot)  # the sample prepare_unweighting draws next
    isr.rng.bit_generator.state = state
    new, eff = unweighting_alphas(smp, kp, settings.max_overweight)
    isr.prepare_unweighting()
    assert isr.cross_section() is sigma
    assert np.array_equal(isr.sampler.alphas, new)
    assert eff >= smp.weights.mean() / choose_w_max(smp.weights, settings.max_overweight)
    assert new.sum() == pytest.approx(1.0) and np.all(new > 0)


@pytest.mark.parametrize(("process", "target"), [("phi", 0.50), ("gamma_phi", 0.20)])
def test_unweighting_efficiency_with_isr_meets_the_issue_target(process: str, target: float) -> None:
    """Issue 13 item 5 at the hardest point, B1 at m_A' = 1.2 GeV with ISR, default run settings, seed 1:
    <w>/w_max >= 0.50 (phi) and >= 0.20 (gamma_phi) over 20000 unweighted events (measured 0.60 and 0.455,
    docs/validation.md section 21; the binomial error of the acceptance rate is ~0.003). Fails with a single
    Q^2 channel for phi (0.458 for this seed; 0.45-0.51 for seeds 1-3) or with the former ISR channel-weight
    floor of 0.1 (gamma_phi 0.187 for this seed)."""
    hard = SignalProcess(process, DarkModel.from_benchmark("B1", 1.2), sqrt_s=10.58)
    gen = EventGenerator(IsrProcess(hard), 1, RunSettings())
    assert sum(len(b) for b in gen.unweighted(20_000)) == 20_000
    assert gen.stats.efficiency >= target, gen.stats.efficiency
