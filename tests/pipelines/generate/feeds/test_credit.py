"""credit/legal_entity and credit/sanctions over days: a full load of the register, then changes;
sanction status changes arrive as updates (expected behaviour, not defects)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections import Counter
from pathlib import Path

from tests.pipelines.generate.conftest import DAYS, START, truth_summary


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
    assert truth_summary(clean_landing, "credit/legal_entity", nxt)["behaviour"]["changes_U"] == ops["U"]


def test_sanction_status_changes_are_updates(clean_landing: Path) -> None:
    total = Counter()
    for offset in range(1, DAYS):
        total.update(truth_summary(clean_landing, "credit/sanctions", START + dt.timedelta(days=offset))["behaviour"])
    assert total["new_records"] > 0
