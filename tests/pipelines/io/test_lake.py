"""The lake's IO object: each write rule goes to its Delta operation at the table's place, and a
table is read whole or by delivery date, with its version and history. Under concurrency, a lost
first-create race, a conflicting commit and a source that moved under a rebuild are retried (the
races made deterministic where they can be: the other writer "wins" between a write's existence
check and its commit; concurrent MERGEs run in threads of one session)."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from pipelines.io import delta, evolve, refs
from pipelines.io.lake import Lake
from pipelines.io.refs import InsertNew, MergeLatest, ReplacePartitions, TableRef, Upsert
from pipelines.io.retry import ConflictsExhausted
from pipelines.settings import Settings

REF = refs.TableRef("silver", "t")
SPARK = object()  # dispatch tests replace the Delta operations: the session is only passed through
FRAME = object()


@pytest.fixture
def calls(monkeypatch) -> list[tuple]:
    """Replace every Delta write by a recorder of its arguments."""
    seen: list[tuple] = []
    for name in ("replace_partitions", "merge_latest", "merge_delivery", "merge_scd2", "merge_keyed", "fill_columns"):
        monkeypatch.setattr(delta, name, lambda *args, _name=name: seen.append((_name, *args)))
    monkeypatch.setattr(delta, "overwrite", lambda *args: seen.append(("overwrite", *args)))
    monkeypatch.setattr(
        evolve, "evolve", lambda *args, **kwargs: []
    )  # schema evolution: tests/pipelines/io/test_evolve.py
    return seen


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            refs.ReplacePartitions("_dt", ("2026-11-02",)),
            ("replace_partitions", SPARK, FRAME, "/lake/silver/t", "_dt", ("2026-11-02",)),
        ),
        (refs.Overwrite(), ("overwrite", FRAME, "/lake/silver/t")),
        (
            refs.MergeLatest(("id",), ("version",), "period"),
            ("merge_latest", SPARK, FRAME, "/lake/silver/t", ("id",), ("version",), "period"),
        ),
        (
            refs.ReplaceDelivery(("id",), ("version",), "2026-11-02", "period", ("2026-10",)),
            (
                "merge_delivery",
                SPARK,
                FRAME,
                "/lake/silver/t",
                ("id",),
                ("version",),
                "2026-11-02",
                "period",
                ("2026-10",),
            ),
        ),
        (
            refs.MergeHistory(("uscc",), "updated_at"),
            ("merge_scd2", SPARK, FRAME, "/lake/silver/t", ("uscc",), "updated_at", ""),
        ),
        (
            refs.MergeHistory(("uscc",), "updated_at", "2026-11-02"),
            ("merge_scd2", SPARK, FRAME, "/lake/silver/t", ("uscc",), "updated_at", "2026-11-02"),
        ),
        (refs.Upsert(("run_id", "table")), ("merge_keyed", SPARK, FRAME, "/lake/silver/t", ("run_id", "table"), "")),
        (
            refs.Upsert(("run_id", "table"), "table"),
            ("merge_keyed", SPARK, FRAME, "/lake/silver/t", ("run_id", "table"), "table"),
        ),
        (refs.FillColumns(("id",), ("city",)), ("fill_columns", SPARK, FRAME, "/lake/silver/t", ("id",), ("city",))),
    ],
    ids=[
        "replace-partitions",
        "overwrite",
        "merge-latest",
        "replace-delivery",
        "merge-history",
        "merge-history-of-a-delivery",
        "upsert",
        "upsert-partitioned",
        "fill-columns",
    ],
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
    ref = refs.TableRef("bronze", "t")
    assert (lake.exists(ref), lake.version(ref), lake.history(ref)) == (False, None, [])
    schema = "id string, _dt date"
    day1 = spark.createDataFrame([("a", date(2026, 11, 1)), ("b", date(2026, 11, 1))], schema)
    lake.write(ref, day1, refs.ReplacePartitions("_dt", ("2026-11-01",)))
    day2 = spark.createDataFrame([("c", date(2026, 11, 2))], schema)
    lake.write(ref, day2, refs.ReplacePartitions("_dt", ("2026-11-02",)))
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


SCHEMA = "id int, v string, _dt date"


def _lake(spark, settings, **overrides) -> Lake:
    return Lake(spark, settings.with_overrides(write_backoff_ms=10, **overrides))


def _rows(lake: Lake, ref: TableRef) -> list[tuple]:
    return sorted(tuple(r) for r in lake.read(ref).select("id", "v", "_dt").collect())


def _frame(spark, rows):
    return spark.createDataFrame(rows, SCHEMA)


def _lose_the_create_race(monkeypatch, uri: str) -> None:
    """The next existence check of `uri` says "no table" although another writer has just created it."""
    real, told = delta.exists, []

    def exists(spark, path: str) -> bool:
        if path == uri and not told:
            told.append(path)
            return False
        return real(spark, path)

    monkeypatch.setattr(delta, "exists", exists)


def test_a_creating_partition_write_never_erases_the_partitions_of_the_writer_that_created_the_table(
    spark, fresh_settings, monkeypatch
) -> None:
    lake, ref = _lake(spark, fresh_settings), TableRef("bronze", "race_parts")
    lake.write(ref, _frame(spark, [(1, "a", date(2026, 11, 2))]), ReplacePartitions("_dt", ("2026-11-02",)))
    _lose_the_create_race(monkeypatch, lake.uri(ref))
    lake.write(ref, _frame(spark, [(2, "b", date(2026, 11, 3))]), ReplacePartitions("_dt", ("2026-11-03",)))
    assert _rows(lake, ref) == [(1, "a", date(2026, 11, 2)), (2, "b", date(2026, 11, 3))]


def test_a_creating_merge_that_finds_the_table_created_meanwhile_is_retried_as_a_merge(
    spark, fresh_settings, monkeypatch
) -> None:
    lake, ref = _lake(spark, fresh_settings), TableRef("silver", "race_merge")
    rule = MergeLatest(("id",), ("_dt",))
    lake.write(ref, _frame(spark, [(1, "old", date(2026, 11, 2))]), rule)
    _lose_the_create_race(monkeypatch, lake.uri(ref))
    seen = lake.stats.copy()
    lake.write(ref, _frame(spark, [(1, "new", date(2026, 11, 3)), (2, "b", date(2026, 11, 3))]), rule)
    assert _rows(lake, ref) == [(1, "new", date(2026, 11, 3)), (2, "b", date(2026, 11, 3))]
    assert lake.stats.since(seen) == (1, 1)  # DELTA_PATH_EXISTS, then the MERGE


def test_concurrent_upserts_into_one_table_all_land(spark, fresh_settings) -> None:
    lake, ref = _lake(spark, fresh_settings), TableRef("ops", "race_upsert")
    lake.write(ref, _frame(spark, [(0, "seed", date(2026, 11, 1))]), Upsert(("id",)))
    errors: list[BaseException] = []

    def upsert(i: int) -> None:
        try:
            lake.write(ref, _frame(spark, [(i, f"run{i}", date(2026, 11, 1))]), Upsert(("id",)))
        except BaseException as err:  # reported below, in the test's thread
            errors.append(err)

    threads = [threading.Thread(target=upsert, args=(i,)) for i in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [r[0] for r in _rows(lake, ref)] == [0, 1, 2, 3]


def test_insert_new_keeps_the_first_writers_row(spark, fresh_settings) -> None:
    lake, ref = _lake(spark, fresh_settings), TableRef("ops", "first_wins")
    lake.write(ref, _frame(spark, [(1, "first", date(2026, 11, 1))]), InsertNew(("id",)))
    lake.write(ref, _frame(spark, [(1, "second", date(2026, 11, 2)), (2, "b", date(2026, 11, 2))]), InsertNew(("id",)))
    assert [(r[0], r[1]) for r in _rows(lake, ref)] == [(1, "first"), (2, "b")]


def test_a_rebuild_whose_source_moved_meanwhile_runs_again(spark, fresh_settings) -> None:
    lake, source = _lake(spark, fresh_settings), TableRef("silver", "moving_source")
    lake.write(source, _frame(spark, [(1, "a", date(2026, 11, 1))]), Upsert(("id",)))
    built: list[int] = []

    def rebuild() -> int:
        total = lake.read(source).count()
        if not built:  # a concurrent writer commits while the first build runs
            lake.write(source, _frame(spark, [(2, "b", date(2026, 11, 2))]), Upsert(("id",)))
        built.append(total)
        return total

    seen = lake.stats.copy()
    assert lake.stable([source], rebuild, "gold.t") == 2
    assert built == [1, 2]
    assert lake.stats.since(seen) == (1, 1)


def test_a_rebuild_gives_up_when_its_sources_never_settle(spark, fresh_settings) -> None:
    lake, source = _lake(spark, fresh_settings, write_attempts=2), TableRef("silver", "never_settles")
    lake.write(source, _frame(spark, [(0, "a", date(2026, 11, 1))]), Upsert(("id",)))
    counter = iter(range(1, 10))

    def rebuild() -> None:
        lake.write(source, _frame(spark, [(next(counter), "b", date(2026, 11, 2))]), Upsert(("id",)))

    with pytest.raises(ConflictsExhausted, match=r"gold\.t: sources \['silver\.never_settles'\] kept changing"):
        lake.stable([source], rebuild, "gold.t")
