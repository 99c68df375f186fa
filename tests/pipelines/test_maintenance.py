"""Maintenance under the retention policy, on a lake that has seen nine daily runs.

The daily commits are aged to the days they stand for (`delta_clock`), so the policy's real
retentions apply (silver: time travel 7 days; bronze: raw data 30 days) and Delta's own VACUUM
check stays on. Checked with independent readers (delta-rs) and Spark time travel.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipelines import cli, maintenance, registry
from pipelines.core.spec import Catalog, FeedSpec, Sector, SilverSpec
from pipelines.io.lake import Lake
from pipelines.io.landing import Delivery
from pipelines.io.refs import MergeLatest, ReplacePartitions, TableRef
from pipelines.query import read_table
from tests.pipelines.delta_clock import age_versions

TAX = registry.SECTORS["tax"]
SILVER, BRONZE = TableRef("silver", "tax_returns"), TableRef("bronze", "tax_returns")
# Spark on a loaded 2-core machine: the fixture's 30-odd Delta commands can take minutes.
pytestmark = pytest.mark.timeout(2400)
DAYS = 9
FIRST = date(2026, 11, 1)
AS_OF = date(2026, 12, 5)  # landing retention 30 d: folders before 2026-11-05 are past it
PINNED_DAY, OLD_DAY = 4, 0  # 4.5 days old (inside the 7 days of time travel), 8.5 days old (outside)
CHOSEN = ["bronze.tax_returns", "silver.tax_returns", "landing/tax/returns"]


def _hours_ago(day: int) -> float:
    """Day `day`'s run happened at noon, `DAYS - day` days before the last one's next morning."""
    return (DAYS - day) * 24 - 12


# ------------------------------------------------------------------------------- policy (no Spark)


def test_each_layer_keeps_what_its_promise_needs() -> None:
    by_ref = {str(t.ref): t for t in maintenance.targets(registry.sectors(), maintenance.Policy())}
    assert by_ref["silver.tax_returns"].retain_hours == 7 * 24  # the catalog's time travel
    assert by_ref["gold.tax_revenue_monthly"].retain_hours == 7 * 24
    assert by_ref["bronze.tax_returns"].retain_hours == 30 * 24  # no feed retention: the raw default
    assert by_ref["bronze.energy_readings"].retain_hours == 3 * 365 * 24  # the feed's retention_days
    assert by_ref["quarantine.energy_readings"].retain_hours == 3 * 365 * 24
    assert by_ref["ops.run_metrics"].retain_hours == 30 * 24
    assert by_ref["silver.energy_readings"].cluster_by == ("meter_id",)
    assert "time travel: 7 d" in by_ref["silver.tax_returns"].reason


def test_no_table_keeps_less_than_the_floor() -> None:
    spec = SilverSpec(
        name="scratch",
        feed=FeedSpec("tax", "returns"),
        transform="pipelines.tax.silver:clean_returns",
        key=("declaration_id",),
        catalog=Catalog(owner="o", description="d", time_travel_days=0),
    )
    [target] = [
        t
        for t in maintenance.targets([Sector("s", "d", silver=(spec,))], maintenance.Policy(floor_hours=24))
        if t.ref == TableRef("silver", "scratch")
    ]
    assert target.retain_hours == 24 and target.reason.startswith("floor 24 h")


# ---------------------------------------------------------------------------- a lake of daily runs


def _deliver(landing: Path, dt: str, content: str, manifest: bool = True) -> str | None:
    """A landing folder with one file (and its manifest); returns the batch id bronze stamps."""
    folder = landing / "tax" / "returns" / f"dt={dt}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "part-00000.csv").write_text(content)
    if not manifest:
        return None
    entry = {"name": "part-00000.csv", "sha256": hashlib.sha256(content.encode()).hexdigest(), "rows": 1}
    data = {"files": [entry]}
    (folder / "_manifest.json").write_text(json.dumps(data))
    return Delivery("tax", "returns", dt, str(folder), data).batch_id


def _tree(root: str, skip: str = "") -> dict[str, int]:
    return {
        str(p.relative_to(root)): p.stat().st_size
        for p in Path(root).rglob("*")
        if p.is_file() and not (skip and str(p.relative_to(root)).startswith(skip))
    }


def _rows(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(sorted((k, str(v)) for k, v in r.items())) for r in rows)


def _delta_rs_rows(uri: str, version: int) -> list[dict]:
    """The rows of `version` read by delta-rs + pyarrow (partition values from the hive folders)."""
    import pyarrow as pa
    import pyarrow.dataset as ds
    from deltalake import DeltaTable

    table = DeltaTable(uri, version=version)
    partitioning = ds.partitioning(pa.schema([("tax_period", pa.string())]), flavor="hive")
    files = table.file_uris()
    return ds.dataset(files, format="parquet", partitioning=partitioning, partition_base_dir=uri).to_table().to_pylist()


@pytest.fixture(scope="module")
def daily(spark, settings, tmp_path_factory):
    """Nine daily runs of bronze and silver tax returns, aged, then a dry run and a real maintenance run."""
    from pyspark.sql import functions as F

    root = tmp_path_factory.mktemp("maintenance")
    s = settings.with_overrides(
        landing_root=str(root / "landing"), lake_root=str(root / "lake"), docs_dir=str(root / "docs")
    )
    lake, landing = Lake(spark, s), Path(s.landing_root)
    # No checkpoint while the history is written: ageing rewrites the JSON commits.
    spark.conf.set("spark.databricks.delta.properties.defaults.checkpointInterval", "1000")
    try:
        # Silver: a MERGE a day (version = day): new declarations, and an amendment of one of yesterday's.
        for day in range(DAYS):
            rows = [(f"D{day}-{i}", "202611" if i % 2 else "202610", day) for i in range(4)]
            rows += [(f"D{day - 1}-0", "202610", day)] if day else []
            frame = spark.createDataFrame(rows, "declaration_id string, tax_period string, version int")
            dt = (FIRST + timedelta(days=day)).isoformat()
            rule = MergeLatest(("declaration_id",), ("version",), "tax_period")
            lake.write(SILVER, frame.withColumn("_dt", F.lit(dt).cast("date")), rule)
        # Bronze: the nine deliveries in one commit, then a re-delivery of the 2nd (8.5 days ago:
        # older than silver's time travel, inside bronze's raw retention).
        dts = [(FIRST + timedelta(days=d)).isoformat() for d in range(DAYS)]
        first = [(dt, _deliver(landing, dt, f"day {d}\n")) for d, dt in enumerate(dts)]
        again = [(dts[1], _deliver(landing, dts[1], "day 1, corrected\n"))]
        for deliveries in (first, again):
            rows = [(f"{dt}-{i}", batch, dt) for dt, batch in deliveries for i in range(3)]
            frame = spark.createDataFrame(rows, "id string, _batch_id string, _dt string")
            frame = frame.withColumn("_dt", F.col("_dt").cast("date"))
            lake.write(BRONZE, frame, ReplacePartitions("_dt", tuple(dt for dt, _ in deliveries)))
    finally:
        spark.conf.unset("spark.databricks.delta.properties.defaults.checkpointInterval")
    versions = {"silver": {day: day for day in range(DAYS)}, "bronze": {0: -1, 1: 0}}  # version -> day
    _deliver(landing, (FIRST - timedelta(days=2)).isoformat(), "still being written\n", manifest=False)
    _deliver(landing, FIRST.isoformat(), "day 0, re-delivered, not ingested yet\n")
    for layer, ref in (("silver", SILVER), ("bronze", BRONZE)):
        age_versions(spark, lake.uri(ref), {v: _hours_ago(day) for v, day in versions[layer].items()})
    pinned, old = PINNED_DAY, OLD_DAY  # silver's version of each day is the day
    before = {
        "files": len(lake.files(SILVER)),
        "rows": _rows(read_table(s, "silver", "tax_returns")),
        "pinned": _rows(_delta_rs_rows(lake.uri(SILVER), pinned)),
        "stored": lake.stored(SILVER),
        "bronze_stored": lake.stored(BRONZE),
        "tree": _tree(s.lake_root),
        "landing": _tree(s.landing_root),
    }
    dry = maintenance.run(lake, [TAX], maintenance.Policy(), "dry-1", tables=CHOSEN, dry_run=True, as_of=AS_OF)
    after_dry = {"tree": _tree(s.lake_root, skip="ops"), "landing": _tree(s.landing_root)}
    real = maintenance.run(lake, [TAX], maintenance.Policy(), "maint-1", tables=CHOSEN, as_of=AS_OF)
    return {
        "settings": s,
        "lake": lake,
        "pinned": pinned,
        "old": old,
        "before": before,
        "after_dry": after_dry,
        "dry": dry,
        "real": real,
    }


def _action(actions, table: str, name: str):
    return next(a for a in actions if a.table == table and a.action == name)


def test_dry_run_changes_nothing_and_says_what_it_would_do(daily) -> None:
    before, after = daily["before"], daily["after_dry"]
    assert after["tree"] == {k: v for k, v in before["tree"].items() if not k.startswith("ops")}
    assert after["landing"] == before["landing"]
    compact = _action(daily["dry"], "silver.tax_returns", "optimize")
    assert compact.dry_run and compact.message.startswith("would compact")
    assert compact.files_after < compact.files_before
    assert _action(daily["dry"], "silver.tax_returns", "vacuum").message.startswith("would delete")
    assert "would delete 3 folders" in _action(daily["dry"], "landing/tax/returns", "landing").message


def test_compaction_reduces_the_files_and_keeps_the_content(daily) -> None:
    s, before = daily["settings"], daily["before"]
    assert len(daily["lake"].files(SILVER)) < before["files"]
    assert _rows(read_table(s, "silver", "tax_returns")) == before["rows"]
    optimize = _action(daily["real"], "silver.tax_returns", "optimize")
    assert (optimize.files_before, optimize.files_after) == (before["files"], len(daily["lake"].files(SILVER)))


def test_a_reader_pinned_inside_the_retention_still_reads(spark, daily) -> None:
    uri, pinned = daily["lake"].uri(SILVER), daily["pinned"]
    assert _rows(_delta_rs_rows(uri, pinned)) == daily["before"]["pinned"]
    by_spark = spark.read.format("delta").option("versionAsOf", pinned).load(uri).collect()
    assert _rows([r.asDict() for r in by_spark]) == daily["before"]["pinned"]


def test_versions_older_than_the_retention_are_gone(spark, daily) -> None:
    uri, old = daily["lake"].uri(SILVER), daily["old"]
    with pytest.raises(Exception, match="DELTA_UNSUPPORTED_TIME_TRAVEL_BEYOND_DELETED_FILE_RETENTION_DURATION"):
        spark.read.format("delta").option("versionAsOf", old).load(uri).count()
    with pytest.raises(FileNotFoundError):
        _delta_rs_rows(uri, old)  # its log is still there, its files are not
    vacuum = _action(daily["real"], "silver.tax_returns", "vacuum")
    assert vacuum.files_after < vacuum.files_before
    assert vacuum.files_after == daily["lake"].stored(SILVER).files


def test_bronze_keeps_the_superseded_delivery_for_its_raw_retention(daily) -> None:
    vacuum = _action(daily["real"], "bronze.tax_returns", "vacuum")
    assert vacuum.files_after == vacuum.files_before == daily["before"]["bronze_stored"].files
    assert "raw data (layer default): 30 d" in vacuum.message
    assert vacuum.files_before == DAYS + 1  # the superseded delivery (8.5 days ago) is still there


def test_the_retention_is_declared_on_the_table_and_delta_still_guards_it(spark, daily) -> None:
    lake = daily["lake"]
    properties = lake.detail(SILVER)["properties"]
    assert properties["delta.deletedFileRetentionDuration"] == "interval 168 hours"
    assert properties["delta.logRetentionDuration"] == "interval 168 hours"
    assert properties["delta.checkpointInterval"] == "10"
    assert spark.conf.get("spark.databricks.delta.retentionDurationCheck.enabled", "true") == "true"
    with pytest.raises(Exception, match="DELTA_VACUUM_RETENTION_PERIOD_TOO_SHORT"):
        spark.sql(f"VACUUM delta.`{lake.uri(SILVER)}` RETAIN 0 HOURS")
    assert "checkpoint at v" in _action(daily["real"], "silver.tax_returns", "log").message


def test_landing_keeps_what_bronze_does_not_hold(daily) -> None:
    landing = Path(daily["settings"].landing_root) / "tax" / "returns"
    left = sorted(p.name for p in landing.iterdir())
    expired = [f"dt={(FIRST + timedelta(days=d)).isoformat()}" for d in range(-2, 4)]
    # 10-30: no manifest; 11-01: re-delivered after ingestion (bronze holds another batch).
    assert [d for d in left if d in expired] == ["dt=2026-10-30", "dt=2026-11-01"]
    assert [d for d in left if d not in expired] == [
        f"dt={(FIRST + timedelta(days=d)).isoformat()}" for d in range(4, DAYS)
    ]
    message = _action(daily["real"], "landing/tax/returns", "landing").message
    assert "deleted 3 folders" in message and "kept 2 past retention, not in bronze" in message


def test_every_action_is_recorded_in_ops_maintenance(daily) -> None:
    rows = read_table(daily["settings"], "ops", "maintenance")
    real = {(r["table"], r["action"]) for r in rows if r["run_id"] == "maint-1" and not r["dry_run"]}
    assert real == {(t, a) for t in CHOSEN[:2] for a in ("optimize", "vacuum", "log")} | {(CHOSEN[2], "landing")}
    assert all(r["dry_run"] for r in rows if r["run_id"] == "dry-1")
    vacuum = next(
        r for r in rows if r["run_id"] == "maint-1" and r["table"] == "silver.tax_returns" and r["action"] == "vacuum"
    )
    assert vacuum["files_before"] > vacuum["files_after"] and vacuum["bytes_before"] > vacuum["bytes_after"]
    assert vacuum["seconds"] > 0 and "keep 168 h" in vacuum["message"]


def test_the_report_prints_a_recorded_run(daily, monkeypatch, capsys) -> None:
    monkeypatch.setenv("LAKEHOUSE_LAKE_ROOT", daily["settings"].lake_root)
    assert cli.main(["maintain", "--report", "--run-id", "maint-1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("maintenance run maint-1")
    assert "silver.tax_returns" in out and "compacted" in out and "landing/tax/returns" in out
