"""Punzi figure of merit and the per-window cut choice (next_wave.md 1.2 cut 9 and 1.3 item 5; G. Punzi,
"Sensitivity of searches for new signals and its optimization", PHYSTAT 2003, arXiv:physics/0308063).

    FOM(cut) = eps_sig(cut) / (a / 2 + sqrt(B(cut)))

eps_sig is the signal efficiency (dimensionless) and B the expected background (events) after the cut. ``a``
is the number of Gaussian standard deviations of Punzi's sensitivity definition (significance and credibility
set equal). Seed 000 does not give its value (next_wave.md 1.2: "the sigma parameter 'a' is not given" [MEM]).

Default: a = Phi^-1(0.95) = 1.645 (:data:`PUNZI_A_DEFAULT`), the value commonly quoted with 90 % limits (it is
the half-width of a central 90 % interval, i.e. the one-sided 95 % quantile; a strictly one-sided 90 %
quantile would be 1.28, see :func:`punzi_a`). Seed 002 optimises for a 5 sigma discovery, eps / (5/2 + sqrt B)
[MEM, next_wave.md 2.3]: :data:`PUNZI_A_SEED002` = 5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

from darkstrahl.errors import ParameterError

#: Default Punzi a = Phi^-1(0.95) (module docstring).
PUNZI_A_DEFAULT = float(norm.isf(0.05))
#: Seed 002's 5-sigma discovery figure of merit (next_wave.md 2.3 [MEM]).
PUNZI_A_SEED002 = 5.0


def punzi_a(cl: float) -> float:
    """One-sided Gaussian quantile a = Phi^-1(cl) (e.g. 1.645 for 0.95, 1.282 for 0.90)."""
    if not 0 < cl < 1:
        raise ParameterError("cl", "must lie in (0, 1)", cl)
    return float(norm.ppf(cl))


def _check_a(a: float) -> float:
    if not (math.isfinite(a) and a > 0):
        raise ParameterError("punzi.a", "must be finite and > 0", a)
    return float(a)


def punzi_fom(eff: ArrayLike, b: ArrayLike, a: float = PUNZI_A_DEFAULT) -> NDArray:
    """Punzi figure of merit eps / (a/2 + sqrt(B)) (module docstring); eff dimensionless, b in events.
    Vectorized (broadcast over eff and b)."""
    a = _check_a(a)
    e = np.asarray(eff, dtype=np.float64)
    bb = np.asarray(b, dtype=np.float64)
    if np.any(bb < 0) or np.any(e < 0):
        raise ParameterError("punzi.b", "efficiency and background must be >= 0", (eff, b))
    return e / (0.5 * a + np.sqrt(bb))


def cut_efficiency_and_background(
    sig_values: ArrayLike,
    bkg_values: ArrayLike,
    cuts: ArrayLike,
    sig_weights: ArrayLike | None = None,
    bkg_weights: ArrayLike | None = None,
    sig_total: float | None = None,
    keep: str = "below",
) -> tuple[NDArray, NDArray]:
    """Signal efficiency and background (events) after the cut ``value < cut`` (keep="below", e.g. C_eta) or
    ``value > cut`` (keep="above") for every cut in ``cuts``.

    Efficiency = (sum of passing signal weights) / ``sig_total`` (default: sum of all signal weights, i.e. the
    efficiency of this cut relative to the sample given); background = sum of passing background weights
    (weights in events per MC event; unit weights by default). Vectorized with sorted cumulative weights."""
    if keep not in ("below", "above"):
        raise ParameterError("punzi.keep", "must be 'below' or 'above'", keep)
    cuts = np.asarray(cuts, dtype=np.float64)

    def passing(values: ArrayLike, weights: ArrayLike | None) -> tuple[NDArray, float]:
        v = np.asarray(values, dtype=np.float64).ravel()
        w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
        if w.shape != v.shape:
            raise ParameterError("punzi.weights", "need one weight per value", (v.shape, w.shape))
        order = np.argsort(v, kind="stable")
        v, cw = v[order], np.concatenate(([0.0], np.cumsum(w[order])))
        if keep == "below":
            return cw[np.searchsorted(v, cuts, side="left")], float(cw[-1])
        return cw[-1] - cw[np.searchsorted(v, cuts, side="right")], float(cw[-1])

    s_pass, s_all = passing(sig_values, sig_weights)
    b_pass, _ = passing(bkg_values, bkg_weights)
    total = s_all if sig_total is None else float(sig_total)
    if not total > 0:
        raise ParameterError("punzi.sig_total", "must be > 0", total)
    return s_pass / total, b_pass


@dataclass(frozen=True)
class CutChoice:
    """The chosen cut: its index in the grid, value, figure of merit, efficiency and background (events)."""

    index: int
    cut: float
    fom: float
    eff: float
    b: float


def choose_cut(cuts: ArrayLike, eff: ArrayLike, b: ArrayLike, a: float = PUNZI_A_DEFAULT) -> CutChoice:
    """The cut of the grid ``cuts`` that maximises :func:`punzi_fom` given eff(cut) and B(cut) (events).
    Ties go to the first cut of the grid."""
    cuts = np.asarray(cuts, dtype=np.float64)
    eff = np.asarray(eff, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if not (cuts.ndim == 1 and cuts.size > 0 and cuts.shape == eff.shape == b.shape):
        raise ParameterError(
            "punzi.cuts", "cuts, eff and b must be 1-D arrays of equal non-zero length", cuts
        )
    fom = punzi_fom(eff, b, a)
    i = int(np.argmax(fom))
    return CutChoice(i, float(cuts[i]), float(fom[i]), float(eff[i]), float(b[i]))


def optimise_cut(
    sig_values: ArrayLike,
    bkg_values: ArrayLike,
    cuts: ArrayLike,
    a: float = PUNZI_A_DEFAULT,
    sig_weights: ArrayLike | None = None,
    bkg_weights: ArrayLike | None = None,
    sig_total: float | None = None,
    keep: str = "below",
) -> CutChoice:
    """Per-window cut choice (next_wave.md 1.3 item 5): :func:`cut_efficiency_and_background` on the grid
    ``cuts`` followed by :func:`choose_cut`."""
    eff, b = cut_efficiency_and_background(
        sig_values, bkg_values, cuts, sig_weights, bkg_weights, sig_total, keep
    )
    return choose_cut(cuts, eff, b, a)
