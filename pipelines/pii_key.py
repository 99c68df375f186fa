"""One PII key per lake: a run whose key is missing or is not the one the lake's tokens were made with stops before it writes.

Tokens (`pipelines.transforms.pii`) join across tables and days only if every one of them
was made with the same key; a run with another key would silently split every person and
vehicle in two. So the lake records the key's *fingerprint* — HMAC-SHA256 of a fixed text
under the key, which tells nothing about the key — in `ops.pii_key` the first time a run
uses it, and every run (each `lakehouse run`, `lakehouse replay` and Airflow task) compares
its own key's fingerprint with it before any write.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from pipelines.io.lake import Lake
from pipelines.io.refs import InsertNew, TableRef

PII_KEY = TableRef("ops", "pii_key")
SCHEMA = "lake string, fingerprint string, recorded_at timestamp, run_id string"
FINGERPRINT_TEXT = b"lakehouse pii-key fingerprint v1"
SHOWN = 12  # hex characters of a fingerprint shown in messages


class PiiKeyError(RuntimeError):
    """The PII key is missing, or differs from the key the lake's tokens were made with."""


def fingerprint(key: str) -> str:
    """HMAC-SHA256 (hex) of a fixed text under `key`: equal for equal keys, and no way back to the key."""
    return hmac.new(key.encode("utf-8"), FINGERPRINT_TEXT, hashlib.sha256).hexdigest()


def recorded(lake: Lake) -> str | None:
    """The fingerprint the lake's tokens were made with (None before the first run that recorded one)."""
    if not lake.exists(PII_KEY):
        return None
    row = lake.read(PII_KEY).where("lake = 'tokens'").select("fingerprint").first()
    return None if row is None else str(row[0])


def check_pii_key(lake: Lake, run_id: str) -> str:
    """Make sure the configured key is the lake's; record its fingerprint when the lake has none yet.

    Call it before a run writes anything. Of two first runs racing with different keys,
    the first to commit its fingerprint wins and the other one stops here.

    Returns:
        The key's fingerprint.

    Raises:
        PiiKeyError: no key is configured, or it is not the lake's key (nothing was written).
    """
    try:
        key = lake.settings.pii_secret()
    except RuntimeError as err:
        raise PiiKeyError(f"{err} Nothing was written.") from None
    mine = fingerprint(key)
    stored = recorded(lake)
    if stored is None:
        row = {"lake": "tokens", "fingerprint": mine, "recorded_at": datetime.now(UTC).replace(tzinfo=None)}
        frame = lake.spark.createDataFrame([{**row, "run_id": run_id}], SCHEMA)
        lake.write(PII_KEY, frame, InsertNew(("lake",)))
        stored = recorded(lake)
    if stored != mine:
        raise PiiKeyError(
            f"PII key mismatch: the configured key (fingerprint {mine[:SHOWN]}…) is not the key the tokens of "
            f"{lake.settings.lake_root} were made with (fingerprint {str(stored)[:SHOWN]}…, in {PII_KEY}). "
            "Set LAKEHOUSE_PII_KEY or pii_key_file to the lake's key. Nothing was written."
        )
    return mine
