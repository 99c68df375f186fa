"""The data-sharing directory from the specs alone (an empty lake): every table, its class,
lineage and declared columns; keyword search in Chinese and English; the static site."""

from __future__ import annotations

import json
import re

import pytest

from pipelines import registry
from pipelines.analyst import directory
from pipelines.analyst.tables import inventory
from pipelines.settings import Settings


@pytest.fixture(scope="module")
def empty_lake(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("empty_lake")
    return Settings(lake_root=str(root / "lake"), docs_dir=str(root / "docs"))


@pytest.fixture(scope="module")
def found(empty_lake) -> dict[str, dict]:
    return {e["ref"]: e for e in directory.entries(empty_lake)}


def test_every_declared_table_has_an_entry(found) -> None:
    declared = {f"silver.{s.name}" for sec in registry.SECTORS.values() for s in sec.silver}
    declared |= {f"gold.{g.name}" for sec in registry.SECTORS.values() for g in sec.gold}
    declared |= {
        f"{layer}.{f.table}"
        for sec in registry.SECTORS.values()
        for f in sec.feeds
        for layer in ("bronze", "quarantine")
    }
    ops = {"ops.run_metrics", "ops.quality_results", "ops.query_audit", "ops.maintenance"}
    assert declared | ops == set(found)


def test_entries_carry_the_catalog_of_their_spec(found) -> None:
    tax = found["gold.tax_revenue_monthly"]
    spec = registry.SECTORS["tax"].gold[0].catalog
    assert (tax["owner"], tax["description_zh"], tax["sharing"]) == (spec.owner, spec.description_zh, spec.sharing)
    assert tax["rows"] is None and tax["last_success_dt"] is None and tax["schema_from"] == "not written yet"


def test_lineage_follows_the_declared_graph(found) -> None:
    e360 = found["gold.enterprise_360"]
    assert e360["upstream"] == ["gold.credit_enterprise_profile", "silver.tax_returns", "gold.enterprise_energy_daily"]
    assert e360["source_feeds"] == [
        "credit/legal_entity",
        "credit/sanctions",
        "energy/meters",
        "energy/readings",
        "tax/returns",
    ]
    assert "gold.enterprise_360" in found["silver.tax_returns"]["downstream"]
    assert found["quarantine.tax_returns"]["upstream"] == ["bronze.tax_returns"]
    assert {e["lineage_from"] for e in found.values()} == {"specs"}  # nothing has run: no events


def _complete(job: str, inputs: list[str], outputs: list[str]) -> dict:
    def ds(name: str) -> dict:
        symlink = {"identifiers": [{"namespace": "lakehouse", "name": name, "type": "TABLE"}]}
        return {"namespace": "file", "name": f"/lake/{name}", "facets": {"symlinks": symlink}}

    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-11-02T02:00:00Z",
        "job": {"namespace": "lakehouse", "name": job},
        "inputs": [ds(i) for i in inputs],
        "outputs": [ds(o) for o in outputs],
    }


def test_lineage_comes_from_the_recorded_events_once_tables_have_run(tmp_path) -> None:
    from pipelines import lineage

    settings = Settings(lake_root=str(tmp_path / "lake"), docs_dir=str(tmp_path / "docs"))
    events = [
        _complete("tax.bronze__tax_returns", ["landing/tax/returns"], ["bronze.tax_returns"]),
        _complete("tax.silver__tax_returns", ["bronze.tax_returns"], ["silver.tax_returns", "quarantine.tax_returns"]),
        # What the run read, not what the specs declare: the directory shows the events' word.
        _complete(
            "tax.gold__tax_revenue_monthly", ["silver.tax_returns", "silver.extra"], ["gold.tax_revenue_monthly"]
        ),
    ]
    path = lineage.events_file(settings)
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in events), "utf-8")
    found = {e["ref"]: e for e in directory.entries(settings)}
    gold, silver = found["gold.tax_revenue_monthly"], found["silver.tax_returns"]
    assert (gold["upstream"], gold["lineage_from"]) == (["silver.extra", "silver.tax_returns"], "events")
    assert (silver["upstream"], silver["downstream"]) == (["bronze.tax_returns"], ["gold.tax_revenue_monthly"])
    assert found["bronze.tax_returns"]["upstream"] == ["landing/tax/returns"]
    assert found["bronze.tax_returns"]["downstream"] == ["quarantine.tax_returns", "silver.tax_returns"]
    assert found["gold.enterprise_360"]["lineage_from"] == "specs"  # not run: the declared graph
    page = directory.build_directory(settings).parent / "tables" / "gold.tax_revenue_monthly.html"
    assert "(from events)" in page.read_text("utf-8") and "<li>silver.extra</li>" in page.read_text("utf-8")
    assert "lineage from: events" in directory.render([gold])


