"""Three dates of the tax sector run at once, by three `lakehouse run` processes into one lake.

They start their writes together (a barrier before the first write), so they race for
every table's creation, MERGE into the same silver months and rebuild the same gold month.
All succeed; the lake ends with exactly the content of one process running the dates one
after the other; and an analyst reading gold all along (delta-rs, the latest snapshot each
time) always sees the total of one committed version, never a mix.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from deltalake import DeltaTable

from pipelines.query import arrow_table, read_table
from reliability.lakes import diff, lake_content
from reliability.runs import TAX_DAYS, lakehouse, settings_in, subprocess_env

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.integration,
    pytest.mark.timeout(3600),
]
GOLD = ("gold", "tax_revenue_monthly")


def _total(table) -> tuple[int, str]:
    """Rows and total tax due of a gold snapshot (what an analyst's query would answer)."""
    return table.num_rows, str(sum(table.column("tax_due_cny").to_pylist(), start=0))


class GoldReader(threading.Thread):
    """Reads the latest gold snapshot in a loop, noting the versions current before and after each read."""

    def __init__(self, settings) -> None:
        super().__init__(daemon=True)
        self.settings, self.stop, self.seen, self.errors = settings, threading.Event(), [], []
        self.uri = str(Path(settings.lake_root, *GOLD))

    def run(self) -> None:
        while not self.stop.is_set():
            if not (Path(self.uri) / "_delta_log").is_dir() or not list((Path(self.uri) / "_delta_log").glob("*.json")):
                time.sleep(0.2)
                continue
            try:
                before = DeltaTable(self.uri).version()
                total = _total(arrow_table(self.settings, *GOLD))
                after = DeltaTable(self.uri).version()
                self.seen.append((before, after, total))
            except Exception as err:  # a reader must never fail while writers commit
                self.errors.append(repr(err))
            time.sleep(0.05)


def test_three_dates_at_once_end_as_if_run_one_after_the_other(tmp_path, settings, tax_landing, tax_reference) -> None:
    lake = settings_in(settings, tmp_path).with_overrides(landing_root=str(tax_landing))
    env = subprocess_env(lake)
    together = {"LAKEHOUSE_TEST_BARRIER": f"{tmp_path / 'barrier'}:{len(TAX_DAYS)}"}
    reader = GoldReader(lake)
    reader.start()
    started = time.monotonic()

    def run(i: int):
        args = ["run", "--date", TAX_DAYS[i], "--sectors", "tax", "--run-id", f"concurrent-{i}"]
        return lakehouse(args, env, tmp_path / f"date{i}.log", together)

    with ThreadPoolExecutor(len(TAX_DAYS)) as pool:
        runs = list(pool.map(run, range(len(TAX_DAYS))))
    wall = time.monotonic() - started
    reader.stop.set()
    reader.join()

    for r in runs:
        assert r.returncode == 0, r.output[-3000:]
    # Every table equal, ops records too but for the silver rows a gold step counted (`ORDER_DEPENDENT`).
    problems = diff(lake_content(tax_reference.settings, order_free=True), lake_content(lake, order_free=True))
    assert not problems, "concurrent runs differ from sequential ones:\n" + "\n".join(problems)

    # They did race: the first write of each (the lake's PII key record) was made at the same moment.
    assert any("concurrent commit" in r.output for r in runs), "no write conflicted: the test raced nothing"
    metrics = read_table(lake, "ops", "run_metrics")
    conflicts, retries = sum(m["conflicts"] or 0 for m in metrics), sum(m["retries"] or 0 for m in metrics)

    totals = {
        v: _total(arrow_table(lake, *GOLD, version=v))
        for v in range(DeltaTable(str(Path(lake.lake_root, *GOLD))).version() + 1)
    }
    assert reader.errors == []
    assert len(reader.seen) >= 3, "the reader saw too little to prove anything"
    for before, after, total in reader.seen:
        assert total in {totals[v] for v in range(before, after + 1)}, (
            f"a read between v{before} and v{after} saw {total}"
        )
    print(
        f"\nconcurrent: {len(TAX_DAYS)} dates at once in {wall:.0f} s (sequential in one process: "
        f"{tax_reference.run.seconds:.0f} s); steps' conflicts {conflicts}, retries {retries}; "
        f"gold read {len(reader.seen)} times over {len(totals)} versions"
    )
