"""Lifetime rules of the long-lived particles (one rule for generator, detector and analysis).

phi (physics.md section 1): Gamma_phi(theta) = sin^2(theta) Gamma_SM(sin theta = 1)
+ cos^2(theta) Gamma_dark(cos theta = 1), the SM widths scaling with the Higgs mixing and the dark width
phi -> A'(*) A'(*) with g_hVV^2 ~ cos^2(theta); c tau = hbar c / Gamma.
"""

from __future__ import annotations

import math

from .idm_chi2_widths import idm_chi2_widths
from .idm_model import IdmModel
from .idm_widths import hp_widths
from .layout import Dependence, Lifetime
from .model import DarkModel
from .widths import phi_widths


def phi_lifetime(model: DarkModel) -> Lifetime:
    """The phi lifetime rule at the model's theta: c tau(theta') = c tau(theta) Gamma(theta)/Gamma(theta')."""
    ph = phi_widths(model)
    s2, c2 = math.sin(model.theta) ** 2, math.cos(model.theta) ** 2
    width = Dependence("theta", (("sin2", (ph.total - ph.dark) / s2), ("cos2", ph.dark / c2)))
    return Lifetime(ph.ctau_mm, model.theta, width)


def hp_lifetime(model: IdmModel) -> Lifetime:
    """The h' lifetime rule of an iDM point (next_wave.md 2.2 "Lifetimes"): the SM widths scale with
    sin^2(theta), the dark widths (h' -> A'* A'*, O(eps^4) in the seed hierarchy) with g_hVV^2 ~ cos^2(theta);
    c tau(h') = c tau_1(m_h')/sin^2(theta) up to the dark part."""
    hp = hp_widths(model)
    s2, c2 = math.sin(model.theta) ** 2, math.cos(model.theta) ** 2
    width = Dependence("theta", (("sin2", (hp.total - hp.dark) / s2), ("cos2", hp.dark / c2)))
    return Lifetime(hp.ctau_mm, model.theta, width)


def chi2_lifetime(model: IdmModel) -> Lifetime:
    """The chi2 lifetime rule of an iDM point (next_wave.md 2.2): every chi2 -> chi1 f fbar width goes
    through the A' coupling to the EM current, Gamma ~ eps^2 (the eps dependence of the A' width in the
    off-shell propagator is O(eps^2) relative and neglected), so c tau(chi2) ~ 1/eps^2."""
    total = idm_chi2_widths(model).total
    width = Dependence("eps", (("square", total / model.eps**2),))
    return Lifetime.from_width(width, model.eps)
