"""Random sweep of valid inputs (issue 12): no NaN, inf, negative weight or foreign exception.

1. ``--info N`` random parameter points (default 10^4) through the ``darkstrahl info`` path (card overrides ->
   load_card -> physics guards -> info.summary): every width, branching fraction, c tau and the narrow-width
   cross section must be finite and >= 0 (c tau > 0, BRs summing to 1).
2. ``--generate M`` random points (default 300) through generation (card -> build.process -> generator ->
   unweighted and weighted events -> LHE writer): momenta finite, E >= |p| - 1e-9 E, weights finite, > 0
   for unweighted events and >= 0 for weighted ones (a flat background point outside the photon cuts has 0).
   The adaptation is shortened (3 x 4000 points) to keep the sweep at ~0.3 s a point; the checks do not depend
   on the integration's precision.

A point refused with a :class:`~darkstrahl.errors.DarkstrahlError` (a guard or a kinematic limit the sampler
did not know) is counted as refused, with its message; any other exception is a failure, printed with the
point's overrides. Points are drawn from the ranges in :func:`random_point`, inside the guards' limits.
Run:  python benchmarks/sweep_inputs.py [--info 10000] [--generate 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import math
import os
import tempfile
import time
import traceback

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np

from darkstrahl.errors import DarkstrahlError
from darkstrahl.gen.eventfiles.lhe import RunInfo, write_lhe
from darkstrahl.gen.generator import make_generator
from darkstrahl.gen.sampler import SamplerSettings
from darkstrahl.gen.width_tables import PHI_WIDTH_PRESCRIPTIONS, phi_hadron_table
from darkstrahl.info import summary
from darkstrahl.runcard import build, guards, load_card

SMALL = SamplerSettings(n_iterations=3, n_per_iteration=4000, batch=4000)
RATIOS = {"B1": 1 / 6, "B2": 1 / 6, "B3": 1 / 8}


#: the card of the general points: b1 without its benchmark (the masses come from the overrides)
GENERAL_CARD = '[model]\nm_Ap = 6.0\nm_chi = 2.0\nm_phi = 1.0\n[process]\nname = "phi"\n'


def _card(over: list[str], general_path: str):
    """The card of a point: b1 with the overrides, or GENERAL_CARD when the point sets m_chi."""
    base = general_path if any(o.startswith("model.m_chi=") for o in over) else "b1"
    return load_card(base, over)


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def random_point(rng: np.random.Generator, for_generation: bool = False) -> list[str]:
    """Overrides of the b1 card for one random valid point: a benchmark (m_phi inside the table of the chosen
    prescription) or a general hierarchy m_phi < m_chi, 2 m_chi + m_phi < m_A'; eps in [1e-6, 0.1],
    theta in [1e-8, 1.5] rad, g_chi in [0.01, 3.5], q_Phi in [0.5, 3], q_chi in [0.5, 2] (g' q_Phi <=
    sqrt(4 pi)), sqrt(s) in [1, 20] GeV (generation: above the threshold of the process)."""
    prescription = str(rng.choice(sorted(PHI_WIDTH_PRESCRIPTIONS)))
    lo, hi = phi_hadron_table(prescription).m_range
    over = [f"model.phi_widths='{prescription}'"]
    if rng.random() < 0.6:
        bench = str(rng.choice(list(RATIOS)))
        m_ap = _log_uniform(rng, lo / RATIOS[bench] * 1.001, min(hi / RATIOS[bench], 18.0) * 0.999)
        over += [f"model.benchmark='{bench}'", f"model.m_Ap={m_ap!r}"]
        m_chi = m_ap * (1 / 3 if bench == "B1" else 1 / 4)
        m_phi = m_ap * RATIOS[bench]
    else:
        m_phi = _log_uniform(rng, lo * 1.001, min(hi, 4.0) * 0.999)
        m_chi = m_phi * _log_uniform(rng, 1.01, 5.0)
        m_ap = (2 * m_chi + m_phi) * _log_uniform(rng, 1.01, 3.0)
        over += [f"model.m_Ap={m_ap!r}", f"model.m_chi={m_chi!r}", f"model.m_phi={m_phi!r}"]
    q_chi = rng.uniform(0.5, 2.0)
    g_chi = rng.uniform(0.01, 3.5)
    q_phi = min(rng.uniform(0.5, 3.0), 0.999 * math.sqrt(4 * math.pi) * q_chi / g_chi)
    over += [
        f"model.eps={_log_uniform(rng, 1e-6, 0.1)!r}",
        f"model.theta={_log_uniform(rng, 1e-8, 1.5)!r}",
        f"model.g_chi={g_chi!r}",
        f"model.q_chi={q_chi!r}",
        f"model.q_Phi={q_phi!r}",
        f"model.eps_convention='{rng.choice(['photon', 'hypercharge'])}'",
    ]
    threshold = m_phi + 2 * m_chi
    lo_s = threshold * 1.02 if for_generation else 1.0
    if lo_s < 20.0:
        over.append(f"run.sqrt_s={rng.uniform(lo_s, 20.0)!r}")
    if rng.random() < 0.1:
        over.append("process.ap_width_free=true")
        over.append(f"process.ap_width={_log_uniform(rng, 1e-6, 0.5) * m_ap!r}")
        over.append("model.general=true")
    if for_generation:
        name = str(rng.choice(["phi", "gamma_phi", "bkg_phi", "bkg_gamma_phi"]))
        over += [f"process.name='{name}'", f"process.phi_decay='{rng.choice(['all', 'charged', 'none'])}'"]
        isr = name in ("phi", "gamma_phi") and rng.random() < 0.5
        spread = name in ("phi", "gamma_phi") and rng.random() < 0.3
        over += [f"beams.isr={str(isr).lower()}", f"beams.energy_spread={str(spread).lower()}"]
        over += ["run.n_points=4000", "run.n_pilot=2000", "run.chunk_size=50"]
    return over


def _check_info(info: dict) -> list[str]:
    bad = []
    for group in ("widths_GeV", "br_Ap", "br_phi", "br_phi_final_states"):
        for k, v in info[group].items():
            if not (math.isfinite(v) and v >= 0):
                bad.append(f"{group}.{k} = {v}")
    for k in ("sigma_nwa_fb", "Ap_width_over_mass"):
        if not (math.isfinite(info[k]) and info[k] >= 0):
            bad.append(f"{k} = {info[k]}")
    if not (math.isfinite(info["ctau_phi_mm"]) and info["ctau_phi_mm"] > 0):
        bad.append(f"ctau_phi_mm = {info['ctau_phi_mm']}")
    if abs(sum(info["br_phi"].values()) - 1.0) > 1e-9:
        bad.append(f"sum BR(phi) = {sum(info['br_phi'].values())}")
    return bad


def _check_batch(batch) -> list[str]:
    bad = []
    p, w = batch.momenta, batch.weights
    if not np.all(np.isfinite(p)):
        bad.append("non-finite momentum")
    # weighted events may carry 0 (a flat point outside the photon cuts), unweighted ones must be > 0
    if not np.all(np.isfinite(w)) or np.any(w < 0) or (not batch.weighted and np.any(w <= 0)):
        bad.append(f"weights: min {np.min(w)}, finite {np.all(np.isfinite(w))}, weighted {batch.weighted}")
    present = batch.pdg != 0
    e, pabs = p[..., 0], np.linalg.norm(p[..., 1:], axis=-1)
    if np.any((e < pabs - 1e-9 * np.maximum(e, 1.0)) & present):
        bad.append("E < |p|")
    return bad


def sweep_info(n: int, rng: np.random.Generator, general_path: str) -> dict:
    counts: collections.Counter = collections.Counter()
    reasons: collections.Counter = collections.Counter()
    failures = []
    t0 = time.perf_counter()
    for _ in range(n):
        over = random_point(rng)
        try:
            card = _card(over, general_path)
            guards.check(card)
            bad = _check_info(summary(build.model(card), build.sqrt_s(card)))
        except DarkstrahlError as exc:
            counts["refused"] += 1
            reasons[str(exc).split(":")[0]] += 1
            continue
        except Exception:  # a foreign exception: a bug
            failures.append((over, traceback.format_exc(limit=3)))
            continue
        counts["bad" if bad else "ok"] += 1
        if bad:
            failures.append((over, "; ".join(bad)))
    return {
        "n": n,
        **counts,
        "refused_by": dict(reasons),
        "failures": failures,
        "s": time.perf_counter() - t0,
    }


def sweep_generate(n: int, rng: np.random.Generator, general_path: str) -> dict:
    counts: collections.Counter = collections.Counter()
    reasons: collections.Counter = collections.Counter()
    failures = []
    events = 0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            over = random_point(rng, for_generation=True)
            try:
                card = _card(over, general_path)
                guards.check(card)
                settings = dataclasses.replace(build.run_settings(card), sampler=SMALL)
                gen = make_generator(build.process(card), i, settings)
                batches = list(gen.unweighted(60)) + list(gen.weighted(60))
                bad = [m for b in batches for m in _check_batch(b)]
                est = gen.cross_section()
                if not (math.isfinite(est.mean) and est.mean > 0 and math.isfinite(est.error)):
                    bad.append(f"sigma = {est.mean} +- {est.error}")
                info = RunInfo(gen.process.name, 1, est.mean, est.error, (5.29, 5.29), False)
                events += write_lhe(f"{tmp}/p{i}.lhe", batches[:1], info, build.pdg_map(card))
            except DarkstrahlError as exc:
                counts["refused"] += 1
                reasons[str(exc).split(":")[0]] += 1
                continue
            except Exception:
                failures.append((over, traceback.format_exc(limit=4)))
                continue
            counts["bad" if bad else "ok"] += 1
            if bad:
                failures.append((over, "; ".join(sorted(set(bad)))))
    return {
        "n": n,
        **counts,
        "refused_by": dict(reasons),
        "failures": failures,
        "events_written": events,
        "s": time.perf_counter() - t0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--info", type=int, default=10_000)
    ap.add_argument("--generate", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    # one stream per sweep, so that each is reproducible on its own (e.g. --info 0)
    rngs = {"info": np.random.default_rng(args.seed), "generate": np.random.default_rng([args.seed, 1])}
    with tempfile.TemporaryDirectory() as tmp:
        general = f"{tmp}/general.toml"
        with open(general, "w") as fh:
            fh.write(GENERAL_CARD)
        for label, sweep, n in (("info", sweep_info, args.info), ("generate", sweep_generate, args.generate)):
            result = sweep(n, rngs[label], general)
            fails = result.pop("failures")
            print(f"{label}: {result}", flush=True)
            for over, msg in fails[:20]:
                print(f"  FAILURE {' '.join('--set ' + o for o in over)}\n    {msg}")
            print(f"  failures: {len(fails)}", flush=True)


if __name__ == "__main__":
    main()
