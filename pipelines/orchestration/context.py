"""What an Airflow task's context says about the run: the business date it processes.

Kept apart from the task callables so that the alerts (which the callables use) can read it too.
"""

from __future__ import annotations

from typing import Any

from pipelines.timezone import LOCAL_TZ


def business_date(context: dict[str, Any]) -> str:
    """The delivery date a run processes.

    A scheduled run processes the start of its data interval (Asia/Shanghai date). An
    asset-triggered run (a cross-sector DAG) has neither data interval nor logical date:
    it processes the newest `dt` its triggering asset events carry (`run_step` stamps
    every silver/gold event with the date it processed).

    Raises:
        ValueError: an asset-triggered run whose events carry no `dt`.
    """
    start = context.get("data_interval_start") or context.get("logical_date")
    if start is None:
        events = context.get("triggering_asset_events") or {}
        dates = [e.extra["dt"] for key in events for e in events[key] if (e.extra or {}).get("dt")]
        if not dates:
            raise ValueError("asset-triggered run: no triggering asset event carries a `dt`")
        return max(dates)
    return start.in_timezone(LOCAL_TZ).date().isoformat() if hasattr(start, "in_timezone") else str(start)[:10]
