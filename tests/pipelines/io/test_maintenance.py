"""The lake's maintenance primitives: Z-ordered compaction of chosen partitions, listings, predicates."""

from __future__ import annotations

from pipelines.io import maintenance
from pipelines.io.lake import Lake
from pipelines.io.refs import ReplacePartitions, TableRef, Upsert


def test_partition_predicate_selects_exactly_the_partitions() -> None:
    predicate = maintenance.partition_predicate([(("date", "2026-11-01"),), (("date", None),)])
    assert predicate == "(`date` = '2026-11-01') OR (`date` IS NULL)"
    assert maintenance.partition_predicate([(("a", "x'y"), ("b", "1"))]) == "(`a` = 'x\\'y' AND `b` = '1')"


def test_intervals_are_whole_hours_when_they_can_be() -> None:
    assert maintenance.interval(168) == "interval 168 hours"
    assert maintenance.interval(0.5) == "interval 1800 seconds"


def test_optimize_z_orders_only_the_chosen_partitions(spark, fresh_settings) -> None:
    lake = Lake(spark, fresh_settings)
    ref = TableRef("silver", "readings")
    for day, meters in (("2026-11-01", range(0, 6)), ("2026-11-02", range(0, 3))):
        frame = spark.createDataFrame([(m, day) for m in meters], "meter_id int, date string")
        lake.write(ref, frame, ReplacePartitions("date", (day,)))
    for meter in (7, 8):  # two more small files in the first day only
        lake.write(
            ref, spark.createDataFrame([(meter, "2026-11-01")], "meter_id int, date string"), Upsert(("meter_id",))
        )
    before = lake.files(ref)
    assert sorted(sum(1 for f in before if dict(f.partition)["date"] == d) for d in ("2026-11-01", "2026-11-02")) == [
        1,
        3,
    ]
    metrics = lake.optimize(ref, [(("date", "2026-11-01"),)], zorder_by=("meter_id",))
    assert (metrics["files_removed"], metrics["files_added"], metrics["partitions"]) == (3, 1, 1)
    latest = lake.history(ref, limit=1)[0]
    assert latest["operation"] == "OPTIMIZE" and "meter_id" in latest["operationParameters"]["zOrderBy"]
    assert sorted(f.partition for f in lake.files(ref)) == [(("date", "2026-11-01"),), (("date", "2026-11-02"),)]
    assert lake.tables("silver") == [ref]
    stored = lake.stored(ref)
    assert stored.files == 5 and stored.bytes > 0  # the 3 compacted files stay until VACUUM
