"""Punzi figure of merit and cut choice (next_wave.md 1.2 cut 9, 1.3 item 5)."""

from __future__ import annotations

import numpy as np
import pytest

from darkstrahl.analysis.punzi import (
    PUNZI_A_DEFAULT,
    PUNZI_A_SEED002,
    choose_cut,
    cut_efficiency_and_background,
    optimise_cut,
    punzi_a,
    punzi_fom,
)
from darkstrahl.errors import ParameterError


def test_fom_values():
    assert punzi_fom(0.5, 4.0, 2.0) == pytest.approx(0.5 / 3.0, rel=1e-15)
    assert punzi_fom(1.0, 0.0, 5.0) == pytest.approx(0.4, rel=1e-15)
    assert punzi_fom([0.2, 0.4], [1.0, 9.0], 2.0) == pytest.approx([0.1, 0.1], rel=1e-15)
    assert PUNZI_A_DEFAULT == pytest.approx(1.6448536, rel=1e-7) == punzi_a(0.95)
    assert punzi_a(0.90) == pytest.approx(1.2815516, rel=1e-7)


def test_hand_made_choice_depends_on_a():
    """Hand-made C_eta grid: eff and B after C_eta < cut. With a = 1.645 the FOMs are
    0.608, 0.615, 0.494, 0.172 -> cut 0.7; with a = 5 they are 0.200, 0.249, 0.257, 0.133 -> cut 0.9."""
    cuts = [0.5, 0.7, 0.9, 1.0]
    eff = [0.5, 0.7, 0.9, 1.0]
    b = [0.0, 0.1, 1.0, 25.0]
    ch = choose_cut(cuts, eff, b)
    assert ch.cut == 0.7 and ch.index == 1
    assert ch.fom == pytest.approx(0.7 / (PUNZI_A_DEFAULT / 2 + np.sqrt(0.1)), rel=1e-14)
    assert choose_cut(cuts, eff, b, PUNZI_A_SEED002).cut == 0.9
    assert choose_cut([1.0, 2.0], [0.5, 0.5], [1.0, 1.0]).index == 0  # ties go to the first cut


def test_event_level_scan():
    """Efficiency/background from per-event values against explicit masks, and the optimiser's choice
    against a brute-force argmax. Signal: |cos eta| ~ 1 - x^2 shape (more central); background peaks at 1."""
    rng = np.random.default_rng(3)
    sig = np.sqrt(rng.random(5000)) * rng.choice([-1, 1], 5000) * 0.5 + 0.5  # spread over [0, 1]
    sig = np.abs(sig)
    bkg = 1 - rng.random(3000) ** 3  # piles up near 1
    w_b = np.full(bkg.size, 0.02)  # 60 background events in total
    cuts = np.linspace(0.05, 1.0, 20)
    eff, b = cut_efficiency_and_background(sig, bkg, cuts, bkg_weights=w_b, sig_total=10000)
    for i, c in enumerate(cuts):
        assert eff[i] == pytest.approx(np.sum(sig < c) / 10000, abs=1e-15)
        assert b[i] == pytest.approx(0.02 * np.sum(bkg < c), rel=1e-12)
    ch = optimise_cut(sig, bkg, cuts, bkg_weights=w_b, sig_total=10000)
    brute = [np.sum(sig < c) / 10000 / (PUNZI_A_DEFAULT / 2 + np.sqrt(0.02 * np.sum(bkg < c))) for c in cuts]
    assert ch.index == int(np.argmax(brute))
    assert 0 < ch.index < len(cuts) - 1  # an interior optimum: the check is not trivial
    eff_up, _ = cut_efficiency_and_background(sig, bkg, [0.3], keep="above")
    assert eff_up[0] == pytest.approx(np.mean(sig > 0.3), abs=1e-15)


@pytest.mark.parametrize(
    "call",
    [
        lambda: punzi_fom(0.5, -1.0),
        lambda: punzi_fom(0.5, 1.0, 0.0),
        lambda: choose_cut([0.1, 0.2], [0.5], [1.0, 2.0]),
        lambda: cut_efficiency_and_background([0.1], [0.2], [0.5], keep="middle"),
        lambda: punzi_a(1.0),
    ],
)
def test_bad_input(call):
    with pytest.raises(ParameterError):
        call()
