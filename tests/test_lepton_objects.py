"""Detector additions of issue 14 part 3: muon identification table, two-track trigger, ECL clusters, lab
objects from any layout, and the frame-independent dimuon recoil mass and helicity angle."""

from __future__ import annotations

import math

import numpy as np
import pytest

from darkstrahl.analysis.variables import (
    dimuon_mass_squared,
    helicity_cos,
    nominal_initial_state,
    recoil_mass_squared,
)
from darkstrahl.detector.acceptance import Acceptance
from darkstrahl.detector.belle2 import Belle2
from darkstrahl.detector.ecl import ecl_clusters
from darkstrahl.detector.muon_id import MuonIdTable
from darkstrahl.detector.trigger import TwoTrackTrigger
from darkstrahl.errors import ParameterError
from darkstrahl.gen.ap_hp_model import ApHpModel
from darkstrahl.gen.ap_hp_process import ApHpProcess
from darkstrahl.gen.events import EventBatch
from darkstrahl.gen.isr_process import IsrProcess, IsrSettings
from darkstrahl.gen.layout import Layout, Slot, primary_rows

SQRT_S = 10.58


def massless(e: float, theta_deg: float, phi_deg: float) -> np.ndarray:
    t, p = math.radians(theta_deg), math.radians(phi_deg)
    return np.array([e, e * math.sin(t) * math.cos(p), e * math.sin(t) * math.sin(p), e * math.cos(t)])


def test_muon_id_table() -> None:
    table = MuonIdTable((0.0, 0.7, 1.0), (0.5, 0.8, 0.9))
    p = np.array([massless(e, 90.0, 0.0) for e in (0.3, 0.7, 0.85, 1.0, 4.0)])
    assert table(p) == pytest.approx([0.5, 0.8, 0.8, 0.9, 0.9])
    assert MuonIdTable((0.5,), (1.0,))(p[:1]) == pytest.approx([0.0])  # below the first edge
    rng = np.random.default_rng(3)
    many = np.repeat(p[3:4], 40_000, axis=0)
    frac = table.identified(many, rng).mean()
    assert abs(frac - 0.9) < 4.0 * math.sqrt(0.9 * 0.1 / 40_000)  # binomial error
    with pytest.raises(ParameterError, match="muid_efficiency"):
        MuonIdTable((0.0, 1.0), (0.5,))
    with pytest.raises(ParameterError, match="muid_p_edges"):
        MuonIdTable((1.0, 0.5), (0.5, 0.5))
    with pytest.raises(ParameterError, match="muid_efficiency"):
        MuonIdTable((0.0,), (1.2,))


def test_two_track_trigger() -> None:
    trig = TwoTrackTrigger(plateau=0.89)
    cases = [
        ((90, 0), (90, 120), True),  # barrel, opening 120 deg
        ((90, 0), (90, 60), False),  # opening 60 deg
        ((30, 0), (90, 180), False),  # first track forward of 37 deg
        ((90, 0), (125, 180), False),  # second track backward of 120 deg
        ((60, 170), (80, -170), False),  # opening 20 deg across the +-180 seam
        ((60, 10), (80, -100), True),  # opening 110 deg
    ]
    tracks = np.array([[massless(2.0, *a), massless(2.0, *b)] for a, b, _ in cases])
    expected = np.array([c[2] for c in cases])
    assert np.array_equal(trig.geometric(tracks), expected)
    assert trig.efficiency(tracks) == pytest.approx(np.where(expected, 0.89, 0.0))
    # a third track can supply the pair; an absent track cannot
    three = np.array([[massless(2.0, 90, 0), massless(2.0, 90, 60), massless(2.0, 100, 150)]])
    assert trig.geometric(three)[0]
    assert not trig.geometric(three, np.array([[True, True, False]]))[0]
    with pytest.raises(ParameterError, match="trigger_efficiency"):
        TwoTrackTrigger(plateau=1.5)


def test_ecl_clusters_and_escaping_isr_photons() -> None:
    acc = Acceptance()
    photons = np.array(
        [
            [massless(0.5, 90.0, 10.0), massless(0.5, 31.8, 0.0)],  # barrel; forward gap
            [massless(0.05, 60.0, 0.0), massless(1.0, 0.05, 0.0)],  # below 0.1 GeV; collinear ISR-like
            [massless(2.0, 140.0, 0.0), massless(0.3, 20.0, 0.0)],  # backward; forward endcap
        ]
    )
    cl = ecl_clusters(photons, acc, None)
    assert np.array_equal(cl.detected, [[True, False], [False, False], [True, True]])
    assert cl.total_energy == pytest.approx([0.5, 0.0, 2.3])
    smeared = ecl_clusters(np.repeat(photons[:1], 5000, axis=0), acc, np.random.default_rng(2))
    e = smeared.momenta[:, 0, 0]
    assert abs(e.mean() - 0.5) < 5.0 * e.std() / math.sqrt(len(e)) and 0.0 < e.std() < 0.05


