"""Ageing a local Delta table's commits, so retention can be tested with real days, not seconds.

Delta dates a commit by its log file's modification time (no in-commit timestamps here), a
removed file by the `deletionTimestamp` in the log, and a stray file by its own modification
time. `age_versions` moves all three back by the same amount for chosen versions, as if those
commits had happened that long ago; VACUUM and time travel then see them as old. The checksum
files (`.crc`) hold no times but describe the snapshot, so they are dropped (Delta recomputes).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

STAMPS = {"commitInfo": ("timestamp",), "add": ("modificationTime",), "remove": ("deletionTimestamp",)}


def age_versions(spark: object, uri: str, hours_ago: Mapping[int, float]) -> None:
    """Move versions `hours_ago` keys back in time by their values (hours); other versions untouched.

    Args:
        spark: the session (its cached Delta logs are dropped so the new times are read).
        uri: a local table folder without checkpoints yet (a checkpoint would hold times too).
        hours_ago: version -> how many hours earlier it should have happened.
    """
    log = Path(uri) / "_delta_log"
    assert not list(log.glob("*.checkpoint*.parquet")), "age a table before its first checkpoint"
    for crc in log.glob("*.crc"):
        crc.unlink()
    for crc in log.glob(".*.crc"):
        crc.unlink()
    for version, hours in hours_ago.items():
        shift_ms = int(hours * 3600 * 1000)
        commit = log / f"{version:020d}.json"
        actions = [json.loads(line) for line in commit.read_text().splitlines() if line.strip()]
        for action in actions:
            for kind, fields in STAMPS.items():
                for name in fields:
                    if kind in action and name in action[kind]:
                        action[kind][name] -= shift_ms
            if "add" in action:
                data = Path(uri) / action["add"]["path"]
                then = data.stat().st_mtime - shift_ms / 1000
                os.utime(data, (then, then))
        commit.write_text("".join(json.dumps(a) + "\n" for a in actions))
        then = commit.stat().st_mtime - shift_ms / 1000
        os.utime(commit, (then, then))
    spark._jvm.org.apache.spark.sql.delta.DeltaLog.clearCache()  # type: ignore[attr-defined]
