"""Fault injection for the reliability tests: kill -9 the whole process group around or during a lake write.

Nothing of this is in the package: a test starts the real command through
`faulty_lakehouse.py` (or Airflow parses `faulty_dag.py`), which calls `install()` before
anything runs. `install()` wraps `Lake.write` according to the environment:

- `LAKEHOUSE_TEST_KILL=<when>:<layer.table>:<n>` — at the `n`-th write to that table in
  this process: `before` (nothing of the write exists yet), `mid` (as soon as a new data
  file of the table is on disk while no new commit is: the write is half done) or `after`
  (its commit is done, whatever follows in the step is not). The signal goes to the
  process group: the Python driver and its JVM die together, as on a lost node.
- `LAKEHOUSE_TEST_KILL_ONCE=<file>` — kill only while `<file>` does not exist (created just
  before the kill), so a retry of the same task runs clean.
- `LAKEHOUSE_TEST_TRACE=<file>` — append one JSON line per finished write: table, version
  after it; and one line `{"kill": ...}` just before a kill.
- `LAKEHOUSE_TEST_BARRIER=<folder>:<n>` — before the first write, wait until `n` processes
  arrived, so concurrent runs really race (they start their writes together).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

KILL, ONCE, TRACE, BARRIER = (
    "LAKEHOUSE_TEST_KILL",
    "LAKEHOUSE_TEST_KILL_ONCE",
    "LAKEHOUSE_TEST_TRACE",
    "LAKEHOUSE_TEST_BARRIER",
)


def _trace(entry: dict[str, Any]) -> None:
    path = os.environ.get(TRACE)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")
            out.flush()
            os.fsync(out.fileno())


def kill_group(reason: dict[str, Any]) -> None:
    """SIGKILL this process's whole group (driver and JVM), once per marker file if one is set."""
    once = os.environ.get(ONCE)
    if once:
        if Path(once).exists():
            return
        Path(once).write_text(json.dumps({**reason, "at": time.time()}), "utf-8")
    _trace({"kill": {**reason, "at": time.time()}, "pid": os.getpid()})
    os.killpg(os.getpgrp(), signal.SIGKILL)


def _commits(table: Path) -> set[str]:
    log = table / "_delta_log"
    return {p.name for p in log.glob("*.json")} if log.is_dir() else set()


def _data_files(table: Path) -> set[str]:
    return {str(p.relative_to(table)) for p in table.rglob("*.parquet") if "_delta_log" not in p.parts}


def _kill_mid_write(
    table: Path, files: set[str], commits: set[str], reason: dict[str, Any], done: threading.Event
) -> None:
    """Watch `table` while a write runs: kill as soon as a new data file is there but no new commit."""
    while not done.is_set():
        if _commits(table) != commits:
            return  # committed before a new file was seen: the `after` kill of the caller follows
        new = _data_files(table) - files
        if new:
            kill_group({**reason, "new_files": sorted(new)[:3]})
        time.sleep(0.005)


def _version(table: Path) -> int | None:
    """The table's version as an independent reader (delta-rs) sees it, without asking Spark."""
    from deltalake import DeltaTable

    return DeltaTable(str(table)).version() if _commits(table) else None


def _barrier(spec: str) -> None:
    folder, _, n = spec.rpartition(":")
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / str(os.getpid())).touch()
    while len(list(Path(folder).iterdir())) < int(n):
        time.sleep(0.02)


def install() -> None:
    """Wrap `Lake.write` as the environment says (nothing when it says nothing)."""
    from pipelines.io.lake import Lake

    spec, barrier = os.environ.get(KILL, ""), os.environ.get(BARRIER, "")
    if not (spec or barrier or os.environ.get(TRACE)):
        return
    when, target, nth = (spec.split(":") + ["", "", "0"])[:3] if spec else ("", "", "0")
    original, seen, waited = Lake.write, {"n": 0}, {"done": not barrier}

    def write(self: Lake, ref: Any, frame: Any, rule: Any, *args: Any, **kwargs: Any) -> None:
        if not waited["done"]:
            _barrier(barrier)
            waited["done"] = True
        hit = False
        if str(ref) == target:
            seen["n"] += 1
            hit = seen["n"] == int(nth)
        reason = {"when": when, "table": target, "n": int(nth)}
        if hit and when == "before":
            kill_group(reason)
        done = threading.Event()
        root = Path(self.uri(ref).removeprefix("file:"))
        if hit and when == "mid":
            commits = _commits(root)
            reason["commits_before"] = len(commits)  # the kill may still race the commit: the test looks
            watch = (root, _data_files(root), commits, reason, done)
            threading.Thread(target=_kill_mid_write, args=watch, daemon=True).start()
        try:
            original(self, ref, frame, rule, *args, **kwargs)  # the schema evolution too
        finally:
            done.set()
        if hit and when in ("after", "mid"):
            kill_group({**reason, "when": "after" if when == "after" else "mid-missed"})
        _trace({"table": str(ref), "version": _version(root)})

    Lake.write = write  # type: ignore[method-assign]
