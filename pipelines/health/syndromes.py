"""Syndrome groups from ICD-10 codes, ISO weeks and age bands, as Spark column expressions.

Groups (ARCHITECTURE.md): ILI J09-J11, URI J00-J06, GI A00-A09, varicella B01,
measles B05, TB A15-A19, everything else `other`. A code is grouped by its
three-character category (`J10.1` -> `J10`), compared as text: every category is a
letter and two digits, so text order is code order.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from pipelines import ids

# (group, first category, last category), checked in order; the plain-Python oracle
# `pipelines.ids.syndrome_group` reads the same table.
SYNDROME_RANGES: tuple[tuple[str, str, str], ...] = tuple(
    (group, first, last) for group, (first, last) in ids.ICD10_SYNDROME_GROUPS.items()
)
SYNDROME_GROUPS: tuple[str, ...] = (*[g for g, _, _ in SYNDROME_RANGES], "other")
# CDC ILINet age bands (lower bound, label).
AGE_BANDS: tuple[tuple[int, str], ...] = ((65, "65+"), (50, "50-64"), (25, "25-49"), (5, "5-24"), (0, "0-4"))


def syndrome_group(icd10: Column) -> Column:
    """The syndrome group of an ICD-10 code (`other` when no range matches)."""
    category = F.upper(F.substring(F.trim(icd10), 1, 3))
    grouped = F.lit("other")
    for group, first, last in reversed(SYNDROME_RANGES):
        grouped = F.when(category.between(first, last), F.lit(group)).otherwise(grouped)
    return grouped


def iso_week(day: Column) -> Column:
    """ISO-8601 week of a date as `YYYY-Www` (the ISO year, which differs from the calendar year near New Year)."""
    iso_weekday = (F.dayofweek(day) + 5) % 7 + 1  # Monday 1 … Sunday 7
    thursday = F.date_add(day, (F.lit(4) - iso_weekday).cast("int"))
    return F.format_string("%04d-W%02d", F.year(thursday), F.weekofyear(day))


def iso_week_start(week: Column) -> Column:
    """The Monday of a `YYYY-Www` week (ISO week 1 holds 4 January)."""
    jan4 = F.make_date(F.substring(week, 1, 4).cast("int"), F.lit(1), F.lit(4))
    monday_of_week1 = F.date_sub(jan4, ((F.dayofweek(jan4) + 5) % 7).cast("int"))
    return F.date_add(monday_of_week1, ((F.substring(week, 7, 2).cast("int") - 1) * 7).cast("int"))


def age_band(birth_date: Column, on: Column) -> Column:
    """Age band (0-4, 5-24, 25-49, 50-64, 65+) of someone born on `birth_date`, on date `on`."""
    age = F.floor(F.months_between(on, birth_date) / 12)
    band = F.lit(None).cast("string")
    for lower, label in reversed(AGE_BANDS):
        band = F.when(age >= lower, F.lit(label)).otherwise(band)
    return band
