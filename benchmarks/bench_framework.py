"""Benchmark: the energy sector through the framework vs a hand-written PySpark job.

Same input, same session, measured side by side in one run:

- framework: `run_sector(energy)` — manifest check, bronze, silver (row rules, quarantine,
  MERGE), gold (touched days), every gate, ops metrics;
- hand-written: one script doing the same data work the way an engineer would write it
  without the framework — checksums, bronze append, validate/dedupe/MERGE readings,
  snapshot meters, quarantine, daily consumption and load curve for the touched days —
  and no gates, metrics or Data Docs.

Each variant runs once to warm up (JIT, Delta classes) and once measured, each into a
lake of its own. Then the incremental check: the framework over `--days` consecutive
days in one lake, comparing the last day's run with the first day's.

    .venv/bin/python benchmarks/bench_framework.py [--scale 1] [--days 5] [--inc-scale 0.2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

START = date(2026, 11, 3)


def hand_written(spark: SparkSession, landing: str, lake: str, dt: str) -> None:
    """The energy day written by hand: same tables, no framework."""
    from delta.tables import DeltaTable

    for feed in ("meters", "readings"):
        folder = Path(landing) / "energy" / feed / f"dt={dt}"
        manifest = json.loads((folder / "_manifest.json").read_text())
        for f in manifest["files"]:
            assert hashlib.sha256((folder / f["name"]).read_bytes()).hexdigest() == f["sha256"], f["name"]
    day = F.lit(dt).cast("date")
    # meters: CSV register, snapshot
    meters_raw = spark.read.option("header", True).csv(f"{landing}/energy/meters/dt={dt}").withColumn("_dt", day)
    meters_raw.write.format("delta").mode("append").save(f"{lake}/bronze/energy_meters")
    meters = (
        meters_raw.where(F.col("meter_id").isNotNull() & F.col("division_code").rlike("^32[0-9]{4}$"))
        .withColumn("city_code", F.concat(F.substring("division_code", 1, 4), F.lit("00")))
        .withColumn("industry_section", F.when(F.col("industry_code") != "", F.substring("industry_code", 1, 1)))
        .dropDuplicates(["meter_id"])
    )
    meters.write.format("delta").mode("overwrite").save(f"{lake}/silver/energy_meters")
    # readings: Parquet, validate, dedupe, MERGE by (meter_id, reading_ts)
    raw = spark.read.parquet(f"{landing}/energy/readings/dt={dt}").withColumn("_dt", day)
    raw.write.format("delta").mode("append").save(f"{lake}/bronze/energy_readings")
    ok = (
        F.col("meter_id").isNotNull()
        & F.col("reading_ts").isNotNull()
        & (F.col("kwh") >= 0)
        & F.col("quality").isin(0, 1, 2)
        & (F.minute("reading_ts") % 15 == 0)
    )
    raw.where(~ok).write.format("delta").mode("append").save(f"{lake}/quarantine/energy_readings")
    start = F.col("reading_ts") - F.expr("INTERVAL 15 MINUTES")
    local = F.from_utc_timestamp(start, "Asia/Shanghai")
    latest = Window.partitionBy("meter_id", "reading_ts").orderBy(F.col("_dt").desc())
    readings = (
        raw.where(ok)
        .withColumn("__r", F.row_number().over(latest))
        .where("__r = 1")
        .drop("__r")
        .withColumn("date", F.to_date(local))
        .withColumn("slot", (F.hour(local) * 4 + F.floor(F.minute(local) / 15)).cast("int"))
    ).cache()
    target = f"{lake}/silver/energy_readings"
    days = [r[0] for r in readings.select("date").distinct().collect()]
    if DeltaTable.isDeltaTable(spark, target):
        (
            DeltaTable.forPath(spark, target)
            .alias("t")
            .merge(
                readings.alias("s"),
                "t.date IN ({}) AND t.meter_id = s.meter_id AND t.reading_ts = s.reading_ts".format(
                    ",".join(f"'{d}'" for d in days)
                ),
            )
            .whenMatchedUpdateAll()
            .whenNotMatchedInsertAll()
            .execute()
        )
    else:
        readings.write.format("delta").partitionBy("date").save(target)
    # gold for the touched days
    silver = spark.read.format("delta").load(target).where(F.col("date").isin(days))
    segment = (
        spark.read.format("delta")
        .load(f"{lake}/silver/energy_meters")
        .select("meter_id", "city_code", "customer_type", "industry_section")
    )
    per_meter = silver.groupBy("date", "meter_id").agg(
        F.sum("kwh").alias("kwh"), F.max(F.col("quality").isin(0, 1)).alias("reporting")
    )
    daily = (
        per_meter.join(segment, "meter_id", "left")
        .groupBy("date", "city_code", "customer_type", "industry_section")
        .agg(F.sum("kwh").alias("kwh"), F.count_if("reporting").alias("meters_reporting"))
    )
    curve = (
        silver.join(segment, "meter_id", "left")
        .groupBy("date", "city_code", "slot")
        .agg((F.sum("kwh") * 4).alias("kw"), F.count_distinct("meter_id").alias("meters"))
    )
    where = "date IN ({})".format(",".join(f"'{d}'" for d in days))
    for name, frame in (("energy_consumption_daily", daily), ("energy_load_curve", curve)):
        _replace(spark, frame, f"{lake}/gold/{name}", where)
    readings.unpersist()


def _replace(spark: SparkSession, frame: DataFrame, uri: str, where: str) -> None:
    from delta.tables import DeltaTable

    writer = frame.write.format("delta").mode("overwrite")
    if DeltaTable.isDeltaTable(spark, uri):
        writer.option("replaceWhere", where).save(uri)
    else:
        writer.partitionBy("date").save(uri)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="scale of the side-by-side day")
    parser.add_argument("--days", type=int, default=5, help="days of the incremental check (0 = skip)")
    parser.add_argument("--inc-scale", type=float, default=0.2, help="scale of the incremental check")
    args = parser.parse_args()

    from pipelines import registry
    from pipelines.core.runner import run_sector
    from pipelines.core.steps import RunContext
    from pipelines.generate.api import generate
    from pipelines.io.lake import Lake
    from pipelines.settings import load_settings
    from pipelines.spark import get_session

    work = Path(tempfile.mkdtemp(prefix="bench-framework-"))
    base = load_settings().with_overrides(
        landing_root=str(work / "landing"), docs_dir=str(work / "docs"), pii_key="bench"
    )
    dt = START.isoformat()
    generate(base.landing_root, START, scale=args.scale, sectors=["energy"], seed=1)
    spark = get_session(base, "bench-framework")
    energy = registry.SECTORS["energy"]

    def framework(lake: str) -> float:
        began = time.monotonic()
        list(run_sector(Lake(spark, base.with_overrides(lake_root=lake)), energy, RunContext("bench", dt)))
        return time.monotonic() - began

    def by_hand(lake: str) -> float:
        began = time.monotonic()
        hand_written(spark, base.landing_root, lake, dt)
        return time.monotonic() - began

    by_hand(str(work / "warm-hand"))
    framework(str(work / "warm-framework"))
    t_hand = by_hand(str(work / "hand"))
    t_framework = framework(str(work / "framework"))
    print(f"energy day {dt} at scale {args.scale}")
    print(f"  hand-written job : {t_hand:7.1f} s")
    print(f"  framework        : {t_framework:7.1f} s")
    print(f"  framework / hand : {t_framework / t_hand:7.2f}x (goal <= 1.10)")

    if args.days > 1:
        landing = str(work / "landing-inc")
        generate(landing, START, days=args.days, scale=args.inc_scale, sectors=["energy"], seed=2)
        settings = base.with_overrides(landing_root=landing, lake_root=str(work / "lake-inc"))
        seconds = []
        for i in range(args.days):
            day = (START + timedelta(days=i)).isoformat()
            began = time.monotonic()
            list(run_sector(Lake(spark, settings), energy, RunContext("bench-inc", day)))
            seconds.append(time.monotonic() - began)
        print(
            f"incremental, scale {args.inc_scale}: " + ", ".join(f"day {i + 1} {s:.1f}s" for i, s in enumerate(seconds))
        )
        print(
            f"  day {args.days} / day 2 : {seconds[-1] / seconds[1]:.2f}x (goal <= 1.2; day 1 also creates the tables)"
        )


if __name__ == "__main__":
    main()
