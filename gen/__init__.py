"""darkstrahl.gen: the dark-sector model, widths, matrix elements, phase space and sampling.

Public entry points::

    from darkstrahl.gen import DarkModel, ap_widths, phi_widths, sigma_nwa_fb
"""

from darkstrahl.errors import DarkstrahlError, ParameterError

from .crosssections import sigma_nwa_fb
from .model import BENCHMARKS, DarkModel
from .widths import ApWidths, PhiWidths, ap_widths, phi_widths

__all__ = [
    "BENCHMARKS",
    "ApWidths",
    "DarkModel",
    "DarkstrahlError",
    "ParameterError",
    "PhiWidths",
    "ap_widths",
    "phi_widths",
    "sigma_nwa_fb",
]
