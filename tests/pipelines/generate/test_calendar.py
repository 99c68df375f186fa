"""The generator's calendar: day numbers, local times (+08:00), months, tax periods, weekdays."""

from __future__ import annotations

import datetime as dt

import numpy as np

from pipelines.generate import calendar as cal

NOV_2 = dt.date(2026, 11, 2)  # a Monday


def test_day_numbers_round_trip() -> None:
    assert cal.day_number(dt.date(1970, 1, 2)) == 1
    assert cal.to_date(cal.day_number(NOV_2)) == NOV_2
    assert cal.date_strings(np.array([cal.day_number(NOV_2), 0])).tolist() == ["2026-11-02", "1970-01-01"]


def test_local_datetime_strings() -> None:
    seconds = np.array([cal.day_number(NOV_2) * cal.SECONDS_PER_DAY + 8 * 3600 + 15 * 60])
    assert cal.local_datetime_strings(seconds).tolist() == ["2026-11-02T08:15:00+08:00"]
    assert cal.local_datetime_strings(seconds, sep=" ", offset=False).tolist() == ["2026-11-02 08:15:00"]


def test_generated_at_is_the_morning_after_in_shanghai() -> None:
    assert cal.generated_at(NOV_2, 6 * 60 + 5) == "2026-11-03T06:05:00+08:00"


def test_months_periods_and_weekdays() -> None:
    days = np.array([cal.day_number(NOV_2), cal.day_number(dt.date(2027, 1, 31))])
    months = cal.month_index(days)
    assert cal.period_strings(months).tolist() == ["202611", "202701"]
    assert [cal.to_date(d) for d in cal.month_start(months)] == [dt.date(2026, 11, 1), dt.date(2027, 1, 1)]
    assert cal.weekday(days).tolist() == [0, 6]  # Monday, Sunday
