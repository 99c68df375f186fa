"""Create the lakehouse buckets on the S3-compatible store, waiting for it to answer.

Run by infra/local/up.sh with the settings of infra/local/.env.cluster in the
environment: ``python infra/local/buckets.py lake landing``. Idempotent: an existing
bucket is left as it is.
"""

from __future__ import annotations

import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError


def s3_client():
    """Return a boto3 S3 client for the configured endpoint (path-style addressing).

    Returns:
        A ``botocore`` S3 client.
    """
    return boto3.client(
        "s3",
        endpoint_url=os.environ["LAKEHOUSE_S3_ENDPOINT"],
        aws_access_key_id=os.environ["LAKEHOUSE_S3_ACCESS_KEY"],
        aws_secret_access_key=os.environ["LAKEHOUSE_S3_SECRET_KEY"],
        region_name=os.environ.get("LAKEHOUSE_S3_REGION", "us-east-1"),
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )


def wait_for_store(client, timeout_s: float = 120.0) -> None:
    """Block until the store lists buckets (the gateway accepts the credentials).

    Args:
        client: S3 client from :func:`s3_client`.
        timeout_s: how long to keep trying.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            client.list_buckets()
            return
        except (ClientError, EndpointConnectionError, ConnectionError) as err:
            if time.monotonic() > deadline:
                raise SystemExit(f"object store not ready after {timeout_s:.0f}s: {err}") from err
            time.sleep(1)


def ensure_buckets(client, names: list[str]) -> list[str]:
    """Create the buckets that do not exist yet.

    Args:
        client: S3 client from :func:`s3_client`.
        names: bucket names.

    Returns:
        The names of the buckets that were created.
    """
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    created = []
    for name in names:
        if name not in existing:
            client.create_bucket(Bucket=name)
            created.append(name)
    return created


def main(argv: list[str]) -> int:
    client = s3_client()
    wait_for_store(client)
    created = ensure_buckets(client, argv)
    kept = [n for n in argv if n not in created]
    print(f"buckets: created {created or 'none'}, already there {kept or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
