"""Calendar windows of the enterprise view."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.enterprise.windows import last_closed_month, windows


@pytest.mark.parametrize(
    ("as_of", "closed"),
    [
        (dt.date(2026, 11, 15), dt.date(2026, 9, 1)),
        (dt.date(2026, 11, 16), dt.date(2026, 10, 1)),
        (dt.date(2026, 1, 10), dt.date(2025, 11, 1)),
        (dt.date(2026, 2, 28), dt.date(2026, 1, 1)),
    ],
)
def test_a_month_is_closed_once_its_declaration_deadline_passed(as_of, closed) -> None:
    assert last_closed_month(as_of) == closed


def test_windows_of_a_run_date() -> None:
    w = windows(dt.date(2026, 1, 20))
    assert w.periods_12m[0] == "202501" and w.periods_12m[-1] == "202512" and len(w.periods_12m) == 12
    assert w.recent_periods == ("202510", "202511", "202512")
    assert w.baseline_periods == tuple(f"2025{m:02d}" for m in range(1, 10))
    assert w.recent_days == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert w.baseline_days == (dt.date(2025, 1, 1), dt.date(2025, 9, 30))
    assert w.energy_12m == (dt.date(2025, 1, 21), dt.date(2026, 1, 20))