def _ap_hp_batch(isr: bool, n: int = 3000) -> tuple[EventBatch, float]:
    m_hp = 1.5
    proc = ApHpProcess(ApHpModel(5.0, m_hp), SQRT_S)
    process = IsrProcess(proc, IsrSettings(enabled=True)) if isr else proc
    ps = process.phase_space
    p, _, jac = ps.generate(0, np.random.default_rng(5).random((n, ps.ndim)))
    w = jac * process.integrand(p)  # weighted events [fb]
    keep = w > 0
    batch = EventBatch.from_momenta(
        process.layout, p[keep], w[keep], np.zeros((int(keep.sum()), 5), dtype=np.int8), SQRT_S
    )
    return batch, m_hp


def test_objects_of_ap_hp_events_and_frame_independent_variables() -> None:
    """Belle2.objects reads the A'h' layout: two muon tracks (slots mu-, mu+), no clusters even with ISR
    (the collinear photons escape); the recoil mass and helicity angle from true lab momenta and the lab
    nominal initial state equal the CM ones; the smeared recoil mass peaks at M_h'^2."""
    det = Belle2()
    for isr in (False, True):
        batch, m_hp = _ap_hp_batch(isr)
        obj = det.objects(batch, np.random.default_rng(9))
        names = batch.layout.names
        assert obj.track_slots == (names.index("mu-"), names.index("mu+"))
        assert np.array_equal(obj.track_pdg[0], [13, -13])
        assert obj.clusters.count.sum() == 0
        assert obj.muon_id_efficiency[obj.present].min() >= 0.5
        assert 0.2 < obj.trigger_fired.mean() < 1.0
        lab = det.to_lab(batch)
        cm = batch.momenta
        i_m, i_p = names.index("mu-"), names.index("mu+")
        p0 = nominal_initial_state(SQRT_S)
        rec_cm = recoil_mass_squared(cm[:, i_m], cm[:, i_p], p0)
        rec_lab = recoil_mass_squared(lab[:, i_m], lab[:, i_p], obj.initial)
        assert np.allclose(rec_lab, rec_cm, atol=1e-8)
        assert np.allclose(
            helicity_cos(lab[:, i_m], lab[:, i_p], obj.initial),
            helicity_cos(cm[:, i_m], cm[:, i_p], p0),
            atol=1e-9,
        )
        mmumu2 = dimuon_mass_squared(cm[:, i_m], cm[:, i_p])  # Breit-Wigner of m Gamma ~ 4e-7 GeV^2
        near = np.abs(mmumu2 - 25.0) < 1e-3  # (ISR points below the A' threshold are off shell, weight ~0)
        assert np.sum(batch.weights[near]) > 0.999 * np.sum(batch.weights)
        if not isr:
            assert np.allclose(rec_cm, m_hp**2, atol=1e-8)
            both = obj.present.all(axis=1)
            smeared = recoil_mass_squared(obj.track("mu-", names), obj.track("mu+", names), obj.initial)[both]
            assert abs(np.median(smeared) - m_hp**2) < 0.1  # resolution ~0.1-0.4 GeV^2 (next_wave.md 1.2)
        else:
            assert np.mean(rec_cm > m_hp**2 + 0.1) > 0.05  # the upward ISR tail


def test_objects_with_a_photon_slot() -> None:
    """A record with an explicit photon (a radiative final state) gets its cluster; the photon is no track."""
    slots = (
        Slot("e-", 11, 0.0, incoming=True),
        Slot("e+", -11, 0.0, incoming=True),
        Slot("mu-", 13, 0.1056584),
        Slot("mu+", -13, 0.1056584),
        Slot("gamma", 22, 0.0),
    )
    layout = Layout("toy", "mumugamma", slots, primary_rows(slots))
    half = SQRT_S / 2
    beams = [[half, 0, 0, half], [half, 0, 0, -half]]
    g = massless(1.0, 90.0, 0.0)
    mu = massless(half - 0.5, 60.0, 90.0)
    p = np.array([[*beams, mu, [*(np.array(beams).sum(0) - mu - g)], g]])
    batch = EventBatch.from_momenta(layout, p, np.ones(1), np.zeros((1, 5), dtype=np.int8), SQRT_S)
    obj = Belle2().objects(batch, np.random.default_rng(1))
    assert obj.track_slots == (2, 3) and obj.clusters.slots == (4,)
    assert obj.clusters.count[0] == (Belle2().acceptance.photon_accepted(Belle2().to_lab(batch)[:, 4])[0])


def test_card_keys_reach_the_detector() -> None:
    from darkstrahl.errors import CardError
    from darkstrahl.runcard import build, load_card

    card = load_card(
        "ahp_mumu",
        ["detector.muid_efficiency=[0.4, 0.8, 0.95]", "detector.trigger_efficiency=0.8"],
    )
    det = build.detector(card)
    assert det.muon_id.efficiency == (0.4, 0.8, 0.95) and det.trigger.plateau == 0.8
    assert det.trigger.theta_min == 37.0 and det.trigger.dphi_min == 90.0
    with pytest.raises((CardError, ParameterError), match="muid_efficiency"):
        build.detector(load_card("ahp_mumu", ["detector.muid_efficiency=[0.4]"]))
