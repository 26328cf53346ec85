"""Fast fixed-width formatting of numbers into byte buffers (numba), for event files at full precision.

Python's per-number formatting costs about a microsecond and an event holds about a hundred numbers, so
formatting decides a writer's speed. The kernels here write ASCII directly into a ``uint8`` buffer:

* :func:`put_float`: ``%.16e`` (17 significant digits, 23 characters, e.g. ``-1.2345678901234567e+00``).
  The 17-digit mantissa is rint(|x| 10^(16 - e)) computed in double-double arithmetic (Dekker's exact
  product with a double-double table of powers of ten), so it is the correctly rounded decimal except for
  values within 1e-32 of a rounding tie; every double round-trips (tested against Python's ``float``).
  Negative zero is written as zero.
* :func:`put_int`: right-aligned integers of a given width.

``format_floats`` and ``format_ints`` apply them to arrays (tests and small outputs).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numba as nb
import numpy as np
from numpy.typing import NDArray

FLOAT_WIDTH = 23
_OFFSET = 340
_P10 = [Fraction(10) ** k for k in range(-_OFFSET, _OFFSET + 1)]
_P10_HI = np.array([float(p) if abs(p) < 1.7e308 else math.inf for p in _P10])
_P10_LO = np.array(
    [float(p - Fraction(h)) if math.isfinite(h) else 0.0 for p, h in zip(_P10, _P10_HI, strict=True)]
)
_SPLIT = 134217729.0  # 2^27 + 1
_TEN17 = 10**17
_TEN16 = 10**16


@nb.njit(cache=True, inline="always")
def _two_prod(a: float, b: float) -> tuple[float, float]:
    p = a * b
    t = _SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = _SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@nb.njit(cache=True, inline="always")
def _mantissa(a: float, e: int, p_hi: NDArray, p_lo: NDArray) -> int:
    """rint(a x 10^(16 - e)) as an int64, in double-double arithmetic."""
    k = 16 - e + _OFFSET
    p, err = _two_prod(a, p_hi[k])
    rest = err + a * p_lo[k]
    return np.int64(p) + np.int64(np.rint(rest))


_DIGIT_PAIRS = np.array([ord(c) for k in range(100) for c in f"{k:02d}"], dtype=np.uint8)
_ZERO = np.frombuffer(b" 0.0000000000000000e+00", dtype=np.uint8)
_LOG10_2 = math.log10(2.0)


@nb.njit(cache=True, inline="always")
def put_float(out: NDArray, pos: int, x: float, p_hi: NDArray, p_lo: NDArray) -> int:
    """Write ``%.16e`` of finite x (|exponent| < 100) at out[pos:pos + 23]; return pos + 23."""
    a = abs(x)
    if a == 0.0:
        for c in range(FLOAT_WIDTH):
            out[pos + c] = _ZERO[c]
        return pos + FLOAT_WIDTH
    out[pos] = 45 if x < 0 else 32  # '-' or ' '
    # decimal exponent from the binary one (exact up to one unit), then fixed by the mantissa range
    e = int(math.floor((math.frexp(a)[1] - 1) * _LOG10_2))  # noqa: RUF046 - numba needs the int
    m = _mantissa(a, e, p_hi, p_lo)
    while m >= _TEN17:
        e += 1
        m = _mantissa(a, e, p_hi, p_lo)
    while m < _TEN16:
        e -= 1
        m = _mantissa(a, e, p_hi, p_lo)
    u = np.uint64(m)  # unsigned: division by a constant compiles to a multiply and a shift
    hundred = np.uint64(100)
    # 17 digits: d0 at pos+1, the point at pos+2, d1 ... d16 at pos+3 ... pos+18; pairs from the right
    col = pos + 17
    for _ in range(8):
        r = np.int64(u % hundred) * 2
        u //= hundred
        out[col] = _DIGIT_PAIRS[r]
        out[col + 1] = _DIGIT_PAIRS[r + 1]
        col -= 2
    out[pos + 1] = np.uint8(48) + np.uint8(u)  # u is now the single leading digit d0
    out[pos + 2] = 46  # '.'
    out[pos + 19] = 101  # 'e'
    out[pos + 20] = 45 if e < 0 else 43
    ea = abs(e)
    out[pos + 21] = 48 + ea // 10
    out[pos + 22] = 48 + ea % 10
    return pos + FLOAT_WIDTH


@nb.njit(cache=True, inline="always")
def put_int(out: NDArray, pos: int, v: int, width: int) -> int:
    """Write v right-aligned in ``width`` characters at out[pos:]; return pos + width."""
    a = abs(v)
    col = pos + width - 1
    while True:
        out[col] = 48 + a % 10
        a //= 10
        col -= 1
        if a == 0:
            break
    if v < 0:
        out[col] = 45
        col -= 1
    while col >= pos:
        out[col] = 32
        col -= 1
    return pos + width


@nb.njit(cache=True)
def _format_floats(x: NDArray, p_hi: NDArray, p_lo: NDArray) -> NDArray:
    out = np.empty(x.shape[0] * FLOAT_WIDTH, dtype=np.uint8)
    pos = 0
    for i in range(x.shape[0]):
        pos = put_float(out, pos, x[i], p_hi, p_lo)
    return out


def check_finite(x: NDArray) -> None:
    """Event files get finite numbers with two-digit exponents only."""
    x = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("cannot write a non-finite number into an event file")
    big = np.abs(x[x != 0])
    if big.size and (big.max() >= 1e100 or big.min() < 1e-99):
        raise ValueError("a value with a three-digit exponent cannot be written into an event file")


def format_floats(x: NDArray) -> NDArray[np.uint8]:
    """ASCII rows (n, 23) of ``%.16e`` (see :func:`put_float`)."""
    x = np.ascontiguousarray(x, dtype=np.float64).ravel()
    check_finite(x)
    return _format_floats(x, _P10_HI, _P10_LO).reshape(-1, FLOAT_WIDTH)


def format_ints(v: NDArray, width: int) -> NDArray[np.uint8]:
    """ASCII rows (n, width) of right-aligned integers."""
    v = np.asarray(v, dtype=np.int64).ravel()
    if v.size and int(np.max(np.abs(v))) >= 10 ** (width - 1):
        raise ValueError(f"integer wider than {width} characters in an event file")
    out = np.empty(v.size * width, dtype=np.uint8)
    pos = 0
    for val in v:
        pos = put_int(out, pos, int(val), width)
    return out.reshape(-1, width)


POW10_HI, POW10_LO = _P10_HI, _P10_LO
