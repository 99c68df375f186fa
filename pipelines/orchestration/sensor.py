"""The delivery sensor: waits for a delivery's manifest and, on timeout, fails naming the folder.

Airflow's own timeout message says only how long the sensor waited; an operator on call
needs to know which delivery never completed and what was in its folder.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.common.compat.sdk import AirflowSensorTimeout
from airflow.providers.standard.sensors.python import PythonSensor

from pipelines.orchestration import tasks


class DeliverySensor(PythonSensor):
    """Pokes `tasks.delivery_ready` for one feed; a timeout names the delivery folder.

    Args:
        sector, feed: the feed whose delivery of the run's business date it waits for.
        **kwargs: the sensor's arguments (timeout, poke_interval, mode, ...).
    """

    def __init__(self, *, sector: str, feed: str, **kwargs: Any) -> None:
        super().__init__(python_callable=tasks.delivery_ready, op_kwargs={"sector": sector, "feed": feed}, **kwargs)
        self.sector, self.feed = sector, feed

    def execute(self, context: Any) -> Any:
        try:
            return super().execute(context)
        except AirflowSensorTimeout as timeout:
            raise AirflowSensorTimeout(
                tasks.timeout_message(self.sector, self.feed, self.timeout, context)
            ) from timeout
