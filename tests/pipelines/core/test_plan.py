"""A sector's plan: bronze then silver per feed, then gold, each gold step waiting only for the
steps of its own sector (tables of other sectors are scheduling edges, not upstream tasks)."""

from __future__ import annotations

from pipelines.core.plan import Step, plan
from pipelines.core.spec import Catalog, FeedSpec, GoldSpec, Sector, SilverSpec

CATALOG = Catalog(owner="o", description="d")


def _silver(name: str, feed: str) -> SilverSpec:
    return SilverSpec(name, FeedSpec("s", feed), "m:f", ("id",), CATALOG)


SECTOR = Sector(
    "s",
    "a sector",
    silver=(_silver("s_a", "a"), _silver("s_b", "b")),
    gold=(
        GoldSpec("g_ab", ("s_a", "s_b"), "m:g", "", CATALOG),
        GoldSpec("g_next", ("gold.g_ab", "silver.other_facts"), "m:h", "", CATALOG),
    ),
)


def test_steps_come_in_dependency_order_with_their_upstream_tasks() -> None:
    assert plan(SECTOR) == [
        Step("bronze", "s_a", ()),
        Step("silver", "s_a", ("bronze__s_a",)),
        Step("bronze", "s_b", ()),
        Step("silver", "s_b", ("bronze__s_b",)),
        Step("gold", "g_ab", ("silver__s_a", "silver__s_b")),
        Step("gold", "g_next", ("gold__g_ab",)),  # silver.other_facts belongs to another sector
    ]


def test_task_id_is_layer_and_table() -> None:
    assert Step("bronze", "tax_returns", ()).task_id == "bronze__tax_returns"


def test_a_sector_without_feeds_plans_only_gold() -> None:
    cross = Sector("x", "cross-sector", gold=(GoldSpec("view", ("silver.s_a",), "m:v", "", CATALOG),))
    assert plan(cross) == [Step("gold", "view", ())]
