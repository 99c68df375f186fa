"""Transport gold builds on tiny frames: hourly gantry traffic and hub flow with peak hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from chispa import assert_df_equality

from pipelines.transport.gold import gantry_hourly, hub_flow_hourly

DAY = date(2026, 11, 1)
MIDNIGHT = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 2026-11-01 00:00 local
PASSAGES_SCHEMA = "date date, hour timestamp, gantry_id string, vehicle_class int, fee_cny decimal(18,2)"
GANTRIES_SCHEMA = "gantry_id string, road_code string, direction string"
HUB_SCHEMA = (
    "hub_id string, hub_name string, hub_type string, city_code string, window_start timestamp, "
    "entries int, exits int, date date"
)


def _at(hours: int, minutes: int = 0) -> datetime:
    return MIDNIGHT + timedelta(hours=hours, minutes=minutes)


def test_gantry_hourly_counts_vehicles_trucks_and_fees(spark) -> None:
    h8 = _at(8)
    passages = spark.createDataFrame(
        [
            (DAY, h8, "G1", 1, Decimal("3.48")),
            (DAY, h8, "G1", 11, Decimal("10.00")),
            (DAY, h8, "G1", 16, Decimal("12.50")),
            (DAY, h8, "G1", 21, Decimal("1.00")),
            (DAY, _at(9), "G1", 2, Decimal("0.02")),
            (DAY, h8, "GX", 1, Decimal("1.00")),  # not in the register
        ],
        PASSAGES_SCHEMA,
    )
    gantries = spark.createDataFrame([("G1", "G2", "up"), ("G2", "G2", "down")], GANTRIES_SCHEMA)
    expected = spark.createDataFrame(
        [
            (DAY, h8, 8, "G1", "G2", "up", 4, 2, Decimal("26.98")),
            (DAY, _at(9), 9, "G1", "G2", "up", 1, 0, Decimal("0.02")),
            (DAY, h8, 8, "GX", None, None, 1, 0, Decimal("1.00")),
        ],
        "date date, hour timestamp, hour_of_day int, gantry_id string, road_code string, direction string, "
        "vehicles long, trucks long, fee_cny decimal(20,2)",
    )
    got = gantry_hourly({"transport_etc_passages": passages, "transport_gantries": gantries}, DAY)
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def _hub_day(spark, flows: dict[int, int], hub: str = "H1"):
    """One window per hour (at :00 and :05, half the flow each way) with the given total flows."""
    rows = []
    for hour, flow in flows.items():
        for minute in (0, 5):
            rows.append((hub, "南京南站", "rail", "320100", _at(hour, minute), flow // 4, flow // 4, DAY))
    return spark.createDataFrame(rows, HUB_SCHEMA)


def _peaks(frame) -> list[int]:
    return sorted(r.hour_of_day for r in frame.where("is_peak").collect())


def test_hub_flow_hourly_sums_windows_of_an_hour(spark) -> None:
    row = hub_flow_hourly({"transport_hub_flow": _hub_day(spark, {7: 400})}, DAY).first()
    assert (row.hour_of_day, row.entries, row.exits, row.windows, row.city_code) == (7, 200, 200, 2, "320100")


def test_the_three_busiest_hours_above_the_mean_are_peaks(spark) -> None:
    flows = {h: 40 for h in range(24)} | {8: 400, 12: 200, 17: 360, 18: 320}
    assert _peaks(hub_flow_hourly({"transport_hub_flow": _hub_day(spark, flows)}, DAY)) == [8, 17, 18]


def test_a_tie_for_the_last_peak_goes_to_the_earlier_hour(spark) -> None:
    flows = {h: 40 for h in range(24)} | {8: 400, 12: 200, 17: 200, 18: 320}
    assert _peaks(hub_flow_hourly({"transport_hub_flow": _hub_day(spark, flows)}, DAY)) == [8, 12, 18]


def test_a_flat_day_has_no_peak(spark) -> None:
    flows = {h: 80 for h in range(24)}
    assert _peaks(hub_flow_hourly({"transport_hub_flow": _hub_day(spark, flows)}, DAY)) == []


def test_peaks_are_judged_per_hub(spark) -> None:
    busy = _hub_day(spark, {h: 400 if h in (7, 8, 9) else 40 for h in range(24)}, "H1")
    quiet = _hub_day(spark, {h: 8 if h in (20, 21, 22) else 4 for h in range(24)}, "H2")
    out = hub_flow_hourly({"transport_hub_flow": busy.unionByName(quiet)}, DAY)
    assert _peaks(out.where("hub_id = 'H1'")) == [7, 8, 9]
    assert _peaks(out.where("hub_id = 'H2'")) == [20, 21, 22]
