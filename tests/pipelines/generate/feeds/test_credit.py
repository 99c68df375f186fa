"""Late and corrected data over days (expected behaviour, not defects) and the report."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections import Counter
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.generate import GenerationReport
from tests.generate.conftest import DAYS, START


def _summary(root: Path, feed: str, day: dt.date) -> dict:
    sector, name = feed.split("/")
    return json.loads((root / "_ground_truth" / sector / name / f"dt={day}.summary.json").read_text("utf-8"))


def test_register_full_load_then_changes(clean_landing: Path) -> None:
    first = next(clean_landing.glob(f"credit/legal_entity/dt={START}/part-*"))
    assert first.name.endswith(".jsonl.gz")
    full = [json.loads(x) for x in gzip.decompress(first.read_bytes()).decode().splitlines()]
    assert {r["op"] for r in full} == {"I", "D"}
    nxt = START + dt.timedelta(days=1)
    changes = [
        json.loads(x)
        for p in clean_landing.glob(f"credit/legal_entity/dt={nxt}/part-*.jsonl")
        for x in p.read_text("utf-8").splitlines()
    ]
    assert 0 < len(changes) < len(full) / 10
    assert all(r["updated_at"].startswith(nxt.isoformat()) for r in changes)
    ops = Counter(r["op"] for r in changes)
    assert ops["U"] > 0
    assert _summary(clean_landing, "credit/legal_entity", nxt)["behaviour"]["changes_U"] == ops["U"]


def test_late_and_resent_readings(clean_landing: Path) -> None:
    day = START + dt.timedelta(days=1)
    start_utc = dt.datetime.combine(day, dt.time()) - dt.timedelta(hours=8)
    earlier = 0
    for path in clean_landing.glob(f"energy/readings/dt={day}/*.parquet"):
        ts = pc.cast(pq.read_table(path, columns=["reading_ts"])["reading_ts"], "timestamp[us]")
        earlier += pc.sum(pc.cast(pc.less_equal(ts, start_utc), "int64")).as_py()
    behaviour = _summary(clean_landing, "energy/readings", day)["behaviour"]
    assert earlier == behaviour["late_rows"] + behaviour["resent_rows"] > 0


def test_sanction_status_changes_are_updates(clean_landing: Path) -> None:
    total = Counter()
    for offset in range(1, DAYS):
        total.update(_summary(clean_landing, "credit/sanctions", START + dt.timedelta(days=offset))["behaviour"])
    assert total["new_records"] > 0


def test_report_matches_the_deliveries(tmp_path: Path) -> None:
    from pipelines.generate import generate

    report = generate(str(tmp_path), START, scale=0.02, sectors=["transport", "health"], defect_rate=0.05)
    assert isinstance(report, GenerationReport)
    assert len(report.deliveries) == 5
    manifest_rows = sum(
        f["rows"] for p in tmp_path.glob("*/*/dt=*/_manifest.json") for f in json.loads(p.read_text("utf-8"))["files"]
    )
    assert report.rows == manifest_rows
    assert "transport/etc_passages" in str(report) and "rows/s" in str(report)
    assert all(t.rows_per_second > 0 for t in report.per_feed())
