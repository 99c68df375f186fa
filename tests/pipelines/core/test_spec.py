"""Gold specs: sources read whole are left out of the partitioned sources, and at least one
source must stay limited to touched partitions. A sector's declaration file
(`schemas/tables/<sector>.yaml`) loads into typed specs, and a file that is off is refused
naming the file, the table and the field."""

from __future__ import annotations

import pytest

from pipelines.core import spec as spec_module
from pipelines.core.spec import Catalog, FeedSpec, GoldMode, GoldSpec, SilverSpec, WriteMode, load_sector
from pipelines.io.refs import TableRef

CATALOG = Catalog(owner="o", description="d")


def test_whole_sources_are_left_out_of_the_partitioned_sources() -> None:
    spec = GoldSpec(
        "g", ("facts", "silver.register", "gold.other"), "m:f", "date", CATALOG, whole_sources=("silver.register",)
    )
    assert spec.source_refs == (TableRef("silver", "facts"), TableRef("silver", "register"), TableRef("gold", "other"))
    assert spec.partitioned_refs == (TableRef("silver", "facts"), TableRef("gold", "other"))


@pytest.mark.parametrize(
    ("sources", "whole"),
    [(("facts",), ("register",)), (("register",), ("register",))],
    ids=["not-a-source", "nothing-left-to-limit"],
)
def test_whole_sources_must_leave_a_limited_source(sources: tuple, whole: tuple) -> None:
    with pytest.raises(ValueError, match="g:"):
        GoldSpec("g", sources, "m:f", "date", CATALOG, whole_sources=whole)


def _declare(tmp_path, monkeypatch, text: str) -> None:
    """`schemas/tables/s.yaml` for a sector `s`, read from `tmp_path` instead."""
    (tmp_path / "s.yaml").write_text(text, "utf-8")
    monkeypatch.setattr(spec_module, "TABLES_DIR", tmp_path)


DECLARED = """\
sector: s
description: A sector
owner: Department
silver:
  s_register:
    feed: register
    transform: m:clean
    key: [id]
    write: snapshot
    directory: {description: Register, description_zh: 名录, sharing: open}
  s_events:
    feed: events
    transform: m:events
    key: [event_id, version]
    order_by: [updated_at]
    partition_by: date
    directory: {owner: Other office, description: Events, pii_columns: [x_token], retention_days: 30}
gold:
  s_daily:
    sources: [s_events, s_register]
    whole_sources: [s_register]
    build: m:daily
    partition_by: date
    directory: {description: Daily}
  s_view:
    sources: [s_events]
    build: m:view
    partition_by: ""
    mode: as_of
    directory: {description: View, update_frequency: weekly}
"""


def test_a_declaration_file_loads_into_typed_specs_with_their_directory_entries(tmp_path, monkeypatch) -> None:
    _declare(tmp_path, monkeypatch, DECLARED)
    sector = load_sector("s")
    assert (sector.name, sector.description) == ("s", "A sector")
    register, events = sector.silver
    assert register == SilverSpec(
        "s_register",
        FeedSpec("s", "register"),
        "m:clean",
        ("id",),
        Catalog("Department", "Register", "名录", sharing="open"),
        write=WriteMode.SNAPSHOT,
    )
    assert events == SilverSpec(
        "s_events",
        FeedSpec("s", "events"),
        "m:events",
        ("event_id", "version"),
        Catalog("Other office", "Events", pii_columns=("x_token",), retention_days=30),
        order_by=("updated_at",),
        partition_by="date",
    )
    daily, view = sector.gold
    assert daily == GoldSpec(
        "s_daily",
        ("s_events", "s_register"),
        "m:daily",
        "date",
        Catalog("Department", "Daily"),
        whole_sources=("s_register",),
    )
    assert view.mode is GoldMode.AS_OF and view.partition_by == "" and view.catalog.update_frequency == "weekly"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    feed: register\n", "    fed: register\n", r"table s_register: unknown field\(s\) \['fed'\]"),
        ("    feed: register\n", "", r"table s_register: missing field 'feed'"),
        ("    transform: m:clean\n", "", r"table s_register: .*transform"),
        ("write: snapshot", "write: upsert", r"table s_register: s_register: write must be one of"),
        ("mode: as_of", "mode: nightly", r"table s_view: s_view: mode must be one of"),
        ("sharing: open", "sharing: public", r"table s_register: sharing must be one of"),
        ("description: Daily}", "description: Daily, licence: x}", r"table s_daily: .*licence"),
        ("whole_sources: [s_register]", "whole_sources: [s_other]", r"table s_daily: .*not among its sources"),
        ("sector: s\n", "sector: t\n", r"declares sector 't', not 's'"),
    ],
    ids=[
        "typo-in-a-field",
        "no-feed",
        "no-transform",
        "unknown-write-mode",
        "unknown-gold-mode",
        "unknown-sharing-class",
        "unknown-directory-field",
        "whole-source-not-a-source",
        "wrong-sector",
    ],
)
def test_a_declaration_that_is_off_is_refused_naming_the_file_the_table_and_the_field(
    tmp_path, monkeypatch, old: str, new: str, message: str
) -> None:
    assert old in DECLARED
    _declare(tmp_path, monkeypatch, DECLARED.replace(old, new, 1))
    with pytest.raises(ValueError, match=r"schemas/tables/s\.yaml") as raised:
        load_sector("s")
    assert raised.match(message)


def test_every_declared_table_of_every_sector_has_an_owner_and_both_descriptions() -> None:
    from pipelines import registry

    tables = [t for sector in registry.SECTORS.values() for t in (*sector.silver, *sector.gold)]
    assert len(tables) >= len(registry.SECTORS) * 2
    assert all(t.catalog.owner and t.catalog.description and t.catalog.description_zh for t in tables)
