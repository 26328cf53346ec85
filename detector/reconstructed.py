"""Reconstructed events: what :meth:`darkstrahl.detector.belle2.Belle2.simulate` returns.

Per-copy arrays have length N = n_events x n_copies and ``event`` maps each copy to its event; per-event
arrays have length n_events; per-long-lived arrays have a second axis over the L long-lived slots of the
layout. Weights: event weight x the region factor (product over the long-lived slots) x 1/N per copy
[x the acceptance flag].

The detector owns the frames and the resolution:

* ``cm_to_lab`` is the CM -> lab Lorentz matrix of every event ((n, 4, 4) with the beam-energy spread, else
  (4, 4)); ``vertices_lab`` and ``vertices_cm`` the decay vertices (x, y, z, c t) [mm] in both frames;
* in the ``reference`` resolution mode the smeared copies are drawn only when first asked for, and the
  expected histogram of an observable is available without copies through :meth:`Reconstructed.response`
  (:mod:`darkstrahl.detector.response`): the analysis never switches the detector off to smear by itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from darkstrahl.errors import ParameterError
from darkstrahl.gen.layout import Layout

from .regions import REGIONS, Region, decay_probability, reweight_factor
from .resolution import ecl_relative_resolution, smear_positive
from .response import (
    SqrtV,
    gaussian_histogram,
    gaussian_response,
    sqrt_v_copies_response,
    sqrt_v_histogram,
    sqrt_v_response,
)


@dataclass
class Reconstructed:
    """Reconstructed events (module docstring). ``m_chichi`` is the missing mass [GeV] (initial state minus
    the visible primaries) and ``e_gamma`` the CM energy [GeV] of the visible photon (NaN without one)."""

    layout: Layout
    lab_momenta: NDArray[np.float64]  # (n, k, 4) [GeV], truth in the lab
    cm_to_lab: NDArray[np.float64]  # (4, 4) or (n, 4, 4)
    m_chichi_true: NDArray[np.float64]  # (n,) [GeV]
    e_gamma_true: NDArray[np.float64]  # (n,) [GeV], CM frame
    vertices_lab: NDArray[np.float64]  # (n, L, 4): x, y, z, c t [mm] in the lab
    d_mm: NDArray[np.float64]  # (n, L) mean transverse decay distance p_T c tau / m [mm]
    region_probability: NDArray[np.float64]  # (n, L) P(region) per long-lived slot
    region_weight: NDArray[np.float64]  # (n,) the region factor in the weight (P, or its sampled equivalent)
    accepted: NDArray[np.bool_]  # (n,) lab acceptance flags
    event_weight: NDArray[np.float64]  # (n,) generator weight (fb per event for weighted samples)
    region: Region = field(default_factory=lambda: REGIONS["displaced"])
    resolution: str = "reference"
    r_t: NDArray[np.float64] | None = None  # (n, L) sampled transverse radius (vertex mode "sample")
    n_copies: int = 1
    apply_acceptance: bool = False
    couplings: tuple[tuple[str, float], ...] = ()  # the couplings the weights correspond to
    _copies: tuple[NDArray, NDArray, NDArray] | None = None  # event, m_chichi, e_gamma (per copy)
    _rng: np.random.Generator | None = None

    # ------------------------------------------------------------------ per-copy observables
    @property
    def channel(self) -> str:
        """The detector signature of the events (e.g. ``"phi"`` or ``"gamma_phi"``)."""
        return self.layout.signature

    @property
    def background(self) -> bool:
        """Whether the long-lived slots are stand-ins with no displacement weight (flat backgrounds)."""
        return any(not ll.displaced for ll in self.layout.long_lived)

    @property
    def phi_vertex(self) -> NDArray:
        """(n, 4) lab vertex x, y, z [mm], t [ns] of the first long-lived slot."""
        from .regions import C_MM_PER_NS

        v = self.vertices_lab[:, 0]
        return np.column_stack([v[:, :3], v[:, 3] / C_MM_PER_NS])

    @property
    def vertices_cm(self) -> NDArray:
        """(n, L, 4) decay vertices (x, y, z, c t) [mm] in the centre-of-mass frame."""
        lab_to_cm = np.linalg.inv(self.cm_to_lab)
        four = np.concatenate([self.vertices_lab[..., 3:], self.vertices_lab[..., :3]], axis=-1)
        cm = four @ lab_to_cm.T if lab_to_cm.ndim == 2 else np.einsum("nij,nlj->nli", lab_to_cm, four)
        return np.concatenate([cm[..., 1:], cm[..., :1]], axis=-1)

    def _per_copy(self) -> tuple[NDArray, NDArray, NDArray]:
        if self._copies is None:
            n = len(self.event_weight)
            k = self.n_copies
            event = np.repeat(np.arange(n), k)
            m, e = self.m_chichi_true[event], self.e_gamma_true[event]
            if self.resolution == "reference":
                assert self._rng is not None
                m = smear_positive(m, ecl_relative_resolution(m), self._rng)
                photon = np.isfinite(e)
                e = e.copy()
                if np.any(photon):
                    e[photon] = smear_positive(e[photon], ecl_relative_resolution(e[photon]), self._rng)
            self._copies = (event, m, e)
        return self._copies

    @property
    def event(self) -> NDArray[np.int64]:
        """(N,) event index of each copy."""
        return self._per_copy()[0]

    @property
    def m_chichi(self) -> NDArray[np.float64]:
        """(N,) missing mass after resolution [GeV]."""
        return self._per_copy()[1]

    @property
    def e_gamma(self) -> NDArray[np.float64]:
        """(N,) CM photon energy after resolution [GeV] (NaN without a photon)."""
        return self._per_copy()[2]

    @property
    def base_weight(self) -> NDArray[np.float64]:
        """(n,) event weight x region factor [x acceptance]."""
        base = self.event_weight * self.region_weight
        return base * self.accepted if self.apply_acceptance else base

    @property
    def weight(self) -> NDArray[np.float64]:
        """(N,) full weight of each copy."""
        return self.base_weight[self.event] / self.n_copies

    def __len__(self) -> int:
        return len(self.event_weight) * self.n_copies

    # ------------------------------------------------------------------ expected histograms
    def response(
        self,
        edges: NDArray,
        observable: str | SqrtV,
        rng: np.random.Generator | None = None,
        method: str = "quadrature",
    ) -> sparse.csr_matrix:
        """R (events x bins): the expected fraction of each event in each bin of ``observable`` after the
        resolution: ``"m_chichi"`` or a :class:`~darkstrahl.detector.response.SqrtV`. The reference mode
        is analytic for m_chichi; for sqrt(|v|) it is the deterministic quadrature (``method="quadrature"``,
        the limit of infinitely many copies) or the reference method's ``n_copies`` copies drawn from
        ``rng`` (``method="copies"``, the check of the quadrature); the other modes bin the record's own
        copies."""
        if self.resolution == "reference":
            m = self.m_chichi_true
            if observable == "m_chichi":
                return gaussian_response(m, m * ecl_relative_resolution(m), edges)
            assert isinstance(observable, SqrtV)
            if method == "quadrature":
                return sqrt_v_response(self.e_gamma_true, m, observable.m_Ap, observable.e_bar, edges)
            if method != "copies":
                raise ParameterError("method", "must be 'quadrature' or 'copies'", method)
            if rng is None:
                raise ParameterError("rng", "the copies of the sqrt(|v|) response need a generator", rng)
            return sqrt_v_copies_response(
                self.e_gamma_true, m, observable.m_Ap, observable.e_bar, edges, self.n_copies, rng
            )
        values = self.m_chichi if observable == "m_chichi" else observable(self.e_gamma, self.m_chichi)
        k = np.searchsorted(edges, values, side="right") - 1
        ok = (k >= 0) & (k < len(edges) - 1) & np.isfinite(values)
        n_ev = len(self.event_weight)
        return sparse.csr_matrix(
            (np.full(int(ok.sum()), 1.0 / self.n_copies), (self.event[ok], k[ok])),
            shape=(n_ev, len(edges) - 1),
        )

    def histogram(
        self,
        edges: NDArray,
        observable: str | SqrtV,
        weights: NDArray,
        rng: np.random.Generator | None = None,
        method: str = "quadrature",
    ) -> NDArray:
        """The expected histogram weights @ R (n_bins,) of :meth:`response` for per-event ``weights`` (n,)
        (same numbers bit for bit: the same sums in the same order); in the reference mode's analytic and
        quadrature responses without storing R (a background sample needs only its histogram)."""
        if self.resolution == "reference" and (observable == "m_chichi" or method == "quadrature"):
            m = self.m_chichi_true
            if observable == "m_chichi":
                return gaussian_histogram(m, m * ecl_relative_resolution(m), edges, weights)
            assert isinstance(observable, SqrtV)
            return sqrt_v_histogram(self.e_gamma_true, m, observable.m_Ap, observable.e_bar, edges, weights)
        return np.asarray(weights @ self.response(edges, observable, rng, method)).ravel()

    def smeared_range(self, observable: str | SqrtV, n_sigma: float = 8.0) -> tuple[float, float]:
        """A range of ``observable`` that holds every smeared copy (reference: up to ``n_sigma``)."""
        if self.resolution != "reference":
            v = self.m_chichi if observable == "m_chichi" else observable(self.e_gamma, self.m_chichi)
            v = v[np.isfinite(v)]
            return float(v.min()), float(v.max())
        m = self.m_chichi_true
        sm = n_sigma * m * ecl_relative_resolution(m)
        if observable == "m_chichi":
            return float((m - sm).min()), float((m + sm).max())
        assert isinstance(observable, SqrtV)
        e = self.e_gamma_true
        se = n_sigma * e * ecl_relative_resolution(e)
        return 0.0, float(
            np.sqrt((np.abs(e - observable.e_bar) + se) * (np.abs(m - observable.m_Ap) + sm)).max()
        )

    # ------------------------------------------------------------------ reweighting
    def reweighted(self, **couplings: float) -> Reconstructed:
        """The same events at other couplings (e.g. ``theta=...``, ``eps=...``): region weights from the
        stored kinematics and the layout's lifetime rules, rates from the layout's coupling dependences;
        nothing regenerated."""
        old = dict(self.couplings)
        d_new = self.d_mm.copy()
        factor = np.full(
            len(self.event_weight), self.layout.rate_factor(**couplings) / self.layout.rate_factor(**old)
        )
        for c, ll in enumerate(self.layout.long_lived):
            if not ll.displaced:
                continue
            lt = ll.lifetime
            ratio = lt.ctau_mm(couplings.get(lt.parameter, old[lt.parameter])) / lt.ctau_mm(old[lt.parameter])
            d_new[:, c] = self.d_mm[:, c] * ratio
            r_t = None if self.r_t is None else self.r_t[:, c]
            factor = factor * reweight_factor(self.d_mm[:, c], d_new[:, c], self.region, r_t)
        probability = np.where(
            [ll.displaced for ll in self.layout.long_lived], decay_probability(d_new, self.region), 1.0
        )
        return replace(
            self,
            d_mm=d_new,
            region_probability=probability,
            region_weight=self.region_weight * factor,
            couplings=tuple((k, couplings.get(k, v)) for k, v in self.couplings),
        )

    @property
    def theta(self) -> float:
        """The Higgs mixing angle the weights correspond to (NaN if the layout has none)."""
        return dict(self.couplings).get("theta", math.nan)
