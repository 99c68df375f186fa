"""Silver transforms of the health sector: the hospital register and de-identified visits.

Visits keep only non-identifying derivatives of the patient (birth year, gender, age
band, home city): the birth date is dropped here, and the identity number, name and
phone are replaced by tokens by the silver step right after this transform.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from pipelines.core.contract import LINEAGE
from pipelines.health.syndromes import age_band, iso_week, syndrome_group
from pipelines.transforms.common import local_date, with_city_code

HOSPITAL_COLUMNS = ("hospital_code", "name", "level", "division_code", "city_code", *LINEAGE)
VISIT_COLUMNS = (
    "visit_id",
    "hospital_code",
    "patient_id_no",
    "patient_name",
    "patient_phone",
    "gender",
    "birth_year",
    "age_band",
    "visit_time",
    "visit_date",
    "iso_week",
    "department",
    "icd10",
    "syndrome_group",
    "fee_total_cny",
    "insurance_paid_cny",
    "patient_division_code",
    "patient_city_code",
    *LINEAGE,
)


def clean_hospitals(valid: DataFrame) -> DataFrame:
    """Valid register rows -> `silver.health_hospitals` rows (city derived).

    Args:
        valid: rows that passed the contract's rules (typed columns + lineage).

    Returns:
        HOSPITAL_COLUMNS.
    """
    return valid.transform(with_city_code()).select(*HOSPITAL_COLUMNS)


def with_patient_derivatives(frame: DataFrame) -> DataFrame:
    """Add birth year and age band at the visit, computed from the birth date before it is dropped."""
    return frame.withColumn("birth_year", F.year("birth_date")).withColumn(
        "age_band", age_band(F.col("birth_date"), F.col("visit_date"))
    )


def with_visit_calendar(frame: DataFrame) -> DataFrame:
    """Add the local visit date and its ISO week (the silver partition and the weekly gold grain)."""
    return frame.withColumn("visit_date", local_date(F.col("visit_time"))).withColumn(
        "iso_week", iso_week(F.col("visit_date"))
    )


def clean_visits(valid: DataFrame) -> DataFrame:
    """Valid visits -> `silver.health_outpatient_visits` rows.

    Args:
        valid: rows that passed the contract's rules (typed columns + lineage), PII in clear.

    Returns:
        VISIT_COLUMNS: the birth date replaced by birth year and age band, the syndrome
        group and the patient's home city derived; identity number, name and phone are
        still present and are tokenized by the step.
    """
    return (
        valid.transform(with_visit_calendar)
        .transform(with_patient_derivatives)
        .withColumn("syndrome_group", syndrome_group(F.col("icd10")))
        .transform(with_city_code("patient_division_code", "patient_city_code"))
        .select(*VISIT_COLUMNS)
    )
