"""Daily shapes: every curve keeps the daily energy (mean 1) and peaks where its users are active."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from pipelines.generate.calendar import day_number
from pipelines.generate.loadcurves import LOAD_CURVES, TRAFFIC_288, bumps, day_factor, traffic_day_factor


@pytest.mark.parametrize("curve", [*LOAD_CURVES.values(), TRAFFIC_288], ids=[*LOAD_CURVES, "traffic"])
def test_curves_have_mean_one(curve: np.ndarray) -> None:
    assert len(curve) in (96, 288) and curve.min() > 0
    assert curve.mean() == pytest.approx(1.0)


def test_a_bump_peaks_at_its_hour() -> None:
    curve = bumps(96, 0.1, ((20.0, 1.0, 1.0),))
    assert int(np.argmax(curve)) in (79, 80)  # the 15-minute slots around 20:00
    assert np.argmax(LOAD_CURVES["residential"]) > np.argmax(LOAD_CURVES["industrial"])  # evening vs working day


def test_day_factors() -> None:
    saturday, monday = day_number(dt.date(2026, 11, 7)), day_number(dt.date(2026, 11, 9))
    assert day_factor("industrial", saturday) < day_factor("industrial", monday)
    assert day_factor("residential", saturday) > day_factor("residential", monday)
    assert day_factor("residential", day_number(dt.date(2026, 8, 3))) > day_factor("residential", monday)  # cooling
    assert [traffic_day_factor(dt.date(2026, 11, d)) for d in (5, 6, 7, 8)] == [1.0, 1.15, 0.95, 1.1]
