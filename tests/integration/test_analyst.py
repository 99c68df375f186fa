"""Analysts on a small real lake (tax and health run in-process on local Spark):
`lakehouse sql` in a subprocess answers like an independent delta-rs read without starting a
JVM, `--engine spark` agrees through the persistent metastore, restricted tables are refused,
every query is audited, and the data-sharing directory describes the lake."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.analyst import sql
from pipelines.analyst.access import Refused
from pipelines.analyst.directory import entries, search
from pipelines.query import read_table

# The shared lake takes a few minutes to build on 2 cores, more on a busy machine (pytest-timeout counts it).
pytestmark = [pytest.mark.integration, pytest.mark.timeout(45 * 60)]
REPO_ROOT = Path(__file__).resolve().parents[2]
DT = "2026-11-02"  # the date of the `analyst_lake` fixture (conftest.py)
QUERY = "select city_code, sum(tax_due_cny) as due from gold.tax_revenue_monthly group by 1"


@pytest.fixture(scope="module")
def lake(analyst_lake):
    return analyst_lake


def cli_env(settings, tmp_path: Path) -> dict[str, str]:
    """The environment of a `lakehouse` subprocess on the test lake, with no java on the PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "python").symlink_to(sys.executable)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAKEHOUSE_", "JAVA_HOME", "SPARK_"))}
    return {
        **env,
        "PATH": str(bin_dir),  # a JVM could not even be found
        "PYTHONPATH": str(REPO_ROOT),
        "LAKEHOUSE_LAKE_ROOT": settings.lake_root,
        "LAKEHOUSE_DOCS_DIR": settings.docs_dir,
        "LAKEHOUSE_METASTORE_DIR": settings.metastore_dir,
        "LAKEHOUSE_PII_KEY": "test-only-pii-key",
        "LAKEHOUSE_SPARK_MASTER": "local[2]",
        "LAKEHOUSE_SPARK_SHUFFLE_PARTITIONS": "2",
        "LAKEHOUSE_SPARK_DRIVER_MEMORY": "1g",
    }


