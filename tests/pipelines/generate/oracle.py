"""An independent reading of the feed contracts (FEEDS.md) for the generator's tests.

It parses a delivered file the way a consumer would and names, for every data row,
which contract rules it breaks. The tests compare that with the ground truth: every
row the generator recorded must break exactly its recorded rule, and no other row
may break any.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from dataclasses import dataclass, field

from pipelines.ids import id_birth_date, id_gender, is_jiangsu_division, is_valid_id_no, is_valid_uscc


@dataclass(frozen=True)
class Rules:
    """Row rules of one feed."""

    required: tuple[str, ...]
    uscc: tuple[str, ...] = ()
    id_no: tuple[str, ...] = ()
    division: tuple[str, ...] = ()
    non_negative: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()  # must not be after the delivery's business date
    extra: tuple[str, ...] = field(default=())  # names of feed-specific checks


RULES: dict[str, Rules] = {
    "credit/legal_entity": Rules(
        required=(
            "op",
            "uscc",
            "name",
            "legal_rep_name",
            "legal_rep_id_no",
            "reg_capital_wan",
            "established_on",
            "industry_code",
            "division_code",
            "status",
            "updated_at",
        ),
        uscc=("uscc",),
        id_no=("legal_rep_id_no",),
        division=("division_code",),
        non_negative=("reg_capital_wan",),
        numeric=("reg_capital_wan",),
        dates=("established_on", "updated_at"),
    ),
    "credit/sanctions": Rules(
        required=("record_id", "uscc", "category", "issuing_dept", "decided_on", "valid_until", "status", "updated_at"),
        uscc=("uscc",),
        non_negative=("amount_cny",),
        numeric=("amount_cny",),
        dates=("decided_on", "updated_at"),
    ),
    "tax/returns": Rules(
        required=(
            "申报序号",
            "纳税人识别号",
            "所属期",
            "税种代码",
            "计税依据",
            "应纳税额",
            "已缴税额",
            "申报日期",
            "行政区划代码",
            "行业代码",
            "版本号",
        ),
        uscc=("纳税人识别号",),
        division=("行政区划代码",),
        non_negative=("应纳税额", "已缴税额"),
        numeric=("计税依据", "应纳税额", "已缴税额", "版本号"),
        dates=("申报日期",),
        extra=("paid_within_10x",),
    ),
    "energy/meters": Rules(
        required=("meter_id", "account_id", "customer_type", "division_code", "rated_kw", "installed_on", "status"),
        uscc=("uscc",),
        division=("division_code",),
        non_negative=("rated_kw",),
        numeric=("rated_kw",),
        dates=("installed_on",),
        extra=("enterprise_meter_has_uscc",),
    ),
    "transport/gantries": Rules(
        required=("gantry_id", "road_code", "km_marker", "direction", "division_code", "lat", "lon"),
        division=("division_code",),
        non_negative=("km_marker",),
        numeric=("km_marker", "lat", "lon"),
    ),
    "transport/etc_passages": Rules(
        required=("passage_id", "gantry_id", "plate_no", "plate_color", "vehicle_class", "pass_time", "fee_cny"),
        non_negative=("fee_cny",),
        numeric=("fee_cny", "vehicle_class"),
        dates=("pass_time",),
    ),
    "transport/hub_flow": Rules(
        required=(
            "hub_id",
            "hub_name",
            "hub_type",
            "division_code",
            "window_start",
            "window_minutes",
            "entries",
            "exits",
        ),
        division=("division_code",),
        non_negative=("entries", "exits"),
        numeric=("entries", "exits"),
        dates=("window_start",),
    ),
    "health/hospitals": Rules(
        required=("hospital_code", "name", "level", "division_code"), division=("division_code",)
    ),
    "health/outpatient_visits": Rules(
        required=(
            "visit_id",
            "hospital_code",
            "patient_id_no",
            "patient_name",
            "patient_phone",
            "gender",
            "birth_date",
            "visit_time",
            "department",
            "icd10",
            "fee_total_cny",
            "insurance_paid_cny",
            "patient_division_code",
        ),
        id_no=("patient_id_no",),
        division=("patient_division_code",),
        non_negative=("insurance_paid_cny", "fee_total_cny"),
        numeric=("fee_total_cny", "insurance_paid_cny"),
        dates=("visit_time",),
        extra=("patient_agrees",),
    ),
}
TEXT_LAYOUT = {  # feed -> (kind, delimiter, encoding)
    "credit/legal_entity": ("jsonl", None, "utf-8"),
    "credit/sanctions": ("csv", ",", "utf-8"),
    "tax/returns": ("csv", ",", "gbk"),
    "energy/meters": ("csv", ",", "utf-8"),
    "transport/gantries": ("csv", ",", "utf-8"),
    "transport/etc_passages": ("csv", "|", "utf-8"),
    "transport/hub_flow": ("jsonl", None, "utf-8"),
    "health/hospitals": ("csv", ",", "utf-8"),
    "health/outpatient_visits": ("jsonl", None, "utf-8"),
}


def _empty(value: object) -> bool:
    return value is None or value == ""


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def text_rows(feed: str, data: bytes, name: str) -> tuple[list[str], list[str]]:
    """(header, raw lines) of a text file; the header is [] for JSON Lines."""
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    kind, _, encoding = TEXT_LAYOUT[feed]
    lines = data.decode(encoding).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if kind == "jsonl":
        return [], lines
    return lines[0].split(TEXT_LAYOUT[feed][1]), lines[1:]


def parse(feed: str, header: list[str], line: str) -> dict | None:
    """One row as a dict, or None when the line cannot be parsed."""
    kind, delimiter, _ = TEXT_LAYOUT[feed]
    if kind == "jsonl":
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None
    fields = next(csv.reader(io.StringIO(line), delimiter=delimiter))
    if len(fields) != len(header):
        return None
    return dict(zip(header, fields, strict=True))


def broken_rules(feed: str, row: dict | None, day: dt.date) -> set[str]:
    """Defect kinds a parsed row exhibits (`unparseable_row` when it could not be parsed)."""
    rules = RULES[feed]
    if row is None or any(not _empty(row.get(c)) and _number(row.get(c)) is None for c in rules.numeric):
        return {"unparseable_row"}
    found: set[str] = set()
    if any(_empty(row.get(c)) for c in rules.required):
        found.add("missing_required")
    if any(not _empty(row.get(c)) and not is_valid_uscc(row[c]) for c in rules.uscc):
        found.add("invalid_uscc")
    if any(not _empty(row.get(c)) and not is_valid_id_no(row[c]) for c in rules.id_no):
        found.add("invalid_id_no")
    if any(not _empty(row.get(c)) and not is_jiangsu_division(row[c]) for c in rules.division):
        found.add("invalid_division")
    if any(not _empty(row.get(c)) and _number(row[c]) < 0 for c in rules.non_negative):
        found.add("out_of_range")
    if any(not _empty(row.get(c)) and str(row[c])[:10] > day.isoformat() for c in rules.dates):
        found.add("future_date")
    found |= _extra(feed, rules, row)
    return found


def _extra(feed: str, rules: Rules, row: dict) -> set[str]:
    """The feed-specific rules."""
    found: set[str] = set()
    if any(_empty(row.get(c)) for c in rules.numeric):
        return found
    if (
        "paid_within_10x" in rules.extra
        and _number(row["已缴税额"]) > 10 * _number(row["应纳税额"])
        and _number(row["应纳税额"]) >= 0
    ):
        found.add("out_of_range")
    if (
        "enterprise_meter_has_uscc" in rules.extra
        and row["customer_type"] not in ("residential", "")
        and _empty(row["uscc"])
    ):
        found.add("missing_required")
    if (
        "patient_agrees" in rules.extra
        and not _empty(row.get("patient_id_no"))
        and is_valid_id_no(row["patient_id_no"])
    ):
        if row["gender"] != id_gender(row["patient_id_no"]) or row["birth_date"] != id_birth_date(row["patient_id_no"]):
            found.add("inconsistent_row")
        if _number(row["insurance_paid_cny"]) > _number(row["fee_total_cny"]):
            found.add("inconsistent_row")
    return found
