"""The A'h' scan over a (M_A', M_h') grid (issue 15 item 4; `darkstrahl scan` with analysis.kind = "ahp").

Structure (after :mod:`darkstrahl.analysis.scan`):

1. Backgrounds (once per scan): every sample of ``ahp.backgrounds`` (:mod:`.ahp_backgrounds`) is generated,
   simulated (per-object mode) and selected (cuts 1-8); the survivors' (M_rec^2, M_mumu^2, C_eta, weight in
   fb, sample index) are stored in ``DIR/tasks/backgrounds.json`` (checkpoint) and passed to every task.
2. One task per grid point (:func:`run_ahp_point`): a no-ISR and an ISR-dressed signal sample (synthetic or
   the registered ``ap_hp_mumu`` generator), selected; the window from the no-ISR fit
   (:func:`.ahp_search.fit_window`); per luminosity the helicity cut, background, expected limits and
   coupling conversion of the central window (:func:`.ahp_search.analyse_window`) and of the lattice windows
   around it (the central window's ellipse moved by ``spacing`` semi-axes, ``lattice_extent`` steps per side,
   the signal translated with it). The result is a JSON-able dict stored in ``DIR/tasks/<label>.json``.
3. Tables and plots (:mod:`.ahp_output`).

Seeds: ``SeedSequence(run.seed, spawn_key=(crc32(label),))`` per task (label ``ahp:<M_A'>:<M_h'>`` or
``ahp:backgrounds``), so results do not depend on the executor or the order of completion.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from darkstrahl.detector.beams import Beams
from darkstrahl.errors import DarkstrahlError, ParameterError

from .ahp_backgrounds import background_events
from .ahp_search import (
    SearchSample,
    Systematics,
    analyse_window,
    coupling_limits,
    fit_window,
    mass_resolutions,
    spec_systematics,
)
from .ahp_selection import AhpCuts, DimuonEvents, Selection, select
from .ahp_signal import sigma_unit_fb, synthetic_signal
from .ellipse import EllipseWindow, lattice_centres

#: Fewest selected no-ISR signal events for a window fit; points below get no window (status in the record).
MIN_SELECTED = 100


@dataclass(frozen=True)
class AhpScanSettings:
    """Everything a task needs (picklable); see the ``[ahp]`` card section for the meaning of each field."""

    beams: Beams
    sqrt_s: float
    points: tuple[tuple[float, float], ...]
    cuts: AhpCuts = field(default_factory=AhpCuts)
    n_signal: int = 4000
    n_background: int = 20000
    backgrounds: tuple[str, ...] = ("mumu_gamma", "tautau", "eemumu")
    signal_source: str = "generator"
    luminosities_fb: tuple[float, ...] = (8.34, 50000.0)
    window_rule: str = "content"
    spacing: float = 1.1
    lattice_extent: int = 1
    c_eta_cuts: tuple[float, ...] = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
    punzi_a: float = 1.6448536269514729
    cl: float = 0.9
    bayes_s_max: float = 100.0
    systematics: str = "spec"
    empty_window: str = "mean"  # background weight scale of a window without MC events: mean, max or zero
    seed: int = 12345
    generator_card: Any = None  # the run card, for signal_source = "generator"


def grid_points(m_ap: tuple[float, ...], m_hp: tuple[float, ...], sqrt_s: float) -> list[tuple[float, float]]:
    """Pairs (M_A', M_h') of the grid inside the searched region: M_h' < M_A' (invisible h', next_wave.md
    1.1) and M_A' + M_h' < sqrt(s) (kinematically open), in the order of the card."""
    pts = [(a, h) for a in m_ap for h in m_hp if 0 < h < a and a + h < sqrt_s]
    if not pts:
        raise ParameterError("ahp.m_Ap/m_hp", "the grid has no point with M_h' < M_A', M_A' + M_h' < sqrt(s)")
    return pts


def label(m_ap: float, m_hp: float) -> str:
    return f"ahp:{m_ap:.4f}:{m_hp:.4f}"


def seed_sequence(seed: int, task: str) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(zlib.crc32(task.encode()),))


def _search_sample(sel: Selection, scale: float = 1.0) -> SearchSample:
    v, m = sel.variables, sel.mask
    return SearchSample(v["m_rec2"][m], v["m_mumu2"][m], v["c_eta"][m], sel.weights[m] * scale)


# ---------------------------------------------------------------------------------------------- signal
def _generator_signal(
    settings: AhpScanSettings, m_ap: float, m_hp: float, isr: bool, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Signal from the registered ``ap_hp_mumu`` process (issue 14) with the card's run settings; weights
    rescaled to unit coupling (divided by eps^2 alpha_D of the card)."""
    from darkstrahl.gen.events import EventBatch
    from darkstrahl.gen.generator import make_generator
    from darkstrahl.gen.registry import PROCESSES
    from darkstrahl.runcard import build, load_card

    if "ap_hp_mumu" not in PROCESSES:
        raise DarkstrahlError("ahp.signal_source = 'generator': the process 'ap_hp_mumu' is not registered")
    card = settings.generator_card
    over = [f"model.m_Ap={m_ap}", f"model.m_hp={m_hp}", f"beams.isr={'true' if isr else 'false'}"]
    card = load_card(
        card.source.removeprefix("builtin:"), [*card.overrides, 'process.name="ap_hp_mumu"', *over]
    )
    seed = int(rng.integers(2**31))
    gen = make_generator(build.process(card, isr=isr), seed, build.run_settings(card))
    batch = EventBatch.concatenate(list(gen.weighted(settings.n_signal)))
    lay = batch.layout
    coupling = card["model"]["eps"] ** 2 * card["model"]["alpha_D"]
    w = batch.weights / coupling / len(batch)  # weighted events: mean weight = sigma [fb]
    return batch.momenta[:, lay.index("mu-")], batch.momenta[:, lay.index("mu+")], w


