"""Property-based checks (hypothesis): float formatting of event files and the model's rules."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from darkstrahl.errors import ParameterError
from darkstrahl.gen.eventfiles.textformat import format_floats
from darkstrahl.gen.model import DarkModel

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e99, max_value=1e99).filter(
    lambda x: x == 0 or abs(x) >= 1e-99
)


@settings(max_examples=300, deadline=None)
@given(st.lists(finite, min_size=1, max_size=50))
def test_event_file_floats_round_trip(values: list[float]) -> None:
    rows = [r.tobytes().decode() for r in format_floats(np.array(values))]
    assert rows == [f"{v + 0.0:23.16e}" for v in values]  # -0.0 is written as 0 (v + 0.0 drops its sign)
    assert [float(r) for r in rows] == [float(v) for v in values]


@settings(max_examples=200, deadline=None)
@given(m_ap=st.floats(0.05, 30.0), r_chi=st.floats(0.01, 0.6), r_phi=st.floats(0.01, 1.0))
def test_model_accepts_exactly_the_benchmark_hierarchy(m_ap: float, r_chi: float, r_phi: float) -> None:
    m_chi, m_phi = r_chi * m_ap, r_phi * m_ap
    ok = m_ap > 2 * m_chi + m_phi and m_phi < m_chi and 0.02 <= m_phi <= 5.13
    try:
        DarkModel(m_Ap=m_ap, m_chi=m_chi, m_phi=m_phi)
    except ParameterError:
        assert not ok
    else:
        assert ok
        assert math.isfinite(m_ap)
