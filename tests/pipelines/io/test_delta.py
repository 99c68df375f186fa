"""Delta writes: latest version wins, reruns change nothing, SCD2 history, partition replacement."""

from __future__ import annotations

from datetime import date, datetime

from pipelines.io import delta

COLUMNS = "id string, version int, amount int, part string, _dt date, _row_no long"


def _read(spark, uri):
    return sorted(tuple(r) for r in spark.read.format("delta").load(uri).select("id", "version", "amount").collect())


def test_merge_latest_keeps_highest_version_whenever_it_arrives(spark, tmp_path) -> None:
    uri = str(tmp_path / "t")
    day1 = spark.createDataFrame(
        [("a", 1, 10, "p", date(2026, 11, 1), 1), ("b", 2, 20, "p", date(2026, 11, 1), 2)], COLUMNS
    )
    delta.merge_latest(spark, day1, uri, ["id"], ["version"], "part")
    day2 = spark.createDataFrame(
        [("a", 2, 11, "p", date(2026, 11, 2), 1), ("b", 1, 99, "p", date(2026, 11, 2), 2)], COLUMNS
    )
    delta.merge_latest(spark, day2, uri, ["id"], ["version"], "part")
    assert _read(spark, uri) == [("a", 2, 11), ("b", 2, 20)]
    before = delta.version(spark, uri)
    delta.merge_latest(spark, day2, uri, ["id"], ["version"], "part")  # a rerun
    assert _read(spark, uri) == [("a", 2, 11), ("b", 2, 20)]
    assert delta.version(spark, uri) == before + 1


def test_same_version_redelivered_replaces_itself(spark, tmp_path) -> None:
    uri = str(tmp_path / "t")
    delta.merge_latest(
        spark,
        spark.createDataFrame([("a", 1, 10, "p", date(2026, 11, 1), 1)], COLUMNS),
        uri,
        ["id"],
        ["version"],
        "part",
    )
    corrected = spark.createDataFrame([("a", 1, 12, "p", date(2026, 11, 1), 1)], COLUMNS)
    delta.merge_latest(spark, corrected, uri, ["id"], ["version"], "part")
    assert _read(spark, uri) == [("a", 1, 12)]


def test_replace_partitions_touches_only_given_partitions(spark, tmp_path) -> None:
    uri = str(tmp_path / "g")
    first = spark.createDataFrame(
        [("a", 1, 1, "x", date(2026, 11, 1), 1), ("b", 1, 2, "y", date(2026, 11, 1), 1)], COLUMNS
    )
    delta.replace_partitions(spark, first, uri, "part", ["x", "y"])
    delta.replace_partitions(
        spark, spark.createDataFrame([("c", 1, 3, "x", date(2026, 11, 2), 1)], COLUMNS), uri, "part", ["x"]
    )
    assert _read(spark, uri) == [("b", 1, 2), ("c", 1, 3)]


def test_scd2_history_in_order_even_when_changes_arrive_late(spark, tmp_path) -> None:
    uri = str(tmp_path / "e")
    schema = "uscc string, status string, updated_at timestamp, _dt date, _source_file string, _row_no long"
    t = [datetime(2026, 11, d, 9) for d in (1, 2, 3)]
    delta.merge_scd2(
        spark,
        spark.createDataFrame(
            [("u1", "active", t[0], date(2026, 11, 1), "f", 1), ("u1", "revoked", t[2], date(2026, 11, 1), "f", 2)],
            schema,
        ),
        uri,
        ["uscc"],
        "updated_at",
    )
    late = spark.createDataFrame([("u1", "active-changed", t[1], date(2026, 11, 3), "f", 1)], schema)
    delta.merge_scd2(spark, late, uri, ["uscc"], "updated_at")
    delta.merge_scd2(spark, late, uri, ["uscc"], "updated_at")  # rerun: no change
    rows = sorted(
        spark.read.format("delta").load(uri).select("status", "valid_from", "valid_to", "is_current").collect()
    )
    assert [(r.status, r.valid_from, r.valid_to, r.is_current) for r in sorted(rows, key=lambda r: r.valid_from)] == [
        ("active", t[0], t[1], False),
        ("active-changed", t[1], t[2], False),
        ("revoked", t[2], None, True),
    ]


def test_merge_latest_on_an_unpartitioned_table(spark, tmp_path) -> None:
    uri = str(tmp_path / "u")
    delta.merge_latest(
        spark, spark.createDataFrame([("a", 1, 10, "p", date(2026, 11, 1), 1)], COLUMNS), uri, ["id"], ["version"], ""
    )
    later = spark.createDataFrame(
        [("a", 2, 11, "q", date(2026, 11, 2), 1), ("b", 1, 5, "q", date(2026, 11, 2), 2)], COLUMNS
    )
    delta.merge_latest(spark, later, uri, ["id"], ["version"], "")
    assert _read(spark, uri) == [("a", 2, 11), ("b", 1, 5)]


