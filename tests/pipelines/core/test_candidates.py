"""Bronze rows -> silver candidates on tiny frames: rows of several deliveries checked at once are
each judged against their own delivery date, duplicates are found within a delivery only, the
latest version per key wins (ties: the later delivery), and unparseable rows are duplicates only
when their raw text is."""

from __future__ import annotations

from datetime import date

from pyspark.sql import functions as F

from pipelines.core.candidates import _unparsed_text, check_delivery, silver_candidates, valid_rows
from pipelines.core.rules import REASONS
from pipelines.ids import uscc_check_char
from pipelines.registry import SECTORS
from pipelines.transforms.common import DUPLICATE, mark_exact_duplicates

RETURNS = SECTORS["tax"].silver_table("tax_returns")
NAMES = [c.name for c in RETURNS.feed.contract.columns]
LINEAGE = ["_parse_error string", "_raw string", "_batch_id string", "_dt date", "_source_file string", "_row_no long"]
BRONZE = ", ".join([f"{n} string" for n in NAMES] + LINEAGE) + ", _ingested_at timestamp"
PAYER = "91320102" + "000000001" + uscc_check_char("91320102000000001")


def _bronze(spark, rows: list[tuple[str, int, str, date, int]]):
    """Bronze rows of tax returns: (declaration, version, declared on, delivery date, row number)."""
    values = [
        (decl, PAYER, "202610", "10101", "100.00", "10.00", "10.00", on, "320102", "C13", str(version), None, None,
         f"batch-{dt}", dt, "part-00000.csv", row_no, None)
        for decl, version, on, dt, row_no in rows
    ]  # fmt: skip
    return spark.createDataFrame(values, BRONZE)


def test_rows_of_several_deliveries_are_judged_against_their_own_date(spark) -> None:
    d1, d2 = date(2026, 11, 1), date(2026, 11, 2)
    bronze = _bronze(
        spark,
        [
            ("A", 1, "2026-11-02", d1, 1),  # declared after its delivery date: future
            ("A", 1, "2026-11-02", d2, 1),  # the same declaration delivered on the 2nd: fine
        ],
    )
    checked = check_delivery(bronze, RETURNS)
    reasons = {str(r["_dt"]): r[REASONS] for r in checked.collect()}
    assert reasons == {"2026-11-01": ["future_date:declared_on"], "2026-11-02": []}


def test_duplicates_are_found_within_a_delivery_only(spark) -> None:
    d1, d2 = date(2026, 11, 1), date(2026, 11, 2)
    bronze = _bronze(
        spark,
        [("A", 1, "2026-10-20", d1, 1), ("A", 1, "2026-10-20", d1, 2), ("A", 1, "2026-10-20", d2, 1)],
    )
    checked = check_delivery(bronze, RETURNS)
    duplicates = sorted((str(r["_dt"]), r["_row_no"]) for r in checked.where(F.col(DUPLICATE)).collect())
    assert duplicates == [("2026-11-01", 2)]  # the 2nd delivery's copy is its own delivery's row
    assert valid_rows(checked).count() == 2
    assert DUPLICATE not in valid_rows(checked).columns and REASONS not in valid_rows(checked).columns


def test_the_highest_version_wins_and_ties_go_to_the_later_delivery(spark) -> None:
    d1, d2, d3 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)
    bronze = _bronze(
        spark,
        [
            ("A", 2, "2026-10-20", d1, 1),
            ("A", 1, "2026-10-20", d3, 1),  # later, but a lower version
            ("B", 1, "2026-10-20", d2, 1),
            ("B", 1, "2026-10-20", d1, 5),  # same version: the later delivery (d2) wins over the higher row number
        ],
    )
    candidates = silver_candidates(RETURNS, valid_rows(check_delivery(bronze, RETURNS)), "k" * 32)
    won = sorted((r.declaration_id, r.version, str(r["_dt"])) for r in candidates.collect())
    assert won == [("A", 2, "2026-11-01"), ("B", 1, "2026-11-02")]


def test_unparseable_rows_are_duplicates_only_when_their_raw_text_is(spark) -> None:
    rows = [
        ("1", "a", None, "1,a"),
        ("1", "a", None, "1, a"),  # same values, other spelling: the same row
        (None, None, "not a JSON object", '{"id": 2'),
        (None, None, "not a JSON object", '{"id": 3'),  # another broken line: not a duplicate
        (None, None, "not a JSON object", '{"id": 3'),  # the same broken line again
    ]
    frame = spark.createDataFrame(
        [(*r, "f", i) for i, r in enumerate(rows, start=1)],
        "id string, v string, _parse_error string, _raw string, _source_file string, _row_no long",
    )
    marked = frame.transform(mark_exact_duplicates(["id", "v", "_parse_error", _unparsed_text()]))
    assert [r._row_no for r in marked.where(F.col(DUPLICATE)).orderBy("_row_no").collect()] == [2, 5]