def signal_selection(
    settings: AhpScanSettings, m_ap: float, m_hp: float, isr: bool, rng: np.random.Generator
) -> tuple[Selection, float]:
    """Selected signal (cuts 1-8) and the generated unit-coupling rate sigma x BR [fb] of the sample."""
    if settings.signal_source == "generator":
        mm, mp, w = _generator_signal(settings, m_ap, m_hp, isr, rng)
    else:
        mm, mp, w = synthetic_signal(m_ap, m_hp, settings.n_signal, rng, settings.sqrt_s, isr)
    ev = DimuonEvents.from_cm(mm, mp, w, settings.beams, rng)
    return select(ev, settings.beams, settings.cuts), float(w.sum())


# ---------------------------------------------------------------------------------------------- background
def background_payload(settings: AhpScanSettings) -> dict[str, Any]:
    """Selected background events of all samples (module docstring, step 1), JSON-able."""
    rng = np.random.default_rng(seed_sequence(settings.seed, "ahp:backgrounds"))
    out: dict[str, Any] = {"samples": list(settings.backgrounds), "cutflow": [], "max_weight_fb": 0.0}
    cols = {k: [] for k in ("x", "y", "c_eta", "w_fb", "sample")}
    for i, name in enumerate(settings.backgrounds):
        sel = select(
            background_events(name, settings.n_background, rng, settings.beams, settings.sqrt_s),
            settings.beams,
            settings.cuts,
        )
        out["cutflow"] += [{"sample": name, **row} for row in sel.table()]
        s = _search_sample(sel)
        for k, v in (("x", s.x), ("y", s.y), ("c_eta", s.c_eta), ("w_fb", s.w)):
            cols[k] += v.tolist()
        cols["sample"] += [i] * len(s.w)
        out["max_weight_fb"] = max(out["max_weight_fb"], float(s.w.max(initial=0.0)))
    n_sel = len(cols["w_fb"])
    out["mean_weight_fb"] = float(sum(cols["w_fb"]) / n_sel) if n_sel else 0.0
    return out | cols


def _bkg_sample(payload: dict[str, Any], lumi_fb: float) -> tuple[SearchSample, np.ndarray]:
    s = SearchSample(
        np.asarray(payload["x"]),
        np.asarray(payload["y"]),
        np.asarray(payload["c_eta"]),
        np.asarray(payload["w_fb"]) * lumi_fb,
    )
    return s, np.asarray(payload["sample"], dtype=int)


# ---------------------------------------------------------------------------------------------- one point
def _systematics(settings: AhpScanSettings, m_ap: float) -> Systematics:
    return spec_systematics(m_ap) if settings.systematics == "spec" else Systematics(0.0, 0.0, 0.0)


