"""The one place where object-store settings become clients.

Spark (S3A), boto3 (landing zone, generator), delta-rs, pyarrow and DuckDB all reach the
same S3-protocol store; each gets its configuration from `ObjectStore`, built from the
settings object, so an endpoint or a credential is read in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines.settings import Settings


@dataclass(frozen=True)
class ObjectStore:
    """Connection to an S3-compatible store (empty endpoint: the AWS default)."""

    endpoint: str = ""
    access_key: str = ""
    secret_key: str = ""
    region: str = "us-east-1"

    @classmethod
    def from_settings(cls, settings: Settings) -> ObjectStore:
        """The store the settings name."""
        return cls(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key, settings.s3_region)

    def __repr__(self) -> str:
        return f"ObjectStore(endpoint={self.endpoint!r}, access_key={self.access_key!r}, secret_key='***')"

    @property
    def plain_http(self) -> bool:
        """True for an `http://` endpoint (a store on loopback)."""
        return self.endpoint.startswith("http://")

    def client(self) -> Any:
        """A boto3 S3 client (path-style addressing, as S3-compatible stores expect)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint or None,
            aws_access_key_id=self.access_key or None,
            aws_secret_access_key=self.secret_key or None,
            region_name=self.region or None,
            config=Config(s3={"addressing_style": "path"}),
        )

    def s3a_conf(self) -> dict[str, str]:
        """Spark settings for S3A; `s3://` paths are served by S3A too."""
        conf = {
            "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
            "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
            "spark.hadoop.fs.s3a.path.style.access": "true",
            "spark.hadoop.fs.s3a.endpoint.region": self.region,
            "spark.hadoop.fs.s3a.access.key": self.access_key,
            "spark.hadoop.fs.s3a.secret.key": self.secret_key,
        }
        if self.endpoint:
            conf["spark.hadoop.fs.s3a.endpoint"] = self.endpoint
            conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] = str(self.endpoint.startswith("https"))
        return conf

    def delta_rs_options(self) -> dict[str, str]:
        """delta-rs `storage_options` (empty without an endpoint: local tables)."""
        if not self.endpoint:
            return {}
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": self.region,
            "AWS_ALLOW_HTTP": str(self.plain_http).lower(),
            "AWS_S3_ALLOW_UNSAFE_RENAME": "true",
        }

    def arrow_filesystem(self) -> Any:
        """A pyarrow S3 file system for the store."""
        from pyarrow import fs

        return fs.S3FileSystem(
            endpoint_override=self.endpoint or None,
            access_key=self.access_key or None,
            secret_key=self.secret_key or None,
            region=self.region,
            scheme="http" if self.plain_http else "https",
        )


def object_store(settings: Settings) -> ObjectStore:
    """The object store of a deployment."""
    return ObjectStore.from_settings(settings)
