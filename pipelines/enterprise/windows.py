"""The calendar windows of the enterprise view, computed from the run's date in plain Python.

Tax is declared by month (`tax_period` YYYYMM) in the first half of the next month, so a
period is *closed* (all its returns are in) once the 15th of the next month has passed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DECLARATION_DEADLINE_DAY = 15


def month_start(day: dt.date, months_back: int = 0) -> dt.date:
    """The first day of the month `months_back` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def period(day: dt.date) -> str:
    """`YYYYMM` of a date's month."""
    return f"{day.year:04d}{day.month:02d}"


def last_closed_month(as_of: dt.date) -> dt.date:
    """First day of the latest month whose declarations are all due by `as_of`."""
    return month_start(as_of, 1 if as_of.day > DECLARATION_DEADLINE_DAY else 2)


@dataclass(frozen=True)
class Windows:
    """Every window the enterprise view uses, for one run date.

    Attributes:
        periods_12m: the 12 tax periods before the run's month (what has been declared so far).
        recent_periods: the last three closed periods (the recent quarter).
        baseline_periods: the nine periods before them (the trend's reference).
        recent_days / baseline_days: the same months as (first, last) local dates, for electricity.
        energy_12m: (first, last) local dates of the 365 days ending on the run's date.
    """

    periods_12m: tuple[str, ...]
    recent_periods: tuple[str, ...]
    baseline_periods: tuple[str, ...]
    recent_days: tuple[dt.date, dt.date]
    baseline_days: tuple[dt.date, dt.date]
    energy_12m: tuple[dt.date, dt.date]


RECENT_MONTHS = 3
BASELINE_MONTHS = 9


def windows(as_of: dt.date) -> Windows:
    """The windows of run date `as_of`."""
    closed = last_closed_month(as_of)
    recent_start = month_start(closed, RECENT_MONTHS - 1)
    baseline_start = month_start(recent_start, BASELINE_MONTHS)
    return Windows(
        periods_12m=tuple(period(month_start(as_of, k)) for k in range(12, 0, -1)),
        recent_periods=tuple(period(month_start(closed, k)) for k in range(RECENT_MONTHS - 1, -1, -1)),
        baseline_periods=tuple(period(month_start(recent_start, k)) for k in range(BASELINE_MONTHS, 0, -1)),
        recent_days=(recent_start, month_start(closed, -1) - dt.timedelta(days=1)),
        baseline_days=(baseline_start, recent_start - dt.timedelta(days=1)),
        energy_12m=(as_of - dt.timedelta(days=364), as_of),
    )
