"""Feed contracts as data: a YAML mapping becomes typed, frozen objects; names as delivered and
the column order of silver tables follow from it; contracts declare when their delivery is due
(local time), and say so clearly when wrong."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pipelines.core.contract import CONTRACTS_DIR, LINEAGE, Column, load_contract, parse_contract

MINIMAL = {"sector": "s", "feed": "f", "format": "csv", "columns": [{"name": "id"}], "key": ["id"]}

RAW = {
    "sector": "tax",
    "feed": "returns",
    "format": "csv",
    "encoding": "gbk",
    "key": ["declaration_id"],
    "columns": [
        {"name": "declaration_id", "source": "申报序号", "required": True},
        {"name": "tax_type_code", "values": [10101, "10102"]},
        {"name": "taxpayer_id", "checks": ["uscc"]},
        {"name": "tax_due_cny", "type": "decimal(18,2)", "min": 0},
    ],
    "row_rules": [{"name": "paid_within_10x_due", "reason": "out_of_range", "expr": "paid <= due * 10"}],
}


@pytest.mark.parametrize(
    "path", sorted(p for p in CONTRACTS_DIR.iterdir() if p.name.endswith(".yaml")), ids=lambda p: p.stem
)
def test_every_feed_contract_declares_its_due_time(path) -> None:
    assert "\ndue: " in path.read_text("utf-8"), f"{path.name} has no `due:`"
    sector, feed = path.stem.split("_", 1)
    assert load_contract(sector, feed).due == "06:00"


def test_due_defaults_to_six_and_is_local_shanghai_time_on_the_business_date() -> None:
    contract = parse_contract(MINIMAL)
    assert contract.due == "06:00"
    assert parse_contract({**MINIMAL, "due": "09:30"}).due_at("2026-11-01") == datetime(
        2026, 11, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")
    )
    assert contract.due_at("2026-11-01").isoformat() == "2026-11-01T06:00:00+08:00"


@pytest.mark.parametrize("due", ["6:00", "24:00", "06:60", "0600", "morning"])
def test_a_malformed_due_time_is_rejected(due: str) -> None:
    with pytest.raises(ValueError, match="due must be HH:MM"):
        parse_contract({**MINIMAL, "due": due})


def test_parse_contract_builds_typed_tuples() -> None:
    contract = parse_contract(RAW)
    assert contract.name == "tax_returns"
    assert contract.key == ("declaration_id",)
    assert contract.column("tax_type_code").values == ("10101", "10102")  # YAML numbers become codes
    assert contract.column("taxpayer_id").checks == ("uscc",)
    assert contract.column("tax_due_cny").min == 0 and contract.column("tax_due_cny").type == "decimal(18,2)"
    assert [r.reason for r in contract.row_rules] == ["out_of_range"]
    assert RAW["key"] == ["declaration_id"]  # the mapping itself is left alone


def test_parse_contract_rejects_an_unknown_field() -> None:
    with pytest.raises(TypeError, match="colour"):
        parse_contract({**RAW, "columns": [{"name": "a", "colour": "red"}]})


def test_delivered_name_is_the_source_header_or_the_name() -> None:
    assert Column("declaration_id", source="申报序号").delivered_name == "申报序号"
    assert Column("meter_id").delivered_name == "meter_id"


def test_silver_columns_are_contract_then_derived_then_lineage() -> None:
    columns = parse_contract(RAW).silver_columns("city_code", "industry_section")
    assert columns == [
        "declaration_id",
        "tax_type_code",
        "taxpayer_id",
        "tax_due_cny",
        "city_code",
        "industry_section",
        *LINEAGE,
    ]


@pytest.mark.parametrize(
    ("fmt", "is_text", "has_header"),
    [("csv", True, True), ("psv", True, True), ("jsonl", True, False), ("parquet", False, False)],
)
def test_format_decides_text_and_header(fmt: str, is_text: bool, has_header: bool) -> None:
    contract = parse_contract({**RAW, "format": fmt})
    assert (contract.is_text, contract.has_header) == (is_text, has_header)


def test_load_contract_reads_the_packaged_yaml() -> None:
    contract = load_contract("tax", "returns")
    assert (contract.format, contract.encoding, contract.key) == ("csv", "gbk", ("declaration_id",))
    assert contract.column("taxpayer_id").delivered_name == "纳税人识别号"
