"""kill -9 of a whole `lakehouse run` (driver and JVM) at 8 points of bronze, silver, gold and ops writes.

Two days of tax deliveries (the first two of the shared three), in two chains of runs of one command each: day one on an
empty lake (every killed write creates its table), day two on what day one left (partition
replacement and MERGE into existing tables, a gold month both days touch). Each run of a
chain is killed at a later write than the one before, so every rerun passes the previous
kill point. After each kill:

- the process group is gone (the JVM died with the driver);
- every version of every table reads, with delta-rs, exactly the records its log declares
  (no partial commit, no row of a file the log does not list);
- a kill in the middle of a write left data files of it on disk that no version lists;
- every table holds exactly what the clean run held after the same writes.

The chain ends with a plain rerun of the same command, after which the lake's content
equals the clean run's. Kill points are the n-th write to a table (`faults.py`): `before`
it starts, `mid` (a data file of it is on disk, its commit is not), `after` its commit.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from reliability.lakes import check_every_version, content, diff, group_alive, lake_content, orphan_files, tables
from reliability.runs import TAX_DAYS, Reference, Run, lakehouse, settings_in, subprocess_env

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.integration,
    pytest.mark.timeout(3600),
]

FIRST_DAY = [  # an empty lake: the killed write creates its table
    ("mid", "bronze.tax_returns", 1),
    ("after", "silver.tax_returns", 1),  # silver committed, its quarantine not yet
    ("mid", "gold.tax_revenue_monthly", 1),
    ("after", "ops.run_metrics", 3),  # gold's record written, its quality results not
]
SECOND_DAY = [  # the tables exist: partitions replaced, rows merged, a touched month rebuilt
    ("mid", "silver.tax_returns", 1),
    ("before", "gold.tax_revenue_monthly", 1),
    ("mid", "gold.tax_revenue_monthly", 1),
    ("mid", "ops.quality_results", 3),  # the run's last write
]


class Timeline:
    """The clean run's state after any number of writes to each table."""

    def __init__(self, reference: Reference) -> None:
        self.reference = reference
        self._cache: dict[tuple[str, int], list[str]] = {}

    def writes_before_day(self, day: int) -> Counter:
        """Writes per table the clean run made before day `day` (0-based) started."""
        counts: Counter = Counter()
        bronze = 0
        for entry in self.reference.run.trace:
            if entry.get("table") == "bronze.tax_returns":
                bronze += 1
                if bronze > day:
                    break
            if "table" in entry:
                counts[entry["table"]] += 1
        return counts

    def state(self, done: Counter) -> dict[tuple[str, str], list[str]]:
        """Every table's content after `done[table]` writes to it (tables not yet written are absent)."""
        out = {}
        for table, count in done.items():
            versions = self.reference.versions(table)
            if not count:
                continue
            # A write that changes nothing (the key guard of a lake that has one) may add no commit.
            version = versions[min(count, len(versions)) - 1]
            if (table, version) not in self._cache:
                self._cache[(table, version)] = content(self.reference.settings, *table.split("."), version)
            out[tuple(table.split("."))] = self._cache[(table, version)]
        return out


def completed_writes(run: Run, settings) -> tuple[Counter, dict]:
    """Writes per table that committed in a killed run, and the kill record."""
    done = Counter(e["table"] for e in run.trace if "table" in e)
    kills = [e["kill"] for e in run.trace if "kill" in e]
    assert kills, f"the run was not killed (exit {run.returncode}):\n{run.output[-2000:]}"
    kill = kills[-1]
    if kill["when"] == "mid":  # seen half-written; the commit may still have landed before the signal did
        log = Path(settings.lake_root, *kill["table"].split("."), "_delta_log")
        if len(list(log.glob("*.json"))) > kill["commits_before"]:
            kill = {**kill, "when": "mid-committed"}
    if kill["when"] in ("after", "mid-missed", "mid-committed"):
        done[kill["table"]] += 1
    return done, kill


def assert_lake_is_whole(settings) -> None:
    for layer, name in tables(settings.lake_root):
        check_every_version(settings, layer, name)


def run_chain(tmp: Path, reference: Reference, settings, day: int, points: list, stats: dict) -> None:
    timeline = Timeline(reference)
    base = timeline.writes_before_day(day)
    args = ["run", "--date", TAX_DAYS[day], "--sectors", "tax", "--run-id", "crash"]
    env = subprocess_env(settings)
    for i, (when, table, n) in enumerate(points):
        run = lakehouse(args, env, tmp / f"day{day}-kill{i}.log", {"LAKEHOUSE_TEST_KILL": f"{when}:{table}:{n}"})
        point = f"{when}:{table}:{n}"
        assert run.returncode == -9, f"{point}: exit {run.returncode}, not killed:\n{run.output[-2000:]}"
        assert group_alive(run.pgid) == [], f"{point}: processes of the run outlived the kill"
        done, kill = completed_writes(run, settings)
        assert (kill["table"], kill["n"]) == (table, n), f"{point}: killed at {kill}"
        assert_lake_is_whole(settings)
        if kill["when"] == "mid":
            left = orphan_files(settings, *table.split("."))
            assert left, f"{point}: killed mid-write, yet no file of the write is on disk"
            stats["mid_write_kills"] += 1
        expected = timeline.state(base + done)
        problems = diff(expected, lake_content(settings))
        assert not problems, f"after the kill {point} ({kill['when']}):\n" + "\n".join(problems)
        stats["kills"] += 1
        stats["killed_run_s"].append(run.seconds)
    rerun = lakehouse(args, env, tmp / f"day{day}-rerun.log", real=True)
    assert rerun.returncode == 0, rerun.output[-3000:]
    stats["rerun_s"].append(rerun.seconds)
    assert_lake_is_whole(settings)
    expected = timeline.state(timeline.writes_before_day(day + 1))
    problems = diff(expected, lake_content(settings))
    assert not problems, f"day {TAX_DAYS[day]} rerun after the kills:\n" + "\n".join(problems)


def test_a_run_killed_anywhere_leaves_committed_tables_and_a_rerun_gives_the_clean_content(
    tmp_path, settings, tax_landing, tax_reference
) -> None:
    crashed = settings_in(settings, tmp_path).with_overrides(landing_root=str(tax_landing))
    stats: dict = {"kills": 0, "mid_write_kills": 0, "killed_run_s": [], "rerun_s": []}
    run_chain(tmp_path, tax_reference, crashed, 0, FIRST_DAY, stats)
    run_chain(tmp_path, tax_reference, crashed, 1, SECOND_DAY, stats)
    assert stats["kills"] == len(FIRST_DAY) + len(SECOND_DAY)
    # Most `mid` kills land between a write's files and its commit (tiny tables commit fast).
    assert stats["mid_write_kills"] >= 3, stats
    print(
        f"\ncrash: {stats['kills']} kills ({stats['mid_write_kills']} mid-write), killed runs "
        f"{sum(stats['killed_run_s']):.0f} s, reruns (one day each) {[round(s) for s in stats['rerun_s']]} s, "
        f"clean run of three days {tax_reference.run.seconds:.0f} s"
    )
