"""The credit sector end to end: two generated days through bronze, silver and gold, checked
against an independent reading of the delivered files minus the ground truth's defect rows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipelines.core.runner import run_sector
from pipelines.core.steps import RunContext
from pipelines.generate import generate
from pipelines.io.lake import Lake
from pipelines.query import read_table
from pipelines.registry import SECTORS
from tests.pipelines.lake_oracles.credit import instant, latest_sanctions, profile
from tests.pipelines.lake_oracles.delivered import clean_rows, defect_counts, raw_rows
from tests.pipelines.lake_oracles.pii import findings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

START = dt.date(2026, 11, 9)  # day 1: full register load (gzip); day 2: the day's changes
DATES = [START.isoformat(), (START + dt.timedelta(days=1)).isoformat()]
AS_OF = dt.date.fromisoformat(DATES[-1])
TABLES = [
    ("silver", "credit_legal_entity"),
    ("silver", "credit_sanctions"),
    ("gold", "credit_enterprise_profile"),
    ("gold", "credit_joint_punishment"),
]


@pytest.fixture(scope="module")
def run(spark, settings, tmp_path_factory):
    """Generate two days of credit deliveries (5% defects) and run the sector for each."""
    root = tmp_path_factory.mktemp("credit")
    lake = settings.with_overrides(
        landing_root=str(root / "landing"), lake_root=str(root / "lake"), docs_dir=str(root / "docs")
    )
    generate(lake.landing_root, START, days=len(DATES), scale=0.02, seed=7, sectors=["credit"], defect_rate=0.05)
    results = [
        r for day in DATES for r in run_sector(Lake(spark, lake), SECTORS["credit"], RunContext("it-credit", day))
    ]
    return Path(lake.landing_root), lake, results


def _clean(landing: Path, feed: str) -> list[dict]:
    return [row for day in DATES for row in clean_rows(landing, "credit", feed, day)]


def test_every_row_is_accounted_for_as_the_ground_truth_says(run) -> None:
    landing, _, results = run
    for feed in ("legal_entity", "sanctions"):
        for day in DATES:
            step = next(r for r in results if r.step == "silver" and r.table == f"silver.credit_{feed}" and r.dt == day)
            quarantined, duplicates = defect_counts(landing, "credit", feed, day)
            assert (step.quarantined, step.duplicates) == (quarantined, duplicates), (feed, day)
            assert step.rows_in == len(raw_rows(landing, "credit", feed, day))


def test_register_history_has_one_version_per_change_and_the_latest_is_current(run) -> None:
    landing, lake, _ = run
    expected: dict[str, set] = {}
    for row in _clean(landing, "legal_entity"):
        expected.setdefault(row["uscc"], set()).add(instant(row["updated_at"]))
    stored = read_table(lake, "silver", "credit_legal_entity")
    got: dict[str, set] = {}
    for row in stored:
        got.setdefault(row["uscc"], set()).add(row["valid_from"])
    assert got == expected
    current = {r["uscc"]: r["valid_from"] for r in stored if r["is_current"]}
    assert current == {uscc: max(times) for uscc, times in expected.items()}
    assert all((r["valid_to"] is None) == r["is_current"] for r in stored)


def test_sanctions_keep_the_latest_status_of_each_record(run) -> None:
    landing, lake, _ = run
    expected = {k: v["status"] for k, v in latest_sanctions(_clean(landing, "sanctions")).items()}
    assert {r["record_id"]: r["status"] for r in read_table(lake, "silver", "credit_sanctions")} == expected


def test_profile_matches_an_independent_grading(run) -> None:
    landing, lake, _ = run
    expected = profile(_clean(landing, "legal_entity"), _clean(landing, "sanctions"), AS_OF)
    rows = [r for r in read_table(lake, "gold", "credit_enterprise_profile") if r["as_of_date"] == AS_OF]
    got = {r["uscc"]: {k: r[k] for k in ("status", "active_sanctions", "is_dishonest", "credit_grade")} for r in rows}
    assert got == expected
    assert {r["credit_grade"] for r in rows} == {"A", "B", "C", "D"}


def test_joint_punishment_lists_the_dishonest_and_the_planted_ones(run) -> None:
    landing, lake, _ = run
    listed = {r["uscc"]: r for r in read_table(lake, "gold", "credit_joint_punishment") if r["as_of_date"] == AS_OF}
    dishonest = {
        r["uscc"]
        for r in read_table(lake, "gold", "credit_enterprise_profile")
        if r["as_of_date"] == AS_OF and r["is_dishonest"]
    }
    assert set(listed) == dishonest
    world = json.loads((landing / "_ground_truth" / "world.json").read_text("utf-8"))
    planted = {p["uscc"] for p in world["planted"] if p["risk"] == "dishonest_but_active"}
    assert planted and planted <= set(listed)
    assert all("dishonest_judgment_debtor" in listed[u]["categories"] for u in planted)


def test_no_personal_data_in_silver_or_gold(run) -> None:
    landing, lake, _ = run
    delivered = [row for day in DATES for _, _, row in raw_rows(landing, "credit", "legal_entity", day) if row]
    known = {str(r.get("legal_rep_id_no")) for r in delivered if r.get("legal_rep_id_no")}
    names = {str(r.get("legal_rep_name")) for r in delivered if r.get("legal_rep_name")}
    assert known and names
    assert findings(lake, TABLES, known, names) == []
