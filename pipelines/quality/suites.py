"""Quality suites as package data: `quality/suites/<layer>/<table>.yaml`, installed as `pipelines.suites`.

A suite is a list of Great Expectations expectations (type + kwargs), each with a
`policy`: `block` or `warn`; a silver suite may add a delivery-level
`quarantine: {max_share: …, policy: …}` threshold.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import yaml

SUITES_DIR: Traversable = files("pipelines.suites")
POLICIES = ("block", "warn")


def _document(layer: str, table: str) -> dict[str, Any] | None:
    path = SUITES_DIR / layer / f"{table}.yaml"
    return (yaml.safe_load(path.read_text("utf-8")) or {}) if path.is_file() else None


def load_suite(layer: str, table: str) -> list[dict[str, Any]]:
    """The expectations of `quality/suites/<layer>/<table>.yaml` (empty when there is none)."""
    document = _document(layer, table)
    if document is None:
        return []
    entries = document["expectations"]
    for entry in entries:
        if entry.get("policy", "block") not in POLICIES:
            raise ValueError(f"suite {layer}/{table}.yaml: policy must be one of {POLICIES}: {entry}")
    return entries


def quarantine_rule(table: str) -> dict[str, Any] | None:
    """The delivery-level quarantine threshold of `silver.<table>`'s suite (None when it sets none)."""
    document = _document("silver", table)
    return document.get("quarantine") if document else None


def policy_meta(entry: dict[str, Any]) -> dict[str, str]:
    """The GX `meta` of a suite entry: its policy (default block) and why."""
    return {"policy": entry.get("policy", "block"), "why": entry.get("why", "")}
