"""HELAS-convention wave functions and vertices (reference.md section 6), compiled with numba.

One small function per external wave function and per vertex type, used by every process in
:mod:`darkstrahl.gen.amplitudes`. Conventions:

* Dirac matrices in the chiral basis: gamma^0 = [[0, 1], [1, 0]], gamma^k = [[0, sigma^k], [-sigma^k, 0]],
  gamma5 = diag(-1, -1, 1, 1); spinor components 0, 1 are left-handed, 2, 3 right-handed.
* Momenta are ``(E, px, py, pz)`` in GeV; a wave function is a 4-tuple of complex numbers (the spinor or
  the contravariant vector components). Unlike MadGraph's packed layout the flow momentum is not stored in
  the wave function: callers pass momenta explicitly.
* Helicities are physical helicities (+1 or -1; 0 for a longitudinal vector) for particles and
  antiparticles alike: ``ixxxxx(p, m, hel, +1)`` is u(p, hel), ``ixxxxx(p, m, hel, -1)`` is v(p, hel),
  ``oxxxxx(p, m, hel, +1)`` is ubar(p, hel), ``oxxxxx(p, m, hel, -1)`` is vbar(p, hel).
* Vertices are the Feynman-rule structures without the factors of i and the couplings, which the
  process code multiplies in (only |M|^2 and relative signs between diagrams matter, and every diagram of a
  process carries the same power of i).

Tested in ``tests/test_helas.py``: Dirac equations, completeness relations, polarization sums,
transversality, and the Ward identity of the off-shell fermion lines.
"""

from __future__ import annotations

import math

import numba as nb

_SQRT_HALF = 1.0 / math.sqrt(2.0)
_jit = nb.njit(cache=True, fastmath=False, inline="always")


@_jit
def helicity_spinor(px: float, py: float, pz: float, hel: int) -> tuple[complex, complex]:
    """Two-component helicity eigenstate chi_hel(p_hat) (reference.md 6)."""
    pp = math.sqrt(px * px + py * py + pz * pz)
    if pp + pz <= 1e-14 * max(pp, 1.0):
        if hel == 1:
            return 0j, 1.0 + 0j
        return -1.0 + 0j, 0j
    norm = math.sqrt(2.0 * pp * (pp + pz))
    big = math.sqrt((pp + pz) / (2.0 * pp)) + 0j
    if hel == 1:
        return big, complex(px, py) / norm
    return complex(-px, py) / norm, big


@_jit
def ixxxxx(
    p0: float, p1: float, p2: float, p3: float, m: float, hel: int, nsf: int
) -> tuple[complex, complex, complex, complex]:
    """Flowing-in fermion: u(p, hel) for nsf = +1 (incoming fermion), v(p, hel) for nsf = -1
    (outgoing antifermion). u = [w_{-h} chi_h ; w_h chi_h], v = [-h w_h chi_{-h} ; h w_{-h} chi_{-h}],
    w_{+-} = sqrt(E +- |p|)."""
    pp = math.sqrt(p1 * p1 + p2 * p2 + p3 * p3)
    wp = math.sqrt(max(p0 + pp, 0.0))
    wm = m / wp if wp > 0.0 else 0.0
    if nsf == 1:
        c0, c1 = helicity_spinor(p1, p2, p3, hel)
        a, b = (wm, wp) if hel == 1 else (wp, wm)  # (w_{-h}, w_h)
        return a * c0, a * c1, b * c0, b * c1
    c0, c1 = helicity_spinor(p1, p2, p3, -hel)
    a, b = (wp, wm) if hel == 1 else (wm, wp)  # (w_h, w_{-h})
    return -hel * a * c0, -hel * a * c1, hel * b * c0, hel * b * c1


@_jit
def oxxxxx(
    p0: float, p1: float, p2: float, p3: float, m: float, hel: int, nsf: int
) -> tuple[complex, complex, complex, complex]:
    """Flowing-out fermion (a row spinor): ubar(p, hel) for nsf = +1 (outgoing fermion), vbar(p, hel)
    for nsf = -1 (incoming antifermion); psibar = psi^dagger gamma^0."""
    f0, f1, f2, f3 = ixxxxx(p0, p1, p2, p3, m, hel, nsf)
    return f2.conjugate(), f3.conjugate(), f0.conjugate(), f1.conjugate()


