"""Signal normalisation of the A'h' search and a synthetic narrow-width signal sample (next_wave.md 1.1).

Rate at unit coupling (eps^2 alpha_D = 1, q_S = 1), BPR (arXiv:0903.0363) as written in next_wave.md 1.1:

    sigma(e+e- -> A' h') = pi alpha (eps^2 alpha_D) q_S^2 / (3 s)
                           x lam^{1/2} (lam + 12 M_A'^2/s) / (1 - M_A'^2/s)^2,
    lam = [1 - (M_A'+M_h')^2/s] [1 - (M_A'-M_h')^2/s],

in fb, times BR(A' -> mu mu) = Gamma_mumu / Gamma_SM (DarkCast R ratio, no dark decays [S000]), both from
the generator's model :class:`darkstrahl.gen.ap_hp_model.ApHpModel` at unit coupling (not re-derived here).
"Born" is this formula at the nominal s; "ISR-dressed" is its convolution
with the collinear structure functions (:func:`darkstrahl.gen.isr_convolution.sigma_isr_structure_function`,
next_wave.md 3.1).

Synthetic sample (:func:`synthetic_signal`): a stand-in for the ``ap_hp_mumu`` generator (issue 14), used by
the scan only when the card asks for it (``ahp.signal_source = "synthetic"``). Narrow-width factorisation:

* A' polar angle theta in the hard CM frame from dsigma/dcos theta ∝ 2 + (k^2/M_A'^2) sin^2 theta (rejection);
* mu- direction in the A' rest frame: cos eta_A w.r.t. the A' flight direction from
  dN/dcos = (1 - f_L)(3/8)(1 + cos^2) + f_L (3/4) sin^2, f_L = E_A'^2/(E_A'^2 + 2 M_A'^2) (next_wave.md 1.1),
  azimuth uniform. The off-diagonal spin-density terms of the full |M|^2 (azimuthal correlations) are not
  modelled: the A' angle and C_eta distributions are right, but the muon polar angles are not (at (6.5, 2.7)
  GeV <cos^2 theta_mu-> = 0.333 here against 0.391 from the generator, so cut 3 passes 48 % instead of 41 %;
  docs/validation.md section 15.7). Use it for tests and plumbing only, not for numbers;
* ISR (optional): omx1, omx2 per beam from :func:`darkstrahl.gen.isr.sample_beam` (weight f/g), hard system
  at s_hat = x1 x2 s boosted along z with rapidity y = ln(x1/x2)/2; events with s_hat below threshold
  have zero weight and are dropped.

Weights are fb per event such that their sum over the n requested draws is sigma x BR at unit coupling
(Born at s, or ISR-dressed). Momenta (n, 4) in the nominal CM frame (GeV, e- along +z).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from darkstrahl.errors import ParameterError
from darkstrahl.gen.ap_hp_model import ApHpModel, longitudinal_fraction
from darkstrahl.gen.constants import GEV2_TO_FB, M_MU
from darkstrahl.gen.crosssections import sigma_ee_to_vh_GeV2
from darkstrahl.gen.isr import beta_isr, rapidity, sample_beam
from darkstrahl.gen.isr_convolution import sigma_isr_structure_function
from darkstrahl.gen.isr_process import boost_z
from darkstrahl.gen.kinematics import boost_many, two_body_momentum


def _check_masses(m_Ap: float, m_hp: float, sqrt_s: float) -> None:
    if not (m_Ap > 2 * M_MU and m_hp > 0 and m_Ap + m_hp < sqrt_s):
        raise ParameterError(
            "ahp.masses", "need M_A' > 2 m_mu, M_h' > 0 and M_A' + M_h' < sqrt(s) [GeV]", (m_Ap, m_hp)
        )


def unit_model(m_Ap: float, m_hp: float) -> ApHpModel:
    """The A'h' model of issue 14 (:class:`darkstrahl.gen.ap_hp_model.ApHpModel`) at unit coupling
    (eps = 1, alpha_D = 1, q_S = 1): its rates are per unit eps^2 alpha_D."""
    return ApHpModel(m_Ap=m_Ap, m_hp=m_hp, eps=1.0, alpha_D=1.0)


def sigma_born_unit_fb(m_Ap: float, m_hp: float, s: ArrayLike) -> NDArray | float:
    """BPR sigma(e+e- -> A' h') [fb] at eps^2 alpha_D = 1, q_S = 1 (module docstring), vectorized over s
    [GeV^2] (:func:`darkstrahl.gen.crosssections.sigma_ee_to_vh_GeV2` with the couplings of
    :func:`unit_model`); 0 below threshold."""
    m = unit_model(m_Ap, m_hp)
    out = np.asarray(sigma_ee_to_vh_GeV2(s, m.g_e**2, m.g_hVV, m_Ap, m_hp)) * GEV2_TO_FB
    return float(out) if out.ndim == 0 else out


def br_mumu(m_Ap: float, m_hp: float) -> float:
    """BR(A' -> mu mu) of :func:`unit_model` (DarkCast R ratio, no dark decays open [S000])."""
    return unit_model(m_Ap, m_hp).br_mumu


def sigma_unit_fb(m_Ap: float, m_hp: float, sqrt_s: float, isr: bool) -> float:
    """sigma(eps^2 alpha_D = 1) x BR(A' -> mu mu) [fb], Born (``isr=False``) or ISR-dressed."""
    _check_masses(m_Ap, m_hp, sqrt_s)
    s = sqrt_s**2
    if isr:
        sig = sigma_isr_structure_function(
            lambda sh: sigma_born_unit_fb(m_Ap, m_hp, sh), s, (m_Ap + m_hp) ** 2 / s * (1 + 1e-12)
        )
    else:
        sig = sigma_born_unit_fb(m_Ap, m_hp, s)
    return float(sig) * br_mumu(m_Ap, m_hp)


def _rejection(rng: np.random.Generator, n: int, dens, fmax: NDArray) -> NDArray:
    """cos in [-1, 1] with density ∝ dens(c, idx) <= fmax[idx] (vectorized rejection)."""
    out = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        c = rng.uniform(-1.0, 1.0, todo.size)
        ok = rng.random(todo.size) * fmax[todo] <= dens(c, todo)
        out[todo[ok]] = c[ok]
        todo = todo[~ok]
    return out


def _basis(d: NDArray) -> tuple[NDArray, NDArray]:
    """Two unit vectors orthogonal to the unit vectors d (n, 3) and to each other."""
    a = np.where(np.abs(d[:, 2:3]) < 0.9, [[0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]])
    e1 = a - np.sum(a * d, axis=1, keepdims=True) * d
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    return e1, np.cross(d, e1)


def synthetic_signal(
    m_Ap: float, m_hp: float, n: int, rng: np.random.Generator, sqrt_s: float, isr: bool
) -> tuple[NDArray, NDArray, NDArray]:
    """(mu- (m, 4), mu+ (m, 4), weights (m,) [fb]) in the nominal CM frame, m <= n (module docstring)."""
    _check_masses(m_Ap, m_hp, sqrt_s)
    if n < 1:
        raise ParameterError("ahp.n_events", "must be >= 1", n)
    s = sqrt_s**2
    if isr:
        beta = beta_isr(s)
        omx1, w1 = sample_beam(rng.random(n), beta)
        omx2, w2 = sample_beam(rng.random(n), beta)
        s_hat = s * (1.0 - omx1) * (1.0 - omx2)
        keep = s_hat > (m_Ap + m_hp) ** 2 * (1 + 1e-9)
        f = w1 * w2 * np.where(keep, sigma_born_unit_fb(m_Ap, m_hp, np.where(keep, s_hat, s)), 0.0)
        s_hat, f, y = s_hat[keep], f[keep], rapidity(omx1[keep], omx2[keep])
    else:
        s_hat = np.full(n, s)
        f = np.full(n, sigma_born_unit_fb(m_Ap, m_hp, s))
        y = np.zeros(n)
    m = len(s_hat)
    w = f * br_mumu(m_Ap, m_hp) / n
    rs = np.sqrt(s_hat)
    lam = (s_hat - (m_Ap + m_hp) ** 2) * (s_hat - (m_Ap - m_hp) ** 2)
    k = np.sqrt(np.clip(lam, 0.0, None)) / (2.0 * rs)  # A' momentum in the hard CM frame [GeV]
    r = (k / m_Ap) ** 2
    cos_t = _rejection(rng, m, lambda c, i: 2.0 + r[i] * (1.0 - c * c), 2.0 + r)
    phi = rng.uniform(0.0, 2.0 * math.pi, m)
    st = np.sqrt(1.0 - cos_t**2)
    d = np.column_stack([st * np.cos(phi), st * np.sin(phi), cos_t])
    ap = np.column_stack([np.sqrt(k * k + m_Ap**2), k[:, None] * d])
    f_l = longitudinal_fraction(m_Ap, m_hp, np.sqrt(s_hat))
    long = rng.random(m) < f_l
    c_eta = _rejection(rng, m, lambda c, i: np.where(long[i], 1.0 - c * c, 0.5 * (1.0 + c * c)), np.ones(m))
    psi = rng.uniform(0.0, 2.0 * math.pi, m)
    e1, e2 = _basis(d)
    se = np.sqrt(1.0 - c_eta**2)
    u = c_eta[:, None] * d + se[:, None] * (np.cos(psi)[:, None] * e1 + np.sin(psi)[:, None] * e2)
    q = two_body_momentum(m_Ap, M_MU, M_MU)
    mu_rest = np.column_stack([np.full(m, math.hypot(q, M_MU)), q * u])
    anti = mu_rest.copy()
    anti[:, 1:] *= -1.0
    p = np.stack([boost_many(mu_rest, ap), boost_many(anti, ap)], axis=1)
    if isr:
        boost_z(p, y)
    return p[:, 0], p[:, 1], w