def run_ahp_point(m_ap: float, m_hp: float, settings: AhpScanSettings, bkg: dict[str, Any]) -> dict[str, Any]:
    """Window, helicity cut, limits and lattice of one grid point (module docstring, step 2)."""
    task = label(m_ap, m_hp)
    rng = np.random.default_rng(seed_sequence(settings.seed, task))
    sel0, _ = signal_selection(settings, m_ap, m_hp, False, rng)
    sel1, total_isr = signal_selection(settings, m_ap, m_hp, True, rng)
    s0, s1 = _search_sample(sel0), _search_sample(sel1)
    if len(s0.w) < MIN_SELECTED:
        # e.g. M_A' < ~2 GeV: the Delta phi > 90 deg trigger removes almost all the signal (next_wave.md 1.2)
        return {
            "task": task, "m_Ap": m_ap, "m_hp": m_hp, "windows": [], "lattice": [],
            "cutflow": [{"sample": f"signal {m_ap:g}/{m_hp:g} ISR", **r} for r in sel1.table()],
            "status": f"{len(s0.w)} selected no-ISR signal events (< {MIN_SELECTED}): no window",
        }  # fmt: skip
    fit, win = fit_window(s0.x, s0.y, s0.w, settings.window_rule)
    res_ap, res_hp = mass_resolutions(fit, m_ap, m_hp)
    a, b = win.semi_axes
    sig_born = sigma_unit_fb(m_ap, m_hp, settings.sqrt_s, isr=False)
    sig_isr = sigma_unit_fb(m_ap, m_hp, settings.sqrt_s, isr=True)
    sys = _systematics(settings, m_ap)
    out: dict[str, Any] = {
        "task": task,
        "m_Ap": m_ap,
        "m_hp": m_hp,
        "centre_x": win.centre[0],
        "centre_y": win.centre[1],
        "semi_major": a,
        "semi_minor": b,
        "angle_deg": math.degrees(win.angle),
        "fit_rho": fit.rho,
        "fit_frac_core": fit.frac_core,
        "fit_content": fit.content(win),
        "res_m_Ap": res_ap,
        "res_m_hp": res_hp,
        "frac_in_window_noisr": float(s0.inside(win).w.sum() / s0.w.sum()),
        "frac_in_window_isr": float(s1.inside(win).w.sum() / s1.w.sum()),
        "eff_selection_isr": float(s1.w.sum() / total_isr),
        "sigma_unit_born_fb": sig_born,
        "sigma_unit_isr_fb": sig_isr,
        "sigma_unit_isr_sample_fb": total_isr,
        "rel_sig_sys": sys.rel_sig,
        "rel_bkg_sys": sys.rel_bkg,
        "sys_corr": sys.corr,
        "cutflow": [{"sample": f"signal {m_ap:g}/{m_hp:g} ISR", **r} for r in sel1.table()],
        "windows": [],
        "lattice": [],
        "status": "ok",
    }
    centres = lattice_neighbours(win, settings.spacing, settings.lattice_extent)
    for lumi in settings.luminosities_fb:
        bs, src = _bkg_sample(bkg, lumi)
        w_empty = {"mean": bkg["mean_weight_fb"], "max": bkg["max_weight_fb"], "zero": 0.0}[
            settings.empty_window
        ]
        w_empty *= lumi
        kw = {
            "w_empty": w_empty,
            "c_eta_cuts": settings.c_eta_cuts,
            "punzi_a": settings.punzi_a,
            "cl": settings.cl,
            "s_max": settings.bayes_s_max,
        }
        r = analyse_window(win, s1, bs, total_isr, sys, **kw)
        c = coupling_limits(r, lumi, sig_born, sig_isr)
        inside = win.contains(bs.x, bs.y) & (bs.c_eta < r.c_eta_cut)
        comp = {name: float(bs.w[inside & (src == i)].sum()) for i, name in enumerate(bkg["samples"])}
        out["windows"].append(
            {
                "lumi_fb": lumi,
                "c_eta_cut": r.c_eta_cut,
                "eff": r.eff,
                "b": r.b,
                "n_mc": r.n_mc,
                "w_mc": r.w_mc,
                "s_up_m2": r.s_up_expected[0],
                "s_up_m1": r.s_up_expected[1],
                "s_up_median": r.s_up_expected[2],
                "s_up_p1": r.s_up_expected[3],
                "s_up_p2": r.s_up_expected[4],
                "s_up_n0": r.s_up_zero,
                "sigma_ul_born": c.sigma_born[0],
                "sigma_ul_born_m1": c.sigma_born[1],
                "sigma_ul_born_p1": c.sigma_born[2],
                "sigma_ul_isr": c.sigma_isr[0],
                "sigma_ul_isr_m1": c.sigma_isr[1],
                "sigma_ul_isr_p1": c.sigma_isr[2],
                "eps2_alpha_d": c.eps2_alpha_d[0],
                "eps2_alpha_d_m1": c.eps2_alpha_d[1],
                "eps2_alpha_d_p1": c.eps2_alpha_d[2],
                "eps2_alpha_d_n0": c.eps2_alpha_d_zero,
                "eps2_alpha_d_mixed": c.sigma_isr[0] / sig_born,
                "n_discovery": r.n_discovery,
                "bayes_factor_discovery": r.bayes_factor_discovery,
                "composition": comp,
            }
        )
        for cx, cy in centres if lumi == settings.luminosities_fb[0] else ():  # lattice: first luminosity
            moved = win.moved((cx, cy))
            rl = analyse_window(
                moved,
                s1.shifted(cx - win.centre[0], cy - win.centre[1]),
                bs,
                total_isr,
                sys,
                **kw,
                light=True,
            )
            out["lattice"].append(
                {
                    "lumi_fb": lumi,
                    "centre_x": cx,
                    "centre_y": cy,
                    "c_eta_cut": rl.c_eta_cut,
                    "eff": rl.eff,
                    "b": rl.b,
                    "s_up_median": rl.s_up_expected[2],
                    "eps2_alpha_d": rl.s_up_expected_coupling[2] / (lumi * rl.s_sel_fb)
                    if rl.s_sel_fb > 0
                    else math.nan,
                }
            )
    return out


