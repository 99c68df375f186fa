"""The credit profile recomputed in plain Python from delivered rows (docs/sectors/credit.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

DISHONEST = {"dishonest_judgment_debtor", "major_tax_violation", "safety_blacklist"}


def instant(text: str) -> dt.datetime:
    """An ISO-8601 timestamp with offset as an aware UTC datetime."""
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def register_versions(changes: list[dict]) -> dict[str, dict[dt.datetime, dict]]:
    """uscc -> {change instant -> row}: the type-2 history (one version per instant, last delivered wins)."""
    versions: dict[str, dict[dt.datetime, dict]] = {}
    for row in changes:  # in delivery order
        versions.setdefault(row["uscc"], {})[instant(row["updated_at"])] = row
    return versions


def latest_sanctions(records: list[dict]) -> dict[str, dict]:
    """record_id -> the record with the latest `updated_at` (the last delivered on a tie)."""
    latest: dict[str, dict] = {}
    for row in records:
        seen = latest.get(row["record_id"])
        if seen is None or instant(row["updated_at"]) >= instant(seen["updated_at"]):
            latest[row["record_id"]] = row
    return latest


def in_force(record: dict, as_of: dt.date) -> bool:
    """Active, decided by `as_of` and within its publicity period."""
    until = record.get("valid_until") or ""
    return (
        record["status"] == "active"
        and dt.date.fromisoformat(record["decided_on"]) <= as_of
        and (until == "" or dt.date.fromisoformat(until) >= as_of)
    )


def profile(changes: list[dict], sanctions: list[dict], as_of: dt.date) -> dict[str, dict]:
    """uscc -> {status, active_sanctions, is_dishonest, credit_grade} as of the end of `as_of` (Asia/Shanghai)."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), dt.timezone(dt.timedelta(hours=8)))
    records = list(latest_sanctions(sanctions).values())
    out = {}
    for uscc, versions in register_versions(changes).items():
        known = [t for t in versions if t < end]
        if not known:
            continue
        current = versions[max(known)]
        own = [r for r in records if r["uscc"] == uscc]
        force = [r for r in own if in_force(r, as_of)]
        dishonest = any(r["category"] in DISHONEST for r in force)
        largest = max((Decimal(r["amount_cny"]) for r in force if r["amount_cny"]), default=Decimal(0))
        repaired = any(
            r["status"] == "repaired" and dt.date.fromisoformat(r["updated_at"][:10]) > as_of - dt.timedelta(days=365)
            for r in own
        )
        if dishonest or current["status"] == "revoked":
            grade = "D"
        elif len(force) >= 2 or largest >= 100_000:
            grade = "C"
        elif len(force) == 1 or repaired:
            grade = "B"
        else:
            grade = "A"
        out[uscc] = {
            "status": current["status"],
            "active_sanctions": len(force),
            "is_dishonest": dishonest,
            "credit_grade": grade,
        }
    return out
