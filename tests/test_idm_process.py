"""e+e- -> h' chi1 chi2 (next_wave.md 2.2, 2.4 item 3): the matrix element (beam tensor, HELAS currents,
Lorentz invariance, gauge independence of the s-channel propagator, closed forms), the narrow-width
limit, the diagram switch, the phase space, and the card (kind = "idm", process "idm", info)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from darkstrahl.cli import main
from darkstrahl.errors import CardError
from darkstrahl.gen.helas import ffv_current, ixxxxx, oxxxxx
from darkstrahl.gen.idm_amplitude import beam_polarizations, ee_hp_chi1chi2_msq, ee_hp_chi1chi2_msq_trace
from darkstrahl.gen.idm_model import IdmModel
from darkstrahl.gen.idm_process import IdmProcess
from darkstrahl.gen.idm_widths import ap_chi1chi2hp_msq, idm_ap_widths, sigma_hp_chi1chi2_nwa_fb
from darkstrahl.gen.isr_process import IsrProcess
from darkstrahl.runcard import build
from darkstrahl.runcard.load import load_card

SQRT_S = 10.58
G = np.diag([1.0, -1.0, -1.0, -1.0])


def fig3(**changes: float) -> IdmModel:
    """The seed-002 Fig. 3 point (next_wave.md 2.1) with m_h' = 1 GeV."""
    base = dict(m_hp=1.0, m_Ap=7.5, m_chi1=2.5, delta_m=1.0, theta=1e-4, eps=1.5e-3, alpha_D=0.1)
    return IdmModel.from_preset("iDM-Duerr", **{**base, **changes})


