"""Result formats: aligned table, CSV, JSON (exact decimals), Parquet."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.analyst import output


@pytest.fixture
def result() -> pa.Table:
    return pa.table(
        {
            "city_code": ["320100", "320500", None],
            "due": pa.array([Decimal("39105.83"), Decimal("8.10"), None], pa.decimal128(38, 2)),
            "n": [6, 12, 0],
            "day": [date(2026, 11, 2), date(2026, 11, 3), None],
        }
    )


def test_table_aligns_numbers_right_and_text_left(result) -> None:
    lines = output.render_table(result).splitlines()
    assert lines[0].split() == ["city_code", "due", "n", "day"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].startswith("320100   ") and "39105.83" in lines[2]
    due_end = lines[2].index("39105.83") + len("39105.83")
    assert lines[3][due_end - len("8.10") : due_end] == "8.10"  # right-aligned under the wider value
    assert "NULL" in lines[4]
    assert lines[-1] == "(3 rows)"


def test_table_says_how_many_rows_it_did_not_show(result) -> None:
    assert output.render_table(result, limit=1).splitlines()[-1].startswith("(3 rows) (showing 1;")


def test_csv_has_a_header_and_empty_nulls(result) -> None:
    rows = list(csv.reader(io.StringIO(output.to_csv(result))))
    assert rows == [
        ["city_code", "due", "n", "day"],
        ["320100", "39105.83", "6", "2026-11-02"],
        ["320500", "8.10", "12", "2026-11-03"],
        ["", "", "0", ""],
    ]


def test_json_keeps_decimals_exact(result) -> None:
    rows = json.loads(output.to_json(result))
    assert rows[0] == {"city_code": "320100", "due": "39105.83", "n": 6, "day": "2026-11-02"}
    assert rows[2]["due"] is None


def test_duplicate_column_names_are_kept_in_order() -> None:
    table = pa.Table.from_arrays([pa.array([1]), pa.array(["a"])], names=["x", "x"])
    assert list(csv.reader(io.StringIO(output.to_csv(table)))) == [["x", "x"], ["1", "a"]]


def test_parquet_round_trips(result, tmp_path) -> None:
    out = tmp_path / "r.parquet"
    assert output.write(result, "parquet", str(out)) == f"3 rows written to {out}"
    assert pq.read_table(out).equals(result)


def test_parquet_needs_a_file(result) -> None:
    with pytest.raises(ValueError, match="--out FILE"):
        output.write(result, "parquet", None)


def test_unknown_format_is_named(result) -> None:
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        output.write(result, "xml", None)
