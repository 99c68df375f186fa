"""Schema evolution of lake tables: the comparison on tiny frames, and on real Delta tables through
`Lake.write` the explicit `ALTER TABLE … ADD COLUMNS` (recorded in `ops.schema_changes`), declared
defaults, declared renames and widenings, and the refusal of everything else (table untouched)."""

from __future__ import annotations

import pytest

from pipelines.io.evolve import Diff, SchemaChangeRefused, columns, diff, plan, widens
from pipelines.io.lake import Lake
from pipelines.io.refs import Evolution, FillColumns, Overwrite, RenameColumn, ReplacePartitions, TableRef, WidenColumn

REF = TableRef("silver", "people")
DT = "2026-11-01"


def test_diff_of_tiny_frames(spark) -> None:
    table = spark.createDataFrame([(1, "a", 1.5)], "id int, name string, score double")
    frame = spark.createDataFrame([(1, 2, "x")], "id bigint, age int, nick string")
    found = diff(columns(table.schema), columns(frame.schema))
    assert found.added == (("age", "int"), ("nick", "string"))
    assert found.missing == (("name", "string"), ("score", "double"))
    assert found.changed == (("id", "int", "bigint"),)
    assert not diff(columns(table.schema), columns(table.select("score", "id", "name").schema))  # order is no change


def test_nullability_is_no_change(spark) -> None:
    from pyspark.sql import functions as F

    table = spark.createDataFrame([(1,)], "id int")
    frame = table.select(F.coalesce("id", F.lit(0)).alias("id"))  # not nullable
    assert not diff(columns(table.schema), columns(frame.schema))


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        ("int", "bigint", True),
        ("tinyint", "int", True),
        ("bigint", "int", False),
        ("float", "double", True),
        ("int", "double", True),
        ("bigint", "double", False),
        ("decimal(18,2)", "decimal(20,2)", True),
        ("decimal(18,2)", "decimal(20,4)", True),
        ("decimal(18,2)", "decimal(18,4)", False),  # fewer integer digits
        ("decimal(18,2)", "decimal(18,2)", False),
        ("int", "decimal(10,0)", True),
        ("int", "decimal(9,0)", False),
        ("int", "string", False),
        ("string", "int", False),
    ],
)
def test_only_lossless_widenings(old: str, new: str, ok: bool) -> None:
    assert widens(old, new) is ok


def test_plan_refuses_a_type_change_and_a_missing_column_naming_both() -> None:
    found = Diff(missing=(("name", "string"),), changed=(("id", "int", "string"),))
    with pytest.raises(SchemaChangeRefused) as err:
        plan("silver.people", found, Evolution())
    message = str(err.value)
    assert "silver.people: column `id` is int in the table but string in the rows to write" in message
    assert "silver.people: column `name` (string) is in the table but not in the rows to write" in message
    assert "renamed_from" in message and "widened_from" in message and "Nothing was written" in message


def test_plan_takes_declared_migrations_and_defaults() -> None:
    found = Diff(added=(("full_name", "string"), ("city", "string")), missing=(("name", "string"),))
    found = Diff(found.added, found.missing, (("id", "int", "bigint"),))
    todo = plan(
        "silver.people",
        found,
        Evolution(
            defaults=(("city", "南京"),), migrations=(RenameColumn("name", "full_name"), WidenColumn("id", "bigint"))
        ),
    )
    assert todo.renames == (("name", "full_name", "string"),)
    assert todo.widens == (("id", "int", "bigint"),)
    assert todo.adds == (("city", "string"),)
    assert todo.defaults == (("city", "string", "南京"),)


def test_a_declared_narrowing_is_still_refused() -> None:
    with pytest.raises(SchemaChangeRefused, match="not a lossless widening"):
        plan(
            "silver.people", Diff(changed=(("id", "bigint", "int"),)), Evolution(migrations=(WidenColumn("id", "int"),))
        )


def test_a_partial_frame_may_lack_columns() -> None:
    assert plan("silver.people", Diff(missing=(("name", "string"),)), Evolution(), partial=True).adds == ()


# --- on real Delta tables, through the lake ---------------------------------------------------------------


@pytest.fixture
def lake(spark, fresh_settings) -> Lake:
    lake = Lake(spark, fresh_settings)
    rows = [(1, "张三", DT), (2, "李四", DT)]
    frame = spark.createDataFrame(rows, "id int, name string, _dt string").selectExpr("id", "name", "date(_dt) AS _dt")
    lake.write(REF, frame, ReplacePartitions("_dt", (DT,)))
    return lake


def _frame(spark, ddl: str, rows: list[tuple], dt: str = "2026-11-02"):
    return spark.createDataFrame(rows, ddl).selectExpr("*", f"date('{dt}') AS _dt")


