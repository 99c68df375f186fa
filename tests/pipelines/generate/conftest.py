"""Shared fixtures: small generated landing zones (scale 0.2, about a second each)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipelines.generate import generate

START = dt.date(2026, 11, 12)  # mid-month: tax returns are being declared
DAYS = 2
SCALE = 0.2


@pytest.fixture(scope="session")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two days of every feed with a high defect rate, so every kind shows up."""
    root = tmp_path_factory.mktemp("landing")
    generate(str(root), START, days=DAYS, scale=SCALE, seed=7, defect_rate=0.08)
    return root


@pytest.fixture(scope="session")
def clean_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two days of every feed without defects."""
    root = tmp_path_factory.mktemp("clean")
    generate(str(root), START, days=DAYS, scale=SCALE, seed=7, defect_rate=0.0)
    return root


def deliveries(root: Path) -> list[Path]:
    """All delivery folders under a landing root."""
    return sorted(p for p in root.glob("*/*/dt=*") if p.is_dir() and not p.parts[-3].startswith("_"))


def truth_records(root: Path, delivery: Path) -> list[dict]:
    """The ground-truth records of a delivery folder."""
    sector, feed, part = delivery.parts[-3:]
    path = root / "_ground_truth" / sector / feed / f"{part}.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def feed_of(delivery: Path) -> str:
    """`sector/feed` of a delivery folder."""
    return "/".join(delivery.parts[-3:-1])


def day_of(delivery: Path) -> dt.date:
    """Business date of a delivery folder."""
    return dt.date.fromisoformat(delivery.name.removeprefix("dt="))


def truth_summary(root: Path, feed: str, day: dt.date) -> dict:
    """The ground-truth summary of `sector/feed` for `day` (rows per file, defect counts, behaviour)."""
    sector, name = feed.split("/")
    return json.loads((root / "_ground_truth" / sector / name / f"dt={day}.summary.json").read_text("utf-8"))