def points(proc: IdmProcess, n: int, seed: int, channel: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n phase-space points of ``channel``: momenta (n, 5, 4) and weights (n,)."""
    p, _, w = proc.phase_space.generate(channel, np.random.default_rng(seed).random((n, 5)))
    return p, w


def couplings(proc: IdmProcess, diagrams: str = "abc") -> dict:
    m = proc.model
    return dict(
        m_Ap=m.m_Ap, m1=m.m_chi1, m2=m.m_chi2, g_e=m.g_e, g_chi=m.g_chi, g_hVV=m.g_hVV, k_hp=m.k_hp,
        gamma_Ap=proc.width_Ap, diagrams=diagrams,
    )  # fmt: skip


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...m,mn,...n->...", a, G, b)


def lorentz(rng: np.random.Generator) -> np.ndarray:
    """A random proper Lorentz transformation (rotation times a boost of rapidity up to 1.5)."""
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    eta = rng.uniform(0.2, 1.5)
    boost = np.eye(4)
    boost[0, 0] = math.cosh(eta)
    boost[0, 1:] = boost[1:, 0] = math.sinh(eta) * axis
    boost[1:, 1:] += (math.cosh(eta) - 1.0) * np.outer(axis, axis)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    rot = np.eye(4)
    rot[1:, 1:] = q * np.sign(np.linalg.det(q))
    return boost @ rot


def test_phase_space_momentum_conservation_and_masses() -> None:
    proc = IdmProcess(fig3(), SQRT_S)
    for ch in (0, 1):
        p, w = points(proc, 2000, 1, ch)
        assert np.abs(p[:, 0] + p[:, 1] - p[:, 2:].sum(axis=1)).max() < 1e-12
        m = proc.model
        for j, mass in ((2, m.m_hp), (3, m.m_chi1), (4, m.m_chi2)):
            assert np.allclose(dot(p[:, j], p[:, j]), mass**2, atol=1e-9)
        assert np.all(w > 0)


def test_flat_and_resonant_channels_agree() -> None:
    """Both channels are unbiased estimators of the same integral (m_A' off shell: flat channel efficient)."""
    proc = IdmProcess(fig3(m_Ap=12.0, alpha_D=0.5), SQRT_S)
    est = []
    for ch in (0, 1):
        p, w = points(proc, 20000, 7, ch)
        f = proc.integrand(p) * w
        est.append((f.mean(), f.std() / math.sqrt(f.size)))
    (a, da), (b, db) = est
    assert abs(a - b) < 4.0 * math.hypot(da, db)


def test_beam_polarizations_are_orthonormal_and_transverse() -> None:
    rng = np.random.default_rng(3)
    p, _ = points(IdmProcess(fig3(), SQRT_S), 50, 2)
    lam = lorentz(rng)
    pa, pb = p[:, 0] @ lam.T, p[:, 1] @ lam.T
    e = beam_polarizations(pa, pb)
    for a in range(2):
        assert np.allclose(dot(e[:, a], e[:, a]), -1.0, atol=1e-12)
        assert np.allclose(dot(e[:, a], pa), 0.0, atol=1e-9) and np.allclose(dot(e[:, a], pb), 0.0, atol=1e-9)
    assert np.allclose(dot(e[:, 0], e[:, 1]), 0.0, atol=1e-12)


def test_beam_tensor_equals_helas_helicity_sum_and_unitary_propagator() -> None:
    """<|M|^2> from the tensor 2 s (e1 e1 + e2 e2) equals (1/4) sum over the e-e+ helicities of |J.A|^2 with
    the HELAS currents J = vbar(pb) gamma u(pa); and J.P = 0, so the P^mu P^nu/m_A'^2 part of the
    unitary-gauge s-channel propagator leaves |M|^2 unchanged (the gauge check that applies here)."""
    proc = IdmProcess(fig3(alpha_D=0.5), SQRT_S)
    p, _ = points(proc, 8, 5, 1)
    p = p @ np.diag([1.0, 1.0, 1.0, 1.0])  # copy
    m = proc.model
    cp = couplings(proc)
    ref = ee_hp_chi1chi2_msq(p, **cp)
    kw = {k: v for k, v in cp.items() if k != "g_e"}
    for i in range(p.shape[0]):
        pa, pb = p[i, 0], p[i, 1]
        big_p = pa + pb
        s = dot(big_p, big_p)
        total = unitary = 0.0
        for ha in (1, -1):
            u = ixxxxx(*pa, 0.0, ha, 1)
            for hb in (1, -1):
                vb = oxxxxx(*pb, 0.0, hb, -1)
                j = np.array(ffv_current(*vb, *u), dtype=np.complex128)
                assert abs(dot(j, big_p)) < 1e-9 * s
                args = (p[i : i + 1, 3], p[i : i + 1, 4], p[i : i + 1, 2])
                total += ap_chi1chi2hp_msq(*args, j[None], **kw)[0]
                j_u = j - big_p * dot(big_p, j) / m.m_Ap**2
                unitary += ap_chi1chi2hp_msq(*args, j_u[None], **kw)[0]
        prop2 = (s - m.m_Ap**2) ** 2 + (m.m_Ap * proc.width_Ap) ** 2
        assert 0.25 * m.g_e**2 * total / prop2 == pytest.approx(ref[i], rel=1e-10)
        assert unitary == pytest.approx(total, rel=1e-10)


@pytest.mark.parametrize("diagrams", ["abc", "a", "b", "c", "bc"])
def test_helicity_amplitudes_equal_the_trace(diagrams: str) -> None:
    """Method 1 (numba helicity amplitudes with the HELAS Majorana flow, fsi/fso) equals Method 2 (beam
    tensor x Dirac trace of idm_widths.ap_chi1chi2hp_msq) diagram by diagram, relative signs included,
    at an off-shell point where all three diagrams matter."""
    proc = IdmProcess(fig3(m_Ap=12.0, m_chi1=2.0, delta_m=2.0, m_hp=0.5, alpha_D=0.5), SQRT_S)
    p, _ = points(proc, 2000, 13, 1)
    cp = couplings(proc, diagrams)
    assert np.allclose(ee_hp_chi1chi2_msq(p, **cp), ee_hp_chi1chi2_msq_trace(p, **cp), rtol=1e-10, atol=0)


@pytest.mark.parametrize("diagrams", ["abc", "a", "bc"])
def test_lorentz_invariance(diagrams: str) -> None:
    proc = IdmProcess(fig3(m_Ap=12.0, alpha_D=0.5), SQRT_S)
    p, _ = points(proc, 200, 11, 1)
    ref = ee_hp_chi1chi2_msq(p, **couplings(proc, diagrams))
    rng = np.random.default_rng(12)
    for _ in range(3):
        moved = p @ lorentz(rng).T
        assert np.allclose(ee_hp_chi1chi2_msq(moved, **couplings(proc, diagrams)), ref, rtol=1e-9, atol=0)


def _higgsstrahlung_tensor(p: np.ndarray, proc: IdmProcess) -> np.ndarray:
    """Diagram (a) by an explicit tensor contraction (no Dirac matrices): (1/4) g_e^2 g_hVV^2 g_chi^2
    L^{rs} Pi_{rn} Pi_{sl} C^{nl} / (|D(s)|^2 |D(Q^2)|^2), L = 4[pa pb + pb pa - g pa.pb],
    C = 4[q2 q1 + q1 q2 - g (q1.q2 + m1 m2)] (Tr[(q2slash + m2) g^n (q1slash - m1) g^l]),
    Pi = g - Q Q / m_A'^2 (unitary-gauge A' propagator), Q = q1 + q2."""
    m = proc.model
    pa, pb, q1, q2 = p[:, 0], p[:, 1], p[:, 3], p[:, 4]
    q = q1 + q2
    ginv = np.broadcast_to(G, (p.shape[0], 4, 4))

    def sym(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        return 4.0 * (np.einsum("ni,nj->nij", a, b) + np.einsum("ni,nj->nij", b, a) - c[:, None, None] * ginv)

    lep = sym(pa, pb, dot(pa, pb))
    chi = sym(q2, q1, dot(q1, q2) + m.m_chi1 * m.m_chi2)
    ql = q @ G
    proj = G[None] - np.einsum("ni,nj->nij", ql, ql) / m.m_Ap**2
    contr = np.einsum("nrs,nrk,nsl,nkl->n", lep, proj, proj, chi)
    s, qsq, w = dot(pa + pb, pa + pb), dot(q, q), proc.width_Ap
    props = ((s - m.m_Ap**2) ** 2 + (m.m_Ap * w) ** 2) * ((qsq - m.m_Ap**2) ** 2 + (m.m_Ap * w) ** 2)
    return 0.25 * m.g_e**2 * m.g_hVV**2 * m.g_chi**2 * contr / props


def _spec_closed_form(p: np.ndarray, proc: IdmProcess) -> np.ndarray:
    """next_wave.md 2.2: (eps e)^2 g_hVV^2 g_D^2/(|D(s)|^2 |D(Q^2)|^2) 8[(p1.q1)(p2.q2) + (p1.q2)(p2.q1)
    + m1 m2 (p1.p2)] (beams p1, p2)."""
    m = proc.model
    pa, pb, q1, q2 = p[:, 0], p[:, 1], p[:, 3], p[:, 4]
    q = q1 + q2
    s, qsq, w = dot(pa + pb, pa + pb), dot(q, q), proc.width_Ap
    props = ((s - m.m_Ap**2) ** 2 + (m.m_Ap * w) ** 2) * ((qsq - m.m_Ap**2) ** 2 + (m.m_Ap * w) ** 2)
    bracket = dot(pa, q1) * dot(pb, q2) + dot(pa, q2) * dot(pb, q1) + m.m_chi1 * m.m_chi2 * dot(pa, pb)
    return m.g_e**2 * m.g_hVV**2 * m.g_chi**2 * 8.0 * bracket / props


def test_higgsstrahlung_against_tensor_contraction_and_spec_closed_form() -> None:
    """Diagram (a) equals the explicit tensor contraction (with the longitudinal Q Q/m_A'^2 part of the
    internal propagator, which survives because the chi1 chi2 current is not conserved for m1 != m2).
    The spec's closed form drops that part: exact for m1 = m2 (tested with an equal-mass point through
    the raw function), and low by the longitudinal term otherwise (size recorded in
    docs/validation.md section 16)."""
    proc = IdmProcess(fig3(), SQRT_S)
    p, _ = points(proc, 500, 21, 0)
    code = ee_hp_chi1chi2_msq(p, **couplings(proc, "a"))
    assert np.allclose(code, _higgsstrahlung_tensor(p, proc), rtol=1e-10, atol=0)
    spec = _spec_closed_form(p, proc)
    assert 0.0 < np.max(np.abs(code / spec - 1.0)) < 0.05
    # m1 = m2 (a Dirac-like pair through the raw amplitude): the longitudinal part vanishes
    equal = IdmProcess(fig3(delta_m=1e-9), SQRT_S)
    pe, _ = points(equal, 200, 22, 0)
    assert np.allclose(
        ee_hp_chi1chi2_msq(pe, **couplings(equal, "a")), _spec_closed_form(pe, equal), rtol=1e-7, atol=0
    )


def test_narrow_width_limit_of_higgsstrahlung() -> None:
    """HS-only sigma -> sigma(A'h') x BR(A' -> chi1 chi2) as Gamma_A'/m_A' -> 0 (next_wave.md 2.2). At
    alpha_D = 1e-3 (Gamma/m = 2.6e-4) the off-shell and cut-off Breit-Wigner tails are O(Gamma/m);
    tolerance: 4 sigma MC plus 3 Gamma/m."""
    model = fig3(alpha_D=1e-3)
    proc = IdmProcess(model, SQRT_S, diagrams="a")
    p, w = points(proc, 20000, 31, 0)
    f = proc.integrand(p) * w
    sigma, err = f.mean(), f.std() / math.sqrt(f.size)
    nwa = sigma_hp_chi1chi2_nwa_fb(model, SQRT_S)
    gm = idm_ap_widths(model).total / model.m_Ap
    assert abs(sigma - nwa) < 4.0 * err + 3.0 * gm * nwa


def test_diagram_switch() -> None:
    """On shell (Fig. 3 point) the DM-line diagrams change sigma by < 1e-3 (measured 4e-4), evaluated on the
    same points so that the MC error cancels; with an off-shell A' (m_A' = 12 GeV > sqrt s, Delta m = m_chi1
    = 2 GeV, alpha_D = 0.5) by a few 1e-3 (measured -6e-3: both diagram classes scale as g_D^2, and the
    DM-line ones carry k/g_hVV ~ Delta m/(4 m_A'^2)). Subsets add up: |a+b+c|^2 = sum of the pair terms."""
    off_shell = fig3(m_Ap=12.0, m_chi1=2.0, delta_m=2.0, m_hp=0.5, alpha_D=0.5)
    for model, lo, hi in ((fig3(), 0.0, 1e-3), (off_shell, 2e-3, 0.05)):
        proc = IdmProcess(model, SQRT_S)
        p, w = points(proc, 5000, 41, 1)
        full = np.sum(ee_hp_chi1chi2_msq(p, **couplings(proc, "abc")) * w)
        hs = np.sum(ee_hp_chi1chi2_msq(p, **couplings(proc, "a")) * w)
        assert lo <= abs(full / hs - 1.0) < hi
    single = {
        d: ee_hp_chi1chi2_msq(p, **couplings(proc, d)) for d in ("a", "b", "c", "ab", "ac", "bc", "abc")
    }
    inclusion_exclusion = single["ab"] + single["ac"] + single["bc"] - single["a"] - single["b"] - single["c"]
    assert np.allclose(single["abc"], inclusion_exclusion, rtol=1e-9, atol=0)


def test_card_builds_the_process_with_isr_and_layout() -> None:
    card = load_card("idm")
    proc = build.process(card)
    assert isinstance(proc, IsrProcess) and isinstance(proc.hard, IdmProcess)
    assert proc.hard.diagrams == "abc"
    lay = proc.layout
    assert lay.names == ("e-", "e+", "hp", "chi1", "chi2")
    assert [lay.slots[ll.slot].name for ll in lay.long_lived] == ["hp", "chi2"]
    assert [ll.lifetime.parameter for ll in lay.long_lived] == ["theta", "eps"]
    assert lay.rows[3].slots == (3, 4) and lay.rows[3].pdg == 55
    assert isinstance(build.model(card), IdmModel) and build.model(card).q_Phi == 2.0
    assert lay.extra["Ap_row"] == 3
    hs = build.process(load_card("idm", ["process.higgsstrahlung_only=true", "beams.isr=false"]))
    assert isinstance(hs, IdmProcess) and hs.diagrams == "a"
    off = build.process(load_card("idm", ["model.m_Ap=12.0", "beams.isr=false"])).layout
    assert off.extra["Ap_row"] is None and len(off.rows) == 5
    assert all(r.mothers == (1, 2) for r in off.rows[2:])


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        (["model.m_hp=3.0"], r"model\.m_hp: iDM hierarchy requires m_hp < m_chi1"),
        (["model.m_Ap=2.0"], r"model\.m_chi1: iDM hierarchy requires m_chi1 < m_Ap"),
        (["model.alpha_D=2.0"], r"model\.alpha_D: perturbativity"),
        (["model.q_Phi=3.0"], r"model\.q_Phi: fixed to 2 by model\.preset"),
        (["model.preset='none'", "model.q_Phi=3.0"], r"model\.q_Phi: gauge invariance"),
        (["model.kind='dark_higgs'"], r"model\.kind: must be 'idm'"),
        (["model.m_phi=0.5"], r"model\.m_phi: belongs to the dark-Higgs model"),
        (["model.kind='nope'"], r"model\.kind: must be one of"),
    ],
)
def test_card_errors_name_the_key(overrides: list[str], match: str) -> None:
    with pytest.raises(CardError, match=match):
        build.process(load_card("idm", overrides))


def test_info_shows_widths_and_both_decay_lengths(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "idm", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["widths_GeV"]["Ap_chi1chi2"] == pytest.approx(0.193, abs=1e-3)  # next_wave.md 2.2
    assert info["ctau_hp_mm"] > 0 and info["ctau_chi2_mm"] > 0
    assert info["y"] == pytest.approx(2.78e-9, rel=2e-3)
    assert main(["info", "idm"]) == 0
    text = capsys.readouterr().out
    assert "c tau" in text and "chi2" in text and "h'" in text


@pytest.mark.parametrize(("m_hp", "table"), [(0.2, 370.0), (1.0, 294.0)])
def test_isr_cross_section_against_spec_table(m_hp: float, table: float) -> None:
    """next_wave.md 2.2 table: LL-ISR sigma(A'h') at alpha_D = 0.1 (2 -> 2). The HS-only 2 -> 3 process at
    alpha_D = 1e-3 (narrow A'; scaled by 100/BR(A' -> chi1 chi2)) with ISR, restricted to
    sqrt(s_hat) > m_A' + m_h' where the 2 -> 2 picture applies, agrees within 1 % (table rounding 0.2 %,
    O(Gamma/m) off-shell terms 0.1 %, MC error < 0.3 %; measured 369.2 and 293.5 fb). Below that threshold the
    radiative return to the A' pole followed by A' -> chi1 chi2 h' adds a physical contribution that the
    2 -> 2 table does not have (docs/validation.md section 16)."""
    from darkstrahl.gen.event_stream import RunSettings
    from darkstrahl.gen.generator import EventGenerator
    from darkstrahl.gen.isr_process import IsrSettings
    from darkstrahl.gen.sampler import SamplerSettings

    model = fig3(alpha_D=1e-3, m_hp=m_hp)
    proc = IsrProcess(IdmProcess(model, SQRT_S, diagrams="a"), IsrSettings(enabled=True))
    sampler = SamplerSettings(n_iterations=4, n_per_iteration=20000, batch=50000)
    gen = EventGenerator(proc, 3, RunSettings(n_points=0, decays="none", sampler=sampler))
    batch = next(iter(gen.weighted(100000)))
    big_p = batch.momenta[:, 0] + batch.momenta[:, 1]
    above = np.sqrt(dot(big_p, big_p)) > model.m_Ap + model.m_hp
    w = np.where(above, batch.weights, 0.0)
    scale = 100.0 / idm_ap_widths(model).br("chi1chi2")
    sigma, err = w.mean() * scale, w.std() / math.sqrt(w.size) * scale
    assert err < 0.003 * sigma
    assert sigma == pytest.approx(table, rel=0.01)


def test_scalar_vertex_propagators_fsi_fso() -> None:
    """HELAS fsi/fso are the fermion propagator (qslash + m)/(q^2 - m^2) on a column / row spinor:
    (qslash - m) fsi(f) = f and fso(b) (qslash - m) = b for off-shell q."""
    from darkstrahl.gen.helas import bar_slash, fsi, fso, slash

    rng = np.random.default_rng(17)
    for _ in range(20):
        f = rng.normal(size=4) + 1j * rng.normal(size=4)
        q = rng.normal(size=4) * 3.0
        m = 1.7
        g = np.array(fsi(*f, *q, m))
        back = np.array(slash(*(q + 0j), *g)) - m * g
        assert np.allclose(back, f, rtol=1e-10, atol=1e-12)
        h = np.array(fso(*f, *q, m))
        back = np.array(bar_slash(*h, *(q + 0j))) - m * h
        assert np.allclose(back, f, rtol=1e-10, atol=1e-12)
