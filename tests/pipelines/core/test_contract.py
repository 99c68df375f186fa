"""Feed contracts declare when their delivery is due (local time), and say so clearly when wrong."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pipelines.core.contract import CONTRACTS_DIR, load_contract, parse_contract

MINIMAL = {"sector": "s", "feed": "f", "format": "csv", "columns": [{"name": "id"}], "key": ["id"]}


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
