"""Transforms every sector uses, on tiny frames: exact duplicates (unparseable rows judged by their
raw text), the latest version per key, city code, industry section and the local date."""

from __future__ import annotations

from pyspark.sql import functions as F

from pipelines.core.steps import _unparsed_text
from pipelines.transforms.common import DUPLICATE, mark_exact_duplicates


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
