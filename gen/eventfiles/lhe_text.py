"""numba kernel that renders event blocks of a Les Houches file into bytes (see :mod:`.lhe`).

Layout of one event (every float ``%.16e``, 23 characters after a separating space):

    <event>
     NUP IDPRUP XWGTUP SCALUP AQEDUP AQCDUP
     IDUP ISTUP MOTHUP1 MOTHUP2 ICOLUP1 ICOLUP2 PX PY PZ E M VTIMUP SPINUP     (NUP lines)
    </event>
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numpy.typing import NDArray

from .textformat import FLOAT_WIDTH, put_float, put_int

HEADER_LEN = 1 + 3 + 1 + 3 + 4 * 24 + 1
LINE_LEN = 1 + 9 + 1 + 2 + 4 * 5 + 6 * 24 + 5 + 1
_OPEN = np.frombuffer(b"<event>\n", dtype=np.uint8)
_CLOSE = np.frombuffer(b"</event>\n", dtype=np.uint8)


def buffer_size(n_events: int, n_lines: int) -> int:
    """Bytes needed for n_events events of at most n_lines particles."""
    return n_events * (len(_OPEN) + len(_CLOSE) + HEADER_LEN + n_lines * LINE_LEN)


@nb.njit(cache=True)
def render_events(
    out: NDArray,
    ids: NDArray,
    status: NDArray,
    moth: NDArray,
    present: NDArray,
    p: NDArray,
    mass: NDArray,
    vtim: NDArray,
    spin: NDArray,
    weight: NDArray,
    lprup: int,
    scale: float,
    aqed: float,
    aqcd: float,
    opening: NDArray,
    closing: NDArray,
    p_hi: NDArray,
    p_lo: NDArray,
) -> int:
    """Render events into ``out``; returns the number of bytes written. ``p`` is (n, L, 4) in the order
    (E, px, py, pz); ``moth`` (L, 2) holds 1-based mother line numbers; rows with present = False are
    skipped (they must come after every particle that points to them)."""
    pos = 0
    n, n_lines = ids.shape
    # values repeat a lot (beams, masses, c tau, zeros): reuse the bytes of the same value in the same column
    last_val = np.full((n_lines, 6), np.nan)
    last_pos = np.zeros((n_lines, 6), dtype=np.int64)
    for i in range(n):
        for c in range(opening.shape[0]):
            out[pos + c] = opening[c]
        pos += opening.shape[0]
        nup = 0
        for j in range(n_lines):
            if present[i, j]:
                nup += 1
        out[pos] = 32
        pos = put_int(out, pos + 1, nup, 3)
        out[pos] = 32
        pos = put_int(out, pos + 1, lprup, 3)
        for val in (weight[i], scale, aqed, aqcd):
            out[pos] = 32
            pos = put_float(out, pos + 1, val, p_hi, p_lo)
        out[pos] = 10
        pos += 1
        for j in range(n_lines):
            if not present[i, j]:
                continue
            out[pos] = 32
            pos = put_int(out, pos + 1, ids[i, j], 9)
            out[pos] = 32
            pos = put_int(out, pos + 1, status[i, j], 2)
            for v in (moth[j, 0], moth[j, 1], 0, 0):
                out[pos] = 32
                pos = put_int(out, pos + 1, v, 4)
            for c, val in enumerate((p[i, j, 1], p[i, j, 2], p[i, j, 3], p[i, j, 0], mass[i, j], vtim[i, j])):
                out[pos] = 32
                if val == last_val[j, c]:
                    src = last_pos[j, c]
                    for b in range(FLOAT_WIDTH):
                        out[pos + 1 + b] = out[src + b]
                    pos += 1 + FLOAT_WIDTH
                else:
                    last_val[j, c] = val
                    last_pos[j, c] = pos + 1
                    pos = put_float(out, pos + 1, val, p_hi, p_lo)
            # SPINUP: -1.0, 0.0, 1.0 or 9.0
            s = spin[i, j]
            out[pos] = 32
            out[pos + 1] = 45 if s < 0 else 32
            out[pos + 2] = 48 + int(abs(s))
            out[pos + 3] = 46
            out[pos + 4] = 48
            out[pos + 5] = 10
            pos += 6
        for c in range(closing.shape[0]):
            out[pos + c] = closing[c]
        pos += closing.shape[0]
    return pos