def test_a_new_column_is_added_by_an_explicit_alter_and_recorded(lake, spark) -> None:
    before = lake.version(REF)
    frame = _frame(spark, "id int, name string, city string", [(3, "王五", "南京")])
    lake.write(REF, frame, ReplacePartitions("_dt", ("2026-11-02",)), Evolution("run-1", "2026-11-02"))
    rows = {r["id"]: r["city"] for r in lake.read(REF).collect()}
    assert rows == {1: None, 2: None, 3: "南京"}  # old rows: null
    operations = [h["operation"] for h in lake.history(REF)]
    assert operations[:2] == ["WRITE", "ADD COLUMNS"]  # newest first: the ALTER, then the write
    [change] = lake.schema_changes(REF)
    assert change["column"] == "city" and change["type"] == "string" and change["change"] == "add_column"
    assert (change["run_id"], change["dt"]) == ("run-1", "2026-11-02")
    assert (change["version_before"], change["version_after"]) == (before, before + 1)
    # the same write again: the schemas agree, nothing more is changed or recorded
    lake.write(REF, frame, ReplacePartitions("_dt", ("2026-11-02",)), Evolution("run-2", "2026-11-02"))
    assert len(lake.schema_changes()) == 1


def test_a_declared_default_fills_the_old_rows(lake, spark) -> None:
    frame = _frame(spark, "id int, name string, visits int", [(3, "王五", 7)])
    evolution = Evolution("run-1", "2026-11-02", defaults=(("visits", "0"),))
    lake.write(REF, frame, ReplacePartitions("_dt", ("2026-11-02",)), evolution)
    assert {r["id"]: r["visits"] for r in lake.read(REF).collect()} == {1: 0, 2: 0, 3: 7}
    assert [c["change"] for c in lake.schema_changes(REF)] == ["add_column", "default"]


def test_a_type_change_is_refused_naming_table_and_column(lake, spark) -> None:
    before = lake.version(REF)
    frame = _frame(spark, "id string, name string", [("3", "王五")])
    with pytest.raises(SchemaChangeRefused, match=r"silver\.people: column `id` is int in the table but string"):
        lake.write(REF, frame, ReplacePartitions("_dt", ("2026-11-02",)))
    assert lake.version(REF) == before and lake.schema_changes() == []


def test_a_widening_without_a_migration_is_refused(lake, spark) -> None:
    frame = _frame(spark, "id bigint, name string", [(3, "王五")])
    with pytest.raises(SchemaChangeRefused, match=r"`id` is int in the table but bigint.*widened_from"):
        lake.write(REF, frame, ReplacePartitions("_dt", ("2026-11-02",)))


@pytest.mark.parametrize("rule", [ReplacePartitions("_dt", ("2026-11-02",)), Overwrite()])
def test_a_dropped_or_renamed_column_is_refused(lake, spark, rule) -> None:
    before = lake.version(REF)
    frame = _frame(spark, "id int, full_name string", [(3, "王五")])  # `name` renamed, undeclared
    with pytest.raises(SchemaChangeRefused) as err:
        lake.write(REF, frame, rule)
    assert "silver.people: column `name` (string) is in the table but not in the rows to write" in str(err.value)
    assert lake.version(REF) == before and "full_name" not in lake.read(REF).columns


def test_a_declared_rename_and_widening_rewrite_the_table_keeping_its_rows(lake, spark) -> None:
    frame = _frame(spark, "id bigint, full_name string", [(3, "王五")])
    evolution = Evolution(
        "run-1", "2026-11-02", migrations=(RenameColumn("name", "full_name"), WidenColumn("id", "bigint"))
    )
    lake.write(REF, frame, ReplacePartitions("_dt", ("2026-11-02",)), evolution)
    table = lake.read(REF)
    assert dict(columns(table.schema)) == {"id": "bigint", "full_name": "string", "_dt": "date"}
    assert sorted((r["id"], r["full_name"]) for r in table.collect()) == [(1, "张三"), (2, "李四"), (3, "王五")]
    assert [(c["column"], c["change"]) for c in lake.schema_changes(REF)] == [("full_name", "rename"), ("id", "widen")]
    assert lake.read(REF, dt=DT).count() == 2  # still partitioned by _dt: a partition replace keeps the others
    from pipelines.query import read_table  # and still readable without Spark (no Delta reader feature needed)

    assert len(read_table(lake.settings, "silver", "people")) == 3


def test_fill_columns_sets_matched_rows_only(lake, spark) -> None:
    lake.write(
        REF,
        _frame(spark, "id int, name string, city string", [(3, "王五", None)]),
        ReplacePartitions("_dt", ("2026-11-02",)),
    )
    fill = spark.createDataFrame([(1, "苏州"), (9, "无锡")], "id int, city string")
    lake.write(REF, fill, FillColumns(("id",), ("city",)))
    assert sorted((r["id"], r["city"]) for r in lake.read(REF).collect()) == [(1, "苏州"), (2, None), (3, None)]
