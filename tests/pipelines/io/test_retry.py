"""Conflict retries of lake writes: which errors are retried, how long it waits, what it counts (no Spark)."""

from __future__ import annotations

import random

import pytest

from pipelines.io.retry import Backoff, ConflictsExhausted, WriteStats, is_conflict, retrying


class ConcurrentAppendException(Exception):
    """Named like Delta's: classified by class name, as the captured PySpark exception is."""


@pytest.mark.parametrize(
    "err",
    [
        ConcurrentAppendException("files were added to partition [tax_period=2026-10]"),
        RuntimeError("[DELTA_CONCURRENT_DELETE_READ] ConcurrentDeleteReadException: a file was removed"),
        RuntimeError("[DELTA_PROTOCOL_CHANGED] multiple writers are writing to an empty directory"),
        RuntimeError("[DELTA_METADATA_CHANGED] MetadataChangedException: the metadata changed"),
        RuntimeError("[DELTA_PATH_EXISTS] Cannot write to already existent path file:/lake/silver/t"),
        RuntimeError("io.delta.exceptions.ConcurrentTransactionException: txn app id"),
    ],
    ids=lambda e: str(e)[:30],
)
def test_delta_conflicts_are_retried(err: Exception) -> None:
    assert is_conflict(err)


@pytest.mark.parametrize(
    "err",
    [
        ValueError("[DELTA_REPLACE_WHERE_MISMATCH] written data does not conform to the replaceWhere"),
        RuntimeError("Py4JNetworkError: Answer from Java side is empty"),
        KeyError("tax_period"),
    ],
    ids=lambda e: str(e)[:30],
)
def test_other_errors_are_not(err: Exception) -> None:
    assert not is_conflict(err)


def test_a_conflicting_write_is_tried_again_and_counted() -> None:
    calls, waits = [], []

    def write() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConcurrentAppendException("lost the commit")
        return "committed"

    stats = WriteStats()
    assert retrying(write, "silver.t", Backoff(attempts=5, base_s=1.0), stats, sleep=waits.append) == "committed"
    assert (len(calls), stats.conflicts, stats.retries) == (3, 2, 2)
    assert 0 <= waits[0] <= 1.0 and 0 <= waits[1] <= 2.0
    assert stats.waited_s == pytest.approx(sum(waits))


def test_it_gives_up_after_the_allowed_attempts() -> None:
    stats = WriteStats()

    def write() -> None:
        raise ConcurrentAppendException("lost again")

    with pytest.raises(ConflictsExhausted, match=r"silver\.t: still conflicting .* after 3 tries"):
        retrying(write, "silver.t", Backoff(attempts=3), stats, sleep=lambda s: None)
    assert (stats.conflicts, stats.retries) == (3, 2)


def test_a_real_error_is_raised_at_once() -> None:
    stats, calls = WriteStats(), []

    def write() -> None:
        calls.append(1)
        raise ValueError("bad rule")

    with pytest.raises(ValueError, match="bad rule"):
        retrying(write, "gold.t", Backoff(), stats, sleep=lambda s: None)
    assert (len(calls), stats.conflicts) == (1, 0)


def test_backoff_grows_exponentially_up_to_its_cap_with_full_jitter() -> None:
    backoff, rng = Backoff(base_s=0.5, cap_s=4.0), random.Random(1)
    bounds = [min(4.0, 0.5 * 2**n) for n in range(8)]
    delays = [[backoff.delay(n, rng) for _ in range(200)] for n in range(8)]
    assert all(0 <= d <= b for ds, b in zip(delays, bounds, strict=True) for d in ds)
    assert max(delays[0]) < 0.5 < max(delays[3])  # it grows …
    assert max(delays[7]) <= 4.0 < 0.5 * 2**7  # … up to the cap
    assert min(delays[3]) < 1.0  # jitter spreads waits over the whole interval


def test_stats_tell_what_happened_since_a_snapshot() -> None:
    stats = WriteStats(conflicts=2, retries=1)
    seen = stats.copy()
    stats.conflicts, stats.retries = 5, 3
    assert stats.since(seen) == (3, 2)
