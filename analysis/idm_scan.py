"""The iDM displaced-vertex sensitivity scan (issue 16 part 5; next_wave.md 2.3-2.4): card section
``[idm_analysis]``, run by ``darkstrahl scan CARD -o DIR`` when ``analysis.kind = "idm"``.

Tasks (independent, seeded by ``SeedSequence(seed, spawn_key=(crc32(label),))``, checkpointed one JSON file
each in DIR/tasks/ with the card hash, so a killed scan resumes):

* ``hp:<m_h'>``: for the benchmark family (m_chi1, m_A' = ap_ratio m_chi1, Delta m = delta_ratio m_chi1,
  alpha_D, eps) and every h' final state: one sample (:mod:`.idm_sample`), the DSCB fit of the selected
  m(x+x-) at the reference lifetime (:mod:`.idm_mass`), selection efficiency and window fraction versus
  c tau(h') (:mod:`.idm_selection`, chi2 lifetime from the model), the expected 95 % limits on sigma x BR per
  final state and combined with the theoretical BR(h' -> x+x-) (:mod:`.idm_limits`), per luminosity, and the
  excluded sin(theta) interval.
* ``y:<m_chi1>``: the family point with m_h' = ``y_m_hp`` at sin(theta) = ``y_sin_theta``: the excluded eps
  interval, reported as y = eps^2 alpha_D (m_chi1/m_A')^4.

Cross sections: the sample's sigma(e+e- -> h' chi1 chi2) [fb] at the card eps, scaled by (eps/eps_card)^2;
sigma_vis = sigma x BR(chi2 -> chi1 e+e-).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from darkstrahl.gen.constants import M_K_CHARGED, M_MU, M_PI_CHARGED
from darkstrahl.gen.idm_chi2_widths import ctau_chi2_mm, idm_chi2_widths
from darkstrahl.gen.idm_model import IdmModel
from darkstrahl.gen.idm_widths import ctau_hp_mm, hp_widths

from .idm_limits import BR_KEY, ChannelInput, channel_limit, combined_limit, expected_counts, scan_exclusion
from .idm_mass import Resolution, Window, fit_dscb, mass_windows, window_at, window_fraction
from .idm_sample import IdmSample, generator_sample, stand_in_sample
from .idm_selection import IdmSelected, IdmSelectionConfig, select

X_MASS = {"mu": M_MU, "pi": M_PI_CHARGED, "K": M_K_CHARGED}
SAMPLE_SOURCES = ("generator", "stand_in")


@dataclass(frozen=True)
class IdmScanSettings:
    """Everything an iDM scan task needs (picklable). Masses GeV, c tau cm, luminosities fb^-1."""

    m_hp: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0)
    m_chi1: float = 2.5
    ap_ratio: float = 3.0
    delta_ratio: float = 0.4
    alpha_D: float = 0.1
    eps: float = 1.5e-3
    theta_ref: float = 1e-4
    species: tuple[str, ...] = ("mu", "pi", "K")
    ctau_hp_cm: tuple[float, ...] = (0.1, 1.0, 10.0, 100.0, 1000.0)
    ctau_ref_cm: float = 10.0
    luminosities_fb: tuple[float, ...] = (365.0, 50_000.0)
    background: dict[str, float] = field(default_factory=lambda: {"mu": 0.0, "pi": 8.0, "K": 1.0})
    m_range: tuple[float, float] = (0.2, 3.0)
    pipi_split: float = 1.0
    rel_eff_sys: float = 0.04
    rel_lumi_sys: float = 0.0047
    sin_theta_grid: tuple[float, ...] = tuple(np.logspace(-8, -1, 22))
    y_m_chi1: tuple[float, ...] = (1.5, 2.5)
    y_m_hp: float = 0.5
    y_sin_theta: float = 1e-4
    eps_grid: tuple[float, ...] = tuple(np.logspace(-5, -2, 13))
    n_events: int = 20_000
    sample: str = "generator"
    isr: bool = True
    seed: int = 2024
    selection: IdmSelectionConfig = field(default_factory=IdmSelectionConfig)

    def model(
        self, m_chi1: float, m_hp: float, eps: float | None = None, theta: float | None = None
    ) -> IdmModel:
        return IdmModel.from_ratios(
            m_chi1,
            m_hp,
            ap_ratio=self.ap_ratio,
            delta_ratio=self.delta_ratio,
            alpha_D=self.alpha_D,
            eps=self.eps if eps is None else eps,
            theta=self.theta_ref if theta is None else theta,
        )

    def labels(self) -> list[str]:
        return [f"hp:{m:.4f}" for m in self.m_hp] + [f"y:{m:.4f}" for m in self.y_m_chi1]


def _rng(settings: IdmScanSettings, label: str, stream: int) -> np.random.Generator:
    seq = np.random.SeedSequence(settings.seed, spawn_key=(zlib.crc32(label.encode()), stream))
    return np.random.default_rng(seq)


def make_sample(
    settings: IdmScanSettings, model: IdmModel, species: str, rng: np.random.Generator, seed: int
) -> IdmSample:
    """The sample of one final state from the card's source (module docstring); ``seed`` fixes the
    generated events, shared by the final states of a task (:func:`.idm_sample.generator_sample`)."""
    if settings.sample == "stand_in":
        return stand_in_sample(model, settings.n_events, rng, species=species)
    return generator_sample(model, settings.n_events, rng, species=species, isr=settings.isr, seed=seed)


def _task_seed(settings: IdmScanSettings, label: str) -> int:
    return int(_rng(settings, label, 999).integers(2**62))


def _range(settings: IdmScanSettings, species: str) -> tuple[float, float]:
    return max(settings.m_range[0], 2.0 * X_MASS[species]), settings.m_range[1]


def _channel(
    settings: IdmScanSettings, species: str, sel: IdmSelected, win: Window, level: float
) -> ChannelInput:
    """Expected-limit input of one final state: efficiency (selection x window) and the expected counts
    for ``level`` background events over the species' mass range (:func:`.idm_limits.expected_counts`)."""
    m_range = _range(settings, species)
    n_obs, n_sb = expected_counts(win, level, m_range)
    eff = sel.efficiency() * window_fraction(sel.m_xx, sel.weight, win)
    return ChannelInput(species, eff, n_obs, n_sb, win.f, 0.0, settings.rel_eff_sys)


