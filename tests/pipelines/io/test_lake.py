"""The lake's IO object: each write rule goes to its Delta operation at the table's place, and a
table is read whole or by delivery date, with its version and history."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.io import delta
from pipelines.io.lake import Lake
from pipelines.io.refs import MergeHistory, MergeLatest, Overwrite, ReplacePartitions, TableRef, Upsert
from pipelines.settings import Settings

REF = TableRef("silver", "t")
SPARK = object()  # dispatch tests replace the Delta operations: the session is only passed through
FRAME = object()


@pytest.fixture
def calls(monkeypatch) -> list[tuple]:
    """Replace every Delta write by a recorder of its arguments."""
    seen: list[tuple] = []
    for name in ("replace_partitions", "merge_latest", "merge_scd2", "merge_keyed"):
        monkeypatch.setattr(delta, name, lambda *args, _name=name: seen.append((_name, *args)))
    monkeypatch.setattr(delta, "overwrite", lambda *args: seen.append(("overwrite", *args)))
    return seen


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            ReplacePartitions("_dt", ("2026-11-02",)),
            ("replace_partitions", SPARK, FRAME, "/lake/silver/t", "_dt", ("2026-11-02",)),
        ),
        (Overwrite(), ("overwrite", FRAME, "/lake/silver/t")),
        (
            MergeLatest(("id",), ("version",), "period"),
            ("merge_latest", SPARK, FRAME, "/lake/silver/t", ("id",), ("version",), "period"),
        ),
        (
            MergeHistory(("uscc",), "updated_at"),
            ("merge_scd2", SPARK, FRAME, "/lake/silver/t", ("uscc",), "updated_at"),
        ),
        (Upsert(("run_id", "table")), ("merge_keyed", SPARK, FRAME, "/lake/silver/t", ("run_id", "table"))),
    ],
    ids=["replace-partitions", "overwrite", "merge-latest", "merge-history", "upsert"],
)
def test_each_write_rule_goes_to_its_delta_operation(calls, rule, expected) -> None:
    Lake(SPARK, Settings(lake_root="/lake")).write(REF, FRAME, rule)
    assert calls == [expected]


def test_an_unknown_rule_is_refused(calls) -> None:
    with pytest.raises(TypeError, match="silver.t: unknown write rule"):
        Lake(SPARK, Settings(lake_root="/lake")).write(REF, FRAME, "append")  # type: ignore[arg-type]
    assert calls == []


def test_uri_is_under_the_lake_root() -> None:
    assert Lake(SPARK, Settings(lake_root="s3://lake/prod")).uri(REF) == "s3a://lake/prod/silver/t"


def test_read_by_delivery_date_version_and_history(spark, fresh_settings) -> None:
    lake = Lake(spark, fresh_settings)
    ref = TableRef("bronze", "t")
    assert (lake.exists(ref), lake.version(ref), lake.history(ref)) == (False, None, [])
    schema = "id string, _dt date"
    day1 = spark.createDataFrame([("a", date(2026, 11, 1)), ("b", date(2026, 11, 1))], schema)
    lake.write(ref, day1, ReplacePartitions("_dt", ("2026-11-01",)))
    day2 = spark.createDataFrame([("c", date(2026, 11, 2))], schema)
    lake.write(ref, day2, ReplacePartitions("_dt", ("2026-11-02",)))
    assert lake.exists(ref) and lake.version(ref) == 1
    assert sorted(r.id for r in lake.read(ref).collect()) == ["a", "b", "c"]
    assert [r.id for r in lake.read(ref, "2026-11-02").collect()] == ["c"]
    history = lake.history(ref)
    assert [h["version"] for h in history] == [1, 0]  # newest first
    assert [h["version"] for h in lake.history(ref, limit=1)] == [1]


def test_a_deliverys_files_are_those_its_manifest_lists(tmp_path) -> None:
    import json

    lake = Lake(SPARK, Settings(landing_root=str(tmp_path)))  # type: ignore[arg-type]
    folder = tmp_path / "tax" / "returns" / "dt=2026-11-02"
    assert lake.delivery_folder("tax", "returns", "2026-11-02") == str(folder)
    folder.mkdir(parents=True)
    (folder / "part-0.csv").write_text("a\n")
    (folder / "stray.tmp").write_text("b\n")
    assert lake.delivery_files("tax", "returns", "2026-11-02") == []  # no manifest: not delivered yet
    (folder / "_manifest.json").write_text(json.dumps({"files": [{"name": "part-0.csv"}]}))
    assert lake.delivery_files("tax", "returns", "2026-11-02") == [str(folder / "part-0.csv")]
