"""`lakehouse`: generate deliveries, run sectors in-process, report runs, check the set-up.

lakehouse generate --landing DIR --date 2026-11-01 [--days N] [--scale F] [--seed N] [--sectors tax,energy]
lakehouse run --landing DIR --lake DIR --date 2026-11-01 [--sectors tax]
lakehouse summary [--lake DIR] [--run-id R | --dt D]
lakehouse replay --feed tax/returns [--run R] [--dt D]
lakehouse maintain [--table layer.name ...] [--dry-run] | lakehouse maintain --report [--run-id R]
lakehouse lineage gold.tax_revenue_monthly [--json]
lakehouse backfill-column --table silver.tax_returns --column remark --from D --to D [--rebuild-gold]
lakehouse doctor
lakehouse publish --out DIR [--lake DIR]
lakehouse sql ["SELECT … FROM gold.tax_revenue_monthly"] [--engine spark] [--role analyst] [--format csv --out F]
lakehouse catalog [--search 用电] [--json] [--build]
"""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import date, timedelta

from pipelines.publish import register as register_publish
from pipelines.settings import Settings, load_settings


def _sectors(value: str | None) -> list[str] | None:
    return [s.strip() for s in value.split(",") if s.strip()] if value else None


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings().with_overrides(
        landing_root=getattr(args, "landing", None), lake_root=getattr(args, "lake", None)
    )


def cmd_generate(args: argparse.Namespace) -> int:
    """Write synthetic deliveries (FEEDS.md) to the landing zone."""
    from pipelines.generate.api import generate

    settings = _settings(args)
    report = generate(
        landing=settings.landing_root,
        start=date.fromisoformat(args.date),
        days=args.days,
        scale=args.scale,
        seed=args.seed,
        sectors=_sectors(args.sectors),
        defect_rate=args.defect_rate,
        delivery_defects=tuple(args.delivery_defect or ()),
        truth=args.truth,
        progress=not args.quiet,
    )
    print(report)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run sectors for a date range in one SparkSession and print the summary."""
    from pipelines import ops, registry, summary
    from pipelines.core.runner import run_sector
    from pipelines.core.steps import RunContext
    from pipelines.pii_key import check_pii_key
    from pipelines.spark import open_lake, stop_session

    settings = _settings(args)
    sectors = registry.sectors(_sectors(args.sectors))
    lake = open_lake(settings, "lakehouse-run")
    run_id = args.run_id or f"cli__{uuid.uuid4().hex[:12]}"
    results, failure = [], None
    first = date.fromisoformat(args.date)
    try:
        check_pii_key(lake, run_id)  # a missing or foreign key stops the run before any write
        for day in (first + timedelta(days=i) for i in range(args.days)):
            ctx = RunContext(run_id=run_id, dt=day.isoformat(), dag_id="cli")
            for sector in sectors:
                for result in run_sector(lake, sector, ctx):
                    print(result.log_line(), flush=True)
                    results.append(result)
                    ops.record(lake, ctx, [result])
    except Exception as err:  # report what ran, then the failure, then exit non-zero
        failure = err
    finally:
        print()
        print(summary.render(summary.result_rows(results)))
        for line in summary.reasons_lines(results):
            print(line)
        print(f"\nrun {run_id}: lake at {settings.lake_root}; Data Docs under {settings.docs_dir}")
        stop_session()
    from pipelines.analyst.directory import build_directory

    print(f"data-sharing directory: {build_directory(settings)}")
    if failure:
        print(f"\nFAILED: {type(failure).__name__}: {failure}", file=sys.stderr)
        return 1
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    """Print `ops.run_metrics` rows of a run or a date (read without Spark)."""
    from pipelines import summary
    from pipelines.query import read_table

    settings = _settings(args)
    rows = read_table(settings, "ops", "run_metrics")
    if args.run_id:
        rows = [r for r in rows if r["run_id"] == args.run_id]
    elif args.dt:
        rows = [r for r in rows if r["dt"] == args.dt]
    if not args.run_id and rows:
        latest = max(rows, key=lambda r: r["recorded_at"])["run_id"]
        rows = [r for r in rows if r["run_id"] == latest]
    rows.sort(key=lambda r: r["recorded_at"])
    table = [
        (
            r["table"],
            r["dt"],
            r["status"],
            r["rows_in"],
            r["promoted"],
            r["quarantined"],
            r["duplicates"],
            r["gate"],
            r["version"],
            f"{r['seconds']:.1f}",
        )
        for r in rows
    ]
    print(summary.render(table))
    from pipelines.quality.docs import site_dir

    print(f"\nlake: {settings.lake_root}   Data Docs: {site_dir(settings.docs_dir) / 'index.html'}")
    return 0 if rows else 1


def cmd_replay(args: argparse.Namespace) -> int:
    """Re-validate quarantined rows of a feed with today's rules; promote those that pass."""
    from pipelines import ops, registry, summary
    from pipelines.core.replay import replay
    from pipelines.core.steps import RunContext
    from pipelines.pii_key import check_pii_key
    from pipelines.spark import open_lake, stop_session

    settings = _settings(args)
    sector_name, _, feed_name = args.feed.partition("/")
    sector = registry.sectors([sector_name])[0]
    spec = next((s for s in sector.silver if s.feed.feed == feed_name), None)
    if spec is None:
        print(
            f"unknown feed {args.feed}; feeds of {sector_name}: {[s.feed.feed for s in sector.silver]}", file=sys.stderr
        )
        return 2
    lake = open_lake(settings, "lakehouse-replay")
    ctx = RunContext(run_id=args.run_id or f"replay__{uuid.uuid4().hex[:12]}", dt=args.dt or "*", dag_id="cli")
    try:
        check_pii_key(lake, ctx.run_id)
        result = replay(lake, spec, ctx, only_run=args.run, only_dt=args.dt)
        ops.record(lake, ctx, [result])
    finally:
        stop_session()
    print(summary.render(summary.result_rows([result])))
    print(f"\nreplayed {result.rows_in}: promoted {result.promoted}, still quarantined {result.quarantined}")
    for line in summary.reasons_lines([result]):
        print(line)
    return 0


