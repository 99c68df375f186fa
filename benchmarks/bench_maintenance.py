"""Benchmark: a table after 30 daily runs, before and after weekly maintenance, side by side in one run.

The table is shaped like `silver.energy_readings`: partitioned by day, written by MERGE
(`Lake.write` with `MergeLatest`), each day bringing that day's readings plus late corrections
of the two days before — so partitions collect small files, and merges leave removed files
behind. The 30 daily commits are then aged to the days they stand for (as the tests do), so
the default policy's 7 days of time travel apply: VACUUM may delete what 23 of the days left.

Measured before and after `pipelines.maintenance.maintain_table` (OPTIMIZE Z-ordered by
`meter_id`, VACUUM, log checkpoint) on the same table and session:

- files the current snapshot reads, and files and bytes stored;
- read time, best of `--repeats`: a Spark aggregation over the whole table, a Spark look-up
  of one meter (where Z-order lets file skipping work), and an independent delta-rs read.

    .venv/bin/python benchmarks/bench_maintenance.py [--days 30] [--rows 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "pipelines"))  # the tests' Delta clock ages the commits

START = date(2026, 11, 1)


def best(repeats: int, work: Callable[[], object]) -> float:
    """The fastest of `repeats` runs of `work`, in seconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--rows", type=int, default=20000, help="readings per day")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from delta_clock import age_versions
    from pyspark.sql import functions as F

    from pipelines import maintenance
    from pipelines.io.refs import MergeLatest, TableRef
    from pipelines.query import read_table
    from pipelines.settings import load_settings
    from pipelines.spark import open_lake, stop_session

    root = Path(tempfile.mkdtemp(prefix="bench-maintenance-"))
    settings = load_settings().with_overrides(lake_root=str(root / "lake"), docs_dir=str(root / "docs"))
    lake = open_lake(settings, "bench-maintenance")
    spark = lake.spark
    ref = TableRef("silver", "energy_readings")
    meters = max(1, args.rows // 96)
    versions: dict[int, int] = {}
    spark.conf.set("spark.databricks.delta.properties.defaults.checkpointInterval", "1000")
    started = time.perf_counter()
    for day in range(args.days):
        dt = START + timedelta(days=day)
        epoch = int(datetime(dt.year, dt.month, dt.day, tzinfo=UTC).timestamp())
        today = spark.range(meters * 96).select(  # 96 quarter-hours a day, no slot past midnight
            (F.col("id") % meters).cast("int").alias("meter_id"),
            F.expr(f"timestamp_seconds({epoch} + (id div {meters}) * 900)").alias("reading_ts"),
            (F.rand(day) * 10).alias("kwh"),
            F.lit(dt).alias("date"),
        )
        late = today.where(F.col("meter_id") % 50 == 0)  # corrections of the two days before
        for back in (1, 2):
            if day >= back:
                earlier = START + timedelta(days=day - back)
                late_day = late.withColumn("reading_ts", F.col("reading_ts") - F.expr(f"INTERVAL {back} DAYS"))
                today = today.unionByName(late_day.withColumn("date", F.lit(earlier)))
        frame = today.withColumn("version", F.lit(day)).withColumn("_dt", F.lit(dt))
        lake.write(ref, frame, MergeLatest(("meter_id", "reading_ts"), ("version",), "date"))
        versions[lake.version(ref)] = day  # type: ignore[index]
    spark.conf.unset("spark.databricks.delta.properties.defaults.checkpointInterval")
    written = time.perf_counter() - started
    age_versions(spark, lake.uri(ref), {v: (args.days - d) * 24 - 12 for v, d in versions.items()})

    def measure() -> dict[str, float]:
        one = meters // 2
        return {
            "files read": len(lake.files(ref)),
            "files stored": lake.stored(ref).files,
            "MB stored": lake.stored(ref).bytes / 1e6,
            "log files": lake.stored(ref, log=True).files,
            "spark aggregate s": best(args.repeats, lambda: lake.read(ref).groupBy("date").agg(F.sum("kwh")).collect()),
            "spark one meter s": best(args.repeats, lambda: lake.read(ref).where(F.col("meter_id") == one).count()),
            "delta-rs read s": best(args.repeats, lambda: read_table(settings, ref.layer, ref.name)),
        }

    before = measure()
    target = maintenance.Target(ref, 7 * 24.0, "time travel: 7 d", ("meter_id",))
    started = time.perf_counter()
    actions = maintenance.maintain_table(lake, target, maintenance.Policy())
    maintained = time.perf_counter() - started
    after = measure()
    stop_session()

    print(
        f"{args.days} daily MERGEs of ~{args.rows} readings ({written:.0f} s to write), then maintenance ({maintained:.0f} s):\n"
    )
    print(maintenance.render(actions))
    print(f"\n{'':<20}{'before':>12}{'after':>12}{'after/before':>14}")
    for key, value in before.items():
        ratio = after[key] / value if value else float("nan")
        print(f"{key:<20}{value:>12.3f}{after[key]:>12.3f}{ratio:>14.2f}")


if __name__ == "__main__":
    main()
