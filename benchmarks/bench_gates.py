"""Benchmark: quality gate cost vs transform cost on the energy readings feed.

One run, side by side, on the same cached silver candidates of one delivery of
`energy/readings` (scale 1 ≈ 5 M rows):

- transform: bronze rows -> validated, typed, transformed, deduplicated silver candidates
  (the silver step's work before its gate), materialised;
- gate, single pass: the silver suite evaluated by `pipelines.quality.single_pass`
  (one aggregation), results stored in GX and Data Docs rendered;
- gate, GX default: the same suite through GX's own Spark execution (a checkpoint).

Reports seconds, Spark jobs per gate and the ratios gate/transform and GX/single-pass.

    .venv/bin/python benchmarks/bench_gates.py [--scale 1] [--date 2026-11-03] [--work DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date

from pyspark.sql import functions as F


def _jobs(spark, group: str) -> int:
    return len(spark.sparkContext.statusTracker().getJobIdsForGroup(group))


def _timed(spark, group: str, work):  # noqa: ANN001, ANN202
    spark.sparkContext.setJobGroup(group, group)
    started = time.monotonic()
    value = work()
    seconds = time.monotonic() - started
    spark.sparkContext.setLocalProperty("spark.jobGroup.id", None)
    return value, seconds, _jobs(spark, group)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--date", default="2026-11-03")
    parser.add_argument("--work", default=None, help="working folder (default: a temporary one)")
    args = parser.parse_args()

    from pipelines import registry
    from pipelines.core.rules import REASONS, validate
    from pipelines.core.steps import RunContext, ingest_bronze, silver_candidates
    from pipelines.generate.api import generate
    from pipelines.io.lake import Lake
    from pipelines.io.refs import TableRef
    from pipelines.quality.gate import run_gate
    from pipelines.settings import load_settings
    from pipelines.spark import get_session
    from pipelines.transforms.common import DUPLICATE, mark_exact_duplicates

    work = args.work or tempfile.mkdtemp(prefix="bench-gates-")
    settings = load_settings().with_overrides(
        landing_root=f"{work}/landing", lake_root=f"{work}/lake", docs_dir=f"{work}/docs", pii_key="bench-key"
    )
    generate(settings.landing_root, date.fromisoformat(args.date), scale=args.scale, sectors=["energy"], seed=1)
    spark = get_session(settings, "bench-gates")
    energy = registry.SECTORS["energy"]
    spec = energy.silver_table("energy_readings")
    ctx = RunContext("bench", args.date)
    ingest_bronze(Lake(spark, settings), spec.feed, ctx)
    bronze = (
        spark.read.format("delta")
        .load(TableRef("bronze", spec.feed.table).uri(settings.lake_root))
        .where(F.col("_dt") == F.lit(args.date).cast("date"))
    )
    contract_columns = [c.name for c in spec.feed.contract.columns]

    def transform():  # noqa: ANN202
        checked = bronze.transform(mark_exact_duplicates(contract_columns)).transform(
            validate(spec.feed.contract, date.fromisoformat(args.date))
        )
        valid = checked.where(~F.col(DUPLICATE) & (F.size(REASONS) == 0)).drop(REASONS, DUPLICATE)
        candidates = silver_candidates(spec, valid, settings.pii_secret()).cache()
        return candidates, candidates.count()

    (candidates, rows), t_transform, j_transform = _timed(spark, "transform", transform)
    run_gate(candidates, "silver", spec.name, "warmup", settings)  # GX context, suite store, Data Docs site
    _, t_single, j_single = _timed(
        spark, "gate_single", lambda: run_gate(candidates, "silver", spec.name, "bench-single", settings)
    )
    _, t_gx, j_gx = _timed(
        spark, "gate_gx", lambda: run_gate(candidates, "silver", spec.name, "bench-gx", settings, engine="gx")
    )

    print(f"energy/readings dt={args.date} scale={args.scale}: {rows:,} silver candidates")
    print(f"{'step':<26}{'seconds':>10}{'spark jobs':>12}")
    for name, seconds, jobs in (
        ("transform", t_transform, j_transform),
        ("gate, single pass", t_single, j_single),
        ("gate, GX default", t_gx, j_gx),
    ):
        print(f"{name:<26}{seconds:>10.1f}{jobs:>12}")
    print(
        f"gate/transform: single pass {t_single / t_transform:.2f}, GX default {t_gx / t_transform:.2f} (goal <= 0.20)"
    )
    print(f"GX default / single pass: {t_gx / t_single:.1f}x time, {j_gx}/{j_single} jobs")


if __name__ == "__main__":
    main()