def cmd_maintain(args: argparse.Namespace) -> int:
    """OPTIMIZE, VACUUM and clean up every table (or those named) under the retention policy; print the actions."""
    from pipelines import maintenance, registry
    from pipelines.query import read_table

    settings = _settings(args)
    if args.report:  # what a recorded run did, read without Spark
        try:
            rows = read_table(settings, "ops", "maintenance")
        except Exception as err:  # delta-rs: no table yet
            print(f"no maintenance recorded under {settings.lake_root}: {err}", file=sys.stderr)
            return 1
        run_id = args.run_id or max(rows, key=lambda r: r["recorded_at"])["run_id"] if rows else None
        chosen = sorted((r for r in rows if r["run_id"] == run_id), key=lambda r: r["recorded_at"])
        print(f"maintenance run {run_id}" + (" (dry run)" if chosen and chosen[0]["dry_run"] else ""))
        print(maintenance.render(chosen))
        return 0 if chosen else 1
    from pipelines.spark import open_lake, stop_session

    run_id = args.run_id or f"maintain__{uuid.uuid4().hex[:12]}"
    lake = open_lake(settings, "lakehouse-maintain")
    try:
        actions = maintenance.run(
            lake,
            registry.sectors(),
            maintenance.Policy(),
            run_id,
            tables=args.table or None,
            dry_run=args.dry_run,
            as_of=date.fromisoformat(args.as_of) if args.as_of else None,
            on_action=lambda a: print(f"{a.table} {a.action}: {a.message}", flush=True),
        )
    finally:
        stop_session()
    if not actions:
        print(f"nothing to maintain: no table or landing folder under {settings.lake_root} / {settings.landing_root}")
        return 0
    print()
    print(maintenance.render(actions, dry_run=args.dry_run))
    print(f"\nmaintenance run {run_id}: recorded in ops.maintenance (lakehouse maintain --report --run-id {run_id})")
    return 1 if any(a.failed for a in actions) else 0


