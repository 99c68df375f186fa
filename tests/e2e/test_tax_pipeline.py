"""End to end on the local cluster: a tax delivery lands on S3, Airflow runs the `tax`
DAG (Spark driver in the task, executors on the standalone workers, Delta on S3A), and
an independent reader (delta-rs + pyarrow) finds a consistent gold table."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(45 * 60)]

REPO_ROOT = Path(__file__).resolve().parents[2]
GOLD_COLUMNS = [
    "tax_period",
    "city_code",
    "industry_section",
    "tax_type_code",
    "returns",
    "tax_due_cny",
    "tax_paid_cny",
]
GRAIN = ["tax_period", "city_code", "industry_section", "tax_type_code"]


def jiangsu_city_codes() -> set[str]:
    with open(REPO_ROOT / "pipelines" / "reference" / "jiangsu_divisions.csv", encoding="utf-8") as f:
        return {row["code"] for row in csv.DictReader(f) if row["level"] == "city"}


def test_the_tax_dag_run_triggered_through_the_api_succeeds(tax_run):
    assert tax_run["state"] == "success", f"tasks: {tax_run['tasks']}"
    assert tax_run["tasks"] and all(state == "success" for state in tax_run["tasks"].values()), tax_run["tasks"]


@pytest.fixture(scope="module")
def gold(tax_run, stack, read_delta):
    assert tax_run["state"] == "success", f"the tax run failed: {tax_run['tasks']}"
    return read_delta(f"{stack.env['LAKEHOUSE_LAKE_ROOT']}/gold/tax_revenue_monthly").to_pylist()


def test_gold_tax_revenue_monthly_has_the_interface_columns_and_one_row_per_grain(gold):
    assert gold, "gold.tax_revenue_monthly is empty"
    assert set(GOLD_COLUMNS) <= set(gold[0]), sorted(gold[0])
    keys = [tuple(row[c] for c in GRAIN) for row in gold]
    assert all(None not in key for key in keys)
    assert len(keys) == len(set(keys)), "more than one row per tax_period x city x section x tax type"


def test_gold_values_are_plausible(gold):
    cities = jiangsu_city_codes()
    bad_city = {row["city_code"] for row in gold} - cities
    assert not bad_city, f"city codes outside Jiangsu's prefecture cities: {sorted(bad_city)[:5]}"
    assert all(row["returns"] > 0 for row in gold)
    assert all(row["tax_due_cny"] >= 0 and row["tax_paid_cny"] >= 0 for row in gold)
    periods = {str(row["tax_period"]) for row in gold}
    assert all(re.fullmatch(r"20\d\d-?(0[1-9]|1[0-2])", p) for p in periods), sorted(periods)  # YYYYMM


def test_gold_counts_no_more_returns_than_were_delivered(gold, stack, tax_run):
    """Reconciles with the generator's ground truth, read straight from the bucket."""
    landing = stack.env["LAKEHOUSE_LANDING_ROOT"].removeprefix("s3://")
    bucket, _, prefix = landing.partition("/")
    key = f"{prefix}/_ground_truth/tax/returns/dt={tax_run['business_date']}.summary.json".lstrip("/")
    truth = json.loads(stack.s3_client().get_object(Bucket=bucket, Key=key)["Body"].read())
    delivered = truth["rows"]
    counted = sum(row["returns"] for row in gold)
    assert 0.5 * delivered <= counted <= delivered, f"gold counts {counted} returns of {delivered} delivered rows"
