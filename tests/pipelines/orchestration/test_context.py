"""The business date of Airflow runs: scheduled runs by their data interval, asset-triggered
(cross-sector) runs by the dates their triggering events carry."""

from __future__ import annotations

from dataclasses import dataclass, field

import pendulum
import pytest

from pipelines.orchestration.context import business_date


@dataclass
class Event:
    extra: dict = field(default_factory=dict)


def test_a_scheduled_run_processes_its_data_interval_start_in_shanghai() -> None:
    start = pendulum.datetime(2026, 11, 9, 18, 0, tz="UTC")  # 02:00 on the 10th in Shanghai
    assert business_date({"data_interval_start": start}) == "2026-11-10"


def test_an_asset_triggered_run_processes_the_newest_date_of_its_events() -> None:
    events = {
        "lake://gold/credit_enterprise_profile": [Event({"dt": "2026-11-09"}), Event({"dt": "2026-11-10"})],
        "lake://silver/tax_returns": [Event({"dt": "2026-11-10"}), Event({})],
    }
    context = {"data_interval_start": None, "logical_date": None, "triggering_asset_events": events}
    assert business_date(context) == "2026-11-10"


def test_an_asset_triggered_run_without_dates_fails_clearly() -> None:
    with pytest.raises(ValueError, match="dt"):
        business_date({"logical_date": None, "triggering_asset_events": {"a": [Event()]}})
