"""Limits of the iDM displaced-vertex analysis (next_wave.md 2.3 "Statistical model", "Model-dependent
interpretations"; 2.4 items 7-8) from the sideband model of :mod:`darkstrahl.analysis.sideband` (eqs. B1-B4,
95 % credibility, reused as is).

Inputs per h' final state j (mu, pi, K) in the window around m_h' (:mod:`.idm_mass`): the signal efficiency
eps_j = (selection efficiency) x (fraction of the selected m(x+x-) in the window), the window count
N_obs,j, the
sideband count N_SB,j and the ratio f_j.

Expected counts (the analysis has no data; next_wave.md 2.4 item 7 asks for a user-supplied background level
per final state): a level b_j of background events over the whole mass range, uniform in mass, gives
b_win = b_j (window width)/(range width) and b_SB = f_j b_win. The expected limit uses N_SB = round(b_SB) and
N_obs = median of Poisson(b_win) (0 for b_win < ln 2). Default levels 0/8/1 for mu/pi/K: the "seed-level
scale" of next_wave.md 2.4 item 7, read in the order of the final states listed in 2.2 (mu mu, pi pi, K K) -
an assumption, the spec does not name the order.

* sigma x BR limit of one final state: sigma_up(sigma BR_j) = :func:`sideband_upper_limit` with eff_j.
* Combination with theoretical branching fractions: :func:`combined_upper_limit` of the final states with
  br = BR(h' -> j), a limit on sigma(e+e- -> h' chi1 chi2) x BR(chi2 -> chi1 e+e-) (called sigma_vis here).
* Model-dependent limits: a parameter point is excluded when the predicted sigma_vis is >= its combined
  upper limit (which depends on the point through the efficiencies, i.e. the lifetimes, and BR_j).
  sin(theta) at fixed m_h' (h' lifetime ∝ 1/sin^2 theta, sigma almost independent of theta), and
  y = eps^2 alpha_D (m_chi1/m_A')^4 at fixed m_chi1 (sigma ∝ eps^2, chi2 lifetime ∝ 1/eps^2): the excluded
  interval is read on a logarithmic grid, with log-linear interpolation of ln(sigma_vis/sigma_up) at the
  crossings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import poisson

from darkstrahl.errors import ParameterError

from .idm_mass import Window
from .sideband import CL_SEED002, FinalState, combined_upper_limit, sideband_upper_limit

#: Background events over the full mass range per final state (module docstring: assumption on the order).
SEED_BACKGROUND: dict[str, float] = {"mu": 0.0, "pi": 8.0, "K": 1.0}
#: h' final state -> key of :meth:`darkstrahl.gen.widths.PhiWidths.branching_fractions`.
BR_KEY: dict[str, str] = {"mu": "mumu", "pi": "pipm", "K": "KpKm"}


@dataclass(frozen=True)
class ChannelInput:
    """One final state in one window: efficiency (selection x window), counts, f, background-model
    uncertainty delta and relative efficiency uncertainty."""

    species: str
    eff: float
    n_obs: int
    n_sb: int
    f: float
    delta: float = 0.0
    rel_eff_sys: float = 0.0


def expected_counts(win: Window, level: float, m_range: tuple[float, float]) -> tuple[int, int]:
    """(N_obs, N_SB) of the expected limit for ``level`` background events uniform over m_range [GeV]
    (module docstring)."""
    if not (math.isfinite(level) and level >= 0):
        raise ParameterError("background level", "must be finite and >= 0 events", level)
    b_win = level * (win.hi - win.lo) / (m_range[1] - m_range[0])
    n_obs = int(poisson.median(b_win)) if b_win > 0 else 0
    return n_obs, round(win.f * b_win)


def channel_limit(
    ch: ChannelInput, lumi_fb: float, rel_lumi_sys: float = 0.0, cl: float = CL_SEED002
) -> float:
    """95 % upper limit [fb] on sigma x BR of one final state (sideband model B1-B4); inf if eff = 0."""
    if ch.eff <= 0:
        return math.inf
    return sideband_upper_limit(
        ch.n_obs, ch.n_sb, ch.f, ch.eff, lumi_fb, ch.delta, ch.rel_eff_sys, rel_lumi_sys, cl=cl
    )


def combined_limit(
    channels: Sequence[ChannelInput],
    br: dict[str, float],
    lumi_fb: float,
    rel_lumi_sys: float = 0.0,
    cl: float = CL_SEED002,
) -> float:
    """95 % upper limit [fb] on sigma_vis with the final states weighted by their theoretical branching
    fractions ``br`` (species -> BR(h' -> x+x-)); final states with BR x eff = 0 carry no information and
    are left out; inf if none is left."""
    states = [
        FinalState(ch.n_obs, ch.n_sb, ch.f, ch.eff, br[ch.species], ch.delta, ch.rel_eff_sys)
        for ch in channels
        if ch.eff > 0 and br.get(ch.species, 0.0) > 0
    ]
    if not states:
        return math.inf
    return combined_upper_limit(states, lumi_fb, rel_lumi_sys, cl=cl)


def excluded_interval(grid: NDArray, log_ratio: NDArray) -> tuple[float, float] | None:
    """Smallest and largest excluded value of a logarithmic ``grid`` given ln(sigma_pred/sigma_up) on it
    (excluded where >= 0), with log-linear interpolation at the two outer crossings; None if nothing is
    excluded. An excluded grid end is returned as that end (the interval may continue beyond the grid)."""
    grid = np.asarray(grid, dtype=np.float64)
    r = np.asarray(log_ratio, dtype=np.float64)
    exc = np.flatnonzero(r >= 0)
    if exc.size == 0:
        return None

    def cross(i: int, j: int) -> float:
        if not (np.isfinite(r[i]) and np.isfinite(r[j])):
            return float(grid[j] if r[j] >= 0 else grid[i])
        t = r[i] / (r[i] - r[j])
        return float(np.exp(np.log(grid[i]) + t * (np.log(grid[j]) - np.log(grid[i]))))

    first, last = int(exc[0]), int(exc[-1])
    lo = grid[0] if first == 0 else cross(first - 1, first)
    hi = grid[-1] if last == len(grid) - 1 else cross(last, last + 1)
    return float(lo), float(hi)


def scan_exclusion(
    grid: Sequence[float],
    predicted_fb: Callable[[float], float],
    upper_limit_fb: Callable[[float], float],
) -> tuple[tuple[float, float] | None, NDArray]:
    """Evaluate ln(sigma_pred/sigma_up) on ``grid`` (a model parameter such as sin(theta) or eps) and return
    the excluded interval (:func:`excluded_interval`) and the log ratios."""
    g = np.asarray(grid, dtype=np.float64)
    if g.ndim != 1 or g.size < 2 or np.any(g <= 0) or np.any(np.diff(g) <= 0):
        raise ParameterError("grid", "needs >= 2 increasing positive values", grid)
    logs = np.empty(g.size)
    for i, x in enumerate(g):
        pred, up = predicted_fb(float(x)), upper_limit_fb(float(x))
        logs[i] = -math.inf if (pred <= 0 or not math.isfinite(up)) else math.log(pred / up)
    return excluded_interval(g, logs), logs
