"""Lifetime rules of the long-lived particles (one rule for generator, detector and analysis).

phi (physics.md section 1): Gamma_phi(theta) = sin^2(theta) Gamma_SM(sin theta = 1)
+ cos^2(theta) Gamma_dark(cos theta = 1), the SM widths scaling with the Higgs mixing and the dark width
phi -> A'(*) A'(*) with g_hVV^2 ~ cos^2(theta); c tau = hbar c / Gamma.
"""

from __future__ import annotations

import math

from .layout import Dependence, Lifetime
from .model import DarkModel
from .widths import phi_widths


def phi_lifetime(model: DarkModel) -> Lifetime:
    """The phi lifetime rule at the model's theta: c tau(theta') = c tau(theta) Gamma(theta)/Gamma(theta')."""
    ph = phi_widths(model)
    s2, c2 = math.sin(model.theta) ** 2, math.cos(model.theta) ** 2
    width = Dependence("theta", (("sin2", (ph.total - ph.dark) / s2), ("cos2", ph.dark / c2)))
    return Lifetime(ph.ctau_mm, model.theta, width)
