"""The generation report: its deliveries and rows match the manifests it wrote."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.generate import GenerationReport
from tests.pipelines.generate.conftest import START


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
