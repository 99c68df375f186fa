"""Optimistic concurrency for lake writes: a commit that lost a race is tried again.

Delta commits optimistically: a writer that finds a concurrent commit touching what it read
or removed fails with one of Delta's conflict exceptions, and nothing of it is visible. Two
writers creating the same table meet the same way (`ProtocolChangedException`, or
`DELTA_PATH_EXISTS` when the other one finished first). Every write rule of the lake is
idempotent and re-reads the table when it starts, so trying the whole write again, after an
exponential backoff with full jitter, is always correct; `WriteStats` counts what happened
so each step can record its conflicts and retries in `ops.run_metrics`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

CONFLICTS = (
    "ConcurrentAppendException",
    "ConcurrentDeleteReadException",
    "ConcurrentDeleteDeleteException",
    "ConcurrentTransactionException",
    "ConcurrentWriteException",
    "MetadataChangedException",
    "ProtocolChangedException",
)
"""Delta's commit conflicts (Python class names, also found in the JVM exception's text)."""
ERROR_CLASSES = (
    "DELTA_CONCURRENT_",
    "DELTA_METADATA_CHANGED",
    "DELTA_PROTOCOL_CHANGED",
    "DELTA_PATH_EXISTS",  # the first-create race: the other writer created the table first
    "FIELD_ALREADY_EXISTS",  # the same race for a column two writers add (`pipelines.io.evolve`)
    "FIELDS_ALREADY_EXISTS",
)


class ConflictsExhausted(RuntimeError):
    """A write kept conflicting with concurrent writers after every allowed attempt."""


def is_conflict(err: BaseException) -> bool:
    """True when `err` says a concurrent writer won the commit (retrying is safe), not that the write is wrong."""
    names = {c.__name__ for c in type(err).__mro__}
    if names & set(CONFLICTS):
        return True
    text = str(err)
    if any(e in text for e in ERROR_CLASSES) or any(c in text for c in CONFLICTS):
        return True
    return "DeltaAnalysisException" in names and "already exists" in text


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt `n` waits a uniform time in `[0, min(cap, base * 2**n)]`.

    Attributes:
        attempts: how many times a write is tried in all (the first try included).
        base_s: the first wait's upper bound.
        cap_s: the largest wait's upper bound.
    """

    attempts: int = 8
    base_s: float = 0.5
    cap_s: float = 20.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before try `attempt + 2` (after `attempt + 1` failures)."""
        return (rng or random).uniform(0.0, min(self.cap_s, self.base_s * 2**attempt))


@dataclass
class WriteStats:
    """Conflicts met and retries made by one process's lake writes (a step reads the difference)."""

    conflicts: int = 0
    retries: int = 0
    waited_s: float = 0.0

    def copy(self) -> WriteStats:
        """A snapshot, to subtract later."""
        return WriteStats(self.conflicts, self.retries, self.waited_s)

    def since(self, earlier: WriteStats) -> tuple[int, int]:
        """Conflicts and retries counted after `earlier` was taken."""
        return self.conflicts - earlier.conflicts, self.retries - earlier.retries


def retrying(
    action: Callable[[], T],
    what: str,
    backoff: Backoff,
    stats: WriteStats,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `action` until it does not conflict, waiting `backoff` between tries.

    Args:
        action: an idempotent write (it re-reads the table it writes on every call).
        what: the table, for messages.
        backoff: how many tries and how long to wait.
        stats: where conflicts and retries are counted.
        sleep: how to wait (tests pass a fake).

    Returns:
        What `action` returns.

    Raises:
        ConflictsExhausted: every try conflicted (the last conflict is its cause).
        Exception: whatever else `action` raises, at once (a real error is not retried).
    """
    import delta.exceptions  # noqa: F401  (installs the JVM -> Python conversion of Delta's conflicts)

    for attempt in range(backoff.attempts):
        try:
            return action()
        except Exception as err:
            if not is_conflict(err):
                raise
            stats.conflicts += 1
            if attempt + 1 == backoff.attempts:
                raise ConflictsExhausted(
                    f"{what}: still conflicting with concurrent writers after {backoff.attempts} tries: "
                    f"{type(err).__name__}: {str(err).splitlines()[0][:300]}"
                ) from err
            wait = backoff.delay(attempt)
            log.warning(
                "%s: concurrent commit (%s); try %d of %d in %.2f s",
                what,
                type(err).__name__,
                attempt + 2,
                backoff.attempts,
                wait,
            )
            stats.retries += 1
            stats.waited_s += wait
            sleep(wait)
    raise AssertionError("unreachable")  # the loop returns or raises
