"""Dates, times and time zones as the generator uses them.

Dates are carried as integer days since 1970-01-01 (numpy int64), which hash and
compare cheaply; these helpers convert them to the text forms of the contracts.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from pipelines.timezone import LOCAL_TZ

SHANGHAI = dt.timezone(dt.timedelta(hours=8), LOCAL_TZ)
EPOCH = dt.date(1970, 1, 1)
NEVER = 10**6  # a day number far beyond any generated date: "has not happened"
SECONDS_PER_DAY = 86_400


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH).days


def to_date(days: int) -> dt.date:
    """The calendar date of a day number."""
    return EPOCH + dt.timedelta(days=int(days))


def date_strings(days: np.ndarray) -> np.ndarray:
    """`YYYY-MM-DD` strings for an array of day numbers."""
    return np.datetime_as_string(np.asarray(days, dtype="int64").astype("datetime64[D]"), unit="D")


def local_datetime_strings(seconds: np.ndarray, sep: str = "T", offset: bool = True) -> np.ndarray:
    """Local-time text for seconds since 1970-01-01 00:00 *local* time.

    Args:
        seconds: local wall-clock seconds (day number * 86400 + second of day).
        sep: separator between date and time ("T" for ISO-8601, " " for the plain form).
        offset: append "+08:00".

    Returns:
        Strings like `2026-11-01T08:15:00+08:00` or `2026-11-01 08:15:00`.
    """
    text = np.datetime_as_string(np.asarray(seconds, dtype="int64").astype("datetime64[s]"), unit="s")
    if sep != "T":
        text = np.char.replace(text, "T", sep)
    return np.char.add(text, "+08:00") if offset else text


def generated_at(day: dt.date, minutes_after_midnight: int) -> str:
    """The manifest's `generated_at`: the morning after the business date, +08:00."""
    moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), SHANGHAI)
    return (moment + dt.timedelta(minutes=minutes_after_midnight)).isoformat()


def month_index(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 for day numbers."""
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_start(months: np.ndarray) -> np.ndarray:
    """Day number of the first day of each month index."""
    return np.asarray(months, dtype="int64").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def period_strings(months: np.ndarray) -> np.ndarray:
    """`YYYYMM` tax periods for month indexes."""
    return np.char.replace(np.datetime_as_string(np.asarray(months, dtype="int64").astype("datetime64[M]")), "-", "")


def weekday(days: np.ndarray | int) -> np.ndarray:
    """ISO weekday index 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday)."""
    return (np.asarray(days, dtype="int64") + 3) % 7
