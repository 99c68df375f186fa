"""Delivery-level defects requested through `delivery_defects`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.generate import generate
from tests.pipelines.generate import oracle

DAY = dt.date(2026, 11, 12)
FOLDER = "tax/returns/dt=2026-11-12"


def _generate(root: Path, *requests: str, sectors: tuple[str, ...] = ("tax",), scale: float = 0.05) -> None:
    generate(str(root), DAY, scale=scale, sectors=list(sectors), defect_rate=0.0, delivery_defects=requests)


def _truth(root: Path, folder: str = FOLDER) -> list[dict]:
    sector, feed, part = folder.split("/")
    text = (root / "_ground_truth" / sector / feed / f"{part}.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines()]


def _manifest(root: Path, folder: str = FOLDER) -> dict:
    return json.loads((root / folder / "_manifest.json").read_text("utf-8"))


def test_missing_manifest(tmp_path: Path) -> None:
    _generate(tmp_path, "tax/returns:missing_manifest")
    assert (tmp_path / FOLDER / "part-00000.csv").exists()
    assert not (tmp_path / FOLDER / "_manifest.json").exists()
    assert [r["defect"] for r in _truth(tmp_path)] == ["missing_manifest"]


def test_checksum_mismatch(tmp_path: Path) -> None:
    _generate(tmp_path, "tax/returns:checksum_mismatch")
    entry = _manifest(tmp_path)["files"][0]
    assert entry["sha256"] != hashlib.sha256((tmp_path / FOLDER / entry["name"]).read_bytes()).hexdigest()
    assert _truth(tmp_path)[0] | {"detail": ""} == {
        "sector": "tax",
        "feed": "returns",
        "dt": "2026-11-12",
        "file": "part-00000.csv",
        "row": None,
        "defect": "checksum_mismatch",
        "detail": "",
    }


def test_row_count_mismatch(tmp_path: Path) -> None:
    _generate(tmp_path, "tax/returns:row_count_mismatch")
    entry = _manifest(tmp_path)["files"][0]
    lines = (tmp_path / FOLDER / entry["name"]).read_bytes().count(b"\n") - 1
    assert entry["rows"] != lines
    assert [r["defect"] for r in _truth(tmp_path)] == ["row_count_mismatch"]


def test_missing_column(tmp_path: Path) -> None:
    _generate(tmp_path, "tax/returns:missing_column")
    header = (tmp_path / FOLDER / "part-00000.csv").read_bytes().decode("gbk").split("\n", 1)[0].split(",")
    assert "纳税人识别号" not in header and len(header) == 10
    assert [r["defect"] for r in _truth(tmp_path)] == ["missing_column"]


def test_undecodable_gbk(tmp_path: Path) -> None:
    _generate(tmp_path, "tax/returns:undecodable_gbk")
    with pytest.raises(UnicodeDecodeError):
        (tmp_path / FOLDER / "part-00000.csv").read_bytes().decode("gbk")
    assert [r["defect"] for r in _truth(tmp_path)] == ["undecodable_gbk"]


def test_undecodable_gbk_only_for_gbk_feeds(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="GBK"):
        _generate(tmp_path, "health/hospitals:undecodable_gbk", sectors=("health",))


def test_truncated_text_file(tmp_path: Path) -> None:
    _generate(tmp_path, "tax/returns:truncated_file")
    data = (tmp_path / FOLDER / "part-00000.csv").read_bytes()
    assert not data.endswith(b"\n")
    header, lines = oracle.text_rows("tax/returns", data, "part-00000.csv")
    assert oracle.parse("tax/returns", header, lines[-1]) is None
    assert all(oracle.parse("tax/returns", header, line) is not None for line in lines[:-1])
    entry = _manifest(tmp_path)["files"][0]
    assert entry["rows"] == len(lines) and entry["sha256"] == hashlib.sha256(data).hexdigest()
    [record] = _truth(tmp_path)
    assert record["defect"] == "truncated_file" and f"({len(lines)})" in record["detail"]


def test_truncated_parquet_is_unreadable(tmp_path: Path) -> None:
    _generate(tmp_path, "energy/readings:truncated_file", sectors=("energy",), scale=0.01)
    folder = tmp_path / "energy/readings/dt=2026-11-12"
    with pytest.raises(Exception):  # noqa: B017 - any arrow error: the footer is gone
        pq.read_metadata(sorted(folder.glob("part-*"))[-1])


def test_empty_delivery(tmp_path: Path) -> None:
    _generate(tmp_path, "tax/returns:empty_delivery")
    manifest = _manifest(tmp_path)
    assert [f["rows"] for f in manifest["files"]] == [0]
    text = (tmp_path / FOLDER / "part-00000.csv").read_bytes().decode("gbk")
    assert text.count("\n") == 1 and text.startswith("申报序号,")
    assert [r["defect"] for r in _truth(tmp_path)] == ["empty_delivery"]


def test_schema_drift(tmp_path: Path) -> None:
    _generate(tmp_path, "tax/returns:schema_drift")
    header = (tmp_path / FOLDER / "part-00000.csv").read_bytes().decode("gbk").split("\n", 1)[0].split(",")
    assert header[-1] == "备注" and len(header) == 12
    [record] = _truth(tmp_path)
    assert record["defect"] == "schema_drift" and record["row"] is None and "备注" in record["detail"]


def test_defect_on_one_day_only(tmp_path: Path) -> None:
    generate(
        str(tmp_path),
        DAY,
        days=2,
        scale=0.05,
        sectors=["tax"],
        defect_rate=0.0,
        delivery_defects=["tax/returns:missing_manifest@2026-11-13"],
    )
    assert (tmp_path / FOLDER / "_manifest.json").exists()
    assert not (tmp_path / "tax/returns/dt=2026-11-13/_manifest.json").exists()


def test_bad_requests_are_refused(tmp_path: Path) -> None:
    for request in ("tax/returns:no_such_kind", "tax:missing_manifest", "energy/readings:missing_manifest"):
        with pytest.raises(ValueError):
            _generate(tmp_path, request)


def test_redelivery_replaces_the_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("pipelines.generate.feeds.energy.CHUNK_ROWS", 5_000)
    _generate(tmp_path, sectors=("energy",), scale=0.01)
    before = sorted(p.name for p in (tmp_path / "energy/readings/dt=2026-11-12").iterdir())
    _generate(tmp_path, "energy/readings:empty_delivery", sectors=("energy",), scale=0.01)
    after = sorted(p.name for p in (tmp_path / "energy/readings/dt=2026-11-12").iterdir())
    assert len(before) > 3
    assert after == ["_manifest.json", "part-00000.parquet"]
