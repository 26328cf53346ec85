"""darkstrahl: dark Higgs-strahlung at Belle II.

The distribution installs four packages: ``darkstrahl`` (command line and run cards),
``darkstrahl.gen`` (model, widths, matrix elements, phase space, sampling, event I/O),
``darkstrahl.detector`` (the fast Belle II model) and ``darkstrahl.analysis`` (sensitivity).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("darkstrahl")
except PackageNotFoundError:  # pragma: no cover - running from an uninstalled checkout
    __version__ = "0+unknown"

__all__ = ["__version__", "generate"]


def __getattr__(name: str):
    if name == "generate":
        from darkstrahl.api import generate

        return generate
    raise AttributeError(name)
