"""Which sector DAGs may run several dates at once: only those whose writes commute (no Airflow needed)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipelines import registry
from pipelines.core.spec import GoldMode, WriteMode
from pipelines.orchestration.factory import dates_commute


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