def test_unwritten_tables_show_the_contracts_columns_with_pii_flags(found) -> None:
    bronze = {c["name"]: c for c in found["bronze.health_outpatient_visits"]["columns"]}
    assert bronze["patient_id_no"]["pii"] and bronze["_raw"]["pii"] and not bronze["visit_id"]["pii"]
    silver = {c["name"]: c for c in found["silver.health_outpatient_visits"]["columns"]}
    assert silver["patient_id_no_token"]["pii"] and "patient_id_no" not in silver
    assert {c["name"] for c in found["silver.tax_returns"]["columns"] if c["pii"]} == set()
    assert silver["icd10"]["description_zh"]  # from the glossary


@pytest.mark.parametrize(
    ("word", "expected", "absent"),
    [
        (
            "用电",
            {"gold.energy_consumption_daily", "gold.enterprise_energy_daily", "silver.energy_meters"},
            "gold.tax_revenue_monthly",
        ),
        ("税", {"gold.tax_revenue_monthly", "silver.tax_returns", "gold.enterprise_360"}, "gold.energy_load_curve"),
        ("负荷曲线", {"gold.energy_load_curve"}, "gold.energy_consumption_daily"),
        ("ETC 门架", {"silver.transport_gantries", "gold.transport_gantry_hourly"}, "gold.transport_hub_flow_hourly"),
    ],
)
def test_search_in_chinese_and_english(found, word: str, expected: set[str], absent: str) -> None:
    refs = {e["ref"] for e in directory.search(list(found.values()), word)}
    assert expected <= refs and absent not in refs


def test_site_is_static_escaped_and_embeds_its_index(empty_lake, found) -> None:
    index = directory.build_directory(empty_lake)
    html = index.read_text("utf-8")
    assert '<script src="directory-index.js"></script>' in html and "fetch(" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "the site loads nothing from the network"
    script = (index.parent / "directory-index.js").read_text("utf-8")
    embedded = json.loads(script.removeprefix("window.LAKEHOUSE_DIRECTORY = ").rstrip().rstrip(";"))
    assert [t["ref"] for t in embedded["tables"]] == list(found)
    pages = {p.name for p in (index.parent / "tables").glob("*.html")}
    assert pages == {f"{ref}.html" for ref in inventory()}
    assert "fetch(" not in (index.parent / "assets" / "search.js").read_text("utf-8")
    data = json.loads((index.parent / "directory.json").read_text("utf-8"))
    assert [t["ref"] for t in data["tables"]] == list(found)


def test_cli_listing_and_single_entry(found) -> None:
    text = directory.render(list(found.values()))
    assert text.splitlines()[-1] == f"({len(found)} tables)"
    one = directory.render([found["gold.open_health_weekly"]])
    assert one.startswith("gold.open_health_weekly  [open]") and "upstream: silver.health_outpatient_visits" in one


def test_a_tables_own_column_descriptions_win_over_the_glossary() -> None:
    own = directory.table_columns("gold.open_health_weekly")
    assert own["visits"][0] != directory.glossary()["visits"][0]
    column = directory._column("visits", "long", False, ref="gold.open_health_weekly")
    assert (column["description"], column["description_zh"]) == own["visits"]
    assert directory._column("visits", "long", False)["description"] == directory.glossary()["visits"][0]


def test_search_also_knows_the_glossarys_words_for_a_column() -> None:
    entry = {"ref": "gold.x", "sector": "", "sector_description": "", "description": "", "description_zh": "",
             "owner": "", "sharing": "open", "layer": "gold", "source_feeds": [],
             "columns": [{"name": "syndrome_group", "description": "ICD-10 group", "description_zh": ""}]}  # fmt: skip
    assert directory.search([entry], "influenza") == [entry]
