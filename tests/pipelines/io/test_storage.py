"""Files on a folder or a bucket behind one interface: URIs, the local folder (atomic writes),
an S3 bucket listed page by page, and keys relative to a root."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pipelines.io.storage import LocalStorage, Prefixed, S3Storage, is_remote, join, spark_uri, storage_for
from pipelines.settings import Settings


class PagingClient:
    """Just enough of boto3's S3 client: objects in a dict, listings two keys per page."""

    PAGE = 2

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = dict(objects)  # "bucket/key" -> bytes
        self.pages = 0

    def _keys(self, bucket: str, prefix: str) -> list[str]:
        return sorted(k.split("/", 1)[1] for k in self.objects if k.startswith(f"{bucket}/{prefix}"))

    def list_objects_v2(self, Bucket, Prefix, Delimiter="", MaxKeys=1000, ContinuationToken="0"):  # noqa: N803
        self.pages += 1
        entries: list[tuple[str, str]] = []  # (kind, name), in listing order
        for key in self._keys(Bucket, Prefix):
            rest = key[len(Prefix) :]
            if Delimiter and Delimiter in rest:
                folder = ("dir", Prefix + rest.split(Delimiter, 1)[0] + Delimiter)
                if folder not in entries:
                    entries.append(folder)
            else:
                entries.append(("file", key))
        start = int(ContinuationToken)
        size = min(self.PAGE, MaxKeys)
        page = entries[start : start + size]
        reply = {
            "Contents": [{"Key": name} for kind, name in page if kind == "file"],
            "CommonPrefixes": [{"Prefix": name} for kind, name in page if kind == "dir"],
            "KeyCount": len(page),
            "IsTruncated": start + size < len(entries),
        }
        if reply["IsTruncated"]:
            reply["NextContinuationToken"] = str(start + size)
        return reply

    def get_object(self, Bucket, Key):  # noqa: N803
        return {"Body": io.BytesIO(self.objects[f"{Bucket}/{Key}"])}

    def put_object(self, Bucket, Key, Body):  # noqa: N803
        self.objects[f"{Bucket}/{Key}"] = Body

    def delete_object(self, Bucket, Key):  # noqa: N803
        self.objects.pop(f"{Bucket}/{Key}", None)


@pytest.mark.parametrize(
    ("base", "parts", "joined"),
    [
        ("/data/landing/", ("tax", "/returns/"), "/data/landing/tax/returns"),
        ("s3://bucket", ("a/", "b.csv"), "s3://bucket/a/b.csv"),
    ],
)
def test_join(base: str, parts: tuple[str, ...], joined: str) -> None:
    assert join(base, *parts) == joined


def test_spark_uri_and_remote() -> None:
    assert spark_uri("s3://lake/silver/t") == "s3a://lake/silver/t"
    assert spark_uri("/data/lake/silver/t") == "/data/lake/silver/t"
    assert is_remote("s3://b/k") and is_remote("s3a://b/k") and not is_remote("/data/s3://")


def test_storage_for_picks_the_storage_of_the_uri() -> None:
    settings = Settings(s3_endpoint="http://store:8333")
    assert isinstance(storage_for("/data/landing", settings), LocalStorage)
    remote = storage_for("s3://landing/deliveries", settings)
    assert isinstance(remote, S3Storage)
    assert remote._s3.meta.endpoint_url == "http://store:8333"  # the client of the settings' store


def test_local_storage(tmp_path: Path) -> None:
    storage, root = LocalStorage(), str(tmp_path)
    storage.write_bytes(join(root, "tax/returns/dt=1/part-00000.csv"), b"a,b\n")
    storage.write_bytes(join(root, "tax/returns/dt=1/_manifest.json"), b"{}")
    assert storage.exists(join(root, "tax/returns"))
    assert storage.list_dirs(join(root, "tax/returns")) == [join(root, "tax/returns/dt=1")]
    assert storage.list_files(join(root, "tax/returns")) == []
    assert storage.list_tree(join(root, "tax")) == [
        join(root, "tax/returns/dt=1/_manifest.json"),
        join(root, "tax/returns/dt=1/part-00000.csv"),
    ]
    assert not list(tmp_path.rglob(".*.tmp"))  # written under a temporary name, then renamed
    assert b"".join(storage.iter_chunks(join(root, "tax/returns/dt=1/part-00000.csv"))) == b"a,b\n"
    assert storage.list_dirs(join(root, "nothing")) == [] and storage.list_tree(join(root, "nothing")) == []
    storage.delete(join(root, "tax/returns/dt=1/missing.csv"))  # absent: no error
    storage.delete_tree(join(root, "tax"))
    assert not storage.exists(join(root, "tax"))


def test_s3_storage_lists_every_page() -> None:
    client = PagingClient(
        {f"lake/landing/tax/returns/dt={d}/part-0000{i}.csv": b"x" for d in (1, 2, 3) for i in (0, 1)}
    )
    client.objects["lake/landing/tax/returns/_note.txt"] = b"n"
    storage = S3Storage(client)
    assert storage.list_dirs("s3://lake/landing/tax/returns") == [
        f"s3://lake/landing/tax/returns/dt={d}" for d in (1, 2, 3)
    ]
    assert storage.list_files("s3://lake/landing/tax/returns") == ["s3://lake/landing/tax/returns/_note.txt"]
    tree = storage.list_tree("s3://lake/landing/tax")
    assert len(tree) == 7 and tree[0] == "s3://lake/landing/tax/returns/_note.txt"
    assert client.pages > 4  # more than one page per listing was needed
    assert storage.exists("s3://lake/landing/tax/returns/dt=2")
    assert not storage.exists("s3://lake/landing/energy")
    assert storage.read_bytes("s3://lake/landing/tax/returns/_note.txt") == b"n"
    storage.delete_tree("s3://lake/landing/tax/returns/dt=1")
    assert len(storage.list_tree("s3://lake/landing/tax")) == 5


def test_prefixed_keys_are_relative_to_the_root(tmp_path: Path) -> None:
    sink = Prefixed(LocalStorage(), str(tmp_path) + "/landing/")
    sink.put("tax/returns/dt=1/part-00000.csv", b"1")
    sink.put("tax/returns/dt=1/_manifest.json", b"{}")
    assert sink.list("tax/") == ["tax/returns/dt=1/_manifest.json", "tax/returns/dt=1/part-00000.csv"]
    assert sink.get("tax/returns/dt=1/part-00000.csv") == b"1"
    assert sink.url() == f"{tmp_path}/landing" and sink.url("tax") == f"{tmp_path}/landing/tax"


def test_dataset_address_follows_the_openlineage_naming_spec(tmp_path) -> None:
    from pipelines.io.storage import dataset_address

    assert dataset_address("s3a://lake/silver/tax_returns") == ("s3://lake", "silver/tax_returns")
    assert dataset_address("s3://landing/tax/returns/dt=2026-11-02/a.csv") == (
        "s3://landing",
        "tax/returns/dt=2026-11-02/a.csv",
    )
    assert dataset_address(str(tmp_path / "x" / ".." / "t")) == ("file", str((tmp_path / "t").resolve()))
    assert dataset_address("file:/srv/lake/gold/t") == ("file", "/srv/lake/gold/t")
