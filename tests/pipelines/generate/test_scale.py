"""Scale 1: the row counts docs/generator.md promises, within the time budget."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipelines.generate import generate

EXPECTED = {  # feed -> (low, high) rows of the first day at scale 1 (docs/generator.md)
    "credit/legal_entity": (28_000, 34_000),
    "credit/sanctions": (21_000, 26_000),
    "tax/returns": (1_800, 2_800),
    "energy/meters": (54_000, 61_000),
    "energy/readings": (5_000_000, 5_500_000),
    "transport/gantries": (140, 170),
    "transport/etc_passages": (4_300, 5_700),
    "transport/hub_flow": (9_400, 9_700),
    "health/hospitals": (140, 170),
    "health/outpatient_visits": (1_800, 2_300),
}


@pytest.mark.slow
def test_scale_one_day(tmp_path: Path) -> None:
    report = generate(str(tmp_path), dt.date(2026, 11, 12), scale=1.0)
    rows = {d.name: d.rows for d in report.deliveries}
    for feed, (low, high) in EXPECTED.items():
        assert low <= rows[feed] <= high, (feed, rows[feed])
    assert report.seconds < 120
    assert all(n <= 500_000 for d in report.deliveries for n in d.files.values())
