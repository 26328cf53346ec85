"""Channel weights retuned for unweighting with ISR (gen/generator.py ``unweighting_alphas``): the reweighted
w_max against the plain one, the importance-reweighted efficiency against a closed form, and that only ISR
processes are retuned (Born sampling, and so Born events, unchanged)."""

from __future__ import annotations

import numpy as np
import pytest

from darkstrahl.gen.channel_weights import unweighting_alphas, weighted_w_max
from darkstrahl.gen.event_stream import choose_w_max
from darkstrahl.gen.generator import EventGenerator, RunSettings
from darkstrahl.gen.isr_process import IsrProcess
from darkstrahl.gen.model import DarkModel
from darkstrahl.gen.sampler import Sample, SamplerSettings
from darkstrahl.gen.signal_process import SignalProcess


@pytest.mark.parametrize("eps", [0.0, 1e-4, 1e-2, 0.3])
def test_weighted_w_max_with_unit_ratios_is_choose_w_max(eps: float) -> None:
    w = np.random.default_rng(4).lognormal(0.0, 1.0, 5000)
    w[::7] = 0.0
    assert weighted_w_max(w, np.ones_like(w), eps) == choose_w_max(w, eps)


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


def test_only_isr_generation_retunes_the_channel_weights() -> None:
    settings = RunSettings(
        n_points=2, n_pilot=20_000, sampler=SamplerSettings(n_iterations=3, n_per_iteration=20_000)
    )
    hard = SignalProcess("gamma_phi", DarkModel.from_benchmark("B1", 3.0), sqrt_s=10.58)
    born = EventGenerator(hard, 1, settings)
    born.adapt()
    ref = EventGenerator(hard, 1, settings).sampler
    ref.adapt()
    assert np.array_equal(born.sampler.alphas, ref.alphas)  # Born: the Kleiss-Pittau weights, untouched
    isr = EventGenerator(IsrProcess(hard), 1, settings)
    isr.sampler.adapt()
    kp = isr.sampler.alphas.copy()
    smp = isr.sampler.sample(20_000)
    new, eff = unweighting_alphas(smp, kp, 1e-4)
    sigma = smp.weights.mean()
    assert eff >= sigma / choose_w_max(smp.weights, 1e-4)  # the Kleiss-Pittau weights are a candidate
    assert new.sum() == pytest.approx(1.0) and np.all(new > 0)
