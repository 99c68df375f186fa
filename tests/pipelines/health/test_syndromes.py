"""Syndrome groups, ISO weeks and age bands as Spark expressions, against plain-Python oracles."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import functions as F

from pipelines import ids
from pipelines.health.syndromes import age_band, iso_week, iso_week_start, syndrome_group

CODES = [
    "J09",
    "J10.1",
    "J11.0",
    "J12",
    "J00",
    "J06.9",
    "J08",
    "A00",
    "A09",
    "A08.4",
    "A10",
    "B01.9",
    "B02",
    "B05.9",
    "A15.0",
    "A16.2",
    "A19",
    "A20",
    "I10",
    "E11.9",
    "Z00.0",
    "U07.1",
]


def test_syndrome_group_matches_the_oracle(spark) -> None:
    frame = spark.createDataFrame([(c,) for c in CODES], "icd10 string")
    got = {r.icd10: r.group for r in frame.select("icd10", syndrome_group(F.col("icd10")).alias("group")).collect()}
    assert got == {c: ids.syndrome_group(c) for c in CODES}


DAYS = [
    dt.date(2026, 1, 1),
    dt.date(2026, 12, 28),
    dt.date(2026, 12, 31),
    dt.date(2027, 1, 3),
    dt.date(2027, 1, 4),
    dt.date(2020, 12, 31),
    dt.date(2021, 1, 3),
    dt.date(2026, 11, 9),
    dt.date(2026, 11, 15),
]


def test_iso_week_and_its_monday_match_python(spark) -> None:
    frame = spark.createDataFrame([(d,) for d in DAYS], "day date").withColumn("week", iso_week(F.col("day")))
    rows = frame.withColumn("monday", iso_week_start(F.col("week"))).collect()
    for r in rows:
        year, week, weekday = r.day.isocalendar()
        assert r.week == f"{year:04d}-W{week:02d}"
        assert r.monday == r.day - dt.timedelta(days=weekday - 1)


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        (dt.date(2022, 11, 10), dt.date(2026, 11, 9), "0-4"),
        (dt.date(2021, 11, 10), dt.date(2026, 11, 10), "5-24"),
        (dt.date(2001, 11, 11), dt.date(2026, 11, 10), "5-24"),
        (dt.date(2001, 11, 10), dt.date(2026, 11, 10), "25-49"),
        (dt.date(1976, 6, 1), dt.date(2026, 11, 10), "50-64"),
        (dt.date(1961, 11, 10), dt.date(2026, 11, 10), "65+"),
    ],
)
def test_age_band_at_the_visit(spark, born, on, band) -> None:
    frame = spark.createDataFrame([(born, on)], "born date, on date")
    assert frame.select(age_band(F.col("born"), F.col("on")).alias("b")).first().b == band