def cmd_lineage(args: argparse.Namespace) -> int:
    """Print a table's upstream and downstream tables, with the jobs between, from the recorded events."""
    import json

    from pipelines import lineage

    settings = _settings(args)
    graph = lineage.lineage_graph(settings)
    if args.json:
        print(json.dumps(graph.to_dict(), indent=2, ensure_ascii=False))
        return 0
    if args.table not in graph.tables():
        where = settings.lineage_url or lineage.events_file(settings)
        print(
            f"no lineage recorded for {args.table} (events read from {lineage.events_file(settings)}; sent to {where})"
        )
        return 1
    print(lineage.render(graph, args.table))
    return 0


def cmd_backfill_column(args: argparse.Namespace) -> int:
    """Fill a column a silver table gained for past delivery dates, from bronze (ADR 0011)."""
    from pipelines import ops, registry, summary
    from pipelines.core.backfill import backfill_column
    from pipelines.core.steps import RunContext, build_gold
    from pipelines.io.refs import TableRef
    from pipelines.spark import open_lake, stop_session

    ref = TableRef.parse(args.table)
    found = [s for sector in registry.sectors() for s in sector.silver if TableRef("silver", s.name) == ref]
    if ref.layer != "silver" or not found:
        known = sorted(f"silver.{s.name}" for sector in registry.sectors() for s in sector.silver)
        print(
            f"unknown silver table {args.table}; a backfill fills a silver table from bronze: {known}", file=sys.stderr
        )
        return 2
    spec = found[0]
    settings = _settings(args)
    lake = open_lake(settings, "lakehouse-backfill")
    run_id = args.run_id or f"backfill__{uuid.uuid4().hex[:12]}"
    ctx = RunContext(run_id=run_id, dt=args.first, dag_id="cli")
    results = []
    try:
        result = backfill_column(lake, spec, args.column, args.first, args.last, ctx)
        results.append(result)
        ops.record(lake, ctx, [result])
        if args.rebuild_gold:
            readers = [g for s in registry.sectors() for g in s.gold if ref in g.source_refs]
            for dt in result.partitions:
                day = RunContext(run_id=run_id, dt=dt, dag_id="cli")
                for gold in readers:
                    built = build_gold(lake, gold, day)
                    print(built.log_line(), flush=True)
                    results.append(built)
                    ops.record(lake, day, [built])
    finally:
        stop_session()
    print(summary.render(summary.result_rows(results)))
    print(f"\n{result.table}: {result.message} (run {run_id})")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check Java, jars, Python packages, settings; say how to fix what is missing."""
    from pipelines.doctor import run_checks

    return run_checks(_settings(args), with_spark=args.spark)


def parser() -> argparse.ArgumentParser:
    """The command line."""
    top = argparse.ArgumentParser(
        prog="lakehouse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = top.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write synthetic deliveries of the feeds")
    gen.add_argument("--landing", help="landing root (folder or s3://bucket/prefix); default from settings")
    gen.add_argument("--date", required=True, help="first business date, YYYY-MM-DD")
    gen.add_argument("--days", type=int, default=1, help="consecutive days to deliver (default 1)")
    gen.add_argument("--scale", type=float, default=1.0, help="1 = one day at 1/1000 of province scale")
    gen.add_argument("--seed", type=int, default=42, help="same seed, same bytes")
    gen.add_argument("--sectors", help="comma-separated sectors (default: all)")
    gen.add_argument("--defect-rate", type=float, default=0.01, help="row defect rate (0 = clean)")
    gen.add_argument(
        "--delivery-defect", action="append", help="sector/feed:kind, e.g. tax/returns:checksum_mismatch (repeatable)"
    )
    gen.add_argument("--truth", help="where the ground truth goes (default <landing>/_ground_truth)")
    gen.add_argument("--quiet", action="store_true", help="no progress lines")
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser("run", help="run sectors in-process (one SparkSession) and print the summary")
    run.add_argument("--landing", help="landing root; default from settings")
    run.add_argument("--lake", help="lake root; default from settings")
    run.add_argument("--date", required=True, help="business date of the deliveries, YYYY-MM-DD")
    run.add_argument("--days", type=int, default=1, help="run this many consecutive dates (backfill)")
    run.add_argument("--sectors", help="comma-separated sectors (default: all)")
    run.add_argument("--run-id", help="run id recorded in ops.run_metrics (default: generated)")
    run.set_defaults(func=cmd_run)

    summ = sub.add_parser("summary", help="print the recorded results of a run (default: the latest)")
    summ.add_argument("--lake", help="lake root; default from settings")
    summ.add_argument("--run-id")
    summ.add_argument("--dt", help="the latest run for this business date")
    summ.set_defaults(func=cmd_summary)

    rep = sub.add_parser("replay", help="re-process quarantined rows after a rule or reference-data fix")
    rep.add_argument("--feed", required=True, help="sector/feed, e.g. tax/returns")
    rep.add_argument("--run", help="only rows quarantined by this run id")
    rep.add_argument("--dt", help="only rows of this delivery date")
    rep.add_argument("--lake", help="lake root; default from settings")
    rep.add_argument("--run-id", help="the replay's own run id (default: generated)")
    rep.set_defaults(func=cmd_replay)

    mnt = sub.add_parser("maintain", help="compact, vacuum and clean up tables under the retention policy")
    mnt.add_argument("--table", action="append", help="layer.name or landing/<sector>/<feed> (repeatable; default all)")
    mnt.add_argument("--dry-run", action="store_true", help="change nothing; print and record what would be done")
    mnt.add_argument("--as-of", help="date landing retention counts from, YYYY-MM-DD (default today)")
    mnt.add_argument("--report", action="store_true", help="print a recorded run (default the latest) instead")
    mnt.add_argument("--run-id", help="the run's id (default: generated), or the run --report prints")
    mnt.add_argument("--lake", help="lake root; default from settings")
    mnt.add_argument("--landing", help="landing root; default from settings")
    mnt.set_defaults(func=cmd_maintain)

    lin = sub.add_parser("lineage", help="upstream and downstream tables of a table, from the OpenLineage events")
    lin.add_argument("table", nargs="?", default="", help="layer.name, e.g. gold.tax_revenue_monthly")
    lin.add_argument("--json", action="store_true", help="print the whole graph as JSON instead")
    lin.set_defaults(func=cmd_lineage)

    back = sub.add_parser("backfill-column", help="fill a column a silver table gained, for past dates, from bronze")
    back.add_argument("--table", required=True, help="the silver table, e.g. silver.tax_returns")
    back.add_argument("--column", required=True, help="the column to fill (a contract column the table now has)")
    back.add_argument("--from", dest="first", required=True, help="first delivery date, YYYY-MM-DD")
    back.add_argument("--to", dest="last", required=True, help="last delivery date, YYYY-MM-DD (inclusive)")
    back.add_argument("--rebuild-gold", action="store_true", help="then rebuild the gold tables reading it, per date")
    back.add_argument("--lake", help="lake root; default from settings")
    back.add_argument("--run-id", help="the backfill's own run id (default: generated)")
    back.set_defaults(func=cmd_backfill_column)

    doc = sub.add_parser("doctor", help="check the set-up and say how to fix what is missing")
    doc.add_argument("--spark", action="store_true", help="also start a SparkSession and write a Delta table")
    doc.set_defaults(func=cmd_doctor)
    register_publish(sub, _settings)

    from pipelines.analyst.cli import add_commands

    add_commands(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `lakehouse` command."""
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
