"""The steps' documented handling of delivery-level defects (tax feed): rejected whole (also when
files change after the manifest), not ingested yet, empty, or a truncated last line quarantined."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipelines import registry
from pipelines.core.runner import run_sector
from pipelines.core.steps import RunContext, ingest_bronze, promote_silver
from pipelines.generate.api import generate
from pipelines.io import delta
from pipelines.io.lake import Lake
from pipelines.io.landing import DeliveryIncomplete, DeliveryRejected
from pipelines.io.refs import TableRef
from pipelines.query import read_table

pytestmark = pytest.mark.integration
TAX = registry.SECTORS["tax"]


def deliver_tax(settings, defect: str, **options) -> None:
    """The tax returns of 2026-11-02 with the delivery defect `defect` (`pipelines.generate.defects`)."""
    generate(
        settings.landing_root,
        date(2026, 11, 2),
        scale=0.2,
        seed=3,
        sectors=["tax"],
        delivery_defects=(f"tax/returns:{defect}",),
        **options,
    )


@pytest.mark.parametrize(
    ("kind", "rule", "where"),
    [
        ("checksum_mismatch", "checksum_mismatch", ""),
        ("row_count_mismatch", "row_count_mismatch", ""),
        ("missing_column", "missing_column", ""),
        # An undecodable byte is in a record: the message names its row too.
        ("undecodable_gbk", "encoding", r" row \d+"),
    ],
)
def test_bad_delivery_is_rejected_whole(spark, fresh_settings, kind: str, rule: str, where: str) -> None:
    deliver_tax(fresh_settings, kind, defect_rate=0)
    with pytest.raises(
        DeliveryRejected, match=rf"tax/returns/dt=2026-11-02 rejected: file part-\d+\.csv{where}: {rule}"
    ):
        ingest_bronze(Lake(spark, fresh_settings), TAX.feeds[0], RunContext("bad", "2026-11-02"))
    assert not delta.exists(spark, TableRef("bronze", "tax_returns").uri(fresh_settings.lake_root))


def test_missing_manifest_is_not_ingested_yet(spark, fresh_settings) -> None:
    deliver_tax(fresh_settings, "missing_manifest")
    with pytest.raises(DeliveryIncomplete, match="dt=2026-11-02 has no _manifest.json"):
        ingest_bronze(Lake(spark, fresh_settings), TAX.feeds[0], RunContext("early", "2026-11-02"))


def test_empty_delivery_succeeds_and_writes_nothing(spark, fresh_settings) -> None:
    deliver_tax(fresh_settings, "empty_delivery")
    results = list(run_sector(Lake(spark, fresh_settings), TAX, RunContext("empty", "2026-11-02")))
    assert [r.status for r in results] == ["empty", "empty", "empty"]
    assert not delta.exists(spark, TableRef("bronze", "tax_returns").uri(fresh_settings.lake_root))


def test_truncated_last_line_is_quarantined(spark, fresh_settings) -> None:
    deliver_tax(fresh_settings, "truncated_file", defect_rate=0)
    ingest_bronze(Lake(spark, fresh_settings), TAX.feeds[0], RunContext("cut", "2026-11-02"))
    silver = promote_silver(Lake(spark, fresh_settings), TAX.silver[0], RunContext("cut", "2026-11-02"))
    files = sorted((Path(fresh_settings.landing_root) / "tax" / "returns" / "dt=2026-11-02").glob("*.csv"))
    last_file, last_row = files[-1].name, files[-1].read_bytes().decode("gbk").rstrip("\n").count("\n")
    rows = read_table(fresh_settings, "quarantine", "tax_returns")
    assert [(r["_source_file"], r["_row_no"]) for r in rows] == [(last_file, last_row)]
    assert rows[0]["reasons"][0].startswith("unparseable_row")
    assert silver.quarantined == 1


@pytest.mark.parametrize(
    ("late", "rule"),
    [("add_file", "unlisted_file"), ("grow_file", "size_mismatch"), ("rewrite_file", "checksum_mismatch")],
)
def test_files_changed_after_the_manifest_reject_the_delivery_whole(
    spark, fresh_settings, late: str, rule: str
) -> None:
    generate(fresh_settings.landing_root, date(2026, 11, 2), scale=0.2, seed=3, sectors=["tax"], defect_rate=0)
    folder = Path(fresh_settings.landing_root) / "tax" / "returns" / "dt=2026-11-02"
    first = sorted(folder.glob("part-*.csv"))[0]
    data = first.read_bytes()
    if late == "add_file":
        target = folder / "part-late.csv"
        target.write_bytes(data)
    elif late == "grow_file":
        target = first
        first.write_bytes(data + data.split(b"\n", 1)[1].split(b"\n", 1)[0] + b"\n")
    else:
        target = first
        first.write_bytes(data.replace(b"1", b"2", 1))
    with pytest.raises(DeliveryRejected, match=rf"dt=2026-11-02 rejected: file {target.name}: {rule}"):
        ingest_bronze(Lake(spark, fresh_settings), TAX.feeds[0], RunContext("late", "2026-11-02"))
    assert not delta.exists(spark, TableRef("bronze", "tax_returns").uri(fresh_settings.lake_root))
