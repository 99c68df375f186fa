"""`generate()` is deterministic: the same seed and arguments give the same bytes, another seed other data."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from pipelines.generate import generate

ARGS = {"start": dt.date(2026, 11, 12), "days": 2, "scale": 0.02, "defect_rate": 0.05}


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    generate(str(tmp_path / "a"), seed=11, **ARGS)
    generate(str(tmp_path / "b"), seed=11, **ARGS)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert a == b
    assert any(k.endswith("_manifest.json") for k in a) and any("_ground_truth" in k for k in a)


def test_other_seed_other_data(tmp_path: Path) -> None:
    generate(str(tmp_path / "a"), seed=11, **ARGS)
    generate(str(tmp_path / "b"), seed=12, **ARGS)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    data = [k for k in a if "/dt=" in k and "_ground_truth" not in k and not k.endswith("_manifest.json")]
    assert data and all(a[k] != b.get(k) for k in data if k in b)


def test_a_day_alone_equals_the_same_day_in_a_longer_run(tmp_path: Path) -> None:
    """Days are independent of run length (except the first day's full loads)."""
    generate(str(tmp_path / "long"), seed=11, start=dt.date(2026, 11, 12), days=2, scale=0.02, defect_rate=0.05)
    generate(str(tmp_path / "one"), seed=11, start=dt.date(2026, 11, 12), days=1, scale=0.02, defect_rate=0.05)
    one = _digests(tmp_path / "one")
    long = _digests(tmp_path / "long")
    for key, digest in one.items():
        if "/dt=2026-11-12" in key:
            assert long[key] == digest, key
