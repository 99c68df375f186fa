"""Energy gold builds on tiny frames: daily consumption by segment and the city load curve."""

from __future__ import annotations

from datetime import date

from chispa import assert_df_equality

from pipelines.energy.gold import consumption_daily, load_curve, meter_days

DAY = date(2026, 11, 1)
READINGS_SCHEMA = "meter_id string, date date, slot int, kwh double, quality int"
METERS_SCHEMA = "meter_id string, city_code string, customer_type string, industry_section string"
METERS = [
    ("E1", "320100", "industrial", "C"),
    ("E2", "320100", "industrial", "C"),
    ("E3", "320100", "residential", None),
    ("E4", "320500", "commercial", "G"),
]
READINGS = [
    ("E1", DAY, 0, 1.0, 0),
    ("E1", DAY, 1, 2.0, 0),
    ("E2", DAY, 0, 0.5, 1),
    ("E2", DAY, 1, 0.0, 2),
    ("E3", DAY, 0, 0.25, 0),
    ("E4", DAY, 0, 0.0, 2),
    ("E4", DAY, 1, 0.0, 2),  # a meter that sent nothing measured
    ("E9", DAY, 1, 3.0, 0),  # not in the register
]


def _sources(spark):
    return {
        "energy_readings": spark.createDataFrame(READINGS, READINGS_SCHEMA),
        "energy_meters": spark.createDataFrame(METERS, METERS_SCHEMA),
    }


def test_meter_days_sums_a_meter_day_and_flags_reporting(spark) -> None:
    got = {
        r.meter_id: (r.kwh, r.readings, r.readings_missing, r.reporting)
        for r in meter_days(spark.createDataFrame(READINGS, READINGS_SCHEMA)).collect()
    }
    assert got["E2"] == (0.5, 2, 1, True)
    assert got["E4"] == (0.0, 2, 2, False)


def test_consumption_daily_sums_per_segment_and_keeps_unregistered_meters(spark) -> None:
    expected = spark.createDataFrame(
        [
            (DAY, "320100", "industrial", "C", 3.5, 2, 4, 1),
            (DAY, "320100", "residential", None, 0.25, 1, 1, 0),
            (DAY, "320500", "commercial", "G", 0.0, 0, 2, 2),
            (DAY, None, "unregistered", None, 3.0, 1, 1, 0),
        ],
        "date date, city_code string, customer_type string, industry_section string, kwh double, "
        "meters_reporting long, readings long, readings_missing long",
    )
    assert_df_equality(consumption_daily(_sources(spark), DAY), expected, ignore_row_order=True, ignore_nullable=True)


def test_load_curve_is_four_times_the_slot_energy_summed_per_city(spark) -> None:
    meters = [*METERS, ("E5", "320100", "commercial", "G")]
    readings = [*READINGS, ("E5", DAY, 0, 0.75, 0)]
    sources = {
        "energy_readings": spark.createDataFrame(readings, READINGS_SCHEMA),
        "energy_meters": spark.createDataFrame(meters, METERS_SCHEMA),
    }
    expected = spark.createDataFrame(
        [
            (DAY, "320100", 0, 10.0, 4),  # (1.0 + 0.5 + 0.25 + 0.75) x 4, no meter above half of it
            (DAY, "320100", 1, None, 2),  # two meters: the other could read its neighbour's load off the curve
            (DAY, "320500", 0, None, 1),
            (DAY, "320500", 1, None, 1),
            (DAY, None, 1, None, 1),  # a meter missing from the register: a segment of one
        ],
        "date date, city_code string, slot int, kw double, meters long",
    )
    assert_df_equality(load_curve(sources, DAY), expected, ignore_row_order=True, ignore_nullable=True)


def test_a_load_dominated_by_one_meter_is_not_published(spark) -> None:
    meters = [(f"E{i}", "320100", "industrial", "C") for i in range(4)]
    readings = [("E0", DAY, 0, 7.0, 0), ("E1", DAY, 0, 1.0, 0), ("E2", DAY, 0, 1.0, 0), ("E3", DAY, 0, 1.0, 0)]
    sources = {
        "energy_readings": spark.createDataFrame(readings, READINGS_SCHEMA),
        "energy_meters": spark.createDataFrame(meters, METERS_SCHEMA),
    }
    row = load_curve(sources, DAY).first()
    assert (row.meters, row.kw) == (4, None)  # E0 is 70% of the slot
