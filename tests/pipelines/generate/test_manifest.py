"""Manifests: written last, and they match the files (sha256, bytes, data rows)."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq

from pipelines.generate import generate
from pipelines.io.storage import LocalStorage, Prefixed
from tests.pipelines.generate.conftest import deliveries


def _data_rows(path: Path) -> int:
    if path.suffix == ".parquet":
        return pq.read_metadata(path).num_rows
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    return lines if ".jsonl" in path.name else lines - 1


def test_manifests_match_their_files(landing: Path) -> None:
    folders = deliveries(landing)
    assert len(folders) == 20  # 10 feeds x 2 days
    for delivery in folders:
        manifest = json.loads((delivery / "_manifest.json").read_text("utf-8"))
        sector, feed, part = delivery.parts[-3:]
        assert (manifest["sector"], manifest["feed"], "dt=" + manifest["dt"]) == (sector, feed, part)
        assert manifest["schema_version"] == 1 and manifest["producer"]
        assert manifest["generated_at"].endswith("+08:00")
        assert dt.datetime.fromisoformat(manifest["generated_at"]).date() > dt.date.fromisoformat(manifest["dt"])
        names = sorted(p.name for p in delivery.iterdir() if p.name != "_manifest.json")
        assert names == sorted(f["name"] for f in manifest["files"])
        for entry in manifest["files"]:
            path = delivery / entry["name"]
            assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            assert entry["bytes"] == path.stat().st_size
            assert entry["rows"] == _data_rows(path), entry["name"]


def test_truth_summary_counts_rows_per_file(landing: Path) -> None:
    for delivery in deliveries(landing):
        sector, feed, part = delivery.parts[-3:]
        manifest = json.loads((delivery / "_manifest.json").read_text("utf-8"))
        summary = json.loads((landing / "_ground_truth" / sector / feed / f"{part}.summary.json").read_text("utf-8"))
        assert summary["rows_per_file"] == {f["name"]: f["rows"] for f in manifest["files"]}


class RecordingSink(Prefixed):
    """A local sink that remembers the order of writes."""

    def __init__(self, root: Path) -> None:
        super().__init__(LocalStorage(), str(root))
        self.order: list[str] = []

    def put(self, key: str, data: bytes) -> None:
        self.order.append(key)
        super().put(key, data)


def test_manifest_is_written_last(tmp_path: Path, monkeypatch) -> None:
    sink = RecordingSink(tmp_path)
    monkeypatch.setattr("pipelines.generate.api.open_sink", lambda location: sink)
    generate(str(tmp_path), dt.date(2026, 11, 12), scale=0.02, sectors=["energy"])
    data_keys = [k for k in sink.order if "/dt=" in k and not k.endswith(".json") and not k.endswith(".jsonl")]
    for key in data_keys:
        folder = key.rsplit("/", 1)[0]
        assert sink.order.index(folder + "/_manifest.json") > sink.order.index(key)


def test_parts_are_bounded(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("pipelines.generate.feeds.base.CHUNK_ROWS", 5_000)
    monkeypatch.setattr("pipelines.generate.feeds.energy.CHUNK_ROWS", 5_000)
    report = generate(str(tmp_path), dt.date(2026, 11, 12), scale=0.01, sectors=["energy"], defect_rate=0.0)
    readings = next(d for d in report.deliveries if d.feed == "readings")
    assert len(readings.files) > 5
    assert max(readings.files.values()) <= 5_000
    assert list(readings.files) == [f"part-{i:05d}.parquet" for i in range(len(readings.files))]
