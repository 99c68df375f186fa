"""Transforms every sector uses, on tiny frames: exact duplicates and the latest version per key
(ties go to the later delivery, then the last delivered row). Unparseable rows' duplicates are
checked with the expression that judges them, in tests/pipelines/core/test_candidates.py."""

from __future__ import annotations

from datetime import date

from pyspark.sql import functions as F

from pipelines.transforms.common import DUPLICATE, keep_latest, mark_exact_duplicates

SCHEMA = "id string, version int, v string, _dt date, _source_file string, _row_no long"
D1, D2 = date(2026, 11, 1), date(2026, 11, 2)


def test_exact_duplicates_keep_the_first_row_unflagged(spark) -> None:
    rows = [("a", 1, "x", D1, "f", 1), ("a", 1, "x", D1, "f", 2), ("a", 1, "y", D1, "f", 3)]
    marked = spark.createDataFrame(rows, SCHEMA).transform(mark_exact_duplicates(["id", "version", "v"]))
    assert [r._row_no for r in marked.where(F.col(DUPLICATE)).collect()] == [2]


def test_keep_latest_the_highest_version_then_the_later_delivery_then_the_last_row(spark) -> None:
    rows = [
        ("a", 2, "old delivery, higher version", D1, "f", 1),
        ("a", 1, "later delivery, lower version", D2, "f", 1),
        ("b", 1, "later delivery", D2, "f", 1),
        ("b", 1, "earlier delivery, later row", D1, "f", 9),
        ("c", 1, "first row", D1, "f", 1),
        ("c", 1, "last row", D1, "f", 2),
    ]
    kept = spark.createDataFrame(rows, SCHEMA).transform(keep_latest(["id"], ["version"]))
    assert sorted((r.id, r.v) for r in kept.collect()) == [
        ("a", "old delivery, higher version"),
        ("b", "later delivery"),
        ("c", "last row"),
    ]


def test_keep_latest_by_delivery_date_alone(spark) -> None:
    rows = [("a", 1, "earlier", D1, "f", 5), ("a", 1, "later", D2, "f", 1)]
    kept = spark.createDataFrame(rows, SCHEMA).transform(keep_latest(["id"], ["_dt"]))
    assert [r.v for r in kept.collect()] == ["later"]
