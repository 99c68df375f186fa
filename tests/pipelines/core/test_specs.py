"""Every declared spec holds together before anything runs: transforms resolve, sources exist,
contracts load, suites parse and belong to a table. A typo in a spec fails here, in seconds."""

from __future__ import annotations

import inspect

import pytest

from pipelines import registry
from pipelines.core.contract import CONTRACTS_DIR, load_contract
from pipelines.core.spec import GoldMode, GoldSpec, SilverSpec, WriteMode, resolve
from pipelines.io.refs import TableRef
from pipelines.quality.suites import SUITES_DIR, load_suite

SILVER = [s for sector in registry.SECTORS.values() for s in sector.silver]
GOLD = [g for sector in registry.SECTORS.values() for g in sector.gold]
PRODUCED = {TableRef("silver", s.name) for s in SILVER} | {TableRef("gold", g.name) for g in GOLD}
BRONZE = {TableRef("bronze", s.feed.table) for s in SILVER}


@pytest.mark.parametrize("spec", SILVER, ids=lambda s: s.name)
def test_silver_transform_resolves_to_a_one_argument_function(spec: SilverSpec) -> None:
    transform = resolve(spec.transform)
    assert callable(transform)
    assert len(inspect.signature(transform).parameters) == 1


@pytest.mark.parametrize("spec", GOLD, ids=lambda g: g.name)
def test_gold_build_resolves_to_sources_and_date(spec: GoldSpec) -> None:
    build = resolve(spec.build)
    assert list(inspect.signature(build).parameters)[:2] == ["sources", "as_of"]


@pytest.mark.parametrize("spec", GOLD, ids=lambda g: g.name)
def test_gold_sources_are_tables_some_sector_produces(spec: GoldSpec) -> None:
    assert set(spec.source_refs) <= PRODUCED, f"{spec.name}: unknown sources"


@pytest.mark.parametrize("spec", SILVER, ids=lambda s: s.name)
def test_silver_contract_loads_and_names_the_key_and_versions(spec: SilverSpec) -> None:
    contract = spec.feed.contract
    names = {c.name for c in contract.columns}
    assert set(contract.key) <= names
    assert set(spec.order_by) - {"_dt"} <= names, f"{spec.name}: order_by outside the contract"


@pytest.mark.parametrize("spec", SILVER, ids=lambda s: s.name)
def test_a_silver_table_is_no_more_open_than_its_feed_unless_silver_tokenizes_its_personal_data(
    spec: SilverSpec,
) -> None:
    """The feed's contract carries the department's sharing class; silver holds the same rows, so
    it may be one class more open only where it replaces the feed's personal data by tokens."""
    openness = {"restricted": 0, "conditional": 1, "open": 2}
    contract = spec.feed.contract
    allowed = openness[contract.sharing] + (1 if any(c.pii for c in contract.columns) else 0)
    assert openness[spec.catalog.sharing] <= allowed, (
        f"silver.{spec.name} is {spec.catalog.sharing}, its feed {contract.sharing}"
    )


def test_every_contract_file_is_a_declared_feed() -> None:
    files = {p.name.removesuffix(".yaml") for p in CONTRACTS_DIR.iterdir() if p.name.endswith(".yaml")}
    assert files == {s.feed.table for s in SILVER}
    for name in files:
        sector, _, feed = name.partition("_")
        assert load_contract(sector, feed).name == name


def test_every_suite_file_belongs_to_a_table_and_parses() -> None:
    tables = PRODUCED | BRONZE
    for layer in SUITES_DIR.iterdir():
        if not layer.is_dir() or layer.name.startswith("__"):
            continue
        for suite in layer.iterdir():
            if suite.name.endswith(".yaml"):
                ref = TableRef(layer.name, suite.name.removesuffix(".yaml"))
                assert ref in tables, f"suite {layer.name}/{suite.name} gates no table"
                assert isinstance(load_suite(ref.layer, ref.name), list)


def test_modes_are_enums_and_a_typo_is_refused_with_the_choices() -> None:
    assert all(isinstance(s.write, WriteMode) for s in SILVER)
    assert all(isinstance(g.mode, GoldMode) for g in GOLD)
    spec = SILVER[0]
    with pytest.raises(ValueError, match=r"write must be one of \('merge_latest', 'scd2', 'snapshot'\), not 'merge'"):
        SilverSpec(**{**spec.__dict__, "write": "merge"})