@_jit
def vxxxxx(
    p0: float, p1: float, p2: float, p3: float, m: float, hel: int, nsv: int
) -> tuple[complex, complex, complex, complex]:
    """Vector polarization (contravariant): eps(p, hel) for nsv = -1 (incoming), eps*(p, hel) for
    nsv = +1 (outgoing); hel = +-1 transverse, 0 longitudinal (massive only). reference.md 6."""
    pt2 = p1 * p1 + p2 * p2
    pp = math.sqrt(pt2 + p3 * p3)
    pt = math.sqrt(pt2)
    hel0 = 1.0 - abs(hel)
    e0 = 0j
    e1 = 0j
    e2 = 0j
    e3 = 0j
    if hel0 != 0.0:
        if pp == 0.0:
            return 0j, 0j, 0j, 1.0 + 0j
        emp = p0 / (m * pp)
        return pp / m + 0j, emp * p1 + 0j, emp * p2 + 0j, emp * p3 + 0j
    if pp == 0.0:
        return 0j, -hel * _SQRT_HALF + 0j, 1j * nsv * _SQRT_HALF, 0j
    if pt > 0.0:
        e1 = complex(-hel * p1 * p3 / (pp * pt) * _SQRT_HALF, -nsv * p2 / pt * _SQRT_HALF)
        e2 = complex(-hel * p2 * p3 / (pp * pt) * _SQRT_HALF, nsv * p1 / pt * _SQRT_HALF)
        e3 = complex(hel * pt / pp * _SQRT_HALF, 0.0)
    else:
        sgn = 1.0 if p3 >= 0.0 else -1.0
        e1 = complex(-hel * _SQRT_HALF, 0.0)
        e2 = complex(0.0, nsv * sgn * _SQRT_HALF)
    return e0, e1, e2, e3


@_jit
def slash(
    a0: complex, a1: complex, a2: complex, a3: complex, f0: complex, f1: complex, f2: complex, f3: complex
) -> tuple[complex, complex, complex, complex]:
    """gamma^mu a_mu acting on a column spinor f (a contravariant, chiral basis)."""
    return (
        (a0 - a3) * f2 - (a1 - 1j * a2) * f3,
        -(a1 + 1j * a2) * f2 + (a0 + a3) * f3,
        (a0 + a3) * f0 + (a1 - 1j * a2) * f1,
        (a1 + 1j * a2) * f0 + (a0 - a3) * f1,
    )


@_jit
def bar_slash(
    f0: complex, f1: complex, f2: complex, f3: complex, a0: complex, a1: complex, a2: complex, a3: complex
) -> tuple[complex, complex, complex, complex]:
    """A row spinor fbar times gamma^mu a_mu."""
    return (
        f2 * (a0 + a3) + f3 * (a1 + 1j * a2),
        f2 * (a1 - 1j * a2) + f3 * (a0 - a3),
        f0 * (a0 - a3) - f1 * (a1 + 1j * a2),
        -f0 * (a1 - 1j * a2) + f1 * (a0 + a3),
    )


@_jit
def ffv_current(
    b0: complex, b1: complex, b2: complex, b3: complex, f0: complex, f1: complex, f2: complex, f3: complex
) -> tuple[complex, complex, complex, complex]:
    """Vector current J^mu = fbar gamma^mu f (contravariant): the FFV vertex with the vector leg open
    (HELAS FFV1P0_3 without coupling and propagator)."""
    return (
        b0 * f2 + b1 * f3 + b2 * f0 + b3 * f1,
        (b0 * f3 + b1 * f2) - (b2 * f1 + b3 * f0),
        1j * (-b0 * f3 + b1 * f2 + b2 * f1 - b3 * f0),
        (b0 * f2 - b1 * f3) - (b2 * f0 - b3 * f1),
    )


@_jit
def ffv_chiral_current(
    b0: complex,
    b1: complex,
    b2: complex,
    b3: complex,
    f0: complex,
    f1: complex,
    f2: complex,
    f3: complex,
    cl: float,
    cr: float,
) -> tuple[complex, complex, complex, complex]:
    """Chiral vector current J^mu = fbar gamma^mu (cl P_L + cr P_R) f (contravariant), the FFV vertex of a
    Z-like coupling with the vector leg open (HELAS FFV2/FFV4 structures, ProjM/ProjP; reference.md 6).
    In the chiral basis P_L = diag(1, 1, 0, 0) keeps the components 0, 1 of f."""
    a0, a1, a2, a3 = ffv_current(b0, b1, b2, b3, f0, f1, 0j, 0j)
    c0, c1, c2, c3 = ffv_current(b0, b1, b2, b3, 0j, 0j, f2, f3)
    return cl * a0 + cr * c0, cl * a1 + cr * c1, cl * a2 + cr * c2, cl * a3 + cr * c3