def _background_level(settings: IdmScanSettings, species: str, lumi_fb: float) -> float:
    """Background events over the full range: the card level at 365 fb^-1 scaled with the luminosity."""
    return settings.background[species] * lumi_fb / 365.0


def run_hp_task(settings: IdmScanSettings, m_hp: float) -> dict[str, Any]:
    """Task ``hp:<m_h'>`` (module docstring); returns a JSON-serialisable record."""
    label = f"hp:{m_hp:.4f}"
    model = settings.model(settings.m_chi1, m_hp)
    ct_chi2 = ctau_chi2_mm(model)
    br_ee = idm_chi2_widths(model).br("ee")
    brs_all = hp_widths(model).branching_fractions()
    samples, fits, eff_rows, windows = {}, {}, [], {}
    for k, sp in enumerate(settings.species):
        if m_hp <= 2 * X_MASS[sp] * 1.0001:
            continue
        samples[sp] = make_sample(
            settings, model, sp, _rng(settings, label, 2 * k), _task_seed(settings, label)
        )
        ref = select(
            samples[sp],
            10.0 * settings.ctau_ref_cm,
            ct_chi2,
            _rng(settings, label, 2 * k + 1),
            settings.selection,
        )
        if ref.passed.sum() < 50:
            continue
        fit = fit_dscb(ref.m_xx, ref.weight)
        fits[sp] = fit
        res = Resolution((m_hp,), (fit.params.sigma,))
        split = settings.pipi_split if sp == "pi" else None
        windows[sp] = window_at(m_hp, _range(settings, sp), res, split=split)
    sigma_fb = next(iter(samples.values())).meta["sigma_fb"] if samples else 0.0
    sel_at: dict[tuple[str, float], Any] = {}

    def selected(sp: str, ct_hp_mm: float):
        key = (sp, ct_hp_mm)
        if key not in sel_at:
            sel_at[key] = select(
                samples[sp], ct_hp_mm, ct_chi2, _rng(settings, label, 1000), settings.selection
            )
        return sel_at[key]

    limits = []
    for ct in settings.ctau_hp_cm:
        chans = {lumi: [] for lumi in settings.luminosities_fb}
        for sp in fits:
            sel = selected(sp, 10.0 * ct)
            wf = window_fraction(sel.m_xx, sel.weight, windows[sp])
            eff_rows.append(
                {
                    "m_hp": m_hp,
                    "species": sp,
                    "ctau_hp_cm": ct,
                    "ctau_chi2_cm": ct_chi2 / 10.0,
                    "eff_selection": sel.efficiency(),
                    "window_fraction": wf,
                }
            )
            for lumi in settings.luminosities_fb:
                ch = _channel(settings, sp, sel, windows[sp], _background_level(settings, sp, lumi))
                chans[lumi].append(ch)
                limits.append(
                    {
                        "m_hp": m_hp,
                        "ctau_hp_cm": ct,
                        "lumi_fb": lumi,
                        "final_state": sp,
                        "eff": ch.eff,
                        "n_obs": ch.n_obs,
                        "n_sb": ch.n_sb,
                        "f": ch.f,
                        "br": brs_all[BR_KEY[sp]],
                        "limit_fb": channel_limit(ch, lumi, settings.rel_lumi_sys),
                    }
                )
        for lumi in settings.luminosities_fb:
            brs = {sp: brs_all[BR_KEY[sp]] for sp in fits}
            limits.append(
                {
                    "m_hp": m_hp,
                    "ctau_hp_cm": ct,
                    "lumi_fb": lumi,
                    "final_state": "combined",
                    "eff": "",
                    "n_obs": "",
                    "n_sb": "",
                    "f": "",
                    "br": sum(brs.values()),
                    "limit_fb": combined_limit(chans[lumi], brs, lumi, settings.rel_lumi_sys),
                }
            )
    theta_rows = []
    for lumi in settings.luminosities_fb:

        def upper(s: float, lumi: float = lumi) -> float:
            mod = model.with_theta(math.asin(s))
            ct = ctau_hp_mm(mod)
            brs = hp_widths(mod).branching_fractions()
            chans = [
                _channel(settings, sp, selected(sp, ct), windows[sp], _background_level(settings, sp, lumi))
                for sp in fits
            ]
            return combined_limit(chans, {sp: brs[BR_KEY[sp]] for sp in fits}, lumi, settings.rel_lumi_sys)

        interval, logs = scan_exclusion(settings.sin_theta_grid, lambda s: sigma_fb * br_ee, upper)
        theta_rows.append(
            {
                "m_hp": m_hp,
                "lumi_fb": lumi,
                "sin_theta_lo": interval[0] if interval else "",
                "sin_theta_hi": interval[1] if interval else "",
                "log_ratio": logs.tolist(),
            }
        )
    res_rows = [
        {
            "m_hp": m_hp,
            "species": sp,
            **{k: float(v) for k, v in vars(f.params).items()},
            **{f"err_{k}": e for k, e in zip(vars(f.params), f.errors, strict=True)},
            "n_eff": f.n_eff,
            "windows_in_range": len(
                mass_windows(
                    _range(settings, sp),
                    Resolution((m_hp,), (f.params.sigma,)),
                    split=settings.pipi_split if sp == "pi" else None,
                )
            ),
        }
        for sp, f in fits.items()
    ]
    return {
        "label": label,
        "sigma_fb": sigma_fb,
        "br_chi2_ee": br_ee,
        "ctau_chi2_mm": ct_chi2,
        "resolution": res_rows,
        "efficiency": eff_rows,
        "limits": limits,
        "sin_theta": theta_rows,
    }


