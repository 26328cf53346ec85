"""RAMBO speed: massive n = 3 and n = 4 phase-space points per second on one core, after warm-up,
side by side with a plain vectorized numpy RAMBO (the baseline, written here) in the same run.

Both include drawing the uniforms from numpy.random.Generator. Target (issues 4, 17): >= 3e6 points/s for
n = 4 per core. On a shared machine the wall time counts the time other processes hold the core, so each rate
is the best of ``--repeat`` runs of ``--points`` points, measured in process CPU time (one thread: numba,
OpenMP and BLAS are pinned to 1) and, for reference, in wall time; the 1-minute load average is printed.
Pin it to one core with ``taskset -c 0``.
Run:  taskset -c 0 python benchmarks/rambo.py [--points N] [--repeat R]
"""

from __future__ import annotations

import argparse
import math
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from darkstrahl.gen.rambo import massless_weight, rambo


def numpy_rambo(sqrt_s: float, masses: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Baseline: the same algorithm vectorized over events with numpy (fixed 8 Newton steps)."""
    n_ev, n = r.shape[0], masses.size
    r = r.reshape(n_ev, n, 4)
    c = 2 * r[..., 0] - 1
    s = np.sqrt(1 - c * c)
    f = 2 * np.pi * r[..., 1]
    e = -np.log(r[..., 2] * r[..., 3])
    q = np.stack([e, e * s * np.cos(f), e * s * np.sin(f), e * c], axis=-1)
    qs = q.sum(axis=1)
    m = np.sqrt(qs[:, 0] ** 2 - np.sum(qs[:, 1:] ** 2, axis=1))
    b = -qs[:, 1:] / m[:, None]
    g = qs[:, 0] / m
    a = 1 / (1 + g)
    x = sqrt_s / m
    bq = np.einsum("ek,ejk->ej", b, q[..., 1:])
    p = np.empty_like(q)
    p[..., 0] = x[:, None] * (g[:, None] * q[..., 0] + bq)
    p[..., 1:] = x[:, None, None] * (q[..., 1:] + b[:, None, :] * (q[..., 0] + a[:, None] * bq)[..., None])
    xi = np.full(n_ev, math.sqrt(1 - (masses.sum() / sqrt_s) ** 2))
    e2 = p[..., 0] ** 2
    for _ in range(8):
        ej = np.sqrt(masses**2 + xi[:, None] ** 2 * e2)
        xi -= (ej.sum(axis=1) - sqrt_s) / (xi * np.sum(e2 / ej, axis=1))
    v = xi[:, None] * p[..., 0]
    ej = np.sqrt(masses**2 + v * v)
    w = (
        massless_weight(n, sqrt_s)
        * xi ** (2 * n - 3)
        * np.prod(v / ej, axis=1)
        * sqrt_s
        / np.sum(v * v / ej, axis=1)
    )
    p[..., 1:] *= xi[:, None, None]
    p[..., 0] = ej
    return p, w


def rate(fn, masses: np.ndarray, n_points: int, repeat: int, batch: int = 100_000) -> tuple[float, float]:
    """Best-of-``repeat`` points/s in process CPU time and in wall time."""
    rng = np.random.default_rng(1)
    buf = np.empty((batch, 4 * masses.size))
    fn(10.58, masses, rng.random((1000, 4 * masses.size)))  # warm-up
    best_cpu = best_wall = math.inf
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(n_points // batch):
            rng.random(out=buf)
            fn(10.58, masses, buf)
        best_cpu = min(best_cpu, time.process_time() - c0)
        best_wall = min(best_wall, time.perf_counter() - t0)
    return n_points / best_cpu, n_points / best_wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    print(f"load average (1 min) before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(
        f"{'n':>2s} {'masses [GeV]':24s} {'darkstrahl pts/s (cpu)':>23s} {'(wall)':>9s} "
        f"{'numpy pts/s (cpu)':>18s} {'ratio':>6s}"
    )
    for masses in (np.array([1.0, 2.0, 2.0]), np.array([0.0, 1.0, 2.0, 2.0])):
        ours, ours_wall = rate(rambo, masses, args.points, args.repeat)
        base, _ = rate(numpy_rambo, masses, args.points, max(1, args.repeat // 3))
        print(
            f"{masses.size:2d} {masses.tolist()!s:24s} {ours:23.3g} {ours_wall:9.3g} {base:18.3g} "
            f"{ours / base:6.1f}"
        )
    print(f"load average (1 min) after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
