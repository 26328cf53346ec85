"""The process registry: one line per process, name -> builder (see :mod:`darkstrahl.gen.process`).

A run card's ``process.name`` must be a key of :data:`PROCESSES`; :func:`build_process` turns the card's
values into the process object that :func:`darkstrahl.gen.generator.make_generator` consumes. A new process
lives in its own module (its layout, matrix element or weights, phase space, decays) and is added here with
one line, or at run time with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from darkstrahl.errors import ParameterError

from .ap_hp_process import build_ap_hp
from .flat_background import build_flat_background
from .idm_process import build_idm
from .mumu_process import build_mumu
from .process import Process, ProcessRequest
from .signal_process import build_signal
from .tautau_process import build_tautau
from .twophoton_process import build_twophoton


@dataclass(frozen=True)
class ProcessEntry:
    """A registered process: its builder, a one-line description and whether it needs a dark-sector model
    (False for the Standard-Model processes: their cards have no ``[model]`` point)."""

    build: Callable[[ProcessRequest], Process]
    description: str
    dark_model: bool = True


PROCESSES: dict[str, ProcessEntry] = {
    "phi": ProcessEntry(build_signal, "signal e+e- -> A'* -> A' phi -> phi chi chibar"),
    "gamma_phi": ProcessEntry(build_signal, "signal e+e- -> gamma phi chi chibar"),
    "bkg_phi": ProcessEntry(build_flat_background, "flat phase-space background of phi (2 -> 3)"),
    "bkg_gamma_phi": ProcessEntry(build_flat_background, "flat phase-space background of gamma_phi (2 -> 4)"),
    "mumu": ProcessEntry(
        build_mumu, "SM e+e- -> mu+ mu- (gamma), Born + exact O(alpha) hard photon", dark_model=False
    ),
    "tautau": ProcessEntry(
        build_tautau, "SM e+e- -> tau+ tau- -> mu+ mu- 4 nu, V-A, spin correlations", dark_model=False
    ),
    "twophoton_mumu": ProcessEntry(
        build_twophoton, "SM e+e- -> e+e- mu+ mu-, equivalent photons", dark_model=False
    ),
    "ap_hp_mumu": ProcessEntry(build_ap_hp, "signal e+e- -> A'* -> A' h' -> mu+ mu- h' (h' invisible)"),
    "idm": ProcessEntry(build_idm, "dark Higgs + inelastic DM e+e- -> h' chi1 chi2, two long-lived slots"),
}


def register(
    name: str, build: Callable[[ProcessRequest], Process], description: str, dark_model: bool = True
) -> None:
    """Add a process at run time (plugins, tests); a card may then name it in ``process.name``."""
    if name in PROCESSES:
        raise ParameterError("process.name", "a process of this name is registered already", name)
    PROCESSES[name] = ProcessEntry(build, description, dark_model)


def unregister(name: str) -> None:
    """Remove a process added with :func:`register`."""
    PROCESSES.pop(name, None)


def build_process(request: ProcessRequest) -> Process:
    """The process a card asks for."""
    entry = PROCESSES.get(request.name)
    if entry is None:
        raise ParameterError("process.name", f"must be one of {sorted(PROCESSES)}", request.name)
    return entry.build(request)
