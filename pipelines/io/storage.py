"""Files on a local folder or an S3-compatible bucket, behind one small interface.

Used by the driver for the landing zone (listing deliveries, reading manifests,
checksumming files) and by the generator (`Prefixed`: keys relative to a root).
Spark reads the same URIs itself through S3A. Clients come from `pipelines.io.objectstore`.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol

from pipelines.io.objectstore import object_store
from pipelines.settings import Settings

CHUNK = 1 << 20


class Storage(Protocol):
    """What the pipeline needs from a file system."""

    def exists(self, uri: str) -> bool: ...
    def list_dirs(self, uri: str) -> list[str]: ...
    def list_files(self, uri: str) -> list[str]: ...
    def list_tree(self, uri: str) -> list[str]: ...
    def read_bytes(self, uri: str) -> bytes: ...
    def iter_chunks(self, uri: str) -> Iterator[bytes]: ...
    def open(self, uri: str) -> IO[bytes]: ...
    def stat(self, uri: str) -> tuple[int, str]: ...
    def write_bytes(self, uri: str, data: bytes) -> None: ...
    def delete(self, uri: str) -> None: ...
    def delete_tree(self, uri: str) -> None: ...


def join(base: str, *parts: str) -> str:
    """Join URI parts with '/' (works for folders and s3:// prefixes)."""
    return "/".join([base.rstrip("/"), *[p.strip("/") for p in parts]])


def spark_uri(uri: str) -> str:
    """The URI Spark uses for `uri`: `s3://` goes through S3A."""
    return "s3a://" + uri[len("s3://") :] if uri.startswith("s3://") else uri


class LocalStorage:
    """Storage on the local file system."""

    def exists(self, uri: str) -> bool:
        return Path(uri).exists()

    def list_dirs(self, uri: str) -> list[str]:
        path = Path(uri)
        return sorted(str(p) for p in path.iterdir() if p.is_dir()) if path.is_dir() else []

    def list_files(self, uri: str) -> list[str]:
        path = Path(uri)
        return sorted(str(p) for p in path.iterdir() if p.is_file()) if path.is_dir() else []

    def list_tree(self, uri: str) -> list[str]:
        path = Path(uri)
        if not path.is_dir():
            return []
        return sorted(join(uri, p.relative_to(path).as_posix()) for p in path.rglob("*") if p.is_file())

    def read_bytes(self, uri: str) -> bytes:
        return Path(uri).read_bytes()

    def iter_chunks(self, uri: str) -> Iterator[bytes]:
        with open(uri, "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def open(self, uri: str) -> IO[bytes]:
        return open(uri, "rb")

    def stat(self, uri: str) -> tuple[int, str]:
        """Size and a version token (modification time): a rewrite changes the token."""
        info = Path(uri).stat()
        return info.st_size, str(info.st_mtime_ns)

    def write_bytes(self, uri: str, data: bytes) -> None:
        """Write atomically: a temporary name, then a rename (readers never see half a file)."""
        path = Path(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def delete(self, uri: str) -> None:
        Path(uri).unlink(missing_ok=True)

    def delete_tree(self, uri: str) -> None:
        shutil.rmtree(uri, ignore_errors=True)


class S3Storage:
    """Storage on an S3-compatible object store, through a boto3 client (`ObjectStore.client()`)."""

    def __init__(self, client: Any) -> None:
        self._s3 = client

    @staticmethod
    def _split(uri: str) -> tuple[str, str]:
        bucket, _, key = uri.split("://", 1)[1].partition("/")
        return bucket, key

    def _pages(self, uri: str, delimiter: str) -> Iterator[dict[str, Any]]:
        bucket, key = self._split(uri)
        kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": key.rstrip("/") + "/" if key else ""}
        if delimiter:
            kwargs["Delimiter"] = delimiter
        while True:
            page = self._s3.list_objects_v2(**kwargs)
            yield page
            if not page.get("IsTruncated"):
                return
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def _list(self, uri: str, dirs: bool) -> list[str]:
        bucket, _ = self._split(uri)
        found: list[str] = []
        for page in self._pages(uri, "/"):
            if dirs:
                found += [f"s3://{bucket}/{p['Prefix'].rstrip('/')}" for p in page.get("CommonPrefixes", [])]
            else:
                found += [f"s3://{bucket}/{o['Key']}" for o in page.get("Contents", [])]
        return sorted(found)

    def list_tree(self, uri: str) -> list[str]:
        bucket, _ = self._split(uri)
        return sorted(f"s3://{bucket}/{o['Key']}" for page in self._pages(uri, "") for o in page.get("Contents", []))

    def exists(self, uri: str) -> bool:
        bucket, key = self._split(uri)
        response = self._s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
        return response.get("KeyCount", 0) > 0

    def list_dirs(self, uri: str) -> list[str]:
        return self._list(uri, dirs=True)

    def list_files(self, uri: str) -> list[str]:
        return self._list(uri, dirs=False)

    def read_bytes(self, uri: str) -> bytes:
        bucket, key = self._split(uri)
        return self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def iter_chunks(self, uri: str) -> Iterator[bytes]:
        bucket, key = self._split(uri)
        yield from self._s3.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(CHUNK)

    def open(self, uri: str) -> IO[bytes]:
        """A seekable reader that fetches only the byte ranges asked for (never the whole object)."""
        bucket, key = self._split(uri)
        return io.BufferedReader(RangedObject(self._s3, bucket, key), buffer_size=1 << 16)

    def stat(self, uri: str) -> tuple[int, str]:
        """Size and a version token (the ETag): a rewrite changes the token."""
        bucket, key = self._split(uri)
        head = self._s3.head_object(Bucket=bucket, Key=key)
        return int(head["ContentLength"]), str(head.get("ETag", ""))

    def write_bytes(self, uri: str, data: bytes) -> None:
        """Upload an object (a single PUT is atomic for readers)."""
        bucket, key = self._split(uri)
        self._s3.put_object(Bucket=bucket, Key=key, Body=data)

    def delete(self, uri: str) -> None:
        bucket, key = self._split(uri)
        self._s3.delete_object(Bucket=bucket, Key=key)

    def delete_tree(self, uri: str) -> None:
        for obj in self.list_tree(uri):
            self.delete(obj)


def dataset_address(uri: str) -> tuple[str, str]:
    """OpenLineage's (namespace, name) of a stored location: (`file`, `/abs/path`) or (`s3://bucket`, `key`)."""
    if uri.startswith(("s3://", "s3a://")):
        bucket, _, key = uri.split("://", 1)[1].partition("/")
        return f"s3://{bucket}", key
    return "file", uri[len("file:") :] if uri.startswith("file:") else str(Path(uri).resolve())


def is_remote(uri: str) -> bool:
    """True for an object-store URI (`s3://`, `s3a://`)."""
    return uri.startswith(("s3://", "s3a://"))


class RangedObject(io.RawIOBase):
    """A read-only, seekable file over one object, each read a ranged GET (Parquet footers, offsets)."""

    def __init__(self, client: object, bucket: str, key: str) -> None:
        self._s3, self._bucket, self._key, self._pos = client, bucket, key, 0
        self._size = int(self._s3.head_object(Bucket=bucket, Key=key)["ContentLength"])  # type: ignore[attr-defined]

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int = -1) -> bytes:
        end = self._size if size is None or size < 0 else min(self._size, self._pos + size)
        if end <= self._pos:
            return b""
        rng = f"bytes={self._pos}-{end - 1}"
        data = self._s3.get_object(Bucket=self._bucket, Key=self._key, Range=rng)["Body"].read()  # type: ignore[attr-defined]
        self._pos += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def storage_for(uri: str, settings: Settings) -> Storage:
    """The storage serving `uri`, its client built from the settings' object store."""
    if is_remote(uri):
        return S3Storage(object_store(settings).client())
    return LocalStorage()


class Prefixed:
    """A storage location addressed by keys relative to its root (the generator's sink).

    `Prefixed(storage, "s3://landing/deliveries").put("tax/returns/dt=…/part-00000.csv", data)`.
    """

    def __init__(self, storage: Storage, root: str) -> None:
        self.storage = storage
        self.root = root.rstrip("/")

    def _uri(self, key: str) -> str:
        return join(self.root, key) if key else self.root

    def put(self, key: str, data: bytes) -> None:
        """Write `data` under `key`, replacing what was there (atomically for readers)."""
        self.storage.write_bytes(self._uri(key), data)

    def get(self, key: str) -> bytes:
        """Read the bytes under `key`."""
        return self.storage.read_bytes(self._uri(key))

    def list(self, prefix: str) -> list[str]:
        """Keys under the folder-like `prefix`, relative to the root, sorted."""
        strip = len(self.root) + 1
        return sorted(uri[strip:] for uri in self.storage.list_tree(self._uri(prefix)))

    def delete(self, key: str) -> None:
        """Remove `key` if present."""
        self.storage.delete(self._uri(key))

    def url(self, key: str = "") -> str:
        """Where `key` is (a path or an s3:// URL)."""
        return self._uri(key)
