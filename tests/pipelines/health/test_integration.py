"""The health sector end to end: two quiet days and two days of the planted influenza outbreak
through bronze, silver and gold, checked against a plain-Python recomputation from the
delivered files minus the ground truth's defect rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

import pytest

from pipelines.core.runner import run_sector
from pipelines.core.steps import RunContext
from pipelines.generate import generate
from pipelines.generate.feeds.health import outbreak
from pipelines.io.lake import Lake
from pipelines.query import read_table
from pipelines.registry import SECTORS
from tests.pipelines.lake_oracles.delivered import clean_rows, defect_counts, raw_rows
from tests.pipelines.lake_oracles.health import weekly
from tests.pipelines.lake_oracles.pii import findings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SEED = 4  # its 2026 outbreak: Nanjing (320100), ISO weeks 46-48
OUTBREAK_CITY, OUTBREAK_WEEK = outbreak(SEED, 2026)
OUTBREAK_START = dt.date.fromisocalendar(2026, OUTBREAK_WEEK, 1)
QUIET_START = OUTBREAK_START - dt.timedelta(days=14)
DAYS_PER_WEEK = 2
SCALE = 1.0  # ~2,000 visits a day: enough for the outbreak to stand out in two days
DATES = [
    (start + dt.timedelta(days=i)).isoformat() for start in (QUIET_START, OUTBREAK_START) for i in range(DAYS_PER_WEEK)
]
TABLES = [
    ("silver", "health_hospitals"),
    ("silver", "health_outpatient_visits"),
    ("gold", "health_syndromic_weekly"),
    ("gold", "open_health_weekly"),
    ("gold", "open_health_weekly_province"),
]


@pytest.fixture(scope="module")
def run(spark, settings, tmp_path_factory):
    """Generate a quiet and an outbreak week's first days (2% defects) and run the sector for each day."""
    root = tmp_path_factory.mktemp("health")
    lake = settings.with_overrides(
        landing_root=str(root / "landing"), lake_root=str(root / "lake"), docs_dir=str(root / "docs")
    )
    for start in (QUIET_START, OUTBREAK_START):
        generate(
            lake.landing_root, start, days=DAYS_PER_WEEK, scale=SCALE, seed=SEED, sectors=["health"], defect_rate=0.02
        )
    results = [
        r for day in DATES for r in run_sector(Lake(spark, lake), SECTORS["health"], RunContext("it-health", day))
    ]
    return Path(lake.landing_root), lake, results


def _visits(landing: Path) -> list[dict]:
    return [row for day in DATES for row in clean_rows(landing, "health", "outpatient_visits", day)]


def _expected(landing: Path) -> dict:
    return weekly(_visits(landing), clean_rows(landing, "health", "hospitals", DATES[-1]))


def test_every_row_is_accounted_for_as_the_ground_truth_says(run) -> None:
    landing, _, results = run
    for feed in ("hospitals", "outpatient_visits"):
        for day in DATES:
            step = next(r for r in results if r.step == "silver" and r.table == f"silver.health_{feed}" and r.dt == day)
            assert (step.quarantined, step.duplicates) == defect_counts(landing, "health", feed, day), (feed, day)


def test_silver_visits_are_de_identified_with_keyed_tokens(run, settings) -> None:
    landing, lake, _ = run
    delivered = {v["visit_id"]: v for v in _visits(landing)}
    stored = {r["visit_id"]: r for r in read_table(lake, "silver", "health_outpatient_visits")}
    assert set(stored) == set(delivered)
    key = settings.pii_secret().encode()
    for visit_id, v in list(delivered.items())[:200]:
        row = stored[visit_id]
        assert row["patient_id_no_token"] == hmac.new(key, v["patient_id_no"].encode(), hashlib.sha256).hexdigest()
        assert (row["birth_year"], row["gender"]) == (int(v["birth_date"][:4]), v["gender"])
        assert "birth_date" not in row and "patient_name" not in row


def test_weekly_surveillance_matches_the_independent_computation(run) -> None:
    landing, lake, _ = run
    expected = _expected(landing)
    rows = read_table(lake, "gold", "health_syndromic_weekly")
    got = {(r["iso_week"], r["city_code"], r["syndrome_group"]): r for r in rows}
    assert set(got) == set(expected)
    for key, want in expected.items():
        row = got[key]
        assert (row["visits"], row["is_alert"]) == (want["visits"], want["is_alert"]), key
        assert row["baseline"] == pytest.approx(want["baseline"], abs=0.011), key


def test_the_planted_outbreak_alerts_and_the_quiet_week_does_not(run) -> None:
    _, lake, _ = run
    alerts = {
        (r["iso_week"], r["city_code"], r["syndrome_group"])
        for r in read_table(lake, "gold", "health_syndromic_weekly")
        if r["is_alert"]
    }
    assert alerts == {(f"2026-W{OUTBREAK_WEEK:02d}", OUTBREAK_CITY, "ILI")}


def test_open_tables_publish_no_partial_week(run) -> None:
    # Both weeks were delivered only up to their Tuesday: publishing them would publish them again
    # every day, and two days' versions differ by that day's small counts. The content of a whole
    # week's open tables is checked end to end in tests/pipelines/test_publish.py.
    _, lake, _ = run
    assert {r["iso_week"] for r in read_table(lake, "gold", "health_syndromic_weekly")} == {
        f"2026-W{OUTBREAK_WEEK - 2:02d}",
        f"2026-W{OUTBREAK_WEEK:02d}",
    }
    assert read_table(lake, "gold", "open_health_weekly") == []
    assert read_table(lake, "gold", "open_health_weekly_province") == []


def test_no_personal_data_in_silver_or_gold(run) -> None:
    landing, lake, _ = run
    delivered = [row for day in DATES for _, _, row in raw_rows(landing, "health", "outpatient_visits", day) if row]
    known = {str(r[c]) for r in delivered for c in ("patient_id_no", "patient_phone") if r.get(c)}
    names = {str(r["patient_name"]) for r in delivered if r.get("patient_name")}
    assert known and names
    assert findings(lake, TABLES, known, names) == []