def lattice_neighbours(win: EllipseWindow, spacing: float, extent: int) -> np.ndarray:
    """Centres (m, 2) [GeV^2] of the lattice windows i, j = -extent..extent (not 0, 0) around ``win``
    (:func:`.ellipse.lattice_centres`: steps ``spacing`` x semi-axes along the principal axes)."""
    if extent <= 0:
        return np.empty((0, 2))
    a, b = win.semi_axes
    half = (extent + 1) * spacing * a
    box = [(win.centre[i] - half, win.centre[i] + half) for i in (0, 1)]
    c = lattice_centres(win, spacing, box[0], box[1])
    ang = win.angle
    rot = np.array([[math.cos(ang), math.sin(ang)], [-math.sin(ang), math.cos(ang)]])
    ij = np.rint((c - np.asarray(win.centre)) @ rot.T / (spacing * np.array([a, b]))).astype(int)
    keep = (np.abs(ij).max(axis=1) <= extent) & (np.abs(ij).sum(axis=1) > 0)
    return c[keep]


def _run(args: tuple[float, float, AhpScanSettings, dict[str, Any]]) -> dict[str, Any]:
    return run_ahp_point(*args)


def run_ahp_scan(
    settings: AhpScanSettings,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
    store: tuple[Callable[[str], dict | None], Callable[[str, dict], None]] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Backgrounds, then every point (serially or on ``executor``); ``store`` = (load, save) of task
    payloads by label (checkpoints: stored tasks are skipped, finished ones saved at once). Returns the
    background payload and the point results in grid order."""
    load, save = store or ((lambda _t: None), (lambda _t, _p: None))
    bkg = load("ahp:backgrounds")
    if bkg is None:
        bkg = background_payload(settings)
        save("ahp:backgrounds", bkg)
    results: dict[str, dict[str, Any]] = {}
    todo = []
    for m_ap, m_hp in settings.points:
        stored = load(label(m_ap, m_hp))
        if stored is not None:
            results[stored["task"]] = stored
            if progress:
                progress(1)
        else:
            todo.append((m_ap, m_hp))

    def finished(res: dict[str, Any]) -> None:
        results[res["task"]] = res
        save(res["task"], res)
        if progress:
            progress(1)

    if executor is None:
        for m_ap, m_hp in todo:
            finished(run_ahp_point(m_ap, m_hp, settings, bkg))
    else:
        futures = [executor.submit(_run, (m_ap, m_hp, settings, bkg)) for m_ap, m_hp in todo]
        for fut in as_completed(futures):
            finished(fut.result())
    return bkg, [results[label(a, h)] for a, h in settings.points]
