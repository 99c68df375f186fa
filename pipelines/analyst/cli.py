"""The analysts' sub-commands of `lakehouse`: `sql` and `catalog`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pipelines.settings import Settings, load_settings

REFUSED_EXIT = 4


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings().with_overrides(lake_root=args.lake, docs_dir=getattr(args, "docs", None))


def cmd_sql(args: argparse.Namespace) -> int:
    """Run one statement (or the interactive shell) and print or write its result."""
    from pipelines.analyst import output, sql
    from pipelines.analyst.access import QueryError, Refused

    settings = _settings(args)
    role = args.role or settings.sql_role
    if args.query is None:
        from pipelines.analyst.shell import Shell

        return Shell(settings, role, args.engine).loop()
    try:
        answer = sql.query(settings, args.query, role, args.engine)
    except QueryError as err:
        print(err, file=sys.stderr)
        return REFUSED_EXIT if isinstance(err, Refused) else 1
    finally:
        if args.engine == "spark":
            from pipelines.spark import stop_session

            stop_session()
    try:
        said = output.write(answer.table, args.format, args.out)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    if args.out:
        print(said)
    print(f"-- {answer.seconds:.2f} s on {answer.engine}, tables {', '.join(answer.tables) or '-'}", file=sys.stderr)
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    """Print (or build) the data-sharing directory."""
    from pipelines.analyst import directory

    settings = _settings(args)
    if args.build:
        print(f"data-sharing directory: {directory.build_directory(settings)}")
        return 0
    entries = directory.search(directory.entries(settings), args.search or "")
    print(directory.to_json(entries) if args.json else directory.render(entries))
    return 0 if entries else 1


def add_commands(sub: Any) -> None:
    """Add `sql` and `catalog` to the `lakehouse` sub-command parser."""
    from pipelines.analyst.access import ROLES
    from pipelines.analyst.output import FORMATS
    from pipelines.analyst.sql import ENGINES

    sql = sub.add_parser(
        "sql",
        help="SQL over the lake as <layer>.<table> (no query: interactive shell)",
        description="Tables are <layer>.<table>, e.g. gold.tax_revenue_monthly. DuckDB by default (no JVM); "
        "--engine spark runs the same SQL on Spark with the tables in the Hive metastore. Access follows "
        "the role (setting sql_role); every statement is audited to ops.query_audit. "
        f"Exit codes: 0 ok, 1 error, 2 usage, {REFUSED_EXIT} refused.",
    )
    sql.add_argument("query", nargs="?", help="one SQL statement; omit for the interactive shell")
    sql.add_argument("--engine", choices=ENGINES, default="duckdb")
    sql.add_argument("--role", choices=ROLES, help="default: the sql_role setting (analyst)")
    sql.add_argument("--format", choices=FORMATS, default="table", help="default: an aligned table")
    sql.add_argument("--out", help="write the result to this file (needed for parquet)")
    sql.add_argument("--lake", help="lake root; default from settings")
    sql.set_defaults(func=cmd_sql)

    cat = sub.add_parser("catalog", help="the data-sharing directory (数据资源目录): search, print, build")
    cat.add_argument("--search", help="keyword in Chinese or English, e.g. 用电, 税, influenza")
    cat.add_argument("--json", action="store_true", help="print the entries as JSON (as in directory.json)")
    cat.add_argument("--build", action="store_true", help="write the HTML site and directory.json under docs_dir")
    cat.add_argument("--lake", help="lake root; default from settings")
    cat.add_argument("--docs", help="docs root (site goes to <docs>/directory); default from settings")
    cat.set_defaults(func=cmd_catalog)