@_jit
def mdot(
    a0: complex, a1: complex, a2: complex, a3: complex, b0: complex, b1: complex, b2: complex, b3: complex
) -> complex:
    """Minkowski product a.b = a0 b0 - a_vec . b_vec (no complex conjugation)."""
    return a0 * b0 - a1 * b1 - a2 * b2 - a3 * b3


@_jit
def fvi(
    f0: complex,
    f1: complex,
    f2: complex,
    f3: complex,
    v0: complex,
    v1: complex,
    v2: complex,
    v3: complex,
    q0: float,
    q1: float,
    q2: float,
    q3: float,
    m: float,
) -> tuple[complex, complex, complex, complex]:
    """Off-shell flowing-in fermion after a vector vertex (HELAS FVIXXX):
    (qslash + m) vslash f / (q^2 - m^2), q the momentum along the fermion flow."""
    g0, g1, g2, g3 = slash(v0, v1, v2, v3, f0, f1, f2, f3)
    h0, h1, h2, h3 = slash(q0 + 0j, q1 + 0j, q2 + 0j, q3 + 0j, g0, g1, g2, g3)
    den = q0 * q0 - q1 * q1 - q2 * q2 - q3 * q3 - m * m
    return (h0 + m * g0) / den, (h1 + m * g1) / den, (h2 + m * g2) / den, (h3 + m * g3) / den


@_jit
def fvo(
    b0: complex,
    b1: complex,
    b2: complex,
    b3: complex,
    v0: complex,
    v1: complex,
    v2: complex,
    v3: complex,
    q0: float,
    q1: float,
    q2: float,
    q3: float,
    m: float,
) -> tuple[complex, complex, complex, complex]:
    """Off-shell flowing-out fermion before a vector vertex (HELAS FVOXXX):
    fbar vslash (qslash + m) / (q^2 - m^2), q the momentum along the fermion flow."""
    g0, g1, g2, g3 = bar_slash(b0, b1, b2, b3, v0, v1, v2, v3)
    h0, h1, h2, h3 = bar_slash(g0, g1, g2, g3, q0 + 0j, q1 + 0j, q2 + 0j, q3 + 0j)
    den = q0 * q0 - q1 * q1 - q2 * q2 - q3 * q3 - m * m
    return (h0 + m * g0) / den, (h1 + m * g1) / den, (h2 + m * g2) / den, (h3 + m * g3) / den


@_jit
def breit_wigner(q2: float, m: float, width: float) -> complex:
    """Vector propagator denominator D(q^2) = q^2 - m^2 + i m Gamma (physics.md 1). The numerator
    -g^{mu nu} + q^mu q^nu/m^2 reduces to -g^{mu nu} between conserved currents (physics.md 1)."""
    return complex(q2 - m * m, m * width)


@_jit
def fsi(
    f0: complex, f1: complex, f2: complex, f3: complex, q0: float, q1: float, q2: float, q3: float, m: float
) -> tuple[complex, complex, complex, complex]:
    """Off-shell flowing-in fermion after a scalar vertex (HELAS FSIXXX without coupling):
    (qslash + m) f / (q^2 - m^2), q the momentum along the fermion flow. With a Majorana line the flow is
    chosen once for the whole chain (Denner et al.): an outgoing Majorana fermion against the flow enters as
    v(p) (``ixxxxx(p, m, hel, -1)``) with q = -(p + k)."""
    h0, h1, h2, h3 = slash(q0 + 0j, q1 + 0j, q2 + 0j, q3 + 0j, f0, f1, f2, f3)
    den = q0 * q0 - q1 * q1 - q2 * q2 - q3 * q3 - m * m
    return (h0 + m * f0) / den, (h1 + m * f1) / den, (h2 + m * f2) / den, (h3 + m * f3) / den


@_jit
def fso(
    b0: complex, b1: complex, b2: complex, b3: complex, q0: float, q1: float, q2: float, q3: float, m: float
) -> tuple[complex, complex, complex, complex]:
    """Off-shell flowing-out fermion before a scalar vertex (HELAS FSOXXX without coupling):
    fbar (qslash + m) / (q^2 - m^2), q the momentum along the fermion flow."""
    h0, h1, h2, h3 = bar_slash(b0, b1, b2, b3, q0 + 0j, q1 + 0j, q2 + 0j, q3 + 0j)
    den = q0 * q0 - q1 * q1 - q2 * q2 - q3 * q3 - m * m
    return (h0 + m * b0) / den, (h1 + m * b1) / den, (h2 + m * b2) / den, (h3 + m * b3) / den