def lakehouse(env: dict[str, str], *args: str, importtime: bool = False) -> subprocess.CompletedProcess:
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run(
        [sys.executable, *flags, "-m", "pipelines.cli", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def independent_totals(settings) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in read_table(settings, "gold", "tax_revenue_monthly"):
        totals[row["city_code"]] += row["tax_due_cny"]
    return dict(totals)


def totals_of(path: Path) -> dict[str, Decimal]:
    return {r["city_code"]: Decimal(r["due"]) for r in json.loads(path.read_text("utf-8"))}


def test_duckdb_answers_like_an_independent_read_and_starts_no_jvm(lake, tmp_path) -> None:
    out = tmp_path / "duck.json"
    done = lakehouse(cli_env(lake, tmp_path), "sql", "--format", "json", "--out", str(out), QUERY, importtime=True)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = independent_totals(lake)
    assert len(expected) > 3, "too few cities to prove anything"
    assert totals_of(out) == expected
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert "duckdb" in imported  # the probe sees imports at all
    assert not imported & {"pyspark", "py4j", "delta"}, "the DuckDB path imported Spark"


def test_spark_engine_agrees_and_registers_the_tables_for_any_session(lake, tmp_path) -> None:
    env = {**cli_env(lake, tmp_path), "PATH": os.environ["PATH"]}
    env.update({k: v for k, v in os.environ.items() if k == "JAVA_HOME"})
    out = tmp_path / "spark.json"
    done = lakehouse(env, "sql", "--engine", "spark", "--format", "json", "--out", str(out), QUERY)
    assert done.returncode == 0, done.stderr[-3000:]
    assert totals_of(out) == independent_totals(lake)
    probe = (
        "from pipelines.settings import load_settings; from pipelines.spark import get_session, stop_session; "
        "s = get_session(load_settings().with_overrides(spark_catalog='hive'), 'probe'); "
        "print('COUNT', s.sql('select count(*) from gold.tax_revenue_monthly').first()[0]); stop_session()"
    )
    fresh = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600
    )
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    count = next(int(line.split()[1]) for line in fresh.stdout.splitlines() if line.startswith("COUNT"))
    assert count == len(read_table(lake, "gold", "tax_revenue_monthly"))


def test_analyst_is_refused_bronze_with_its_class(lake, tmp_path) -> None:
    done = lakehouse(cli_env(lake, tmp_path), "sql", "--role", "analyst", "select * from bronze.tax_returns limit 1")
    assert done.returncode == 4
    assert "refused: bronze.tax_returns is restricted (sharing class `restricted`" in done.stderr
    assert done.stdout == ""


def test_public_reads_open_gold_but_not_conditional_gold(lake) -> None:
    answer = sql.query(lake, "select count(*) as n from gold.open_health_weekly", role="public")
    assert answer.table.column("n").to_pylist() == [len(read_table(lake, "gold", "open_health_weekly"))]
    with pytest.raises(Refused, match="gold.health_syndromic_weekly is conditional"):
        sql.query(lake, "select * from gold.health_syndromic_weekly", role="public")


def test_duckdb_itself_cannot_read_a_table_the_role_was_not_given(lake) -> None:
    """Defence in depth: below the parse check, DuckDB may only open the named tables' folders."""
    from pipelines.analyst import duck
    from pipelines.analyst.tables import inventory

    con = duck.connect(lake, [inventory()["gold.tax_revenue_monthly"]], restrict=True)
    bronze = inventory()["bronze.tax_returns"].uri(lake.lake_root)
    import duckdb

    with pytest.raises(duckdb.PermissionException):
        con.execute(f"select count(*) from delta_scan('{bronze}')").fetchall()
    with pytest.raises(duckdb.InvalidInputException, match="locked"):
        con.execute("SET enable_external_access = true")


def test_unknown_column_through_the_lake_names_near_matches(lake) -> None:
    with pytest.raises(
        sql.QueryError, match=r"unknown column 'tax_due' in gold.tax_revenue_monthly; near matches: tax_due_cny"
    ):
        sql.query(lake, "select tax_due from gold.tax_revenue_monthly")


def test_every_query_is_audited_with_literals_masked(lake, spark, tmp_path) -> None:
    secret = "110101199003071234"
    with pytest.raises(Refused):
        sql.query(lake, f"select * from silver.health_outpatient_visits where patient_id_no_token = '{secret}'")
    sql.query(lake, "select count(*) from gold.tax_revenue_monthly where returns > 2")
    rows = read_table(lake, "ops", "query_audit")
    refused = [r for r in rows if r["outcome"] == "refused" and "silver.health_outpatient_visits" in r["tables"]]
    assert refused and refused[-1]["role"] == "analyst" and refused[-1]["user"] == getpass.getuser()
    assert all(secret not in (r["statement"] + r["message"]) for r in rows)
    ok = [r for r in rows if r["outcome"] == "ok" and r["tables"] == ["gold.tax_revenue_monthly"]]
    assert any(r["rows"] == 1 and '"returns" > ?' in r["statement"] and r["engine"] == "duckdb" for r in ok)
    # Written by delta-rs, read by Spark, next to the Spark-written ops tables that stay readable.
    audit_uri = str(Path(lake.lake_root) / "ops" / "query_audit")
    assert spark.read.format("delta").load(audit_uri).count() == len(rows)
    assert spark.read.format("delta").load(str(Path(lake.lake_root) / "ops" / "run_metrics")).count() > 0


def test_directory_describes_the_lake(lake) -> None:
    found = {e["ref"]: e for e in entries(lake)}
    tax = found["gold.tax_revenue_monthly"]
    assert tax["rows"] == len(read_table(lake, "gold", "tax_revenue_monthly"))
    assert tax["schema_from"] == "delta" and "tax_due_cny" in {c["name"] for c in tax["columns"]}
    assert tax["last_success_dt"] == DT and tax["gate"].startswith("passed")
    assert Path(tax["docs"]).is_file()
    assert tax["upstream"] == ["silver.tax_returns"] and tax["source_feeds"] == ["tax/returns"]
    assert "gold.tax_revenue_monthly" in found["silver.tax_returns"]["downstream"]
    visits = found["silver.health_outpatient_visits"]
    assert {c["name"] for c in visits["columns"] if c["pii"]} == set(visits["pii_columns"]) != set()
    assert {"gold.health_syndromic_weekly", "gold.open_health_weekly"} <= {
        e["ref"] for e in search(list(found.values()), "influenza")
    }
    assert {e["ref"] for e in search(list(found.values()), "用电")} >= {"gold.energy_consumption_daily"}
    assert not any(e["layer"] == "gold" and e["sector"] == "tax" for e in search(list(found.values()), "用电"))
    site = Path(lake.docs_dir) / "directory"
    assert (site / "tables" / "gold.tax_revenue_monthly.html").is_file()
    assert json.loads((site / "directory.json").read_text("utf-8"))["tables"][0]["ref"] == next(iter(found))


def test_catalog_command_searches_and_prints_json(lake, tmp_path) -> None:
    env = cli_env(lake, tmp_path)
    done = lakehouse(env, "catalog", "--search", "税")
    assert done.returncode == 0, done.stderr
    assert "gold.tax_revenue_monthly" in done.stdout and "gold.open_health_weekly" not in done.stdout
    done = lakehouse(env, "catalog", "--search", "influenza", "--json")
    refs = {t["ref"] for t in json.loads(done.stdout)["tables"]}
    assert {"gold.health_syndromic_weekly", "gold.open_health_weekly"} <= refs
    assert "gold.tax_revenue_monthly" not in refs


def test_the_shell_runs_multi_line_statements_switches_role_and_keeps_history(lake, tmp_path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    script = (
        ".tables tax\n"
        "select count(*) as n\n"
        "  from gold.tax_revenue_monthly;\n"
        ".role public\n"
        "select * from gold.health_syndromic_weekly;\n"
        ".quit\n"
    )
    env = {**cli_env(lake, tmp_path), "HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "sql"],
        input=script,
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "gold.tax_revenue_monthly" in done.stdout and "bronze.tax_returns" not in done.stdout  # .tables as analyst
    rows = len(read_table(lake, "gold", "tax_revenue_monthly"))
    lines = [line.strip() for line in done.stdout.splitlines()]
    header = lines.index("n")  # the multi-line statement's result: header, rule, value
    assert lines[header + 2] == str(rows) and lines[header + 3] == "(1 row)"
    assert "refused: gold.health_syndromic_weekly is conditional" in done.stderr
    assert (home / ".lakehouse_sql_history").is_file()