def run_y_task(settings: IdmScanSettings, m_chi1: float) -> dict[str, Any]:
    """Task ``y:<m_chi1>`` (module docstring)."""
    label = f"y:{m_chi1:.4f}"
    theta = math.asin(settings.y_sin_theta)
    model = settings.model(m_chi1, settings.y_m_hp, theta=theta)
    ct_hp = ctau_hp_mm(model)
    brs_all = hp_widths(model).branching_fractions()
    samples, windows = {}, {}
    for k, sp in enumerate(settings.species):
        if settings.y_m_hp <= 2 * X_MASS[sp] * 1.0001 or brs_all[BR_KEY[sp]] <= 0:
            continue
        s = make_sample(settings, model, sp, _rng(settings, label, 2 * k), _task_seed(settings, label))
        ref = select(s, ct_hp, ctau_chi2_mm(model), _rng(settings, label, 2 * k + 1), settings.selection)
        if ref.passed.sum() < 50:
            continue
        samples[sp] = s
        fit = fit_dscb(ref.m_xx, ref.weight)
        windows[sp] = window_at(
            settings.y_m_hp,
            _range(settings, sp),
            Resolution((settings.y_m_hp,), (fit.params.sigma,)),
            split=settings.pipi_split if sp == "pi" else None,
        )
    sigma0 = next(iter(samples.values())).meta["sigma_fb"] if samples else 0.0
    rows = []
    for lumi in settings.luminosities_fb:

        def upper(eps: float, lumi: float = lumi) -> float:
            mod = model.with_eps(eps)
            ct2 = ctau_chi2_mm(mod)
            chans = [
                _channel(
                    settings,
                    sp,
                    select(samples[sp], ct_hp, ct2, _rng(settings, label, 1000), settings.selection),
                    windows[sp],
                    _background_level(settings, sp, lumi),
                )
                for sp in samples
            ]
            return combined_limit(
                chans, {sp: brs_all[BR_KEY[sp]] for sp in samples}, lumi, settings.rel_lumi_sys
            )

        def predicted(eps: float) -> float:
            return sigma0 * (eps / settings.eps) ** 2 * idm_chi2_widths(model.with_eps(eps)).br("ee")

        interval, logs = scan_exclusion(settings.eps_grid, predicted, upper)
        to_y = model.alpha_D * (model.m_chi1 / model.m_Ap) ** 4
        rows.append(
            {
                "m_chi1": m_chi1,
                "m_hp": settings.y_m_hp,
                "sin_theta": settings.y_sin_theta,
                "lumi_fb": lumi,
                "eps_lo": interval[0] if interval else "",
                "eps_hi": interval[1] if interval else "",
                "y_lo": interval[0] ** 2 * to_y if interval else "",
                "y_hi": interval[1] ** 2 * to_y if interval else "",
                "log_ratio": logs.tolist(),
            }
        )
    return {"label": label, "y": rows}


def run_task(args: tuple[IdmScanSettings, str]) -> dict[str, Any]:
    """Dispatch one task label (``hp:...`` or ``y:...``)."""
    settings, label = args
    kind, value = label.split(":")
    return run_hp_task(settings, float(value)) if kind == "hp" else run_y_task(settings, float(value))
