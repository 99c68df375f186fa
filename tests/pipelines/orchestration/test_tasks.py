"""The task callables: what a step stamps on its Airflow asset event."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.orchestration.tasks import _stamp_outlet


@dataclass
class Event:
    extra: dict = field(default_factory=dict)


def test_silver_and_gold_steps_stamp_their_asset_event_with_the_date() -> None:
    from airflow.sdk import Asset
    from airflow.sdk.execution_time.context import OutletEventAccessors

    outlets = OutletEventAccessors()
    _stamp_outlet({"outlet_events": outlets}, "gold", "credit_enterprise_profile", "2026-11-10")
    _stamp_outlet({"outlet_events": outlets}, "bronze", "credit_sanctions", "2026-11-10")
    assert outlets[Asset("lake://gold/credit_enterprise_profile")].extra == {"dt": "2026-11-10"}
    assert len(outlets) == 1