def test_scd2_redelivery_of_the_same_dt_replaces_the_stored_copy(spark, tmp_path) -> None:
    uri = str(tmp_path / "e")
    schema = "uscc string, status string, updated_at timestamp, _dt date, _source_file string, _row_no long"
    t = datetime(2026, 11, 1, 9)
    delta.merge_scd2(
        spark,
        spark.createDataFrame([("u1", "wrong", t, date(2026, 11, 1), "f", 7)], schema),
        uri,
        ["uscc"],
        "updated_at",
    )
    corrected = spark.createDataFrame([("u1", "active", t, date(2026, 11, 1), "f", 1)], schema)  # earlier row number
    delta.merge_scd2(spark, corrected, uri, ["uscc"], "updated_at")
    rows = spark.read.format("delta").load(uri).select("status", "is_current").collect()
    assert [(r.status, r.is_current) for r in rows] == [("active", True)]


def _rows(spark, uri):
    frame = spark.read.format("delta").load(uri)
    return sorted((r.id, r.version, r.amount, r.part, str(r._dt)) for r in frame.collect())


def test_merge_delivery_replaces_what_the_earlier_delivery_of_its_date_left(spark, tmp_path) -> None:
    uri = str(tmp_path / "t")
    d1, d2 = date(2026, 11, 1), date(2026, 11, 2)
    first = [("a", 1, 10, "p", d1, 1), ("b", 1, 20, "p", d1, 2), ("c", 1, 30, "q", d1, 3)]
    delta.merge_delivery(spark, spark.createDataFrame(first, COLUMNS), uri, ["id"], ["version"], "2026-11-01", "part")
    second = [("a", 3, 11, "p", d2, 1), ("d", 1, 40, "r", d2, 2)]
    delta.merge_delivery(spark, spark.createDataFrame(second, COLUMNS), uri, ["id"], ["version"], "2026-11-02", "part")
    # dt=2026-11-01 again: `b` withdrawn, `c` amended to a lower version, `a` (newer on the 2nd) re-sent, `e` added.
    again = [("a", 2, 12, "p", d1, 1), ("c", 0, 31, "q", d1, 2), ("e", 1, 50, "s", d1, 3)]
    delta.merge_delivery(
        spark, spark.createDataFrame(again, COLUMNS), uri, ["id"], ["version"], "2026-11-01", "part", ("p", "q")
    )
    assert _rows(spark, uri) == [
        ("a", 3, 11, "p", "2026-11-02"),
        ("c", 0, 31, "q", "2026-11-01"),
        ("d", 1, 40, "r", "2026-11-02"),
        ("e", 1, 50, "s", "2026-11-01"),
    ]
    history = delta.history(spark, uri, 1)[0]
    assert history["operation"] == "MERGE"  # the deletes and upserts are one commit


def test_merge_delivery_stays_inside_the_named_partitions(spark, tmp_path) -> None:
    uri = str(tmp_path / "t")
    d1 = date(2026, 11, 1)
    rows = [("a", 1, 10, "p", d1, 1), ("b", 1, 20, "q", d1, 2)]
    delta.merge_delivery(spark, spark.createDataFrame(rows, COLUMNS), uri, ["id"], ["version"], "2026-11-01", "part")
    again = spark.createDataFrame([("a", 1, 11, "p", d1, 1)], COLUMNS)
    delta.merge_delivery(spark, again, uri, ["id"], ["version"], "2026-11-01", "part")  # `q` not named: pruned
    assert _rows(spark, uri) == [("a", 1, 11, "p", "2026-11-01"), ("b", 1, 20, "q", "2026-11-01")]
    delta.merge_delivery(spark, again, uri, ["id"], ["version"], "2026-11-01", "part", ("q",))
    assert _rows(spark, uri) == [("a", 1, 11, "p", "2026-11-01")]


def test_scd2_redelivery_drops_the_versions_it_no_longer_carries(spark, tmp_path) -> None:
    uri = str(tmp_path / "e")
    schema = "uscc string, status string, updated_at timestamp, _dt date, _source_file string, _row_no long"
    t = [datetime(2026, 11, d, 9) for d in (1, 2, 3)]
    d1, d2 = date(2026, 11, 1), date(2026, 11, 2)
    delta.merge_scd2(
        spark, spark.createDataFrame([("u1", "active", t[0], d1, "f", 1)], schema), uri, ["uscc"], "updated_at"
    )
    day2 = [("u1", "revoked", t[1], d2, "f", 1), ("u2", "active", t[1], d2, "f", 2)]
    delta.merge_scd2(spark, spark.createDataFrame(day2, schema), uri, ["uscc"], "updated_at", "2026-11-02")
    # dt=2026-11-02 again: u1's revocation withdrawn, u2 gone, u1 changed later instead.
    again = spark.createDataFrame([("u1", "cancelled", t[2], d2, "f", 1)], schema)
    delta.merge_scd2(spark, again, uri, ["uscc"], "updated_at", "2026-11-02")
    rows = spark.read.format("delta").load(uri).collect()
    assert sorted((r.uscc, r.status, r.valid_from, r.valid_to, r.is_current) for r in rows) == [
        ("u1", "active", t[0], t[2], False),
        ("u1", "cancelled", t[2], None, True),
    ]
