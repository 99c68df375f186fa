"""`lakehouse publish`: the open tables of a lake exported for the open-data portal (CSV with a BOM,
Parquet, data dictionary). Unit tests on in-memory Arrow tables, and one end to end on a lake built
by running the health sector in-process up to the end of an ISO week."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.cli import main
from pipelines.core.runner import run_sector
from pipelines.core.spec import Catalog
from pipelines.core.steps import RunContext
from pipelines.generate import generate
from pipelines.io.lake import Lake
from pipelines.publish import BOM, OpenTable, UndocumentedColumns, csv_bytes, dictionary, open_tables, publishable
from pipelines.query import arrow_table
from pipelines.registry import SECTORS
from tests.pipelines.lake_oracles.attacker import derive_margins, exposed, intervals, weeks_from_rows
from tests.pipelines.lake_oracles.syndromic_weeks import primary_entries

CATALOG = Catalog(owner="o", description="d", description_zh="描述", sharing="open")


def test_only_open_tables_are_published() -> None:
    tables = {t.full_name for t in open_tables(SECTORS.values())}
    specs = [
        (layer, s)
        for sector in SECTORS.values()
        for layer, group in (("silver", sector.silver), ("gold", sector.gold))
        for s in group
    ]
    assert tables == {f"{layer}.{s.name}" for layer, s in specs if s.catalog.sharing == "open"}
    assert {"gold.open_health_weekly", "gold.open_health_weekly_province"} <= tables
    assert not tables & {"silver.health_outpatient_visits", "gold.health_syndromic_weekly", "gold.tax_revenue_monthly"}


def test_the_csv_has_a_bom_and_reads_back_typed_lists_joined() -> None:
    data = pa.table(
        {
            "name": ["南京, 鼓楼", None],
            "n": pa.array([1, None], pa.int64()),
            "fee": pa.array([decimal.Decimal("1.50"), None], pa.decimal128(20, 2)),
            "at": pa.array([dt.datetime(2026, 11, 9, 1, tzinfo=dt.UTC), None], pa.timestamp("us", tz="UTC")),
            "tags": [["a", "b"], []],
        }
    )
    raw = csv_bytes(data)
    assert raw.startswith(BOM) and not raw[len(BOM) :].startswith(BOM)
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == {
        "name": "南京, 鼓楼",
        "n": "1",
        "fee": "1.50",
        "at": "2026-11-09 01:00:00.000000Z",
        "tags": "a;b",
    }
    assert rows[1] == {"name": "", "n": "", "fee": "", "at": "", "tags": ""}


def test_lineage_columns_are_not_published_and_an_as_of_table_only_its_latest_snapshot() -> None:
    data = pa.table(
        {
            "uscc": ["B", "A", "A"],
            "as_of_date": [dt.date(2026, 11, 2)] * 2 + [dt.date(2026, 11, 1)],
            "_run_id": ["r"] * 3,
        }
    )
    out = publishable(data, OpenTable("gold", "t", "s", CATALOG, latest_of="as_of_date"))
    assert out.to_pylist() == [
        {"uscc": "A", "as_of_date": dt.date(2026, 11, 2)},
        {"uscc": "B", "as_of_date": dt.date(2026, 11, 2)},
    ]


def test_a_column_without_a_description_stops_the_export() -> None:
    table = OpenTable("gold", "open_health_weekly", "health", CATALOG)
    with pytest.raises(UndocumentedColumns, match="new_column"):
        dictionary(table, pa.table({"iso_week": ["2026-W46"], "new_column": [1]}), 0, {})


# --- end to end ------------------------------------------------------------------------------

SATURDAY = dt.date(2026, 11, 14)  # the last two days of ISO week 2026-W46: its visits reach Sunday, so it is complete
DAYS = [SATURDAY.isoformat(), (SATURDAY + dt.timedelta(days=1)).isoformat()]
PARSE = {
    "string": str,
    "bigint": int,
    "int": int,
    "double": float,
    "boolean": {"true": True, "false": False}.__getitem__,
    "date": dt.date.fromisoformat,
}


@pytest.fixture(scope="module")
def exported(spark, settings, tmp_path_factory):
    """The last two days of a week of health deliveries run through the sector, then `lakehouse publish`."""
    root = tmp_path_factory.mktemp("publish")
    lake = settings.with_overrides(
        landing_root=str(root / "landing"), lake_root=str(root / "lake"), docs_dir=str(root / "docs")
    )
    generate(lake.landing_root, SATURDAY, days=2, scale=1.0, seed=4, sectors=["health"], defect_rate=0.01)
    results = [
        r for day in DAYS for r in run_sector(Lake(spark, lake), SECTORS["health"], RunContext("it-publish", day))
    ]
    assert {r.table for r in results if r.rows_in} >= {"gold.open_health_weekly", "gold.open_health_weekly_province"}
    out = root / "portal"
    assert main(["publish", "--out", str(out), "--lake", lake.lake_root]) == 0
    return lake, out


def _parse(value: str, kind: str):
    return None if value == "" else PARSE[kind](value)


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(1800)  # the first one builds the lake: two sector runs
def test_exactly_the_open_tables_of_the_lake_are_exported(exported) -> None:
    lake, out = exported
    folders = {p.name for p in out.iterdir() if p.is_dir()}
    assert folders == {"silver.health_hospitals", "gold.open_health_weekly", "gold.open_health_weekly_province"}
    index = json.loads((out / "index.json").read_text("utf-8"))
    assert {d["table"] for d in index["datasets"]} == folders
    assert not any(
        p.name.startswith(("silver.health_outpatient_visits", "gold.health_syndromic")) for p in out.rglob("*")
    )


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(1800)  # the first one builds the lake: two sector runs
@pytest.mark.parametrize(
    "table", ["silver.health_hospitals", "gold.open_health_weekly", "gold.open_health_weekly_province"]
)
def test_the_csv_and_parquet_hold_the_delta_rows_and_the_dictionary_every_column(exported, table: str) -> None:
    lake, out = exported
    layer, name = table.split(".")
    delta = arrow_table(lake, layer, name)
    published = [c for c in delta.column_names if not c.startswith("_")]
    expected = sorted(delta.select(published).to_pylist(), key=repr)
    entry = json.loads((out / table / "dictionary.json").read_text("utf-8"))
    types = {c["name"]: c["type"] for c in entry["columns"]}
    raw = (out / table / f"{table}.csv").read_bytes()
    assert raw.startswith(BOM)
    reader = csv.DictReader(raw.decode("utf-8-sig").splitlines())
    assert reader.fieldnames == published == [c["name"] for c in entry["columns"]]
    rows = [{k: _parse(v, types[k]) for k, v in r.items()} for r in reader]
    assert sorted(rows, key=repr) == expected and len(rows) > 0
    assert sorted(pq.read_table(out / table / f"{table}.parquet").to_pylist(), key=repr) == expected
    assert all(c["description_en"] and c["description_zh"] and c["type"] for c in entry["columns"])
    assert entry["owner"] and entry["description_en"] and entry["description_zh"] and entry["update_frequency"]
    assert entry["licence"]["en"] and entry["licence"]["zh"] and entry["rows"] == len(rows)
    listed = [
        r
        for r in csv.DictReader((out / "dictionary.csv").read_bytes().decode("utf-8-sig").splitlines())
        if r["table"] == table
    ]
    assert [r["column"] for r in listed] == published


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.timeout(1800)  # the first one builds the lake: two sector runs
def test_the_exported_week_withstands_the_attacker_and_agrees_with_surveillance(exported) -> None:
    lake, out = exported

    def rows(table: str) -> list[dict]:
        entry = json.loads((out / table / "dictionary.json").read_text("utf-8"))
        types = {c["name"]: c["type"] for c in entry["columns"]}
        text = (out / table / f"{table}.csv").read_bytes().decode("utf-8-sig").splitlines()
        return [{k: _parse(v, types[k]) for k, v in r.items()} for r in csv.DictReader(text)]

    cells = rows("gold.open_health_weekly")
    assert {r["iso_week"] for r in cells} == {"2026-W46"}
    assert any(r["suppressed"] for r in cells) and not all(r["suppressed"] for r in cells)
    truth = {
        (r["city_code"], r["syndrome_group"]): r
        for r in arrow_table(lake, "gold", "health_syndromic_weekly").to_pylist()
    }
    for r in cells:
        source = truth[(r["city_code"], r["syndrome_group"])]
        assert r["suppressed"] == (r["visits"] is None) and (source["visits"] >= 5 or r["suppressed"])
        if r["baseline"] is not None:
            assert (r["visits"], r["baseline"], r["is_alert"]) == (
                source["visits"],
                source["baseline"],
                source["is_alert"],
            )
    week = weeks_from_rows(cells, rows("gold.open_health_weekly_province"))["2026-W46"]
    grid = {k: v["visits"] for k, v in truth.items()}
    assert exposed(intervals(week, derive_margins(week), primary_entries(grid))) == {}
