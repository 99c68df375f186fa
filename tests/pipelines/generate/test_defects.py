"""Every row the truth records breaks exactly its recorded rule; no other row breaks any."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tests.pipelines.generate import oracle
from tests.pipelines.generate.conftest import day_of, deliveries, feed_of, truth_records

ROW_KINDS = {
    "missing_required",
    "invalid_uscc",
    "invalid_id_no",
    "invalid_division",
    "out_of_range",
    "future_date",
    "inconsistent_row",
    "unparseable_row",
    "exact_duplicate",
}


def _row_truth(records: list[dict], name: str) -> dict[int, str]:
    mine = [r for r in records if r["file"] == name and r["row"] is not None]
    rows = {r["row"]: r["defect"] for r in mine}
    assert len(rows) == len(mine), "one kind per row"
    return rows


def _check_text_file(feed: str, path: Path, day: dt.date, truth: dict[int, str]) -> Counter:
    header, lines = oracle.text_rows(feed, path.read_bytes(), path.name)
    seen: set[str] = set()
    found: Counter = Counter()
    for number, line in enumerate(lines, start=1):
        broken = oracle.broken_rules(feed, oracle.parse(feed, header, line), day)
        expected = truth.get(number)
        if expected == "exact_duplicate":
            assert line in seen, f"{path.name} row {number}: recorded duplicate has no earlier twin"
            assert broken == set(), f"{path.name} row {number}: duplicate of a defective row {broken}"
        elif expected is not None:
            assert broken == {expected}, f"{feed} {path.name} row {number}: truth {expected}, oracle {broken}: {line}"
        else:
            assert broken == set(), f"{feed} {path.name} row {number}: unrecorded {broken}: {line}"
            assert line not in seen, f"{path.name} row {number}: unrecorded duplicate"
        seen.add(line)
        if expected:
            found[expected] += 1
    return found


def test_text_feeds_match_the_truth(landing: Path) -> None:
    kinds: Counter = Counter()
    for delivery in deliveries(landing):
        feed = feed_of(delivery)
        if feed == "energy/readings":
            continue
        records = truth_records(landing, delivery)
        for path in sorted(delivery.glob("part-*")):
            kinds += _check_text_file(feed, path, day_of(delivery), _row_truth(records, path.name))
    assert set(kinds) == ROW_KINDS, f"kinds produced: {sorted(kinds)}"


def test_readings_match_the_truth(landing: Path) -> None:
    for delivery in deliveries(landing):
        if feed_of(delivery) != "energy/readings":
            continue
        records = truth_records(landing, delivery)
        end_of_day = dt.datetime.combine(day_of(delivery) + dt.timedelta(days=1), dt.time()) - dt.timedelta(hours=8)
        for path in sorted(delivery.glob("part-*.parquet")):
            table = pq.read_table(path)
            truth = _row_truth(records, path.name)
            bad = {
                "missing_required": pc.is_null(table["meter_id"]).to_numpy(zero_copy_only=False),
                "out_of_range": pc.less(table["kwh"], 0).to_numpy(zero_copy_only=False),
                "future_date": pc.greater(pc.cast(table["reading_ts"], "timestamp[us]"), end_of_day).to_numpy(
                    zero_copy_only=False
                ),
            }
            for kind, mask in bad.items():
                rows = {i + 1 for i in mask.nonzero()[0]}
                assert rows == {r for r, k in truth.items() if k == kind}, f"{path.name} {kind}"
            spoiled = {r for r, k in truth.items() if k != "exact_duplicate"}  # may collide by chance
            assert _repeated_keys(table) - spoiled == {r for r, k in truth.items() if k == "exact_duplicate"}


def _repeated_keys(table) -> set[int]:
    """1-based rows whose (meter_id, reading_ts) appeared on an earlier row (null ids aside)."""
    present = np.flatnonzero(pc.is_valid(table["meter_id"]).to_numpy(zero_copy_only=False))
    meter = pc.dictionary_encode(table["meter_id"]).combine_chunks().indices.to_numpy(zero_copy_only=False)
    ts = pc.cast(table["reading_ts"], "int64").to_numpy()
    slot = (ts[present] - ts[present].min()) // 900_000_000  # 15-minute slots: small integers
    keys = meter[present].astype(np.int64) * 10_000_000 + slot
    _, first = np.unique(keys, return_index=True)
    repeated = np.ones(len(keys), dtype=bool)
    repeated[first] = False
    return {int(present[i]) + 1 for i in np.flatnonzero(repeated)}


@pytest.mark.parametrize("rate", [0.0])
def test_clean_data_has_no_row_defects(clean_landing: Path, rate: float) -> None:
    for delivery in deliveries(clean_landing):
        feed = feed_of(delivery)
        records = truth_records(clean_landing, delivery)
        assert [r for r in records if r["row"] is not None] == []
        if feed != "energy/readings":
            for path in sorted(delivery.glob("part-*")):
                _check_text_file(feed, path, day_of(delivery), {})
