"""ISR numbers for docs/validation.md section 9: sigma_ISR/sigma_Born tables, sampler spreads and speed.

Deterministic quadrature (gen/isr.py) for e+e- -> mu mu (s' > 0.01 s) and e+e- -> A' phi at benchmark B1
(sqrt(s) = 10.58 GeV, m_A' = 1.2, 3, 6, 8, 9 GeV), both ISR exponents (alpha(0), alpha_Gmu); Monte Carlo
per-event spreads of the two-beam sampler for threshold peaks; sampling speed on one core.
Run:  python benchmarks/isr_validation.py
"""

from __future__ import annotations

import math
import time

import numpy as np

from darkstrahl.gen import isr, isr_convolution, isr_sampler
from darkstrahl.gen.crosssections import sigma_nwa_fb
from darkstrahl.gen.model import DarkModel

S = 10.58**2


def ratios(sigma_hat, tau_min: float, scheme: str) -> tuple[float, float]:
    alpha = isr.ISR_ALPHA_SCHEMES[scheme]
    born = sigma_hat(S)
    sf = isr_convolution.sigma_isr_structure_function(sigma_hat, S, tau_min, alpha=alpha) / born
    kf = isr_convolution.sigma_isr_kuraev_fadin(sigma_hat, S, 1.0 - tau_min, alpha=alpha) / born
    return sf, kf


def main() -> None:
    for scheme in isr.ISR_ALPHA_SCHEMES:
        print(f"beta({scheme}) = {isr.beta_isr(S, isr.ISR_ALPHA_SCHEMES[scheme]):.6f}")
    beta = isr.beta_isr(S)
    print(f"int f dx = {isr.isr_normalization(beta):.9f}")
    print("\nmu mu, s' > 0.01 s, sigma_0 ~ 1/s'")
    for scheme in isr.ISR_ALPHA_SCHEMES:
        sf, kf = ratios(lambda sh: 1.0 / sh, 0.01, scheme)
        print(f"  {scheme:6s} SF {sf:.6f}  KF {kf:.6f}  KF/SF-1 {100 * (kf / sf - 1):.3f} %")
    print("\nB1 A' phi: m_A' | tau_min | sigma_Born [fb] | SF, KF (alpha0) | SF, KF (gmu) | KF/SF-1 [%]")
    for m_Ap in (1.2, 3.0, 6.0, 8.0, 9.0):
        model = DarkModel.from_benchmark("B1", m_Ap=m_Ap)

        def sigma_hat(sh: float, model: DarkModel = model) -> float:
            return sigma_nwa_fb(model, math.sqrt(sh))

        tau_min = (model.m_Ap + model.m_phi) ** 2 / S
        sf0, kf0 = ratios(sigma_hat, tau_min, "alpha0")
        sfg, kfg = ratios(sigma_hat, tau_min, "gmu")
        print(
            f"| {m_Ap:g} | {tau_min:.4f} | {sigma_hat(S):.5g} | {sf0:.5f}, {kf0:.5f} | {sfg:.5f}, {kfg:.5f} "
            f"| {100 * (kf0 / sf0 - 1):.2f}, {100 * (kfg / sfg - 1):.2f} |"
        )
    print(
        "\nsampler: per-event spread std(w g)/<w g>, g = d/(tau - tau_min + d)^2, tau_min = 0.8, 4e5 points"
    )
    u = np.random.default_rng(7).random((400_000, 3))
    for d in (1e-2, 1e-3, 1e-4):

        def g(tau: float, d: float = d) -> float:
            return d / (tau - 0.8 + d) ** 2

        ref = isr_convolution.sigma_isr_structure_function(lambda sh, g=g: g(sh / S), S, 0.8)
        cells = []
        for rapidity_map, fraction in [
            ("power", 0.0),
            ("power", 0.2),
            ("power", 0.5),
            ("power", 0.8),
            ("uniform", 0.5),
        ]:
            points = isr_sampler.IsrSampler(beta, 0.8, fraction, 1e-4, rapidity_map).sample(u)
            values = points.weight * g(1 - points.one_minus_tau)
            pull = (values.mean() - ref) / (values.std() / math.sqrt(values.size))
            cells.append(f"{rapidity_map} a={fraction}: {values.std() / ref:.3g} (pull {pull:+.2f})")
        print(f"  d = {d:g}: " + "; ".join(cells))
    print("\nsampler on B1 A' phi: per-event spread std(w sigma_hat)/sigma_ISR, 4e5 points")
    for m_Ap in (1.2, 3.0, 6.0, 8.0, 9.0):
        model = DarkModel.from_benchmark("B1", m_Ap=m_Ap)
        tau_min = (model.m_Ap + model.m_phi) ** 2 / S

        def scalar(sh: float, model: DarkModel = model) -> float:
            return sigma_nwa_fb(model, math.sqrt(sh))

        sigma_hat = np.vectorize(scalar)
        ref = isr_convolution.sigma_isr_structure_function(scalar, S, tau_min)
        cells = []
        for fraction in (0.0, 0.2, 0.5):
            points = isr_sampler.IsrSampler(beta, tau_min, fraction).sample(u)
            inside = points.weight > 0
            values = np.zeros_like(points.weight)
            values[inside] = points.weight[inside] * sigma_hat(points.s_hat(S)[inside])
            pull = (values.mean() - ref) / (values.std() / math.sqrt(values.size))
            cells.append(f"a={fraction}: {values.std() / ref:.3g} (pull {pull:+.2f})")
        print(f"  m_A' = {m_Ap:g}: " + "; ".join(cells))
    sampler = isr_sampler.IsrSampler(beta, 0.3)
    u = np.random.default_rng(1).random((2_000_000, 3))
    sampler.sample(u[:1000])
    t0 = time.perf_counter()
    sampler.sample(u)
    print(f"\nsampling speed: {u.shape[0] / (time.perf_counter() - t0) / 1e6:.2f} M points/s (one core)")


if __name__ == "__main__":
    main()
