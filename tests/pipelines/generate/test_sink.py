"""The generator's sink: key layout on an object store (through a folder-backed client) and settings from the environment."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from pipelines.generate import generate
from pipelines.generate.sink import open_sink
from pipelines.io.objectstore import object_store
from pipelines.io.storage import Prefixed, S3Storage
from pipelines.settings import load_settings


class FolderClient:
    """Just enough of a boto3 S3 client, storing objects as files under a folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.puts: list[str] = []

    def put_object(self, Bucket: str, Key: str, Body: bytes) -> None:  # noqa: N803 - boto3's names
        path = self.root / Bucket / Key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(Body)
        self.puts.append(f"{Bucket}/{Key}")

    def get_object(self, Bucket: str, Key: str) -> dict:  # noqa: N803
        return {"Body": io.BytesIO((self.root / Bucket / Key).read_bytes())}

    def delete_object(self, Bucket: str, Key: str) -> None:  # noqa: N803
        (self.root / Bucket / Key).unlink(missing_ok=True)

    def list_objects_v2(self, Bucket: str, Prefix: str, **_: str) -> dict:  # noqa: N803
        base = self.root / Bucket
        keys = sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file())
        return {"Contents": [{"Key": k} for k in keys if k.startswith(Prefix)], "IsTruncated": False}


def test_s3_key_layout(tmp_path: Path, monkeypatch) -> None:
    client = FolderClient(tmp_path)
    monkeypatch.setattr("pipelines.generate.api.open_sink", lambda location: open_sink(location, client=client))
    report = generate("s3://lake/landing", dt.date(2026, 11, 12), scale=0.02, sectors=["tax"])
    assert report.landing == "s3://lake/landing"
    assert client.puts[0] == "lake/landing/_ground_truth/world.json"
    data = [k for k in client.puts if "/dt=" in k and "_ground_truth" not in k]
    assert data == [
        "lake/landing/tax/returns/dt=2026-11-12/part-00000.csv",
        "lake/landing/tax/returns/dt=2026-11-12/_manifest.json",
    ]
    assert "lake/landing/_ground_truth/tax/returns/dt=2026-11-12.jsonl" in client.puts


def test_s3_sink_lists_relative_keys(tmp_path: Path) -> None:
    sink = Prefixed(S3Storage(FolderClient(tmp_path)), "s3://bucket/a/b/")
    sink.put("x/dt=1/part-00000.csv", b"1")
    sink.put("x/dt=1/_manifest.json", b"{}")
    assert sink.list("x/dt=1/") == ["x/dt=1/_manifest.json", "x/dt=1/part-00000.csv"]
    assert sink.get("x/dt=1/part-00000.csv") == b"1"
    sink.delete("x/dt=1/part-00000.csv")
    assert sink.list("x/") == ["x/dt=1/_manifest.json"]
    assert sink.url("x") == "s3://bucket/a/b/x"


def test_s3_settings_come_from_the_environment() -> None:
    env = {
        "LAKEHOUSE_S3_ENDPOINT": "http://store:8333",
        "LAKEHOUSE_S3_ACCESS_KEY": "k",
        "LAKEHOUSE_S3_SECRET_KEY": "s",
        "LAKEHOUSE_S3_REGION": "",
    }
    store = object_store(load_settings(env))
    assert (store.endpoint, store.access_key, store.secret_key, store.region) == (
        "http://store:8333",
        "k",
        "s",
        "",
    )
    assert object_store(load_settings({})).endpoint == ""


def test_s3_settings_come_from_the_settings_file(tmp_path: Path) -> None:
    """The generator's sink uses the same settings as the rest of the lake, settings file included."""
    settings_file = tmp_path / "lake.toml"
    settings_file.write_text('s3_endpoint = "http://store:8333"\ns3_access_key = "from-file"\n', "utf-8")
    store = object_store(load_settings({"LAKEHOUSE_SETTINGS_FILE": str(settings_file)}))
    assert (store.endpoint, store.access_key) == ("http://store:8333", "from-file")


def test_local_location_gives_a_local_sink(tmp_path: Path) -> None:
    sink = open_sink(str(tmp_path / "landing"))
    sink.put("a/b.txt", b"x")
    assert (tmp_path / "landing" / "a" / "b.txt").read_bytes() == b"x"
    assert not list((tmp_path / "landing" / "a").glob(".*.tmp"))
