"""Window optimization (physics.md section 4).

phi channel: start from the m_chichi bin that contains m_A' and add neighbouring bins one at a time, on
whichever side raises -2 ln L more, until neither side raises it. gamma-phi channel: accept
0 <= sqrt(|v|) <= sqrt(|v|_max) and choose |v|_max the same way, growing from the first bin. Ties between
the two sides go to the lower side. The window is re-optimized for every (eps, theta, N_b).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .likelihood import minus2lnl, minus2lnl_scalar


@dataclass(frozen=True)
class Window:
    """Selected bins [lo, hi] (inclusive indices), the selected S and B, and -2 ln L."""

    lo: int
    hi: int
    s: float
    b: float
    value: float


def grow_window(s: NDArray, b: NDArray, start: int) -> Window:
    """Two-sided window growth from bin ``start`` over histograms s, b (expected events per bin)."""
    n = len(s)
    if not 0 <= start < n:
        raise ValueError(f"start bin {start} outside the histogram of {n} bins")
    s_list, b_list = s.tolist(), b.tolist()
    lo = hi = start
    ss, bb = s_list[start], b_list[start]
    best = minus2lnl_scalar(ss, bb)
    while True:
        cand_lo = minus2lnl_scalar(ss + s_list[lo - 1], bb + b_list[lo - 1]) if lo > 0 else -np.inf
        cand_hi = minus2lnl_scalar(ss + s_list[hi + 1], bb + b_list[hi + 1]) if hi < n - 1 else -np.inf
        if max(cand_lo, cand_hi) <= best:
            break
        if cand_lo >= cand_hi:
            lo -= 1
            ss, bb, best = ss + s_list[lo], bb + b_list[lo], cand_lo
        else:
            hi += 1
            ss, bb, best = ss + s_list[hi], bb + b_list[hi], cand_hi
    return Window(lo, hi, float(ss), float(bb), best)


def grow_cut(s: NDArray, b: NDArray) -> Window:
    """One-sided growth from the first bin: the upper cut of 0 <= x <= x_max."""
    cs, cb = np.cumsum(s), np.cumsum(b)
    vals = minus2lnl(cs, cb)
    hi = 0
    while hi + 1 < len(s) and vals[hi + 1] > vals[hi]:
        hi += 1
    return Window(0, hi, float(cs[hi]), float(cb[hi]), float(vals[hi]))
