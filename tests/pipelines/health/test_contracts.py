"""The health feed contracts on tiny bronze frames: row rules tie gender and birth date to the
identity number and insurance to the fee; the ICD-10 code has a shape."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines import ids
from pipelines.core.contract import load_contract
from pipelines.core.rules import REASONS, validate

AS_OF = date(2026, 11, 10)
ID_NO = "32010219850402579" + ids.id_check_char("32010219850402579")  # born 1985-04-02, sequence odd: male
VISIT = {
    "visit_id": "MZ2026110900012345",
    "hospital_code": "320102012345",
    "patient_id_no": ID_NO,
    "patient_name": "黄子平",
    "patient_phone": "15997547148",
    "gender": "M",
    "birth_date": "1985-04-02",
    "visit_time": "2026-11-09T16:17:39+08:00",
    "department": "内分泌科",
    "icd10": "E11.9",
    "fee_total_cny": "206.51",
    "insurance_paid_cny": "130.58",
    "patient_division_code": "320102",
}


def _reasons(spark, **changes: object) -> list[str]:
    contract = load_contract("health", "outpatient_visits")
    names = [c.name for c in contract.columns]
    row = VISIT | changes
    schema = ", ".join(f"`{n}` string" for n in names) + ", _parse_error string, _source_file string, _row_no long"
    frame = spark.createDataFrame([tuple(row.get(n) for n in names) + (None, "f", 1)], schema)
    return frame.transform(validate(contract, AS_OF)).first()[REASONS]


def test_a_consistent_visit_passes(spark) -> None:
    assert _reasons(spark) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"gender": "F"}, "inconsistent_row:gender_matches_id_no"),
        ({"birth_date": "1985-04-03"}, "inconsistent_row:birth_date_matches_id_no"),
        ({"insurance_paid_cny": "206.52"}, "inconsistent_row:insurance_within_fee"),
        ({"insurance_paid_cny": "-1.00"}, "out_of_range:insurance_paid_cny"),
        ({"icd10": "E1"}, "invalid_format:icd10"),
        ({"icd10": "11.9"}, "invalid_format:icd10"),
        ({"patient_id_no": ID_NO[:17] + ("0" if ID_NO[17] != "0" else "1")}, "invalid_id_no:patient_id_no"),
        ({"patient_division_code": "340104"}, "invalid_division:patient_division_code"),
        ({"visit_time": "2028-01-01T08:00:00+08:00"}, "future_date:visit_time"),
        ({"visit_id": ""}, "missing_required:visit_id"),
        ({"fee_total_cny": "abc"}, "unparseable_row:fee_total_cny"),
    ],
)
def test_defects_are_quarantined_with_their_reason(spark, change: dict, reason: str) -> None:
    assert reason in _reasons(spark, **change)


def test_a_visit_without_identity_number_is_not_judged_on_it(spark) -> None:
    assert _reasons(spark, patient_id_no=None) == []
