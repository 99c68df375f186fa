"""Health silver transforms: visits lose the birth date and keep non-identifying derivatives;
after the step's tokenization no personal value is left in clear."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pipelines.core.contract import load_contract
from pipelines.health.silver import VISIT_COLUMNS, clean_hospitals, clean_visits
from pipelines.transforms.pii import tokenize

LINEAGE = (
    "_batch_id string, _dt date, _source_file string, _row_no long, _ingested_at timestamp, _extra map<string,string>"
)
VISITS_IN = (
    "visit_id string, hospital_code string, patient_id_no string, patient_name string, patient_phone string, "
    "gender string, birth_date date, visit_time timestamp, department string, icd10 string, "
    "fee_total_cny decimal(18,2), insurance_paid_cny decimal(18,2), patient_division_code string, " + LINEAGE
)
# 2026-11-15 17:00 UTC is Monday 2026-11-16 01:00 in Asia/Shanghai: the next ISO week.
VISIT = (
    "V1",
    "320102012345",
    "320102198504025797",
    "黄子平",
    "15997547148",
    "M",
    date(1985, 4, 2),
    datetime(2026, 11, 15, 17, 0),
    "发热门诊",
    "J10.1",
    Decimal("100.00"),
    Decimal("50.00"),
    "320583",
    "b",
    date(2026, 11, 16),
    "f",
    1,
    None,
    {"triage_level": "3"},
)


def test_clean_visits_derives_calendar_patient_and_syndrome(spark) -> None:
    row = spark.createDataFrame([VISIT], VISITS_IN).transform(clean_visits).first()
    assert (row.visit_date, row.iso_week) == (date(2026, 11, 16), "2026-W47")
    assert (row.birth_year, row.age_band, row.gender) == (1985, "25-49", "M")
    assert (row.syndrome_group, row.patient_city_code) == ("ILI", "320500")


def test_no_personal_value_survives_the_silver_step(spark) -> None:
    pii = [c.name for c in load_contract("health", "outpatient_visits").columns if c.pii]
    out = spark.createDataFrame([VISIT], VISITS_IN).transform(clean_visits).transform(tokenize(pii, "k"))
    assert not {"patient_id_no", "patient_name", "patient_phone", "birth_date"} & set(out.columns)
    assert {f"{c}_token" for c in pii} <= set(out.columns)
    values = {str(v) for v in out.first().asDict().values()}
    assert not {"320102198504025797", "黄子平", "15997547148", "1985-04-02"} & values
    assert len(out.columns) == len(VISIT_COLUMNS)


def test_clean_hospitals_derives_the_city(spark) -> None:
    schema = "hospital_code string, name string, level string, division_code string, " + LINEAGE
    row = ("320102012345", "南京市第一人民医院", "tertiary_a", "320102", "b", date(2026, 11, 1), "f", 1, None, {})
    assert spark.createDataFrame([row], schema).transform(clean_hospitals).first().city_code == "320100"
