"""The DAG factory: a sector with feeds runs on its cron, waiting for each delivery; a sector
without feeds runs when the tables it reads are updated; silver and gold tasks publish assets;
only a sector whose dates commute runs several dates at once."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipelines import registry
from pipelines.core.spec import GoldMode, WriteMode
from pipelines.orchestration.assets import asset_uri
from pipelines.orchestration.factory import dates_commute, sector_dag


@pytest.fixture(scope="module")
def tax():
    return sector_dag("tax", "the tax DAG", schedule="0 3 * * *")


def test_a_sector_with_feeds_runs_on_its_cron(tax) -> None:
    assert tax.dag_id == "tax" and tax.doc_md == "the tax DAG"
    assert tax.timetable.expression == "0 3 * * *"
    assert tax.timetable.timezone.name == "Asia/Shanghai"  # the province's clock, not UTC


def test_each_bronze_task_waits_for_its_delivery(tax) -> None:
    bronze = tax.get_task("bronze__tax_returns")
    assert bronze.upstream_task_ids == {"wait__tax_returns"}
    assert tax.get_task("wait__tax_returns").op_kwargs == {"sector": "tax", "feed": "returns"}
    assert tax.get_task("gold__tax_revenue_monthly").upstream_task_ids == {"silver__tax_returns"}


def test_silver_and_gold_tasks_publish_their_table(tax) -> None:
    outlets = {t.task_id: [a.uri for a in t.outlets] for t in tax.tasks}
    assert outlets["silver__tax_returns"] == [asset_uri("silver", "tax_returns")]
    assert outlets["gold__tax_revenue_monthly"] == [asset_uri("gold", "tax_revenue_monthly")]
    assert outlets["bronze__tax_returns"] == []


def test_a_sector_without_feeds_runs_when_its_sources_are_updated() -> None:
    dag = sector_dag("enterprise")
    expected = {asset_uri(r.layer, r.name) for r in registry.SECTORS["enterprise"].external_sources()}
    assert expected and {a.uri for a in dag.timetable.asset_condition.objects} == expected
    assert not any(t.task_id.startswith("wait__") for t in dag.tasks)


def test_only_tax_commutes_today() -> None:
    assert {name for name, sector in registry.SECTORS.items() if dates_commute(sector)} == {"tax"}


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda s: replace(s, silver=(replace(s.silver[0], write=WriteMode.SNAPSHOT),)), "a register overwrite"),
        (lambda s: replace(s, silver=(replace(s.silver[0], write=WriteMode.SCD2),)), "a type-2 history"),
        (lambda s: replace(s, gold=(replace(s.gold[0], mode=GoldMode.AS_OF),)), "an as-of snapshot"),
        (lambda s: replace(s, silver=()), "no feeds of its own"),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_a_write_that_reads_outside_its_commit_makes_dates_run_one_at_a_time(change, why) -> None:
    assert not dates_commute(change(registry.SECTORS["tax"])), why
