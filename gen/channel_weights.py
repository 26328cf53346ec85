"""Multichannel weights for unweighting (issue 13 item 5; used by
:class:`darkstrahl.gen.generator.EventGenerator` for processes that ask for it: ISR).

The Kleiss-Pittau update of :mod:`darkstrahl.gen.sampler` minimizes the variance of the weights w, but the
unweighting efficiency <w>/w_max is set by the largest weights, which with ISR sit in the soft-beam
channels' radiative-return tail that the update starves. After the adaptation, one sample of n points drawn
with alpha (C,) tells the efficiency of any other weights alpha' without new points (importance
reweighting): with g = sum_c alpha_c g_c and the sample's shares s_c = alpha_c g_c / g (n, C),

    r = g'/g = sum_c (alpha'_c / alpha_c) s_c,    w' = w / r,

and a point counts with r; <w'> = sigma for every alpha' (Kleiss & Pittau, Comput. Phys. Commun. 83 (1994)
141), so the physics is unchanged, only the sampling. w_max(alpha') is the rule of
:func:`~darkstrahl.gen.event_stream.choose_w_max` for the reweighted points, each counting r.

* :func:`unweighting_alphas`: the best of alpha'(lambda) = (1 - lambda) alpha + lambda/C (``MIXING``;
  lambda = 0 keeps alpha). Dropping a channel (alpha'_c = 0, which would save its density evaluation at
  every point) estimated the same way is no gain: the other channels' vegas maps, trained on their own
  regions, cover its region badly (phi at m_A' = 3 GeV without the ISR threshold channel: 0.42 against
  0.67 with it), so every channel is kept.
"""

from __future__ import annotations

import numpy as np

from .event_stream import choose_w_max
from .sampler import Sample

#: Mixing fractions lambda of :func:`unweighting_alphas`.
MIXING = tuple(0.05 * k for k in range(20))

__all__ = ["MIXING", "unweighting_alphas"]


def unweighting_alphas(smp: Sample, alphas: np.ndarray, max_overweight: float) -> tuple[np.ndarray, float]:
    """Channel weights (C,) for unweighting and the efficiency sigma/w_max they promise, from the sample
    ``smp`` drawn with ``alphas`` (C,) (module docstring)."""
    uniform = np.full(alphas.size, 1.0 / alphas.size)
    sigma = float(smp.weights.mean())
    best, best_eff = alphas, 0.0
    for lam in MIXING:
        new = (1.0 - lam) * alphas + lam * uniform
        r = smp.channel_share @ (new / alphas)
        eff = sigma / choose_w_max(smp.weights / r, max_overweight, r)
        if eff > best_eff:
            best, best_eff = new, eff
    return best, best_eff
