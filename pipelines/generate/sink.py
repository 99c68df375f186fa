"""Where generated files go: a local folder or an S3-compatible bucket prefix.

Both sinks take keys relative to their root (`tax/returns/dt=2026-11-01/part-00000.csv`).
The object-store connection comes from the environment only (`s3_settings`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


class Sink(Protocol):
    """The few operations the generator needs from a storage location."""

    def put(self, key: str, data: bytes) -> None:
        """Write `data` under `key`, replacing what was there."""

    def get(self, key: str) -> bytes:
        """Read the bytes under `key`."""

    def list(self, prefix: str) -> list[str]:
        """Keys under `prefix` (a folder-like prefix ending in '/')."""

    def delete(self, key: str) -> None:
        """Remove `key` if present."""

    def url(self, key: str = "") -> str:
        """Human-readable location of `key`."""


@dataclass(frozen=True)
class S3Settings:
    """Object-store connection, from LAKEHOUSE_S3_* environment variables."""

    endpoint: str | None
    access_key: str | None
    secret_key: str | None
    region: str | None


def s3_settings(env: dict[str, str] | None = None) -> S3Settings:
    """Read the object-store settings from the environment.

    Args:
        env: mapping to read instead of `os.environ` (tests).

    Returns:
        Settings; unset variables are None (boto3 then uses its own defaults).
    """
    env = os.environ if env is None else env
    return S3Settings(
        endpoint=env.get("LAKEHOUSE_S3_ENDPOINT") or None,
        access_key=env.get("LAKEHOUSE_S3_ACCESS_KEY") or None,
        secret_key=env.get("LAKEHOUSE_S3_SECRET_KEY") or None,
        region=env.get("LAKEHOUSE_S3_REGION") or None,
    )


class LocalSink:
    """Files under a local folder; each write goes to a temporary name, then is renamed."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def put(self, key: str, data: bytes) -> None:
        """Write atomically (readers never see half a file under its final name)."""
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def get(self, key: str) -> bytes:
        """Read a file."""
        return (self.root / key).read_bytes()

    def list(self, prefix: str) -> list[str]:
        """Files directly or indirectly under the folder `prefix`."""
        base = self.root / prefix
        if not base.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)).replace(os.sep, "/") for p in base.rglob("*") if p.is_file())

    def delete(self, key: str) -> None:
        """Remove a file if it exists."""
        (self.root / key).unlink(missing_ok=True)

    def url(self, key: str = "") -> str:
        """The file's path."""
        return str(self.root / key) if key else str(self.root)


class S3Sink:
    """Objects under `s3://bucket/prefix`, through a boto3-compatible client."""

    def __init__(self, bucket: str, prefix: str, client: Any) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> None:
        """Upload an object (a single PUT is atomic for readers)."""
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def get(self, key: str) -> bytes:
        """Download an object."""
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def list(self, prefix: str) -> list[str]:
        """Keys under `prefix`, relative to the sink's prefix."""
        out: list[str] = []
        kwargs = {"Bucket": self.bucket, "Prefix": self._key(prefix)}
        strip = len(self.prefix) + 1 if self.prefix else 0
        while True:
            page = self.client.list_objects_v2(**kwargs)
            out += [item["Key"][strip:] for item in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return sorted(out)
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def delete(self, key: str) -> None:
        """Delete an object (no error when absent)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def url(self, key: str = "") -> str:
        """The object's s3:// URL."""
        return f"s3://{self.bucket}/{self._key(key)}" if key else f"s3://{self.bucket}/{self.prefix}"


def s3_client(settings: S3Settings) -> Any:
    """A boto3 S3 client for the settings (path-style addressing for S3-compatible stores)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.endpoint,
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        region_name=settings.region,
        config=Config(s3={"addressing_style": "path"}),
    )


def open_sink(location: str, client: Any = None) -> Sink:
    """A sink for a local folder or an `s3://bucket/prefix` location.

    Args:
        location: folder path or s3 URL.
        client: S3 client to use instead of one built from `s3_settings()` (tests).

    Returns:
        The sink.
    """
    if location.startswith("s3://") or location.startswith("s3a://"):
        bucket, _, prefix = location.split("://", 1)[1].partition("/")
        return S3Sink(bucket, prefix, client if client is not None else s3_client(s3_settings()))
    return LocalSink(location)


def join(location: str, *parts: str) -> str:
    """Join a location (folder or s3 URL) with sub-paths using '/'."""
    return "/".join([location.rstrip("/")] + [p.strip("/") for p in parts])
