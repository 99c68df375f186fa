"""Shared set-up of the reliability tests: generated deliveries and the clean runs every damaged lake is compared with."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from pipelines.generate.api import generate
from pipelines.settings import Settings
from reliability.airflow_run import Airflow
from reliability.runs import TAX_DAYS, Reference, lakehouse, settings_in, subprocess_env


@pytest.fixture(scope="session")
def tax_landing(tmp_path_factory, settings) -> Path:
    """Three days of tax deliveries with defects (quarantine and amended returns: every write path)."""
    landing = tmp_path_factory.mktemp("tax_landing")
    generate(
        str(landing),
        date.fromisoformat(TAX_DAYS[0]),
        days=len(TAX_DAYS),
        scale=0.3,
        seed=7,
        sectors=["tax"],
        defect_rate=0.05,
    )
    return landing


@pytest.fixture(scope="session")
def tax_reference(tmp_path_factory, settings, tax_landing) -> Reference:
    """The tax sector run clean over the days one after the other, in one process (`lakehouse run --days 3`), traced."""
    root = tmp_path_factory.mktemp("tax_clean")
    clean = settings_in(settings, root).with_overrides(landing_root=str(tax_landing))
    args = ["run", "--date", TAX_DAYS[0], "--days", str(len(TAX_DAYS)), "--sectors", "tax", "--run-id", "clean"]
    run = lakehouse(args, subprocess_env(clean), root / "clean.log")
    assert run.returncode == 0, run.output[-3000:]
    return Reference(clean, run)


DAY = "2026-11-02"
ALL_SCALE = 0.05  # every sector, one day, small: ~25 gated steps


@pytest.fixture(scope="session")
def day_landing(tmp_path_factory) -> Path:
    """One day of every sector's deliveries (with the default defects), personal data included."""
    landing = tmp_path_factory.mktemp("day_landing")
    generate(str(landing), date.fromisoformat(DAY), days=1, scale=ALL_SCALE, seed=42)
    return landing


@pytest.fixture(scope="session")
def day_lake(tmp_path_factory, settings, day_landing) -> Reference:
    """Every sector run for the day by the real `lakehouse run` (no hooks), into a lake of its own."""
    root = tmp_path_factory.mktemp("day_lake")
    lake = settings_in(settings, root).with_overrides(landing_root=str(day_landing))
    run = lakehouse(
        ["run", "--date", DAY, "--run-id", "all-sectors"], subprocess_env(lake), root / "run.log", real=True
    )
    assert run.returncode == 0, run.output[-3000:]
    return Reference(lake, run)


@dataclass
class AirflowRun:
    """The health DAG run by Airflow, its silver task killed in the middle of its write on the first try."""

    airflow: Airflow
    settings: Settings
    code: int
    output: str
    kill: dict


@pytest.fixture(scope="session")
def airflow_health(tmp_path_factory, settings, day_landing) -> AirflowRun:
    """`airflow dags test --use-executor health <day>` on SQLite; try 1 of the visits' silver task is killed mid-write.

    Every task runs, each in a process of its own (a JVM per step task). (`--mark-success-pattern`
    cannot skip the gold tasks: `dags test` ignores it when it runs tasks through an executor.)
    """
    root = tmp_path_factory.mktemp("airflow_health")
    lake = settings_in(settings, root).with_overrides(landing_root=str(day_landing))
    airflow = Airflow(root, subprocess_env(lake), ["health"])
    marker = root / "killed.json"
    faults = {"LAKEHOUSE_TEST_KILL": "mid:silver.health_outpatient_visits:1", "LAKEHOUSE_TEST_KILL_ONCE": str(marker)}
    with airflow.api_server():
        code, output = airflow.dags_test("health", DAY, faults)
    kill = json.loads(marker.read_text("utf-8")) if marker.exists() else {}
    return AirflowRun(airflow, lake, code, output, kill)
