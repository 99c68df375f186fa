"""Core pieces the energy and transport sectors rely on: gold sources read whole, and exact
duplicates of unparseable rows judged by their raw text."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from pipelines.core.candidates import _unparsed_text
from pipelines.core.spec import Catalog, GoldSpec
from pipelines.io.refs import TableRef
from pipelines.transforms.common import DUPLICATE, mark_exact_duplicates

CATALOG = Catalog(owner="o", description="d")


def test_whole_sources_are_left_out_of_the_partitioned_sources() -> None:
    spec = GoldSpec(
        "g", ("facts", "silver.register", "gold.other"), "m:f", "date", CATALOG, whole_sources=("silver.register",)
    )
    assert spec.source_refs == (TableRef("silver", "facts"), TableRef("silver", "register"), TableRef("gold", "other"))
    assert spec.partitioned_refs == (TableRef("silver", "facts"), TableRef("gold", "other"))


@pytest.mark.parametrize(
    ("sources", "whole"),
    [(("facts",), ("register",)), (("register",), ("register",))],
    ids=["not-a-source", "nothing-left-to-limit"],
)
def test_whole_sources_must_leave_a_limited_source(sources: tuple, whole: tuple) -> None:
    with pytest.raises(ValueError, match="g:"):
        GoldSpec("g", sources, "m:f", "date", CATALOG, whole_sources=whole)


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
