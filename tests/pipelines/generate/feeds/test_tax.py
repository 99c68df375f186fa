"""tax/returns: GBK, the Chinese header, tax codes, monthly cycle and amendments."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from pathlib import Path

from pipelines.generate import generate
from pipelines.generate.feeds.tax import HEADER, TAX_CODES
from pipelines.ids import is_valid_industry_code

EXPECTED_HEADER = (
    "申报序号,纳税人识别号,所属期,税种代码,计税依据,应纳税额,已缴税额,申报日期,行政区划代码,行业代码,版本号"
)


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("gbk"))))


def test_header_and_encoding(clean_landing: Path) -> None:
    for path in clean_landing.glob("tax/returns/dt=*/part-*.csv"):
        data = path.read_bytes()
        assert data.decode("gbk").split("\n", 1)[0] == EXPECTED_HEADER
        assert ",".join(HEADER) == EXPECTED_HEADER
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:  # pragma: no cover - the header alone makes this fail
            raise AssertionError("a GBK file with a Chinese header cannot be valid UTF-8")


def test_gbk_round_trip(clean_landing: Path) -> None:
    path = next(clean_landing.glob("tax/returns/dt=*/part-*.csv"))
    data = path.read_bytes()
    assert data.decode("gbk").encode("gbk") == data


def test_values_follow_the_contract(clean_landing: Path) -> None:
    for path in clean_landing.glob("tax/returns/dt=*/part-*.csv"):
        day = path.parent.name.removeprefix("dt=")
        for row in _rows(path):
            assert row["税种代码"] in TAX_CODES
            assert row["申报日期"] == day
            assert is_valid_industry_code(row["行业代码"])
            assert float(row["已缴税额"]) <= float(row["应纳税额"]) * 10
            assert int(row["版本号"]) >= 1
            assert row["申报序号"].startswith(row["所属期"] + row["税种代码"])


def test_monthly_cycle_and_amendments(tmp_path: Path) -> None:
    """Originals are for last month and mostly on days 1-15; amendments re-send older ids."""
    report = generate(str(tmp_path), dt.date(2026, 11, 1), days=30, scale=0.05, sectors=["tax"], defect_rate=0.0)
    per_day = {d.dt: d.rows for d in report.deliveries}
    first_half = sum(v for k, v in per_day.items() if int(k[-2:]) <= 15)
    assert first_half > 0.9 * sum(per_day.values())
    periods, versions = Counter(), Counter()
    for path in tmp_path.glob("tax/returns/dt=*/part-*.csv"):
        for row in _rows(path):
            versions[row["版本号"]] += 1
            if row["版本号"] == "1":
                periods[row["所属期"]] += 1
    assert set(periods) == {"202610"}
    assert versions["2"] > 0 and versions["3"] > 0
    behaviour = Counter()
    for d in report.deliveries:
        behaviour.update(d.behaviour)
    assert behaviour["amended_returns_v2"] == versions["2"] and behaviour["original_returns"] == versions["1"]
