"""energy/readings over days: late days and re-sent estimates arrive in later deliveries, as the
ground truth's behaviour summary says (expected behaviour, not defects)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from tests.pipelines.generate.conftest import START, truth_summary


def test_late_and_resent_readings(clean_landing: Path) -> None:
    day = START + dt.timedelta(days=1)
    start_utc = dt.datetime.combine(day, dt.time()) - dt.timedelta(hours=8)
    earlier = 0
    for path in clean_landing.glob(f"energy/readings/dt={day}/*.parquet"):
        ts = pc.cast(pq.read_table(path, columns=["reading_ts"])["reading_ts"], "timestamp[us]")
        earlier += pc.sum(pc.cast(pc.less_equal(ts, start_utc), "int64")).as_py()
    behaviour = truth_summary(clean_landing, "energy/readings", day)["behaviour"]
    assert earlier == behaviour["late_rows"] + behaviour["resent_rows"] > 0
